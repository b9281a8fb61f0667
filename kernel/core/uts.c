#include "core/uts.h"

#include "lib/string.h"

static char hostname[65] = "unipython";

const char *uts_hostname(void)
{
	return hostname;
}

void uts_set_hostname(const char *name, size_t len)
{
	if (len > 64)
		len = 64;
	memset(hostname, 0, sizeof(hostname));
	memcpy(hostname, name, len);
}
