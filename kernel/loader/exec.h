/* Starting the app: load an ELF program and its interpreter into the
 * address space, and build the initial stack as Linux does. */
#ifndef UPY_LOADER_EXEC_H
#define UPY_LOADER_EXEC_H

#include <stdint.h>

struct exec_start {
	uint64_t entry; /* the first instruction (ld.so's, if there is one) */
	uint64_t sp;    /* the initial stack pointer, at argc */
};

/* Returns 0 or a negative errno; *why explains a failure in words. */
int exec_load(const char *path, char *const argv[], int argc, char *const envp[], int envc,
	      struct exec_start *out, const char **why);

#endif
