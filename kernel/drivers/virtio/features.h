/*
 * Feature negotiation (virtio 1.2, 2.2): what the driver accepts of what
 * the device offers. Portable (host unit tests).
 */
#ifndef UPY_DRIVERS_VIRTIO_FEATURES_H
#define UPY_DRIVERS_VIRTIO_FEATURES_H

#include <stdint.h>

/* The features to accept: the offered ones the driver wants or requires,
 * plus VIRTIO_F_VERSION_1, which is always required (no legacy devices).
 * Returns 0, or -1 with *missing = the required bits the device lacks. */
int virtio_negotiate(uint64_t offered, uint64_t wanted, uint64_t required, uint64_t *accepted,
		     uint64_t *missing);

#endif
