/*
 * Control messages (cmsg(3)) in the kernel's copy of an app's control
 * buffer: walking the ones a sender gave, and adding ones for a receiver
 * with Linux's truncation rules.
 */
#ifndef UPY_NET_CMSG_H
#define UPY_NET_CMSG_H

#include <stddef.h>
#include <stdint.h>

#include "net/socket.h"

struct cmsg {
	uint64_t len; /* header and data, without the final padding */
	int32_t level;
	int32_t type;
};

#define CMSG_ALIGN(n) (((n) + 7) & ~(size_t)7)
#define CMSG_HDR sizeof(struct cmsg)

static inline const void *cmsg_data(const struct cmsg *c)
{
	return c + 1;
}

static inline size_t cmsg_data_len(const struct cmsg *c)
{
	return c->len - CMSG_HDR;
}

/* The next control message of a sender's buffer after *off (which moves
 * on): NULL at the end, or with *err = -EINVAL for a malformed one. */
const struct cmsg *cmsg_next(const struct kmsg *m, size_t *off, int *err);

/* Adds a control message for the receiver at *used. As Linux's put_cmsg:
 * with no room for a header it only sets MSG_CTRUNC; with room for part of
 * the data it puts that part, truncated, and sets MSG_CTRUNC. */
void cmsg_put(struct kmsg *m, size_t *used, int level, int type, const void *data, size_t len);

#endif
