/* dnotify: each watch is (directory, open file, mask); an event sends
 * SIGIO to the process, and a watch without DN_MULTISHOT ends there. */
#include "fs/dnotify.h"

#include "signal/signal.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"

#define DN_EVENTS (DN_ACCESS | DN_MODIFY | DN_CREATE | DN_DELETE | DN_RENAME | DN_ATTRIB)
#define POLL_MSG 3 /* si_code for SIGIO */

struct watch {
	struct watch *next;
	struct inode *dir;
	struct file *file;
	unsigned long mask;
};

/* All watches; owned by this file. */
static struct watch *watches;

static void drop(struct file *f)
{
	for (struct watch **pp = &watches; *pp;) {
		if ((*pp)->file == f) {
			struct watch *w = *pp;
			*pp = w->next;
			kfree(w);
		} else {
			pp = &(*pp)->next;
		}
	}
}

int dnotify_set(struct file *f, unsigned long mask)
{
	if (!S_ISDIR(f->inode->mode))
		return -ENOTDIR;
	drop(f);
	if (!(mask & DN_EVENTS))
		return 0;
	struct watch *w = kmalloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct watch){ watches, f->inode, f, mask };
	watches = w;
	return 0;
}

void dnotify_event(struct inode *dir, unsigned long events)
{
	for (struct watch **pp = &watches; *pp;) {
		struct watch *w = *pp;
		if (w->dir == dir && (w->mask & events)) {
			signal_send_process(29 /* SIGIO */, (struct sig_note){ .code = POLL_MSG });
			if (!(w->mask & DN_MULTISHOT)) {
				*pp = w->next;
				kfree(w);
				continue;
			}
		}
		pp = &w->next;
	}
}

void dnotify_file_released(struct file *f)
{
	if (watches)
		drop(f);
}
