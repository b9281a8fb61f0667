#include "arch/x86_64/lapic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "core/panic.h"

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_ENABLE (1u << 11)

#define REG_EOI 0x0b0
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0
#define REG_SVR 0x0f0
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370

#define LVT_MASKED (1u << 16)
#define LVT_EXTINT (7u << 8)
#define LVT_NMI (4u << 8)
#define LVT_TSC_DEADLINE (2u << 17)

/* The APIC's registers and timer mode; set once at boot. */
static volatile uint32_t *regs;
static bool tsc_deadline;
static uint64_t count_hz, tsc_rate;

static uint32_t read_reg(uint32_t reg)
{
	return regs[reg / 4];
}

static void write_reg(uint32_t reg, uint32_t v)
{
	regs[reg / 4] = v;
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	regs = ioremap(base & ~0xfffull, 4096);
	write_reg(REG_SVR, (1u << 8) | LAPIC_SPURIOUS_VECTOR);
	write_reg(REG_LVT_LINT0, LVT_EXTINT);
	write_reg(REG_LVT_LINT1, LVT_NMI);
	write_reg(REG_LVT_ERROR, LVT_MASKED);
	write_reg(REG_LVT_TIMER, LVT_MASKED);
}

void lapic_eoi(void)
{
	write_reg(REG_EOI, 0);
}

void lapic_count_start(void)
{
	write_reg(REG_TIMER_DIVIDE, 0xb); /* divide by 1 */
	write_reg(REG_LVT_TIMER, LVT_MASKED);
	write_reg(REG_TIMER_INITIAL, 0xffffffff);
}

uint32_t lapic_count_elapsed(void)
{
	return 0xffffffff - read_reg(REG_TIMER_CURRENT);
}

void lapic_set_count_hz(uint64_t hz)
{
	count_hz = hz;
}

void lapic_timer_init(uint8_t vector, uint64_t tsc_hz)
{
	tsc_deadline = cpuid(1, 0).ecx & (1u << 24);
	tsc_rate = tsc_hz;
	if (tsc_deadline) {
		write_reg(REG_LVT_TIMER, LVT_TSC_DEADLINE | vector);
		return;
	}
	if (!count_hz)
		panic("the APIC timer rate was not measured");
	write_reg(REG_TIMER_DIVIDE, 0xb);
	write_reg(REG_LVT_TIMER, vector); /* one-shot */
}

void lapic_timer_arm(uint64_t deadline)
{
	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline ? deadline : 1);
		return;
	}
	uint64_t now = rdtsc();
	uint64_t delta = deadline > now ? deadline - now : 0;
	uint64_t ticks = (uint64_t)(((unsigned __int128)delta * count_hz) / tsc_rate);
	/* A far deadline fires early; the handler then arms the timer again. */
	write_reg(REG_TIMER_INITIAL, ticks == 0 ? 1 : ticks > 0xffffffff ? 0xffffffff : (uint32_t)ticks);
}

void lapic_timer_disarm(void)
{
	if (tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		write_reg(REG_TIMER_INITIAL, 0);
}
