#ifndef UPY_ARCH_IDT_H
#define UPY_ARCH_IDT_H

#include "arch/x86_64/regs.h"

#define VECTOR_PAGE_FAULT 14
#define VECTOR_IRQ_BASE 32

void idt_init(void);

/* A handler for an interrupt vector >= VECTOR_IRQ_BASE. */
typedef void (*irq_handler_fn)(struct regs *regs);
void idt_set_irq_handler(unsigned vector, irq_handler_fn fn);

#endif
