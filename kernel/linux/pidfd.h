/* Process file descriptors (pidfd_open); see pidfd.c. */
#ifndef UPY_LINUX_PIDFD_H
#define UPY_LINUX_PIDFD_H

#include <stdbool.h>

/* Whether fd is an open pidfd (O_PATH descriptors do not count). */
bool pidfd_is_open(int fd);

#endif
