/*
 * Mounting at a path the user names (host volumes: -v HOST:/data), which
 * the image may lack. A missing directory is made with mkdir where its
 * parent is writable; under a read-only parent (the image's root file
 * system) it becomes a stub: an empty directory that path walks find under
 * that name, as Docker's bind mounts appear in a read-only image. readdir
 * of the parent does not list a stub.
 */
#include "fs/namei.h"
#include "fs/tmpfs.h"
#include "fs/vfs.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

struct mount_stub {
	struct mount_stub *next;
	struct inode *parent;
	struct inode *dir;
};

/* The stubs made so far; owned by this file, they live as long as the kernel. */
static struct mount_stub *stubs;

int vfs_mount_stub_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	for (struct mount_stub *s = stubs; s; s = s->next) {
		if (s->parent == dir && s->dir->name_len == len && memcmp(s->dir->name, name, len) == 0) {
			*out = inode_get(s->dir);
			return 0;
		}
	}
	return -ENOENT;
}

static int make_stub(struct inode *parent, const char *name, size_t len)
{
	struct mount_stub *s = kzalloc(sizeof(*s));
	char *copy = kmalloc(len + 1);
	struct superblock *sb = tmpfs_new(parent->sb->dev, 0755);
	if (!s || !copy || !sb) {
		kfree(s);
		kfree(copy);
		return -ENOMEM; /* a tmpfs superblock that failed half-way is not worth freeing */
	}
	memcpy(copy, name, len);
	copy[len] = '\0';
	s->parent = inode_get(parent);
	s->dir = sb->root;
	s->dir->parent = parent;
	s->dir->name = copy;
	s->dir->name_len = len;
	s->next = stubs;
	stubs = s;
	return 0;
}

/* Makes the last component of the walk's parent (w: WALK_PARENT, missing). */
static int make_dir(struct walk_result *w)
{
	struct inode *dir = w->dir;
	if (!dir->sb->readonly && dir->ops->mkdir)
		return dir->ops->mkdir(dir, w->last, w->last_len, 0755);
	return make_stub(dir, w->last, w->last_len);
}

int vfs_mount_at_path(const char *path, struct superblock *sb)
{
	size_t len = strlen(path);
	if (path[0] != '/' || len >= PATH_MAX)
		return -EINVAL;
	char *prefix = kmalloc(len + 1);
	if (!prefix)
		return -ENOMEM;
	int rc = 0;
	/* Each prefix that ends a component, from the top down. */
	for (size_t i = 1; i <= len && rc == 0; i++) {
		if (i < len && path[i] != '/')
			continue;
		if (path[i - 1] == '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		struct walk_result w;
		rc = path_walk(vfs_root, prefix, WALK_PARENT | WALK_FOLLOW, &w);
		if (rc < 0)
			break;
		if (!w.inode)
			rc = make_dir(&w);
		else if (!S_ISDIR(w.inode->mode))
			rc = -ENOTDIR;
		walk_release(&w);
	}
	if (rc == 0) {
		struct walk_result w;
		rc = path_walk(vfs_root, path, WALK_FOLLOW | WALK_DIRECTORY, &w);
		if (rc == 0) {
			rc = vfs_mount(w.inode, sb);
			walk_release(&w);
		}
	}
	kfree(prefix);
	return rc;
}
