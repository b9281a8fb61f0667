/*
 * The virtio-mmio devices a VMM names on the kernel command line, as Linux
 * reads them (drivers/virtio/virtio_mmio.c): `virtio_mmio.device=SIZE@BASE:IRQ`
 * with an optional `:ID` after (ignored). SIZE and BASE are decimal or 0x
 * hex with an optional K, M or G suffix (QEMU's microvm writes e.g.
 * `512@0xfeb00e00:12`), IRQ is decimal. Portable (host unit tests).
 */
#ifndef UPY_DRIVERS_VIRTIO_MMIO_CMDLINE_H
#define UPY_DRIVERS_VIRTIO_MMIO_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_MMIO_KEY "virtio_mmio.device="
#define VIRTIO_MMIO_MIN_SIZE 0x100 /* the registers before the configuration */
#define VIRTIO_MMIO_MAX_IRQ 255

struct virtio_mmio_entry {
	uint64_t base, size;
	uint32_t irq;
};

/* Parses one entry's value (the text after the '=', len bytes). Returns 0,
 * or -1 with *why saying what is wrong: a missing part, a bad number, an
 * overflow, a size below VIRTIO_MMIO_MIN_SIZE, a region past 2^64. */
int virtio_mmio_parse_entry(const char *s, size_t len, struct virtio_mmio_entry *e,
			    const char **why);

/* Finds the next `virtio_mmio.device=` token in text[*pos..len): returns
 * its value and length (*value_len) and moves *pos past it, or NULL at the
 * end. Tokens are separated by spaces, tabs or newlines. */
const char *virtio_mmio_next_entry(const char *text, size_t len, size_t *pos, size_t *value_len);

#endif
