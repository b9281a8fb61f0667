/*
 * /proc/cpuinfo for the one x86-64 CPU, from CPUID, in the layout of
 * Linux's arch/x86/kernel/cpu/proc.c. The flags are the CPUID feature
 * bits under Linux's names (arch/x86/include/asm/cpufeatures.h), in its
 * order; Linux's synthetic flags (constant_tsc, rep_good...) are its own
 * conclusions and are not shown. x86-specific, like the file itself.
 */
#include "arch/x86_64/cpu.h"
#include "core/clock.h"
#include "fs/proc/proc.h"
#include "lib/string.h"

/* Feature names by bit, for one CPUID register; NULL: not shown. */
struct flag_word {
	uint32_t leaf, subleaf;
	char reg; /* 'a', 'b', 'c' or 'd' */
	const char *names[32];
};

static const struct flag_word words[] = {
	{ 1, 0, 'd', { "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL,
		       "sep", "mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL,
		       "dts", "acpi", "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64",
		       "pbe" } },
	{ 0x80000001, 0, 'd', { [11] = "syscall", [19] = "mp", [20] = "nx", [22] = "mmxext",
				[25] = "fxsr_opt", [26] = "pdpe1gb", [27] = "rdtscp", [29] = "lm",
				[30] = "3dnowext", [31] = "3dnow" } },
	{ 1, 0, 'c', { "pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est",
		       "tm2", "ssse3", "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", NULL, "pcid",
		       "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline_timer",
		       "aes", "xsave", NULL, "avx", "f16c", "rdrand", "hypervisor" } },
	{ 0x80000001, 0, 'c', { "lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm",
				"sse4a", "misalignsse", "3dnowprefetch", "osvw", "ibs", "xop",
				"skinit", "wdt", NULL, "lwp", "fma4", "tce", NULL, "nodeid_msr",
				NULL, "tbm", "topoext", "perfctr_core", "perfctr_nb", NULL,
				"bpext", "ptsc", "perfctr_llc", "mwaitx" } },
	{ 7, 0, 'b', { "fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", NULL, "smep", "bmi2",
		       "erms", "invpcid", "rtm", "cqm", NULL, NULL, "rdt_a", "avx512f", "avx512dq",
		       "rdseed", "adx", "smap", "avx512ifma", NULL, "clflushopt", "clwb",
		       "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw",
		       "avx512vl" } },
	{ 0xd, 1, 'a', { "xsaveopt", "xsavec", "xgetbv1", "xsaves" } },
	{ 7, 1, 'a', { [4] = "avx_vnni", [5] = "avx512_bf16" } },
	{ 7, 0, 'c', { NULL, "avx512vbmi", "umip", "pku", "ospke", "waitpkg", "avx512_vbmi2", NULL,
		       "gfni", "vaes", "vpclmulqdq", "avx512_vnni", "avx512_bitalg", "tme",
		       "avx512_vpopcntdq", NULL, "la57", [22] = "rdpid", [24] = "bus_lock_detect",
		       [25] = "cldemote", [27] = "movdiri", [28] = "movdir64b", [29] = "enqcmd",
		       [30] = "sgx_lc" } },
	{ 7, 0, 'd', { [2] = "avx512_4vnniw", [3] = "avx512_4fmaps", [4] = "fsrm",
		       [8] = "avx512_vp2intersect", [10] = "md_clear", [14] = "serialize",
		       [16] = "tsxldtrk", [18] = "pconfig", [19] = "arch_lbr", [20] = "ibt",
		       [22] = "amx_bf16", [23] = "avx512_fp16", [24] = "amx_tile",
		       [25] = "amx_int8", [28] = "flush_l1d", [29] = "arch_capabilities" } },
};

static const char *const power_flags[] = {
	"ts", "fid", "vid", "ttp", "tm", "stc", "100mhzsteps", "hwpstate", NULL, "cpb",
	"eff_freq_ro", "proc_feedback", "acc_power",
};

/* The CPU's highest basic and extended leaves; set at every read. */
static uint32_t max_basic, max_ext;

/* A CPUID register, 0 for leaves the CPU does not have. */
static uint32_t cpuid_reg(uint32_t leaf, uint32_t subleaf, char reg)
{
	if (leaf >= 0x80000000 ? leaf > max_ext : leaf > max_basic)
		return 0;
	struct cpuid_regs r = cpuid(leaf, subleaf);
	switch (reg) {
	case 'a':
		return r.eax;
	case 'b':
		return r.ebx;
	case 'c':
		return r.ecx;
	default:
		return r.edx;
	}
}

/* The brand string, with the leading and trailing blanks Intel pads it
 * with removed, as Linux does. */
static void model_name(char out[49])
{
	memset(out, 0, 49);
	if (max_ext < 0x80000004) {
		memcpy(out, "unknown", 8);
		return;
	}
	uint32_t *w = (uint32_t *)out;
	for (uint32_t i = 0; i < 3; i++) {
		struct cpuid_regs r = cpuid(0x80000002 + i, 0);
		w[i * 4] = r.eax, w[i * 4 + 1] = r.ebx, w[i * 4 + 2] = r.ecx, w[i * 4 + 3] = r.edx;
	}
	out[48] = '\0';
	char *p = out;
	while (*p == ' ')
		p++;
	size_t len = strlen(p);
	while (len && p[len - 1] == ' ')
		len--;
	memmove(out, p, len);
	out[len] = '\0';
}

/* The size of the last-level cache in KiB (Linux's "cache size"): CPUID
 * leaf 4 on Intel, leaf 0x80000006 (L2) otherwise; 0 if unknown. */
static uint32_t cache_kb(bool intel)
{
	if (intel && max_basic >= 4) {
		uint32_t best = 0;
		for (uint32_t i = 0; i < 16; i++) {
			struct cpuid_regs r = cpuid(4, i);
			if ((r.eax & 0x1f) == 0)
				break;
			uint32_t ways = (r.ebx >> 22) + 1, parts = ((r.ebx >> 12) & 0x3ff) + 1;
			uint32_t line = (r.ebx & 0xfff) + 1, sets = r.ecx + 1;
			uint64_t kb = (uint64_t)ways * parts * line * sets / 1024;
			if ((r.eax & 0x1f) != 2 && kb > best) /* data or unified caches */
				best = (uint32_t)kb;
		}
		if (best)
			return best;
	}
	return cpuid_reg(0x80000006, 0, 'c') >> 16;
}

int proc_show_cpuinfo(struct pbuf *b, const struct proc_node *n)
{
	struct cpuid_regs v = cpuid(0, 0);
	max_basic = v.eax;
	max_ext = cpuid(0x80000000, 0).eax;
	if (max_ext < 0x80000000)
		max_ext = 0;
	char vendor[13];
	memcpy(vendor, &v.ebx, 4);
	memcpy(vendor + 4, &v.edx, 4);
	memcpy(vendor + 8, &v.ecx, 4);
	vendor[12] = '\0';

	struct cpuid_regs id = cpuid(1, 0);
	uint32_t family = (id.eax >> 8) & 0xf, model = (id.eax >> 4) & 0xf;
	if (family == 0xf)
		family += (id.eax >> 20) & 0xff;
	if (family >= 6)
		model += ((id.eax >> 16) & 0xf) << 4;
	char name[49];
	model_name(name);
	uint64_t khz = clock_tsc_hz() / 1000;

	pbuf_printf(b, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
		    "model name\t: %s\nstepping\t: %u\n", vendor, family, model, name, id.eax & 0xf);
	pbuf_printf(b, "cpu MHz\t\t: %lu.%03lu\n", khz / 1000, khz % 1000);
	uint32_t cache = cache_kb(strcmp(vendor, "GenuineIntel") == 0);
	if (cache)
		pbuf_printf(b, "cache size\t: %u KB\n", cache);
	uint32_t apic = id.ebx >> 24;
	pbuf_printf(b, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n"
		    "apicid\t\t: %u\ninitial apicid\t: %u\n", apic, apic);
	pbuf_printf(b, "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n",
		    max_basic);

	pbuf_printf(b, "flags\t\t:");
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		uint32_t bits = cpuid_reg(words[w].leaf, words[w].subleaf, words[w].reg);
		for (int i = 0; i < 32; i++)
			if ((bits & (1u << i)) && words[w].names[i])
				pbuf_printf(b, " %s", words[w].names[i]);
	}
	/* Linux's bug list comes from its own CPU model tables: none here. */
	pbuf_printf(b, "\nbugs\t\t:\n");

	/* BogoMIPS from the TSC as Linux computes it (HZ = 250). */
	uint64_t lpj = clock_tsc_hz() / 250;
	pbuf_printf(b, "bogomips\t: %lu.%02lu\n", lpj / (500000 / 250), (lpj / (5000 / 250)) % 100);
	uint32_t clflush = (id.edx & (1u << 19)) ? ((id.ebx >> 8) & 0xff) * 8 : 64;
	uint32_t sizes = cpuid_reg(0x80000008, 0, 'a');
	uint32_t phys = sizes ? (sizes & 0xff) : 36, virt = sizes ? ((sizes >> 8) & 0xff) : 48;
	pbuf_printf(b, "clflush size\t: %u\ncache_alignment\t: %u\n"
		    "address sizes\t: %u bits physical, %u bits virtual\npower management:",
		    clflush, clflush, phys, virt);
	uint32_t power = cpuid_reg(0x80000007, 0, 'd');
	for (size_t i = 0; i < sizeof(power_flags) / sizeof(power_flags[0]); i++)
		if ((power & (1u << i)) && power_flags[i])
			pbuf_printf(b, " %s", power_flags[i]);
	pbuf_printf(b, "\n\n");
	return 0;
}
