/*
 * Mounts the host volumes the command line names (volume_conf.h), as a
 * boot step: after the image's own mounts, before the app starts. A volume
 * the runner asked for but that cannot be mounted stops the boot: the app
 * would otherwise write into the image's tmpfs and lose its data silently.
 */
#include "core/boot_info.h"
#include "core/boot_step.h"
#include "core/panic.h"
#include "core/process.h"
#include "fs/ninep/ninepfs.h"
#include "fs/ninep/volume_conf.h"
#include "lib/string.h"
#include "uapi/errno.h"

#define VOLUME_DEV_BASE 32 /* st_dev of the first volume; the image's own mounts are below */

/* Filled once at boot, read by nobody after: static only to keep it off the stack. */
static struct volume_config volumes;

static void volumes_boot(void)
{
	const char *why = NULL;
	if (volume_config_parse(boot_info.cmdline, strlen(boot_info.cmdline), &volumes, &why) < 0)
		panic("bad volume on the command line: %s", why);
	for (int i = 0; i < volumes.n; i++) {
		const struct volume *v = &volumes.v[i];
		struct superblock *sb;
		int rc = ninepfs_mount(v->tag, strlen(v->tag), v->readonly,
				       VOLUME_DEV_BASE + (uint32_t)i, &sb);
		if (rc == -ENODEV)
			panic("volume %s: the VMM offers no virtio-9p device tagged %s", v->path, v->tag);
		if (rc < 0)
			panic("volume %s: the host refused it (%s)", v->path, errno_message(-rc));
		rc = vfs_mount_at_path(v->path, sb);
		if (rc < 0)
			panic("cannot mount a volume at %s: %s", v->path, errno_message(-rc));
	}
	/* A volume mounted on the working directory replaces it. */
	while (volumes.n && proc.cwd->mounted) {
		struct inode *root = inode_get(proc.cwd->mounted);
		inode_put(proc.cwd);
		proc.cwd = root;
	}
}
BOOT_STEP(volumes_boot);
