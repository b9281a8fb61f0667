#include "fs/ext2/ext2_format.h"

#include "lib/string.h"

#define S_IFMT_ 0170000
#define S_IFSOCK_ 0140000
#define S_IFLNK_ 0120000
#define S_IFREG_ 0100000
#define S_IFBLK_ 0060000
#define S_IFDIR_ 0040000
#define S_IFCHR_ 0020000
#define S_IFIFO_ 0010000

static int fail(const char **why, const char *what)
{
	*why = what;
	return -1;
}

static uint32_t div_up(uint32_t a, uint32_t b)
{
	return a / b + (a % b != 0);
}

int ext2_super_parse(const uint8_t *sb, uint64_t disk_bytes, struct ext2_geom *g,
		     const char **why)
{
	memset(g, 0, sizeof(*g));
	if (le16(sb + SB_MAGIC) != EXT2_MAGIC)
		return fail(why, "no ext2/ext3 superblock (bad magic)");
	uint32_t log = le32(sb + SB_LOG_BLOCK_SIZE);
	if (log > 2)
		return fail(why, "block size larger than 4 KiB");
	g->block_size = 1024u << log;
	g->blocks_count = le32(sb + SB_BLOCKS_COUNT);
	g->first_data_block = le32(sb + SB_FIRST_DATA_BLOCK);
	g->blocks_per_group = le32(sb + SB_BLOCKS_PER_GROUP);
	g->inodes_count = le32(sb + SB_INODES_COUNT);
	g->inodes_per_group = le32(sb + SB_INODES_PER_GROUP);
	if (g->first_data_block != (g->block_size == 1024 ? 1u : 0u))
		return fail(why, "bad first data block");
	if (g->blocks_count <= g->first_data_block + 1 ||
	    (uint64_t)g->blocks_count * g->block_size > disk_bytes)
		return fail(why, "the file system is larger than the disk (truncated?)");
	if (g->blocks_per_group == 0 || g->blocks_per_group > 8 * g->block_size ||
	    g->blocks_per_group % 8)
		return fail(why, "bad blocks per group");
	if (g->inodes_per_group == 0 || g->inodes_per_group > 8 * g->block_size ||
	    g->inodes_per_group % 8)
		return fail(why, "bad inodes per group");
	g->groups = div_up(g->blocks_count - g->first_data_block, g->blocks_per_group);
	if ((uint64_t)g->groups * g->inodes_per_group != g->inodes_count)
		return fail(why, "inode count does not match the groups");
	g->desc_blocks = div_up(g->groups, g->block_size / EXT2_DESC_SIZE);
	if (le32(sb + SB_REV_LEVEL) == 0) {
		g->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
		g->first_ino = 11;
	} else {
		g->inode_size = le16(sb + SB_INODE_SIZE);
		g->first_ino = le32(sb + SB_FIRST_INO);
		g->compat = le32(sb + SB_FEATURE_COMPAT);
		g->incompat = le32(sb + SB_FEATURE_INCOMPAT);
		g->ro_compat = le32(sb + SB_FEATURE_RO_COMPAT);
	}
	if (g->inode_size < EXT2_GOOD_OLD_INODE_SIZE || g->inode_size > g->block_size ||
	    (g->inode_size & (g->inode_size - 1)))
		return fail(why, "bad inode size");
	if (g->first_ino < 11 || g->first_ino >= g->inodes_count)
		return fail(why, "bad first inode");
	if (g->incompat & ~(uint32_t)EXT2_INCOMPAT_SUPPORTED)
		return fail(why, "incompatible features this kernel lacks (extents, 64bit, flex_bg...: "
				 "make the disk with `unipython disk create`)");
	if (g->ro_compat & ~(uint32_t)EXT2_RO_COMPAT_SUPPORTED)
		g->readonly = true;
	g->needs_recovery = g->incompat & EXT2_INCOMPAT_RECOVER;
	if (g->compat & EXT2_COMPAT_HAS_JOURNAL) {
		g->journal_inum = le32(sb + SB_JOURNAL_INUM);
		if (g->journal_inum == 0 || g->journal_inum >= g->first_ino ||
		    g->journal_inum == EXT2_ROOT_INO)
			return fail(why, "bad journal inode");
	} else if (g->needs_recovery) {
		return fail(why, "needs journal recovery but has no journal");
	}
	/* Everything before the first group's tables must fit in group 0. */
	if (1 + g->desc_blocks >= g->blocks_per_group)
		return fail(why, "group descriptors do not fit in the first group");
	return 0;
}

uint32_t ext2_group_first(const struct ext2_geom *g, uint32_t group)
{
	return g->first_data_block + group * g->blocks_per_group;
}

uint32_t ext2_group_end(const struct ext2_geom *g, uint32_t group)
{
	uint32_t end = ext2_group_first(g, group) + g->blocks_per_group;
	return end < g->blocks_count ? end : g->blocks_count;
}

static bool is_power_of(uint32_t n, uint32_t base)
{
	while (n > 1 && n % base == 0)
		n /= base;
	return n == 1;
}

bool ext2_group_has_super(const struct ext2_geom *g, uint32_t group)
{
	if (group <= 1 || !(g->ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER))
		return true;
	return is_power_of(group, 3) || is_power_of(group, 5) || is_power_of(group, 7);
}

int ext2_group_parse(const struct ext2_geom *g, uint32_t group, const uint8_t *d,
		     struct ext2_group *out, const char **why)
{
	out->block_bitmap = le32(d + GD_BLOCK_BITMAP);
	out->inode_bitmap = le32(d + GD_INODE_BITMAP);
	out->inode_table = le32(d + GD_INODE_TABLE);
	out->free_blocks = le16(d + GD_FREE_BLOCKS);
	out->free_inodes = le16(d + GD_FREE_INODES);
	out->used_dirs = le16(d + GD_USED_DIRS);
	uint32_t first = ext2_group_first(g, group), end = ext2_group_end(g, group);
	uint32_t table_blocks = div_up(g->inodes_per_group * g->inode_size, g->block_size);
	/* Without flex_bg a group's bitmaps and inode table lie inside it. */
	if (out->block_bitmap < first || out->block_bitmap >= end || out->inode_bitmap < first ||
	    out->inode_bitmap >= end || out->inode_table < first || out->inode_table >= end ||
	    table_blocks > end - out->inode_table)
		return fail(why, "a group's bitmaps or inode table lie outside the group");
	if (out->block_bitmap == out->inode_bitmap ||
	    (out->block_bitmap >= out->inode_table && out->block_bitmap < out->inode_table + table_blocks) ||
	    (out->inode_bitmap >= out->inode_table && out->inode_bitmap < out->inode_table + table_blocks))
		return fail(why, "a group's bitmaps overlap");
	if (group == 0 && (out->block_bitmap <= g->first_data_block + g->desc_blocks ||
			   out->inode_bitmap <= g->first_data_block + g->desc_blocks ||
			   out->inode_table <= g->first_data_block + g->desc_blocks))
		return fail(why, "group 0's tables overlap the superblock");
	if (out->free_blocks > end - first || out->free_inodes > g->inodes_per_group ||
	    out->used_dirs > g->inodes_per_group)
		return fail(why, "a group's counts are larger than the group");
	return 0;
}

uint64_t ext2_max_file_size(const struct ext2_geom *g)
{
	uint64_t per = g->block_size / 4;
	uint64_t blocks = EXT2_NDIR_BLOCKS + per + per * per + per * per * per;
	/* i_blocks counts 512-byte sectors in 32 bits, indirect blocks included. */
	uint64_t cap = ((uint64_t)UINT32_MAX * 512) / g->block_size;
	if (blocks > cap - cap / per - 3)
		blocks = cap - cap / per - 3;
	return blocks * g->block_size;
}

bool ext2_inode_fast_link(const struct ext2_geom *g, const struct ext2_inode *in)
{
	/* As e2fsprogs: no data block (an attribute block may be counted). */
	uint32_t acl = in->file_acl ? g->block_size / 512 : 0;
	return (in->mode & S_IFMT_) == S_IFLNK_ && in->size < 60 && in->blocks == acl;
}

static bool known_type(uint32_t mode)
{
	switch (mode & S_IFMT_) {
	case S_IFREG_:
	case S_IFDIR_:
	case S_IFLNK_:
	case S_IFCHR_:
	case S_IFBLK_:
	case S_IFIFO_:
	case S_IFSOCK_:
		return true;
	default:
		return false;
	}
}

int ext2_inode_parse(const struct ext2_geom *g, const uint8_t *raw, struct ext2_inode *out,
		     const char **why)
{
	memset(out, 0, sizeof(*out));
	out->mode = le16(raw + IN_MODE);
	out->uid = le16(raw + IN_UID) | (uint32_t)le16(raw + IN_UID_HIGH) << 16;
	out->gid = le16(raw + IN_GID) | (uint32_t)le16(raw + IN_GID_HIGH) << 16;
	out->size = le32(raw + IN_SIZE);
	out->atime = le32(raw + IN_ATIME);
	out->ctime = le32(raw + IN_CTIME);
	out->mtime = le32(raw + IN_MTIME);
	out->dtime = le32(raw + IN_DTIME);
	out->links = le16(raw + IN_LINKS);
	out->blocks = le32(raw + IN_BLOCKS);
	out->flags = le32(raw + IN_FLAGS);
	out->generation = le32(raw + IN_GENERATION);
	out->file_acl = le32(raw + IN_FILE_ACL);
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		out->block[i] = le32(raw + IN_BLOCK + 4 * i);
	if ((out->mode & S_IFMT_) == S_IFREG_)
		out->size |= (uint64_t)le32(raw + IN_SIZE_HIGH) << 32;
	if (!known_type(out->mode))
		return fail(why, "an inode of unknown type");
	if (out->file_acl >= g->blocks_count)
		return fail(why, "an inode's attribute block is outside the disk");
	if (out->size > ext2_max_file_size(g))
		return fail(why, "an inode larger than its block map can hold");
	if ((out->mode & S_IFMT_) == S_IFDIR_ && out->size % g->block_size)
		return fail(why, "a directory whose size is not whole blocks");
	if (ext2_inode_fast_link(g, out))
		return 0;
	if ((out->mode & S_IFMT_) == S_IFCHR_ || (out->mode & S_IFMT_) == S_IFBLK_)
		return 0; /* block[0..1] hold the device number */
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		if (out->block[i] >= g->blocks_count ||
		    (out->block[i] && out->block[i] <= g->first_data_block))
			return fail(why, "an inode's block is outside the disk");
	return 0;
}

void ext2_inode_encode(const struct ext2_geom *g, const struct ext2_inode *in, uint8_t *raw)
{
	put_le16(raw + IN_MODE, in->mode);
	put_le16(raw + IN_UID, (uint16_t)in->uid);
	put_le16(raw + IN_UID_HIGH, (uint16_t)(in->uid >> 16));
	put_le16(raw + IN_GID, (uint16_t)in->gid);
	put_le16(raw + IN_GID_HIGH, (uint16_t)(in->gid >> 16));
	put_le32(raw + IN_SIZE, (uint32_t)in->size);
	put_le32(raw + IN_SIZE_HIGH, (in->mode & S_IFMT_) == S_IFREG_ ? (uint32_t)(in->size >> 32) : 0);
	put_le32(raw + IN_ATIME, in->atime);
	put_le32(raw + IN_CTIME, in->ctime);
	put_le32(raw + IN_MTIME, in->mtime);
	put_le32(raw + IN_DTIME, in->dtime);
	put_le16(raw + IN_LINKS, in->links);
	put_le32(raw + IN_BLOCKS, in->blocks);
	put_le32(raw + IN_FLAGS, in->flags);
	put_le32(raw + IN_GENERATION, in->generation);
	put_le32(raw + IN_FILE_ACL, in->file_acl);
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		put_le32(raw + IN_BLOCK + 4 * i, in->block[i]);
	/* A new large inode says how much of its extra space is in use: the
	 * size of ext4's extra fields, as mke2fs gives the root. */
	if (g->inode_size > EXT2_GOOD_OLD_INODE_SIZE && le16(raw + IN_EXTRA_ISIZE) == 0)
		put_le16(raw + IN_EXTRA_ISIZE, g->inode_size >= 160 ? 32 : 4);
}

int ext2_dirent_parse(const struct ext2_geom *g, const uint8_t *block, uint32_t off,
		      struct ext2_dirent *out, const char **why)
{
	uint32_t bs = g->block_size;
	if (off % 4 || off > bs - EXT2_DIRENT_HEADER)
		return fail(why, "a directory entry outside its block");
	const uint8_t *p = block + off;
	out->inode = le32(p);
	out->rec_len = le16(p + 4);
	out->name_len = p[6];
	out->file_type = (g->incompat & EXT2_INCOMPAT_FILETYPE) ? p[7] : 0;
	out->name = (const char *)p + EXT2_DIRENT_HEADER;
	uint32_t rec = out->rec_len;
	if (bs == 65536 && rec == 0)
		rec = bs;
	if (rec < EXT2_DIRENT_HEADER || rec % 4 || rec > bs - off)
		return fail(why, "a directory entry's length leaves its block");
	if (out->inode && ext2_dirent_size(out->name_len) > rec)
		return fail(why, "a directory entry's name is longer than the entry");
	if (out->inode > g->inodes_count)
		return fail(why, "a directory entry names an inode that does not exist");
	if (out->inode && out->name_len == 0)
		return fail(why, "a directory entry with an empty name");
	if (out->file_type > EXT2_FT_LNK)
		return fail(why, "a directory entry of unknown type");
	return 0;
}

int ext2_dirblock_check(const struct ext2_geom *g, const uint8_t *block, const char **why)
{
	uint32_t off = 0;
	while (off < g->block_size) {
		struct ext2_dirent d;
		if (ext2_dirent_parse(g, block, off, &d, why) < 0)
			return -1;
		for (uint32_t i = 0; d.inode && i < d.name_len; i++)
			if (d.name[i] == '/' || d.name[i] == '\0')
				return fail(why, "a directory entry's name holds '/' or NUL");
		off += d.rec_len;
	}
	return 0;
}

void ext2_dirent_write(uint8_t *at, uint32_t inode, uint16_t rec_len, const char *name,
		       uint8_t name_len, uint8_t file_type)
{
	put_le32(at, inode);
	put_le16(at + 4, rec_len);
	at[6] = name_len;
	at[7] = file_type;
	memcpy(at + EXT2_DIRENT_HEADER, name, name_len);
	/* The padding after the name: zero, so nothing stale leaks out. */
	uint32_t used = EXT2_DIRENT_HEADER + name_len, padded = ext2_dirent_size(name_len);
	if (padded <= rec_len)
		memset(at + used, 0, padded - used);
}

uint8_t ext2_file_type(uint32_t mode)
{
	switch (mode & S_IFMT_) {
	case S_IFREG_:
		return EXT2_FT_REG;
	case S_IFDIR_:
		return EXT2_FT_DIR;
	case S_IFCHR_:
		return EXT2_FT_CHR;
	case S_IFBLK_:
		return EXT2_FT_BLK;
	case S_IFIFO_:
		return EXT2_FT_FIFO;
	case S_IFSOCK_:
		return EXT2_FT_SOCK;
	case S_IFLNK_:
		return EXT2_FT_LNK;
	default:
		return EXT2_FT_UNKNOWN;
	}
}

/* jbd2 */

int jbd2_super_parse(const uint8_t *block, uint32_t bs, uint32_t inode_blocks,
		     struct jbd2_geom *j, const char **why)
{
	memset(j, 0, sizeof(*j));
	if (be32(block) != JBD2_MAGIC)
		return fail(why, "the journal has no superblock (bad magic)");
	uint32_t type = be32(block + 4);
	if (type != JBD2_SUPERBLOCK_V1 && type != JBD2_SUPERBLOCK_V2)
		return fail(why, "the journal superblock has an unknown version");
	j->block_size = be32(block + JSB_BLOCKSIZE);
	j->maxlen = be32(block + JSB_MAXLEN);
	j->first = be32(block + JSB_FIRST);
	j->sequence = be32(block + JSB_SEQUENCE);
	j->start = be32(block + JSB_START);
	if (type == JBD2_SUPERBLOCK_V2)
		j->incompat = be32(block + JSB_FEATURE_INCOMPAT);
	memcpy(j->uuid, block + JSB_UUID, 16);
	if (j->block_size != bs)
		return fail(why, "the journal's block size differs from the file system's");
	if (j->maxlen > inode_blocks || j->maxlen < 16)
		return fail(why, "the journal is larger than its inode or too small");
	if (j->first == 0 || j->first >= j->maxlen)
		return fail(why, "the journal's log starts outside it");
	if (j->start && (j->start < j->first || j->start >= j->maxlen))
		return fail(why, "the journal's start is outside its log");
	if (j->incompat & ~(uint32_t)(JBD2_INCOMPAT_REVOKE))
		return fail(why, "a journal with checksums, 64-bit blocks or fast commits "
				 "(make the disk with `unipython disk create`)");
	j->tag_size = 8;
	return 0;
}

int jbd2_block_kind(const uint8_t *block, uint32_t seq)
{
	if (be32(block) != JBD2_MAGIC || be32(block + 8) != seq)
		return 0;
	uint32_t type = be32(block + 4);
	return type >= JBD2_DESCRIPTOR_BLOCK && type <= JBD2_REVOKE_BLOCK ? (int)type : 0;
}

int jbd2_tags_per_block(const struct jbd2_geom *j)
{
	/* Header, then tags; the first also carries the 16-byte UUID. */
	return (int)((j->block_size - JBD2_HEADER - 16) / j->tag_size);
}

int jbd2_descriptor_parse(const struct jbd2_geom *j, const uint8_t *block,
			  struct jbd2_tag *tags, int max, const char **why)
{
	uint32_t off = JBD2_HEADER;
	int n = 0;
	for (;;) {
		if (off + j->tag_size > j->block_size)
			return fail(why, "a journal descriptor without a last tag");
		if (n == max)
			return fail(why, "a journal descriptor with too many tags");
		uint32_t flags = be16(block + off + 6);
		tags[n].fs_block = be32(block + off);
		tags[n].flags = flags;
		n++;
		off += j->tag_size;
		if (!(flags & JBD2_FLAG_SAME_UUID))
			off += 16;
		if (flags & JBD2_FLAG_LAST_TAG)
			return n;
	}
}

void jbd2_header_write(uint8_t *block, uint32_t type, uint32_t seq)
{
	put_be32(block, JBD2_MAGIC);
	put_be32(block + 4, type);
	put_be32(block + 8, seq);
}

int jbd2_descriptor_build(const struct jbd2_geom *j, uint8_t *block, uint32_t seq,
			  const struct jbd2_tag *tags, int n)
{
	memset(block, 0, j->block_size);
	jbd2_header_write(block, JBD2_DESCRIPTOR_BLOCK, seq);
	int fit = jbd2_tags_per_block(j);
	if (n > fit)
		n = fit;
	uint32_t off = JBD2_HEADER;
	for (int i = 0; i < n; i++) {
		uint32_t flags = tags[i].flags & JBD2_FLAG_ESCAPE;
		if (i > 0)
			flags |= JBD2_FLAG_SAME_UUID;
		if (i == n - 1)
			flags |= JBD2_FLAG_LAST_TAG;
		put_be32(block + off, tags[i].fs_block);
		put_be16(block + off + 4, 0);
		put_be16(block + off + 6, (uint16_t)flags);
		off += j->tag_size;
		if (i == 0) {
			memcpy(block + off, j->uuid, 16);
			off += 16;
		}
	}
	return n;
}
