/* The kernel's entry from boot.S: bring the machine up, then run the app. */
#include <stdint.h>

#include "abi/host.h"
#include "abi/rootfs_format.h"
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
#include "core/boot_step.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/process.h"
#include "core/random.h"
#include "core/stats.h"
#include "drivers/pic.h"
#include "drivers/console_input.h"
#include "drivers/console_tty.h"
#include "drivers/blkdev.h"
#include "drivers/virtio/virtio.h"
#include "fs/devfs.h"
#include "fs/fdtable.h"
#include "fs/image_locate.h"
#include "fs/namei.h"
#include "fs/open.h"
#include "fs/procfs.h"
#include "fs/rootfs.h"
#include "fs/tmpfs.h"
#include "fs/tmpfs_seed.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "loader/exec.h"
#include "mm/fault.h"
#include "mm/frame.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "sched/sched.h"
#include "signal/signal.h"

void pvh_parse(uint32_t start_info_pa);

/* Memory the boot page tables map; early allocations must stay below it. */
#define BOOT_MAPPED_LIMIT (1ull << 30)

/* The first byte after the kernel's image (end of .bss). */
static uint64_t kernel_end_pa(void)
{
	extern char __kernel_end[];
	return virt_to_phys(__kernel_end);
}

/* The size of a root file system the VMM loaded with the kernel (an image's
 * default layout: a PT_LOAD right after .bss), or 0 when there is none there
 * (an image whose rootfs is not loaded: that memory is still the VMM's zeros). */
static uint64_t loaded_rootfs_size(void)
{
	const struct upy_rootfs_header *h = phys_to_virt(kernel_end_pa());
	if (memcmp(h->magic, UPY_ROOTFS_MAGIC, 8) != 0)
		return 0;
	if (h->region_size > BOOT_MAPPED_LIMIT - kernel_end_pa())
		panic("the image is larger than %llu MiB", BOOT_MAPPED_LIMIT >> 20);
	return h->region_size;
}

static int read_device(void *ctx, uint64_t off, void *buf, uint32_t len)
{
	return blkdev_read(ctx, off, buf, len);
}

/* The block device holding this image, read-only (run --rootfs=blk). */
static struct blkdev *find_image_device(uint64_t *off, uint64_t *len)
{
	uint8_t *scratch = kmalloc(IMAGE_LOCATE_SCRATCH);
	if (!scratch)
		panic("out of memory looking for the root file system");
	struct blkdev *found = NULL;
	const char *why;
	for (char name[] = "vda"; name[2] <= 'h' && !found; name[2]++) {
		struct blkdev *d = blkdev_find(name);
		if (d && d->readonly &&
		    image_locate_rootfs_dev(read_device, d, d->sectors * BLK_SECTOR, scratch, off, len,
					    &why) == 0)
			found = d;
	}
	kfree(scratch);
	return found;
}

/* An image whose root file system is no PT_LOAD (the default layout): the
 * VMM offers the image file as a read-only virtio-blk device (run
 * --rootfs=blk; pages are read on demand), or copies it into RAM as the
 * first boot module (--rootfs=ram, QEMU's -initrd). The root file system
 * is the region the image's program headers name. */
static struct superblock *mount_image_rootfs(void)
{
	uint64_t off, len;
	const char *why;
	if (boot_info.initrd.end > boot_info.initrd.start) {
		uint64_t pa = boot_info.initrd.start;
		uint64_t size = boot_info.initrd.end - boot_info.initrd.start;
		if (image_locate_rootfs(phys_to_virt(pa), size, &off, &len, &why) < 0)
			panic("no root file system in the boot module (initrd): %s", why);
		return rootfs_mount(pa + off, len);
	}
	struct blkdev *d = find_image_device(&off, &len);
	if (d) {
		d->claimed = true;
		return rootfs_mount_blk(d, off, len);
	}
	panic("no root file system: no read-only virtio-blk device holding the image (run "
	      "--rootfs=blk) and no boot module (--rootfs=ram, QEMU -initrd IMAGE); "
	      "-kernel IMAGE alone loads only the kernel");
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

/* The builder writes the config as printable ASCII tokens separated by spaces
 * (src/unipython/cmdline.py): anything else means the image is damaged, and
 * its bytes are never echoed raw to the console. */
static void check_config_bytes(const char *text, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x21 || c > 0x7e) && c != ' ' && c != '\n' && c != '\t')
			refuse_image("%s: byte %zu of %zu is 0x%02x, which `unipython build` never "
				     "writes there (build the image again)", UPY_CONFIG_PATH, i, size, c);
	}
}

static void read_config(struct boot_config *cfg)
{
	struct file *f;
	if (vfs_open(vfs_root, UPY_CONFIG_PATH, O_RDONLY, 0, &f) < 0)
		refuse_image("it has no %s (build the image again)", UPY_CONFIG_PATH);
	size_t size = f->inode->size;
	char *text = kmalloc(size + 1);
	if (!text || kernel_read(f, text, size, 0) != (int64_t)size)
		refuse_image("cannot read %s (%zu bytes)", UPY_CONFIG_PATH, size);
	file_put(f);
	check_config_bytes(text, size);
	const char *why;
	if (boot_config_parse(cfg, text, size, &why) < 0)
		refuse_image("%s: %s (build the image again)", UPY_CONFIG_PATH, why);
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
		    fd_install(proc.fds, f, fd, false) != fd)
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

	uint64_t loaded = loaded_rootfs_size();
	frame_init(&boot_info, kernel_end_pa() + loaded, BOOT_MAPPED_LIMIT);
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
	layout_set_randomize(!cmd.norandmaps);
	/* Entropy from the CPU, then from the devices (virtio-rng); the devices
	 * include virtio-blk, which may hold the image. */
	random_init();
	virtio_init(boot_info.cmdline, cmd.verbose);
	random_report(cmd.verbose);

	/* A thread first: reading the root file system from a device sleeps. */
	process_init();
	sched_set_interrupter(signal_interrupts);
	sched_init();
	vfs_set_root(loaded ? rootfs_mount(kernel_end_pa(), loaded) : mount_image_rootfs());
	mount_at("/tmp", tmpfs_new(2, 01777));
	mount_at("/dev", devfs_new());
	mount_at("/proc", procfs_new(4));
	/* The image's defaults, then the command line again on top of them. */
	read_config(&cfg);
	boot_config_parse(&cfg, boot_info.cmdline, strlen(boot_info.cmdline), &why);
	if (!cfg.exec || cfg.argc == 0)
		refuse_image("%s names no program to run", UPY_CONFIG_PATH);
	for (int i = 0; i < cfg.nwritable; i++)
		mount_writable_copy(cfg.writable[i], 5 + (uint32_t)i);
	console_input_init(cfg.stdin_from_host);
	open_console_fds();
	set_cwd(cfg.cwd);
	extern const boot_step_fn __boot_steps_start[], __boot_steps_end[];
	for (const boot_step_fn *step = __boot_steps_start; step < __boot_steps_end; step++)
		(*step)();

	struct exec_start start;
	int rc = exec_load(cfg.exec, cfg.argv, cfg.argc, cfg.envp, cfg.envc, &start, &why);
	if (rc < 0)
		panic("cannot start %s: %s (%s)", cfg.exec, why, errno_message(-rc));
	kstats.user_entry_tsc = rdtsc();
	enter_app(start.entry, start.sp);
}
