/*
 * libFuzzer harness for the boot configuration parser (core/cmdline.c):
 * the kernel command line and the image's config file, both from outside
 * the kernel. The input is split at its first NUL into the image's config
 * and the command line; they are parsed as main.c does (the command line
 * alone, then the config with the command line on top). Each text is in a
 * buffer of exactly its size, so ASan catches a read past it, and every
 * string the parser kept is freed at the end, so LeakSanitizer catches one
 * it dropped. Built and run by tools/fuzz.py.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cmdline.h"
#include "fuzz_heap.h"

static void check_and_free(struct boot_config *c)
{
	if (c->argc < 0 || c->argc > BOOT_MAX_ARGS || c->envc < 0 || c->envc > BOOT_MAX_ENV ||
	    c->nwritable < 0 || c->nwritable > BOOT_MAX_WRITABLE)
		abort();
	for (int i = 0; i < c->envc; i++)
		if (!strchr(c->envp[i], '='))
			abort();
	for (int i = 0; i < c->nwritable; i++)
		if (c->writable[i][0] != '/')
			abort();
	free(c->exec);
	free(c->cwd);
	for (int i = 0; i < c->argc; i++)
		free(c->argv[i]);
	for (int i = 0; i < c->envc; i++)
		free(c->envp[i]);
	for (int i = 0; i < c->nwritable; i++)
		free(c->writable[i]);
}

static int parse(struct boot_config *c, const uint8_t *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	memcpy(copy, text, len);
	const char *why = NULL;
	int rc = boot_config_parse(c, copy, len, &why);
	if ((rc != 0 && rc != -1) || (rc < 0 && !why))
		abort();
	free(copy);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t config_len = nul ? (size_t)(nul - data) : 0;
	const uint8_t *cmdline = nul ? nul + 1 : data;
	size_t cmdline_len = size - (size_t)(cmdline - data);
	struct boot_config cmd = { 0 }, cfg = { 0 };
	parse(&cmd, cmdline, cmdline_len);
	if (parse(&cfg, data, config_len) == 0)
		parse(&cfg, cmdline, cmdline_len);
	check_and_free(&cmd);
	check_and_free(&cfg);
	return 0;
}
