/*
 * 9P2000.L messages: building the T-messages the client sends and reading
 * the R-messages the host answers with. Portable (no kernel services): the
 * host unit tests drive it with messages built independently in Python.
 *
 * Every message is size[4] type[1] tag[2] then its fields, little-endian;
 * a string is len[2] bytes (no NUL); a qid is type[1] version[4] path[8].
 *
 * Writing never passes the buffer's capacity: a message that does not fit
 * makes p9_end return 0. Reading goes through one bounds check (take);
 * a reply that is short, long, of the wrong type or tag, or whose counts
 * point past its end reads as -EIO, never as a read past the buffer. An
 * Rlerror reads as its negative errno (an errno outside 1..4095 is -EIO).
 */
#ifndef UPY_FS_NINEP_P9_MSG_H
#define UPY_FS_NINEP_P9_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message types (Linux's include/net/9p/9p.h); an R-type is its T-type + 1. */
enum {
	P9_RLERROR = 7,
	P9_TSTATFS = 8,
	P9_TLOPEN = 12,
	P9_TLCREATE = 14,
	P9_TSYMLINK = 16,
	P9_TMKNOD = 18,
	P9_TRENAME = 20,
	P9_TREADLINK = 22,
	P9_TGETATTR = 24,
	P9_TSETATTR = 26,
	P9_TXATTRWALK = 30,
	P9_TREADDIR = 40,
	P9_TFSYNC = 50,
	P9_TLOCK = 52,
	P9_TGETLOCK = 54,
	P9_TLINK = 70,
	P9_TMKDIR = 72,
	P9_TRENAMEAT = 74,
	P9_TUNLINKAT = 76,
	P9_TVERSION = 100,
	P9_TAUTH = 102,
	P9_TATTACH = 104,
	P9_TFLUSH = 108,
	P9_TWALK = 110,
	P9_TREAD = 116,
	P9_TWRITE = 118,
	P9_TCLUNK = 120,
	P9_TREMOVE = 122,
};

#define P9_NOTAG 0xffffu
#define P9_NOFID 0xffffffffu
#define P9_HEADER 7       /* size[4] type[1] tag[2] */
#define P9_IOHDR 24       /* room beside the data in Tread/Twrite/Rread: 9P's P9_IOHDRSZ */
#define P9_MAX_WALK 16    /* names in one Twalk (9P's MAXWELEM) */
#define P9_VERSION "9P2000.L"

/* qid.type bits */
#define P9_QTDIR 0x80
#define P9_QTSYMLINK 0x02

/* Tgetattr request_mask / Rgetattr valid bits. */
#define P9_GETATTR_BASIC 0x7ffull /* mode nlink uid gid rdev atime mtime ctime ino size blocks */

/* Tsetattr valid bits. */
#define P9_SETATTR_MODE 0x1u
#define P9_SETATTR_UID 0x2u
#define P9_SETATTR_GID 0x4u
#define P9_SETATTR_SIZE 0x8u
#define P9_SETATTR_ATIME 0x10u
#define P9_SETATTR_MTIME 0x20u
#define P9_SETATTR_CTIME 0x40u
#define P9_SETATTR_ATIME_SET 0x80u
#define P9_SETATTR_MTIME_SET 0x100u

/* Tunlinkat flags */
#define P9_AT_REMOVEDIR 0x200u

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

struct p9_attr {
	uint64_t valid;
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

struct p9_setattr {
	uint32_t valid;
	uint32_t mode, uid, gid;
	uint64_t size;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

struct p9_statfs {
	uint32_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree, fsid;
	uint32_t namelen;
};

/* One entry of an Rreaddir's data. name is not NUL-terminated. */
struct p9_dirent {
	struct p9_qid qid;
	uint64_t offset; /* where the next Treaddir continues after this entry */
	uint8_t type;    /* DT_* */
	const char *name;
	uint16_t name_len;
};

/* ---- Writing T-messages ---- */

struct p9_writer {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
};

void p9_begin(struct p9_writer *w, void *buf, size_t cap, uint8_t type, uint16_t tag);
void p9_put_u8(struct p9_writer *w, uint8_t v);
void p9_put_u16(struct p9_writer *w, uint16_t v);
void p9_put_u32(struct p9_writer *w, uint32_t v);
void p9_put_u64(struct p9_writer *w, uint64_t v);
/* A string of len bytes (len < 65536, else the message is refused). */
void p9_put_str(struct p9_writer *w, const char *s, size_t len);
void p9_put_bytes(struct p9_writer *w, const void *data, size_t len);
/* Fills in size[4]; returns the message's length, or 0 if it did not fit. */
size_t p9_end(struct p9_writer *w);

/* The messages the client sends, each into buf (cap bytes); each returns the
 * length, or 0 when it does not fit. */
size_t p9_tversion(void *buf, size_t cap, uint32_t msize, const char *version);
size_t p9_tattach(void *buf, size_t cap, uint16_t tag, uint32_t fid, const char *uname,
		  const char *aname, uint32_t n_uname);
size_t p9_twalk(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t newfid, uint16_t n,
		const char *const *names, const uint16_t *lens);
size_t p9_tlopen(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t flags);
size_t p9_tlcreate(void *buf, size_t cap, uint16_t tag, uint32_t fid, const char *name,
		   size_t len, uint32_t flags, uint32_t mode, uint32_t gid);
size_t p9_tread(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		uint32_t count);
/* Twrite's fields and then count bytes of data. */
size_t p9_twrite(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		 const void *data, uint32_t count);
size_t p9_tclunk(void *buf, size_t cap, uint16_t tag, uint32_t fid);
size_t p9_tgetattr(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t mask);
size_t p9_tsetattr(void *buf, size_t cap, uint16_t tag, uint32_t fid, const struct p9_setattr *a);
size_t p9_treaddir(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		   uint32_t count);
size_t p9_tfsync(void *buf, size_t cap, uint16_t tag, uint32_t fid, uint32_t datasync);
size_t p9_tmkdir(void *buf, size_t cap, uint16_t tag, uint32_t dfid, const char *name,
		 size_t len, uint32_t mode, uint32_t gid);
size_t p9_tmknod(void *buf, size_t cap, uint16_t tag, uint32_t dfid, const char *name,
		 size_t len, uint32_t mode, uint32_t major, uint32_t minor, uint32_t gid);
size_t p9_tsymlink(void *buf, size_t cap, uint16_t tag, uint32_t dfid, const char *name,
		   size_t len, const char *target, size_t target_len, uint32_t gid);
size_t p9_tlink(void *buf, size_t cap, uint16_t tag, uint32_t dfid, uint32_t fid,
		const char *name, size_t len);
size_t p9_treadlink(void *buf, size_t cap, uint16_t tag, uint32_t fid);
size_t p9_trenameat(void *buf, size_t cap, uint16_t tag, uint32_t odfid, const char *oname,
		    size_t olen, uint32_t ndfid, const char *nname, size_t nlen);
size_t p9_tunlinkat(void *buf, size_t cap, uint16_t tag, uint32_t dfid, const char *name,
		    size_t len, uint32_t flags);
size_t p9_tstatfs(void *buf, size_t cap, uint16_t tag, uint32_t fid);

/* ---- Reading R-messages ---- */

struct p9_reader {
	const uint8_t *buf;
	size_t len, pos;
	bool bad;
};

/* Opens the reply to a T-message of type ttype with tag (len = the bytes the
 * device wrote): 0 when it is the matching R-message (the reader is then at
 * its first field), the negative errno of an Rlerror, or -EIO. */
int p9_reply(struct p9_reader *r, const void *buf, size_t len, uint8_t ttype, uint16_t tag);
uint8_t p9_get_u8(struct p9_reader *r);
uint16_t p9_get_u16(struct p9_reader *r);
uint32_t p9_get_u32(struct p9_reader *r);
uint64_t p9_get_u64(struct p9_reader *r);
void p9_get_qid(struct p9_reader *r, struct p9_qid *q);
/* A string: points into the message (not NUL-terminated). */
const char *p9_get_str(struct p9_reader *r, uint16_t *len);
/* count bytes in place (NULL when they are not all there). */
const uint8_t *p9_get_bytes(struct p9_reader *r, size_t count);
/* 0 when every field read was there and nothing is left over, else -EIO. */
int p9_done(const struct p9_reader *r);

/* Whole replies, each returning 0, the Rlerror's errno, or -EIO. */
int p9_rversion(const void *buf, size_t len, uint32_t *msize, const char **version,
		uint16_t *version_len);
/* Rattach, Rlopen/Rlcreate (with iounit), Rmkdir, Rsymlink, Rmknod: a qid. */
int p9_rqid(const void *buf, size_t len, uint8_t ttype, uint16_t tag, struct p9_qid *qid,
	    uint32_t *iounit);
/* Rwalk: up to max qids; *n gets how many the host walked. */
int p9_rwalk(const void *buf, size_t len, uint16_t tag, struct p9_qid *qids, uint16_t max,
	     uint16_t *n);
int p9_rgetattr(const void *buf, size_t len, uint16_t tag, struct p9_attr *a);
/* Rread and Rreaddir: the data in place; never more than asked for. */
int p9_rdata(const void *buf, size_t len, uint8_t ttype, uint16_t tag, uint32_t asked,
	     const uint8_t **data, uint32_t *count);
int p9_rwrite(const void *buf, size_t len, uint16_t tag, uint32_t asked, uint32_t *count);
int p9_rreadlink(const void *buf, size_t len, uint16_t tag, const char **target,
		 uint16_t *target_len);
int p9_rstatfs(const void *buf, size_t len, uint16_t tag, struct p9_statfs *s);
/* A reply with no fields: Rclunk, Rsetattr, Rfsync, Rlink, Rrenameat, Runlinkat. */
int p9_rempty(const void *buf, size_t len, uint8_t ttype, uint16_t tag);

/* The next entry of Rreaddir data at *pos: 1 with *e filled, 0 at the end,
 * -EIO when the data is malformed. A name with '/' or NUL, or an empty
 * name, is malformed. */
int p9_dirent_next(const uint8_t *data, uint32_t count, uint32_t *pos, struct p9_dirent *e);

#endif
