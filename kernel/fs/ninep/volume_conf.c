#include "fs/ninep/volume_conf.h"

#include "core/cmdline.h"
#include "lib/string.h"

#define KEY "volume="
#define KEY_LEN (sizeof(KEY) - 1)

static int parse_one(const char *val, size_t len, struct volume *v, const char **why)
{
	char buf[VOLUME_TAG_MAX + 4 + VOLUME_PATH_MAX + 2];
	if (len >= sizeof(buf)) {
		*why = "a volume= entry longer than 1 KiB";
		return -1;
	}
	memcpy(buf, val, len);
	long n = percent_decode(buf, len);
	if (n < 0) {
		*why = "a bad percent escape in volume=";
		return -1;
	}
	buf[n] = '\0';
	char *colon = memchr(buf, ':', (size_t)n);
	size_t tag_len = colon ? (size_t)(colon - buf) : 0;
	if (!colon || tag_len == 0 || tag_len > VOLUME_TAG_MAX) {
		*why = "volume= wants TAG:MODE:PATH (e.g. v0:rw:/data)";
		return -1;
	}
	const char *mode = colon + 1;
	if (strncmp(mode, "rw:", 3) == 0) {
		v->readonly = false;
	} else if (strncmp(mode, "ro:", 3) == 0) {
		v->readonly = true;
	} else {
		*why = "a volume= mode other than rw or ro";
		return -1;
	}
	const char *path = mode + 3;
	size_t path_len = strlen(path);
	if (path[0] != '/' || path_len > VOLUME_PATH_MAX || strlen(buf) != (size_t)n) {
		*why = "a volume= path that is not absolute (or holds a NUL)";
		return -1;
	}
	memcpy(v->tag, buf, tag_len);
	v->tag[tag_len] = '\0';
	memcpy(v->path, path, path_len + 1);
	return 0;
}

int volume_config_parse(const char *cmdline, size_t len, struct volume_config *c,
			const char **why)
{
	memset(c, 0, sizeof(*c));
	size_t i = 0;
	while (i < len && cmdline[i]) {
		while (i < len && cmdline[i] == ' ')
			i++;
		size_t start = i;
		while (i < len && cmdline[i] != ' ' && cmdline[i] != '\0')
			i++;
		size_t tlen = i - start;
		if (tlen < KEY_LEN || memcmp(cmdline + start, KEY, KEY_LEN) != 0)
			continue;
		if (c->n == VOLUME_MAX) {
			*why = "more than 8 volume= entries";
			return -1;
		}
		if (parse_one(cmdline + start + KEY_LEN, tlen - KEY_LEN, &c->v[c->n], why) < 0)
			return -1;
		c->n++;
	}
	return 0;
}
