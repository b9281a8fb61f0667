#include "drivers/virtio/vring.h"

#include "lib/string.h"
#include "uapi/errno.h"

/* The device reads and writes the rings concurrently (another QEMU thread):
 * loads and stores of shared fields are single accesses, ordered by fences. */
#define SHARED_LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define SHARED_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

static size_t used_offset(unsigned size)
{
	/* avail: flags, idx, ring[size], used_event */
	return align_up(16 * (size_t)size + 2 * (3 + (size_t)size), 4);
}

size_t vring_bytes(unsigned size)
{
	if (size == 0 || size > VRING_MAX_SIZE || (size & (size - 1)))
		return 0;
	/* used: flags, idx, ring[size], avail_event */
	return used_offset(size) + 6 + 8 * (size_t)size;
}

void vring_init(struct vring *r, void *mem, unsigned size, void **tokens, uint16_t *chain_len,
		vring_to_phys_fn to_phys)
{
	uint8_t *base = mem;
	*r = (struct vring){
		.size = size,
		.desc = mem,
		.avail = (struct vring_avail *)(base + 16 * (size_t)size),
		.used = (struct vring_used *)(base + used_offset(size)),
		.tokens = tokens,
		.chain_len = chain_len,
		.to_phys = to_phys,
		.free_head = 0,
		.num_free = (uint16_t)size,
	};
	for (unsigned i = 0; i < size; i++) {
		r->desc[i].next = (uint16_t)((i + 1) % size);
		tokens[i] = NULL;
		chain_len[i] = 0;
	}
}

uint64_t vring_desc_pa(const struct vring *r)
{
	return r->to_phys(r->desc);
}

uint64_t vring_avail_pa(const struct vring *r)
{
	return r->to_phys(r->avail);
}

uint64_t vring_used_pa(const struct vring *r)
{
	return r->to_phys(r->used);
}

int vring_add(struct vring *r, const struct virtio_buf *bufs, unsigned n_out, unsigned n_in,
	      void *token)
{
	unsigned n = n_out + n_in;
	if (n == 0 || n < n_out || !token)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (bufs[i].len == 0)
			return -EINVAL;
	if (n > r->num_free)
		return -ENOSPC;
	uint16_t head = r->free_head, d = head;
	for (unsigned i = 0; i < n; i++) {
		struct vring_desc *desc = &r->desc[d];
		desc->addr = r->to_phys(bufs[i].addr);
		desc->len = bufs[i].len;
		desc->flags = (uint16_t)((i >= n_out ? VRING_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VRING_DESC_F_NEXT : 0));
		if (i + 1 < n)
			d = desc->next;
	}
	r->free_head = r->desc[d].next;
	r->num_free = (uint16_t)(r->num_free - n);
	r->tokens[head] = token;
	r->chain_len[head] = (uint16_t)n;

	r->avail->ring[r->avail_idx & (r->size - 1)] = head;
	r->avail_idx++;
	/* The descriptors and the ring entry before the index that publishes them. */
	SHARED_STORE(r->avail->idx, r->avail_idx);
	return 0;
}

bool vring_kick_needed(struct vring *r)
{
	if (r->kicked_at == r->avail_idx)
		return false;
	/* Our index store before the load of the device's flag: a device that
	 * is about to stop polling then sees the new entries or we see its flag. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r->kicked_at = r->avail_idx;
	return !(SHARED_LOAD(r->used->flags) & VRING_USED_F_NO_NOTIFY);
}

bool vring_has_used(const struct vring *r)
{
	return !r->broken && SHARED_LOAD(r->used->idx) != r->last_used;
}

void *vring_get_used(struct vring *r, uint32_t *len)
{
	if (!vring_has_used(r))
		return NULL;
	/* The acquire load of used->idx orders the entry's read after it. */
	struct vring_used_elem e = r->used->ring[r->last_used & (r->size - 1)];
	if (e.id >= r->size || !r->tokens[e.id]) {
		r->broken = true;
		return NULL;
	}
	r->last_used++;
	uint16_t head = (uint16_t)e.id, n = r->chain_len[head], d = head;
	uint64_t room = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (r->desc[d].flags & VRING_DESC_F_WRITE)
			room += r->desc[d].len;
		if (i + 1 < n)
			d = r->desc[d].next;
	}
	/* The chain goes back on the free list as a whole. */
	r->desc[d].next = r->free_head;
	r->free_head = head;
	r->num_free = (uint16_t)(r->num_free + n);
	void *token = r->tokens[head];
	r->tokens[head] = NULL;
	r->chain_len[head] = 0;
	if (len)
		*len = e.len < room ? e.len : (uint32_t)room;
	return token;
}

bool vring_interrupts(struct vring *r, bool on)
{
	uint16_t flags = on ? 0 : VRING_AVAIL_F_NO_INTERRUPT;
	SHARED_STORE(r->avail->flags, flags);
	if (!on)
		return false;
	/* As in vring_kick_needed: our flag store before the load of used->idx. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vring_has_used(r);
}
