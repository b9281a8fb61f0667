/*
 * AF_UNIX sockets (unix(7)): stream, datagram and seqpacket; socketpair;
 * names in the file system (an S_IFSOCK node) or the abstract namespace;
 * SCM_RIGHTS descriptor passing. This file names sockets; net/local.c
 * carries their data.
 */
#include "core/process.h"
#include "fs/namei.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "net/local.h"

#define UNIX_PATH_MAX 108

struct unix_name {
	struct inode *inode;   /* the S_IFSOCK node of a path name */
	struct lsock *next;    /* in the list of bound sockets */
};

/* Bound sockets, by file-system node or abstract name. */
static struct lsock *bound;

static struct unix_name *uname_of(struct lsock *u)
{
	return (struct unix_name *)u->priv;
}

static bool is_abstract(const struct local_addr *a)
{
	return a->len > 2 && a->bytes[2] == '\0';
}

static struct lsock *find_bound(const struct local_addr *a, struct inode *ino)
{
	for (struct lsock *u = bound; u; u = uname_of(u)->next) {
		if (ino && uname_of(u)->inode == ino)
			return u;
		if (!ino && is_abstract(&u->addr) && local_addr_equal(&u->addr, a))
			return u;
	}
	return NULL;
}

/* Checks and copies a sockaddr_un; a path gets its length up to the NUL. */
static int unix_parse(struct lsock *u, const void *addr, size_t len, struct local_addr *out)
{
	if (len < 2 || len > LOCAL_ADDR_MAX)
		return -EINVAL;
	const uint8_t *b = addr;
	if ((b[0] | b[1] << 8) != AF_UNIX)
		return -EINVAL;
	memcpy(out->bytes, b, len);
	out->len = len;
	if (len > 2 && b[2] != '\0') {
		size_t n = strnlen((const char *)b + 2, len - 2);
		out->len = 2 + n + 1; /* Linux reports the path with its NUL */
		if (2 + n < LOCAL_ADDR_MAX)
			out->bytes[2 + n] = '\0';
		else
			out->len = LOCAL_ADDR_MAX;
	}
	return 0;
}

static int path_of(const struct local_addr *a, char *path)
{
	size_t n = a->len > 2 ? strnlen((const char *)a->bytes + 2, a->len - 2) : 0;
	if (n == 0)
		return -EINVAL;
	memcpy(path, a->bytes + 2, n);
	path[n] = '\0';
	return 0;
}

/* The bound socket an address names: -ECONNREFUSED when nobody is there. */
static int unix_find(struct lsock *u, const struct local_addr *a, struct lsock **out,
		     struct local_addr *src)
{
	struct inode *ino = NULL;
	*src = u->addr;
	if (!is_abstract(a)) {
		char path[LOCAL_ADDR_MAX];
		int rc = path_of(a, path);
		if (rc < 0)
			return rc;
		struct walk_result w;
		rc = path_walk(path[0] == '/' ? vfs_root : proc.cwd, path, WALK_FOLLOW, &w);
		if (rc < 0)
			return rc;
		ino = w.inode;
		bool sock = S_ISSOCK(ino->mode);
		walk_release(&w);
		if (!sock)
			return -ECONNREFUSED;
	}
	struct lsock *target = find_bound(a, ino);
	if (!target)
		return -ECONNREFUSED;
	*out = target;
	return 0;
}

/* Autobind: a fresh abstract name of five hex digits. */
static void autobind_name(struct local_addr *a)
{
	static unsigned next_auto = 1;
	const char *hex = "0123456789abcdef";
	a->bytes[2] = '\0';
	do {
		unsigned v = next_auto++;
		for (int i = 0; i < 5; i++)
			a->bytes[3 + i] = (uint8_t)hex[(v >> (16 - 4 * i)) & 15];
		a->len = 8;
	} while (find_bound(a, NULL));
}

/* Makes the S_IFSOCK node a path name stands for. */
static int make_node(const struct local_addr *a, struct inode **node)
{
	char path[LOCAL_ADDR_MAX];
	int rc = path_of(a, path);
	if (rc < 0)
		return rc;
	struct walk_result w;
	rc = path_walk(path[0] == '/' ? vfs_root : proc.cwd, path, WALK_PARENT, &w);
	if (rc < 0)
		return rc;
	if (w.inode)
		rc = -EADDRINUSE;
	else if (w.dir->sb->readonly)
		rc = -EROFS;
	else if (!w.dir->ops->mknod)
		rc = -EPERM;
	else
		rc = w.dir->ops->mknod(w.dir, w.last, w.last_len, S_IFSOCK | (0777 & ~proc.umask), 0);
	if (rc == 0)
		rc = w.dir->ops->lookup(w.dir, w.last, w.last_len, node);
	walk_release(&w);
	return rc;
}

static int unix_bind(struct lsock *u, const void *addr, size_t len)
{
	struct local_addr a;
	int rc = unix_parse(u, addr, len, &a);
	if (rc < 0)
		return rc;
	if (u->addr.len)
		return -EINVAL; /* already bound */
	if (a.len == 2)
		autobind_name(&a);
	else if (is_abstract(&a) && find_bound(&a, NULL))
		return -EADDRINUSE;
	else if (!is_abstract(&a) && (rc = make_node(&a, &uname_of(u)->inode)) < 0)
		return rc;
	u->addr = a;
	uname_of(u)->next = bound;
	bound = u;
	return 0;
}

static int unix_listen(struct lsock *u)
{
	return u->addr.len ? 0 : -EINVAL; /* unix sockets must be bound to listen */
}

static size_t unix_format(const struct lsock *viewer, const struct local_addr *a, void *out)
{
	uint16_t fam = AF_UNIX;
	size_t len = a->len ? a->len : 2; /* unnamed: the family alone */
	memcpy(out, a->bytes, len);
	memcpy(out, &fam, 2);
	return len;
}

static void unix_release(struct lsock *u)
{
	for (struct lsock **pp = &bound; *pp; pp = &uname_of(*pp)->next) {
		if (*pp == u) {
			*pp = uname_of(u)->next;
			break;
		}
	}
	if (uname_of(u)->inode) {
		inode_put(uname_of(u)->inode);
		uname_of(u)->inode = NULL;
	}
}

static const struct local_family unix_family = {
	.priv_size = sizeof(struct unix_name),
	.max_dgram = 212992,
	.bind = unix_bind,
	.parse = unix_parse,
	.find = unix_find,
	.listen = unix_listen,
	.format = unix_format,
	.release = unix_release,
};

static int check_type(int type, int protocol)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	return 0;
}

int unix_socket_create(int type, int protocol, unsigned file_flags, struct file **out)
{
	int rc = check_type(type, protocol);
	if (rc < 0)
		return rc;
	struct lsock *u = lsock_new(&unix_family, AF_UNIX, type, 0);
	if (!u)
		return -ENOMEM;
	rc = lsock_open(u, file_flags, out);
	if (rc < 0)
		lsock_unref(u);
	return rc;
}

int unix_socketpair(int type, int protocol, unsigned file_flags, struct file **a, struct file **b)
{
	int rc = unix_socket_create(type, protocol, file_flags, a);
	if (rc < 0)
		return rc;
	rc = unix_socket_create(type, protocol, file_flags, b);
	if (rc < 0) {
		file_put(*a);
		return rc;
	}
	lsock_pair(lsock_of(socket_of(*a)), lsock_of(socket_of(*b)));
	return 0;
}
