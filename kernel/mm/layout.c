#include "mm/layout.h"

#include "arch/x86_64/memlayout.h"
#include "core/random.h"

/* Owned by this file: written once at boot (layout_set_randomize). */
static bool randomize = true;

/* Linux's x86-64 defaults: mmap_rnd_bits 28 (pages of mmap base and PIE
 * base), STACK_RND_MASK 0x3fffff pages (16 GiB of stack top), 32 MiB of brk. */
#define MMAP_RND_PAGES (1ull << 28)
#define STACK_RND_PAGES (0x3fffffull + 1)
#define BRK_RND_BYTES (32ull << 20)
#define STACK_GAP_MIN (128ull << 20) /* between the stack and the mmap base */
#define PIE_BASE (((USER_TOP / 3) * 2) & ~(PAGE_SIZE - 1))

void layout_set_randomize(bool on)
{
	randomize = on;
}

bool layout_randomizes(void)
{
	return randomize;
}

/* A random number below n (n a power of two), 0 without randomization. */
static uint64_t random_below(uint64_t n)
{
	if (!randomize)
		return 0;
	uint64_t r;
	random_bytes(&r, sizeof(r));
	return r & (n - 1);
}

void layout_pick(struct mm *mm, uint64_t stack_max)
{
	uint64_t stack_rnd = random_below(STACK_RND_PAGES) * PAGE_SIZE;
	mm->stack_top = USER_STACK_TOP - stack_rnd;
	/* Below the stack's largest extent, as Linux's mmap_base: the gap is
	 * the stack limit (at least 128 MiB) plus the stack's random range, so
	 * the stack cannot grow into the mappings wherever each lands. */
	uint64_t gap = stack_max < STACK_GAP_MIN ? STACK_GAP_MIN : stack_max;
	if (gap > USER_TOP / 6 * 5)
		gap = USER_TOP / 6 * 5;
	if (randomize)
		gap += STACK_RND_PAGES * PAGE_SIZE;
	mm->mmap_top = USER_STACK_TOP - gap - random_below(MMAP_RND_PAGES) * PAGE_SIZE;
}

uint64_t layout_stack_offset(void)
{
	return random_below(8192) & ~15ull;
}

uint64_t layout_brk_start(uint64_t end)
{
	if (!randomize)
		return end; /* right after the program, to the byte */
	uint64_t start = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	return start + random_below(BRK_RND_BYTES / PAGE_SIZE) * PAGE_SIZE;
}

uint64_t layout_pie_base(void)
{
	return PIE_BASE + random_below(MMAP_RND_PAGES) * PAGE_SIZE;
}
