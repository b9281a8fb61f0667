#include "net/socket.h"

#include "fs/anon_inode.h"
#include "fs/poll.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "mm/kmalloc.h"

#define SOCKFS_MAGIC 0x534f434b

static struct superblock sockfs = { .type = "sockfs", .magic = SOCKFS_MAGIC, .dev = 14 };

static const struct file_ops socket_file_ops;

struct socket *socket_of(struct file *f)
{
	return f && f->ops == &socket_file_ops ? f->priv : NULL;
}

/* read(2) and write(2) on a socket are one message of all the buffer (a
 * writev to a datagram socket sends one datagram, as on Linux). */
static int64_t sock_read(struct file *f, struct iov_iter *to, uint64_t *pos)
{
	struct socket *s = f->priv;
	struct kmsg m = { .data = to };
	return s->ops->recvmsg(s, &m, 0, f->flags & O_NONBLOCK);
}

static int64_t sock_write(struct file *f, struct iov_iter *from, uint64_t *pos)
{
	struct socket *s = f->priv;
	struct kmsg m = { .data = from };
	return s->ops->sendmsg(s, &m, 0, f->flags & O_NONBLOCK);
}

static unsigned sock_poll(struct file *f)
{
	struct socket *s = f->priv;
	return s->ops->poll(s);
}

static uint64_t sock_generation(struct file *f)
{
	struct socket *s = f->priv;
	return s->ops->poll_generation ? s->ops->poll_generation(s) : 0;
}

static int sock_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct socket *s = f->priv;
	int rc = s->ops->ioctl ? s->ops->ioctl(s, cmd, arg) : -ENOTTY;
	/* As Linux: what the family does not know may be about interfaces. */
	return rc == -ENOTTY ? netdev_ioctl(s->family, cmd, arg) : rc;
}

static void sock_release(struct file *f)
{
	struct socket *s = f->priv;
	s->ops->release(s);
	kfree(s);
	poll_notify();
}

static const struct file_ops socket_file_ops = {
	.read = sock_read,
	.write = sock_write,
	.poll = sock_poll,
	.poll_generation = sock_generation,
	.ioctl = sock_ioctl,
	.release = sock_release,
};

static void sockfs_evict(struct inode *ino)
{
	kfree(ino);
}

static const struct inode_ops sockfs_ops = { .evict = sockfs_evict };

int socket_create_file(int family, int type, int protocol, void *priv,
		       const struct socket_ops *ops, unsigned file_flags, struct socket **out,
		       struct file **file)
{
	struct socket *s = kzalloc(sizeof(*s));
	struct inode *ino = s ? inode_new(&sockfs, S_IFSOCK | 0777) : NULL;
	if (!ino) {
		kfree(s);
		return -ENFILE;
	}
	ino->ops = &sockfs_ops;
	struct file *f = file_new(ino, &socket_file_ops, O_RDWR | file_flags);
	inode_put(ino);
	if (!f) {
		kfree(s);
		return -ENFILE;
	}
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->ops = ops;
	s->priv = priv;
	s->file = f;
	f->priv = s;
	file_set_path(f, "socket:[%lu]", ino->ino);
	*out = s;
	*file = f;
	return 0;
}
