/*
 * Pseudo-terminals: /dev/ptmx hands out a master, /dev/pts/N is its slave.
 * Bytes written to the master go through a line discipline before the
 * slave reads them (canonical line editing with ERASE/KILL/EOF, echo,
 * CR/NL mapping, INTR/QUIT/SUSP turned into signals for the process);
 * bytes written to the slave go through output processing (ONLCR) to the
 * master. Master and slave share one termios and window size.
 */
#include "drivers/pty.h"

#include "core/process.h"
#include "fs/anon_inode.h"
#include "fs/fdtable.h"
#include "fs/poll.h"
#include "fs/tmpfs.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/ioctl.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "sched/sched.h"

#define RING 4096
#define LINES 256
#define MAX_PTYS 64
#define MKDEV(ma, mi) (((ma) << 8) | (mi))
#define CTRL(c) ((c) & 0x1f)

struct ring {
	uint8_t buf[RING];
	size_t head, len;
};

struct pty {
	int index;
	struct linux_termios termios;
	struct linux_winsize winsize;
	struct ring input;   /* for the slave to read (canonical: whole lines) */
	struct ring output;  /* for the master to read */
	uint8_t line[RING];  /* the canonical line being edited */
	size_t line_len;
	size_t ready[LINES]; /* bytes left of each completed line in input; */
	int ready_head, ready_count; /* a 0 entry is an EOF: a zero-length read */
	bool locked;
	bool master_open;
	int slave_opens;     /* slave files open now */
	bool slave_was_opened;
	struct inode *node;  /* /dev/pts/N */
	uint64_t generation;
	struct waitq waiters;
};

/* Terminals by index; owned by this file. */
static struct pty *ptys[MAX_PTYS];
static struct inode *pts_dir;

static const struct file_ops master_ops, slave_ops;

static void changed(struct pty *p)
{
	p->generation++;
	sched_wake(&p->waiters, -1);
	poll_notify();
}

static bool ring_put(struct ring *r, uint8_t c)
{
	if (r->len == RING)
		return false;
	r->buf[(r->head + r->len) % RING] = c;
	r->len++;
	return true;
}

static int ring_get(struct ring *r)
{
	if (!r->len)
		return -1;
	uint8_t c = r->buf[r->head];
	r->head = (r->head + 1) % RING;
	r->len--;
	return c;
}

static void default_termios(struct linux_termios *t)
{
	memset(t, 0, sizeof(*t));
	t->c_iflag = ICRNL | IXON | IMAXBEL | IUTF8;
	t->c_oflag = OPOST | ONLCR;
	t->c_cflag = B38400 | CS8 | CREAD | HUPCL;
	t->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	const uint8_t cc[] = { [VINTR] = CTRL('C'), [VQUIT] = 034, [VERASE] = 0177,
			       [VKILL] = CTRL('U'), [VEOF] = CTRL('D'), [VMIN] = 1,
			       [VSTART] = CTRL('Q'), [VSTOP] = CTRL('S'), [VSUSP] = CTRL('Z'),
			       [VWERASE] = CTRL('W'), [VLNEXT] = CTRL('V') };
	memcpy(t->c_cc, cc, sizeof(cc));
}

/* Output processing of one byte written by the slave (or echoed). */
static void output(struct pty *p, uint8_t c)
{
	if (p->termios.c_oflag & OPOST) {
		if (c == '\n' && (p->termios.c_oflag & ONLCR)) {
			ring_put(&p->output, '\r');
		} else if (c == '\r' && (p->termios.c_oflag & OCRNL)) {
			c = '\n';
		}
	}
	ring_put(&p->output, c);
}

static void echo(struct pty *p, uint8_t c)
{
	if ((p->termios.c_lflag & ECHOCTL) && c < 32 && c != '\n' && c != '\t') {
		output(p, '^');
		output(p, c + 64);
	} else {
		output(p, c);
	}
}

static void flush_input(struct pty *p)
{
	p->input.len = 0;
	p->line_len = 0;
	p->ready_count = 0;
}

static void complete_line(struct pty *p)
{
	if (p->ready_count == LINES)
		return; /* the reader is far behind: like a full buffer, drop it */
	for (size_t i = 0; i < p->line_len; i++)
		ring_put(&p->input, p->line[i]);
	p->ready[(p->ready_head + p->ready_count) % LINES] = p->line_len;
	p->ready_count++;
	p->line_len = 0;
}

/* The line discipline: one byte typed at the master. */
static void input(struct pty *p, uint8_t c)
{
	struct linux_termios *t = &p->termios;
	const uint8_t *cc = t->c_cc;
	if (c == '\r') {
		if (t->c_iflag & IGNCR)
			return;
		if (t->c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (t->c_iflag & INLCR)) {
		c = '\r';
	}
	if (t->c_lflag & ISIG) {
		int sig = c == cc[VINTR] ? SIGINT : c == cc[VQUIT] ? SIGQUIT : c == cc[VSUSP] ? 20 : 0;
		if (sig && c) {
			if (!(t->c_lflag & NOFLSH))
				flush_input(p);
			if (t->c_lflag & ECHO)
				echo(p, c);
			signal_send_process(sig, (struct sig_note){ .code = SI_KERNEL });
			return;
		}
	}
	if (!(t->c_lflag & ICANON)) {
		ring_put(&p->input, c);
		if (t->c_lflag & ECHO)
			echo(p, c);
		return;
	}
	if (c == cc[VERASE] && c) {
		if (p->line_len) {
			p->line_len--;
			if ((t->c_lflag & ECHO) && (t->c_lflag & ECHOE)) {
				output(p, '\b');
				output(p, ' ');
				output(p, '\b');
			}
		}
		return;
	}
	if (c == cc[VKILL] && c) {
		while (p->line_len) {
			p->line_len--;
			if ((t->c_lflag & ECHO) && (t->c_lflag & ECHOKE)) {
				output(p, '\b');
				output(p, ' ');
				output(p, '\b');
			}
		}
		return;
	}
	if (c == cc[VEOF] && c) {
		complete_line(p); /* an empty line here reads as end-of-file */
		return;
	}
	if (p->line_len < RING - 1)
		p->line[p->line_len++] = c;
	if ((t->c_lflag & ECHO) || (c == '\n' && (t->c_lflag & ECHONL)))
		echo(p, c);
	if (c == '\n' || (c == cc[VEOL] && c) || (c == cc[VEOL2] && c))
		complete_line(p);
}

static struct pty *pty_of(struct file *f)
{
	return f->priv;
}

static bool slave_can_read(const struct pty *p)
{
	if (p->termios.c_lflag & ICANON)
		return p->ready_count > 0;
	return p->input.len > 0;
}

static int64_t slave_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	size_t len = iov_iter_count(to);
	struct pty *p = pty_of(f);
	while (!slave_can_read(p)) {
		if (!p->master_open)
			return 0; /* hung up */
		if (!(p->termios.c_lflag & ICANON) && p->termios.c_cc[VMIN] == 0)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sched_wait(&p->waiters, 0, true, "tty read", (uint64_t)p) == -EINTR)
			return -ERESTARTSYS;
	}
	uint8_t chunk[RING];
	size_t n = 0;
	if (p->termios.c_lflag & ICANON) {
		size_t *left = &p->ready[p->ready_head];
		size_t want = len < *left ? len : *left;
		while (n < want)
			chunk[n++] = (uint8_t)ring_get(&p->input);
		*left -= n;
		if (*left == 0) { /* the line is used up (or was an EOF) */
			p->ready_head = (p->ready_head + 1) % LINES;
			p->ready_count--;
		}
	} else {
		while (n < len && p->input.len)
			chunk[n++] = (uint8_t)ring_get(&p->input);
	}
	changed(p);
	return copy_to_iter(chunk, n, to) < n ? -EFAULT : (int64_t)n;
}

static int64_t slave_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	size_t len = iov_iter_count(from);
	struct pty *p = pty_of(f);
	if (!p->master_open)
		return -EIO;
	uint8_t chunk[256];
	size_t done = 0;
	while (done < len) {
		/* Room for the worst case: every byte doubled by ONLCR. */
		while (RING - p->output.len < 2 * sizeof(chunk) && RING - p->output.len < 2 * (len - done)) {
			if (f->flags & O_NONBLOCK)
				return done ? (int64_t)done : -EAGAIN;
			if (sched_wait(&p->waiters, 0, true, "tty write", (uint64_t)p) == -EINTR)
				return done ? (int64_t)done : -ERESTARTSYS;
			if (!p->master_open)
				return done ? (int64_t)done : -EIO;
		}
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if ((RING - p->output.len) / 2 < n)
			n = (RING - p->output.len) / 2;
		if (copy_from_iter(chunk, n, from) < n)
			return done ? (int64_t)done : -EFAULT;
		for (size_t i = 0; i < n; i++)
			output(p, chunk[i]);
		done += n;
		changed(p);
	}
	return (int64_t)done;
}

static int64_t master_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	size_t len = iov_iter_count(to);
	struct pty *p = pty_of(f);
	while (!p->output.len) {
		if (p->slave_was_opened && !p->slave_opens)
			return -EIO; /* the slave side hung up */
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sched_wait(&p->waiters, 0, true, "pty read", (uint64_t)p) == -EINTR)
			return -ERESTARTSYS;
	}
	uint8_t chunk[RING];
	size_t n = 0;
	while (n < len && p->output.len)
		chunk[n++] = (uint8_t)ring_get(&p->output);
	changed(p);
	return copy_to_iter(chunk, n, to) < n ? -EFAULT : (int64_t)n;
}

static int64_t master_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	size_t len = iov_iter_count(from);
	struct pty *p = pty_of(f);
	uint8_t chunk[256];
	size_t done = 0;
	while (done < len) {
		while (p->input.len + p->line_len >= RING - 1) {
			if (f->flags & O_NONBLOCK)
				return done ? (int64_t)done : -EAGAIN;
			if (sched_wait(&p->waiters, 0, true, "pty write", (uint64_t)p) == -EINTR)
				return done ? (int64_t)done : -ERESTARTSYS;
		}
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (copy_from_iter(chunk, n, from) < n)
			return done ? (int64_t)done : -EFAULT;
		for (size_t i = 0; i < n; i++)
			input(p, chunk[i]);
		done += n;
		changed(p);
	}
	return (int64_t)done;
}

static unsigned slave_poll(struct file *f)
{
	struct pty *p = pty_of(f);
	unsigned m = POLLOUT | POLLWRNORM;
	if (slave_can_read(p) || !p->master_open)
		m |= POLLIN | POLLRDNORM;
	if (!p->master_open)
		m |= POLLHUP;
	return m;
}

static unsigned master_poll(struct file *f)
{
	struct pty *p = pty_of(f);
	unsigned m = POLLOUT | POLLWRNORM;
	if (p->output.len)
		m |= POLLIN | POLLRDNORM;
	if (p->slave_was_opened && !p->slave_opens)
		m |= POLLHUP;
	return m;
}

static uint64_t pty_generation(struct file *f)
{
	return pty_of(f)->generation;
}

static int open_slave_file(struct pty *p, unsigned flags, struct file **out);

static int tty_ioctl(struct file *f, unsigned long cmd, unsigned long arg, bool master)
{
	struct pty *p = pty_of(f);
	void *u = (void *)arg;
	int v;
	switch (cmd) {
	case TCGETS:
		return copy_to_user(u, &p->termios, sizeof(p->termios)) < 0 ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&p->termios, u, sizeof(p->termios)) < 0)
			return -EFAULT;
		if (cmd == TCSETSF)
			flush_input(p);
		if (!(p->termios.c_lflag & ICANON)) {
			/* Raw mode reads everything, the line being edited included. */
			for (size_t i = 0; i < p->line_len; i++)
				ring_put(&p->input, p->line[i]);
			p->line_len = 0;
			p->ready_count = 0;
		} else if (p->input.len && !p->ready_count) {
			/* Back to canonical: what raw input is waiting counts as a line. */
			p->ready[p->ready_head] = p->input.len;
			p->ready_count = 1;
		}
		changed(p);
		return 0;
	case TIOCGWINSZ:
		return copy_to_user(u, &p->winsize, sizeof(p->winsize)) < 0 ? -EFAULT : 0;
	case TIOCSWINSZ:
		if (copy_from_user(&p->winsize, u, sizeof(p->winsize)) < 0)
			return -EFAULT;
		signal_send_process(28 /* SIGWINCH */, (struct sig_note){ .code = SI_KERNEL });
		return 0;
	case FIONREAD:
		v = master ? (int)p->output.len : (int)p->input.len;
		return copy_to_user(u, &v, sizeof(v)) < 0 ? -EFAULT : 0;
	case TIOCGPGRP:
	case TIOCGSID:
		v = proc.pid;
		return copy_to_user(u, &v, sizeof(v)) < 0 ? -EFAULT : 0;
	case TIOCSPGRP:
	case TIOCSCTTY:
	case TIOCNOTTY:
		return 0; /* one session, one process group: nothing changes */
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		/* Each side's input is what the other wrote; its own output is
		 * already the other side's input, which TCOFLUSH leaves alone,
		 * as Linux's pty does. */
		if (arg != TCOFLUSH) {
			if (master)
				p->output.len = 0;
			else
				flush_input(p);
		}
		changed(p);
		return 0;
	case TCSBRK:
	case TCXONC:
		return 0;
	}
	if (!master)
		return -ENOTTY;
	switch (cmd) {
	case TIOCGPTN:
		v = p->index;
		return copy_to_user(u, &v, sizeof(v)) < 0 ? -EFAULT : 0;
	case TIOCSPTLCK:
		if (copy_from_user(&v, u, sizeof(v)) < 0)
			return -EFAULT;
		p->locked = v != 0;
		return 0;
	case TIOCGPTLCK:
		v = p->locked;
		return copy_to_user(u, &v, sizeof(v)) < 0 ? -EFAULT : 0;
	case TIOCGPTPEER: {
		struct file *sf;
		int rc = open_slave_file(p, (unsigned)arg, &sf);
		if (rc < 0)
			return rc;
		rc = fd_install(proc.fds, sf, 0, arg & O_CLOEXEC);
		if (rc < 0)
			file_put(sf);
		return rc;
	}
	default:
		return -ENOTTY;
	}
}

static int master_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	return tty_ioctl(f, cmd, arg, true);
}

static int slave_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	return tty_ioctl(f, cmd, arg, false);
}

static void free_if_unused(struct pty *p)
{
	if (p->master_open || p->slave_opens)
		return;
	ptys[p->index] = NULL;
	kfree(p);
}

static void master_release(struct file *f)
{
	struct pty *p = pty_of(f);
	p->master_open = false;
	if (p->node) {
		/* The node may outlive us (an open slave holds it): cut it loose. */
		p->node->priv = NULL;
		p->node->fops = NULL;
		char name[16];
		format(name, sizeof(name), "%d", p->index);
		pts_dir->ops->unlink(pts_dir, name, strlen(name));
		p->node = NULL;
	}
	changed(p);
	free_if_unused(p);
}

static void slave_release(struct file *f)
{
	struct pty *p = pty_of(f);
	p->slave_opens--;
	changed(p);
	free_if_unused(p);
}

static const struct file_ops master_ops = {
	.read = master_read,
	.write = master_write,
	.poll = master_poll,
	.poll_generation = pty_generation,
	.ioctl = master_ioctl,
	.release = master_release,
};

static const struct file_ops slave_ops = {
	.read = slave_read,
	.write = slave_write,
	.poll = slave_poll,
	.poll_generation = pty_generation,
	.ioctl = slave_ioctl,
	.release = slave_release,
};

static int open_slave_file(struct pty *p, unsigned flags, struct file **out)
{
	if (p->locked)
		return -EIO;
	if (!p->master_open)
		return -EIO;
	struct file *f = file_new(p->node, &slave_ops, (flags & (O_ACCMODE | O_NONBLOCK)));
	if (!f)
		return -ENOMEM;
	f->priv = p;
	char path[32];
	format(path, sizeof(path), "/dev/pts/%d", p->index);
	file_set_name(f, path);
	p->slave_opens++;
	p->slave_was_opened = true;
	*out = f;
	return 0;
}

/* Opening /dev/pts/N: the file was made for the inode; bind it to the pty. */
static int slave_open(struct inode *ino, struct file *f)
{
	struct pty *p = ino->priv;
	if (!p || p->locked || !p->master_open)
		return -EIO;
	f->priv = p;
	f->ops = &slave_ops;
	p->slave_opens++;
	p->slave_was_opened = true;
	return 0;
}

const struct file_ops pts_node_ops = { .open = slave_open };

/* Opening /dev/ptmx: a new terminal pair; this file is its master. */
static int ptmx_open(struct inode *ino, struct file *f)
{
	int index = 0;
	while (index < MAX_PTYS && ptys[index])
		index++;
	if (index == MAX_PTYS)
		return -ENOSPC;
	struct pty *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->index = index;
	default_termios(&p->termios);
	p->locked = true; /* until unlockpt(), as Linux */
	p->master_open = true;
	char name[16];
	format(name, sizeof(name), "%d", index);
	int rc = pts_dir->ops->mknod(pts_dir, name, strlen(name), S_IFCHR | 0620, MKDEV(136, index));
	if (rc == 0)
		rc = pts_dir->ops->lookup(pts_dir, name, strlen(name), &p->node);
	if (rc < 0) {
		kfree(p);
		return rc;
	}
	p->node->priv = p;
	p->node->fops = &pts_node_ops;
	inode_put(p->node); /* the directory entry keeps it while the master lives */
	ptys[index] = p;
	f->priv = p;
	f->ops = &master_ops;
	return 0;
}

const struct file_ops ptmx_ops = { .open = ptmx_open };

void pty_init(struct inode *dev_pts)
{
	pts_dir = dev_pts;
}
