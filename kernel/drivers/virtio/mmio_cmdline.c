#include "drivers/virtio/mmio_cmdline.h"

#include <stdbool.h>

#include "lib/string.h"

static int digit(char c, unsigned radix)
{
	int d = -1;
	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d >= 0 && (unsigned)d < radix ? d : -1;
}

/* A number at s[*i..len): decimal, or hex after 0x; with suffixes, an
 * optional K/M/G multiplier. False with *why on no digits or overflow. */
static bool number(const char *s, size_t len, size_t *i, bool suffixes, uint64_t *out,
		   const char **why)
{
	unsigned radix = 10;
	if (*i + 1 < len && s[*i] == '0' && (s[*i + 1] == 'x' || s[*i + 1] == 'X')) {
		radix = 16;
		*i += 2;
	}
	size_t start = *i;
	uint64_t v = 0;
	int d;
	while (*i < len && (d = digit(s[*i], radix)) >= 0) {
		if (__builtin_mul_overflow(v, radix, &v) || __builtin_add_overflow(v, (uint64_t)d, &v)) {
			*why = "a number too large";
			return false;
		}
		(*i)++;
	}
	if (*i == start) {
		*why = "a missing or malformed number";
		return false;
	}
	if (suffixes && *i < len) {
		unsigned shift = 0;
		switch (s[*i]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		}
		if (shift) {
			(*i)++;
			if (v > (UINT64_MAX >> shift)) {
				*why = "a number too large";
				return false;
			}
			v <<= shift;
		}
	}
	*out = v;
	return true;
}

static bool expect(const char *s, size_t len, size_t *i, char c, const char **why, const char *what)
{
	if (*i < len && s[*i] == c) {
		(*i)++;
		return true;
	}
	*why = what;
	return false;
}

int virtio_mmio_parse_entry(const char *s, size_t len, struct virtio_mmio_entry *e,
			    const char **why)
{
	size_t i = 0;
	uint64_t size, base, irq, id;
	if (!number(s, len, &i, true, &size, why))
		return -1;
	if (!expect(s, len, &i, '@', why, "no '@' after the size (SIZE@BASE:IRQ)"))
		return -1;
	if (!number(s, len, &i, true, &base, why))
		return -1;
	if (!expect(s, len, &i, ':', why, "no ':' after the address (SIZE@BASE:IRQ)"))
		return -1;
	if (!number(s, len, &i, false, &irq, why))
		return -1;
	/* Linux allows a platform device id after the IRQ. */
	if (i < len && s[i] == ':') {
		i++;
		if (!number(s, len, &i, false, &id, why))
			return -1;
	}
	if (i != len) {
		*why = "trailing characters after the IRQ";
		return -1;
	}
	if (size < VIRTIO_MMIO_MIN_SIZE) {
		*why = "a region smaller than the 256 bytes of virtio-mmio registers";
		return -1;
	}
	uint64_t end;
	if (__builtin_add_overflow(base, size, &end)) {
		*why = "a region past the end of the address space";
		return -1;
	}
	if (irq == 0 || irq > VIRTIO_MMIO_MAX_IRQ) {
		*why = "an IRQ outside 1..255";
		return -1;
	}
	*e = (struct virtio_mmio_entry){ .base = base, .size = size, .irq = (uint32_t)irq };
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

const char *virtio_mmio_next_entry(const char *text, size_t len, size_t *pos, size_t *value_len)
{
	const size_t key_len = sizeof(VIRTIO_MMIO_KEY) - 1;
	size_t i = *pos;
	while (i < len) {
		while (i < len && is_space(text[i]))
			i++;
		size_t start = i;
		while (i < len && !is_space(text[i]))
			i++;
		if (i - start >= key_len && memcmp(text + start, VIRTIO_MMIO_KEY, key_len) == 0) {
			*pos = i;
			*value_len = i - start - key_len;
			return text + start + key_len;
		}
	}
	*pos = len;
	return NULL;
}
