/*
 * The ext2/ext3 file system on a block device: what its files share
 * (the mounted state, the block cache, the journal, allocation, block maps
 * and directories). The VFS entry points are in ext2fs.c; ext2_format.h
 * has the on-disk format.
 *
 * Consistency: every block the file system changes, data included, goes
 * through the block cache into the running transaction (data=journal).
 * A transaction is committed to the jbd2 journal (descriptor and blocks,
 * FLUSH, commit block, FLUSH) and only then written in place; so after a
 * kill at any moment the journal replay (ours at the next mount, or
 * e2fsck's) gives a file system as some committed transaction left it.
 * fsync and fdatasync commit (a directory's fsync too: there is one
 * transaction for the whole file system), so what they acknowledged is on
 * the disk. Operations commit between themselves when the transaction
 * grows large, and at exit.
 *
 * All operations run under one lock per file system (fs->lock): a thread
 * sleeps in disk I/O while holding it, and another must not see the
 * structures half-changed.
 */
#ifndef UPY_FS_EXT2_EXT2FS_H
#define UPY_FS_EXT2_EXT2FS_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/blkdev.h"
#include "fs/ext2/ext2_format.h"
#include "fs/pcache.h"
#include "fs/vfs.h"
#include "sched/sched.h"

struct iov_iter;

struct buf {
	uint32_t blk;
	uint8_t *data;
	bool dirty;     /* in the running transaction */
	int refs;
	struct buf *hash_next;
	struct buf *lru_prev, *lru_next; /* clean, unreferenced buffers, oldest first */
	struct buf *tx_next;
};

#define BCACHE_HASH 1024

struct ext2_fs {
	struct superblock vfs;
	struct blkdev *dev;
	struct ext2_geom g;
	struct ext2_group *groups;
	uint8_t sb_raw[EXT2_SUPER_SIZE]; /* the superblock as read */
	bool readonly;
	/* The lock: owner thread and depth (re-entered by evict from inside
	 * an operation). */
	struct thread *owner;
	int depth;
	struct waitq lock_wait;
	/* The block cache; owned by bcache.c. */
	struct buf *hash[BCACHE_HASH];
	struct buf lru; /* list head */
	uint32_t nbufs, max_bufs;
	/* The running transaction: dirty buffers; owned by journal.c. */
	struct buf *tx;
	uint32_t tx_len;
	uint32_t tx_limit;
	/* The journal (absent: journal_blocks == NULL, writes in place). */
	struct jbd2_geom j;
	uint32_t *journal_blocks; /* journal block -> disk block */
	uint32_t head, seq;
	bool io_error; /* a write failed: the fs went read-only */
	/* Blocks freed in the running transaction, discarded once it commits
	 * (where the disk can discard); owned by journal.c and alloc.c. */
	uint32_t *freed;
	uint32_t nfreed, freed_cap;
	/* In-memory inodes by number (so a directory is one object). */
	struct inode *icache[256];
	uint32_t last_alloc_group;
	/* Where alloc_block looks first in block_hint_group: after the block it
	 * took last (owned by alloc.c). */
	uint32_t block_hint_group, block_hint;
	/* The pages of its files that mmap asked for; owned by pages.c. */
	struct pcache pages;
};

static inline struct ext2_fs *fs_of(struct superblock *sb)
{
	return (struct ext2_fs *)sb;
}

/* What the VFS inode keeps for us (inode->priv). */
struct ext2_node {
	struct ext2_inode di;
	struct inode *icache_next;
	char *own_name; /* storage behind inode->name for directories */
	bool orphan;    /* on the orphan list (its di.dtime is the next one) */
	struct pcache_file pf; /* regular files: its pages in fs->pages */
};

static inline struct ext2_node *node_of(struct inode *ino)
{
	return ino->priv;
}

void fs_lock(struct ext2_fs *fs);
void fs_unlock(struct ext2_fs *fs);

/* bcache.c: blocks by number. bread reads (and checks nothing), bnew gives
 * a zeroed buffer without reading; both take a reference, brelse drops it.
 * bdirty puts the buffer in the running transaction. */
int bcache_init(struct ext2_fs *fs);
int bread(struct ext2_fs *fs, uint32_t blk, struct buf **out);
int bnew(struct ext2_fs *fs, uint32_t blk, struct buf **out);
void brelse(struct ext2_fs *fs, struct buf *b);
void bdirty(struct ext2_fs *fs, struct buf *b);
/* After the transaction is on the disk: its buffers are clean again. */
void bcache_clean(struct ext2_fs *fs, struct buf *b);
/* Forgets a cached block (freed), unless it is dirty or referenced. */
void bforget(struct ext2_fs *fs, uint32_t blk);
/* Reads the uncached ones of up to PREFETCH_MAX blocks in one batch (0s
 * are skipped): the read-ahead of a long read. */
#define PREFETCH_MAX 32
void bprefetch(struct ext2_fs *fs, const uint32_t *blks, unsigned n);

/* journal.c */
int journal_load(struct ext2_fs *fs, const char **why);
int journal_commit(struct ext2_fs *fs);
/* Commits when the transaction is past its soft limit: between operations. */
int journal_maybe_commit(struct ext2_fs *fs);
int journal_unmount(struct ext2_fs *fs);

/* alloc.c: blocks and inodes, near a goal group. 0 is "none left". */
int alloc_block(struct ext2_fs *fs, uint32_t goal_group, uint32_t *out);
int free_block(struct ext2_fs *fs, uint32_t blk);
/* Is blk in use (its bitmap bit set)? */
bool block_in_use(struct ext2_fs *fs, uint32_t blk);
int alloc_inode(struct ext2_fs *fs, uint32_t goal_group, bool dir, uint32_t *out);
int free_inode(struct ext2_fs *fs, uint32_t ino, bool dir);
int write_super_and_groups(struct ext2_fs *fs, uint32_t group);

/* bmap.c: file block -> disk block; with alloc, holes are filled (new
 * blocks zeroed). *out = 0 for a hole. */
int bmap(struct ext2_fs *fs, struct inode *ino, uint32_t fblock, bool alloc, uint32_t *out);
/* Frees every block from file block `from` on. */
int bmap_truncate(struct ext2_fs *fs, struct inode *ino, uint32_t from);
/* Frees the one data block at file block fblock, if any (the indirect
 * blocks above it stay): undoing an allocation that filled a hole. */
int bmap_free_one(struct ext2_fs *fs, struct inode *ino, uint32_t fblock);

/* inode.c-ish helpers in ext2fs.c */
int write_inode(struct ext2_fs *fs, struct inode *ino);
int inode_block(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off);

/* Writes back the inodes in memory and commits the running transaction
 * (not the cached pages: commit in ext2fs.c does those first). */
int commit_tx(struct ext2_fs *fs);

/* pages.c: the page cache of the files, for mmap. A file's cached pages
 * are what it holds: read() copies from them, write() into them as well as
 * into its blocks; pages shared mappings wrote go back into the blocks
 * (and so into the transaction) at msync, munmap, fsync, every commit and
 * eviction. All under fs->lock. */
void pages_init(struct ext2_fs *fs);
void pages_init_file(struct inode *ino);
int pages_get(struct ext2_fs *fs, struct inode *ino, uint64_t pgoff, bool writable,
	      uint64_t *pa);
/* Copies n bytes at file offset off (within one page) out of the cached
 * page: the count copied, or -1 when the page is not cached. */
int64_t pages_copy_out(struct inode *ino, uint64_t off, size_t n, struct iov_iter *to);
/* After write() put n bytes at off (within one page) into a block. */
void pages_copy_in(struct inode *ino, uint64_t off, const void *data, size_t n);
/* The size changed from old to ino->size (write, truncate). */
void pages_resized(struct inode *ino, uint64_t old);
int pages_writeback(struct ext2_fs *fs, struct inode *ino, uint64_t first, uint64_t end);
int pages_writeback_all(struct ext2_fs *fs);
/* The inode goes: its pages are written back (unless it is being freed)
 * and dropped. */
void pages_evict(struct ext2_fs *fs, struct inode *ino, bool write_back);

/* dir.c */
int dir_lookup(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len,
	       uint32_t *ino, uint8_t *type);
int dir_add(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len, uint32_t ino,
	    uint8_t type);
int dir_remove(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len);
/* Points an existing entry at another inode (rename over a name). */
int dir_set(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len, uint32_t ino,
	    uint8_t type);
int dir_is_empty(struct ext2_fs *fs, struct inode *dir);
int dir_init(struct ext2_fs *fs, struct inode *dir, uint32_t parent);
int dir_iterate(struct ext2_fs *fs, struct inode *dir, uint64_t *pos, dirent_fn emit, void *ctx);

/* Mounts the ext2/ext3 file system on dev; NULL with *why when it cannot. */
struct superblock *ext2_mount(struct blkdev *dev, uint32_t vfs_dev, bool readonly,
			      const char **why);
/* Commits and marks the journal clean (at exit). */
int ext2_sync(struct superblock *sb);

#endif
