/*
 * A QEMU TCG plugin that counts the guest instructions executed, split by
 * the half of the address space they run in: the kernel half (bit 63 of
 * the address set) and the user half. Linux and unipython both put their
 * kernels in the upper half and the app in the lower half, so the same rule
 * measures both. Under qemu-x86_64 (user mode) every instruction is the
 * app's.
 *
 * A system guest starts in its boot code at low (physical) addresses before
 * it switches to its upper-half mapping; boot=LO-HI (hex) names the physical
 * range of the kernel's executable segments, and lower-half code there counts
 * as the kernel's.
 *
 * QEMU's microvm runs its firmware (qboot) before the PVH entry, from the
 * BIOS area below 1 MiB and its alias below 4 GiB: counted apart, as
 * firmware_insns, and in neither half.
 *
 * Counting is inline (an add per executed instruction), so it is exact up to
 * an instruction that faults and is re-executed.
 *
 * Options:
 *   out=PATH      write the counts there at exit ("key value" lines)
 *   boot=LO-HI    a system guest's boot code range (see above)
 *   last_user=on  also note the total at the first and at the last
 *                 instruction of the user half: when the first user code
 *                 (ld.so) starts, and when the app's last system call entered
 *                 the kernel (a callback per user translation block: slower)
 *
 * QEMU's plugin API (version 1, QEMU 7.2) is declared here by hand because
 * Debian ships no qemu-plugin.h; only the calls used are declared.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int, void *);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, qemu_plugin_vcpu_udata_cb_t,
					  enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *, enum qemu_plugin_op,
						void *, uint64_t);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One vCPU: plain counters. Owned by the vCPU thread; read at exit. */
static uint64_t kernel_insns, user_insns, firmware_insns;
static uint64_t total_at_first_user; /* total before the first user block ran */
static bool seen_user;
static uint64_t total_at_last_user; /* total before the last user block ran */
static uint64_t last_user_block;    /* its length */
static bool track_last_user;
static uint64_t boot_lo, boot_hi; /* boot code range, [lo, hi) */
static char out_path[4096];

static void user_block(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	total_at_last_user = kernel_insns + user_insns;
	if (!seen_user) {
		seen_user = true;
		total_at_first_user = total_at_last_user;
	}
	last_user_block = (uint64_t)(uintptr_t)udata;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	bool kernel = (qemu_plugin_tb_vaddr(tb) >> 63) != 0;
	uint64_t va = qemu_plugin_tb_vaddr(tb);
	kernel = kernel || (va >= boot_lo && va < boot_hi);
	uint64_t *counter = kernel ? &kernel_insns : &user_insns;
	bool firmware = !kernel && ((va >= 0xe0000 && va < 0x100000) ||
				    (va >= 0xff000000 && va < 0x100000000));
	if (firmware && boot_hi) {
		for (size_t i = 0; i < n; i++)
			qemu_plugin_register_vcpu_insn_exec_inline(
				qemu_plugin_tb_get_insn(tb, i), QEMU_PLUGIN_INLINE_ADD_U64,
				&firmware_insns, 1);
		return;
	}
	for (size_t i = 0; i < n; i++)
		qemu_plugin_register_vcpu_insn_exec_inline(qemu_plugin_tb_get_insn(tb, i),
							   QEMU_PLUGIN_INLINE_ADD_U64, counter, 1);
	if (track_last_user && !kernel)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, user_block, QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)n);
}

static void report(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	FILE *f = out_path[0] ? fopen(out_path, "w") : stderr;
	if (!f)
		return;
	fprintf(f, "kernel_insns %" PRIu64 "\nuser_insns %" PRIu64 "\n", kernel_insns, user_insns);
	fprintf(f, "firmware_insns %" PRIu64 "\n", firmware_insns);
	if (track_last_user)
		fprintf(f, "insns_to_first_user %" PRIu64 "\n", total_at_first_user);
	if (track_last_user)
		fprintf(f, "insns_to_last_user %" PRIu64 "\n", total_at_last_user + last_user_block);
	if (f != stderr)
		fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
							       const qemu_info_t *info,
							       int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) == 0)
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
		else if (strncmp(argv[i], "boot=", 5) == 0)
			sscanf(argv[i] + 5, "%" SCNx64 "-%" SCNx64, &boot_lo, &boot_hi);
		else if (strcmp(argv[i], "last_user=on") == 0)
			track_last_user = true;
		else {
			fprintf(stderr, "insn_count: unknown option %s\n", argv[i]);
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, report, NULL);
	return 0;
}
