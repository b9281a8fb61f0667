#include "drivers/uart.h"

#include "arch/x86_64/cpu.h"

#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40 /* the FIFO and the shift register both empty */
#define FIFO_DEPTH 16

void uart_init(uint16_t port)
{
	outb(port + UART_IER, 0x00);  /* no interrupts until asked for */
	outb(port + UART_LCR, 0x80);  /* DLAB on to set the divisor */
	outb(port + UART_DATA, 0x01); /* 115200 baud */
	outb(port + UART_IER, 0x00);
	outb(port + UART_LCR, 0x03);  /* 8N1, DLAB off */
	outb(port + UART_FCR, 0xc7);  /* enable and clear the FIFOs; RX interrupt at 14 bytes */
	outb(port + UART_MCR, 0x03);  /* DTR, RTS */
}

void uart_write(uint16_t port, const char *buf, size_t len)
{
	while (len) {
		while (!(inb(port + UART_LSR) & LSR_THR_EMPTY))
			cpu_relax();
		/* An empty transmitter takes a whole FIFO's worth at once. */
		size_t chunk = len < FIFO_DEPTH ? len : FIFO_DEPTH;
		for (size_t i = 0; i < chunk; i++)
			outb(port + UART_DATA, (uint8_t)buf[i]);
		buf += chunk;
		len -= chunk;
	}
}

void uart_drain(uint16_t port)
{
	while (!(inb(port + UART_LSR) & LSR_TX_IDLE))
		cpu_relax();
}

int uart_poll_read(uint16_t port)
{
	if (!(inb(port + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(port + UART_DATA);
}

void uart_rx_interrupt(uint16_t port, bool on)
{
	outb(port + UART_IER, on ? 0x01 : 0x00); /* "received data available" */
	outb(port + UART_MCR, on ? 0x0b : 0x03);  /* OUT2 gates the IRQ line on PCs */
}
