#include "linux/trace.h"

#include <stdbool.h>

#include "core/console.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "uapi/mman.h"
#include "mm/uaccess.h"

struct line {
	char buf[480];
	size_t len;
};

static void add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct line *l, const char *fmt, ...)
{
	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	l->len += (size_t)n;
	if (l->len > sizeof(l->buf) - 1)
		l->len = sizeof(l->buf) - 1;
}

static void add_escaped(struct line *l, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\')
			add(l, "\\%c", c);
		else if (c == '\n')
			add(l, "\\n");
		else if (c == '\t')
			add(l, "\\t");
		else if (c < 32 || c >= 127)
			add(l, "\\x%02x", c);
		else
			add(l, "%c", c);
	}
}

static void add_string(struct line *l, uint64_t p)
{
	if (!p) {
		add(l, "NULL");
		return;
	}
	char s[65];
	long n = strncpy_from_user(s, (const char *)p, sizeof(s));
	if (n == -EFAULT) {
		add(l, "%#lx", p);
		return;
	}
	bool cut = n < 0;
	add(l, "\"");
	add_escaped(l, (const unsigned char *)s, cut ? sizeof(s) - 1 : (size_t)n);
	add(l, cut ? "\"..." : "\"");
}

static void add_buffer(struct line *l, uint64_t p, uint64_t len)
{
	unsigned char s[32];
	size_t n = len < sizeof(s) ? len : sizeof(s);
	if (!p || copy_from_user(s, (const void *)p, n) < 0) {
		add(l, "%#lx", p);
		return;
	}
	add(l, "\"");
	add_escaped(l, s, n);
	add(l, len > n ? "\"..." : "\"");
}

struct flag_name {
	uint64_t bit;
	const char *name;
};

static void add_flags(struct line *l, uint64_t v, const struct flag_name *names, const char *zero)
{
	bool first = true;
	for (const struct flag_name *f = names; f->name; f++) {
		if (f->bit && (v & f->bit) == f->bit) {
			add(l, "%s%s", first ? "" : "|", f->name);
			v &= ~f->bit;
			first = false;
		}
	}
	if (v) {
		add(l, "%s%#lx", first ? "" : "|", v);
		first = false;
	}
	if (first)
		add(l, "%s", zero);
}

static const struct flag_name open_flags[] = {
	{ O_WRONLY, "O_WRONLY" }, { O_RDWR, "O_RDWR" }, { O_CREAT, "O_CREAT" },
	{ O_EXCL, "O_EXCL" }, { O_NOCTTY, "O_NOCTTY" }, { O_TRUNC, "O_TRUNC" },
	{ O_APPEND, "O_APPEND" }, { O_NONBLOCK, "O_NONBLOCK" }, { O_DIRECTORY, "O_DIRECTORY" },
	{ O_NOFOLLOW, "O_NOFOLLOW" }, { O_CLOEXEC, "O_CLOEXEC" }, { O_PATH, "O_PATH" },
	{ O_LARGEFILE, "O_LARGEFILE" }, { 0, NULL },
};

static const struct flag_name prot_flags[] = {
	{ PROT_READ, "PROT_READ" }, { PROT_WRITE, "PROT_WRITE" }, { PROT_EXEC, "PROT_EXEC" },
	{ 0, NULL },
};

static const struct flag_name map_flags[] = {
	{ MAP_SHARED, "MAP_SHARED" }, { MAP_PRIVATE, "MAP_PRIVATE" }, { MAP_FIXED, "MAP_FIXED" },
	{ MAP_ANONYMOUS, "MAP_ANONYMOUS" }, { MAP_NORESERVE, "MAP_NORESERVE" },
	{ MAP_STACK, "MAP_STACK" }, { MAP_DENYWRITE, "MAP_DENYWRITE" },
	{ MAP_POPULATE, "MAP_POPULATE" }, { MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE" },
	{ MAP_GROWSDOWN, "MAP_GROWSDOWN" }, { 0, NULL },
};

/* v is the argument, next the one after it, ret the call's result. */
static void add_arg(struct line *l, char kind, uint64_t v, uint64_t next, long ret)
{
	switch (kind) {
	case 'd':
		add(l, "%d", (int)v);
		break;
	case 'l':
		add(l, "%ld", (long)v);
		break;
	case 'u':
		add(l, "%lu", v);
		break;
	case 'f':
		if ((int)v == AT_FDCWD)
			add(l, "AT_FDCWD");
		else
			add(l, "%d", (int)v);
		break;
	case 's':
		add_string(l, v);
		break;
	case 'b':
		add_buffer(l, v, next);
		break;
	case 'B':
		/* Filled by the call: only the bytes it returned mean anything
		 * (as strace shows a read), none when it failed. */
		if (ret < 0)
			add(l, "%#lx", v);
		else
			add_buffer(l, v, (uint64_t)ret < next ? (uint64_t)ret : next);
		break;
	case 'o':
		if ((v & O_ACCMODE) == O_RDONLY) {
			add(l, "O_RDONLY");
			if (v)
				add(l, "|");
		}
		if (v)
			add_flags(l, v, open_flags, "0");
		break;
	case 'm':
		add(l, "0%lo", v);
		break;
	case 'P':
		add_flags(l, v, prot_flags, "PROT_NONE");
		break;
	case 'M':
		add_flags(l, v, map_flags, "0");
		break;
	case 'p':
		if (v)
			add(l, "%#lx", v);
		else
			add(l, "NULL");
		break;
	default:
		add(l, "%#lx", v);
	}
}

void trace_syscall(uint64_t nr, const char *name, const char *format, const struct regs *r,
		   long ret)
{
	struct line l = { .len = 0 };
	const uint64_t args[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	if (!name)
		name = nr < SYSCALL_MAX ? syscall_names[nr] : NULL;
	if (name)
		add(&l, "%s(", name);
	else
		add(&l, "syscall_%lu(", nr);
	if (format) {
		const char *f = format + 2; /* skip "k:" */
		for (int i = 0; f[i] && i < 6; i++) {
			if (i)
				add(&l, ", ");
			add_arg(&l, f[i], args[i], i < 5 ? args[i + 1] : 0, ret);
		}
	} else {
		add(&l, "%#lx, %#lx, %#lx, ...", args[0], args[1], args[2]);
	}
	add(&l, ")");
	char kind = format ? format[0] : 'd';
	if (kind == 'n') {
		add(&l, " = ?");
	} else if (ret < 0 && ret >= -ERRNO_MAX) {
		add(&l, " = -1 %s (%s)", errno_name((int)-ret), errno_message((int)-ret));
		if (!format)
			add(&l, " [not implemented]");
	} else if (kind == 'x') {
		add(&l, " = %#lx", (uint64_t)ret);
	} else {
		add(&l, " = %ld", ret);
	}
	l.buf[l.len] = '\0';
	control_record("trace %s", l.buf);
}
