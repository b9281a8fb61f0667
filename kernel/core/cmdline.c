#include "core/cmdline.h"

#include <stdbool.h>

#include "lib/string.h"
#include "mm/kmalloc.h"

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long percent_decode(char *s, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			s[out++] = s[i];
			continue;
		}
		if (i + 2 >= len)
			return -1;
		int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
		if (hi < 0 || lo < 0)
			return -1;
		s[out++] = (char)(hi << 4 | lo);
		i += 2;
	}
	return (long)out;
}

static char *decoded_copy(const char *s, size_t len)
{
	char *c = kmalloc(len + 1);
	if (!c)
		return NULL;
	memcpy(c, s, len);
	long n = percent_decode(c, len);
	if (n < 0) {
		kfree(c);
		return NULL;
	}
	c[n] = '\0';
	return c;
}

/* Replaces an environment entry with the same name, or appends it. */
static bool set_env(struct boot_config *cfg, char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t name_len = eq ? (size_t)(eq - entry) : strlen(entry);
	for (int i = 0; i < cfg->envc; i++) {
		if (strncmp(cfg->envp[i], entry, name_len) == 0 && cfg->envp[i][name_len] == '=') {
			kfree(cfg->envp[i]);
			cfg->envp[i] = entry;
			return true;
		}
	}
	if (cfg->envc == BOOT_MAX_ENV)
		return false;
	cfg->envp[cfg->envc++] = entry;
	return true;
}

static bool key_is(const char *tok, size_t key_len, const char *key)
{
	return strlen(key) == key_len && memcmp(tok, key, key_len) == 0;
}

int boot_config_parse(struct boot_config *cfg, const char *text, size_t len, const char **why)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t'))
			i++;
		size_t start = i;
		while (i < len && text[i] != ' ' && text[i] != '\n' && text[i] != '\t')
			i++;
		if (start == i)
			break;
		const char *tok = text + start;
		size_t tok_len = i - start;
		const char *eq = memchr(tok, '=', tok_len);
		if (!eq) {
			*why = "a token without '='";
			return -1;
		}
		size_t key_len = (size_t)(eq - tok);
		char *value = decoded_copy(eq + 1, tok_len - key_len - 1);
		if (!value) {
			*why = "a malformed %-escape";
			return -1;
		}
		/* A later exec= or cwd= replaces an earlier one (the command
		 * line's the image's); a value the config does not keep is freed. */
		if (key_is(tok, key_len, "exec")) {
			kfree(cfg->exec);
			cfg->exec = value;
		} else if (key_is(tok, key_len, "cwd")) {
			kfree(cfg->cwd);
			cfg->cwd = value;
		} else if (key_is(tok, key_len, "arg")) {
			if (cfg->argc == BOOT_MAX_ARGS) {
				kfree(value);
				*why = "too many arguments";
				return -1;
			}
			cfg->argv[cfg->argc++] = value;
		} else if (key_is(tok, key_len, "env")) {
			if (!strchr(value, '=') || !set_env(cfg, value)) {
				kfree(value);
				*why = "a bad or excess env= entry";
				return -1;
			}
		} else if (key_is(tok, key_len, "writable")) {
			if (cfg->nwritable == BOOT_MAX_WRITABLE || value[0] != '/') {
				kfree(value);
				*why = "a relative or excess writable= entry";
				return -1;
			}
			cfg->writable[cfg->nwritable++] = value;
		} else if (key_is(tok, key_len, "trace")) {
			cfg->trace = value[0] == '1';
			kfree(value);
		} else if (key_is(tok, key_len, "stdin")) {
			cfg->stdin_from_host = value[0] == '1';
			kfree(value);
		} else if (key_is(tok, key_len, "norandmaps")) {
			cfg->norandmaps = value[0] == '1';
			kfree(value);
		} else if (key_is(tok, key_len, "verbose")) {
			cfg->verbose = value[0] == '1';
			kfree(value);
		} else {
			/* e.g. virtio_mmio.device=..., which QEMU adds: not ours. */
			kfree(value);
		}
	}
	return 0;
}
