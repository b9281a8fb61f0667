/*
 * ext2 block maps: file block n of an inode is block[n] for n < 12, then
 * behind one, two or three levels of indirect blocks (block[12..14]), each
 * holding block_size / 4 block numbers; 0 is a hole. i_blocks counts every
 * block a file holds, indirect blocks included, in 512-byte units.
 */
#include "fs/ext2/ext2fs.h"
#include "lib/string.h"
#include "uapi/errno.h"

static uint32_t group_of(struct ext2_fs *fs, struct inode *ino)
{
	return (uint32_t)((ino->ino - 1) / fs->g.inodes_per_group);
}

/* A new zeroed block in the transaction, counted in the inode. */
static int new_block(struct ext2_fs *fs, struct inode *ino, uint32_t *out)
{
	uint32_t blk;
	int rc = alloc_block(fs, group_of(fs, ino), &blk);
	if (rc < 0)
		return rc;
	struct buf *b;
	rc = bnew(fs, blk, &b);
	if (rc < 0) {
		free_block(fs, blk);
		return rc;
	}
	bdirty(fs, b);
	brelse(fs, b);
	node_of(ino)->di.blocks += fs->g.block_size / 512;
	*out = blk;
	return 0;
}

/* The path to file block fblock: the slot in the inode and the index at
 * each indirect level. Returns the number of levels, -1 past the map. */
static int path_of(struct ext2_fs *fs, uint32_t fblock, uint32_t *slot, uint32_t idx[3])
{
	uint64_t per = fs->g.block_size / 4, n = fblock;
	if (n < EXT2_NDIR_BLOCKS) {
		*slot = (uint32_t)n;
		return 0;
	}
	n -= EXT2_NDIR_BLOCKS;
	if (n < per) {
		*slot = EXT2_IND_BLOCK;
		idx[0] = (uint32_t)n;
		return 1;
	}
	n -= per;
	if (n < per * per) {
		*slot = EXT2_DIND_BLOCK;
		idx[0] = (uint32_t)(n / per);
		idx[1] = (uint32_t)(n % per);
		return 2;
	}
	n -= per * per;
	if (n < per * per * per) {
		*slot = EXT2_TIND_BLOCK;
		idx[0] = (uint32_t)(n / (per * per));
		idx[1] = (uint32_t)(n / per % per);
		idx[2] = (uint32_t)(n % per);
		return 3;
	}
	return -1;
}

static bool valid_block(struct ext2_fs *fs, uint32_t blk)
{
	return blk > fs->g.first_data_block && blk < fs->g.blocks_count;
}

int bmap(struct ext2_fs *fs, struct inode *ino, uint32_t fblock, bool alloc, uint32_t *out)
{
	uint32_t slot, idx[3];
	int levels = path_of(fs, fblock, &slot, idx);
	if (levels < 0)
		return -EFBIG;
	struct ext2_node *n = node_of(ino);
	uint32_t blk = n->di.block[slot];
	bool inode_changed = false;
	if (!blk) {
		if (!alloc) {
			*out = 0;
			return 0;
		}
		int rc = new_block(fs, ino, &blk);
		if (rc < 0)
			return rc;
		n->di.block[slot] = blk;
		inode_changed = true;
	}
	for (int level = 0; level < levels; level++) {
		if (!valid_block(fs, blk))
			return -EIO;
		struct buf *b;
		int rc = bread(fs, blk, &b);
		if (rc < 0)
			return rc;
		uint8_t *p = b->data + 4 * idx[level];
		blk = le32(p);
		if (blk && !valid_block(fs, blk)) {
			brelse(fs, b);
			return -EIO;
		}
		if (!blk && alloc) {
			rc = new_block(fs, ino, &blk);
			if (rc < 0) {
				brelse(fs, b);
				return rc;
			}
			put_le32(p, blk);
			bdirty(fs, b);
			inode_changed = true;
		}
		brelse(fs, b);
		if (!blk) {
			*out = 0;
			return 0;
		}
	}
	*out = blk;
	return inode_changed ? write_inode(fs, ino) : 0;
}

static void count_freed(struct ext2_fs *fs, struct inode *ino)
{
	uint32_t per = fs->g.block_size / 512;
	struct ext2_node *n = node_of(ino);
	n->di.blocks = n->di.blocks > per ? n->di.blocks - per : 0;
}

/* Frees blk and, at level > 0, every block under it. */
static int free_all(struct ext2_fs *fs, struct inode *ino, uint32_t blk, int level)
{
	if (!valid_block(fs, blk))
		return -EIO;
	if (level > 0) {
		struct buf *b;
		int rc = bread(fs, blk, &b);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < fs->g.block_size / 4 && rc == 0; i++) {
			uint32_t child = le32(b->data + 4 * i);
			if (child)
				rc = free_all(fs, ino, child, level - 1);
		}
		brelse(fs, b);
		if (rc < 0)
			return rc;
	}
	count_freed(fs, ino);
	return free_block(fs, blk);
}

/* Frees the file blocks from `from` on under the level-`level` indirect
 * block blk, which maps `span` file blocks per entry. *empty says whether
 * blk maps nothing any more (then it was freed too). */
static int free_from(struct ext2_fs *fs, struct inode *ino, uint32_t blk, int level,
		     uint64_t from, uint64_t span, bool *empty)
{
	if (!valid_block(fs, blk))
		return -EIO;
	struct buf *b;
	int rc = bread(fs, blk, &b);
	if (rc < 0)
		return rc;
	uint32_t per = fs->g.block_size / 4;
	bool any_left = false, changed = false;
	for (uint32_t i = 0; i < per && rc == 0; i++) {
		uint32_t child = le32(b->data + 4 * i);
		if (!child)
			continue;
		uint64_t lo = (uint64_t)i * span;
		if (lo + span <= from) {
			any_left = true;
			continue;
		}
		if (lo >= from) {
			rc = free_all(fs, ino, child, level - 1);
			put_le32(b->data + 4 * i, 0);
			changed = true;
			continue;
		}
		bool child_empty;
		rc = free_from(fs, ino, child, level - 1, from - lo, span / per, &child_empty);
		if (child_empty) {
			put_le32(b->data + 4 * i, 0);
			changed = true;
		} else {
			any_left = true;
		}
	}
	*empty = !any_left && rc == 0;
	if (changed && !*empty)
		bdirty(fs, b);
	brelse(fs, b);
	if (*empty) {
		count_freed(fs, ino);
		rc = free_block(fs, blk);
	}
	return rc;
}

int bmap_truncate(struct ext2_fs *fs, struct inode *ino, uint32_t from)
{
	struct ext2_node *n = node_of(ino);
	uint64_t per = fs->g.block_size / 4;
	int rc = 0;
	for (uint32_t i = 0; i < EXT2_NDIR_BLOCKS && rc == 0; i++) {
		if (i >= from && n->di.block[i]) {
			rc = free_all(fs, ino, n->di.block[i], 0);
			n->di.block[i] = 0;
		}
	}
	uint64_t start = EXT2_NDIR_BLOCKS, span = 1;
	for (int level = 1; level <= 3 && rc == 0; level++) {
		uint32_t *slot = &n->di.block[EXT2_NDIR_BLOCKS + level - 1];
		uint64_t covers = span * per;
		if (*slot) {
			if (from <= start) {
				rc = free_all(fs, ino, *slot, level);
				*slot = 0;
			} else if (from < start + covers) {
				bool empty;
				rc = free_from(fs, ino, *slot, level, from - start, span, &empty);
				if (empty)
					*slot = 0;
			}
		}
		start += covers;
		span *= per;
	}
	int wrc = write_inode(fs, ino);
	return rc < 0 ? rc : wrc;
}

int bmap_free_one(struct ext2_fs *fs, struct inode *ino, uint32_t fblock)
{
	uint32_t slot, idx[3];
	int levels = path_of(fs, fblock, &slot, idx);
	if (levels < 0)
		return -EFBIG;
	struct ext2_node *n = node_of(ino);
	uint32_t blk = n->di.block[slot];
	if (levels == 0) {
		if (!blk)
			return 0;
		n->di.block[slot] = 0;
	} else {
		for (int level = 0; level < levels && blk; level++) {
			if (!valid_block(fs, blk))
				return -EIO;
			struct buf *b;
			int rc = bread(fs, blk, &b);
			if (rc < 0)
				return rc;
			uint8_t *p = b->data + 4 * idx[level];
			blk = le32(p);
			if (level == levels - 1 && blk) {
				put_le32(p, 0);
				bdirty(fs, b);
			}
			brelse(fs, b);
		}
		if (!blk)
			return 0;
		if (!valid_block(fs, blk))
			return -EIO;
	}
	count_freed(fs, ino);
	int rc = free_block(fs, blk);
	int wrc = write_inode(fs, ino);
	return rc < 0 ? rc : wrc;
}
