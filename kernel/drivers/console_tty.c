/*
 * The console as a terminal. Output goes to the app's output ports when
 * the VMM attached them (drivers/console_out.h: stdout and stderr apart),
 * else to COM1, byte for byte.
 * Input is the runner's standard input (drivers/console_input.c), or
 * end-of-file when the runner sends none.
 * The termios state is what the app last set; of its flags only
 * OPOST|ONLCR (turn "\n" into "\r\n") and ICANON (a read returns one line)
 * change what the driver does. ONLCR starts off, so that output reaches
 * the host unchanged; ICANON starts on, as on any terminal.
 */
#include "drivers/console_tty.h"

#include "core/console.h"
#include "core/process.h"
#include "drivers/console_input.h"
#include "drivers/console_out.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/ioctl.h"
#include "mm/uaccess.h"

/* The terminal's settings; owned by this driver. */
static struct linux_termios termios = {
	.c_cflag = B115200 | CS8 | CREAD | CLOCAL,
	.c_lflag = ICANON, /* reads return lines; the host terminal edits and echoes them */
	.c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0 },
};
static struct linux_winsize winsize;

static int64_t tty_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	size_t len = iov_iter_count(to);
	uint8_t chunk[512];
	int64_t n = console_input_read(chunk, len < sizeof(chunk) ? len : sizeof(chunk),
				       termios.c_lflag & ICANON, f->flags & O_NONBLOCK);
	if (n > 0 && copy_to_iter(chunk, (size_t)n, to) < (size_t)n)
		return -EFAULT;
	return n;
}

/* Marks the open file of descriptor 2 at boot: its output is stderr. */
static const char stderr_mark;

void console_tty_make_stderr(struct file *f)
{
	f->priv = (void *)&stderr_mark;
}

static int64_t tty_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	size_t len = iov_iter_count(from);
	char chunk[2048];
	unsigned stream = f->priv == &stderr_mark ? CONSOLE_STDERR : CONSOLE_STDOUT;
	bool onlcr = (termios.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR);
	size_t done = 0;
	int64_t rc = 0;
	while (done < len && rc >= 0) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (copy_from_iter(chunk, n, from) < n) {
			rc = -EFAULT;
			break;
		}
		if (!onlcr) {
			rc = console_out_write(stream, chunk, n);
		} else {
			size_t start = 0;
			for (size_t i = 0; i < n && rc >= 0; i++) {
				if (chunk[i] == '\n') {
					rc = console_out_write(stream, chunk + start, i - start);
					if (rc >= 0)
						rc = console_out_write(stream, "\r\n", 2);
					start = i + 1;
				}
			}
			if (rc >= 0)
				rc = console_out_write(stream, chunk + start, n - start);
		}
		if (rc >= 0)
			done += n;
	}
	console_out_push(stream);
	return done ? (int64_t)done : rc;
}

static int tty_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	void *p = (void *)arg;
	switch (cmd) {
	case TCGETS:
		return copy_to_user(p, &termios, sizeof(termios)) < 0 ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&termios, p, sizeof(termios)) < 0)
			return -EFAULT;
		if (cmd == TCSETSF)
			console_input_flush(); /* tcsetattr(TCSAFLUSH) */
		return 0;
	case TIOCGWINSZ:
		return copy_to_user(p, &winsize, sizeof(winsize)) < 0 ? -EFAULT : 0;
	case TIOCSWINSZ:
		return copy_from_user(&winsize, p, sizeof(winsize)) < 0 ? -EFAULT : 0;
	case TIOCGPGRP:
	case TIOCGSID: {
		int pid = proc.pid;
		return copy_to_user(p, &pid, sizeof(pid)) < 0 ? -EFAULT : 0;
	}
	case FIONREAD: {
		int waiting = (int)console_input_pending();
		return copy_to_user(p, &waiting, sizeof(waiting)) < 0 ? -EFAULT : 0;
	}
	case TIOCOUTQ: {
		int zero = 0; /* output leaves at once */
		return copy_to_user(p, &zero, sizeof(zero)) < 0 ? -EFAULT : 0;
	}
	case TCSBRK:
		return 0; /* output leaves at once: nothing to drain */
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		if (arg != TCOFLUSH)
			console_input_flush(); /* output is never queued */
		return 0;
	default:
		return -ENOTTY;
	}
}

static unsigned tty_poll(struct file *f)
{
	return (console_input_readable(termios.c_lflag & ICANON) ? 0x1 : 0) | 0x4; /* IN|OUT */
}

const struct file_ops console_tty_ops = {
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
};
