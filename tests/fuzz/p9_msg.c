/*
 * libFuzzer harness for the 9P2000.L reply decoder (fs/ninep/p9_msg.c): the
 * host's virtio-9p device writes the replies, so a hostile or broken host
 * must give -EIO (or an Rlerror's errno), never a read past the reply or a
 * pointer, count or name outside it. The input is
 *   1 byte    which reply the client waits for (and the Treaddir data walk)
 *   2 bytes   the tag it sent
 *   4 bytes   the count it asked for (Tread, Treaddir, Twrite)
 *   the rest  the reply, in a buffer of exactly its size
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ninep/p9_msg.h"

static const uint8_t *reply;
static size_t reply_len;

/* p is inside the reply with n bytes after it. */
static void inside(const void *p, size_t n)
{
	const uint8_t *b = p;
	if (b < reply || b > reply + reply_len || n > (size_t)(reply + reply_len - b))
		abort();
}

static void check_rc(int rc)
{
	if (rc > 0 || rc < -4095)
		abort(); /* 0 or a negative errno */
}

static void walk_dirents(const uint8_t *data, uint32_t count)
{
	uint32_t pos = 0, last = 0;
	struct p9_dirent e;
	int rc, entries = 0;
	while ((rc = p9_dirent_next(data, count, &pos, &e)) == 1) {
		if (pos <= last || pos > count || ++entries > 65536)
			abort(); /* each entry moves forward, within the data */
		last = pos;
		inside(e.name, e.name_len);
		if (e.name_len == 0 || memchr(e.name, '/', e.name_len) || memchr(e.name, 0, e.name_len))
			abort();
	}
	if (rc != 0 && rc != -5)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 7)
		return 0;
	uint8_t which = data[0];
	uint16_t tag;
	uint32_t asked;
	memcpy(&tag, data + 1, 2);
	memcpy(&asked, data + 3, 4);
	reply_len = size - 7;
	uint8_t *copy = malloc(reply_len ? reply_len : 1);
	memcpy(copy, data + 7, reply_len);
	reply = copy;

	static const uint8_t qid_types[] = { P9_TATTACH, P9_TLOPEN, P9_TLCREATE, P9_TMKDIR,
					     P9_TSYMLINK, P9_TMKNOD };
	static const uint8_t empty_types[] = { P9_TCLUNK, P9_TSETATTR, P9_TFSYNC, P9_TLINK,
					       P9_TRENAMEAT, P9_TUNLINKAT };
	int rc;
	switch (which % 10) {
	case 0: {
		uint32_t msize;
		const char *version;
		uint16_t vlen;
		rc = p9_rversion(reply, reply_len, &msize, &version, &vlen);
		if (rc == 0)
			inside(version, vlen);
		break;
	}
	case 1: {
		struct p9_qid q;
		uint32_t iounit;
		rc = p9_rqid(reply, reply_len, qid_types[(which / 10) % 6], tag, &q, &iounit);
		break;
	}
	case 2: {
		struct p9_qid qids[P9_MAX_WALK];
		uint16_t n, max = (uint16_t)(1 + (which / 10) % P9_MAX_WALK);
		rc = p9_rwalk(reply, reply_len, tag, qids, max, &n);
		if (rc == 0 && n > max)
			abort();
		break;
	}
	case 3: {
		struct p9_attr a;
		rc = p9_rgetattr(reply, reply_len, tag, &a);
		break;
	}
	case 4:
	case 5: {
		const uint8_t *d;
		uint32_t count;
		uint8_t t = which % 10 == 4 ? P9_TREAD : P9_TREADDIR;
		rc = p9_rdata(reply, reply_len, t, tag, asked, &d, &count);
		if (rc == 0) {
			if (count > asked)
				abort();
			inside(d, count);
			if (t == P9_TREADDIR)
				walk_dirents(d, count);
		}
		break;
	}
	case 6: {
		uint32_t count;
		rc = p9_rwrite(reply, reply_len, tag, asked, &count);
		if (rc == 0 && count > asked)
			abort();
		break;
	}
	case 7: {
		const char *target;
		uint16_t len;
		rc = p9_rreadlink(reply, reply_len, tag, &target, &len);
		if (rc == 0)
			inside(target, len);
		break;
	}
	case 8: {
		struct p9_statfs s;
		rc = p9_rstatfs(reply, reply_len, tag, &s);
		break;
	}
	default:
		rc = p9_rempty(reply, reply_len, empty_types[(which / 10) % 6], tag);
		break;
	}
	check_rc(rc);
	/* The readdir data walk on its own, over bytes of any shape. */
	walk_dirents(reply, (uint32_t)(reply_len > UINT32_MAX ? UINT32_MAX : reply_len));
	free(copy);
	return 0;
}
