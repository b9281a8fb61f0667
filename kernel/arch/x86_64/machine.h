/* Leaving the virtual machine. */
#ifndef UPY_ARCH_MACHINE_H
#define UPY_ARCH_MACHINE_H

#include <stdint.h>

/* Ends the VM through the isa-debug-exit device; without one, through a
 * triple fault (QEMU -no-reboot then exits too). Never returns. */
__attribute__((noreturn)) void machine_exit(uint32_t code);

#endif
