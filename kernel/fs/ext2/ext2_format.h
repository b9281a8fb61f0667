/*
 * The on-disk format of ext2/ext3 (as e2fsprogs' mke2fs -t ext3 makes it)
 * and of its jbd2 journal, and the checks every structure read from a disk
 * goes through before the file system uses it. Portable C with no kernel
 * dependency: the same code runs in the host's unit tests and fuzzer.
 *
 * ext2 fields are little-endian, jbd2's big-endian; both are read through
 * the le/be helpers below, never by casting a disk buffer to a struct.
 *
 * Supported: block sizes 1, 2 and 4 KiB; inodes of 128 bytes or more;
 * block maps (direct, indirect, double and triple indirect blocks);
 * linear directories with file types; the features sparse_super,
 * large_file, filetype, has_journal, ext_attr, resize_inode and dir_index
 * (a directory this driver changes loses its hash index flag, which is
 * how ext3 treats a directory an old kernel wrote). Any other incompatible
 * feature (extents, 64bit, flex_bg, ...) is refused; any other read-only
 * compatible one (metadata_csum, huge_file, ...) makes the mount read-only.
 */
#ifndef UPY_FS_EXT2_EXT2_FORMAT_H
#define UPY_FS_EXT2_EXT2_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXT2_SUPER_OFFSET 1024
#define EXT2_SUPER_SIZE 1024
#define EXT2_MAGIC 0xEF53
#define EXT2_ROOT_INO 2
#define EXT2_NDIR_BLOCKS 12
#define EXT2_IND_BLOCK 12
#define EXT2_DIND_BLOCK 13
#define EXT2_TIND_BLOCK 14
#define EXT2_N_BLOCKS 15
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_DESC_SIZE 32

#define EXT2_COMPAT_DIR_PREALLOC 0x0001
#define EXT2_COMPAT_HAS_JOURNAL 0x0004
#define EXT2_COMPAT_EXT_ATTR 0x0008
#define EXT2_COMPAT_RESIZE_INODE 0x0010
#define EXT2_COMPAT_DIR_INDEX 0x0020
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_RO_COMPAT_LARGE_FILE 0x0002
#define EXT2_INCOMPAT_FILETYPE 0x0002
#define EXT2_INCOMPAT_RECOVER 0x0004

#define EXT2_INCOMPAT_SUPPORTED (EXT2_INCOMPAT_FILETYPE | EXT2_INCOMPAT_RECOVER)
#define EXT2_RO_COMPAT_SUPPORTED (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)

#define EXT2_STATE_VALID 0x0001
#define EXT2_STATE_ERROR 0x0002

#define EXT2_INDEX_FL 0x00001000

/* Directory entry file types (incompat filetype). */
#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG 1
#define EXT2_FT_DIR 2
#define EXT2_FT_CHR 3
#define EXT2_FT_BLK 4
#define EXT2_FT_FIFO 5
#define EXT2_FT_SOCK 6
#define EXT2_FT_LNK 7

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Superblock byte offsets (within its 1024 bytes). */
#define SB_INODES_COUNT 0
#define SB_BLOCKS_COUNT 4
#define SB_R_BLOCKS_COUNT 8
#define SB_FREE_BLOCKS 12
#define SB_FREE_INODES 16
#define SB_FIRST_DATA_BLOCK 20
#define SB_LOG_BLOCK_SIZE 24
#define SB_LOG_FRAG_SIZE 28
#define SB_BLOCKS_PER_GROUP 32
#define SB_FRAGS_PER_GROUP 36
#define SB_INODES_PER_GROUP 40
#define SB_MTIME 44
#define SB_WTIME 48
#define SB_MNT_COUNT 52
#define SB_MAGIC 56
#define SB_STATE 58
#define SB_REV_LEVEL 76
#define SB_FIRST_INO 84
#define SB_INODE_SIZE 88
#define SB_FEATURE_COMPAT 92
#define SB_FEATURE_INCOMPAT 96
#define SB_FEATURE_RO_COMPAT 100
#define SB_JOURNAL_INUM 224
#define SB_LAST_ORPHAN 232
#define SB_DESC_SIZE 254
#define SB_MIN_EXTRA_ISIZE 348

/* What the superblock says, checked (ext2_super_parse). */
struct ext2_geom {
	uint32_t block_size;
	uint32_t blocks_count;
	uint32_t first_data_block;
	uint32_t blocks_per_group;
	uint32_t inodes_count;
	uint32_t inodes_per_group;
	uint32_t inode_size;
	uint32_t first_ino;
	uint32_t groups;
	uint32_t desc_blocks; /* blocks of group descriptors after the superblock */
	uint32_t journal_inum; /* 0 without has_journal */
	uint32_t compat, incompat, ro_compat;
	bool readonly; /* a read-only compatible feature this driver lacks */
	bool needs_recovery;
};

/* Checks the superblock (sb: its 1024 bytes) against a disk of disk_bytes;
 * fills g. 0, or -1 with *why saying what is wrong. */
int ext2_super_parse(const uint8_t *sb, uint64_t disk_bytes, struct ext2_geom *g,
		     const char **why);

/* One group descriptor, checked. */
struct ext2_group {
	uint32_t block_bitmap, inode_bitmap, inode_table;
	uint32_t free_blocks, free_inodes, used_dirs;
};

/* Group descriptor offsets. */
#define GD_BLOCK_BITMAP 0
#define GD_INODE_BITMAP 4
#define GD_INODE_TABLE 8
#define GD_FREE_BLOCKS 12
#define GD_FREE_INODES 14
#define GD_USED_DIRS 16

/* The first and one-past-last block of group `group`. */
uint32_t ext2_group_first(const struct ext2_geom *g, uint32_t group);
uint32_t ext2_group_end(const struct ext2_geom *g, uint32_t group);
/* Does group hold a superblock backup (sparse_super)? */
bool ext2_group_has_super(const struct ext2_geom *g, uint32_t group);
/* Checks descriptor d (32 bytes) of group; fills out. 0 or -1 with *why. */
int ext2_group_parse(const struct ext2_geom *g, uint32_t group, const uint8_t *d,
		     struct ext2_group *out, const char **why);

/* Inode offsets. */
#define IN_MODE 0
#define IN_UID 2
#define IN_SIZE 4
#define IN_ATIME 8
#define IN_CTIME 12
#define IN_MTIME 16
#define IN_DTIME 20
#define IN_GID 24
#define IN_LINKS 26
#define IN_BLOCKS 28
#define IN_FLAGS 32
#define IN_BLOCK 40
#define IN_GENERATION 100
#define IN_FILE_ACL 104
#define IN_SIZE_HIGH 108
#define IN_UID_HIGH 120
#define IN_GID_HIGH 122
#define IN_EXTRA_ISIZE 128

/* An inode as the file system uses it. */
struct ext2_inode {
	uint16_t mode;
	uint32_t uid, gid;
	uint64_t size;
	uint32_t atime, ctime, mtime, dtime;
	uint16_t links;
	uint32_t blocks; /* 512-byte sectors, indirect blocks included */
	uint32_t flags;
	uint32_t block[EXT2_N_BLOCKS];
	uint32_t generation;
	uint32_t file_acl;
};

/* Decodes raw (g->inode_size bytes) and checks what the file system
 * relies on: block numbers inside the disk, sizes a block map can hold,
 * a known file type. 0 or -1 with *why. A symlink with its target in the
 * block array ("fast symlink") keeps block[] as bytes: see ext2_inode_fast_link. */
int ext2_inode_parse(const struct ext2_geom *g, const uint8_t *raw, struct ext2_inode *out,
		     const char **why);
/* Encodes in into raw (g->inode_size bytes; bytes this driver does not
 * know about past the first 128 are kept, i_extra_isize is set for new
 * large inodes). */
void ext2_inode_encode(const struct ext2_geom *g, const struct ext2_inode *in, uint8_t *raw);
/* A symlink whose target lives in the inode itself. */
bool ext2_inode_fast_link(const struct ext2_geom *g, const struct ext2_inode *in);
/* The largest file size the block map of g can hold. */
uint64_t ext2_max_file_size(const struct ext2_geom *g);

/* A directory entry inside a directory block. */
struct ext2_dirent {
	uint32_t inode; /* 0: an unused entry */
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type;
	const char *name;
};

#define EXT2_DIRENT_HEADER 8
/* The space an entry with a name of len bytes needs. */
static inline uint32_t ext2_dirent_size(uint32_t len)
{
	return (EXT2_DIRENT_HEADER + len + 3) & ~3u;
}

/* Reads the entry at off of a directory block of bs bytes, checked: its
 * rec_len stays in the block and holds its name, its inode number exists.
 * 0, or -1 with *why. */
int ext2_dirent_parse(const struct ext2_geom *g, const uint8_t *block, uint32_t off,
		      struct ext2_dirent *out, const char **why);
/* Checks that a directory block is a chain of valid entries covering it
 * exactly. 0 or -1 with *why. */
int ext2_dirblock_check(const struct ext2_geom *g, const uint8_t *block, const char **why);
void ext2_dirent_write(uint8_t *at, uint32_t inode, uint16_t rec_len, const char *name,
		       uint8_t name_len, uint8_t file_type);
uint8_t ext2_file_type(uint32_t mode);

/*
 * jbd2: the journal lives in an inode's blocks (journal block n is that
 * inode's file block n). Its first block is the journal superblock; the
 * log runs from first to maxlen - 1 and wraps. Each transaction is one or
 * more descriptor blocks, each followed by the blocks its tags name, then a
 * commit block, all with the same sequence number.
 */
#define JBD2_MAGIC 0xC03B3998u
#define JBD2_DESCRIPTOR_BLOCK 1
#define JBD2_COMMIT_BLOCK 2
#define JBD2_SUPERBLOCK_V1 3
#define JBD2_SUPERBLOCK_V2 4
#define JBD2_REVOKE_BLOCK 5

#define JBD2_FLAG_ESCAPE 1
#define JBD2_FLAG_SAME_UUID 2
#define JBD2_FLAG_DELETED 4
#define JBD2_FLAG_LAST_TAG 8

#define JBD2_INCOMPAT_REVOKE 0x1
#define JBD2_INCOMPAT_64BIT 0x2
#define JBD2_INCOMPAT_ASYNC_COMMIT 0x4
#define JBD2_INCOMPAT_CSUM_V2 0x8
#define JBD2_INCOMPAT_CSUM_V3 0x10
#define JBD2_INCOMPAT_FAST_COMMIT 0x20
#define JBD2_COMPAT_CHECKSUM 0x1

/* Journal superblock offsets. */
#define JSB_BLOCKSIZE 12
#define JSB_MAXLEN 16
#define JSB_FIRST 20
#define JSB_SEQUENCE 24
#define JSB_START 28
#define JSB_ERRNO 32
#define JSB_FEATURE_COMPAT 36
#define JSB_FEATURE_INCOMPAT 40
#define JSB_FEATURE_RO_COMPAT 44
#define JSB_UUID 48
#define JSB_NR_USERS 64

#define JBD2_HEADER 12

struct jbd2_geom {
	uint32_t block_size;
	uint32_t maxlen; /* journal blocks */
	uint32_t first;  /* first log block */
	uint32_t sequence;
	uint32_t start;  /* 0: nothing to replay */
	uint32_t incompat;
	uint32_t tag_size;
	uint8_t uuid[16];
};

/* Checks the journal superblock (one block of bs bytes) of a journal of
 * inode_blocks blocks. 0 or -1 with *why. Journals with checksums,
 * 64-bit block numbers or fast commits are refused. */
int jbd2_super_parse(const uint8_t *block, uint32_t bs, uint32_t inode_blocks,
		     struct jbd2_geom *j, const char **why);
/* The kind of a log block with sequence seq: its block type, or 0 when it
 * is not a journal block of that transaction (the end of the log). */
int jbd2_block_kind(const uint8_t *block, uint32_t seq);

/* One tag of a descriptor block. */
struct jbd2_tag {
	uint32_t fs_block;
	uint32_t flags;
};

/* Reads the tags of a descriptor block: at most max of them into tags.
 * Returns how many, or -1 with *why when the block is malformed (no last
 * tag within the block, more than max). */
int jbd2_descriptor_parse(const struct jbd2_geom *j, const uint8_t *block,
			  struct jbd2_tag *tags, int max, const char **why);
/* Writes a descriptor block for tags (flags other than ESCAPE are set
 * here); returns how many tags fit from n. */
int jbd2_descriptor_build(const struct jbd2_geom *j, uint8_t *block, uint32_t seq,
			  const struct jbd2_tag *tags, int n);
/* How many tags one descriptor block holds at most. */
int jbd2_tags_per_block(const struct jbd2_geom *j);
void jbd2_header_write(uint8_t *block, uint32_t type, uint32_t seq);

#endif
