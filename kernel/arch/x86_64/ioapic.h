/*
 * The I/O APIC: routes device interrupt lines (GSIs) to vectors of the
 * local APIC. QEMU's microvm has one at the architectural address with 24
 * pins; its virtio-mmio devices interrupt on GSI 5..12 (acpi=off) or 16+.
 * The legacy PIC keeps the ISA lines it serves (PIT, serial); a line is
 * used through one of the two, never both.
 */
#ifndef UPY_ARCH_IOAPIC_H
#define UPY_ARCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_VECTOR_BASE 0x30 /* GSI n arrives on vector 0x30 + n */

/* Maps the I/O APIC and masks every pin. Returns false when there is none
 * (no plausible version register). */
bool ioapic_init(void);
/* The number of pins (GSIs 0..n-1); 0 without an I/O APIC. */
unsigned ioapic_pins(void);
/* Routes gsi to IOAPIC_VECTOR_BASE + gsi on this CPU, level-triggered
 * active-high (virtio-mmio's line stays up until its interrupt is acked),
 * still masked. Returns the vector, or -1 for a pin that does not exist. */
int ioapic_route(unsigned gsi);
void ioapic_unmask(unsigned gsi);
void ioapic_mask(unsigned gsi);

#endif
