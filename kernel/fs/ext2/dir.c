/*
 * ext2 directories: a file of blocks, each a chain of entries (inode,
 * rec_len, name) that covers the block exactly. Every block is checked
 * (ext2_dirblock_check) when read, so a corrupt one gives EIO, never a read
 * out of the block. getdents positions are byte offsets in the directory.
 * A directory this driver changes loses a hash index (dir_index) flag,
 * which makes it linear again for every ext3/ext4 reader.
 */
#include "core/console.h"
#include "fs/ext2/ext2fs.h"
#include "lib/string.h"
#include "uapi/errno.h"

static int dir_block(struct ext2_fs *fs, struct inode *dir, uint32_t i, bool alloc, struct buf **b)
{
	uint32_t blk;
	int rc = bmap(fs, dir, i, alloc, &blk);
	if (rc < 0)
		return rc;
	if (!blk)
		return -EIO; /* a hole in a directory */
	rc = bread(fs, blk, b);
	if (rc < 0)
		return rc;
	const char *why;
	if (ext2_dirblock_check(&fs->g, (*b)->data, &why) < 0) {
		kprintf("ext2: %s: directory inode %llu block %u: %s\n", fs->dev->name,
			(unsigned long long)dir->ino, i, why);
		brelse(fs, *b);
		return -EIO;
	}
	return 0;
}

static uint32_t nblocks(struct ext2_fs *fs, struct inode *dir)
{
	return (uint32_t)(dir->size / fs->g.block_size);
}

/* Finds name: its block (referenced), the entry's offset and the one before. */
static int find(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len,
		struct buf **out, uint32_t *off_out, int64_t *prev_out, struct ext2_dirent *d)
{
	const char *why;
	for (uint32_t i = 0; i < nblocks(fs, dir); i++) {
		struct buf *b;
		int rc = dir_block(fs, dir, i, false, &b);
		if (rc < 0)
			return rc;
		int64_t prev = -1;
		for (uint32_t off = 0; off < fs->g.block_size; off += d->rec_len) {
			ext2_dirent_parse(&fs->g, b->data, off, d, &why);
			if (d->inode && d->name_len == len && memcmp(d->name, name, len) == 0) {
				*out = b;
				*off_out = off;
				if (prev_out)
					*prev_out = prev;
				return 0;
			}
			prev = off;
		}
		brelse(fs, b);
	}
	return -ENOENT;
}

int dir_lookup(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len,
	       uint32_t *ino, uint8_t *type)
{
	struct buf *b;
	uint32_t off;
	struct ext2_dirent d;
	int rc = find(fs, dir, name, len, &b, &off, NULL, &d);
	if (rc < 0)
		return rc;
	*ino = d.inode;
	*type = d.file_type;
	brelse(fs, b);
	return 0;
}

static int touched(struct ext2_fs *fs, struct inode *dir)
{
	node_of(dir)->di.flags &= ~(uint32_t)EXT2_INDEX_FL;
	inode_touch(dir, true, true);
	return write_inode(fs, dir);
}

int dir_add(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len, uint32_t ino,
	    uint8_t type)
{
	if (len == 0 || len > NAME_MAX)
		return -ENAMETOOLONG;
	uint32_t need = ext2_dirent_size((uint32_t)len);
	const char *why;
	uint32_t n = nblocks(fs, dir);
	for (uint32_t i = 0; i < n; i++) {
		struct buf *b;
		int rc = dir_block(fs, dir, i, false, &b);
		if (rc < 0)
			return rc;
		struct ext2_dirent d;
		for (uint32_t off = 0; off < fs->g.block_size; off += d.rec_len) {
			ext2_dirent_parse(&fs->g, b->data, off, &d, &why);
			uint32_t used = d.inode ? ext2_dirent_size(d.name_len) : 0;
			if (d.rec_len - used < need)
				continue;
			uint8_t *at = b->data + off;
			if (used) {
				put_le16(at + 4, (uint16_t)used);
				ext2_dirent_write(at + used, ino, (uint16_t)(d.rec_len - used), name,
						  (uint8_t)len, type);
			} else {
				ext2_dirent_write(at, ino, d.rec_len, name, (uint8_t)len, type);
			}
			bdirty(fs, b);
			brelse(fs, b);
			return touched(fs, dir);
		}
		brelse(fs, b);
	}
	/* No room: a new block at the end. */
	uint32_t blk;
	int rc = bmap(fs, dir, n, true, &blk);
	if (rc < 0)
		return rc;
	struct buf *b;
	rc = bread(fs, blk, &b);
	if (rc < 0)
		return rc;
	ext2_dirent_write(b->data, ino, (uint16_t)fs->g.block_size, name, (uint8_t)len, type);
	bdirty(fs, b);
	brelse(fs, b);
	dir->size += fs->g.block_size;
	return touched(fs, dir);
}

int dir_remove(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len)
{
	struct buf *b;
	uint32_t off;
	int64_t prev;
	struct ext2_dirent d;
	int rc = find(fs, dir, name, len, &b, &off, &prev, &d);
	if (rc < 0)
		return rc;
	if (prev >= 0) {
		uint8_t *p = b->data + prev;
		put_le16(p + 4, (uint16_t)(le16(p + 4) + d.rec_len));
		/* The old entry's bytes stay inside the previous one's slack. */
	} else {
		put_le32(b->data + off, 0);
	}
	bdirty(fs, b);
	brelse(fs, b);
	return touched(fs, dir);
}

int dir_set(struct ext2_fs *fs, struct inode *dir, const char *name, size_t len, uint32_t ino,
	    uint8_t type)
{
	struct buf *b;
	uint32_t off;
	struct ext2_dirent d;
	int rc = find(fs, dir, name, len, &b, &off, NULL, &d);
	if (rc < 0)
		return rc;
	put_le32(b->data + off, ino);
	if (fs->g.incompat & EXT2_INCOMPAT_FILETYPE)
		b->data[off + 7] = type;
	bdirty(fs, b);
	brelse(fs, b);
	return touched(fs, dir);
}

int dir_is_empty(struct ext2_fs *fs, struct inode *dir)
{
	const char *why;
	for (uint32_t i = 0; i < nblocks(fs, dir); i++) {
		struct buf *b;
		int rc = dir_block(fs, dir, i, false, &b);
		if (rc < 0)
			return rc;
		struct ext2_dirent d;
		for (uint32_t off = 0; off < fs->g.block_size; off += d.rec_len) {
			ext2_dirent_parse(&fs->g, b->data, off, &d, &why);
			bool dot = (d.name_len == 1 && d.name[0] == '.') ||
				   (d.name_len == 2 && d.name[0] == '.' && d.name[1] == '.');
			if (d.inode && !dot) {
				brelse(fs, b);
				return 0;
			}
		}
		brelse(fs, b);
	}
	return 1;
}

int dir_init(struct ext2_fs *fs, struct inode *dir, uint32_t parent)
{
	uint32_t blk;
	int rc = bmap(fs, dir, 0, true, &blk);
	if (rc < 0)
		return rc;
	struct buf *b;
	rc = bread(fs, blk, &b);
	if (rc < 0)
		return rc;
	ext2_dirent_write(b->data, (uint32_t)dir->ino, 12, ".", 1, EXT2_FT_DIR);
	ext2_dirent_write(b->data + 12, parent, (uint16_t)(fs->g.block_size - 12), "..", 2,
			  EXT2_FT_DIR);
	bdirty(fs, b);
	brelse(fs, b);
	dir->size = fs->g.block_size;
	return write_inode(fs, dir);
}

static unsigned dt_of(uint8_t ft)
{
	static const unsigned dt[] = { 0, 8, 4, 2, 6, 1, 12, 10 }; /* DT_REG, DT_DIR, ... */
	return ft < sizeof(dt) / sizeof(dt[0]) ? dt[ft] : 0;
}

int dir_iterate(struct ext2_fs *fs, struct inode *dir, uint64_t *pos, dirent_fn emit, void *ctx)
{
	const char *why;
	uint32_t bs = fs->g.block_size;
	while (*pos < dir->size) {
		uint32_t i = (uint32_t)(*pos / bs);
		struct buf *b;
		int rc = dir_block(fs, dir, i, false, &b);
		if (rc < 0)
			return rc;
		/* Walk from the block's start: a position may point anywhere. */
		uint32_t want = (uint32_t)(*pos % bs);
		struct ext2_dirent d;
		for (uint32_t off = 0; off < bs; off += d.rec_len) {
			ext2_dirent_parse(&fs->g, b->data, off, &d, &why);
			if (off < want || !d.inode)
				continue;
			uint64_t next = (uint64_t)i * bs + off + d.rec_len;
			if (emit(ctx, d.name, d.name_len, d.inode, dt_of(d.file_type), next) < 0) {
				brelse(fs, b);
				return 0;
			}
			*pos = next;
		}
		brelse(fs, b);
		*pos = (uint64_t)(i + 1) * bs;
	}
	return 0;
}
