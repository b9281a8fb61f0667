/*
 * Extended attributes as tmpfs keeps them: a list of (name, value) per
 * inode. The user, trusted and security namespaces are stored; user.*
 * attributes only on regular files and directories (EPERM elsewhere, as
 * on Linux); system.* (ACLs) is not supported.
 */
#include "fs/xattr.h"

#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

struct xattr {
	struct xattr *next;
	size_t name_len, size;
	char *name;
	uint8_t *value;
};

static bool prefixed(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0 && name[strlen(prefix)];
}

static int check(struct inode *ino, const char *name)
{
	if (ino->sb->readonly || ino->sb->no_xattrs)
		return -EOPNOTSUPP;
	if (prefixed(name, "user.")) {
		if (!S_ISREG(ino->mode) && !S_ISDIR(ino->mode))
			return -EPERM;
		return 0;
	}
	if (prefixed(name, "trusted.") || prefixed(name, "security."))
		return 0;
	return -EOPNOTSUPP;
}

static struct xattr **find(struct inode *ino, const char *name)
{
	struct xattr **pp = (struct xattr **)&ino->xattrs;
	for (; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0)
			return pp;
	return NULL;
}

int xattr_set(struct inode *ino, const char *name, const void *value, size_t size, int flags)
{
	if (ino->sb->readonly && (prefixed(name, "user.") || prefixed(name, "trusted.") ||
				  prefixed(name, "security.")))
		return -EROFS;
	int rc = check(ino, name);
	if (rc < 0)
		return rc;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	struct xattr **pp = find(ino, name);
	if ((flags & XATTR_CREATE) && pp)
		return -EEXIST;
	if ((flags & XATTR_REPLACE) && !pp)
		return -ENODATA;
	uint8_t *copy = kmalloc(size ? size : 1);
	if (!copy)
		return -ENOSPC;
	memcpy(copy, value, size);
	if (pp) {
		kfree((*pp)->value);
		(*pp)->value = copy;
		(*pp)->size = size;
	} else {
		struct xattr *x = kmalloc(sizeof(*x));
		size_t n = strlen(name);
		char *nm = kmalloc(n + 1);
		if (!x || !nm) {
			kfree(x);
			kfree(nm);
			kfree(copy);
			return -ENOSPC;
		}
		memcpy(nm, name, n + 1);
		*x = (struct xattr){ ino->xattrs, n, size, nm, copy };
		ino->xattrs = x;
	}
	inode_touch(ino, false, true);
	return 0;
}

long xattr_get(struct inode *ino, const char *name, void *buf, size_t size)
{
	if (ino->sb->no_xattrs)
		return -EOPNOTSUPP;
	if (!prefixed(name, "user.") && !prefixed(name, "trusted.") && !prefixed(name, "security."))
		return -EOPNOTSUPP;
	struct xattr **pp = find(ino, name);
	if (!pp)
		return -ENODATA;
	if (size == 0)
		return (long)(*pp)->size;
	if (size < (*pp)->size)
		return -ERANGE;
	memcpy(buf, (*pp)->value, (*pp)->size);
	return (long)(*pp)->size;
}

long xattr_list(struct inode *ino, char *buf, size_t size)
{
	if (ino->sb->no_xattrs)
		return -EOPNOTSUPP;
	size_t total = 0;
	for (struct xattr *x = ino->xattrs; x; x = x->next)
		total += x->name_len + 1;
	if (size == 0)
		return (long)total;
	if (size < total)
		return -ERANGE;
	for (struct xattr *x = ino->xattrs; x; x = x->next) {
		memcpy(buf, x->name, x->name_len + 1);
		buf += x->name_len + 1;
	}
	return (long)total;
}

int xattr_remove(struct inode *ino, const char *name)
{
	if (ino->sb->readonly)
		return -EROFS;
	int rc = check(ino, name);
	if (rc < 0)
		return rc;
	struct xattr **pp = find(ino, name);
	if (!pp)
		return -ENODATA;
	struct xattr *x = *pp;
	*pp = x->next;
	kfree(x->name);
	kfree(x->value);
	kfree(x);
	inode_touch(ino, false, true);
	return 0;
}

void xattr_free_all(struct inode *ino)
{
	while (ino->xattrs) {
		struct xattr *x = ino->xattrs;
		ino->xattrs = x->next;
		kfree(x->name);
		kfree(x->value);
		kfree(x);
	}
}
