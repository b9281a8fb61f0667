/*
 * The disk's step of boot (core/boot_step.h): `disk=GUESTDIR` on the
 * command line (the runner's --disk FILE:GUESTDIR; `disk=GUESTDIR,ro` for
 * a read-only one) mounts the ext3 file system of the first virtio-blk
 * disk there; over a directory of the image that holds files (/app, HOME)
 * the disk first takes them in (disk_seed.h). A disk that cannot be
 * mounted is reported on the console and the app runs without it: never a
 * panic for what is on a disk.
 */
#include "core/boot_info.h"
#include "core/boot_step.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/process.h"
#include "fs/ext2/disk_seed.h"
#include "fs/ext2/ext2fs.h"
#include "fs/namei.h"
#include "lib/string.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

#define DISK_VFS_DEV 32

/* The value of the first disk= token, decoded; NULL without one. */
static char *disk_option(const char *cmdline)
{
	size_t len = strlen(cmdline);
	for (size_t i = 0; i < len;) {
		while (i < len && cmdline[i] == ' ')
			i++;
		size_t start = i;
		while (i < len && cmdline[i] != ' ')
			i++;
		if (i - start > 5 && memcmp(cmdline + start, "disk=", 5) == 0) {
			size_t n = i - start - 5;
			char *v = kmalloc(n + 1);
			if (!v)
				return NULL;
			memcpy(v, cmdline + start + 5, n);
			long m = percent_decode(v, n);
			if (m < 0) {
				kfree(v);
				return NULL;
			}
			v[m] = '\0';
			return v;
		}
	}
	return NULL;
}

/* The image's files of the directory the disk goes over (disk_seed.h),
 * made durable before the app starts. */
static int seed(struct superblock *sb, struct inode *image_dir)
{
	uint32_t copied = 0;
	int rc = disk_seed(sb->root, image_dir, &copied);
	if (rc == 0 && copied)
		rc = sb->sync(sb);
	return rc;
}

static void disk_boot(void)
{
	char *dir = disk_option(boot_info.cmdline);
	if (!dir)
		return;
	bool ro = false;
	size_t n = strlen(dir);
	if (n > 3 && strcmp(dir + n - 3, ",ro") == 0) {
		dir[n - 3] = '\0';
		ro = true;
	}
	/* The first disk that is not the image itself (run --rootfs=blk). */
	struct blkdev *dev = NULL;
	for (char name[] = "vda"; name[2] <= 'h' && !dev; name[2]++)
		if ((dev = blkdev_find(name)) && dev->claimed)
			dev = NULL;
	if (!dev) {
		kprintf("disk: no virtio-blk disk: nothing is mounted at %s\n", dir);
		return;
	}
	struct walk_result w;
	int rc = path_walk(vfs_root, dir, WALK_FOLLOW | WALK_DIRECTORY, &w);
	if (rc < 0) {
		kprintf("disk: cannot mount %s at %s: %s\n", dev->name, dir, errno_message(-rc));
		return;
	}
	const char *why = "";
	struct superblock *sb = ext2_mount(dev, DISK_VFS_DEV, ro, &why);
	if (!sb) {
		kprintf("disk: %s is not mounted at %s: %s\n", dev->name, dir, why);
	} else if (!sb->readonly && (rc = seed(sb, w.inode)) < 0) {
		kprintf("disk: cannot copy the image's %s onto %s (%s): not mounted\n", dir, dev->name,
			errno_message(-rc));
	} else if ((rc = vfs_mount(w.inode, sb)) < 0) {
		kprintf("disk: cannot mount %s at %s: %s\n", dev->name, dir, errno_message(-rc));
	} else {
		/* The app starts in its directory, which boot entered before this
		 * step: into the disk then, if the disk went over it. */
		if (proc.cwd == w.inode) {
			inode_put(proc.cwd);
			proc.cwd = inode_get(sb->root);
		}
		kprintf("disk: %s (%llu MiB ext3%s) mounted at %s\n", dev->name,
			(unsigned long long)(dev->sectors / 2048), sb->readonly ? ", read-only" : "", dir);
	}
	walk_release(&w);
}
BOOT_STEP(disk_boot);
