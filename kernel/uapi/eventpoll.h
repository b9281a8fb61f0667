/* Linux's epoll ABI (linux/eventpoll.h): epoll_ctl's operations, the
 * flags an event mask may carry besides poll's, and struct epoll_event. */
#ifndef UPY_UAPI_EVENTPOLL_H
#define UPY_UAPI_EVENTPOLL_H

#include <stdint.h>

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)

/* Packed on x86-64, as Linux's (EPOLL_PACKED). */
struct epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

#endif
