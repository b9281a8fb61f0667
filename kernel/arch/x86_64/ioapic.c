#include "arch/x86_64/ioapic.h"

#include "arch/x86_64/paging.h"

#define IOAPIC_BASE 0xfec00000ull
#define REG_SELECT 0x00
#define REG_WINDOW 0x10
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDIR(n) (0x10 + 2 * (n))

#define REDIR_LEVEL (1u << 15)
#define REDIR_MASKED (1u << 16)

/* The mapped registers and pin count; set once by ioapic_init. */
static volatile uint32_t *regs;
static unsigned pins;

static uint32_t read_reg(uint32_t reg)
{
	regs[REG_SELECT / 4] = reg;
	return regs[REG_WINDOW / 4];
}

static void write_reg(uint32_t reg, uint32_t v)
{
	regs[REG_SELECT / 4] = reg;
	regs[REG_WINDOW / 4] = v;
}

bool ioapic_init(void)
{
	regs = ioremap(IOAPIC_BASE, 4096);
	uint32_t version = read_reg(IOAPIC_VERSION);
	/* Absent, the bus reads all ones; real ones are versions 0x1x or 0x20. */
	if (version == 0xffffffff || (version & 0xff) < 0x10 || (version & 0xff) > 0x20) {
		pins = 0;
		return false;
	}
	pins = ((version >> 16) & 0xff) + 1;
	for (unsigned i = 0; i < pins; i++)
		write_reg(IOAPIC_REDIR(i), REDIR_MASKED);
	return true;
}

unsigned ioapic_pins(void)
{
	return pins;
}

int ioapic_route(unsigned gsi)
{
	if (gsi >= pins || IOAPIC_VECTOR_BASE + gsi >= 0xf0)
		return -1;
	unsigned vector = IOAPIC_VECTOR_BASE + gsi;
	/* Destination: APIC ID 0, the one CPU (physical destination mode). */
	write_reg(IOAPIC_REDIR(gsi) + 1, 0);
	write_reg(IOAPIC_REDIR(gsi), REDIR_MASKED | REDIR_LEVEL | vector);
	return (int)vector;
}

void ioapic_unmask(unsigned gsi)
{
	if (gsi < pins)
		write_reg(IOAPIC_REDIR(gsi), read_reg(IOAPIC_REDIR(gsi)) & ~REDIR_MASKED);
}

void ioapic_mask(unsigned gsi)
{
	if (gsi < pins)
		write_reg(IOAPIC_REDIR(gsi), read_reg(IOAPIC_REDIR(gsi)) | REDIR_MASKED);
}
