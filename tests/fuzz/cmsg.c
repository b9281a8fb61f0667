/*
 * libFuzzer harness for control messages (net/cmsg.c): a sender's control
 * buffer walked as every family walks it (cmsg_next), and a receiver's
 * filled with cmsg_put under Linux's truncation rules. The input's first
 * bytes choose the receiver's buffer size and the messages put into it;
 * the rest is the sender's buffer, in memory of exactly its size.
 * Invariants: each message the walk returns lies inside the buffer, the
 * walk moves forward and ends; puts never pass the receiver's buffer and
 * say MSG_CTRUNC exactly when something did not fit. Built and run by
 * tools/fuzz.py.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_heap.h"
#include "net/cmsg.h"

static void walk(const uint8_t *data, size_t size)
{
	void *control = malloc(size ? size : 1);
	memcpy(control, data, size);
	struct kmsg m = { .control = size ? control : NULL, .controllen = size };
	size_t off = 0, steps = 0;
	int err;
	const struct cmsg *c;
	while ((c = cmsg_next(&m, &off, &err))) {
		const uint8_t *start = (const uint8_t *)c, *end = start + c->len;
		if (start < (uint8_t *)control || c->len < CMSG_HDR ||
		    end > (uint8_t *)control + size || off > size + 7 ||
		    (size_t)(start - (uint8_t *)control) >= off)
			abort();
		volatile uint8_t sum = 0; /* every data byte is readable */
		for (size_t i = 0; i < cmsg_data_len(c); i++)
			sum += ((const uint8_t *)cmsg_data(c))[i];
		if (++steps > size / CMSG_HDR + 1)
			abort(); /* the walk must end */
	}
	if (err != 0 && err != -22)
		abort();
	free(control);
}

static void put(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	size_t room = data[0] | (size_t)(data[1] & 1) << 8; /* up to 511 bytes */
	uint8_t *control = malloc(room ? room : 1);
	struct kmsg m = { .control = room ? control : NULL, .controllen = room };
	size_t used = 0, wanted = 0;
	uint8_t payload[300];
	memset(payload, 0xab, sizeof(payload));
	for (size_t i = 2; i + 1 < size && i < 40; i += 2) {
		size_t len = data[i] | (size_t)(data[i + 1] & 1) << 8;
		if (len > sizeof(payload))
			len = sizeof(payload);
		size_t before = used;
		cmsg_put(&m, &used, 1, data[i + 1] >> 1, payload, len);
		if (used < before || used > room)
			abort();
		wanted += CMSG_ALIGN(CMSG_HDR + len);
		/* MSG_CTRUNC once a message did not fit whole (the last one's
		 * padding need not). */
		if (!(m.flags & MSG_CTRUNC) && used != wanted && used != room)
			abort();
	}
	free(control);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	walk(data, size);
	put(data, size);
	return 0;
}
