/*
 * Steps of boot that an optional component adds (the network's DHCP lease
 * and /etc files): kernel_main runs them in link order once the file
 * systems are mounted and the boot config is read, before the app starts.
 * A kernel built without the component has none of its steps, and
 * kernel_main needs no knowledge of it.
 *
 *     static void net_boot(void) { ... }
 *     BOOT_STEP(net_boot);
 */
#ifndef UPY_CORE_BOOT_STEP_H
#define UPY_CORE_BOOT_STEP_H

typedef void (*boot_step_fn)(void);

#define BOOT_STEP(fn)                                                                    \
	static const boot_step_fn boot_step_##fn                                          \
		__attribute__((used, section(".boot_steps"), aligned(8))) = fn

/* Steps of the process's exit, the same way (net/tcp.c's sending out what
 * the app wrote): run after the app's descriptors are closed, before the
 * disks are synced and the VM ends. */
#define EXIT_STEP(fn)                                                                    \
	static const boot_step_fn exit_step_##fn                                          \
		__attribute__((used, section(".exit_steps"), aligned(8))) = fn

#endif
