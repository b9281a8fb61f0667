/* 16550 UART on an ISA I/O port: output polled, input polled or by interrupt. */
#ifndef UPY_DRIVERS_UART_H
#define UPY_DRIVERS_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void uart_init(uint16_t port);
void uart_write(uint16_t port, const char *buf, size_t len);
/* Returns once everything written has left the transmitter (LSR TEMT): the
 * bytes uart_write only put in the FIFO are lost if the VM ends first. */
void uart_drain(uint16_t port);
/* Returns the next received byte, or -1 when none is waiting. */
int uart_poll_read(uint16_t port);
/* Whether the UART raises its IRQ when a byte has arrived. */
void uart_rx_interrupt(uint16_t port, bool on);

#endif
