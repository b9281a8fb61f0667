/* What the boot protocol told us, copied out of the loader's structures. */
#ifndef UPY_CORE_BOOT_INFO_H
#define UPY_CORE_BOOT_INFO_H

#include <stdint.h>

#define BOOT_MAX_REGIONS 32
#define BOOT_CMDLINE_MAX 8192

struct ram_region {
	uint64_t start, end; /* physical, [start, end) */
};

struct boot_info {
	struct ram_region ram[BOOT_MAX_REGIONS];
	unsigned ram_count;
	char cmdline[BOOT_CMDLINE_MAX];
	/* The first boot module (QEMU's -initrd): the image copied into RAM for
	 * --rootfs=ram. Empty (start == end) when there is none. Its frames are
	 * never handed out. */
	struct ram_region initrd;
	uint64_t boot_tsc; /* TSC at the first instruction */
};

extern struct boot_info boot_info;

#endif
