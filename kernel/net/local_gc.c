/*
 * Sockets that only in-flight descriptors keep alive. A unix socket's file
 * can sit in a message queued on another unix socket (SCM_RIGHTS); when
 * that socket's file is itself only in flight, in a queue of the first,
 * nothing outside can ever receive either: a cycle of garbage, which
 * reference counts alone never free. As Linux's unix_gc: the candidates are
 * the sockets whose every file reference is in flight; references from the
 * candidates' own queues are taken off; a candidate with some left is
 * reachable from outside, and so is everything its queues hold; the rest is
 * garbage, and emptying its queues frees it. Reachability is followed with
 * a worklist, never by recursion, whatever depth the app built.
 */
#include "fs/vfs.h"
#include "net/local.h"

/* Sockets with inflight > 0, and how many; owned by this file. */
static struct lsock *inflight_head;

static struct lsock *lsock_of_file(struct file *f)
{
	struct socket *s = socket_of(f);
	return s && s->family == AF_UNIX ? lsock_of(s) : NULL;
}

void local_inflight_add(struct file *const *fds, int n)
{
	for (int i = 0; i < n; i++) {
		struct lsock *u = lsock_of_file(fds[i]);
		if (!u || u->inflight++)
			continue;
		u->inflight_prev = NULL;
		u->inflight_next = inflight_head;
		if (inflight_head)
			inflight_head->inflight_prev = u;
		inflight_head = u;
	}
}

void local_inflight_remove(struct file *f)
{
	struct lsock *u = lsock_of_file(f);
	if (!u || --u->inflight)
		return;
	if (u->inflight_prev)
		u->inflight_prev->inflight_next = u->inflight_next;
	else
		inflight_head = u->inflight_next;
	if (u->inflight_next)
		u->inflight_next->inflight_prev = u->inflight_prev;
}

bool local_inflight_any(void)
{
	return inflight_head != NULL;
}

/* Calls fn for each socket whose file is in u's queue, or in the queues of
 * the connections a listener has not accepted yet (they are reachable
 * through it). */
static void for_each_child(struct lsock *u, void (*fn)(struct lsock *child))
{
	for (struct lsock *q = u; q; q = q == u ? u->backlog_head : q->backlog_next) {
		for (struct local_msg *m = q->rx_head; m; m = m->next) {
			for (int i = 0; i < m->nfds; i++) {
				struct lsock *c = lsock_of_file(m->fds[i]);
				if (c)
					fn(c);
			}
		}
	}
}

static void drop_inner_ref(struct lsock *c)
{
	if (c->gc_candidate)
		c->gc_refs--;
}

/* The candidates found reachable and not yet scanned; used by one call of
 * local_gc_find_garbage. */
static struct lsock *work;

static void mark_alive(struct lsock *c)
{
	if (!c->gc_candidate || c->gc_alive)
		return;
	c->gc_alive = true;
	c->gc_work = work;
	work = c;
}

/* Moves q's queued messages to the end of *tail. */
static void take_queue(struct lsock *q, struct local_msg ***tail)
{
	if (!q->rx_head)
		return;
	**tail = q->rx_head;
	*tail = &q->rx_tail->next;
	q->rx_head = q->rx_tail = NULL;
	q->rx_bytes = 0;
}

struct local_msg *local_gc_find_garbage(void)
{
	struct lsock *u;
	for (u = inflight_head; u; u = u->inflight_next) {
		u->gc_candidate = u->sock && u->sock->file &&
				  u->sock->file->refcount == u->inflight;
		u->gc_refs = u->inflight;
		u->gc_alive = false;
	}
	for (u = inflight_head; u; u = u->inflight_next)
		if (u->gc_candidate)
			for_each_child(u, drop_inner_ref);
	work = NULL;
	for (u = inflight_head; u; u = u->inflight_next)
		if (u->gc_candidate && u->gc_refs > 0)
			mark_alive(u);
	while (work) {
		u = work;
		work = u->gc_work;
		for_each_child(u, mark_alive);
	}
	struct local_msg *garbage = NULL, **tail = &garbage;
	for (u = inflight_head; u; u = u->inflight_next) {
		if (!u->gc_candidate || u->gc_alive)
			continue;
		take_queue(u, &tail);
		for (struct lsock *c = u->backlog_head; c; c = c->backlog_next)
			take_queue(c, &tail);
	}
	*tail = NULL;
	return garbage;
}
