#include "sched/sleep.h"

#include <stddef.h>

#include "uapi/errno.h"
#include "sched/sched.h"

int sleep_until(uint64_t deadline_ns)
{
	int rc = sched_wait(NULL, deadline_ns, true, "sleep", deadline_ns);
	return rc == -EINTR ? -EINTR : 0;
}
