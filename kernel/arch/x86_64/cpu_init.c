#include "arch/x86_64/cpu_init.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "core/panic.h"

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)

/* XCR0 components the kernel turns on when the CPU has them: x87, SSE,
 * AVX and the three AVX-512 parts. Not MPX, PKRU or AMX. */
#define XCR0_WANTED 0xe7ull

uint32_t xsave_size;
uint64_t xsave_mask;

extern char syscall_entry[];

static void fpu_init(void)
{
	write_cr0((read_cr0() & ~(uint64_t)(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	struct cpuid_regs id = cpuid(1, 0);
	if (!(id.ecx & (1u << 26)))
		panic("the CPU has no XSAVE; unipython needs it (use -cpu max or a newer CPU model)");
	write_cr4(cr4 | CR4_OSXSAVE);
	struct cpuid_regs x = cpuid(0xd, 0);
	xsave_mask = (((uint64_t)x.edx << 32) | x.eax) & XCR0_WANTED;
	xsetbv(0, xsave_mask);
	xsave_size = cpuid(0xd, 0).ebx; /* for the components now enabled */
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

static void syscall_init(void)
{
	/* STAR[47:32]: CS on syscall (SS is CS + 8). sysret is never used. */
	wrmsr(MSR_STAR, (uint64_t)GDT_KERNEL_CODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_AC | (3u << 12) | (1u << 14));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

void cpu_init(void)
{
	fpu_init();
	syscall_init();
}
