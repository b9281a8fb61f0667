/* The kernel's entry from boot.S: bring the machine up, then run the app. */
#include <stdint.h>

#include "abi/host.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/enter.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/memlayout.h"
#include "arch/x86_64/paging.h"
#include "core/boot_info.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/process.h"
#include "core/random.h"
#include "core/stats.h"
#include "drivers/pic.h"
#include "drivers/console_input.h"
#include "drivers/console_tty.h"
#include "drivers/virtio/virtio.h"
#include "fs/devfs.h"
#include "fs/namei.h"
#include "fs/open.h"
#include "fs/procfs.h"
#include "fs/rootfs.h"
#include "fs/tmpfs.h"
#include "fs/tmpfs_seed.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "linux/uapi/errno.h"
#include "linux/uapi/fcntl.h"
#include "loader/exec.h"
#include "mm/fault.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

void pvh_parse(uint32_t start_info_pa);

/* Memory the boot page tables map; early allocations must stay below it. */
#define BOOT_MAPPED_LIMIT (1ull << 30)

static uint64_t mount_rootfs(void)
{
	extern char __kernel_end[];
	uint64_t pa = virt_to_phys(__kernel_end);
	uint64_t size = rootfs_region_size(pa);
	if (!size)
		panic("no root file system after the kernel: boot an image made by `unipython build`");
	if (pa + size > BOOT_MAPPED_LIMIT)
		panic("the image is larger than %llu MiB", BOOT_MAPPED_LIMIT >> 20);
	return pa + size;
}

static void mount_at(const char *path, struct superblock *sb)
{
	struct walk_result w;
	if (!sb || path_walk(vfs_root, path, WALK_DIRECTORY, &w) < 0)
		panic("cannot mount %s: the image lacks the directory", path);
	if (vfs_mount(w.inode, sb) < 0)
		panic("cannot mount %s", path);
	walk_release(&w);
}

static void read_config(struct boot_config *cfg)
{
	struct file *f;
	if (vfs_open(vfs_root, UPY_CONFIG_PATH, O_RDONLY, 0, &f) < 0)
		panic("the image has no %s", UPY_CONFIG_PATH);
	size_t size = f->inode->size;
	char *text = kmalloc(size + 1);
	if (!text || kernel_read(f, text, size, 0) != (int64_t)size)
		panic("cannot read %s", UPY_CONFIG_PATH);
	file_put(f);
	const char *why;
	if (boot_config_parse(cfg, text, size, &why) < 0)
		panic("bad %s: %s", UPY_CONFIG_PATH, why);
	kfree(text);
}

/* Mounts over the image's directory `path` a tmpfs seeded with its contents,
 * so the app can change what is there (boot config writable=). */
static void mount_writable_copy(const char *path, uint32_t dev)
{
	struct walk_result w;
	int rc = path_walk(vfs_root, path, WALK_FOLLOW | WALK_DIRECTORY, &w);
	if (rc < 0)
		panic("writable directory %s: %s", path, errno_message(-rc));
	struct superblock *sb = tmpfs_new(dev, w.inode->mode & 07777);
	if (!sb)
		panic("out of memory making %s writable", path);
	rc = tmpfs_seed(sb->root, w.inode);
	if (rc < 0)
		panic("cannot copy %s into a tmpfs: %s", path, errno_message(-rc));
	if (vfs_mount(w.inode, sb) < 0)
		panic("cannot mount a tmpfs on %s", path);
	walk_release(&w);
}

static void open_console_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		struct file *f;
		if (vfs_open(vfs_root, "/dev/console", fd == 0 ? O_RDONLY : O_WRONLY, 0, &f) < 0 ||
		    fd_install(&proc.fds, f, fd, false) != fd)
			panic("cannot open /dev/console");
		if (fd == 2)
			console_tty_make_stderr(f);
	}
}

static void set_cwd(const char *path)
{
	struct walk_result w;
	int rc = path_walk(vfs_root, path ? path : "/", WALK_FOLLOW | WALK_DIRECTORY, &w);
	if (rc < 0)
		panic("working directory %s: %s", path, errno_message(-rc));
	proc.cwd = inode_get(w.inode);
	walk_release(&w);
}

void kernel_main(uint32_t start_info_pa)
{
	console_init();
	pvh_parse(start_info_pa);
	gdt_init();
	idt_init();
	cpu_init();

	uint64_t image_end = mount_rootfs();
	frame_init(&boot_info, image_end, BOOT_MAPPED_LIMIT);
	paging_init(&boot_info);
	frame_init_late();
	pic_init();
	lapic_init();
	clock_init(boot_info.boot_tsc);
	syscall_table_init();
	vm_fault_init();

	/* The command line first: it may ask for tracing. */
	struct boot_config cmd = { 0 }, cfg = { 0 };
	const char *why;
	if (boot_config_parse(&cmd, boot_info.cmdline, strlen(boot_info.cmdline), &why) < 0)
		panic("bad kernel command line: %s", why);
	syscall_trace_enable(cmd.trace);
	/* Entropy from the CPU, then from the devices (virtio-rng). */
	random_init();
	virtio_init(boot_info.cmdline, cmd.verbose);
	random_report(cmd.verbose);

	extern char __kernel_end[];
	uint64_t rootfs_pa = virt_to_phys(__kernel_end);
	vfs_set_root(rootfs_mount(rootfs_pa, image_end - rootfs_pa));
	mount_at("/tmp", tmpfs_new(2, 01777));
	mount_at("/dev", devfs_new());
	mount_at("/proc", procfs_new(4));

	process_init();
	sched_init();
	/* The image's defaults, then the command line again on top of them. */
	read_config(&cfg);
	boot_config_parse(&cfg, boot_info.cmdline, strlen(boot_info.cmdline), &why);
	if (!cfg.exec || cfg.argc == 0)
		panic("%s names no program to run", UPY_CONFIG_PATH);
	for (int i = 0; i < cfg.nwritable; i++)
		mount_writable_copy(cfg.writable[i], 5 + (uint32_t)i);
	console_input_init(cfg.stdin_from_host);
	open_console_fds();
	set_cwd(cfg.cwd);

	struct exec_start start;
	int rc = exec_load(cfg.exec, cfg.argv, cfg.argc, cfg.envp, cfg.envc, &start, &why);
	if (rc < 0)
		panic("cannot start %s: %s (%s)", cfg.exec, why, errno_message(-rc));
	kstats.user_entry_tsc = rdtsc();
	enter_app(start.entry, start.sp);
}
