/*
 * The page cache of a disk's files (fs/pcache.c, one per file system), for
 * mmap: a file's page is read from its blocks when a mapping first asks
 * for it, and from then on the cached page is what the file holds; read()
 * copies from it, write() puts its bytes into the page as well as into
 * the blocks. A page a shared mapping was given for writing is dirty: the
 * write-back copies it into its blocks, which puts them in the running
 * transaction (data=journal, as every other block: so an msync or fsync
 * that committed made the mapping's writes durable), and write-protects
 * the mappings, so the next write marks it dirty again. Blocks for a
 * dirty page are allocated when it is given for writing, so a full disk is
 * a SIGBUS at the write fault (as on Linux) and never a lost write-back.
 * Clean pages are given back under memory pressure; dirty ones only after
 * a write-back.
 */
#include "arch/x86_64/memlayout.h"
#include "fs/ext2/ext2fs.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/file_rmap.h"
#include "mm/frame.h"
#include "mm/iov_iter.h"

/* Pages a fault reads ahead of the one it needs (16 pages of 4 KiB
 * blocks are half a batch of bprefetch). */
#define FAULT_READAHEAD 15
/* Dirty pages may hold at most this share of memory (1/DIRTY_SHARE): past
 * it, a write fault first writes them all back (they can then be given
 * back), as Linux's balance_dirty_pages throttles a writer. */
#define DIRTY_SHARE 8

/* The file systems whose caches the frame allocator may ask for frames. */
#define MAX_DISKS 4
static struct ext2_fs *disks[MAX_DISKS];
static unsigned ndisks;

static struct pcache_file *pf_of(struct inode *ino)
{
	return &node_of(ino)->pf;
}

static uint64_t pages_for(uint64_t size)
{
	return (size + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* ---- The cache's hooks ---- */

static uint64_t hook_alloc(void *ctx)
{
	return frame_alloc();
}

static void hook_get(void *ctx, uint64_t pa)
{
	frame_get(pa);
}

static void hook_put(void *ctx, uint64_t pa)
{
	frame_put(pa);
}

static unsigned hook_refs(void *ctx, uint64_t pa)
{
	return frame_refs(pa);
}

/* Fills a page from the file's blocks (holes and what lies past the end of
 * the file read as zero). Called under fs->lock (pages_get holds it). */
static int read_page(struct ext2_fs *fs, struct inode *ino, uint64_t pgoff, uint8_t *page)
{
	uint32_t bs = fs->g.block_size;
	for (uint32_t at = 0; at < PAGE_SIZE; at += bs) {
		uint64_t off = pgoff * PAGE_SIZE + at;
		uint32_t blk = 0;
		int rc = off < ino->size ? bmap(fs, ino, (uint32_t)(off / bs), false, &blk) : 0;
		if (rc < 0)
			return rc;
		if (!blk) {
			memset(page + at, 0, bs);
			continue;
		}
		struct buf *b;
		rc = bread(fs, blk, &b);
		if (rc < 0)
			return rc;
		memcpy(page + at, b->data, bs);
		brelse(fs, b);
	}
	if (pgoff == ino->size / PAGE_SIZE && ino->size % PAGE_SIZE)
		memset(page + ino->size % PAGE_SIZE, 0, PAGE_SIZE - ino->size % PAGE_SIZE);
	return 0;
}

/* Has the blocks of pages pgoff.. (n of them) read in batches, so a fault
 * with its read-ahead waits for the disk once, not once per block. */
static void prefetch_pages(struct ext2_fs *fs, struct inode *ino, uint64_t pgoff, unsigned n)
{
	uint32_t bs = fs->g.block_size, blks[PREFETCH_MAX];
	unsigned m = 0;
	uint64_t end = (pgoff + n) * PAGE_SIZE < ino->size ? (pgoff + n) * PAGE_SIZE : ino->size;
	for (uint64_t off = pgoff * PAGE_SIZE; off < end; off += bs) {
		if (bmap(fs, ino, (uint32_t)(off / bs), false, &blks[m]) == 0 && blks[m])
			m++;
		if (m == PREFETCH_MAX) {
			bprefetch(fs, blks, m);
			m = 0;
		}
	}
	if (m)
		bprefetch(fs, blks, m);
}

static int hook_read(void *ctx, struct pcache_file *f, uint64_t pgoff, const uint64_t *pas,
		     unsigned n)
{
	if (n > 1)
		prefetch_pages(ctx, f->owner, pgoff, n);
	for (unsigned i = 0; i < n; i++) {
		int rc = read_page(ctx, f->owner, pgoff + i, phys_to_virt(pas[i]));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool hook_unmap(void *ctx, struct pcache_file *f, uint64_t pgoff, uint64_t pa)
{
	return rmap_unmap_page_if_old(f->owner, pgoff, pa);
}

static const struct pcache_hooks hooks = {
	.alloc = hook_alloc,
	.get = hook_get,
	.put = hook_put,
	.refs = hook_refs,
	.read = hook_read,
	.unmap = hook_unmap,
};

static uint64_t reclaim(uint64_t want)
{
	uint64_t got = 0;
	for (unsigned i = 0; i < ndisks && got < want; i++)
		got += pcache_reclaim(&disks[i]->pages, want - got);
	return got;
}

static uint64_t reclaimable(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < ndisks; i++)
		n += disks[i]->pages.pages - disks[i]->pages.dirty;
	return n;
}

static const struct frame_reclaimer reclaimer = { reclaim, reclaimable };

void pages_init(struct ext2_fs *fs)
{
	pcache_init(&fs->pages, &hooks);
	fs->pages.h.ctx = fs;
	if (ndisks == 0)
		frame_add_reclaimer(&reclaimer);
	if (ndisks < MAX_DISKS)
		disks[ndisks++] = fs;
}

void pages_init_file(struct inode *ino)
{
	struct pcache_file *f = pf_of(ino);
	*f = (struct pcache_file){ .npages = pages_for(ino->size), .owner = ino };
}

/* ---- What the file operations use ---- */

/* Allocates the blocks of page pgoff that lie within the file. */
static int allocate_page(struct ext2_fs *fs, struct inode *ino, uint64_t pgoff)
{
	uint32_t bs = fs->g.block_size;
	for (uint64_t off = pgoff * PAGE_SIZE; off < (pgoff + 1) * PAGE_SIZE && off < ino->size;
	     off += bs) {
		uint32_t blk;
		int rc = bmap(fs, ino, (uint32_t)(off / bs), true, &blk);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int pages_get(struct ext2_fs *fs, struct inode *ino, uint64_t pgoff, bool writable,
	      uint64_t *pa)
{
	struct pcache_file *f = pf_of(ino);
	if (pgoff >= f->npages)
		return -ENXIO; /* beyond the end of the file: SIGBUS */
	if (writable && fs->vfs.readonly)
		return -EROFS;
	int rc = pcache_get(&fs->pages, f, pgoff, FAULT_READAHEAD, pa);
	if (rc < 0 || !writable)
		return rc;
	struct pcache_page *p = pcache_find(f, pgoff);
	if (p->dirty)
		return 0;
	/* Held while blocks are allocated (that may reclaim) and while the
	 * dirty pages are written back. */
	frame_get(*pa);
	rc = allocate_page(fs, ino, pgoff);
	if (rc == 0 && fs->pages.dirty >= frames_total() / DIRTY_SHARE)
		pages_writeback_all(fs); /* best effort: what fails stays dirty */
	/* The blocks went into the running transaction: it must not outgrow
	 * the journal (a commit that does not fit fails the file system). */
	if (rc == 0 && fs->tx_len >= fs->tx_limit / 2)
		rc = commit_tx(fs);
	/* Still cached: a page whose frame is held elsewhere is not given back. */
	p = pcache_find(f, pgoff);
	if (rc == 0)
		pcache_set_dirty(&fs->pages, p);
	frame_put(*pa);
	return rc;
}

int64_t pages_copy_out(struct inode *ino, uint64_t off, size_t n, struct iov_iter *to)
{
	struct pcache_page *p = pcache_find(pf_of(ino), off / PAGE_SIZE);
	if (!p)
		return -1;
	uint64_t pa = p->pa;
	/* Held while copying: a fault in the app's buffer may reclaim. */
	frame_get(pa);
	size_t put = copy_to_iter((char *)phys_to_virt(pa) + off % PAGE_SIZE, n, to);
	frame_put(pa);
	return (int64_t)put;
}

void pages_copy_in(struct inode *ino, uint64_t off, const void *data, size_t n)
{
	struct pcache_page *p = pcache_find(pf_of(ino), off / PAGE_SIZE);
	if (p)
		memcpy((char *)phys_to_virt(p->pa) + off % PAGE_SIZE, data, n);
}

void pages_resized(struct inode *ino, uint64_t old)
{
	struct ext2_fs *fs = fs_of(ino->sb);
	struct pcache_file *f = pf_of(ino);
	uint64_t size = ino->size;
	f->npages = pages_for(size);
	if (!f->pages.root)
		return;
	if (size < old) {
		/* As Linux's truncate: the mappings lose the pages past the end
		 * (an access there is SIGBUS from now on), the cache drops them,
		 * and the rest of the last page reads as zero. */
		rmap_unmap_from(ino, f->npages);
		pcache_drop_from(&fs->pages, f, f->npages);
	}
	/* The bytes past the end in the page holding it read as zero (after a
	 * shrink; after a growth, whatever a mapping wrote beyond the old end
	 * is not the file's, as Linux's write-back zeroes it). */
	uint64_t edge = size < old ? size : old;
	struct pcache_page *p = edge % PAGE_SIZE ? pcache_find(f, edge / PAGE_SIZE) : NULL;
	if (p)
		memset((char *)phys_to_virt(p->pa) + edge % PAGE_SIZE, 0, PAGE_SIZE - edge % PAGE_SIZE);
}

/* Copies page p (held by the caller) into its blocks, the bytes past the
 * end of the file as zero; a block changes only where the page differs. */
static int write_page(struct ext2_fs *fs, struct inode *ino, uint64_t pgoff, const uint8_t *page)
{
	uint32_t bs = fs->g.block_size;
	for (uint32_t at = 0; at < PAGE_SIZE && pgoff * PAGE_SIZE + at < ino->size; at += bs) {
		uint64_t off = pgoff * PAGE_SIZE + at;
		uint32_t blk, len = ino->size - off < bs ? (uint32_t)(ino->size - off) : bs;
		struct buf *b;
		int rc = bmap(fs, ino, (uint32_t)(off / bs), true, &blk);
		if (rc == 0)
			rc = bread(fs, blk, &b);
		if (rc < 0)
			return rc;
		bool same = memcmp(b->data, page + at, len) == 0;
		for (uint32_t i = len; same && i < bs; i++)
			same = b->data[i] == 0;
		if (!same) {
			memcpy(b->data, page + at, len);
			memset(b->data + len, 0, bs - len);
			bdirty(fs, b);
		}
		brelse(fs, b);
		/* A long write-back commits along the way, as a long write does. */
		if (fs->tx_len >= fs->tx_limit / 2) {
			rc = commit_tx(fs);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int pages_writeback(struct ext2_fs *fs, struct inode *ino, uint64_t first, uint64_t end)
{
	struct pcache_file *f = pf_of(ino);
	int result = 0;
	struct pcache_page *p;
	/* Pages that fail stay aside until the end, then go back on the list. */
	uint64_t failed[8];
	unsigned nfailed = 0;
	while (f->ndirty && (p = pcache_take_dirty(&fs->pages, f, first, end))) {
		uint64_t pa = p->pa, pgoff = p->pgoff;
		frame_get(pa); /* clean now: held so that it stays while copied */
		rmap_write_protect_page(ino, pgoff, pa);
		int rc = write_page(fs, ino, pgoff, phys_to_virt(pa));
		frame_put(pa);
		if (rc < 0) {
			if (result == 0)
				result = rc;
			if (nfailed < sizeof(failed) / sizeof(failed[0]))
				failed[nfailed++] = pgoff;
			if (rc == -EIO || nfailed == sizeof(failed) / sizeof(failed[0]))
				break;
		}
	}
	/* Failed pages stay dirty, their data kept (the frame was held, so
	 * the cache still has the page). */
	for (unsigned i = 0; i < nfailed; i++) {
		struct pcache_page *q = pcache_find(f, failed[i]);
		if (q)
			pcache_set_dirty(&fs->pages, q);
	}
	return result;
}

int pages_writeback_all(struct ext2_fs *fs)
{
	int result = 0;
	for (unsigned i = 0; i < sizeof(fs->icache) / sizeof(fs->icache[0]); i++)
		for (struct inode *ino = fs->icache[i]; ino; ino = node_of(ino)->icache_next) {
			if (!S_ISREG(ino->mode) || !pf_of(ino)->ndirty)
				continue;
			int rc = pages_writeback(fs, ino, 0, UINT64_MAX);
			if (rc < 0 && result == 0)
				result = rc;
		}
	return result;
}

void pages_evict(struct ext2_fs *fs, struct inode *ino, bool write_back)
{
	struct pcache_file *f = pf_of(ino);
	if (write_back)
		pages_writeback(fs, ino, 0, UINT64_MAX);
	pcache_drop_from(&fs->pages, f, 0);
	page_index_free(&f->pages);
}
