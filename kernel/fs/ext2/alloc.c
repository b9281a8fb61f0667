/*
 * Block and inode allocation from the groups' bitmaps, keeping the counts
 * in the group descriptors and the superblock exact (e2fsck checks them).
 * Every bitmap, descriptor and superblock change goes into the running
 * transaction with the allocation it records.
 */
#include "fs/ext2/ext2fs.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

static int sb_buf(struct ext2_fs *fs, struct buf **b, uint32_t *off)
{
	*off = EXT2_SUPER_OFFSET % fs->g.block_size;
	return bread(fs, EXT2_SUPER_OFFSET / fs->g.block_size, b);
}

/* Writes group's descriptor and the superblock's free counts. */
int write_super_and_groups(struct ext2_fs *fs, uint32_t group)
{
	uint32_t per = fs->g.block_size / EXT2_DESC_SIZE;
	struct buf *b;
	int rc = bread(fs, fs->g.first_data_block + 1 + group / per, &b);
	if (rc < 0)
		return rc;
	uint8_t *d = b->data + (group % per) * EXT2_DESC_SIZE;
	struct ext2_group *gr = &fs->groups[group];
	put_le16(d + GD_FREE_BLOCKS, (uint16_t)gr->free_blocks);
	put_le16(d + GD_FREE_INODES, (uint16_t)gr->free_inodes);
	put_le16(d + GD_USED_DIRS, (uint16_t)gr->used_dirs);
	bdirty(fs, b);
	brelse(fs, b);
	uint32_t off;
	rc = sb_buf(fs, &b, &off);
	if (rc < 0)
		return rc;
	uint64_t free_blocks = 0, free_inodes = 0;
	for (uint32_t i = 0; i < fs->g.groups; i++) {
		free_blocks += fs->groups[i].free_blocks;
		free_inodes += fs->groups[i].free_inodes;
	}
	put_le32(b->data + off + SB_FREE_BLOCKS, (uint32_t)free_blocks);
	put_le32(b->data + off + SB_FREE_INODES, (uint32_t)free_inodes);
	bdirty(fs, b);
	brelse(fs, b);
	return 0;
}

/* Finds a clear bit below limit in bitmap, the first from `from` on (then
 * wrapping), sets it; -1 when none. Whole bytes of set bits are skipped. */
static int64_t take_bit(uint8_t *bitmap, uint32_t limit, uint32_t from)
{
	uint32_t i = from < limit ? from : 0;
	for (uint32_t n = 0; n < limit;) {
		if (i % 8 == 0 && i + 8 <= limit && bitmap[i / 8] == 0xff) {
			i += 8;
			n += 8;
		} else if (!(bitmap[i / 8] & (1u << (i % 8)))) {
			bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
			return i;
		} else {
			i++;
			n++;
		}
		if (i >= limit)
			i = 0;
	}
	return -1;
}

int alloc_block(struct ext2_fs *fs, uint32_t goal_group, uint32_t *out)
{
	for (uint32_t n = 0; n < fs->g.groups; n++) {
		uint32_t group = (goal_group + n) % fs->g.groups;
		struct ext2_group *gr = &fs->groups[group];
		if (gr->free_blocks == 0)
			continue;
		struct buf *b;
		int rc = bread(fs, gr->block_bitmap, &b);
		if (rc < 0)
			return rc;
		uint32_t first = ext2_group_first(&fs->g, group);
		/* From after the last block taken: a scan from the group's start
		 * each time made writing a file quadratic in its size (a 64 MiB
		 * file: 2.5 s of kernel time under TCG, most of it here). */
		uint32_t from = group == fs->block_hint_group ? fs->block_hint : 0;
		int64_t bit = take_bit(b->data, ext2_group_end(&fs->g, group) - first, from);
		if (bit < 0) {
			brelse(fs, b); /* the count was wrong: look elsewhere */
			continue;
		}
		bdirty(fs, b);
		brelse(fs, b);
		gr->free_blocks--;
		fs->block_hint_group = group;
		fs->block_hint = (uint32_t)bit + 1;
		*out = first + (uint32_t)bit;
		return write_super_and_groups(fs, group);
	}
	return -ENOSPC;
}

/* Notes a freed block for discard after the commit (best effort: with no
 * memory for the list, the block is simply not discarded). */
static void remember_freed(struct ext2_fs *fs, uint32_t blk)
{
	if (!fs->dev->can_discard)
		return;
	if (fs->nfreed == fs->freed_cap) {
		uint32_t cap = fs->freed_cap ? fs->freed_cap * 2 : 256;
		uint32_t *more = kmalloc(sizeof(uint32_t) * cap);
		if (!more)
			return;
		if (fs->freed)
			memcpy(more, fs->freed, sizeof(uint32_t) * fs->nfreed);
		kfree(fs->freed);
		fs->freed = more;
		fs->freed_cap = cap;
	}
	fs->freed[fs->nfreed++] = blk;
}

int free_block(struct ext2_fs *fs, uint32_t blk)
{
	if (blk <= fs->g.first_data_block || blk >= fs->g.blocks_count)
		return -EIO;
	uint32_t group = (blk - fs->g.first_data_block) / fs->g.blocks_per_group;
	uint32_t bit = blk - ext2_group_first(&fs->g, group);
	struct ext2_group *gr = &fs->groups[group];
	struct buf *b;
	int rc = bread(fs, gr->block_bitmap, &b);
	if (rc < 0)
		return rc;
	if (b->data[bit / 8] & (1u << (bit % 8))) {
		b->data[bit / 8] &= (uint8_t)~(1u << (bit % 8));
		gr->free_blocks++;
		bdirty(fs, b);
	}
	brelse(fs, b);
	bforget(fs, blk);
	remember_freed(fs, blk);
	return write_super_and_groups(fs, group);
}

bool block_in_use(struct ext2_fs *fs, uint32_t blk)
{
	uint32_t group = (blk - fs->g.first_data_block) / fs->g.blocks_per_group;
	uint32_t bit = blk - ext2_group_first(&fs->g, group);
	struct buf *b;
	if (bread(fs, fs->groups[group].block_bitmap, &b) < 0)
		return true; /* unknown: never discard it */
	bool used = b->data[bit / 8] & (1u << (bit % 8));
	brelse(fs, b);
	return used;
}

int alloc_inode(struct ext2_fs *fs, uint32_t goal_group, bool dir, uint32_t *out)
{
	for (uint32_t n = 0; n < fs->g.groups; n++) {
		uint32_t group = (goal_group + n) % fs->g.groups;
		struct ext2_group *gr = &fs->groups[group];
		if (gr->free_inodes == 0)
			continue;
		struct buf *b;
		int rc = bread(fs, gr->inode_bitmap, &b);
		if (rc < 0)
			return rc;
		/* Reserved inodes (below first_ino) are never handed out. */
		uint32_t from = group == 0 ? fs->g.first_ino - 1 : 0;
		int64_t bit = take_bit(b->data, fs->g.inodes_per_group, from);
		if (bit < 0 || (group == 0 && (uint32_t)bit < fs->g.first_ino - 1)) {
			if (bit >= 0)
				b->data[bit / 8] &= (uint8_t)~(1u << (bit % 8));
			brelse(fs, b);
			continue;
		}
		bdirty(fs, b);
		brelse(fs, b);
		gr->free_inodes--;
		if (dir)
			gr->used_dirs++;
		*out = group * fs->g.inodes_per_group + (uint32_t)bit + 1;
		return write_super_and_groups(fs, group);
	}
	return -ENOSPC;
}

int free_inode(struct ext2_fs *fs, uint32_t ino, bool dir)
{
	if (ino < fs->g.first_ino || ino > fs->g.inodes_count)
		return -EIO;
	uint32_t group = (ino - 1) / fs->g.inodes_per_group, bit = (ino - 1) % fs->g.inodes_per_group;
	struct ext2_group *gr = &fs->groups[group];
	struct buf *b;
	int rc = bread(fs, gr->inode_bitmap, &b);
	if (rc < 0)
		return rc;
	if (b->data[bit / 8] & (1u << (bit % 8))) {
		b->data[bit / 8] &= (uint8_t)~(1u << (bit % 8));
		gr->free_inodes++;
		if (dir && gr->used_dirs)
			gr->used_dirs--;
		bdirty(fs, b);
	}
	brelse(fs, b);
	return write_super_and_groups(fs, group);
}
