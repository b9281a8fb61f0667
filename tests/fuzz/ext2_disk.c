/*
 * libFuzzer harness for the ext2/ext3 and jbd2 parsers (fs/ext2/ext2_format.c),
 * driven the way the kernel drives them at mount: the input is a small disk
 * image, the front of a disk of 1 TiB (blocks past the input read as
 * unreadable, as an I/O error would); the superblock is parsed
 * and, when it passes, every group descriptor, the inodes of the first inode
 * table, each directory block those inodes name, and the journal superblock
 * and descriptor blocks. Every offset the harness derives from a parsed
 * value is checked against the input the way the kernel checks it against
 * the disk, so ASan flags any read the parsers' checks let through.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fs/ext2/ext2_format.h"

static const uint8_t *block_at(const uint8_t *disk, size_t size, const struct ext2_geom *g,
			       uint64_t blk)
{
	uint64_t off = blk * g->block_size;
	if (blk >= g->blocks_count || off + g->block_size > size)
		return NULL;
	return disk + off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2048)
		return 0;
	const char *why;
	struct ext2_geom g;
	if (ext2_super_parse(data + EXT2_SUPER_OFFSET, (uint64_t)1 << 40, &g, &why) < 0)
		return 0;
	const uint8_t *gdt = block_at(data, size, &g, g.first_data_block + 1);
	if (!gdt)
		return 0;
	uint32_t per = g.block_size / EXT2_DESC_SIZE;
	for (uint32_t i = 0; i < g.groups && i < per; i++) {
		struct ext2_group gr;
		if (ext2_group_parse(&g, i, gdt + i * EXT2_DESC_SIZE, &gr, &why) < 0)
			continue;
		const uint8_t *table = block_at(data, size, &g, gr.inode_table);
		if (!table)
			continue;
		for (uint32_t k = 0; k < g.block_size / g.inode_size && k < 16; k++) {
			struct ext2_inode in;
			if (ext2_inode_parse(&g, table + k * g.inode_size, &in, &why) < 0)
				continue;
			/* As ext2fs.c's write_inode: the first 1 KiB of a larger inode
			 * (encode writes only the fields it knows, in the first 160). */
			uint8_t raw[1024];
			memcpy(raw, table + k * g.inode_size,
			       g.inode_size < sizeof(raw) ? g.inode_size : sizeof(raw));
			ext2_inode_encode(&g, &in, raw);
			const uint8_t *b0 = ext2_inode_fast_link(&g, &in) ? NULL
					    : block_at(data, size, &g, in.block[0]);
			if (!b0)
				continue;
			if ((in.mode & 0170000) == 0040000 && ext2_dirblock_check(&g, b0, &why) == 0) {
				struct ext2_dirent d;
				for (uint32_t off = 0; off < g.block_size; off += d.rec_len) {
					if (ext2_dirent_parse(&g, b0, off, &d, &why) < 0)
						__builtin_trap(); /* checked blocks always parse */
					volatile char c = d.name_len ? d.name[d.name_len - 1] : 0;
					(void)c;
				}
			}
			struct jbd2_geom j;
			if (jbd2_super_parse(b0, g.block_size, (uint32_t)(in.size / g.block_size), &j,
					     &why) == 0) {
				struct jbd2_tag tags[1024];
				for (uint32_t n = 1; n < 8 && n < 15; n++) {
					const uint8_t *lb = block_at(data, size, &g, in.block[n]);
					if (lb && jbd2_block_kind(lb, j.sequence) == JBD2_DESCRIPTOR_BLOCK)
						jbd2_descriptor_parse(&j, lb, tags, 1024, &why);
				}
			}
		}
	}
	return 0;
}
