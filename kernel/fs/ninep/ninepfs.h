/* Host directories as file systems over 9P2000.L (virtio-9p volumes). */
#ifndef UPY_FS_NINEP_NINEPFS_H
#define UPY_FS_NINEP_NINEPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/vfs.h"

/* Attaches to the export whose mount tag is tag: -ENODEV when no device
 * has it, the host's errno when it refuses. */
int ninepfs_mount(const char *tag, size_t tag_len, bool readonly, uint32_t dev,
		  struct superblock **out);

#endif
