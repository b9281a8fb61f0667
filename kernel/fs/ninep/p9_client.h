/*
 * A 9P2000.L client over one channel (p9_transport.h): fids, tags, buffers,
 * and one function per request. Each call sends one T-message, sleeps for
 * its answer and returns 0 (or a count) or a negative errno: the host's own
 * errno from an Rlerror, -EIO for an answer that is not a well-formed reply.
 * Up to P9_SLOTS requests are in flight at once; more callers wait.
 */
#ifndef UPY_FS_NINEP_P9_CLIENT_H
#define UPY_FS_NINEP_P9_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/ninep/p9_msg.h"
#include "mm/iov_iter.h"
#include "fs/ninep/p9_transport.h"

struct p9_client;

/* Negotiates the version and attaches to the export's root (root_fid). */
int p9_connect(struct p9_channel *ch, struct p9_client **out, uint32_t *root_fid,
	       struct p9_qid *root_qid);
/* The largest data count one read or write carries. */
uint32_t p9_iosize(const struct p9_client *c);
/* A fid number not in use (the caller binds it with walk, and clunks it). */
uint32_t p9_fid_new(struct p9_client *c);

/* Walks newfid to the child name of fid (len 0: a copy of fid itself). */
int p9_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, const char *name, size_t len,
	    struct p9_qid *qid);
int p9_clunk(struct p9_client *c, uint32_t fid);
int p9_getattr(struct p9_client *c, uint32_t fid, struct p9_attr *a);
int p9_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *a);
int p9_lopen(struct p9_client *c, uint32_t fid, uint32_t flags);
/* Creates name in the directory fid and opens it: fid then is the file. */
int p9_lcreate(struct p9_client *c, uint32_t fid, const char *name, size_t len, uint32_t flags,
	       uint32_t mode, uint32_t gid, struct p9_qid *qid);
/* Reads up to count (at most p9_iosize) bytes at off into the buffer.
 * Returns the bytes read (0 at the end; fewer than the host sent when the
 * buffer has a bad app segment, -EFAULT when none could be copied). */
int64_t p9_read(struct p9_client *c, uint32_t fid, uint64_t off, struct iov_iter *to,
		uint32_t count);
/* Writes up to count bytes from the buffer at off; returns how many the host
 * took. mirror (may be NULL) sees the bytes the host took, before they go. */
typedef void (*p9_mirror_fn)(void *ctx, uint64_t off, const void *data, size_t n);
int64_t p9_write(struct p9_client *c, uint32_t fid, uint64_t off, struct iov_iter *from,
		 uint32_t count, p9_mirror_fn mirror, void *ctx);
/* Reads directory entries from cookie off on, handing each to fn (which
 * returns < 0 to stop). Returns the number of entries the host sent (0 at
 * the end of the directory). */
typedef int (*p9_dirent_fn)(void *ctx, const struct p9_dirent *e);
int p9_readdir(struct p9_client *c, uint32_t fid, uint64_t off, p9_dirent_fn fn, void *ctx);
int p9_fsync(struct p9_client *c, uint32_t fid, bool datasync);
int p9_mkdir(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t mode,
	     uint32_t gid);
int p9_mknod(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t mode,
	     uint32_t rdev, uint32_t gid);
int p9_symlink(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
	       const char *target, size_t target_len, uint32_t gid);
int p9_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name, size_t len);
/* Copies the link's target into buf (not NUL-terminated); returns its length. */
int p9_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t size);
int p9_renameat(struct p9_client *c, uint32_t odfid, const char *oname, size_t olen,
		uint32_t ndfid, const char *nname, size_t nlen);
int p9_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t flags);
int p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *s);

#endif
