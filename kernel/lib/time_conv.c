#include "lib/time_conv.h"

#include "lib/overflow.h"

bool timespec_to_ns(int64_t sec, int64_t nsec, int64_t *ns)
{
	if (sec < 0 || nsec < 0 || nsec >= TIME_NS_PER_SEC)
		return false;
	int64_t whole;
	if (check_mul_overflow(sec, TIME_NS_PER_SEC, &whole) ||
	    check_add_overflow(whole, nsec, ns))
		*ns = TIME_NS_MAX;
	return true;
}

bool timeval_to_ns(int64_t sec, int64_t usec, int64_t *ns)
{
	if (usec < 0 || usec >= 1000000)
		return false;
	return timespec_to_ns(sec, usec * 1000, ns);
}

bool select_timeval_to_ns(int64_t sec, int64_t usec, int64_t *ns)
{
	int64_t s;
	if (check_add_overflow(sec, usec / 1000000, &s)) {
		if (sec < 0)
			return false; /* a very negative time is still negative */
		s = INT64_MAX;
	}
	return timespec_to_ns(s, (usec % 1000000) * 1000, ns);
}

uint64_t time_deadline_after(uint64_t now, uint64_t ns)
{
	uint64_t t;
	if (check_add_overflow(now, ns, &t) || t > (uint64_t)TIME_NS_MAX)
		return (uint64_t)TIME_NS_MAX;
	return t;
}
