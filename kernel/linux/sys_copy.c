/* Moving data between descriptors inside the kernel: sendfile,
 * copy_file_range, splice and tee. All of them copy through a kernel
 * buffer (an ITER_KERNEL iov_iter) with the files' own read and write
 * operations. */
#include "fs/pipe.h"
#include "lib/overflow.h"
#include "linux/fs_args.h"
#include "linux/fsize_limit.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

#define CHUNK 65536

static bool can_read(struct file *f)
{
	return !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_WRONLY && f->ops && f->ops->read;
}

static bool can_write(struct file *f)
{
	return !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_RDONLY && f->ops && f->ops->write;
}

/* Copies up to len bytes from in (at *in_pos, or its own position) to out
 * (likewise); stops at end of input or a short write. */
static long transfer(struct file *in, uint64_t *in_pos, struct file *out, uint64_t *out_pos,
		     size_t len)
{
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	char *buf = kmalloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	long done = 0;
	while ((size_t)done < len) {
		size_t want = len - (size_t)done < CHUNK ? len - (size_t)done : CHUNK;
		struct iov_iter it;
		iov_iter_kbuf(&it, buf, want);
		int64_t got = in->ops->read(in, &it, in_pos ? in_pos : &in->pos);
		if (got <= 0) {
			if (got < 0 && !done)
				done = got;
			break;
		}
		int64_t put = 0;
		while (put < got) {
			uint64_t *at = out_pos ? out_pos : &out->pos;
			size_t n = (size_t)(got - put);
			int64_t w = fsize_limit_write(out, *at, &n);
			if (w == 0) {
				iov_iter_kbuf(&it, buf + put, n);
				w = out->ops->write(out, &it, at);
			}
			if (w <= 0) {
				/* What was read but not written is lost to a non-seekable input. */
				if (in->ops->seekable) {
					uint64_t *p = in_pos ? in_pos : &in->pos;
					*p -= (uint64_t)(got - put);
				}
				kfree(buf);
				return done + put ? done + put : w;
			}
			put += w;
		}
		done += got;
		if ((size_t)got < want)
			break;
	}
	kfree(buf);
	return done;
}

static int get_offset(const int64_t *uoff, uint64_t *off)
{
	int64_t v;
	if (copy_from_user(&v, uoff, sizeof(v)) < 0)
		return -EFAULT;
	if (v < 0)
		return -EINVAL;
	*off = (uint64_t)v;
	return 0;
}

static int put_offset(int64_t *uoff, uint64_t off)
{
	int64_t v = (int64_t)off;
	return copy_to_user(uoff, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE4(sendfile, "d:ffpu", int, out_fd, int, in_fd, int64_t *, uoffset, size_t, count)
{
	struct file *in = fd_file(in_fd), *out = fd_file(out_fd);
	if (!in || !out)
		return -EBADF;
	if (!can_read(in) || !can_write(out))
		return -EBADF;
	if (!in->ops->seekable)
		return -EINVAL; /* the input must be a file one can seek in */
	if (out->flags & O_APPEND)
		return -EINVAL;
	/* Linux's rw_verify_area on the input, before the count is capped. */
	if (!uoffset)
		return file_range_ok((int64_t)in->pos, count) ? transfer(in, NULL, out, NULL, count)
							       : -EINVAL;
	uint64_t off;
	int rc = get_offset(uoffset, &off);
	if (rc < 0)
		return rc;
	if (!file_range_ok((int64_t)off, count))
		return -EINVAL;
	long n = transfer(in, &off, out, NULL, count);
	if (n >= 0 && (rc = put_offset(uoffset, off)) < 0)
		return rc;
	return n;
}

SYSCALL_DEFINE6(copy_file_range, "d:fpfpux",
		int, fd_in, int64_t *, uoff_in, int, fd_out, int64_t *, uoff_out, size_t, len, unsigned, flags)
{
	struct file *in = fd_file(fd_in), *out = fd_file(fd_out);
	if (flags)
		return -EINVAL;
	if (!in || !out || !can_read(in) || !can_write(out))
		return -EBADF;
	if (!S_ISREG(in->inode->mode) || !S_ISREG(out->inode->mode))
		return S_ISDIR(in->inode->mode) || S_ISDIR(out->inode->mode) ? -EISDIR : -EINVAL;
	if (out->flags & O_APPEND)
		return -EBADF;
	uint64_t in_off = in->pos, out_off = out->pos;
	int rc;
	if (uoff_in && (rc = get_offset(uoff_in, &in_off)) < 0)
		return rc;
	if (uoff_out && (rc = get_offset(uoff_out, &out_off)) < 0)
		return rc;
	/* Linux's generic_copy_file_checks: offsets plus len must not wrap
	 * (-EOVERFLOW); the copy ends at the input's end and at the largest
	 * loff_t; a range of a file copied onto itself must not overlap. */
	uint64_t in_end, out_end;
	if (check_add_overflow(in_off, len, &in_end) || check_add_overflow(out_off, len, &out_end))
		return -EOVERFLOW;
	uint64_t in_size = in->inode->size;
	len = in_off >= in_size ? 0 : (len < in_size - in_off ? len : in_size - in_off);
	if (out_off >= (uint64_t)INT64_MAX)
		return -EFBIG;
	if (len > (uint64_t)INT64_MAX - out_off)
		len = (uint64_t)INT64_MAX - out_off;
	if (in->inode == out->inode && in_off < out_off + len && out_off < in_off + len)
		return -EINVAL;
	if (len == 0)
		return 0;
	long n = transfer(in, &in_off, out, &out_off, len);
	if (n < 0)
		return n;
	if (uoff_in ? (rc = put_offset(uoff_in, in_off)) < 0 : ((in->pos = in_off), 0))
		return rc;
	if (uoff_out ? (rc = put_offset(uoff_out, out_off)) < 0 : ((out->pos = out_off), 0))
		return rc;
	return n;
}

#define SPLICE_F_MOVE 1
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_MORE 4
#define SPLICE_F_GIFT 8

SYSCALL_DEFINE6(splice, "d:fpfpux",
		int, fd_in, int64_t *, uoff_in, int, fd_out, int64_t *, uoff_out, size_t, len, unsigned, flags)
{
	struct file *in = fd_file(fd_in), *out = fd_file(fd_out);
	if (flags & ~(unsigned)(SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT))
		return -EINVAL;
	if (!in || !out || !can_read(in) || !can_write(out))
		return -EBADF;
	/* One end must be a pipe, and a pipe end takes no offset. */
	if (!is_pipe(in) && !is_pipe(out))
		return -EINVAL;
	if ((is_pipe(in) && uoff_in) || (is_pipe(out) && uoff_out))
		return -ESPIPE;
	if (len == 0)
		return 0;
	uint64_t in_off = 0, out_off = 0;
	int rc;
	if (uoff_in && (rc = get_offset(uoff_in, &in_off)) < 0)
		return rc;
	if (uoff_out && (rc = get_offset(uoff_out, &out_off)) < 0)
		return rc;
	/* rw_verify_area on the file end: its offset plus len fits a loff_t. */
	if ((uoff_in && !file_range_ok((int64_t)in_off, len)) ||
	    (uoff_out && !file_range_ok((int64_t)out_off, len)))
		return -EINVAL;
	/* SPLICE_F_NONBLOCK concerns the pipes only. */
	unsigned in_flags = in->flags, out_flags = out->flags;
	if (flags & SPLICE_F_NONBLOCK) {
		if (is_pipe(in))
			in->flags |= O_NONBLOCK;
		if (is_pipe(out))
			out->flags |= O_NONBLOCK;
	}
	/* Like Linux, move at most what the input pipe holds at once. */
	long n = transfer(in, uoff_in ? &in_off : NULL, out, uoff_out ? &out_off : NULL,
			  is_pipe(in) ? (len < (size_t)pipe_get_size(in) ? len : (size_t)pipe_get_size(in)) : len);
	in->flags = in_flags;
	out->flags = out_flags;
	if (n < 0)
		return n;
	if (uoff_in && (rc = put_offset(uoff_in, in_off)) < 0)
		return rc;
	if (uoff_out && (rc = put_offset(uoff_out, out_off)) < 0)
		return rc;
	return n;
}
