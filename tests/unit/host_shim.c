/*
 * Lets the portable kernel parts run inside a host process for unit tests:
 * the kernel heap becomes malloc, and small wrappers give ctypes simple
 * signatures. Compiled with those kernel sources into a shared library by
 * conftest.py.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cmdline.h"
#include "drivers/virtio/mmio_cmdline.h"
#include "drivers/virtio/vring.h"
#include "fs/page_index.h"
#include "fs/rootfs_image.h"
#include "lib/overflow.h"
#include "loader/elf.h"
#include "mm/buddy.h"
#include "mm/iov_iter.h"
#include "mm/kmalloc.h"
#include "mm/user_range.h"
#include "mm/vma.h"
#include "net/rtnl_msg.h"

/* The heap counts live blocks (leak checks) and can be told to fail
 * (t_heap_fail: every allocation returns NULL while it is set). */
static long heap_live;
static int heap_fail;
void *kmalloc(size_t size)
{
	void *p = heap_fail ? NULL : malloc(size ? size : 1);
	heap_live += p != NULL;
	return p;
}
void *kzalloc(size_t size)
{
	void *p = heap_fail ? NULL : calloc(1, size ? size : 1);
	heap_live += p != NULL;
	return p;
}
void kfree(void *p)
{
	heap_live -= p != NULL;
	free(p);
}
long t_heap_live(void) { return heap_live; }
void t_heap_fail(int fail) { heap_fail = fail; }

/* lib/overflow.h and mm/user_range.h are header-only: wrappers for ctypes. */
bool t_check_add(uint64_t a, uint64_t b, uint64_t *out) { return check_add_overflow(a, b, out); }
bool t_check_sub(uint64_t a, uint64_t b, uint64_t *out) { return check_sub_overflow(a, b, out); }
bool t_check_mul(uint64_t a, uint64_t b, uint64_t *out) { return check_mul_overflow(a, b, out); }
bool t_check_add_s64(int64_t a, int64_t b, int64_t *out) { return check_add_overflow(a, b, out); }
bool t_check_align_up(uint64_t x, uint64_t align, uint64_t *out)
{
	return check_align_up_overflow(x, align, out);
}
bool t_check_page_align(uint64_t x, uint64_t *out) { return check_page_align_overflow(x, out); }
size_t t_array_size(size_t n, size_t size) { return array_size(n, size); }
size_t t_size_add(size_t a, size_t b) { return size_add(a, b); }
size_t t_struct_size(size_t h, size_t n, size_t e) { return struct_size_of(h, n, e); }
bool t_file_range_ok(int64_t off, uint64_t len) { return file_range_ok(off, len); }
bool t_user_range_ok(uint64_t addr, uint64_t len) { return user_range_ok(addr, len); }
bool t_user_pages_ok(uint64_t addr, uint64_t len, uint64_t *end) { return user_pages_ok(addr, len, end); }
uint64_t t_user_top(void) { return USER_TOP; }

/* vma: inode references are counted so tests can check for leaks. */
static long refs;
static void ref(const struct vma *v) { refs += v->inode != NULL; }
static void unref(const struct vma *v) { refs -= v->inode != NULL; }
struct vma_hooks vma_hooks = { ref, unref };

long t_vma_refs(void) { return refs; }

struct mm *t_mm_new(uint64_t lowest, uint64_t highest, uint64_t top)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	mm_init(mm, lowest, highest, top);
	return mm;
}

/* inode_id 0 = anonymous; else a fake inode (one new reference). */
int t_vma_insert(struct mm *mm, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
		 uintptr_t inode_id, uint64_t offset)
{
	struct vma v = { start, end, prot, flags, (struct inode *)inode_id, offset, NULL };
	if (inode_id)
		refs++;
	return vma_insert(mm, &v);
}

size_t t_mm_count(struct mm *mm) { return mm->count; }

void t_mm_get(struct mm *mm, size_t i, uint64_t out[6])
{
	struct vma *v = &mm->vmas[i];
	out[0] = v->start, out[1] = v->end, out[2] = v->prot, out[3] = v->flags;
	out[4] = (uintptr_t)v->inode, out[5] = v->offset;
}

/* buddy */
struct buddy *t_buddy_new(uint64_t npages)
{
	struct buddy *b = calloc(1, sizeof(*b));
	buddy_init(b, npages, malloc(buddy_metadata_size(npages)));
	return b;
}

uint64_t t_buddy_free_pages(struct buddy *b) { return b->free_pages; }
uint64_t t_buddy_free_blocks(struct buddy *b, unsigned order) { return b->free_blocks[order]; }

/* rootfs: one image at a time. */
static struct rootfs_image image;

int t_rootfs_open(const void *base, uint64_t size, const char **why)
{
	return rootfs_image_open(&image, base, size, why);
}

/* Walks an absolute path component by component (no symlinks). */
int64_t t_rootfs_lookup_path(const char *path)
{
	int64_t node = 0;
	while (*path) {
		while (*path == '/')
			path++;
		const char *end = path;
		while (*end && *end != '/')
			end++;
		if (end == path)
			break;
		node = rootfs_lookup(&image, (uint32_t)node, path, (size_t)(end - path));
		if (node < 0)
			return node;
		path = end;
	}
	return node;
}

int t_rootfs_node(uint32_t index, uint64_t out[5])
{
	const struct upy_rootfs_node *n = rootfs_node(&image, index);
	if (!n)
		return -1;
	out[0] = n->mode, out[1] = n->size, out[2] = n->data_offset, out[3] = n->mtime;
	out[4] = n->child_count;
	return 0;
}

/* elf: parse a file on the host through pread. */
static int64_t read_fd(void *ctx, uint64_t off, void *buf, size_t len)
{
	return pread(*(int *)ctx, buf, len, (off_t)off);
}

int t_elf_parse_fd(int fd, uint64_t size, struct elf_info *out, const char **why)
{
	return elf_parse(read_fd, &fd, size, out, why);
}

size_t t_elf_info_size(void) { return sizeof(struct elf_info); }

/* cmdline */
struct boot_config *t_config_parse(struct boot_config *cfg, const char *text, size_t len,
				   const char **why)
{
	if (!cfg)
		cfg = calloc(1, sizeof(*cfg));
	if (boot_config_parse(cfg, text, len, why) < 0)
		return NULL;
	return cfg;
}

const char *t_config_exec(struct boot_config *c) { return c->exec; }
const char *t_config_cwd(struct boot_config *c) { return c->cwd; }
int t_config_argc(struct boot_config *c) { return c->argc; }
const char *t_config_argv(struct boot_config *c, int i) { return c->argv[i]; }
int t_config_envc(struct boot_config *c) { return c->envc; }
const char *t_config_env(struct boot_config *c, int i) { return c->envp[i]; }
int t_config_nwritable(struct boot_config *c) { return c->nwritable; }
const char *t_config_writable(struct boot_config *c, int i) { return c->writable[i]; }
int t_config_trace(struct boot_config *c) { return c->trace; }
int t_config_verbose(struct boot_config *c) { return c->verbose; }

/* page index: dropped values are summed so tests can see which went. */
struct page_index *t_page_index_new(void) { return calloc(1, sizeof(struct page_index)); }

static uint64_t dropped_sum;
static void count_drop(uint64_t v) { dropped_sum += v; }

uint64_t t_page_index_take(struct page_index *pi, uint64_t idx) { return page_index_take(pi, idx); }
void t_page_index_prune(struct page_index *pi) { page_index_prune(pi); }

uint64_t t_page_index_drop_from(struct page_index *pi, uint64_t first)
{
	dropped_sum = 0;
	page_index_drop_from(pi, first, count_drop);
	return dropped_sum;
}

/* rtnetlink: a socket whose queue is a list the test takes datagrams from;
 * `room` datagrams fit before the queue is full (ENOBUFS). */
struct t_dgram {
	struct t_dgram *next;
	size_t len;
	void *data;
};

struct t_rtnl {
	struct rtnl_sock s;
	struct t_dgram *head, **tail;
	int room;
};

static int t_deliver(struct rtnl_sock *s, void *dgram, size_t len)
{
	struct t_rtnl *t = (struct t_rtnl *)s;
	if (t->room == 0) {
		kfree(dgram);
		return -105; /* ENOBUFS */
	}
	t->room--;
	struct t_dgram *d = calloc(1, sizeof(*d));
	d->len = len;
	d->data = dgram;
	*t->tail = d;
	t->tail = &d->next;
	return 0;
}

struct t_rtnl *t_rtnl_new(uint32_t portid, int strict, int cap_ack, int ext_ack, int admin)
{
	struct t_rtnl *t = calloc(1, sizeof(*t));
	t->s.portid = portid;
	t->s.strict = strict, t->s.cap_ack = cap_ack, t->s.ext_ack = ext_ack, t->s.admin = admin;
	t->s.deliver = t_deliver;
	t->tail = &t->head;
	t->room = -1;
	return t;
}

void t_rtnl_set_room(struct t_rtnl *t, int room) { t->room = room; }
void t_rtnl_input(struct t_rtnl *t, const void *buf, size_t len) { rtnl_input(&t->s, buf, len); }
int t_rtnl_continue(struct t_rtnl *t) { return rtnl_dump_continue(&t->s); }
int t_rtnl_dumping(struct t_rtnl *t) { return t->s.dump.running; }

/* Takes the next queued datagram: its length (copied up to cap), or -1. */
long t_rtnl_take(struct t_rtnl *t, void *out, size_t cap)
{
	struct t_dgram *d = t->head;
	if (!d)
		return -1;
	t->head = d->next;
	if (!t->head)
		t->tail = &t->head;
	memcpy(out, d->data, d->len < cap ? d->len : cap);
	long len = (long)d->len;
	kfree(d->data);
	free(d);
	return len;
}

/* virtio: a split ring in malloc'ed memory (physical = virtual), and the
 * device's side of it, so tests can play the device. */
struct t_vring {
	struct vring r;
	uint16_t dev_avail; /* the next avail entry the device takes */
	uint16_t dev_used;  /* the device's used index */
};

static uint64_t identity(const void *va) { return (uint64_t)(uintptr_t)va; }

struct t_vring *t_vring_new(unsigned size)
{
	size_t bytes = vring_bytes(size);
	if (!bytes)
		return NULL;
	struct t_vring *t = calloc(1, sizeof(*t));
	void *mem = aligned_alloc(4096, (bytes + 4095) & ~(size_t)4095);
	memset(mem, 0, bytes);
	vring_init(&t->r, mem, size, calloc(size, sizeof(void *)), calloc(size, sizeof(uint16_t)),
		   identity);
	return t;
}

int t_vring_add(struct t_vring *t, const struct virtio_buf *bufs, unsigned n_out, unsigned n_in,
		uintptr_t token)
{
	return vring_add(&t->r, bufs, n_out, n_in, (void *)token);
}

int t_vring_kick_needed(struct t_vring *t) { return vring_kick_needed(&t->r); }
unsigned t_vring_free(struct t_vring *t) { return t->r.num_free; }
int t_vring_broken(struct t_vring *t) { return t->r.broken; }
int t_vring_interrupts(struct t_vring *t, int on) { return vring_interrupts(&t->r, on); }
int t_vring_interrupts_wanted(struct t_vring *t)
{
	return !(t->r.avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
}

uintptr_t t_vring_get_used(struct t_vring *t, uint32_t *len)
{
	return (uintptr_t)vring_get_used(&t->r, len);
}

/* The device takes the next available chain: returns its head (-1 if none)
 * and what it holds: readable and writable bytes and the number of
 * descriptors; the readable bytes are copied to out (up to out_len). */
int t_dev_take(struct t_vring *t, uint32_t *readable, uint32_t *writable, uint32_t *count,
	       uint8_t *out, size_t out_len)
{
	if (t->dev_avail == t->r.avail->idx)
		return -1;
	uint16_t head = t->r.avail->ring[t->dev_avail % t->r.size];
	t->dev_avail++;
	*readable = *writable = *count = 0;
	size_t copied = 0;
	for (uint16_t d = head;; d = t->r.desc[d].next) {
		struct vring_desc *desc = &t->r.desc[d];
		(*count)++;
		if (desc->flags & VRING_DESC_F_WRITE) {
			*writable += desc->len;
		} else {
			*readable += desc->len;
			size_t n = desc->len < out_len - copied ? desc->len : out_len - copied;
			memcpy(out + copied, (void *)(uintptr_t)desc->addr, n);
			copied += n;
		}
		if (!(desc->flags & VRING_DESC_F_NEXT) || *count > t->r.size)
			break;
	}
	return head;
}

/* The device returns chain `id` (any value, to test a lying device) with len
 * bytes written. */
void t_dev_complete(struct t_vring *t, uint32_t id, uint32_t len)
{
	t->r.used->ring[t->dev_used % t->r.size] = (struct vring_used_elem){ id, len };
	t->dev_used++;
	t->r.used->idx = t->dev_used;
}

void t_dev_no_notify(struct t_vring *t, int on) { t->r.used->flags = on ? VRING_USED_F_NO_NOTIFY : 0; }

/* mm/uaccess.h for mm/iov_iter.c: app memory is host memory, except one
 * range a test marks bad (t_uaccess_bad), as an unmapped page would be. */
static uintptr_t bad_start, bad_end;
void t_uaccess_bad(uintptr_t start, size_t len) { bad_start = start, bad_end = start + len; }
static bool uaccess_ok(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;
	return user_range_ok(a, n) && (n == 0 || a + n <= bad_start || a >= bad_end);
}
int copy_from_user(void *dst, const void *usrc, size_t n)
{
	return uaccess_ok(usrc, n) ? (memcpy(dst, usrc, n), 0) : -14;
}
int copy_to_user(void *udst, const void *src, size_t n)
{
	return uaccess_ok(udst, n) ? (memcpy(udst, src, n), 0) : -14;
}
int clear_user(void *udst, size_t n)
{
	return uaccess_ok(udst, n) ? (memset(udst, 0, n), 0) : -14;
}

/* An iter over nr (base, len) pairs, copied so the test's array can go. */
struct iov_iter *t_iter_new(int type, const struct iovec *segs, size_t nr)
{
	struct iov_iter *i = malloc(sizeof(*i));
	struct iovec *v = malloc(sizeof(*v) * (nr ? nr : 1));
	if (nr)
		memcpy(v, segs, sizeof(*v) * nr);
	iov_iter_user(i, v, nr);
	i->type = type;
	return i;
}
size_t t_iter_count(const struct iov_iter *i) { return iov_iter_count(i); }
