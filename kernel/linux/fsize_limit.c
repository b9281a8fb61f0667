#include "linux/fsize_limit.h"

#include "core/process.h"
#include "fs/vfs.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/stat.h"
#include "sched/thread.h"

static long too_big(void)
{
	/* Linux's send_sig(SIGXFSZ, current, 0): from the process itself. */
	signal_send_thread(current, SIGXFSZ, (struct sig_note){ .code = SI_USER, .pid = proc.pid });
	return -EFBIG;
}

long fsize_limit_write(struct file *f, uint64_t pos, size_t *len)
{
	uint64_t limit = proc.rlimits[RLIMIT_FSIZE].cur;
	if (limit == RLIM_INFINITY || *len == 0 || !f->inode || !S_ISREG(f->inode->mode))
		return 0;
	if (f->flags & O_APPEND)
		pos = f->inode->size;
	if (pos >= limit)
		return too_big();
	if (*len > limit - pos)
		*len = (size_t)(limit - pos);
	return 0;
}

long fsize_limit_resize(const struct inode *ino, uint64_t new_size)
{
	uint64_t limit = proc.rlimits[RLIMIT_FSIZE].cur;
	if (limit == RLIM_INFINITY || new_size <= ino->size || new_size <= limit)
		return 0;
	return too_big();
}
