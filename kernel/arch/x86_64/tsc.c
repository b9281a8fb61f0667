#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/lapic.h"
#include "drivers/pic.h"
#include "drivers/pit.h"

static uint64_t from_cpuid(void)
{
	/* Leaf 0x15: TSC = crystal * ebx / eax. */
	if (cpuid(0, 0).eax >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx)
			return (uint64_t)r.ecx * r.ebx / r.eax;
	}
	/* Hypervisor timing leaf (KVM, VMware): EAX = TSC kHz. */
	if (cpuid(1, 0).ecx & (1u << 31)) {
		if (cpuid(0x40000000, 0).eax >= 0x40000010) {
			uint32_t khz = cpuid(0x40000010, 0).eax;
			if (khz)
				return (uint64_t)khz * 1000;
		}
	}
	return 0;
}

uint64_t tsc_calibration_halted_ticks;

/* Set by the IRQ 0 handler; read by the halted measuring loop. */
static volatile int pit_fired;

static void pit_irq(struct regs *r)
{
	pit_fired = 1;
	pic_eoi(0);
}

static uint64_t from_pit(void)
{
	const uint16_t ticks = PIT_HZ / 500; /* 2 ms */
	idt_set_irq_handler(PIC_VECTOR_BASE + 0, pit_irq);
	pic_unmask(0);
	pit_fired = 0;
	pit_oneshot(ticks);
	/* Read both clocks back to back at each end; the wait in between
	 * halts, so it costs no instructions (and none under -icount). */
	lapic_count_start();
	uint16_t c0 = pit_read_count();
	uint64_t t0 = rdtsc();
	while (!pit_fired)
		cpu_idle_wait();
	uint16_t c1 = pit_read_count();
	uint64_t t1 = rdtsc();
	uint32_t apic_ticks = lapic_count_elapsed();
	tsc_calibration_halted_ticks = t1 - t0;
	pic_mask(0);
	idt_set_irq_handler(PIC_VECTOR_BASE + 0, 0);
	uint16_t elapsed = (uint16_t)(c0 - c1); /* mode 0 wraps past zero */
	lapic_set_count_hz((uint64_t)apic_ticks * PIT_HZ / elapsed);
	return (t1 - t0) * PIT_HZ / elapsed;
}

uint64_t tsc_measure_hz(const char **source)
{
	uint64_t hz = from_cpuid();
	*source = "cpuid";
	/* Without a TSC-deadline timer the APIC's rate must be measured too. */
	if (!hz || !(cpuid(1, 0).ecx & (1u << 24))) {
		uint64_t measured = from_pit();
		if (!hz) {
			hz = measured;
			*source = "pit";
		}
	}
	return hz;
}
