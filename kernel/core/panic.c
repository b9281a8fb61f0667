#include "core/panic.h"

#include <stdarg.h>
#include <stdint.h>

#include "abi/host.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/memlayout.h"
#include "core/console.h"
#include "lib/fmt.h"

/* Set while panicking, so a fault inside the panic path stops at once. */
static int panicking;

static int is_kernel_text(uint64_t a)
{
	extern char __kernel_start[], __kernel_end[];
	return a >= (uint64_t)__kernel_start && a < (uint64_t)__kernel_end;
}

static int is_kernel_data(uint64_t a)
{
	return a >= DIRECT_MAP_BASE;
}

static void frame(int n, uint64_t addr)
{
	kprintf("  #%d 0x%lx\n", n, addr);
	control_record("frame 0x%lx", addr);
}

/* Walk the frame-pointer chain (the kernel keeps frame pointers). */
static void backtrace(uint64_t rip, uint64_t rbp)
{
	int n = 0;
	frame(n++, rip);
	for (; n < 32 && is_kernel_data(rbp) && (rbp & 7) == 0; n++) {
		uint64_t *fp = (uint64_t *)rbp;
		uint64_t ret = fp[1];
		if (!is_kernel_text(ret))
			break;
		/* Report the call instruction, not the return address. */
		frame(n, ret - 1);
		if (fp[0] <= rbp)
			break;
		rbp = fp[0];
	}
}

__attribute__((noreturn)) static void vpanic_at(uint64_t rip, uint64_t rbp, const struct regs *r, const char *fmt,
		      va_list ap)
{
	irq_disable();
	if (panicking++)
		machine_exit(UPY_EXIT_PANIC);
	char reason[256];
	vformat(reason, sizeof(reason), fmt, ap);
	kprintf("kernel panic: %s\n", reason);
	control_record("panic %s", reason);
	if (r) {
		kprintf("  rip %016lx rsp %016lx rflags %08lx error %lx\n", r->rip, r->rsp,
			r->rflags, r->error);
		kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx,
			r->rcx, r->rdx);
		kprintf("  rsi %016lx rdi %016lx rbp %016lx cr2 %016lx\n", r->rsi, r->rdi,
			r->rbp, read_cr2());
	}
	kprintf("backtrace:\n");
	backtrace(rip, rbp);
	machine_exit(UPY_EXIT_PANIC);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	uint64_t *fp = frame_address();
	vpanic_at(fp[1] - 1, fp[0], NULL, fmt, ap);
}

void panic_regs(const struct regs *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic_at(r->rip, r->rbp, r, fmt, ap);
}

void refuse_image(const char *fmt, ...)
{
	irq_disable();
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vformat(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	kprintf("unipython: the image is damaged: %s\n", reason);
	control_record("bad-image %s", reason);
	machine_exit(UPY_EXIT_PANIC);
}
