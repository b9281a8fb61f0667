/* /dev/console: the serial console as a terminal device. */
#ifndef UPY_DRIVERS_CONSOLE_TTY_H
#define UPY_DRIVERS_CONSOLE_TTY_H

#include "fs/vfs.h"

extern const struct file_ops console_tty_ops;

#endif
