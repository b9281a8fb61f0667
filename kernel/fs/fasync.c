/*
 * Signal-driven I/O, as Linux's fs/fcntl.c: F_SETOWN / F_SETOWN_EX name
 * who hears about a file, F_SETSIG which signal, and O_ASYNC turns it on.
 * Every readiness change in the kernel goes through poll_notify(), which
 * calls fasync_notify(): each listed file with O_ASYNC and an owner is
 * checked, and one that became readable or received something while
 * readable (its poll generation moved) signals POLL_IN, one that became
 * writable POLL_OUT, an error or hang-up POLL_ERR or POLL_HUP. The signal
 * is SIGIO (si_code SI_KERNEL), or the F_SETSIG one with si_code, si_band
 * and si_fd filled in. Pipes, sockets and terminals signal; other files
 * take O_ASYNC and never signal, as Linux's files without a fasync op.
 */
#include "fs/fasync.h"

#include "core/process.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/stat.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

#define POLL_IN 1
#define POLL_OUT 2
#define POLL_ERR 4
#define POLL_HUP 6
#define POLLMSG 0x400

struct fasync {
	struct fasync *next;
	struct file *file;
	int fd;      /* what si_fd says: the descriptor O_ASYNC was set through */
	int type;    /* F_OWNER_TID, F_OWNER_PID or F_OWNER_PGRP */
	int pid;     /* the owner; 0: nobody */
	int signo;   /* F_SETSIG; 0: SIGIO without details */
	unsigned last;       /* the ready mask at the last check */
	uint64_t generation; /* and the poll generation */
};

/* Files whose owner or signal was set; owned by this file. Few files have
 * one, so a list is enough. */
static struct fasync *entries;

static struct fasync *find(struct file *f)
{
	for (struct fasync *e = entries; e; e = e->next)
		if (e->file == f)
			return e;
	return NULL;
}

static uint64_t generation(struct file *f)
{
	return f->ops && f->ops->poll_generation ? f->ops->poll_generation(f) : 0;
}

static struct fasync *get(struct file *f)
{
	struct fasync *e = find(f);
	if (e)
		return e;
	e = kzalloc(sizeof(*e));
	if (!e)
		return NULL;
	e->file = f;
	e->fd = -1;
	e->type = F_OWNER_PID;
	e->next = entries;
	entries = e;
	return e;
}

void fasync_file_released(struct file *f)
{
	for (struct fasync **pp = &entries; *pp; pp = &(*pp)->next) {
		if ((*pp)->file == f) {
			struct fasync *e = *pp;
			*pp = e->next;
			kfree(e);
			return;
		}
	}
}

/* Pipes, sockets and terminals have readiness to tell about. */
static bool signals(const struct file *f)
{
	if (!f->inode || !f->ops || !f->ops->poll)
		return false;
	uint32_t m = f->inode->mode;
	return S_ISFIFO(m) || S_ISSOCK(m) || S_ISCHR(m);
}

/* Whether pid names someone here, for that kind of owner. */
static bool owner_exists(int type, int pid)
{
	if (type == F_OWNER_PGRP)
		return pid == proc.pid;
	return pid == proc.pid || sched_find_thread(pid) != NULL;
}

static void send(struct fasync *e, int reason, unsigned band)
{
	struct sig_note note = { .code = SI_KERNEL };
	int signo = SIGIO;
	if (e->signo) {
		/* F_SETSIG: the siginfo says why, for which band and descriptor. */
		signo = e->signo;
		note = (struct sig_note){ .code = reason, .given = true };
		int64_t b = band;
		int32_t fd = e->fd;
		memcpy(note.fields, &b, sizeof(b));
		memcpy(note.fields + 8, &fd, sizeof(fd));
	}
	struct thread *t = e->type == F_OWNER_TID ? sched_find_thread(e->pid) : NULL;
	if (t)
		signal_send_thread(t, signo, note);
	else if (e->type != F_OWNER_TID)
		signal_send_process(signo, note);
}

/* Owned by fasync_notify: a signal sent from it may itself notify. */
static bool notifying;

void fasync_notify(void)
{
	if (!entries || notifying)
		return;
	notifying = true;
	for (struct fasync *e = entries; e; e = e->next) {
		struct file *f = e->file;
		if (!(f->flags & O_ASYNC) || !e->pid || !signals(f))
			continue;
		unsigned m = file_poll(f);
		uint64_t g = generation(f);
		unsigned rose = m & ~e->last;
		bool moved = g != e->generation;
		e->last = m;
		e->generation = g;
		if (rose & POLLERR)
			send(e, POLL_ERR, POLLERR);
		else if (rose & POLLHUP)
			send(e, POLL_HUP, POLLHUP | POLLERR);
		if ((m & POLLIN) && ((rose & POLLIN) || moved))
			send(e, POLL_IN, POLLIN | POLLRDNORM);
		if (rose & POLLOUT)
			send(e, POLL_OUT, POLLOUT | POLLWRNORM | POLLWRBAND);
	}
	notifying = false;
}

/* The state to compare with starts now, so that turning O_ASYNC on
 * reports only what happens after. */
static void start_watch(struct fasync *e)
{
	e->last = file_poll(e->file);
	e->generation = generation(e->file);
}

int fasync_set_flags(struct file *f, int fd, unsigned old_flags)
{
	if (!(f->flags & O_ASYNC) || (old_flags & O_ASYNC))
		return 0;
	struct fasync *e = get(f);
	if (!e)
		return -ENOMEM;
	e->fd = fd;
	start_watch(e);
	return 0;
}

int fasync_set_owner(struct file *f, int type, int pid)
{
	if (type != F_OWNER_TID && type != F_OWNER_PID && type != F_OWNER_PGRP)
		return -EINVAL;
	if (pid && !owner_exists(type, pid))
		return -ESRCH;
	struct fasync *e = get(f);
	if (!e)
		return -ENOMEM;
	e->type = type;
	e->pid = pid;
	start_watch(e);
	return 0;
}

void fasync_get_owner(struct file *f, int *type, int *pid)
{
	struct fasync *e = find(f);
	*type = e ? e->type : F_OWNER_PID;
	*pid = e ? e->pid : 0;
}

int fasync_set_signal(struct file *f, unsigned long signo)
{
	if (signo > NSIG)
		return -EINVAL;
	struct fasync *e = get(f);
	if (!e)
		return -ENOMEM;
	e->signo = (int)signo;
	return 0;
}

int fasync_get_signal(struct file *f)
{
	struct fasync *e = find(f);
	return e ? e->signo : 0;
}
