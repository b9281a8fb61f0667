/*
 * libFuzzer harness for the ELF loader (loader/elf.c and loader/exec.c):
 * a hostile program and interpreter are loaded into a fake address space,
 * as execve does at boot. The input is
 *   8 bytes   what random_bytes returns (ASLR: the PIE base, stack, brk)
 *   1 byte    bit 0: randomize the layout
 *   4 bytes   the program's length n (little-endian, clipped)
 *   n bytes   the program ("/app"), the rest the interpreter (any path)
 * The address space is mm/vma.c's real bookkeeping behind a mm_map with
 * the real one's checks (page alignment, user range, mmap_min_addr); the
 * app's memory is not there, so copy_to_user and clear_user only check
 * that their range is mapped and writable. When exec_load succeeds, every
 * segment must lie in the app's space, mapped with its protection and,
 * for its file bytes, at the right file offset; the entry point and the
 * initial stack must be app addresses. Nothing may be left allocated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/exec.c"
#include "mm/user_range.h"

static long live;
void *kmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	live += p != NULL;
	return p;
}
void *kzalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);
	live += p != NULL;
	return p;
}
void kfree(void *p)
{
	live -= p != NULL;
	free(p);
}

/* ---- The two files ---- */

static struct inode prog_inode = { .mode = S_IFREG | 0755 }, interp_inode = { .mode = S_IFREG | 0755 };
static struct file prog_file = { .inode = &prog_inode }, interp_file = { .inode = &interp_inode };
static const uint8_t *prog_bytes, *interp_bytes;
static int have_interp;
struct inode *vfs_root;

int vfs_open(struct inode *start, const char *path, int flags, uint32_t mode, struct file **out)
{
	if (strlen(path) >= ELF_INTERP_MAX)
		abort(); /* the path came from a PT_INTERP the parser let through */
	if (strcmp(path, "/app") == 0)
		*out = &prog_file;
	else if (have_interp)
		*out = &interp_file;
	else
		return -ENOENT;
	return 0;
}

int64_t kernel_read(struct file *f, void *buf, size_t len, uint64_t off)
{
	const uint8_t *bytes = f == &prog_file ? prog_bytes : interp_bytes;
	uint64_t size = f->inode->size;
	if (off >= size)
		return 0;
	if (len > size - off)
		len = size - off;
	memcpy(buf, bytes + off, len);
	return (int64_t)len;
}

void file_put(struct file *f)
{
}

/* ---- The process, its thread and randomness ---- */

struct process proc;
static struct thread thread;
struct thread *current = &thread;
static struct mm mm;
struct mm *current_mm = &mm;
struct vma_hooks vma_hooks;
static uint64_t random_value;

void random_bytes(void *out, size_t len)
{
	uint8_t *o = out;
	for (size_t i = 0; i < len; i++)
		o[i] = (uint8_t)(random_value >> (8 * (i % 8)));
}

/* ---- The fake address space ---- */

int64_t mm_map(uint64_t addr, uint64_t len, uint32_t prot, uint32_t vma_flags, struct file *f,
	       uint64_t offset, unsigned how)
{
	if (!(how & MAP_AT_FIXED))
		abort(); /* the loader places everything itself */
	if (len == 0 || check_page_align_overflow(len, &len))
		return -EINVAL;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!user_range_ok(addr, len) || addr + len > mm.highest)
		return -ENOMEM;
	if (addr < mm.lowest)
		return -EPERM;
	if (offset & (PAGE_SIZE - 1))
		abort(); /* a file mapping's offset is page-aligned */
	if (!vma_range_free(&mm, addr, addr + len) && vma_remove(&mm, addr, addr + len, NULL, NULL) < 0)
		return -ENOMEM;
	struct vma v = { .start = addr, .end = addr + len, .prot = prot,
			 .flags = vma_flags | (f ? 0 : VMA_ANON),
			 .inode = f ? f->inode : NULL, .offset = offset, .file = f };
	int rc = vma_insert(&mm, &v);
	return rc < 0 ? rc : (int64_t)addr;
}

/* Is [addr, addr + n) mapped writable? */
static int writable(uint64_t addr, size_t n)
{
	if (!user_range_ok(addr, n))
		return 0;
	for (uint64_t at = addr; at < addr + n;) {
		struct vma *v = vma_find(&mm, at);
		if (!v || at < v->start || !(v->prot & PROT_WRITE))
			return 0;
		at = v->end;
	}
	return 1;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	return writable((uint64_t)(uintptr_t)udst, n) ? 0 : -EFAULT;
}

int clear_user(void *udst, size_t n)
{
	return writable((uint64_t)(uintptr_t)udst, n) ? 0 : -EFAULT;
}

/* ---- After a successful load ---- */

static uint64_t auxv_value(uint64_t type)
{
	for (unsigned i = 0; i + 1 < proc.auxv_len; i += 2)
		if (proc.auxv[i] == type)
			return proc.auxv[i + 1];
	abort();
}

/* Every page of each segment is mapped with the segment's protection, and
 * the pages holding its file bytes map the file at their own offset. */
static void check_file(struct file *f, uint64_t bias)
{
	struct elf_info info;
	const char *why;
	if (elf_parse(read_file, f, f->inode->size, &info, &why) != 0)
		abort(); /* it parsed a moment ago */
	for (unsigned i = 0; i < info.nsegments; i++) {
		const struct elf_segment *s = &info.segments[i];
		uint64_t start = s->vaddr + bias;
		if (!user_range_ok(start, s->memsz))
			abort();
		uint64_t first = start & ~(PAGE_SIZE - 1), file_end = start + s->filesz;
		/* Area by area (a segment may span terabytes): within one, both the
		 * area's and the segment's file offsets grow with the address. */
		for (uint64_t va = first; va < start + s->memsz;) {
			struct vma *v = vma_find(&mm, va);
			if (!v || va < v->start)
				abort(); /* a hole in a loaded segment */
			/* A later segment may cover this page; then it is its. */
			if (v->file == f && v->prot == s->prot && va < file_end &&
			    v->offset + (va - v->start) != (s->offset & ~(PAGE_SIZE - 1)) + (va - first))
				abort(); /* file bytes mapped from the wrong offset */
			va = v->end;
		}
	}
}

static void check_loaded(const struct exec_start *st)
{
	if (st->entry >= USER_TOP)
		abort(); /* Linux refuses an entry point outside the app's space */
	if (st->sp >= USER_TOP || (st->sp & 15) || !writable(st->sp, 8))
		abort();
	struct elf_info info;
	const char *why;
	if (elf_parse(read_file, &prog_file, prog_inode.size, &info, &why) != 0)
		abort();
	uint64_t prog_bias = auxv_value(AT_ENTRY) - info.entry;
	check_file(&prog_file, prog_bias);
	if (info.interp[0]) {
		struct file *f;
		struct elf_info ii;
		if (vfs_open(vfs_root, info.interp, 0, 0, &f) != 0 ||
		    elf_parse(read_file, f, f->inode->size, &ii, &why) != 0)
			abort();
		check_file(f, auxv_value(AT_BASE) - ii.lowest);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 13)
		return 0;
	memcpy(&random_value, data, 8);
	layout_set_randomize(data[8] & 1);
	uint32_t n;
	memcpy(&n, data + 9, 4);
	data += 13;
	size -= 13;
	if (n > size)
		n = (uint32_t)size;
	prog_bytes = data;
	prog_inode.size = n;
	interp_bytes = data + n;
	interp_inode.size = size - n;
	have_interp = size > n;

	mm_init(&mm, 0x10000, USER_TOP, USER_STACK_TOP - (128ul << 20));
	proc.rlimits[RLIMIT_STACK].cur = 8 << 20;
	char *argv[] = { "/app", "-c", NULL }, *envp[] = { "HOME=/", NULL };
	struct exec_start st;
	const char *why = NULL;
	int rc = exec_load("/app", argv, 2, envp, 1, &st, &why);
	if (rc == 0)
		check_loaded(&st);
	else if (!why)
		abort();
	kfree(proc.exe_path);
	if (mm.vmas) {
		kfree(mm.vmas);
		mm.vmas = NULL;
	}
	memset(&mm, 0, sizeof(mm));
	memset(&proc, 0, sizeof(proc));
	memset(&thread, 0, sizeof(thread));
	if (live != 0)
		abort();
	return 0;
}
