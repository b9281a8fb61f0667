/*
 * The jbd2 journal of an ext3 file system, as this driver writes it:
 * every changed block (data too) is logged, so there are no revoke
 * records and replay of any prefix of committed transactions gives a
 * consistent file system.
 *
 * Commit of the running transaction T (sequence seq), at log head h:
 *   1. descriptor blocks and the blocks they tag, at h...;  FLUSH
 *   2. the commit block;                                      FLUSH
 *      (T is now durable: a kill from here on replays it)
 *   3. the blocks at their home locations (no FLUSH: the journal still
 *      holds them until the log wraps).
 * When T does not fit before the end of the log: FLUSH (every home write
 * so far is durable), then the journal superblock says "the log starts at
 * `first` with sequence seq" (FLUSH), and the head goes back to first.
 * Stale transactions further on have older sequence numbers, so replay
 * stops before them. Mounted writable, the superblock carries
 * needs_recovery and the journal superblock a start, so e2fsck replays
 * after a kill; a clean exit (journal_unmount) clears both.
 */
#include "core/console.h"
#include "fs/ext2/ext2fs.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

static uint64_t byte_of(struct ext2_fs *fs, uint32_t blk)
{
	return (uint64_t)blk * fs->g.block_size;
}

/* The disk block of log position pos. */
static uint32_t jblock(struct ext2_fs *fs, uint32_t pos)
{
	return fs->journal_blocks[pos];
}

static uint32_t log_next(struct ext2_fs *fs, uint32_t pos)
{
	return pos + 1 >= fs->j.maxlen ? fs->j.first : pos + 1;
}

/* Reads the journal inode's block map into fs->journal_blocks. */
static int map_indirect(struct ext2_fs *fs, uint32_t blk, int level, uint32_t *n,
			uint32_t want, const char **why)
{
	if (*n >= want)
		return 0;
	if (blk == 0 || blk >= fs->g.blocks_count) {
		*why = "the journal has a hole or a block outside the disk";
		return -1;
	}
	if (level == 0) {
		fs->journal_blocks[(*n)++] = blk;
		return 0;
	}
	struct buf *b;
	if (bread(fs, blk, &b) < 0) {
		*why = "cannot read the journal's block map";
		return -1;
	}
	int rc = 0;
	for (uint32_t i = 0; i < fs->g.block_size / 4 && *n < want && rc == 0; i++)
		rc = map_indirect(fs, le32(b->data + 4 * i), level - 1, n, want, why);
	brelse(fs, b);
	return rc;
}

static int map_journal(struct ext2_fs *fs, const struct ext2_inode *ji, uint32_t want,
		       const char **why)
{
	fs->journal_blocks = kmalloc(sizeof(uint32_t) * (size_t)want);
	if (!fs->journal_blocks) {
		*why = "out of memory for the journal's map";
		return -1;
	}
	uint32_t n = 0;
	for (int i = 0; i < EXT2_NDIR_BLOCKS && n < want; i++)
		if (map_indirect(fs, ji->block[i], 0, &n, want, why) < 0)
			return -1;
	for (int level = 1; level <= 3 && n < want; level++)
		if (map_indirect(fs, ji->block[EXT2_NDIR_BLOCKS + level - 1], level, &n, want, why) < 0)
			return -1;
	return 0;
}

static int write_jsb(struct ext2_fs *fs, uint32_t start, uint32_t seq)
{
	struct buf *b;
	int rc = bread(fs, jblock(fs, 0), &b);
	if (rc < 0)
		return rc;
	put_be32(b->data + JSB_START, start);
	put_be32(b->data + JSB_SEQUENCE, seq);
	rc = blkdev_write(fs->dev, byte_of(fs, b->blk), b->data, fs->g.block_size);
	brelse(fs, b);
	return rc;
}

/* Replays the committed transactions from the journal's start. */
static int replay(struct ext2_fs *fs, const char **why)
{
	uint32_t bs = fs->g.block_size;
	int max_tags = jbd2_tags_per_block(&fs->j) + 1;
	struct jbd2_tag *tags = kmalloc(sizeof(*tags) * (size_t)max_tags);
	uint8_t *blk = kmalloc(bs), *data = kmalloc(bs);
	int rc = -1;
	if (!tags || !blk || !data) {
		*why = "out of memory for the journal replay";
		goto out;
	}
	/* Pass 1: where the committed transactions end. */
	uint32_t pos = fs->j.start, seq = fs->j.sequence, end_seq = seq, steps = 0;
	for (;;) {
		if (++steps > fs->j.maxlen)
			break;
		if (blkdev_read(fs->dev, byte_of(fs, jblock(fs, pos)), blk, bs) < 0) {
			*why = "cannot read the journal";
			goto out;
		}
		int kind = jbd2_block_kind(blk, seq);
		if (kind == JBD2_DESCRIPTOR_BLOCK) {
			int n = jbd2_descriptor_parse(&fs->j, blk, tags, max_tags, why);
			if (n < 0)
				goto out;
			for (int i = 0; i <= n; i++)
				pos = log_next(fs, pos);
			steps += (uint32_t)n;
		} else if (kind == JBD2_COMMIT_BLOCK) {
			seq++;
			end_seq = seq;
			pos = log_next(fs, pos);
		} else if (kind == JBD2_REVOKE_BLOCK) {
			*why = "the journal holds revoke records (written by Linux): "
			       "replay it with `unipython disk fsck`";
			goto out;
		} else {
			break;
		}
	}
	/* Pass 2: write the blocks of those transactions home. */
	pos = fs->j.start;
	seq = fs->j.sequence;
	uint32_t replayed = 0;
	while (seq != end_seq) {
		if (blkdev_read(fs->dev, byte_of(fs, jblock(fs, pos)), blk, bs) < 0)
			goto ioerr;
		int kind = jbd2_block_kind(blk, seq);
		pos = log_next(fs, pos);
		if (kind == JBD2_COMMIT_BLOCK) {
			seq++;
			continue;
		}
		int n = jbd2_descriptor_parse(&fs->j, blk, tags, max_tags, why);
		if (n < 0)
			goto out;
		for (int i = 0; i < n; i++) {
			if (blkdev_read(fs->dev, byte_of(fs, jblock(fs, pos)), data, bs) < 0)
				goto ioerr;
			pos = log_next(fs, pos);
			if (tags[i].fs_block >= fs->g.blocks_count) {
				*why = "the journal names a block outside the disk";
				goto out;
			}
			if (tags[i].flags & JBD2_FLAG_ESCAPE)
				put_be32(data, JBD2_MAGIC);
			if (blkdev_write(fs->dev, byte_of(fs, tags[i].fs_block), data, bs) < 0)
				goto ioerr;
			replayed++;
		}
	}
	if (blkdev_flush(fs->dev) < 0)
		goto ioerr;
	fs->seq = end_seq;
	kprintf("ext2: %s: replayed %u blocks of %u transactions from the journal\n", fs->dev->name,
		replayed, end_seq - fs->j.sequence);
	rc = 0;
	goto out;
ioerr:
	*why = "an I/O error during the journal replay";
out:
	kfree(tags);
	kfree(blk);
	kfree(data);
	return rc;
}

int journal_load(struct ext2_fs *fs, const char **why)
{
	uint32_t blk, off;
	struct buf *b;
	if (inode_block(fs, fs->g.journal_inum, &blk, &off) < 0 || bread(fs, blk, &b) < 0) {
		*why = "cannot read the journal inode";
		return -1;
	}
	struct ext2_inode ji;
	int rc = ext2_inode_parse(&fs->g, b->data + off, &ji, why);
	brelse(fs, b);
	if (rc < 0)
		return -1;
	uint32_t nblocks = (uint32_t)(ji.size / fs->g.block_size);
	if (nblocks < 16) {
		*why = "the journal is too small";
		return -1;
	}
	if (map_journal(fs, &ji, nblocks, why) < 0)
		return -1;
	if (bread(fs, jblock(fs, 0), &b) < 0) {
		*why = "cannot read the journal superblock";
		return -1;
	}
	rc = jbd2_super_parse(b->data, fs->g.block_size, nblocks, &fs->j, why);
	brelse(fs, b);
	if (rc < 0)
		return -1;
	fs->seq = fs->j.sequence;
	if (fs->j.start) {
		if (fs->readonly) {
			*why = "the journal needs replaying but the disk is read-only: "
			       "run `unipython disk fsck`";
			return -1;
		}
		if (replay(fs, why) < 0)
			return -1;
	}
	fs->head = fs->j.first;
	/* A quarter of the log per transaction, with room for descriptors. */
	uint32_t log = fs->j.maxlen - fs->j.first;
	fs->tx_limit = log / 4;
	if (fs->tx_limit > fs->max_bufs / 2)
		fs->tx_limit = fs->max_bufs / 2;
	return 0;
}

/* Makes the journal live: replay starts at `first` with our sequence. */
int journal_start(struct ext2_fs *fs)
{
	int rc = write_jsb(fs, fs->j.first, fs->seq);
	return rc < 0 ? rc : blkdev_flush(fs->dev);
}

static int write_home(struct ext2_fs *fs, struct buf *list, uint32_t n)
{
	struct blk_req *reqs = kmalloc(sizeof(*reqs) * (size_t)n);
	if (!reqs)
		return -ENOMEM;
	uint32_t i = 0;
	for (struct buf *b = list; b; b = b->tx_next, i++)
		reqs[i] = (struct blk_req){ BLK_WRITE, byte_of(fs, b->blk) / BLK_SECTOR, b->data,
					    fs->g.block_size, 0 };
	int rc = blkdev_submit(fs->dev, reqs, n);
	kfree(reqs);
	return rc;
}

static void clean_all(struct ext2_fs *fs)
{
	struct buf *b = fs->tx;
	while (b) {
		struct buf *next = b->tx_next;
		bcache_clean(fs, b);
		b = next;
	}
	fs->tx = NULL;
	fs->tx_len = 0;
}

static int fail_io(struct ext2_fs *fs, int rc)
{
	kprintf("ext2: %s: a write failed (%d): the file system is read-only from now on\n",
		fs->dev->name, rc);
	fs->io_error = true;
	fs->vfs.readonly = true;
	return -EIO;
}

static int log_tx(struct ext2_fs *fs)
{
	uint32_t bs = fs->g.block_size, n = fs->tx_len;
	int per = jbd2_tags_per_block(&fs->j);
	uint32_t ndesc = (n + (uint32_t)per - 1) / (uint32_t)per;
	uint32_t need = n + ndesc + 1;
	if (need > fs->j.maxlen - fs->j.first)
		return -ENOSPC;
	if (fs->head + need > fs->j.maxlen) {
		int rc = blkdev_flush(fs->dev);
		if (rc == 0)
			rc = write_jsb(fs, fs->j.first, fs->seq);
		if (rc == 0)
			rc = blkdev_flush(fs->dev);
		if (rc < 0)
			return rc;
		fs->head = fs->j.first;
	}
	struct blk_req *reqs = kmalloc(sizeof(*reqs) * (size_t)need);
	uint8_t **extra = kzalloc(sizeof(uint8_t *) * (size_t)(ndesc + n + 1));
	struct jbd2_tag *tags = kmalloc(sizeof(*tags) * (size_t)per);
	int rc = -ENOMEM;
	uint32_t nextra = 0, nreq = 0, pos = fs->head;
	if (!reqs || !extra || !tags)
		goto out;
	struct buf *b = fs->tx;
	while (b) {
		uint8_t *desc = kmalloc(bs);
		if (!desc)
			goto out;
		extra[nextra++] = desc;
		uint32_t desc_req = nreq++;
		reqs[desc_req] = (struct blk_req){ BLK_WRITE, byte_of(fs, jblock(fs, pos++)) / BLK_SECTOR,
						   desc, bs, 0 };
		int k = 0;
		for (; b && k < per; b = b->tx_next, k++) {
			uint8_t *data = b->data;
			tags[k] = (struct jbd2_tag){ b->blk, 0 };
			if (be32(data) == JBD2_MAGIC) {
				/* A block that looks like a journal block is logged with its
				 * magic zeroed; replay puts it back. */
				uint8_t *copy = kmalloc(bs);
				if (!copy)
					goto out;
				extra[nextra++] = copy;
				memcpy(copy, data, bs);
				put_be32(copy, 0);
				data = copy;
				tags[k].flags = JBD2_FLAG_ESCAPE;
			}
			reqs[nreq++] = (struct blk_req){ BLK_WRITE,
							 byte_of(fs, jblock(fs, pos++)) / BLK_SECTOR, data,
							 bs, 0 };
		}
		jbd2_descriptor_build(&fs->j, desc, fs->seq, tags, k);
	}
	rc = blkdev_submit(fs->dev, reqs, nreq);
	if (rc == 0)
		rc = blkdev_flush(fs->dev);
	if (rc < 0)
		goto out;
	uint8_t *commit = kzalloc(bs);
	if (!commit) {
		rc = -ENOMEM;
		goto out;
	}
	extra[nextra++] = commit;
	jbd2_header_write(commit, JBD2_COMMIT_BLOCK, fs->seq);
	rc = blkdev_write(fs->dev, byte_of(fs, jblock(fs, pos++)), commit, bs);
	if (rc == 0)
		rc = blkdev_flush(fs->dev);
	if (rc == 0) {
		fs->head = pos;
		fs->seq++;
	}
out:
	for (uint32_t i = 0; extra && i < nextra; i++)
		kfree(extra[i]);
	kfree(extra);
	kfree(reqs);
	kfree(tags);
	return rc;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* Tells the disk the blocks the committed transaction freed hold nothing
 * (a sparse disk file gets them back). Only after the commit, and only
 * blocks still free: the freeing is durable, and a replay of an older
 * transaction can at most write old bytes into a free block. */
static void discard_freed(struct ext2_fs *fs)
{
	uint32_t n = fs->nfreed;
	fs->nfreed = 0;
	if (!n)
		return;
	uint32_t *f = fs->freed;
	for (uint32_t i = 1; i < n; i++) /* insertion sort: the list is mostly in order */
		for (uint32_t k = i; k > 0 && cmp_u32(f[k - 1], f[k]) > 0; k--) {
			uint32_t t = f[k];
			f[k] = f[k - 1];
			f[k - 1] = t;
		}
	struct blk_req *reqs = kmalloc(sizeof(*reqs) * n);
	if (!reqs)
		return;
	uint32_t nreq = 0, per = fs->g.block_size / BLK_SECTOR;
	for (uint32_t i = 0; i < n; i++) {
		if (block_in_use(fs, f[i]))
			continue; /* allocated again since */
		struct blk_req *last = nreq ? &reqs[nreq - 1] : NULL;
		uint64_t sector = (uint64_t)f[i] * per;
		if (last && last->sector + last->len / BLK_SECTOR == sector && last->len < (1u << 30))
			last->len += fs->g.block_size;
		else if (!last || last->sector + last->len / BLK_SECTOR < sector)
			reqs[nreq++] = (struct blk_req){ BLK_DISCARD, sector, NULL, fs->g.block_size, 0 };
	}
	blkdev_submit(fs->dev, reqs, nreq); /* a hint: its failure changes nothing */
	kfree(reqs);
}

int journal_commit(struct ext2_fs *fs)
{
	if (!fs->tx)
		return 0;
	if (fs->io_error)
		return -EIO;
	int rc = 0;
	if (fs->journal_blocks)
		rc = log_tx(fs);
	if (rc == 0)
		rc = write_home(fs, fs->tx, fs->tx_len);
	if (rc == 0 && !fs->journal_blocks)
		rc = blkdev_flush(fs->dev);
	if (rc < 0)
		return fail_io(fs, rc);
	clean_all(fs);
	discard_freed(fs);
	return 0;
}

int journal_maybe_commit(struct ext2_fs *fs)
{
	return fs->tx_len >= fs->tx_limit / 2 ? journal_commit(fs) : 0;
}

int journal_unmount(struct ext2_fs *fs)
{
	int rc = journal_commit(fs);
	if (rc < 0 || fs->readonly)
		return rc;
	rc = blkdev_flush(fs->dev);
	if (rc == 0 && fs->journal_blocks)
		rc = write_jsb(fs, 0, fs->seq);
	if (rc == 0)
		rc = blkdev_flush(fs->dev);
	return rc;
}
