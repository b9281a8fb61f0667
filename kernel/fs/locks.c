/*
 * Advisory file locks, with Linux's ownership rules:
 *  - POSIX record locks (F_SETLK) belong to the process. Locks of one owner
 *    never conflict with each other; there is one process, so POSIX locks
 *    only ever conflict with OFD locks. They all go when the process closes
 *    any descriptor of the file.
 *  - OFD locks (F_OFD_SETLK) belong to the open file description, conflict
 *    with every other owner's locks, and go when that description closes.
 *  - flock() locks belong to the open file description too, but live in a
 *    namespace of their own (they never meet record locks).
 * Each inode keeps a list of held ranges; a blocked F_SETLKW/flock waits
 * on one queue that every unlock wakes.
 */
#include "fs/locks.h"

#include "lib/string.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

#define OWNER_PROCESS ((const void *)1)

struct lock {
	struct lock *next;
	struct inode *inode;
	const void *owner; /* OWNER_PROCESS, or the struct file */
	bool flock;        /* the flock() namespace */
	bool write;
	uint64_t start, end; /* [start, end]; end == UINT64_MAX: to EOF and beyond */
};

/* Every held lock, and the threads waiting for one; owned by this file. */
static struct lock *locks;
static struct waitq waiters;

static bool overlaps(const struct lock *l, uint64_t start, uint64_t end)
{
	return l->start <= end && start <= l->end;
}

static const struct lock *conflict(struct inode *ino, const void *owner, bool flock, bool write,
				   uint64_t start, uint64_t end)
{
	for (struct lock *l = locks; l; l = l->next) {
		if (l->inode != ino || l->flock != flock || l->owner == owner)
			continue;
		if ((l->write || write) && overlaps(l, start, end))
			return l;
	}
	return NULL;
}

/* Removes owner's coverage of [start, end], splitting ranges as needed. */
static int unlock_range(struct inode *ino, const void *owner, bool flock, uint64_t start,
			uint64_t end)
{
	for (struct lock **pp = &locks; *pp;) {
		struct lock *l = *pp;
		if (l->inode != ino || l->owner != owner || l->flock != flock ||
		    !overlaps(l, start, end)) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) {
			struct lock *right = kmalloc(sizeof(*right));
			if (!right)
				return -ENOLCK;
			*right = *l;
			right->start = end + 1;
			l->end = start - 1;
			right->next = l->next;
			l->next = right;
			pp = &right->next;
		} else if (l->start < start) {
			l->end = start - 1;
			pp = &l->next;
		} else if (l->end > end) {
			l->start = end + 1;
			pp = &l->next;
		} else {
			*pp = l->next;
			kfree(l);
		}
	}
	sched_wake(&waiters, -1);
	return 0;
}

static int add(struct inode *ino, const void *owner, bool flock, bool write, uint64_t start,
	       uint64_t end)
{
	int rc = unlock_range(ino, owner, flock, start, end);
	if (rc < 0)
		return rc;
	struct lock *l = kmalloc(sizeof(*l));
	if (!l)
		return -ENOLCK;
	*l = (struct lock){ locks, ino, owner, flock, write, start, end };
	locks = l;
	return 0;
}

/* Locks [start, end] for owner, waiting if asked to. */
static int lock_range(struct inode *ino, const void *owner, bool flock, int type, uint64_t start,
		      uint64_t end, bool wait)
{
	if (type == F_UNLCK)
		return unlock_range(ino, owner, flock, start, end);
	bool write = type == F_WRLCK;
	while (conflict(ino, owner, flock, write, start, end)) {
		if (!wait)
			return flock ? -EWOULDBLOCK : -EAGAIN;
		if (sched_wait(&waiters, 0, true, "file lock", (uint64_t)ino) == -EINTR)
			return -ERESTARTSYS;
	}
	return add(ino, owner, flock, write, start, end);
}

/* The byte range [start, end] a struct flock names, relative to f. */
static int range_of(struct file *f, const struct linux_flock *fl, uint64_t *start, uint64_t *end)
{
	int64_t base;
	if (file_seek_base(f, fl->l_whence, &base) < 0)
		return -EINVAL;
	int64_t s = base + fl->l_start;
	if (s < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		*start = (uint64_t)s;
		*end = (uint64_t)(s + fl->l_len - 1);
	} else if (fl->l_len < 0) {
		if (s + fl->l_len < 0)
			return -EINVAL;
		*start = (uint64_t)(s + fl->l_len);
		*end = (uint64_t)s - 1;
	} else {
		*start = (uint64_t)s;
		*end = UINT64_MAX;
	}
	return 0;
}

int locks_record(struct file *f, int cmd, struct linux_flock *fl, bool ofd)
{
	if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK && fl->l_type != F_UNLCK)
		return -EINVAL;
	if (ofd && fl->l_pid != 0)
		return -EINVAL;
	uint64_t start, end;
	int rc = range_of(f, fl, &start, &end);
	if (rc < 0)
		return rc;
	const void *owner = ofd ? (const void *)f : OWNER_PROCESS;
	if (cmd == F_GETLK) {
		if (fl->l_type == F_UNLCK)
			return -EINVAL;
		const struct lock *l = conflict(f->inode, owner, false, fl->l_type == F_WRLCK, start, end);
		if (!l) {
			fl->l_type = F_UNLCK;
			return 0;
		}
		fl->l_type = l->write ? F_WRLCK : F_RDLCK;
		fl->l_whence = SEEK_SET;
		fl->l_start = (int64_t)l->start;
		fl->l_len = l->end == UINT64_MAX ? 0 : (int64_t)(l->end - l->start + 1);
		fl->l_pid = l->owner == OWNER_PROCESS ? 1 : -1; /* OFD locks have no pid */
		return 0;
	}
	if (fl->l_type == F_RDLCK && (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (fl->l_type == F_WRLCK && (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	return lock_range(f->inode, owner, false, fl->l_type, start, end, cmd == F_SETLKW);
}

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

int locks_flock(struct file *f, int op)
{
	int type;
	switch (op & ~LOCK_NB) {
	case LOCK_SH:
		type = F_RDLCK;
		break;
	case LOCK_EX:
		type = F_WRLCK;
		break;
	case LOCK_UN:
		type = F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	if (f->flags & O_PATH)
		return -EBADF;
	return lock_range(f->inode, f, true, type, 0, UINT64_MAX, !(op & LOCK_NB));
}

void locks_descriptor_closed(struct file *f)
{
	/* Closing any descriptor of a file drops the process's POSIX locks on it. */
	unlock_range(f->inode, OWNER_PROCESS, false, 0, UINT64_MAX);
}

void locks_file_released(struct file *f)
{
	unlock_range(f->inode, f, false, 0, UINT64_MAX);
	unlock_range(f->inode, f, true, 0, UINT64_MAX);
}
