#include "fs/fdtable.h"

#include "fs/locks.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

struct fd_table {
	struct fd_slot *slots;
	int capacity;
	uint64_t limit; /* RLIMIT_NOFILE's soft limit */
};

struct fd_table *fd_table_new(void)
{
	struct fd_table *t = kzalloc(sizeof(*t));
	if (t)
		t->limit = FD_LIMIT_DEFAULT;
	return t;
}

void fd_table_set_limit(struct fd_table *t, uint64_t limit)
{
	t->limit = limit;
}

int fd_table_capacity(const struct fd_table *t)
{
	return t->capacity;
}

static int grow(struct fd_table *t, int need)
{
	if (need <= t->capacity)
		return 0;
	int cap = t->capacity ? t->capacity : 64;
	while (cap < need)
		cap *= 2;
	struct fd_slot *s = kzalloc(sizeof(*s) * (size_t)cap);
	if (!s)
		return -ENOMEM;
	if (t->slots)
		memcpy(s, t->slots, sizeof(*s) * (size_t)t->capacity);
	kfree(t->slots);
	t->slots = s;
	t->capacity = cap;
	return 0;
}

/* RLIMIT_NOFILE, never above the hard maximum: every descriptor below it
 * is a valid int index. */
static unsigned fd_limit(const struct fd_table *t)
{
	uint64_t cur = t->limit;
	return cur < FD_LIMIT_MAX ? (unsigned)cur : FD_LIMIT_MAX;
}

int fd_install(struct fd_table *t, struct file *f, unsigned min, bool cloexec)
{
	unsigned limit = fd_limit(t);
	if (min >= limit)
		return -EINVAL;
	for (int fd = (int)min; fd < (int)limit; fd++) {
		if (fd >= t->capacity && grow(t, fd + 1) < 0)
			return -ENOMEM;
		if (!t->slots[fd].file) {
			t->slots[fd].file = f;
			t->slots[fd].cloexec = cloexec;
			return fd;
		}
	}
	return -EMFILE;
}

int fd_install_at(struct fd_table *t, struct file *f, unsigned ufd, bool cloexec)
{
	if (ufd >= fd_limit(t))
		return -EBADF;
	int fd = (int)ufd;
	if (grow(t, fd + 1) < 0)
		return -ENOMEM;
	struct file *old = t->slots[fd].file;
	t->slots[fd].file = f;
	t->slots[fd].cloexec = cloexec;
	if (old) {
		locks_descriptor_closed(old);
		file_put(old);
	}
	return fd;
}

struct fd_slot *fd_slot(struct fd_table *t, int fd)
{
	if (fd < 0 || fd >= t->capacity || !t->slots[fd].file)
		return NULL;
	return &t->slots[fd];
}

struct file *fd_lookup(struct fd_table *t, int fd)
{
	struct fd_slot *s = fd_slot(t, fd);
	return s ? s->file : NULL;
}

void fd_close_all(struct fd_table *t)
{
	for (int fd = 0; fd < t->capacity; fd++)
		if (fd_slot(t, fd))
			fd_close(t, fd);
}

int fd_close(struct fd_table *t, int fd)
{
	struct fd_slot *s = fd_slot(t, fd);
	if (!s)
		return -EBADF;
	struct file *f = s->file;
	s->file = NULL;
	s->cloexec = false;
	locks_descriptor_closed(f);
	file_put(f);
	return 0;
}
