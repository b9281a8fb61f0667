#include "net/cmsg.h"

#include "lib/overflow.h"
#include "lib/string.h"
#include "uapi/errno.h"

/*
 * Linux's walk (for_each_cmsghdr with CMSG_OK, net/core/scm.c): a header
 * is read only where one fits in what is left of the buffer (CMSG_FIRSTHDR,
 * CMSG_NXTHDR), else the walk ends; a message whose cmsg_len is smaller
 * than its header or reaches past msg_controllen is -EINVAL. So c->len is
 * at most controllen - *off here and the step to the next header cannot
 * wrap; the checked helpers keep it so whatever controllen is.
 */
const struct cmsg *cmsg_next(const struct kmsg *m, size_t *off, int *err)
{
	*err = 0;
	if (!m->control || *off > m->controllen || m->controllen - *off < CMSG_HDR)
		return NULL;
	const struct cmsg *c = (const struct cmsg *)((const uint8_t *)m->control + *off);
	uint64_t step, next;
	if (c->len < CMSG_HDR || c->len > m->controllen - *off ||
	    check_align_up_overflow(c->len, 8, &step) || check_add_overflow(*off, step, &next)) {
		*err = -EINVAL;
		return NULL;
	}
	*off = next;
	return c;
}

void cmsg_put(struct kmsg *m, size_t *used, int level, int type, const void *data, size_t len)
{
	size_t room = m->controllen > *used ? m->controllen - *used : 0;
	if (!m->control || room < CMSG_HDR) {
		m->flags |= MSG_CTRUNC;
		return;
	}
	size_t full = CMSG_HDR + len;
	size_t put = full;
	if (room < full) {
		m->flags |= MSG_CTRUNC;
		put = room;
	}
	struct cmsg *c = (struct cmsg *)((uint8_t *)m->control + *used);
	c->len = put;
	c->level = level;
	c->type = type;
	memcpy(c + 1, data, put - CMSG_HDR);
	size_t space = CMSG_ALIGN(full);
	*used += space < room ? space : room;
}
