/* The legacy 8259 interrupt controllers, remapped to vectors 32..47. */
#ifndef UPY_DRIVERS_PIC_H
#define UPY_DRIVERS_PIC_H

#define PIC_VECTOR_BASE 32

void pic_init(void); /* all lines masked */
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_eoi(unsigned irq);

#endif
