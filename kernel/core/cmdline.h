/*
 * The boot configuration: the image's defaults (UPY_CONFIG_PATH) and the
 * kernel command line, both as space-separated key=value tokens with
 * percent-encoded values (src/unipython/cmdline.py writes them).
 *   exec=PATH     the program to run        cwd=PATH   its working directory
 *   arg=VALUE     the next argv entry       env=K=V    an environment entry
 *   trace=1       trace syscalls            verbose=1  say what boot found
 *   stdin=1       the runner sends the app's stdin (abi/host.h)
 *   norandmaps=1  no ASLR: the app's stack, mmap base, brk and PIE base at
 *                 fixed places (mm/layout.h), as Linux's norandmaps
 *   writable=PATH a directory of the image made writable: a tmpfs seeded
 *                 with its contents, copied page by page on first write
 * On the command line, arg= entries are appended to the image's argv and
 * env= entries override the image's. Unknown keys are reported.
 * virtio_mmio.device= entries (from the VMM) are drivers/virtio's. There is
 * no seed: a secret on the host's command line is readable by every local
 * user (/proc/PID/cmdline); entropy comes from devices (core/random.h).
 */
#ifndef UPY_CORE_CMDLINE_H
#define UPY_CORE_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_ARGS 256
#define BOOT_MAX_ENV 256
#define BOOT_MAX_WRITABLE 8

struct boot_config {
	char *exec;
	char *cwd;
	char *argv[BOOT_MAX_ARGS];
	int argc;
	char *envp[BOOT_MAX_ENV];
	int envc;
	char *writable[BOOT_MAX_WRITABLE];
	int nwritable;
	int trace;
	int stdin_from_host;
	int verbose;
	int norandmaps;
};

/* Adds the tokens of text (len bytes, need not be NUL-terminated) to cfg.
 * Returns 0, or -1 with *why set when a token is malformed. */
int boot_config_parse(struct boot_config *cfg, const char *text, size_t len, const char **why);

/* Decodes %XX escapes in place; returns the new length or -1. */
long percent_decode(char *s, size_t len);

#endif
