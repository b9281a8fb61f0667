/* /dev/console: the serial console as a terminal device. */
#ifndef UPY_DRIVERS_CONSOLE_TTY_H
#define UPY_DRIVERS_CONSOLE_TTY_H

#include "fs/vfs.h"

extern const struct file_ops console_tty_ops;

/* Makes f (the boot's descriptor 2) write the app's stderr stream. */
void console_tty_make_stderr(struct file *f);

#endif
