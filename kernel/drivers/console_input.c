/*
 * The app's standard input, sent by the host runner as frames on the
 * control port (abi/host.h). The UART interrupts when bytes arrive; the
 * handler parses frames into a ring that the console terminal reads.
 * When the ring is full the handler turns the interrupt off and leaves the
 * bytes in the UART, so QEMU stops taking more from the runner; a read that
 * makes room turns it back on. The runner starts sending when the kernel
 * says "input ready" on the control port. The host terminal does the line editing and
 * echo (it stays in its own canonical mode), so the bytes pass through as
 * they are. A signal frame (Ctrl-C at the host terminal) raises that
 * signal in the app. Without stdin=1 on the command line nothing is sent, and the
 * input reads end-of-file at once, like `app < /dev/null`.
 */
#include "drivers/console_input.h"

#include "abi/host.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "core/console.h"
#include "drivers/pic.h"
#include "drivers/uart.h"
#include "fs/poll.h"
#include "signal/signal.h"
#include "uapi/errno.h"
#include "sched/sched.h"

#define CONTROL_IRQ 3
#define RING_SIZE 65536

/* The input state; owned by this file. Kernel code runs with interrupts
 * off, so the handler and the readers never overlap. */
static struct {
	bool enabled;  /* the runner sends input */
	bool eof;      /* the runner said it has ended */
	bool rx_off;   /* the ring was full: the UART's interrupt is off */
	uint8_t ring[RING_SIZE];
	size_t head, len;
	/* The frame being received. */
	int stage;     /* 0: type, 1: length high, 2: length low, 3: payload */
	uint8_t type;
	uint8_t signo; /* of a signal frame */
	size_t left;
	struct waitq readers;
} in;

/* Takes bytes from the UART while the ring has room for them. */
static void drain_uart(void)
{
	bool got = false;
	for (;;) {
		if (in.stage == 3 && in.left > 0 && in.type == UPY_INPUT_DATA && in.len == RING_SIZE) {
			in.rx_off = true;
			uart_rx_interrupt(UPY_CONTROL_PORT, false);
			break;
		}
		int c = uart_poll_read(UPY_CONTROL_PORT);
		if (c < 0)
			break;
		switch (in.stage) {
		case 0:
			in.type = (uint8_t)c;
			in.stage = 1;
			break;
		case 1:
			in.left = (size_t)c << 8;
			in.stage = 2;
			break;
		case 2:
			in.left |= (size_t)c;
			in.stage = 3;
			break;
		default:
			if (in.type == UPY_INPUT_DATA) {
				in.ring[(in.head + in.len) % RING_SIZE] = (uint8_t)c;
				in.len++;
				got = true;
			} else if (in.type == UPY_INPUT_SIGNAL) {
				in.signo = (uint8_t)c;
			}
			in.left--;
			break;
		}
		if (in.stage == 3 && in.left == 0) {
			if (in.type == UPY_INPUT_EOF && !in.eof) {
				in.eof = true;
				sched_external_waker(-1);
				got = true;
			} else if (in.type == UPY_INPUT_SIGNAL && in.signo >= 1 && in.signo <= 64) {
				/* As a terminal's Ctrl-C reaches a process on Linux. */
				signal_send_process(in.signo, (struct sig_note){ .code = SI_KERNEL });
				in.signo = 0;
			}
			in.stage = 0;
		}
	}
	if (got) {
		sched_wake(&in.readers, -1);
		poll_notify();
	}
}

static void input_irq(struct regs *r)
{
	(void)r;
	drain_uart();
	pic_eoi(CONTROL_IRQ);
}

void console_input_init(bool enabled)
{
	if (!enabled) {
		in.eof = true;
		return;
	}
	in.enabled = true;
	/* A read may wait for the host: not a deadlock while input can come. */
	sched_external_waker(+1);
	idt_set_irq_handler(PIC_VECTOR_BASE + CONTROL_IRQ, input_irq);
	pic_unmask(CONTROL_IRQ);
	uart_rx_interrupt(UPY_CONTROL_PORT, true);
	/* Only now: a byte sent before the UART was set up could be lost. */
	control_record("input ready");
}

/* The bytes up to and including the first newline waiting, or 0 if none. */
static size_t line_length(void)
{
	for (size_t i = 0; i < in.len; i++)
		if (in.ring[(in.head + i) % RING_SIZE] == '\n')
			return i + 1;
	return 0;
}

int64_t console_input_read(uint8_t *buf, size_t len, bool lines, bool nonblock)
{
	/* A canonical terminal hands out one line per read; the rest of the
	 * input then waits for the next read (C stdio's fgets relies on it). A
	 * last line without a newline comes at the end of the input, or when
	 * it fills the ring. */
	size_t avail;
	while ((avail = lines ? line_length() : in.len) == 0) {
		if (in.len && (in.eof || in.len == RING_SIZE)) {
			avail = in.len;
			break;
		}
		if (in.eof)
			return 0;
		if (nonblock)
			return -EAGAIN;
		if (sched_wait(&in.readers, 0, true, "console read", 0) == -EINTR)
			return -ERESTARTSYS;
	}
	size_t n = len < avail ? len : avail;
	for (size_t i = 0; i < n; i++)
		buf[i] = in.ring[(in.head + i) % RING_SIZE];
	in.head = (in.head + n) % RING_SIZE;
	in.len -= n;
	if (in.rx_off) {
		in.rx_off = false;
		uart_rx_interrupt(UPY_CONTROL_PORT, true);
		drain_uart();
	}
	return (int64_t)n;
}

bool console_input_readable(bool lines)
{
	return in.eof || (lines ? line_length() > 0 || in.len == RING_SIZE : in.len > 0);
}

size_t console_input_pending(void)
{
	return in.len;
}

void console_input_flush(void)
{
	in.head = in.len = 0;
	if (in.rx_off) {
		/* What the UART holds arrives after the flush: take it now. */
		in.rx_off = false;
		uart_rx_interrupt(UPY_CONTROL_PORT, true);
		drain_uart();
	}
	poll_notify();
}
