/*
 * The process's credentials: real, effective, saved and file-system user
 * and group ids, and supplementary groups. An effective uid of 0 holds
 * every capability (CAP_SETUID, CAP_DAC_OVERRIDE...), as on Linux without
 * capability sets; file access checks use the file-system ids.
 */
#ifndef UPY_CORE_CRED_H
#define UPY_CORE_CRED_H

#include <stdbool.h>
#include <stdint.h>

#define NGROUPS_MAX 65536

struct cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint32_t *groups;
	int ngroups;
};

/* The credentials of the only process; owned by core/cred.c. */
extern struct cred cred;

bool cred_capable(void);          /* effective root */
bool cred_in_group(uint32_t gid); /* fsgid or a supplementary group */

#endif
