/* The system's identity, as uname reports it; linux/sys_info.c owns the
 * host name (sethostname changes it). /proc shows the same values. */
#ifndef UPY_LINUX_UTS_H
#define UPY_LINUX_UTS_H

#define UTS_SYSNAME "Linux"
/* The Linux ABI this kernel implements, as Debian 12's kernel. */
#define UTS_RELEASE "6.1.0-unipython"
#define UTS_VERSION "#1 SMP unipython"
#define UTS_MACHINE "x86_64"
#define UTS_DOMAINNAME "(none)"

/* The node name, NUL-terminated (at most 64 bytes). */
const char *uts_hostname(void);

#endif
