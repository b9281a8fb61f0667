#include "drivers/console_out.h"

#include "core/console.h"

/* The ports by stream, set at boot by their drivers. */
static struct console_port *ports[2];

void console_out_set_port(unsigned stream, struct console_port *p)
{
	if (stream < 2)
		ports[stream] = p;
}

bool console_out_has_ports(void)
{
	return ports[0] || ports[1];
}

static struct console_port *port_of(unsigned stream)
{
	if (stream == CONSOLE_STDERR && !ports[CONSOLE_STDERR])
		return ports[CONSOLE_STDOUT];
	return ports[stream < 2 ? stream : 0];
}

int64_t console_out_write(unsigned stream, const void *buf, size_t len)
{
	struct console_port *p = port_of(stream);
	if (!p) {
		console_write(buf, len);
		return (int64_t)len;
	}
	return p->write(p, buf, len);
}

void console_out_push(unsigned stream)
{
	struct console_port *p = port_of(stream);
	if (p)
		p->push(p);
}

void console_out_drain(void)
{
	for (unsigned i = 0; i < 2; i++) {
		if (ports[i]) {
			ports[i]->push(ports[i]);
			ports[i]->drain(ports[i]);
		}
	}
}
