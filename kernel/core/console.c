#include "core/console.h"

#include <stdarg.h>

#include "abi/host.h"
#include "drivers/uart.h"
#include "lib/fmt.h"
#include "lib/string.h"

void console_init(void)
{
	uart_init(UPY_CONSOLE_PORT);
	uart_init(UPY_CONTROL_PORT);
}

void console_write(const char *buf, size_t len)
{
	uart_write(UPY_CONSOLE_PORT, buf, len);
}

void kprintf(const char *fmt, ...)
{
	char buf[512];
	size_t prefix = sizeof("unipython: ") - 1;
	memcpy(buf, "unipython: ", prefix);
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(buf + prefix, sizeof(buf) - prefix, fmt, ap);
	va_end(ap);
	size_t len = prefix + (size_t)n;
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	console_write(buf, len);
}

void control_record(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n < sizeof(buf) - 2 ? (size_t)n : sizeof(buf) - 2;
	buf[len++] = '\n';
	uart_write(UPY_CONTROL_PORT, buf, len);
}

void control_drain(void)
{
	uart_drain(UPY_CONTROL_PORT);
}
