/* Kernel output: the console (COM1, shared with the app's stdout/stderr)
 * and the control channel to the host runner (COM2, see abi/host.h). */
#ifndef UPY_CORE_CONSOLE_H
#define UPY_CORE_CONSOLE_H

#include <stddef.h>

void console_init(void);
void console_write(const char *buf, size_t len);
/* A kernel message for people, prefixed "unipython: ". */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One machine-readable record line on the control channel. */
void control_record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Waits until the records sent have left the control port: before the VM
 * ends (the exit record was lost now and then without it). */
void control_drain(void);

#endif
