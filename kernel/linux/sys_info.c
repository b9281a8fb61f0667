/* Syscalls describing the system: uname, sysinfo, getrandom. */
#include "core/clock.h"
#include "core/random.h"
#include "core/uts.h"
#include "sched/loadavg.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "mm/frame.h"
#include "mm/uaccess.h"

struct linux_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

SYSCALL_DEFINE1(uname, "d:p", struct linux_utsname *, buf)
{
	struct linux_utsname u;
	memset(&u, 0, sizeof(u));
	memcpy(u.sysname, UTS_SYSNAME, sizeof(UTS_SYSNAME));
	memcpy(u.nodename, uts_hostname(), 65);
	memcpy(u.release, UTS_RELEASE, sizeof(UTS_RELEASE));
	memcpy(u.version, UTS_VERSION, sizeof(UTS_VERSION));
	memcpy(u.machine, UTS_MACHINE, sizeof(UTS_MACHINE));
	memcpy(u.domainname, UTS_DOMAINNAME, sizeof(UTS_DOMAINNAME));
	return copy_to_user(buf, &u, sizeof(u)) < 0 ? -EFAULT : 0;
}

SYSCALL_DEFINE2(sethostname, "d:sd", const char *, name, int, len)
{
	if (len < 0 || len > 64)
		return -EINVAL;
	char buf[65] = { 0 };
	if (copy_from_user(buf, name, (size_t)len) < 0)
		return -EFAULT;
	uts_set_hostname(buf, (size_t)len);
	return 0;
}

struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};

SYSCALL_DEFINE1(sysinfo, "d:p", struct linux_sysinfo *, buf)
{
	struct linux_sysinfo s;
	memset(&s, 0, sizeof(s));
	s.uptime = (int64_t)(clock_monotonic_ns() / NSEC_PER_SEC);
	uint64_t avenrun[3];
	loadavg_get(avenrun);
	for (int i = 0; i < 3; i++)
		s.loads[i] = avenrun[i] << (16 - LOAD_FSHIFT); /* SI_LOAD_SHIFT */
	s.totalram = frames_total() * 4096;
	s.freeram = frames_free() * 4096;
	s.procs = 1;
	s.mem_unit = 1;
	return copy_to_user(buf, &s, sizeof(s)) < 0 ? -EFAULT : 0;
}

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

SYSCALL_DEFINE3(getrandom, "d:pux", void *, buf, size_t, len, unsigned, flags)
{
	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	if (len > 0x1ffffff)
		len = 0x1ffffff; /* Linux returns at most 32 MiB - 1 per call */
	uint8_t chunk[256];
	size_t done = 0;
	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		random_bytes(chunk, n);
		if (copy_to_user((char *)buf + done, chunk, n) < 0)
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}
