/*
 * pidfds: descriptors that name a process (pidfd_open(2)), to signal it
 * (pidfd_send_signal(2)) and to take copies of its descriptors
 * (pidfd_getfd(2)). There is one process, so a pidfd always names it; it
 * polls readable once the process has exited, which the app never sees.
 */
#include "fs/anon_inode.h"
#include "fs/fdtable.h"
#include "fs/procfs.h"
#include "lib/fmt.h"
#include "linux/fs_args.h"
#include "linux/pidfd.h"
#include "signal/signal.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

#define PIDFD_NONBLOCK O_NONBLOCK

static unsigned pidfd_poll(struct file *f)
{
	return 0; /* the process is running */
}

static int pidfd_fdinfo(const struct file *f, char *buf, size_t size)
{
	/* NSpid lists the pid in each namespace down from ours: just one. */
	return format(buf, size, "Pid:\t%d\nNSpid:\t%d\n", proc.pid, proc.pid);
}

static const struct file_ops pidfd_ops = {
	.poll = pidfd_poll,
	.fdinfo = pidfd_fdinfo,
};

SYSCALL_DEFINE2(pidfd_open, "d:dx", int, pid, unsigned, flags)
{
	if (flags & ~(unsigned)PIDFD_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	if (pid != proc.pid)
		/* Another thread's id names no process (Linux 6.1 has no
		 * PIDFD_THREAD); any other id names nothing here. */
		return sched_find_thread(pid) ? -EINVAL : -ESRCH;
	struct file *f = anon_file_new("[pidfd]", &pidfd_ops, NULL, O_RDWR | (flags & O_NONBLOCK));
	if (!f)
		return -ENFILE;
	int fd = fd_install(proc.fds, f, 0, true); /* close-on-exec, always */
	if (fd < 0)
		file_put(f);
	return fd;
}

/* The open pidfd at fd, or NULL (EBADF): O_PATH descriptors do not count. */
static struct file *pidfd_file(int fd)
{
	struct file *f = fd_file(fd);
	return f && f->ops == &pidfd_ops && !(f->flags & O_PATH) ? f : NULL;
}

bool pidfd_is_open(int fd)
{
	return pidfd_file(fd) != NULL;
}

SYSCALL_DEFINE4(pidfd_send_signal, "d:fSpx",
		int, pidfd, int, s, const struct linux_siginfo *, uinfo, unsigned, flags)
{
	if (flags)
		return -EINVAL;
	struct file *f = fd_file(pidfd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	/* A /proc/<id> directory names the process as a pidfd does; the id
	 * it was opened by still counts for the check below. */
	int id = f->ops == &pidfd_ops ? proc.pid : procfs_pid_dir_id(f->inode);
	if (!id)
		return -EBADF;
	struct linux_siginfo info;
	if (uinfo) {
		if (copy_from_user(&info, uinfo, sizeof(info)) < 0)
			return -EFAULT;
		if (info.si_signo != s)
			return -EINVAL;
		/* Only a task sending to its own id may pose as the kernel
		 * (si_code > 0), kill() (SI_USER) or tgkill() (SI_TKILL). */
		if (current->tid != id && (info.si_code >= 0 || info.si_code == SI_TKILL))
			return -EPERM;
	}
	if (id != proc.pid && !sched_find_thread(id))
		return -ESRCH; /* a /proc/<tid> of a thread that has exited */
	if (s < 0 || s > NSIG)
		return -EINVAL;
	if (!s)
		return 0; /* only asks whether the process may be signalled */
	if (uinfo)
		signal_send_process_info(&info);
	else
		signal_send_process(s, (struct sig_note){ .code = SI_USER, .pid = proc.pid });
	return 0;
}

SYSCALL_DEFINE3(pidfd_getfd, "d:ffx", int, pidfd, int, targetfd, unsigned, flags)
{
	if (flags)
		return -EINVAL;
	if (!pidfd_file(pidfd))
		return -EBADF;
	struct file *target = fd_file(targetfd);
	if (!target)
		return -EBADF;
	int fd = fd_install(proc.fds, file_get(target), 0, true);
	if (fd < 0)
		file_put(target);
	return fd;
}
