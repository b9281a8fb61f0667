#include "fs/ninep/p9_client.h"

#include "core/console.h"
#include "core/stats.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

/* Messages of up to 504 KiB: a read or write moves msize less the header
 * per round trip, and every round trip is a device notification, a wait
 * and an interrupt, so a 1 MiB read is 3 of them, not the 16 it was at
 * 64 KiB (the bench's storage rows: sequential 9P reads about 1.6-2x
 * faster under TCG). A request's two buffers are one heap block of msize
 * each, P9_SLOTS of them: 8 x msize, at most 1/256 of the free memory at
 * mount (504 KiB from 256 MiB up), never below 64 KiB. */
#define P9_MAX_MSIZE (126u * 4096u)
#define P9_FLOOR_MSIZE 65536u
#define P9_MIN_MSIZE 4096u
#define P9_SLOTS 4

/* A request's buffers; its index is the request's tag. */
struct p9_slot {
	uint8_t *t, *r;
	bool busy;
};

struct p9_client {
	struct p9_channel *ch;
	uint32_t msize;
	uint32_t next_fid;
	struct p9_slot slots[P9_SLOTS];
	struct waitq slot_free;
};

static uint16_t take_slot(struct p9_client *c)
{
	for (;;) {
		for (uint16_t i = 0; i < P9_SLOTS; i++) {
			if (!c->slots[i].busy) {
				c->slots[i].busy = true;
				return i;
			}
		}
		sched_wait(&c->slot_free, 0, false, "9p slot", 0);
	}
}

static void give_slot(struct p9_client *c, uint16_t tag)
{
	c->slots[tag].busy = false;
	sched_wake(&c->slot_free, 1);
}

/* Sends the message built in slot tag (tlen bytes); *rlen = the answer's. */
static int send(struct p9_client *c, uint16_t tag, size_t tlen, uint32_t *rlen)
{
	if (tlen == 0)
		return -ENAMETOOLONG; /* a name or target too long for one message */
	kstats.p9_requests++;
	return p9_channel_rpc(c->ch, c->slots[tag].t, tlen, c->slots[tag].r, c->msize, rlen);
}

/* The common shape: build (into slot), send, and read a fieldless reply. */
#define SIMPLE(ttype, build)                                              \
	do {                                                              \
		uint16_t tag = take_slot(c);                              \
		uint8_t *t = c->slots[tag].t;                             \
		uint32_t rlen;                                            \
		int rc = send(c, tag, (build), &rlen);                    \
		if (rc == 0)                                              \
			rc = p9_rempty(c->slots[tag].r, rlen, ttype, tag); \
		give_slot(c, tag);                                        \
		return rc;                                                \
	} while (0)

static uint32_t msize_for_memory(void)
{
	static const uint32_t sizes[] = { P9_MAX_MSIZE, 262144u, 131072u };
	uint64_t room = frames_free() * PAGE_SIZE / 256;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i] <= room)
			return sizes[i];
	return P9_FLOOR_MSIZE;
}

int p9_connect(struct p9_channel *ch, struct p9_client **out, uint32_t *root_fid,
	       struct p9_qid *root_qid)
{
	int rc = -ENOMEM;
	struct p9_client *c = kzalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	uint32_t want = msize_for_memory();
	c->ch = ch;
	c->msize = want;
	c->next_fid = 1;
	for (int i = 0; i < P9_SLOTS; i++) {
		c->slots[i].t = kmalloc(want);
		c->slots[i].r = kmalloc(want);
		if (!c->slots[i].t || !c->slots[i].r)
			goto fail;
	}
	uint32_t rlen, msize;
	const char *ver;
	uint16_t ver_len;
	size_t n = p9_tversion(c->slots[0].t, want, want, P9_VERSION);
	rc = p9_channel_rpc(ch, c->slots[0].t, n, c->slots[0].r, want, &rlen);
	if (rc == 0)
		rc = p9_rversion(c->slots[0].r, rlen, &msize, &ver, &ver_len);
	if (rc == 0 && (ver_len != strlen(P9_VERSION) || memcmp(ver, P9_VERSION, ver_len) != 0 ||
			msize < P9_MIN_MSIZE || msize > want)) {
		kprintf("9p: the host does not speak %s with messages of 4 KiB..%u KiB\n", P9_VERSION,
			want / 1024);
		rc = -EPROTONOSUPPORT;
	}
	if (rc < 0)
		goto fail;
	c->msize = msize;
	*root_fid = p9_fid_new(c);
	n = p9_tattach(c->slots[0].t, c->msize, 0, *root_fid, "root", "", 0);
	rc = p9_channel_rpc(ch, c->slots[0].t, n, c->slots[0].r, c->msize, &rlen);
	if (rc == 0)
		rc = p9_rqid(c->slots[0].r, rlen, P9_TATTACH, 0, root_qid, NULL);
	if (rc < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	for (int i = 0; i < P9_SLOTS; i++) {
		kfree(c->slots[i].t);
		kfree(c->slots[i].r);
	}
	kfree(c);
	return rc;
}

uint32_t p9_iosize(const struct p9_client *c)
{
	return c->msize - P9_IOHDR;
}

uint32_t p9_fid_new(struct p9_client *c)
{
	return c->next_fid++;
}

int p9_walk(struct p9_client *c, uint32_t fid, uint32_t newfid, const char *name, size_t len,
	    struct p9_qid *qid)
{
	if (len > 0xffff)
		return -ENAMETOOLONG;
	uint16_t tag = take_slot(c), n = 0, lens[1] = { (uint16_t)len };
	const char *names[1] = { name };
	struct p9_qid qids[1];
	uint32_t rlen;
	int rc = send(c, tag,
		      p9_twalk(c->slots[tag].t, c->msize, tag, fid, newfid, len ? 1 : 0, names, lens),
		      &rlen);
	if (rc == 0)
		rc = p9_rwalk(c->slots[tag].r, rlen, tag, qids, len ? 1 : 0, &n);
	give_slot(c, tag);
	if (rc < 0)
		return rc;
	if (len == 0)
		return 0;
	/* A walk of one name that stops short names nothing. */
	if (n != 1)
		return -ENOENT;
	if (qid)
		*qid = qids[0];
	return 0;
}

int p9_clunk(struct p9_client *c, uint32_t fid)
{
	SIMPLE(P9_TCLUNK, p9_tclunk(t, c->msize, tag, fid));
}

int p9_getattr(struct p9_client *c, uint32_t fid, struct p9_attr *a)
{
	uint16_t tag = take_slot(c);
	uint32_t rlen;
	int rc = send(c, tag, p9_tgetattr(c->slots[tag].t, c->msize, tag, fid, P9_GETATTR_BASIC),
		      &rlen);
	if (rc == 0)
		rc = p9_rgetattr(c->slots[tag].r, rlen, tag, a);
	give_slot(c, tag);
	return rc;
}

int p9_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *a)
{
	SIMPLE(P9_TSETATTR, p9_tsetattr(t, c->msize, tag, fid, a));
}

int p9_lopen(struct p9_client *c, uint32_t fid, uint32_t flags)
{
	uint16_t tag = take_slot(c);
	uint32_t rlen;
	struct p9_qid qid;
	int rc = send(c, tag, p9_tlopen(c->slots[tag].t, c->msize, tag, fid, flags), &rlen);
	if (rc == 0)
		rc = p9_rqid(c->slots[tag].r, rlen, P9_TLOPEN, tag, &qid, NULL);
	give_slot(c, tag);
	return rc;
}

int p9_lcreate(struct p9_client *c, uint32_t fid, const char *name, size_t len, uint32_t flags,
	       uint32_t mode, uint32_t gid, struct p9_qid *qid)
{
	uint16_t tag = take_slot(c);
	uint32_t rlen;
	int rc = send(c, tag,
		      p9_tlcreate(c->slots[tag].t, c->msize, tag, fid, name, len, flags, mode, gid),
		      &rlen);
	if (rc == 0)
		rc = p9_rqid(c->slots[tag].r, rlen, P9_TLCREATE, tag, qid, NULL);
	give_slot(c, tag);
	return rc;
}

int64_t p9_read(struct p9_client *c, uint32_t fid, uint64_t off, struct iov_iter *to,
		uint32_t count)
{
	if (count > p9_iosize(c))
		count = p9_iosize(c);
	uint16_t tag = take_slot(c);
	uint32_t rlen, got = 0;
	const uint8_t *data = NULL;
	int rc = send(c, tag, p9_tread(c->slots[tag].t, c->msize, tag, fid, off, count), &rlen);
	if (rc == 0)
		rc = p9_rdata(c->slots[tag].r, rlen, P9_TREAD, tag, count, &data, &got);
	if (rc == 0 && got) {
		size_t put = copy_to_iter(data, got, to);
		if (put == 0)
			rc = -EFAULT;
		got = (uint32_t)put;
	}
	give_slot(c, tag);
	return rc < 0 ? rc : (int64_t)got;
}

int64_t p9_write(struct p9_client *c, uint32_t fid, uint64_t off, struct iov_iter *from,
		 uint32_t count, p9_mirror_fn mirror, void *ctx)
{
	if (count > p9_iosize(c))
		count = p9_iosize(c);
	uint16_t tag = take_slot(c);
	uint8_t *data = c->slots[tag].t + P9_HEADER + 16; /* after fid[4] offset[8] count[4] */
	/* count fits: p9_iosize leaves room for the fields. */
	uint32_t n = (uint32_t)copy_from_iter(data, count, from);
	int rc = n || !count ? 0 : -EFAULT;
	uint32_t rlen, done = 0;
	if (rc == 0) {
		struct p9_writer w;
		p9_begin(&w, c->slots[tag].t, c->msize, P9_TWRITE, tag);
		p9_put_u32(&w, fid);
		p9_put_u64(&w, off);
		p9_put_u32(&w, n);
		w.len += n; /* the data is already in place */
		rc = send(c, tag, p9_end(&w), &rlen);
	}
	if (rc == 0)
		rc = p9_rwrite(c->slots[tag].r, rlen, tag, n, &done);
	if (rc == 0 && done && mirror)
		mirror(ctx, off, data, done);
	give_slot(c, tag);
	return rc < 0 ? rc : (int64_t)done;
}

int p9_readdir(struct p9_client *c, uint32_t fid, uint64_t off, p9_dirent_fn fn, void *ctx)
{
	uint16_t tag = take_slot(c);
	uint32_t rlen, count = 0;
	const uint8_t *data = NULL;
	int rc = send(c, tag,
		      p9_treaddir(c->slots[tag].t, c->msize, tag, fid, off, p9_iosize(c)), &rlen);
	if (rc == 0)
		rc = p9_rdata(c->slots[tag].r, rlen, P9_TREADDIR, tag, p9_iosize(c), &data, &count);
	int n = 0;
	uint32_t pos = 0;
	struct p9_dirent e;
	while (rc == 0) {
		int more = p9_dirent_next(data, count, &pos, &e);
		if (more <= 0) {
			rc = more;
			break;
		}
		n++;
		if (fn(ctx, &e) < 0)
			break;
	}
	give_slot(c, tag);
	return rc < 0 ? rc : n;
}

int p9_fsync(struct p9_client *c, uint32_t fid, bool datasync)
{
	SIMPLE(P9_TFSYNC, p9_tfsync(t, c->msize, tag, fid, datasync));
}

static int qid_reply(struct p9_client *c, uint16_t tag, size_t tlen, uint8_t ttype)
{
	uint32_t rlen;
	struct p9_qid qid;
	int rc = send(c, tag, tlen, &rlen);
	if (rc == 0)
		rc = p9_rqid(c->slots[tag].r, rlen, ttype, tag, &qid, NULL);
	give_slot(c, tag);
	return rc;
}

int p9_mkdir(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t mode,
	     uint32_t gid)
{
	uint16_t tag = take_slot(c);
	return qid_reply(c, tag, p9_tmkdir(c->slots[tag].t, c->msize, tag, dfid, name, len, mode, gid),
			 P9_TMKDIR);
}

int p9_mknod(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t mode,
	     uint32_t rdev, uint32_t gid)
{
	uint16_t tag = take_slot(c);
	/* Linux's dev_t: major in bits 8..19 (and 32..), minor in 0..7 and 20.. */
	uint32_t major = (rdev >> 8) & 0xfff, minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
	return qid_reply(c, tag,
			 p9_tmknod(c->slots[tag].t, c->msize, tag, dfid, name, len, mode, major,
				   minor, gid),
			 P9_TMKNOD);
}

int p9_symlink(struct p9_client *c, uint32_t dfid, const char *name, size_t len,
	       const char *target, size_t target_len, uint32_t gid)
{
	uint16_t tag = take_slot(c);
	return qid_reply(c, tag,
			 p9_tsymlink(c->slots[tag].t, c->msize, tag, dfid, name, len, target,
				     target_len, gid),
			 P9_TSYMLINK);
}

int p9_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name, size_t len)
{
	SIMPLE(P9_TLINK, p9_tlink(t, c->msize, tag, dfid, fid, name, len));
}

int p9_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t size)
{
	uint16_t tag = take_slot(c);
	uint32_t rlen;
	const char *target = NULL;
	uint16_t len = 0;
	int rc = send(c, tag, p9_treadlink(c->slots[tag].t, c->msize, tag, fid), &rlen);
	if (rc == 0)
		rc = p9_rreadlink(c->slots[tag].r, rlen, tag, &target, &len);
	if (rc == 0) {
		if (len > size)
			len = (uint16_t)size;
		memcpy(buf, target, len);
	}
	give_slot(c, tag);
	return rc < 0 ? rc : len;
}

int p9_renameat(struct p9_client *c, uint32_t odfid, const char *oname, size_t olen,
		uint32_t ndfid, const char *nname, size_t nlen)
{
	SIMPLE(P9_TRENAMEAT, p9_trenameat(t, c->msize, tag, odfid, oname, olen, ndfid, nname, nlen));
}

int p9_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, size_t len, uint32_t flags)
{
	SIMPLE(P9_TUNLINKAT, p9_tunlinkat(t, c->msize, tag, dfid, name, len, flags));
}

int p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *s)
{
	uint16_t tag = take_slot(c);
	uint32_t rlen;
	int rc = send(c, tag, p9_tstatfs(c->slots[tag].t, c->msize, tag, fid), &rlen);
	if (rc == 0)
		rc = p9_rstatfs(c->slots[tag].r, rlen, tag, s);
	give_slot(c, tag);
	return rc;
}
