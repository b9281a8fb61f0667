/*
 * Copies that may touch app memory. A fault on an address no mapping
 * covers resumes at the fixup (see .extable in linker.ld and trap.c), which
 * returns -EFAULT. Faults on lazily committed pages are simply filled.
 */
#define EFAULT 14

	.text
/* long raw_copy(void *dst, const void *src, size_t n): 0 or -EFAULT */
	.globl raw_copy
raw_copy:
	mov %rdx, %rcx
	shr $3, %rcx
1:	rep movsq
	mov %rdx, %rcx
	and $7, %rcx
2:	rep movsb
	xor %eax, %eax
	ret

/* long raw_clear(void *dst, size_t n): 0 or -EFAULT */
	.globl raw_clear
raw_clear:
	mov %rsi, %rcx
	xor %eax, %eax
3:	rep stosb
	ret

/* long raw_strncpy(char *dst, const char *src, size_t max):
 * the length before the NUL, max if there is no NUL in max bytes, or -EFAULT */
	.globl raw_strncpy
raw_strncpy:
	xor %eax, %eax
5:	cmp %rdx, %rax
	jae 7f
4:	movzbl (%rsi,%rax), %ecx
	mov %cl, (%rdi,%rax)
	test %cl, %cl
	jz 7f
	inc %rax
	jmp 5b
7:	ret

uaccess_fault:
	mov $-EFAULT, %rax
	ret

	.section .extable, "a"
	.quad 1b, uaccess_fault
	.quad 2b, uaccess_fault
	.quad 3b, uaccess_fault
	.quad 4b, uaccess_fault
