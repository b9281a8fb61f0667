/* /dev: a tmpfs holding the device nodes (null, zero, full, random,
 * urandom, console, tty) and the usual symlinks; apps may add files
 * (e.g. /dev/shm). */
#ifndef UPY_FS_DEVFS_H
#define UPY_FS_DEVFS_H

#include "fs/vfs.h"

struct superblock *devfs_new(void);

#endif
