/* The system's identity, as uname reports it and /proc shows it; the host
 * name is core/uts.c's (sethostname changes it, /etc/hosts names it). */
#ifndef UPY_CORE_UTS_H
#define UPY_CORE_UTS_H

#include <stddef.h>

#define UTS_SYSNAME "Linux"
/* The Linux ABI this kernel implements, as Debian 12's kernel. */
#define UTS_RELEASE "6.1.0-unipython"
#define UTS_VERSION "#1 SMP unipython"
#define UTS_MACHINE "x86_64"
#define UTS_DOMAINNAME "(none)"

/* The node name, NUL-terminated (at most 64 bytes). */
const char *uts_hostname(void);
/* Sets it to the len <= 64 bytes at name. */
void uts_set_hostname(const char *name, size_t len);

#endif
