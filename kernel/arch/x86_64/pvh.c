/* The PVH boot protocol: struct hvm_start_info from Xen's public headers
 * (arch-x86/hvm/start_info.h), as QEMU and Firecracker fill it. */
#include <stdint.h>

#include "arch/x86_64/memlayout.h"
#include "core/boot_info.h"
#include "core/panic.h"
#include "lib/string.h"

#define HVM_START_MAGIC 0x336ec578
#define HVM_MEMMAP_TYPE_RAM 1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct boot_info boot_info;
extern uint64_t boot_tsc;

/* Called while the boot page tables map the first 1 GiB at DIRECT_MAP_BASE. */
void pvh_parse(uint32_t start_info_pa)
{
	const struct hvm_start_info *si = phys_to_virt(start_info_pa);
	if (si->magic != HVM_START_MAGIC)
		panic("not booted by PVH: bad start_info magic %x", si->magic);
	if (si->version < 1 || !si->memmap_paddr)
		panic("PVH start_info has no memory map (version %u)", si->version);
	boot_info.boot_tsc = boot_tsc;

	const struct hvm_memmap_entry *e = phys_to_virt(si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (e[i].type != HVM_MEMMAP_TYPE_RAM || boot_info.ram_count == BOOT_MAX_REGIONS)
			continue;
		struct ram_region *r = &boot_info.ram[boot_info.ram_count++];
		r->start = e[i].addr;
		r->end = e[i].addr + e[i].size;
	}
	if (si->nr_modules && si->modlist_paddr) {
		const struct hvm_modlist_entry *m = phys_to_virt(si->modlist_paddr);
		boot_info.initrd.start = m->paddr;
		boot_info.initrd.end = m->paddr + m->size;
		if (boot_info.initrd.end < m->paddr)
			panic("PVH boot module wraps around the address space");
	}
	if (si->cmdline_paddr) {
		const char *c = phys_to_virt(si->cmdline_paddr);
		size_t n = strnlen(c, BOOT_CMDLINE_MAX);
		if (n == BOOT_CMDLINE_MAX)
			panic("kernel command line longer than %d bytes", BOOT_CMDLINE_MAX - 1);
		memcpy(boot_info.cmdline, c, n + 1);
	}
}
