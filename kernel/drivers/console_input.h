/* The app's standard input from the host runner (see console_input.c). */
#ifndef UPY_DRIVERS_CONSOLE_INPUT_H
#define UPY_DRIVERS_CONSOLE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* enabled: the runner sends input (stdin=1); otherwise it reads end-of-file. */
void console_input_init(bool enabled);
/* Copies up to len waiting bytes (with lines: of the first line) into buf
 * (kernel memory); blocks while none wait and the input has not ended.
 * 0 at end-of-file, -EAGAIN (nonblock), -ERESTARTSYS when a signal
 * interrupts the wait. */
int64_t console_input_read(uint8_t *buf, size_t len, bool lines, bool nonblock);
/* Whether a read would not block. */
bool console_input_readable(bool lines);
/* Bytes waiting (FIONREAD). */
size_t console_input_pending(void);
/* Discards the bytes received and not read yet (TCFLSH TCIFLUSH). */
void console_input_flush(void);

#endif
