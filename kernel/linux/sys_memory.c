/* Memory syscalls: mmap and friends, brk. */
#include "arch/x86_64/memlayout.h"
#include "core/panic.h"
#include "linux/fs_args.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/mman.h"
#include "lib/overflow.h"
#include "mm/commit.h"
#include "mm/mmap.h"
#include "mm/user_range.h"

/* Linux's mmap takes flags as unsigned long: MAP_SHARED_VALIDATE sees all
 * 64 bits. Of prot it keeps read, write and exec and ignores every other
 * bit (PROT_SEM, PROT_GROWSDOWN, unknown ones), so 32 bits suffice. */
SYSCALL_DEFINE6(mmap, "x:puPMfx",
		uint64_t, addr, uint64_t, len, uint32_t, prot, unsigned long, flags, int, fd, uint64_t, off)
{
	uint32_t type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	/* Linux's order (do_mmap): length 0 and an unaligned offset are
	 * -EINVAL, a length that rounds up past 2^64 -ENOMEM. */
	uint64_t pages, file_end;
	if (len == 0 || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (check_page_align_overflow(len, &pages))
		return -ENOMEM;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	if (flags & MAP_HUGETLB)
		return -ENOMEM; /* no huge pages are reserved */
	bool shared = type != MAP_PRIVATE;
	struct file *f = NULL;
	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_file(fd);
		if (!f)
			return -EBADF;
		if (type == MAP_SHARED_VALIDATE && (flags & ~(unsigned long)LEGACY_MAP_MASK))
			return -EOPNOTSUPP; /* MAP_SYNC too: no file here is DAX */
		if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
			return -EACCES;
		if (shared && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) == O_RDONLY)
			return -EACCES;
		if (!f->inode->ops->get_page)
			return -ENODEV;
		/* Linux checks the end in pages (it cannot wrap on 64 bits) and a
		 * page past the file's end faults later; the byte offsets of a
		 * mapping are kept here, so their end must fit: -EOVERFLOW. */
		if (check_add_overflow(off, pages, &file_end))
			return -EOVERFLOW;
	}
	if (type == MAP_SHARED_VALIDATE && !f)
		return -EINVAL; /* as Linux's do_mmap for anonymous memory */
	unsigned how = 0;
	if (flags & MAP_FIXED)
		how |= MAP_AT_FIXED;
	else if (flags & MAP_FIXED_NOREPLACE)
		how |= MAP_AT_NOREPLACE;
	if (flags & MAP_POPULATE)
		how |= MAP_AT_POPULATE;
	uint32_t vflags = shared ? VMA_SHARED : 0;
	if (flags & (MAP_NORESERVE | MAP_STACK))
		vflags |= VMA_NORESERVE;
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

SYSCALL_DEFINE2(munmap, "d:pu", uint64_t, addr, uint64_t, len)
{
	return mm_unmap(addr, len);
}

/* prot is Linux's unsigned long: a bit above 31 is -EINVAL too. PROT_SEM
 * is accepted and means nothing on x86 (arch_validate_prot). PROT_GROWSDOWN
 * and PROT_GROWSUP are -EINVAL: Linux accepts them only on a grows-down
 * area, and none here is one. */
SYSCALL_DEFINE3(mprotect, "d:puP", uint64_t, addr, uint64_t, len, unsigned long, prot)
{
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	return mm_protect(addr, len, (uint32_t)prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

/* Linux answers every brk it cannot serve with the current break. */
SYSCALL_DEFINE1(brk, "x:p", uint64_t, addr)
{
	struct mm *mm = current_mm;
	uint64_t old_end, new_end;
	if (addr < mm->brk_start || !user_pages_ok(0, addr, &new_end) ||
	    !user_pages_ok(0, mm->brk, &old_end))
		return (long)mm->brk;
	if (new_end > old_end) {
		if (!vma_range_free(mm, old_end, new_end))
			return (long)mm->brk;
		if (mm_map(old_end, new_end - old_end, PROT_READ | PROT_WRITE, VMA_HEAP, NULL, 0,
			   MAP_AT_FIXED) < 0)
			return (long)mm->brk;
	} else if (new_end < old_end) {
		if (mm_unmap(new_end, old_end - new_end) < 0)
			return (long)mm->brk;
	}
	mm->brk = addr;
	return (long)addr;
}

/*
 * Every length and address goes through the checked helpers first, as in
 * Linux's mremap (a length that rounds up to 0, an end past the app's
 * half: -EINVAL). A move then reserves everything it needs (room for the
 * areas it adds, the page tables at the destination) before it changes
 * anything, so it either fails with the old mapping intact or completes.
 */
SYSCALL_DEFINE5(mremap, "x:puuxp",
		uint64_t, old, uint64_t, old_len, uint64_t, new_len, unsigned long, flags, uint64_t, new_addr)
{
	/* flags is Linux's unsigned long: a bit above 31 is -EINVAL too. */
	if (flags & ~(unsigned long)(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (old & (PAGE_SIZE - 1))
		return -EINVAL;
	/* Rounding to 0 is Linux's -EINVAL for new_len; an old_len of 0 (a
	 * "duplicate" of a shared mapping) is not supported: -EINVAL, as
	 * Linux answers it for private mappings. */
	if (check_page_align_overflow(old_len, &old_len) || old_len == 0 ||
	    check_page_align_overflow(new_len, &new_len) || new_len == 0 ||
	    !user_range_ok(0, new_len))
		return -EINVAL;
	if (!user_range_ok(old, old_len))
		return -EINVAL;
	struct mm *mm = current_mm;
	struct vma *v = vma_find(mm, old);
	if (!v || old_len > v->end - old)
		return -EFAULT;
	struct vma piece = *v;
	if (new_len > old_len && !mm_may_expand(mm, new_len - old_len, piece.prot, piece.flags, 0, 0))
		return -ENOMEM; /* RLIMIT_AS, RLIMIT_DATA */

	if (!(flags & MREMAP_FIXED)) {
		if (new_len <= old_len) {
			if (new_len < old_len) {
				int rc = mm_unmap(old + new_len, old_len - new_len);
				if (rc < 0)
					return rc;
			}
			return (long)old;
		}
		/* Grow in place when the area ends here and room follows. */
		if (old + old_len == v->end && user_range_ok(old, new_len) &&
		    old + new_len <= mm->highest && vma_range_free(mm, old + old_len, old + new_len)) {
			struct vma ext = piece;
			ext.start = old + old_len;
			ext.end = old + new_len;
			ext.offset = piece.offset + (ext.start - piece.start);
			uint64_t grown = (new_len - old_len) / PAGE_SIZE;
			if ((ext.flags & VMA_ACCOUNT) && !mm_commit(mm, grown))
				return -ENOMEM;
			mm_vma_get(&ext);
			int rc = vma_insert(mm, &ext);
			if (rc < 0) {
				mm_vma_put(&ext);
				if (ext.flags & VMA_ACCOUNT)
					mm_uncommit(mm, grown);
			}
			return rc < 0 ? rc : (long)old;
		}
		if (!(flags & MREMAP_MAYMOVE))
			return -ENOMEM;
		new_addr = vma_find_free(mm, new_len, 0);
		if (!new_addr)
			return -ENOMEM;
	} else {
		if ((new_addr & (PAGE_SIZE - 1)) || !user_range_ok(new_addr, new_len) ||
		    new_addr + new_len > mm->highest || new_addr < mm->lowest)
			return -EINVAL;
		if (new_addr < old + old_len && old < new_addr + new_len)
			return -EINVAL; /* the ranges overlap */
	}
	/* Reserve: unmapping a hole in the middle of an area splits it twice
	 * before the piece goes (one more area after, two at the peak); so the
	 * target's unmapping, the new area and the old one's removal need at
	 * most four more areas than now at any step. And the destination's
	 * page tables. */
	uint64_t keep = old_len < new_len ? old_len : new_len;
	/* The moved area is charged in full now; the old one gives its charge
	 * back when it goes, so only growth must fit. */
	bool charged = piece.flags & VMA_ACCOUNT;
	if (charged && new_len > old_len && !mm_commit(mm, (new_len - old_len) / PAGE_SIZE))
		return -ENOMEM;
	if (charged)
		mm_commit_force(mm, keep / PAGE_SIZE);
	int rc = vma_reserve(mm, 4);
	if (rc == 0)
		rc = mm_move_prepare(old, keep, new_addr);
	/* Commit: none of these can fail now; their results are checked all
	 * the same. The old area goes last, after its pages have moved. */
	if (rc == 0 && (flags & MREMAP_FIXED))
		rc = mm_unmap(new_addr, new_len);
	struct vma moved = piece;
	moved.start = new_addr;
	moved.end = new_addr + new_len;
	moved.offset = piece.offset + (old - piece.start);
	if (rc == 0) {
		mm_vma_get(&moved);
		rc = vma_insert(mm, &moved);
		if (rc < 0)
			mm_vma_put(&moved);
	}
	if (rc < 0) {
		if (charged)
			mm_uncommit(mm, new_len / PAGE_SIZE);
		return rc;
	}
	mm_move_pages(old, keep, new_addr);
	rc = mm_unmap(old, old_len);
	if (rc < 0)
		panic("mremap: the old area did not go after its pages moved (%d)", rc);
	return (long)new_addr;
}

static bool madvise_known(int advice)
{
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
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
		return true;
	default:
		return false;
	}
}

SYSCALL_DEFINE3(madvise, "d:pud", uint64_t, addr, uint64_t, len, int, advice)
{
	/* Linux: unknown advice, an unaligned start, a length that rounds up
	 * past 2^64 are -EINVAL; a range with unmapped parts (anything past the
	 * app's half) is -ENOMEM, for hints too. */
	uint64_t pages, end;
	if (!madvise_known(advice) || (addr & (PAGE_SIZE - 1)) ||
	    check_page_align_overflow(len, &pages) || check_add_overflow(addr, pages, &end))
		return -EINVAL;
	if (end == addr)
		return 0;
	if (!user_range_ok(addr, pages))
		return -ENOMEM;
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vma_find(current_mm, a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	if (advice == MADV_DONTNEED || advice == MADV_FREE)
		return mm_discard(addr, end);
	return 0; /* hints about paging policy; nothing to act on */
}

SYSCALL_DEFINE3(msync, "d:pux", uint64_t, addr, uint64_t, len, int, flags)
{
	if ((addr & (PAGE_SIZE - 1)) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	/* Linux: the length rounds up modulo 2^64 (so 2^64-1 is an empty
	 * range); an end that wraps is -ENOMEM, and so is one past the app's
	 * half (nothing is mapped there). */
	uint64_t pages = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), end;
	if (check_add_overflow(addr, pages, &end))
		return -ENOMEM;
	if (end == addr)
		return 0;
	if (!user_range_ok(addr, pages))
		return -ENOMEM;
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vma_find(current_mm, a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	/* Shared mappings write straight into the file's pages; a file kept
	 * elsewhere (a host volume) is told to write them back. */
	return mm_sync_shared(addr, end);
}
