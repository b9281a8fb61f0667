/*
 * Waiting for descriptors to become ready (poll, select, epoll). Any
 * pollable object calls poll_notify() when its readiness may have changed;
 * every waiting poller then re-checks its descriptors. With one CPU and a
 * handful of waiters this is simpler than per-object wait lists, and as fast.
 */
#ifndef UPY_FS_POLL_H
#define UPY_FS_POLL_H

#include <stdint.h>

#include "fs/vfs.h"

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000

void poll_notify(void);
/* Blocks until poll_notify() or the deadline (0 = none); returns 0,
 * -ETIMEDOUT or -EINTR. */
int poll_wait_any(uint64_t deadline_ns);

/* The ready mask of a file: its poll op, or always readable and writable. */
unsigned file_poll(struct file *f);

#endif
