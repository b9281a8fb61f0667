#include "drivers/virtio/features.h"

#include "drivers/virtio/virtio.h"

int virtio_negotiate(uint64_t offered, uint64_t wanted, uint64_t required, uint64_t *accepted,
		     uint64_t *missing)
{
	required |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	*missing = required & ~offered;
	*accepted = offered & (wanted | required);
	return *missing ? -1 : 0;
}
