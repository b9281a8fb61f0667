/*
 * The epoll service: an epoll instance is an open file holding an interest
 * list of (descriptor, open file) items, checked against the files' ready
 * masks (fs/poll.h) when it is waited on. linux/epoll.c decodes the epoll
 * syscalls into these calls; the VFS tells it when a watched file is
 * finally closed. Event masks are poll's bits plus uapi/eventpoll.h's
 * flags.
 */
#ifndef UPY_FS_EVENTPOLL_EVENTPOLL_H
#define UPY_FS_EVENTPOLL_EVENTPOLL_H

#include <stdbool.h>
#include <stdint.h>

struct file;
struct epoll_event;

/* A new instance, as an open file "[eventpoll]" (one reference, the
 * caller's); -ENOMEM or -ENFILE. */
int eventpoll_create(struct file **out);
/* Whether f is an epoll instance. */
bool eventpoll_is(struct file *f);

/* Changing the interest list of the instance ep (an eventpoll_is file)
 * for target, open as descriptor fd; target is never ep itself. */
/* -EEXIST when watched already, -EINVAL for an epoll target (nested epoll
 * is not implemented), -ENOMEM. */
int eventpoll_add(struct file *ep, int fd, struct file *target, uint32_t events, uint64_t data);
/* -ENOENT when not watched, -EINVAL for EPOLLEXCLUSIVE (set only by add). */
int eventpoll_modify(struct file *ep, int fd, struct file *target, uint32_t events, uint64_t data);
/* -ENOENT when not watched. */
int eventpoll_remove(struct file *ep, int fd, struct file *target);

/* Copies up to max (> 0) ready events to the app's array uev, waiting
 * for one until the deadline (monotonic ns, 0 = none) unless now; returns
 * how many (0 at the deadline), -EFAULT when not even the first could be
 * copied, or -EINTR (never restarted, as on Linux). */
long eventpoll_wait(struct file *ep, struct epoll_event *uev, int max, uint64_t deadline, bool now);

/* A file finally closed leaves every interest list (fs/vfs.c). */
void eventpoll_file_released(struct file *f);

#endif
