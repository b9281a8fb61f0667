#include "fs/anon_inode.h"

#include "lib/fmt.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

#define ANON_INODE_FS_MAGIC 0x09041934

static struct superblock anonfs = { .type = "anon_inodefs", .magic = ANON_INODE_FS_MAGIC, .dev = 13 };

static void anon_evict(struct inode *ino)
{
	kfree(ino);
}

static const struct inode_ops anon_ops = { .evict = anon_evict };

void file_set_name(struct file *f, const char *name)
{
	size_t len = strlen(name);
	kfree(f->path);
	f->path = kmalloc(len + 1);
	if (f->path)
		memcpy(f->path, name, len + 1);
}

void file_set_path(struct file *f, const char *fmt, uint64_t n)
{
	char buf[64];
	format(buf, sizeof(buf), fmt, n);
	file_set_name(f, buf);
}

struct file *anon_file_new(const char *kind, const struct file_ops *ops, void *priv,
			   unsigned flags)
{
	/* Linux gives anonymous inodes no file type, just rw for the owner. */
	struct inode *ino = inode_new(&anonfs, 0600);
	if (!ino)
		return NULL;
	ino->ops = &anon_ops;
	struct file *f = file_new(ino, ops, flags);
	inode_put(ino);
	if (!f)
		return NULL;
	f->priv = priv;
	char fmt[48];
	format(fmt, sizeof(fmt), "anon_inode:%s", kind);
	file_set_path(f, fmt, 0);
	return f;
}
