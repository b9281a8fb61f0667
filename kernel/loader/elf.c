#include "loader/elf.h"

#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/mman.h"

#define PAGE 4096ull
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define FAIL(msg)            \
	do {                 \
		*why = (msg); \
		return -ENOEXEC; \
	} while (0)

int elf_parse(elf_read_fn read, void *ctx, uint64_t file_size, struct elf_info *out,
	      const char **why)
{
	struct elf64_ehdr eh;
	memset(out, 0, sizeof(*out));
	if (read(ctx, 0, &eh, sizeof(eh)) != (int64_t)sizeof(eh))
		FAIL("file too short for an ELF header");
	if (memcmp(eh.ident, "\177ELF", 4) != 0)
		FAIL("not an ELF file");
	if (eh.ident[4] != 2 || eh.ident[5] != 1)
		FAIL("not a 64-bit little-endian ELF file");
	if (eh.machine != EM_X86_64)
		FAIL("not an x86-64 ELF file");
	if (eh.type != ET_EXEC && eh.type != ET_DYN)
		FAIL("not an executable or shared object");
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phnum > 64)
		FAIL("bad program header table");
	uint64_t ph_size = (uint64_t)eh.phnum * sizeof(struct elf64_phdr);
	if (eh.phoff > file_size || ph_size > file_size - eh.phoff)
		FAIL("program headers beyond the end of the file");

	struct elf64_phdr ph[64];
	if (read(ctx, eh.phoff, ph, ph_size) != (int64_t)ph_size)
		FAIL("cannot read the program headers");

	out->type = eh.type;
	out->entry = eh.entry;
	out->phnum = eh.phnum;
	out->lowest = UINT64_MAX;
	bool have_phdr = false;
	for (unsigned i = 0; i < eh.phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		switch (p->type) {
		case PT_LOAD: {
			if (p->memsz == 0)
				break;
			if (out->nsegments == ELF_MAX_SEGMENTS)
				FAIL("too many loadable segments");
			if (p->filesz > p->memsz)
				FAIL("segment file size exceeds its memory size");
			if (p->offset > file_size || p->filesz > file_size - p->offset)
				FAIL("segment beyond the end of the file");
			if ((p->offset % PAGE) != (p->vaddr % PAGE))
				FAIL("segment offset and address disagree modulo the page size");
			if (p->vaddr + p->memsz < p->vaddr || p->vaddr + p->memsz > (1ull << 47))
				FAIL("segment outside the user address space");
			struct elf_segment *s = &out->segments[out->nsegments++];
			s->vaddr = p->vaddr;
			s->memsz = p->memsz;
			s->offset = p->offset;
			s->filesz = p->filesz;
			s->prot = ((p->flags & PF_R) ? PROT_READ : 0) |
				  ((p->flags & PF_W) ? PROT_WRITE : 0) |
				  ((p->flags & PF_X) ? PROT_EXEC : 0);
			uint64_t lo = p->vaddr & ~(PAGE - 1);
			uint64_t hi = (p->vaddr + p->memsz + PAGE - 1) & ~(PAGE - 1);
			if (lo < out->lowest)
				out->lowest = lo;
			if (hi > out->highest)
				out->highest = hi;
			break;
		}
		case PT_INTERP:
			if (p->filesz < 2 || p->filesz > ELF_INTERP_MAX)
				FAIL("bad interpreter path length");
			if (p->offset > file_size || p->filesz > file_size - p->offset)
				FAIL("interpreter path beyond the end of the file");
			if (read(ctx, p->offset, out->interp, p->filesz) != (int64_t)p->filesz)
				FAIL("cannot read the interpreter path");
			if (out->interp[p->filesz - 1] != '\0')
				FAIL("interpreter path is not NUL-terminated");
			break;
		case PT_PHDR:
			out->phdr_vaddr = p->vaddr;
			have_phdr = true;
			break;
		case PT_GNU_STACK:
			out->exec_stack = (p->flags & PF_X) != 0;
			break;
		}
	}
	if (out->nsegments == 0)
		FAIL("no loadable segments");
	if (!have_phdr) {
		/* The headers are in memory if a segment maps their file bytes. */
		for (unsigned i = 0; i < out->nsegments; i++) {
			const struct elf_segment *s = &out->segments[i];
			if (eh.phoff >= s->offset && eh.phoff + ph_size <= s->offset + s->filesz) {
				out->phdr_vaddr = s->vaddr + (eh.phoff - s->offset);
				have_phdr = true;
				break;
			}
		}
	}
	if (!have_phdr)
		FAIL("program headers are not in any loaded segment");
	return 0;
}
