#include "fs/namei.h"

#include "fs/permission.h"
#include "sched/thread.h"

#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

#define MAX_SYMLINKS 40

void walk_release(struct walk_result *r)
{
	inode_put(r->inode);
	inode_put(r->dir);
	r->inode = r->dir = NULL;
}

static int lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	if (!S_ISDIR(dir->mode) || !dir->ops->lookup)
		return -ENOTDIR;
	int rc = inode_permission(dir, MAY_EXEC);
	if (rc < 0)
		return rc;
	if (len == 1 && name[0] == '.') {
		*out = inode_get(dir);
		return 0;
	}
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		*out = inode_get(vfs_parent(dir));
		return 0;
	}
	rc = dir->ops->lookup(dir, name, len, out);
	if (rc == -ENOENT)
		rc = vfs_mount_stub_lookup(dir, name, len, out);
	if (rc < 0)
		return rc;
	while ((*out)->mounted) {
		struct inode *root = inode_get((*out)->mounted);
		inode_put(*out);
		*out = root;
	}
	return 0;
}

/* Replaces the walk's remaining path with the link's target followed by
 * rest (which is empty or starts with '/'). */
static int splice_symlink(struct inode *link, const char *rest, char *dst)
{
	int n = link->ops->readlink(link, dst, PATH_MAX);
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	size_t rest_len = strlen(rest);
	if ((size_t)n + rest_len >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(dst + n, rest, rest_len + 1);
	return 0;
}

static char *walk_buffer_take(void)
{
	struct thread *t = current;
	if (t && !t->walk_buf_busy) {
		if (!t->walk_buf)
			t->walk_buf = kmalloc(2 * PATH_MAX);
		if (t->walk_buf) {
			t->walk_buf_busy = true;
			return t->walk_buf;
		}
	}
	return kmalloc(2 * PATH_MAX);
}

static void walk_buffer_give(char *buf)
{
	if (current && buf == current->walk_buf)
		current->walk_buf_busy = false;
	else
		kfree(buf);
}

int path_walk(struct inode *start, const char *path, unsigned flags, struct walk_result *out)
{
	out->dir = out->inode = NULL;
	out->last[0] = '\0';
	out->last_len = 0;
	out->trailing_slash = false;
	if (!path[0])
		return -ENOENT;
	size_t plen = strnlen(path, PATH_MAX);
	if (plen >= PATH_MAX)
		return -ENAMETOOLONG;

	/* The thread's own walk buffer; a nested walk (rare) gets its own. */
	char *bufs = walk_buffer_take();
	if (!bufs)
		return -ENOMEM;
	char *cur = bufs, *spare = bufs + PATH_MAX;
	memcpy(cur, path, plen + 1);

	int rc = 0, links = 0;
	struct inode *dir = inode_get(path[0] == '/' ? vfs_root : start);
	const char *p = cur;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			/* "/" or a path that ends in slashes after a directory. */
			out->dir = inode_get(dir);
			out->inode = dir;
			out->last[0] = '.';
			out->last[1] = '\0';
			out->last_len = 1;
			dir = NULL;
			break;
		}
		const char *q = p;
		while (*q && *q != '/')
			q++;
		size_t len = (size_t)(q - p);
		if (len > NAME_MAX) {
			rc = -ENAMETOOLONG;
			break;
		}
		const char *next = q;
		while (*next == '/')
			next++;
		bool is_last = !*next;
		bool trailing = q != next;

		struct inode *child = NULL;
		rc = lookup(dir, p, len, &child);
		if (rc == -ENOENT && is_last && (flags & WALK_PARENT)) {
			memcpy(out->last, p, len);
			out->last[len] = '\0';
			out->last_len = len;
			out->trailing_slash = trailing;
			out->dir = dir;
			dir = NULL;
			rc = 0;
			break;
		}
		if (rc < 0)
			break;

		if (S_ISLNK(child->mode) && (!is_last || trailing || (flags & WALK_FOLLOW))) {
			if (++links > MAX_SYMLINKS) {
				inode_put(child);
				rc = -ELOOP;
				break;
			}
			rc = splice_symlink(child, q, spare);
			inode_put(child);
			if (rc < 0)
				break;
			char *t = cur;
			cur = spare;
			spare = t;
			p = cur;
			if (cur[0] == '/') {
				inode_put(dir);
				dir = inode_get(vfs_root);
			}
			continue;
		}

		if (!is_last) {
			if (!S_ISDIR(child->mode)) {
				inode_put(child);
				rc = -ENOTDIR;
				break;
			}
			inode_put(dir);
			dir = child;
			p = next;
			continue;
		}

		memcpy(out->last, p, len);
		out->last[len] = '\0';
		out->last_len = len;
		out->trailing_slash = trailing;
		out->dir = dir;
		out->inode = child;
		dir = NULL;
		break;
	}
	inode_put(dir);
	walk_buffer_give(bufs);
	if (rc == 0 && out->inode && !S_ISDIR(out->inode->mode) &&
	    (out->trailing_slash || (flags & WALK_DIRECTORY)))
		rc = -ENOTDIR;
	if (rc < 0)
		walk_release(out);
	return rc;
}

int inode_dir_path(struct inode *dir, char *buf, size_t size)
{
	size_t pos = size;
	buf[--pos] = '\0';
	while (dir != vfs_root) {
		if (!dir->parent && dir->sb->mountpoint) {
			dir = dir->sb->mountpoint;
			continue;
		}
		if (!dir->parent)
			return -ENOENT; /* removed, or outside the namespace */
		if (dir->name_len + 1 > pos)
			return -ENAMETOOLONG;
		pos -= dir->name_len;
		memcpy(buf + pos, dir->name, dir->name_len);
		buf[--pos] = '/';
		dir = dir->parent;
	}
	if (pos == size - 1)
		buf[--pos] = '/';
	size_t len = size - 1 - pos;
	memmove(buf, buf + pos, len + 1);
	return (int)len;
}
