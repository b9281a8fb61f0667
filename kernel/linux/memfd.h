#ifndef UPY_LINUX_MEMFD_H
#define UPY_LINUX_MEMFD_H

#include "fs/vfs.h"

/* fcntl F_ADD_SEALS and F_GET_SEALS. */
int memfd_add_seals(struct file *f, unsigned long seals);
int memfd_get_seals(struct file *f);

#endif
