/*
 * The host volumes the runner asks for on the kernel command line, one
 * token each (src/unipython/volumes.py writes them):
 *     volume=TAG:MODE:PATH    MODE rw or ro; PATH absolute, last, so it may
 *                             hold ':'; the value percent-encoded
 * TAG is the mount tag of the virtio-9p device QEMU exports the host
 * directory under. Portable: parsed the same in the host unit tests.
 */
#ifndef UPY_FS_NINEP_VOLUME_CONF_H
#define UPY_FS_NINEP_VOLUME_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define VOLUME_MAX 8
#define VOLUME_TAG_MAX 31
#define VOLUME_PATH_MAX 1023

struct volume {
	char tag[VOLUME_TAG_MAX + 1];
	char path[VOLUME_PATH_MAX + 1];
	bool readonly;
};

struct volume_config {
	struct volume v[VOLUME_MAX];
	int n;
};

/* Collects the volume= tokens of cmdline (len bytes; stops at a NUL).
 * Returns 0, or -1 with *why saying what is wrong. */
int volume_config_parse(const char *cmdline, size_t len, struct volume_config *c,
			const char **why);

#endif
