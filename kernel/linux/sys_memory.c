/* Memory syscalls: mmap and friends, brk. */
#include "arch/x86_64/memlayout.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "linux/uapi/errno.h"
#include "linux/uapi/fcntl.h"
#include "linux/uapi/mman.h"
#include "mm/mmap.h"

#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

SYSCALL_DEFINE(mmap, "x:puPMfx", uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags,
	       int fd, uint64_t off)
{
	uint32_t type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (len == 0 || PAGE_ALIGN(len) < len || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (prot & ~(uint32_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (flags & MAP_HUGETLB)
		return -ENOMEM; /* no huge pages are reserved */
	bool shared = type != MAP_PRIVATE;
	struct file *f = NULL;
	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_file(fd);
		if (!f)
			return -EBADF;
		if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
			return -EACCES;
		if (shared && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) == O_RDONLY)
			return -EACCES;
		if (!f->inode->ops->get_page)
			return -ENODEV;
		if (off + PAGE_ALIGN(len) < off)
			return -EOVERFLOW;
	}
	unsigned how = 0;
	if (flags & MAP_FIXED)
		how |= MAP_AT_FIXED;
	else if (flags & MAP_FIXED_NOREPLACE)
		how |= MAP_AT_NOREPLACE;
	if (flags & MAP_POPULATE)
		how |= MAP_AT_POPULATE;
	uint32_t vflags = shared ? VMA_SHARED : 0;
	if (flags & MAP_32BIT && !(how & (MAP_AT_FIXED | MAP_AT_NOREPLACE))) {
		/* Below 2 GiB, as Linux places MAP_32BIT mappings. */
		uint64_t top = current_mm->mmap_top;
		current_mm->mmap_top = 0x80000000;
		int64_t r = mm_map(addr, len, prot, vflags, f, off, how);
		current_mm->mmap_top = top;
		return r;
	}
	return mm_map(addr, len, prot, vflags, f, off, how);
}

SYSCALL_DEFINE(munmap, "d:pu", uint64_t addr, uint64_t len)
{
	return mm_unmap(addr, len);
}

SYSCALL_DEFINE(mprotect, "d:puP", uint64_t addr, uint64_t len, uint32_t prot)
{
	if (prot & ~(uint32_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	return mm_protect(addr, len, prot);
}

SYSCALL_DEFINE(brk, "x:p", uint64_t addr)
{
	struct mm *mm = current_mm;
	if (addr < mm->brk_start)
		return (long)mm->brk;
	uint64_t old_end = PAGE_ALIGN(mm->brk), new_end = PAGE_ALIGN(addr);
	if (new_end > old_end) {
		if (!vma_range_free(mm, old_end, new_end))
			return (long)mm->brk;
		if (mm_map(old_end, new_end - old_end, PROT_READ | PROT_WRITE, VMA_HEAP, NULL, 0,
			   MAP_AT_FIXED) < 0)
			return (long)mm->brk;
	} else if (new_end < old_end) {
		mm_unmap(new_end, old_end - new_end);
	}
	mm->brk = addr;
	return (long)addr;
}

SYSCALL_DEFINE(mremap, "x:puuxp", uint64_t old, uint64_t old_len, uint64_t new_len,
	       unsigned flags, uint64_t new_addr)
{
	if (flags & ~(unsigned)(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((old & (PAGE_SIZE - 1)) || new_len == 0)
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	struct mm *mm = current_mm;
	struct vma *v = vma_find(mm, old);
	if (!v || old + old_len > v->end || old_len == 0)
		return -EFAULT;
	struct vma piece = *v;

	if (!(flags & MREMAP_FIXED)) {
		if (new_len <= old_len) {
			if (new_len < old_len)
				mm_unmap(old + new_len, old_len - new_len);
			return (long)old;
		}
		/* Grow in place when the area ends here and room follows. */
		if (old + old_len == v->end && old + new_len <= mm->highest &&
		    vma_range_free(mm, old + old_len, old + new_len)) {
			struct vma ext = piece;
			ext.start = old + old_len;
			ext.end = old + new_len;
			ext.offset = piece.offset + (ext.start - piece.start);
			mm_vma_get(&ext);
			int rc = vma_insert(mm, &ext);
			if (rc < 0)
				mm_vma_put(&ext);
			return rc < 0 ? rc : (long)old;
		}
		if (!(flags & MREMAP_MAYMOVE))
			return -ENOMEM;
		new_addr = vma_find_free(mm, new_len, 0);
		if (!new_addr)
			return -ENOMEM;
	} else {
		if ((new_addr & (PAGE_SIZE - 1)) || new_addr + new_len > mm->highest ||
		    new_addr < mm->lowest)
			return -EINVAL;
		if (new_addr < old + old_len && old < new_addr + new_len)
			return -EINVAL; /* the ranges overlap */
		mm_unmap(new_addr, new_len);
	}
	/* Move: a new area with the same backing, then the pages, then drop
	 * the old area (its page tables are already empty). */
	uint64_t keep = old_len < new_len ? old_len : new_len;
	struct vma moved = piece;
	moved.start = new_addr;
	moved.end = new_addr + new_len;
	moved.offset = piece.offset + (old - piece.start);
	mm_vma_get(&moved);
	int rc = vma_insert(mm, &moved);
	if (rc < 0) {
		mm_vma_put(&moved);
		return rc;
	}
	mm_move_pages(old, keep, new_addr);
	mm_unmap(old, old_len);
	return (long)new_addr;
}

SYSCALL_DEFINE(madvise, "d:pud", uint64_t addr, uint64_t len, int advice)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	uint64_t end = addr + PAGE_ALIGN(len);
	if (end < addr)
		return -EINVAL;
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
		for (uint64_t a = addr; a < end;) {
			struct vma *v = vma_find(current_mm, a);
			if (!v)
				return -ENOMEM;
			a = v->end;
		}
		return mm_discard(addr, end);
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
		return 0; /* hints about paging policy; nothing to act on */
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE(msync, "d:pux", uint64_t addr, uint64_t len, int flags)
{
	if ((addr & (PAGE_SIZE - 1)) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	uint64_t end = addr + PAGE_ALIGN(len);
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vma_find(current_mm, a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	return 0; /* shared mappings write straight into the file's pages */
}
