/* Ending the VM because every thread waits for something that cannot
 * happen: the scheduler finds it, and needs nothing of the process for it
 * (core/process.h, above the scheduler, uses the scheduler). */
#ifndef UPY_CORE_DEADLOCK_H
#define UPY_CORE_DEADLOCK_H

/* Reports "deadlock" to the runner and ends the VM. */
__attribute__((noreturn)) void deadlock_exit(void);

#endif
