/*
 * void context_switch(uint64_t *save_rsp, uint64_t load_rsp)
 * Saves the callee-saved registers of the running thread on its kernel
 * stack and its RSP in *save_rsp, then resumes the thread whose stack
 * pointer is load_rsp, at the point where it called context_switch.
 */
	.text
	.globl context_switch
context_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* Where a new thread's first context_switch "returns": into the app, with
 * the struct regs prepared at the top of its kernel stack. */
	.globl thread_first_entry
thread_first_entry:
	call sched_thread_started
	jmp return_to_context
