#include "fs/poll.h"

#include "fs/fasync.h"
#include "sched/sched.h"

/* Everyone blocked in poll/select/epoll; owned by this file. */
static struct waitq pollers;

void poll_notify(void)
{
	sched_wake(&pollers, -1);
	fasync_notify();
}

int poll_wait_any(uint64_t deadline_ns)
{
	return sched_wait(&pollers, deadline_ns, true, "poll", 0);
}

unsigned file_poll(struct file *f)
{
	if (f->ops && f->ops->poll)
		return f->ops->poll(f);
	/* Regular files and directories never block. */
	return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}
