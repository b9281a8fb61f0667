/*
 * The block cache of an ext2 file system: one buffer per cached block,
 * found by hash. Clean unreferenced buffers sit on an LRU list and are
 * reused oldest first once the cache holds max_bufs; dirty ones belong to
 * the running transaction until journal.c commits it, so the cache may
 * pass max_bufs by the transaction's size (bounded by tx_limit).
 */
#include "core/console.h"
#include "fs/ext2/ext2fs.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"

static unsigned slot(uint32_t blk)
{
	return (blk * 2654435761u) % BCACHE_HASH;
}

static void lru_remove(struct buf *b)
{
	if (b->lru_next) {
		b->lru_prev->lru_next = b->lru_next;
		b->lru_next->lru_prev = b->lru_prev;
		b->lru_next = b->lru_prev = NULL;
	}
}

static void lru_add(struct ext2_fs *fs, struct buf *b)
{
	b->lru_prev = fs->lru.lru_prev;
	b->lru_next = &fs->lru;
	fs->lru.lru_prev->lru_next = b;
	fs->lru.lru_prev = b;
}

int bcache_init(struct ext2_fs *fs)
{
	fs->lru.lru_next = fs->lru.lru_prev = &fs->lru;
	/* A quarter of free memory at most, in whole blocks. */
	uint64_t pages = frames_free() / 4;
	uint64_t per_page = PAGE_SIZE / fs->g.block_size;
	uint64_t n = pages * (per_page ? per_page : 1);
	fs->max_bufs = n < 64 ? 64 : n > 16384 ? 16384 : (uint32_t)n;
	return 0;
}

static struct buf *find(struct ext2_fs *fs, uint32_t blk)
{
	for (struct buf *b = fs->hash[slot(blk)]; b; b = b->hash_next)
		if (b->blk == blk)
			return b;
	return NULL;
}

static void unhash(struct ext2_fs *fs, struct buf *b)
{
	struct buf **pp = &fs->hash[slot(b->blk)];
	while (*pp != b)
		pp = &(*pp)->hash_next;
	*pp = b->hash_next;
}

/* A buffer for blk, not yet holding its contents; NULL when out of memory. */
static struct buf *grab(struct ext2_fs *fs, uint32_t blk)
{
	struct buf *b = NULL;
	if (fs->nbufs >= fs->max_bufs && fs->lru.lru_next != &fs->lru) {
		b = fs->lru.lru_next;
		lru_remove(b);
		unhash(fs, b);
	} else {
		b = kzalloc(sizeof(*b));
		uint8_t *data = b ? kmalloc(fs->g.block_size) : NULL;
		if (!data) {
			kfree(b);
			return NULL;
		}
		b->data = data;
		fs->nbufs++;
	}
	b->blk = blk;
	b->dirty = false;
	b->refs = 1;
	b->tx_next = NULL;
	b->hash_next = fs->hash[slot(blk)];
	fs->hash[slot(blk)] = b;
	return b;
}

static void drop(struct ext2_fs *fs, struct buf *b)
{
	unhash(fs, b);
	kfree(b->data);
	kfree(b);
	fs->nbufs--;
}

static int get(struct ext2_fs *fs, uint32_t blk, bool read, struct buf **out)
{
	if (blk >= fs->g.blocks_count)
		return -EIO;
	struct buf *b = find(fs, blk);
	if (b) {
		if (b->refs++ == 0 && !b->dirty)
			lru_remove(b);
		if (!read)
			memset(b->data, 0, fs->g.block_size);
		*out = b;
		return 0;
	}
	b = grab(fs, blk);
	if (!b)
		return -ENOMEM;
	if (read) {
		int rc = blkdev_read(fs->dev, (uint64_t)blk * fs->g.block_size, b->data,
				     fs->g.block_size);
		if (rc < 0) {
			drop(fs, b);
			return -EIO;
		}
	} else {
		memset(b->data, 0, fs->g.block_size);
	}
	*out = b;
	return 0;
}

int bread(struct ext2_fs *fs, uint32_t blk, struct buf **out)
{
	return get(fs, blk, true, out);
}

int bnew(struct ext2_fs *fs, uint32_t blk, struct buf **out)
{
	return get(fs, blk, false, out);
}

void brelse(struct ext2_fs *fs, struct buf *b)
{
	if (b && --b->refs == 0 && !b->dirty)
		lru_add(fs, b);
}

void bdirty(struct ext2_fs *fs, struct buf *b)
{
	if (b->dirty)
		return;
	b->dirty = true;
	b->tx_next = fs->tx;
	fs->tx = b;
	fs->tx_len++;
}

void bcache_clean(struct ext2_fs *fs, struct buf *b)
{
	b->dirty = false;
	b->tx_next = NULL;
	if (b->refs == 0)
		lru_add(fs, b);
}

void bforget(struct ext2_fs *fs, uint32_t blk)
{
	struct buf *b = find(fs, blk);
	if (b && !b->dirty && b->refs == 0) {
		lru_remove(b);
		drop(fs, b);
	}
}

/*
 * Reads those of blks[0..n) that are not cached into the cache with one
 * blkdev_submit: the device has them in flight together, so a long read
 * waits for the disk once per batch instead of once per block. Best
 * effort: a block it could not read is not cached, and bread reads it
 * again and reports the error.
 */
void bprefetch(struct ext2_fs *fs, const uint32_t *blks, unsigned n)
{
	struct buf *bufs[PREFETCH_MAX];
	struct blk_req reqs[PREFETCH_MAX];
	unsigned m = 0;
	for (unsigned i = 0; i < n && m < PREFETCH_MAX; i++) {
		uint32_t blk = blks[i];
		if (blk == 0 || blk >= fs->g.blocks_count || find(fs, blk))
			continue;
		struct buf *b = grab(fs, blk);
		if (!b)
			break;
		bufs[m] = b;
		reqs[m] = (struct blk_req){ .op = BLK_READ,
					    .sector = (uint64_t)blk * fs->g.block_size / BLK_SECTOR,
					    .buf = b->data,
					    .len = fs->g.block_size,
					    .status = -EIO };
		m++;
	}
	if (m == 0)
		return;
	blkdev_submit(fs->dev, reqs, m); /* each request's status says how it went */
	for (unsigned i = 0; i < m; i++) {
		if (reqs[i].status == 0)
			brelse(fs, bufs[i]);
		else
			drop(fs, bufs[i]);
	}
}
