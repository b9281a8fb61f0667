#include "loader/exec.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/memlayout.h"
#include "core/process.h"
#include "core/random.h"
#include "fs/open.h"
#include "lib/string.h"
#include "uapi/auxv.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/mman.h"
#include "loader/elf.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/mmap.h"
#include "mm/uaccess.h"
#include "sched/thread.h"

#define PAGE PAGE_SIZE

static int64_t read_file(void *ctx, uint64_t off, void *buf, size_t len)
{
	return kernel_read(ctx, buf, len, off);
}

struct loaded {
	struct elf_info info;
	uint64_t bias; /* added to every address in the file */
};

/* Maps the PT_LOAD segments of f. An ET_DYN program (PIE) goes to Linux's
 * ELF_ET_DYN_BASE (randomized, mm/layout.h); an ET_DYN interpreter (ld.so)
 * wherever mmap would put it, below the (randomized) mmap base. */
static int map_segments(struct file *f, struct loaded *l, bool is_interp)
{
	struct elf_info *e = &l->info;
	l->bias = 0;
	if (e->type == ET_DYN && !is_interp) {
		l->bias = layout_pie_base() - (e->lowest & ~(PAGE - 1));
	} else if (e->type == ET_DYN) {
		uint64_t base = vma_find_free(current_mm, e->highest - e->lowest, 0);
		if (!base)
			return -ENOMEM;
		l->bias = base - e->lowest;
	}
	for (unsigned i = 0; i < e->nsegments; i++) {
		const struct elf_segment *s = &e->segments[i];
		uint64_t start = (s->vaddr & ~(PAGE - 1)) + l->bias;
		uint64_t file_end = s->vaddr + s->filesz + l->bias;
		uint64_t mem_end = s->vaddr + s->memsz + l->bias;
		uint64_t file_page_end = (file_end + PAGE - 1) & ~(PAGE - 1);
		uint64_t mem_page_end = (mem_end + PAGE - 1) & ~(PAGE - 1);
		if (s->filesz) {
			int64_t rc = mm_map(start, file_page_end - start, s->prot, 0, f,
					    s->offset & ~(PAGE - 1), MAP_AT_FIXED);
			if (rc < 0)
				return (int)rc;
			/* The rest of the last file page holds unrelated file bytes;
			 * when .bss starts there, zero it to the page end as Linux
			 * does (ld.so's early allocator relies on that). */
			if (mem_end > file_end && (file_end & (PAGE - 1)) && (s->prot & PROT_WRITE)) {
				if (clear_user((void *)file_end, file_page_end - file_end) < 0)
					return -EFAULT;
			}
		} else {
			file_page_end = start;
		}
		if (mem_page_end > file_page_end) {
			int64_t rc = mm_map(file_page_end, mem_page_end - file_page_end, s->prot, 0,
					    NULL, 0, MAP_AT_FIXED);
			if (rc < 0)
				return (int)rc;
		}
	}
	return 0;
}

static int load_file(const char *path, struct loaded *l, bool is_interp, const char **why)
{
	struct file *f;
	int rc = vfs_open(vfs_root, path, O_RDONLY, 0, &f);
	if (rc < 0) {
		*why = "cannot open";
		return rc;
	}
	if (!S_ISREG(f->inode->mode)) {
		file_put(f);
		*why = "not a regular file";
		return -EACCES;
	}
	rc = elf_parse(read_file, f, f->inode->size, &l->info, why);
	if (rc == 0) {
		rc = map_segments(f, l, is_interp);
		if (rc < 0)
			*why = "cannot map its segments";
	}
	file_put(f);
	return rc;
}

/* Pushes bytes onto the new stack (growing down); returns their address. */
static uint64_t push_bytes(uint64_t *sp, const void *data, size_t len)
{
	*sp -= len;
	copy_to_user((void *)*sp, data, len);
	return *sp;
}

static int build_stack(const struct loaded *prog, const struct loaded *interp,
		       const char *path, char *const argv[], int argc, char *const envp[],
		       int envc, uint64_t *out_sp)
{
	uint64_t top = current_mm->stack_top;
	uint64_t size = proc.rlimits[RLIMIT_STACK].cur;
	int64_t rc = mm_map(top - size, size, PROT_READ | PROT_WRITE |
			    (prog->info.exec_stack ? PROT_EXEC : 0), VMA_STACK, NULL, 0, MAP_AT_FIXED);
	if (rc < 0)
		return (int)rc;

	uint64_t sp = top - layout_stack_offset();
	uint64_t execfn = push_bytes(&sp, path, strlen(path) + 1);
	uint64_t platform = push_bytes(&sp, "x86_64", 7);
	uint8_t rnd[16];
	random_bytes(rnd, sizeof(rnd));
	uint64_t random = push_bytes(&sp, rnd, sizeof(rnd));

	uint64_t *ptrs = kmalloc(sizeof(uint64_t) * (size_t)(argc + envc + 2));
	if (!ptrs)
		return -ENOMEM;
	proc.env_end = sp;
	for (int i = envc - 1; i >= 0; i--)
		ptrs[argc + 1 + i] = push_bytes(&sp, envp[i], strlen(envp[i]) + 1);
	proc.env_start = proc.arg_end = sp;
	for (int i = argc - 1; i >= 0; i--)
		ptrs[i] = push_bytes(&sp, argv[i], strlen(argv[i]) + 1);
	proc.arg_start = sp;
	ptrs[argc] = 0;
	ptrs[argc + 1 + envc] = 0;

	uint64_t base = interp ? interp->bias + interp->info.lowest : 0;
	uint64_t auxv[] = {
		AT_PHDR, prog->info.phdr_vaddr + prog->bias,
		AT_PHENT, 56,
		AT_PHNUM, prog->info.phnum,
		AT_PAGESZ, PAGE,
		AT_BASE, base,
		AT_FLAGS, 0,
		AT_ENTRY, prog->info.entry + prog->bias,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_SECURE, 0,
		AT_RANDOM, random,
		AT_HWCAP, cpuid(1, 0).edx,
		AT_HWCAP2, 0,
		AT_CLKTCK, 100,
		AT_PLATFORM, platform,
		AT_EXECFN, execfn,
		AT_MINSIGSTKSZ, 2048,
		AT_NULL, 0,
	};
	size_t nauxv = sizeof(auxv) / sizeof(auxv[0]);
	memcpy(proc.auxv, auxv, sizeof(auxv));
	proc.auxv_len = (unsigned)nauxv;

	/* argc, argv, NULL, envp, NULL, auxv: sp must be 16-aligned at argc. */
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + nauxv;
	sp &= ~15ull;
	if (words & 1)
		sp -= 8;
	push_bytes(&sp, auxv, sizeof(auxv));
	push_bytes(&sp, ptrs + argc + 1, sizeof(uint64_t) * (size_t)(envc + 1));
	push_bytes(&sp, ptrs, sizeof(uint64_t) * (size_t)(argc + 1));
	uint64_t argc64 = (uint64_t)argc;
	push_bytes(&sp, &argc64, sizeof(argc64));
	kfree(ptrs);
	*out_sp = proc.start_stack = sp;
	return 0;
}

/* Where the program's code and data are, as Linux's mm->start_code...
 * (for /proc/self/stat): executable segments bound the code; the data
 * span runs from the last segment's start to its end in the file. */
static void record_layout(const struct loaded *prog)
{
	proc.start_code = ~0ull;
	proc.end_code = proc.start_data = proc.end_data = 0;
	for (unsigned i = 0; i < prog->info.nsegments; i++) {
		const struct elf_segment *s = &prog->info.segments[i];
		uint64_t start = s->vaddr + prog->bias, end = start + s->filesz;
		if ((s->prot & PROT_EXEC) && start < proc.start_code)
			proc.start_code = start;
		if ((s->prot & PROT_EXEC) && end > proc.end_code)
			proc.end_code = end;
		if (start > proc.start_data)
			proc.start_data = start;
		if (end > proc.end_data)
			proc.end_data = end;
	}
	if (proc.start_code == ~0ull)
		proc.start_code = 0;
}

int exec_load(const char *path, char *const argv[], int argc, char *const envp[], int envc,
	      struct exec_start *out, const char **why)
{
	struct loaded prog, interp;
	layout_pick(current_mm, proc.rlimits[RLIMIT_STACK].cur);
	int rc = load_file(path, &prog, false, why);
	bool has_interp = rc == 0 && prog.info.interp[0];
	if (has_interp) {
		rc = load_file(prog.info.interp, &interp, true, why);
		if (rc < 0)
			path = prog.info.interp; /* say which file failed */
	}
	uint64_t entry = 0;
	if (rc == 0) {
		entry = has_interp ? interp.info.entry + interp.bias : prog.info.entry + prog.bias;
		/* As Linux's BAD_ADDR check: the first instruction must be the app's. */
		if (entry >= USER_TOP) {
			*why = "its entry point is outside the app's address space";
			rc = -EINVAL;
		}
	}
	if (rc == 0) {
		record_layout(&prog);
		/* The brk heap starts after the program's last segment. */
		current_mm->brk_start = current_mm->brk =
			layout_brk_start(prog.bias + prog.info.highest);
		rc = build_stack(&prog, has_interp ? &interp : NULL, path, argv, argc, envp, envc,
				 &out->sp);
		if (rc < 0)
			*why = "cannot build the initial stack";
	}
	if (rc < 0)
		return rc;
	out->entry = entry;
	size_t n = strlen(path);
	proc.exe_path = kmalloc(n + 1);
	if (proc.exe_path)
		memcpy(proc.exe_path, path, n + 1);
	/* The thread's name (comm) is the file's base name, as execve sets it. */
	const char *base = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			base = p + 1;
	memset(current->name, 0, sizeof(current->name));
	memcpy(current->name, base, strnlen(base, sizeof(current->name) - 1));
	return 0;
}
