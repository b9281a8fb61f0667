/*
 * Where 9P messages travel: one channel per host directory the VMM exports,
 * found by its mount tag. drivers/virtio/9p.c provides channels over
 * virtio-9p; the client (p9_client.c) only sees this interface.
 */
#ifndef UPY_FS_NINEP_P9_TRANSPORT_H
#define UPY_FS_NINEP_P9_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

struct p9_channel;

/* The channel whose mount tag is tag (len bytes), or NULL. */
struct p9_channel *p9_channel_find(const char *tag, size_t len);

/* Sends the T-message in tbuf (tlen bytes) and sleeps until the host wrote
 * its answer into rbuf (room for rcap bytes); *rlen gets how many it wrote
 * (never more than rcap, whatever the device says).
 * Both buffers are kmalloc'ed kernel memory and stay untouched by the
 * caller until this returns. 0, or -EIO when the channel is broken. */
int p9_channel_rpc(struct p9_channel *ch, const void *tbuf, size_t tlen, void *rbuf,
		   size_t rcap, uint32_t *rlen);

#endif
