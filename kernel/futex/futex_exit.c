/* What a thread's exit does to futexes (Linux's exit_robust_list and
 * CLONE_CHILD_CLEARTID): the words other threads may wait on for it. */
#include "futex/futex.h"

#include "mm/uaccess.h"
#include "sched/sched.h"
#include "uapi/futex.h"

/* A bound on the list walk: the list is app memory and may be a loop. */
#define ROBUST_LIST_LIMIT 2048

/* glibc's robust mutexes held by a dying thread: mark them owner-died and
 * wake a waiter, as Linux does, so other threads do not wait forever. */
static void release_robust_list(struct thread *t)
{
	struct {
		uint64_t next;
		int64_t futex_offset;
		uint64_t pending;
	} head;
	uint64_t list = t->futex.robust_list;
	if (!list || copy_from_user(&head, (void *)list, sizeof(head)) < 0)
		return;
	uint64_t entry = head.next;
	for (int i = 0; i < ROBUST_LIST_LIMIT && entry != list; i++) {
		uint64_t futex = entry + (uint64_t)head.futex_offset;
		uint32_t word;
		if (copy_from_user(&word, (void *)futex, 4) == 0 &&
		    (word & FUTEX_TID_MASK) == (uint32_t)t->tid) {
			word = (word & ~FUTEX_TID_MASK) | FUTEX_OWNER_DIED;
			if (copy_to_user((void *)futex, &word, 4) == 0)
				futex_wake(futex, 1, FUTEX_BITSET_MATCH_ANY);
		}
		if (copy_from_user(&entry, (void *)entry, 8) < 0)
			break;
	}
}

void futex_thread_exit(struct thread *t)
{
	release_robust_list(t);
	uint64_t tid_word = t->futex.clear_child_tid;
	if (tid_word) {
		uint32_t zero = 0;
		if (copy_to_user((void *)tid_word, &zero, 4) == 0)
			futex_wake(tid_word, 1, FUTEX_BITSET_MATCH_ANY);
	}
}
