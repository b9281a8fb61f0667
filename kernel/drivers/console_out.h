/*
 * Where the app's console output goes: its two streams (stdout, and stderr
 * = what the app writes through the descriptor 2 it starts with) go to
 * fast ports when the VMM attaches them (virtio-console ports named
 * org.unipython.stdout and org.unipython.stderr; without a stderr port both
 * streams share the stdout one, in the order written), else to the serial
 * console (COM1). Kernel messages always take COM1.
 */
#ifndef UPY_DRIVERS_CONSOLE_OUT_H
#define UPY_DRIVERS_CONSOLE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_STDOUT 0
#define CONSOLE_STDERR 1

struct console_port {
	/* Queues len bytes of kernel memory; may sleep for room. Returns len,
	 * or a negative errno (then part may have been queued). */
	int64_t (*write)(struct console_port *p, const void *buf, size_t len);
	/* Sends what is queued (at the end of each write call). */
	void (*push)(struct console_port *p);
	/* Waits until the host has taken everything (at exit; no sleeping:
	 * polls, and gives up when the host takes nothing for a while). */
	void (*drain)(struct console_port *p);
};

/* A driver's port for a stream, at boot. */
void console_out_set_port(unsigned stream, struct console_port *p);
int64_t console_out_write(unsigned stream, const void *buf, size_t len);
void console_out_push(unsigned stream);
/* Before the VM ends: all output reaches the host. */
void console_out_drain(void);
bool console_out_has_ports(void);

#endif
