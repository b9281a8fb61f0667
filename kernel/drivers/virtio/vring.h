/*
 * The split virtqueue's memory and index arithmetic (virtio 1.2, 2.7),
 * without the transport: portable, so the host unit tests drive it with a
 * device of their own (tests/unit/test_virtio.py). Internal to
 * drivers/virtio/; drivers use virtio.h.
 *
 * The rings live in one zeroed block of vring_bytes(size): the descriptor
 * table, then the available ring, then (4-aligned) the used ring. The
 * driver owns the descriptors it has not handed out; free ones form a list
 * through their `next` fields. Indices are free-running 16-bit counters:
 * avail->idx counts requests ever posted, used->idx requests ever finished;
 * a slot is the index modulo the (power of two) size.
 */
#ifndef UPY_DRIVERS_VIRTIO_VRING_H
#define UPY_DRIVERS_VIRTIO_VRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtio.h"

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1
#define VRING_MAX_SIZE 32768

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

typedef uint64_t (*vring_to_phys_fn)(const void *va);

struct vring {
	unsigned size;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	void **tokens;       /* size entries: the token of a chain, by its head */
	uint16_t *chain_len; /* size entries: descriptors in the chain at a head */
	vring_to_phys_fn to_phys;
	uint16_t free_head;
	uint16_t num_free;
	uint16_t avail_idx; /* our copy of avail->idx */
	uint16_t last_used; /* the next used entry to take */
	uint16_t kicked_at; /* avail_idx at the last kick */
	bool broken;        /* the device returned something it was never given */
};

/* Bytes of ring memory for `size` entries; 0 when size is not a power of
 * two in 1..VRING_MAX_SIZE. */
size_t vring_bytes(unsigned size);
/* Lays the rings out in mem (vring_bytes(size), zeroed, 16-aligned); tokens
 * and chain_len hold size entries each. */
void vring_init(struct vring *r, void *mem, unsigned size, void **tokens, uint16_t *chain_len,
		vring_to_phys_fn to_phys);
/* Guest-physical addresses of the three parts, for the transport. */
uint64_t vring_desc_pa(const struct vring *r);
uint64_t vring_avail_pa(const struct vring *r);
uint64_t vring_used_pa(const struct vring *r);

/* Posts a chain: n_out device-readable buffers, then n_in device-writable
 * ones. 0, -EINVAL (no buffers, a NULL token, an empty buffer) or -ENOSPC. */
int vring_add(struct vring *r, const struct virtio_buf *bufs, unsigned n_out, unsigned n_in,
	      void *token);
/* Whether the device wants to be told about chains added since the last
 * kick; records that it was told. */
bool vring_kick_needed(struct vring *r);
bool vring_has_used(const struct vring *r);
/* Takes one finished chain: returns its token and the bytes the device says
 * it wrote (at most what the chain could hold), or NULL when there is none
 * or the device returned a chain it never got (r->broken is set then). */
void *vring_get_used(struct vring *r, uint32_t *len);
/* Asks the device for (on) or not (off) interrupts on used buffers. On:
 * returns whether used buffers are already waiting. */
bool vring_interrupts(struct vring *r, bool on);

#endif
