#include "fs/ninep/p9_msg.h"

#include "lib/string.h"
#include "uapi/errno.h"

/* ---- Writing ---- */

static uint8_t *room(struct p9_writer *w, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return NULL;
	}
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

static void put_le(struct p9_writer *w, uint64_t v, size_t n)
{
	uint8_t *p = room(w, n);
	for (size_t i = 0; p && i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void p9_put_u8(struct p9_writer *w, uint8_t v) { put_le(w, v, 1); }
void p9_put_u16(struct p9_writer *w, uint16_t v) { put_le(w, v, 2); }
void p9_put_u32(struct p9_writer *w, uint32_t v) { put_le(w, v, 4); }
void p9_put_u64(struct p9_writer *w, uint64_t v) { put_le(w, v, 8); }

void p9_put_bytes(struct p9_writer *w, const void *data, size_t len)
{
	uint8_t *p = room(w, len);
	if (p && len)
		memcpy(p, data, len);
}

void p9_put_str(struct p9_writer *w, const char *s, size_t len)
{
	if (len > 0xffff) {
		w->overflow = true;
		return;
	}
	p9_put_u16(w, (uint16_t)len);
	p9_put_bytes(w, s, len);
}

void p9_begin(struct p9_writer *w, void *buf, size_t cap, uint8_t type, uint16_t tag)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
	p9_put_u32(w, 0); /* size, filled in by p9_end */
	p9_put_u8(w, type);
	p9_put_u16(w, tag);
}

size_t p9_end(struct p9_writer *w)
{
	if (w->overflow || w->len > 0xffffffffu)
		return 0;
	size_t len = w->len;
	w->len = 0;
	p9_put_u32(w, (uint32_t)len);
	w->len = len;
	return len;
}

size_t p9_tversion(void *buf, size_t cap, uint32_t msize, const char *version)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TVERSION, P9_NOTAG);
	p9_put_u32(&w, msize);
	p9_put_str(&w, version, strlen(version));
	return p9_end(&w);
}

size_t p9_tattach(void *buf, size_t cap, uint16_t tag, uint32_t fid, const char *uname,
		  const char *aname, uint32_t n_uname)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TATTACH, tag);
	p9_put_u32(&w, fid);
	p9_put_u32(&w, P9_NOFID); /* no authentication fid */
	p9_put_str(&w, uname, strlen(uname));
	p9_put_str(&w, aname, strlen(aname));
	p9_put_u32(&w, n_uname);
	return p9_end(&w);
}

size_t p9_twalk(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t newfid, uint16_t n,
		const char *const *names, const uint16_t *lens)
{
	if (n > P9_MAX_WALK)
		return 0;
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TWALK, tag);
	p9_put_u32(&w, fid);
	p9_put_u32(&w, newfid);
	p9_put_u16(&w, n);
	for (uint16_t i = 0; i < n; i++)
		p9_put_str(&w, names[i], lens[i]);
	return p9_end(&w);
}

size_t p9_tlopen(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t flags)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TLOPEN, tag);
	p9_put_u32(&w, fid);
	p9_put_u32(&w, flags);
	return p9_end(&w);
}

size_t p9_tlcreate(void *buf, size_t cap, uint16_t tag, uint32_t fid, const char *name,
		   size_t len, uint32_t flags, uint32_t mode, uint32_t gid)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TLCREATE, tag);
	p9_put_u32(&w, fid);
	p9_put_str(&w, name, len);
	p9_put_u32(&w, flags);
	p9_put_u32(&w, mode);
	p9_put_u32(&w, gid);
	return p9_end(&w);
}

size_t p9_tread(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		uint32_t count)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TREAD, tag);
	p9_put_u32(&w, fid);
	p9_put_u64(&w, offset);
	p9_put_u32(&w, count);
	return p9_end(&w);
}

size_t p9_twrite(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		 const void *data, uint32_t count)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TWRITE, tag);
	p9_put_u32(&w, fid);
	p9_put_u64(&w, offset);
	p9_put_u32(&w, count);
	p9_put_bytes(&w, data, count);
	return p9_end(&w);
}

static size_t fid_only(void *buf, size_t cap, uint8_t type, uint16_t tag, uint32_t fid)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, type, tag);
	p9_put_u32(&w, fid);
	return p9_end(&w);
}

size_t p9_tclunk(void *buf, size_t cap, uint16_t tag, uint32_t fid)
{
	return fid_only(buf, cap, P9_TCLUNK, tag, fid);
}

size_t p9_treadlink(void *buf, size_t cap, uint16_t tag, uint32_t fid)
{
	return fid_only(buf, cap, P9_TREADLINK, tag, fid);
}

size_t p9_tstatfs(void *buf, size_t cap, uint16_t tag, uint32_t fid)
{
	return fid_only(buf, cap, P9_TSTATFS, tag, fid);
}

size_t p9_tgetattr(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t mask)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TGETATTR, tag);
	p9_put_u32(&w, fid);
	p9_put_u64(&w, mask);
	return p9_end(&w);
}

size_t p9_tsetattr(void *buf, size_t cap, uint16_t tag, uint32_t fid, const struct p9_setattr *a)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TSETATTR, tag);
	p9_put_u32(&w, fid);
	p9_put_u32(&w, a->valid);
	p9_put_u32(&w, a->mode);
	p9_put_u32(&w, a->uid);
	p9_put_u32(&w, a->gid);
	p9_put_u64(&w, a->size);
	p9_put_u64(&w, a->atime_sec);
	p9_put_u64(&w, a->atime_nsec);
	p9_put_u64(&w, a->mtime_sec);
	p9_put_u64(&w, a->mtime_nsec);
	return p9_end(&w);
}

size_t p9_treaddir(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		   uint32_t count)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TREADDIR, tag);
	p9_put_u32(&w, fid);
	p9_put_u64(&w, offset);
	p9_put_u32(&w, count);
	return p9_end(&w);
}

size_t p9_tfsync(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t datasync)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TFSYNC, tag);
	p9_put_u32(&w, fid);
	p9_put_u32(&w, datasync);
	return p9_end(&w);
}

size_t p9_tmkdir(void *buf, size_t cap, uint16_t tag, uint32_t dfid, const char *name,
		 size_t len, uint32_t mode, uint32_t gid)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TMKDIR, tag);
	p9_put_u32(&w, dfid);
	p9_put_str(&w, name, len);
	p9_put_u32(&w, mode);
	p9_put_u32(&w, gid);
	return p9_end(&w);
}

size_t p9_tmknod(void *buf, size_t cap, uint16_t tag, uint32_t dfid, const char *name,
		 size_t len, uint32_t mode, uint32_t major, uint32_t minor, uint32_t gid)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TMKNOD, tag);
	p9_put_u32(&w, dfid);
	p9_put_str(&w, name, len);
	p9_put_u32(&w, mode);
	p9_put_u32(&w, major);
	p9_put_u32(&w, minor);
	p9_put_u32(&w, gid);
	return p9_end(&w);
}

size_t p9_tsymlink(void *buf, size_t cap, uint16_t tag, uint32_t dfid, const char *name,
		   size_t len, const char *target, size_t target_len, uint32_t gid)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TSYMLINK, tag);
	p9_put_u32(&w, dfid);
	p9_put_str(&w, name, len);
	p9_put_str(&w, target, target_len);
	p9_put_u32(&w, gid);
	return p9_end(&w);
}

size_t p9_tlink(void *buf, size_t cap, uint16_t tag, uint32_t dfid, uint32_t fid,
		const char *name, size_t len)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TLINK, tag);
	p9_put_u32(&w, dfid);
	p9_put_u32(&w, fid);
	p9_put_str(&w, name, len);
	return p9_end(&w);
}

size_t p9_trenameat(void *buf, size_t cap, uint16_t tag, uint32_t odfid, const char *oname,
		    size_t olen, uint32_t ndfid, const char *nname, size_t nlen)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TRENAMEAT, tag);
	p9_put_u32(&w, odfid);
	p9_put_str(&w, oname, olen);
	p9_put_u32(&w, ndfid);
	p9_put_str(&w, nname, nlen);
	return p9_end(&w);
}

size_t p9_tunlinkat(void *buf, size_t cap, uint16_t tag, uint32_t dfid, const char *name,
		    size_t len, uint32_t flags)
{
	struct p9_writer w;
	p9_begin(&w, buf, cap, P9_TUNLINKAT, tag);
	p9_put_u32(&w, dfid);
	p9_put_str(&w, name, len);
	p9_put_u32(&w, flags);
	return p9_end(&w);
}

/* ---- Reading ---- */

/* The one bounds check: n more bytes of the message, or NULL (and bad). */
static const uint8_t *take(struct p9_reader *r, size_t n)
{
	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->buf + r->pos;
	r->pos += n;
	return p;
}

static uint64_t get_le(struct p9_reader *r, size_t n)
{
	const uint8_t *p = take(r, n);
	uint64_t v = 0;
	for (size_t i = 0; p && i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint8_t p9_get_u8(struct p9_reader *r) { return (uint8_t)get_le(r, 1); }
uint16_t p9_get_u16(struct p9_reader *r) { return (uint16_t)get_le(r, 2); }
uint32_t p9_get_u32(struct p9_reader *r) { return (uint32_t)get_le(r, 4); }
uint64_t p9_get_u64(struct p9_reader *r) { return get_le(r, 8); }

void p9_get_qid(struct p9_reader *r, struct p9_qid *q)
{
	q->type = p9_get_u8(r);
	q->version = p9_get_u32(r);
	q->path = p9_get_u64(r);
}

const char *p9_get_str(struct p9_reader *r, uint16_t *len)
{
	*len = p9_get_u16(r);
	const char *s = (const char *)take(r, *len);
	if (!s)
		*len = 0;
	return s;
}

const uint8_t *p9_get_bytes(struct p9_reader *r, size_t count)
{
	return take(r, count);
}

int p9_done(const struct p9_reader *r)
{
	return r->bad || r->pos != r->len ? -EIO : 0;
}

int p9_reply(struct p9_reader *r, const void *buf, size_t len, uint8_t ttype, uint16_t tag)
{
	*r = (struct p9_reader){ .buf = buf, .len = len };
	uint32_t size = p9_get_u32(r);
	uint8_t type = p9_get_u8(r);
	uint16_t rtag = p9_get_u16(r);
	/* The message is what its size says; the device may have written more
	 * (never less). */
	if (r->bad || size < P9_HEADER || size > len || rtag != tag)
		return -EIO;
	r->len = size;
	if (type == P9_RLERROR) {
		uint32_t ecode = p9_get_u32(r);
		if (p9_done(r) < 0 || ecode == 0 || ecode > 4095)
			return -EIO;
		return -(int)ecode;
	}
	return type == (uint8_t)(ttype + 1) ? 0 : -EIO;
}

int p9_rversion(const void *buf, size_t len, uint32_t *msize, const char **version,
		uint16_t *version_len)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, P9_TVERSION, P9_NOTAG);
	if (rc < 0)
		return rc;
	*msize = p9_get_u32(&r);
	*version = p9_get_str(&r, version_len);
	return p9_done(&r);
}

int p9_rqid(const void *buf, size_t len, uint8_t ttype, uint16_t tag, struct p9_qid *qid,
	    uint32_t *iounit)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, ttype, tag);
	if (rc < 0)
		return rc;
	p9_get_qid(&r, qid);
	uint32_t io = 0;
	if (ttype == P9_TLOPEN || ttype == P9_TLCREATE)
		io = p9_get_u32(&r);
	if (iounit)
		*iounit = io;
	return p9_done(&r);
}

int p9_rwalk(const void *buf, size_t len, uint16_t tag, struct p9_qid *qids, uint16_t max,
	     uint16_t *n)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, P9_TWALK, tag);
	if (rc < 0)
		return rc;
	*n = p9_get_u16(&r);
	if (*n > max)
		return -EIO; /* more names walked than asked for */
	for (uint16_t i = 0; i < *n; i++)
		p9_get_qid(&r, &qids[i]);
	return p9_done(&r);
}

int p9_rgetattr(const void *buf, size_t len, uint16_t tag, struct p9_attr *a)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, P9_TGETATTR, tag);
	if (rc < 0)
		return rc;
	a->valid = p9_get_u64(&r);
	p9_get_qid(&r, &a->qid);
	a->mode = p9_get_u32(&r);
	a->uid = p9_get_u32(&r);
	a->gid = p9_get_u32(&r);
	a->nlink = p9_get_u64(&r);
	a->rdev = p9_get_u64(&r);
	a->size = p9_get_u64(&r);
	a->blksize = p9_get_u64(&r);
	a->blocks = p9_get_u64(&r);
	a->atime_sec = p9_get_u64(&r);
	a->atime_nsec = p9_get_u64(&r);
	a->mtime_sec = p9_get_u64(&r);
	a->mtime_nsec = p9_get_u64(&r);
	a->ctime_sec = p9_get_u64(&r);
	a->ctime_nsec = p9_get_u64(&r);
	/* btime, gen, data_version: not used, but they must be there. */
	for (int i = 0; i < 4; i++)
		p9_get_u64(&r);
	return p9_done(&r);
}

int p9_rdata(const void *buf, size_t len, uint8_t ttype, uint16_t tag, uint32_t asked,
	     const uint8_t **data, uint32_t *count)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, ttype, tag);
	if (rc < 0)
		return rc;
	*count = p9_get_u32(&r);
	if (*count > asked)
		return -EIO;
	*data = p9_get_bytes(&r, *count);
	return p9_done(&r);
}

int p9_rwrite(const void *buf, size_t len, uint16_t tag, uint32_t asked, uint32_t *count)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, P9_TWRITE, tag);
	if (rc < 0)
		return rc;
	*count = p9_get_u32(&r);
	if (*count > asked)
		return -EIO;
	return p9_done(&r);
}

int p9_rreadlink(const void *buf, size_t len, uint16_t tag, const char **target,
		 uint16_t *target_len)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, P9_TREADLINK, tag);
	if (rc < 0)
		return rc;
	*target = p9_get_str(&r, target_len);
	return p9_done(&r);
}

int p9_rstatfs(const void *buf, size_t len, uint16_t tag, struct p9_statfs *s)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, P9_TSTATFS, tag);
	if (rc < 0)
		return rc;
	s->type = p9_get_u32(&r);
	s->bsize = p9_get_u32(&r);
	s->blocks = p9_get_u64(&r);
	s->bfree = p9_get_u64(&r);
	s->bavail = p9_get_u64(&r);
	s->files = p9_get_u64(&r);
	s->ffree = p9_get_u64(&r);
	s->fsid = p9_get_u64(&r);
	s->namelen = p9_get_u32(&r);
	return p9_done(&r);
}

int p9_rempty(const void *buf, size_t len, uint8_t ttype, uint16_t tag)
{
	struct p9_reader r;
	int rc = p9_reply(&r, buf, len, ttype, tag);
	return rc < 0 ? rc : p9_done(&r);
}

int p9_dirent_next(const uint8_t *data, uint32_t count, uint32_t *pos, struct p9_dirent *e)
{
	if (*pos >= count)
		return 0;
	struct p9_reader r = { .buf = data, .len = count, .pos = *pos };
	p9_get_qid(&r, &e->qid);
	e->offset = p9_get_u64(&r);
	e->type = p9_get_u8(&r);
	e->name = p9_get_str(&r, &e->name_len);
	if (r.bad || e->name_len == 0 || memchr(e->name, '/', e->name_len) ||
	    memchr(e->name, '\0', e->name_len))
		return -EIO;
	*pos = (uint32_t)r.pos;
	return 1;
}
