/*
 * ELF64 parsing for the loader: which segments to map where, the entry
 * point, the program headers' address and the interpreter. Portable (it
 * reads the file through a callback), so it is unit-tested on the host.
 */
#ifndef UPY_LOADER_ELF_H
#define UPY_LOADER_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ET_EXEC 2
#define ET_DYN 3
#define ELF_MAX_SEGMENTS 16
#define ELF_INTERP_MAX 256

struct elf_segment {
	uint64_t vaddr, memsz; /* as in the file (before any load bias) */
	uint64_t offset, filesz;
	uint32_t prot;         /* PROT_READ | PROT_WRITE | PROT_EXEC */
};

struct elf_info {
	uint16_t type;         /* ET_EXEC or ET_DYN */
	uint64_t entry;
	uint64_t phdr_vaddr;   /* where the program headers are in memory */
	uint16_t phnum;
	struct elf_segment segments[ELF_MAX_SEGMENTS];
	unsigned nsegments;
	uint64_t lowest, highest; /* page-aligned span of all segments */
	char interp[ELF_INTERP_MAX]; /* "" when there is no PT_INTERP */
	bool exec_stack;
};

/* Reads len bytes at offset off into buf; returns the bytes read or < 0. */
typedef int64_t (*elf_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/* Returns 0, or -ENOEXEC with *why naming the problem in words. */
int elf_parse(elf_read_fn read, void *ctx, uint64_t file_size, struct elf_info *out,
	      const char **why);

#endif
