#include "core/cred.h"

struct cred cred; /* all zero: root */

bool cred_capable(void)
{
	return cred.euid == 0;
}

bool cred_in_group(uint32_t gid)
{
	if (cred.fsgid == gid)
		return true;
	for (int i = 0; i < cred.ngroups; i++)
		if (cred.groups[i] == gid)
			return true;
	return false;
}
