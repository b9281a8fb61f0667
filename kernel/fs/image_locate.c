#include "fs/image_locate.h"

#include "abi/rootfs_format.h"
#include "lib/string.h"
#include "uapi/errno.h"

/* The ELF64 fields this needs (System V gABI), read with memcpy: the image
 * is page-aligned, but nothing here relies on that. */
#define EHDR_SIZE 64
#define PHDR_SIZE 56

static uint64_t get(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	memcpy(&v, p, bytes); /* little-endian, as the host that wrote it */
	return v;
}

static int in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

int image_locate_rootfs(const void *base, uint64_t size, uint64_t *offset, uint64_t *len,
			const char **why)
{
	return image_locate_rootfs_head(base, size, size, offset, len, why);
}

int image_locate_rootfs_head(const void *base, uint64_t size, uint64_t file_size,
			     uint64_t *offset, uint64_t *len, const char **why)
{
	const uint8_t *b = base;
	if (size < EHDR_SIZE || memcmp(b, "\x7f" "ELF", 4) != 0) {
		*why = "it does not start with an ELF header";
		return -ENOEXEC;
	}
	if (b[4] != 2 || b[5] != 1) {
		*why = "it is not a little-endian ELF64 file";
		return -ENOEXEC;
	}
	uint64_t phoff = get(b + 32, 8);
	uint64_t phentsize = get(b + 54, 2), phnum = get(b + 56, 2);
	if (phentsize != PHDR_SIZE || !in_bounds(phoff, phnum * PHDR_SIZE, size)) {
		*why = "its program header table is malformed or cut off";
		return -ENOEXEC;
	}
	int found = 0;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + i * PHDR_SIZE;
		if (get(ph, 4) != UPY_PT_ROOTFS)
			continue;
		if (found++) {
			*why = "it names more than one root file system";
			return -EINVAL;
		}
		*offset = get(ph + 8, 8);
		*len = get(ph + 32, 8);
	}
	if (!found) {
		*why = "it has no root file system (not an image made by `unipython build`?)";
		return -ENOENT;
	}
	if (*offset % UPY_ROOTFS_PAGE || !in_bounds(*offset, *len, file_size) || *len == 0) {
		*why = "its root file system lies outside it or is not page-aligned";
		return -EINVAL;
	}
	return 0;
}

int image_locate_rootfs_dev(image_read_fn read, void *ctx, uint64_t dev_size, uint8_t *scratch,
			    uint64_t *offset, uint64_t *len, const char **why)
{
	const uint64_t page = UPY_ROOTFS_PAGE;
	uint8_t *head = scratch, *pages = scratch + page;
	if (dev_size < page || read(ctx, 0, head, (uint32_t)page) < 0 ||
	    memcmp(head, "\x7f" "ELF", 4) != 0) {
		*why = "it does not start with an ELF header";
		return -ENOEXEC;
	}
	uint64_t phoff = get(head + 32, 8), phnum = get(head + 56, 2);
	uint64_t table = phnum * PHDR_SIZE, first = phoff & ~(page - 1);
	if (phoff > dev_size || table > page - EHDR_SIZE || phoff + table > dev_size) {
		*why = "its program header table is malformed or cut off";
		return -ENOEXEC;
	}
	/* The table may straddle a page boundary: read the one or two pages. */
	unsigned n = phoff + table - first > page ? 2 : 1;
	if (first + n * page > dev_size || read(ctx, first, pages, (uint32_t)(n * page)) < 0) {
		*why = "its program header table cannot be read";
		return -ENOEXEC;
	}
	memcpy(head + EHDR_SIZE, pages + (phoff - first), table);
	uint64_t at = EHDR_SIZE;
	memcpy(head + 32, &at, 8);
	return image_locate_rootfs_head(head, EHDR_SIZE + table, dev_size, offset, len, why);
}
