#include "net/cmsg.h"

#include "lib/string.h"
#include "linux/uapi/errno.h"

const struct cmsg *cmsg_next(const struct kmsg *m, size_t *off, int *err)
{
	*err = 0;
	if (!m->control || *off + CMSG_HDR > m->controllen)
		return NULL;
	const struct cmsg *c = (const struct cmsg *)((const uint8_t *)m->control + *off);
	if (c->len < CMSG_HDR || *off + c->len > m->controllen) {
		*err = -EINVAL;
		return NULL;
	}
	*off += CMSG_ALIGN(c->len);
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
