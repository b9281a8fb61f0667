/* Waiting on several descriptors: poll, ppoll, select, pselect6. */
#include "core/clock.h"
#include "fs/fdtable.h"
#include "lib/time_conv.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "linux/fs_args.h"
#include "signal/signal.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/time.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

struct pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

/* What select() counts as readable, writable and exceptional (Linux's sets). */
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET POLLPRI

/* The files waited on stay open until the call returns, as Linux's poll
 * table holds them: one that another thread closes meanwhile is no longer
 * found (not ready), but its peer can still write to it. */
struct held {
	struct file **files;
	unsigned n;
};

static bool hold_init(struct held *h, unsigned max)
{
	h->n = 0;
	h->files = kmalloc(sizeof(struct file *) * (max ? max : 1));
	return h->files != NULL;
}

static void hold(struct held *h, struct file *f)
{
	h->files[h->n++] = file_get(f);
}

static void release_held(struct held *h)
{
	while (h->n)
		file_put(h->files[--h->n]);
	kfree(h->files);
}

/* Fills revents; returns how many descriptors are ready. The first scan
 * holds the files (h), later ones look them up again. */
static int scan(struct pollfd *fds, unsigned n, struct held *h, bool first)
{
	int ready = 0;
	for (unsigned i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct file *f = fd_lookup(proc.fds, fds[i].fd);
		if (f && first)
			hold(h, f);
		unsigned m = f ? file_poll(f) & ((uint16_t)fds[i].events | POLLERR | POLLHUP)
			       : POLLNVAL;
		fds[i].revents = (int16_t)m;
		if (m)
			ready++;
	}
	return ready;
}

/* The common loop: deadline 0 waits forever, NOW polls once. */
#define NOW 1

static long do_poll(struct pollfd *ufds, unsigned nfds, uint64_t deadline)
{
	if (nfds > proc.rlimits[RLIMIT_NOFILE].cur)
		return -EINVAL;
	struct pollfd *fds = kmalloc(sizeof(*fds) * (nfds ? nfds : 1));
	struct held h;
	if (!fds || !hold_init(&h, nfds)) {
		kfree(fds);
		return -ENOMEM;
	}
	long rc = 0;
	if (copy_from_user(fds, ufds, sizeof(*fds) * nfds) < 0) {
		rc = -EFAULT;
		goto out;
	}
	for (bool first = true;; first = false) {
		rc = scan(fds, nfds, &h, first);
		if (rc || deadline == NOW)
			break;
		int w = poll_wait_any(deadline);
		if (w == -ETIMEDOUT) {
			rc = 0;
			break;
		}
		if (w == -EINTR) {
			rc = -ERESTARTNOHAND;
			break;
		}
	}
	if (rc >= 0) {
		for (unsigned i = 0; i < nfds; i++)
			if (copy_to_user(&ufds[i].revents, &fds[i].revents, sizeof(int16_t)) < 0)
				rc = -EFAULT;
	}
out:
	release_held(&h);
	kfree(fds);
	return rc;
}

static uint64_t deadline_ms(int timeout_ms)
{
	if (timeout_ms < 0)
		return 0;
	if (timeout_ms == 0)
		return NOW;
	return clock_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
}

/* From a relative timespec; -EINVAL if it is malformed. */
static int deadline_ts(const struct linux_timespec *uts, uint64_t *out)
{
	if (!uts) {
		*out = 0;
		return 0;
	}
	struct linux_timespec ts;
	if (copy_from_user(&ts, uts, sizeof(ts)) < 0)
		return -EFAULT;
	int64_t ns;
	if (!timespec_to_ns(ts.tv_sec, ts.tv_nsec, &ns))
		return -EINVAL;
	*out = ns ? time_deadline_after(clock_monotonic_ns(), (uint64_t)ns) : NOW;
	return 0;
}

SYSCALL_DEFINE3(poll, "d:pud", struct pollfd *, fds, unsigned, nfds, int, timeout)
{
	return do_poll(fds, nfds, deadline_ms(timeout));
}

static int apply_sigmask(const uint64_t *umask, size_t size)
{
	if (!umask)
		return 0;
	if (size != sizeof(uint64_t))
		return -EINVAL;
	uint64_t mask;
	if (copy_from_user(&mask, umask, sizeof(mask)) < 0)
		return -EFAULT;
	signal_set_temporary_mask(mask);
	return 0;
}

SYSCALL_DEFINE5(ppoll, "d:puppu",
		struct pollfd *, fds, unsigned, nfds, const struct linux_timespec *, tsp, const uint64_t *, sigmask, size_t, sigsetsize)
{
	uint64_t deadline;
	int rc = deadline_ts(tsp, &deadline);
	if (rc == 0)
		rc = apply_sigmask(sigmask, sigsetsize);
	if (rc < 0)
		return rc;
	long r = do_poll(fds, nfds, deadline);
	return r == -ERESTARTNOHAND ? -EINTR : r;
}

#define FD_SETSIZE 1024

static int get_set(const uint64_t *uset, uint64_t *set, unsigned words)
{
	memset(set, 0, words * 8);
	return uset && copy_from_user(set, uset, words * 8) < 0 ? -EFAULT : 0;
}

static long do_select(int nfds, uint64_t *ur, uint64_t *uw, uint64_t *ue, uint64_t deadline)
{
	if (nfds < 0)
		return -EINVAL;
	if ((uint64_t)nfds > proc.rlimits[RLIMIT_NOFILE].cur)
		nfds = (int)proc.rlimits[RLIMIT_NOFILE].cur;
	unsigned words = ((unsigned)nfds + 63) / 64;
	size_t bytes = (size_t)(words ? words : 1) * 8;
	uint64_t *in = kmalloc(bytes * 6);
	if (!in)
		return -ENOMEM;
	uint64_t *r = in, *w = in + words, *e = in + 2 * words;
	uint64_t *ro = in + 3 * words, *wo = in + 4 * words, *eo = in + 5 * words;
	struct held h = { NULL, 0 };
	long rc;
	if ((rc = get_set(ur, r, words)) || (rc = get_set(uw, w, words)) ||
	    (rc = get_set(ue, e, words)))
		goto out;
	unsigned wanted = 0;
	for (int fd = 0; fd < nfds; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		if (!((r[fd / 64] | w[fd / 64] | e[fd / 64]) & bit))
			continue;
		if (!fd_lookup(proc.fds, fd)) {
			rc = -EBADF;
			goto out;
		}
		wanted++;
	}
	if (!hold_init(&h, wanted)) {
		rc = -ENOMEM;
		goto out;
	}
	for (int fd = 0; fd < nfds; fd++)
		if ((r[fd / 64] | w[fd / 64] | e[fd / 64]) & (1ull << (fd % 64)))
			hold(&h, fd_lookup(proc.fds, fd));
	for (;;) {
		memset(ro, 0, bytes * 3);
		rc = 0;
		for (int fd = 0; fd < nfds; fd++) {
			uint64_t bit = 1ull << (fd % 64);
			if (!((r[fd / 64] | w[fd / 64] | e[fd / 64]) & bit))
				continue;
			/* Looked up on each pass: see struct held. */
			struct file *f = fd_lookup(proc.fds, fd);
			unsigned m = f ? file_poll(f) : 0;
			if ((r[fd / 64] & bit) && (m & POLLIN_SET))
				ro[fd / 64] |= bit, rc++;
			if ((w[fd / 64] & bit) && (m & POLLOUT_SET))
				wo[fd / 64] |= bit, rc++;
			if ((e[fd / 64] & bit) && (m & POLLEX_SET))
				eo[fd / 64] |= bit, rc++;
		}
		if (rc || deadline == NOW)
			break;
		int wr = poll_wait_any(deadline);
		if (wr == -ETIMEDOUT)
			break;
		if (wr == -EINTR) {
			rc = -ERESTARTNOHAND;
			goto out;
		}
	}
	if ((ur && copy_to_user(ur, ro, words * 8) < 0) ||
	    (uw && copy_to_user(uw, wo, words * 8) < 0) ||
	    (ue && copy_to_user(ue, eo, words * 8) < 0))
		rc = -EFAULT;
out:
	release_held(&h);
	kfree(in);
	return rc;
}

SYSCALL_DEFINE5(select, "d:dpppp",
		int, nfds, uint64_t *, readfds, uint64_t *, writefds, uint64_t *, exceptfds, struct linux_timeval *, utv)
{
	uint64_t deadline = 0;
	if (utv) {
		struct linux_timeval tv;
		if (copy_from_user(&tv, utv, sizeof(tv)) < 0)
			return -EFAULT;
		int64_t ns;
		if (!select_timeval_to_ns(tv.tv_sec, tv.tv_usec, &ns))
			return -EINVAL;
		deadline = ns ? time_deadline_after(clock_monotonic_ns(), (uint64_t)ns) : NOW;
	}
	long rc = do_select(nfds, readfds, writefds, exceptfds, deadline);
	/* Linux writes back the time that was left. */
	if (utv && deadline > NOW && rc != -EFAULT) {
		uint64_t now = clock_monotonic_ns();
		uint64_t left = deadline > now ? deadline - now : 0;
		struct linux_timeval tv = { (int64_t)(left / NSEC_PER_SEC),
					    (int64_t)((left % NSEC_PER_SEC) / 1000) };
		(void)copy_to_user(utv, &tv, sizeof(tv));
	}
	return rc;
}

struct sigset_arg {
	const uint64_t *set;
	size_t size;
};

SYSCALL_DEFINE6(pselect6, "d:dppppp",
		int, nfds, uint64_t *, readfds, uint64_t *, writefds, uint64_t *, exceptfds, const struct linux_timespec *, tsp, const struct sigset_arg *, usig)
{
	uint64_t deadline;
	int rc = deadline_ts(tsp, &deadline);
	if (rc < 0)
		return rc;
	if (usig) {
		struct sigset_arg s;
		if (copy_from_user(&s, usig, sizeof(s)) < 0)
			return -EFAULT;
		if ((rc = apply_sigmask(s.set, s.size)) < 0)
			return rc;
	}
	long r = do_select(nfds, readfds, writefds, exceptfds, deadline);
	return r == -ERESTARTNOHAND ? -EINTR : r;
}
