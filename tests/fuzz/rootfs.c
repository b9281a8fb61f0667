/*
 * libFuzzer harness for the image's root file system reader: the program
 * headers that name the region (fs/image_locate.c: in the boot module, or
 * read from the device as main.c does), its header, node table
 * and names (fs/rootfs_image.c) and the VFS file system over them
 * (fs/rootfs.c), both in RAM (run --rootfs=ram) and on a read-only block
 * device through the page cache (--rootfs=blk, fs/pcache.c). The input is
 *   1 byte    bit 0: on a block device; bits 1-3: frames the cache may hold
 *   the rest  the image file, as the VMM hands it to the guest
 * After mounting, the harness does what an app's walk would: it lists every
 * directory it reaches (at most 64 of them), looks each entry up by its
 * name, stats it, reads each link and file whole and asks for each file page
 * as a fault would; it reads the boot config (UPY_CONFIG_PATH) and parses it
 * as main.c does. A hostile image must end in a clean error (the kernel's
 * panic with a message, here a longjmp back), never an out-of-bounds read
 * (ASan), a hang (libFuzzer's -timeout) or a page outside the image; at the
 * end every frame the cache took is back and every inode is freed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/host.h"
#include "core/cmdline.h"
#include "fs/image_locate.h"
#include "fs/rootfs.c"

/* ---- The kernel heap: malloc, every block listed so a panic (a longjmp
 * out of the middle of a mount) leaks nothing ---- */

#define MAX_BLOCKS 65536
static void *blocks[MAX_BLOCKS];
static size_t nblocks;

static void *remember(void *p)
{
	if (p) {
		if (nblocks == MAX_BLOCKS)
			abort();
		blocks[nblocks++] = p;
	}
	return p;
}
void *kmalloc(size_t size)
{
	return size > (64u << 20) ? NULL : remember(malloc(size ? size : 1));
}
void *kzalloc(size_t size)
{
	return size > (64u << 20) ? NULL : remember(calloc(1, size ? size : 1));
}
void kfree(void *p)
{
	if (!p)
		return;
	for (size_t i = nblocks; i-- > 0;)
		if (blocks[i] == p) {
			blocks[i] = blocks[--nblocks];
			free(p);
			return;
		}
	abort(); /* a block freed twice or never allocated */
}
static void free_all(void)
{
	while (nblocks)
		free(blocks[--nblocks]);
}

/* ---- panic: back to the harness ---- */

static jmp_buf on_panic;
void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!msg[0])
		abort(); /* a refusal must say why */
	longjmp(on_panic, 1);
}

/* ---- Frames: malloc'ed pages with reference counts, at most `limit` at
 * once (beyond, the frame_reclaimer_hook is asked, as mm/frame.c does). Physical
 * addresses are chosen so that phys_to_virt gives the host pointer. ---- */

struct frame {
	unsigned refs;
	unsigned char pad[PAGE_SIZE - sizeof(unsigned)];
	unsigned char page[PAGE_SIZE];
};
static long frames_live, frames_limit;
static const struct frame_reclaimer *frame_reclaimer_hook;

static uint64_t to_pa(const void *p)
{
	return (uint64_t)(uintptr_t)p - DIRECT_MAP_BASE;
}
static struct frame *frame_of(uint64_t pa)
{
	return (struct frame *)((unsigned char *)phys_to_virt(pa) - offsetof(struct frame, page));
}
void frame_add_reclaimer(const struct frame_reclaimer *r)
{
	frame_reclaimer_hook = r;
}
uint64_t frame_alloc(void)
{
	while (frames_live >= frames_limit)
		if (!frame_reclaimer_hook || !frame_reclaimer_hook->reclaim(4))
			return 0;
	struct frame *f = aligned_alloc(PAGE_SIZE, sizeof(*f));
	memset(f, 0xa5, sizeof(*f)); /* a page read must fill it all */
	f->refs = 1;
	frames_live++;
	return to_pa(f->page);
}
void frame_get(uint64_t pa)
{
	frame_of(pa)->refs++;
}
void frame_put(uint64_t pa)
{
	struct frame *f = frame_of(pa);
	if (f->refs == 0)
		abort();
	if (--f->refs == 0) {
		free(f);
		frames_live--;
	}
}
unsigned frame_refs(uint64_t pa)
{
	return frame_of(pa)->refs;
}

/* ---- The block device: the input, 512-byte sectors, I/O errors past it ---- */

static const uint8_t *disk;
static uint64_t disk_size;
static struct blkdev device = { .name = "vda", .readonly = true };

int blkdev_submit(struct blkdev *d, struct blk_req *reqs, unsigned n)
{
	if (d != &device)
		abort();
	int rc = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t off = reqs[i].sector * BLK_SECTOR;
		if (reqs[i].op != BLK_READ || reqs[i].sector > UINT64_MAX / BLK_SECTOR)
			abort();
		if (off > disk_size || reqs[i].len > disk_size - off) {
			rc = rc ? rc : -EIO;
			continue;
		}
		memcpy(reqs[i].buf, disk + off, reqs[i].len);
	}
	return rc;
}
int blkdev_read(struct blkdev *d, uint64_t off, void *buf, uint32_t len)
{
	if (off % BLK_SECTOR)
		abort(); /* the device reads whole sectors */
	struct blk_req r = { .op = BLK_READ, .sector = off / BLK_SECTOR, .buf = buf, .len = len };
	return blkdev_submit(d, &r, 1);
}

static int read_device(void *ctx, uint64_t off, void *buf, uint32_t len)
{
	return blkdev_read(ctx, off, buf, len);
}

/* ---- The rest of the kernel rootfs.c calls ---- */

struct mm *current_mm; /* no app: nothing maps the cache's pages */
bool rmap_unmap_page_if_old(struct inode *ino, uint64_t pgoff, uint64_t pa)
{
	return true; /* as mm/file_rmap.c without an address space */
}
pte_t *pte_lookup(uint64_t va, bool create)
{
	abort();
}
void tlb_flush_page(uint64_t va)
{
	abort();
}
int copy_to_user(void *udst, const void *src, size_t n)
{
	abort(); /* the harness reads into kernel buffers */
}
int copy_from_user(void *dst, const void *usrc, size_t n)
{
	abort();
}
int clear_user(void *udst, size_t n)
{
	abort();
}
struct inode *inode_get(struct inode *ino)
{
	ino->refcount++;
	return ino;
}
struct inode *vfs_parent(struct inode *dir)
{
	return dir->parent ? dir->parent : dir;
}

/* ---- The walk ---- */

#define MAX_DIRS 64
#define MAX_ENTRIES 64

struct entry {
	char name[256];
	size_t len;
	uint64_t ino;
};
struct listing {
	struct entry e[MAX_ENTRIES];
	unsigned n;
};

static int collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		   uint64_t next_pos)
{
	struct listing *l = ctx;
	if (l->n == MAX_ENTRIES)
		return -1;
	struct entry *e = &l->e[l->n++];
	e->len = len < sizeof(e->name) ? len : sizeof(e->name);
	memcpy(e->name, name, e->len); /* reads all `len` bytes the fs claims */
	if (len > e->len) {
		volatile char sink = 0;
		for (size_t i = 0; i < len; i++)
			sink ^= name[i];
	}
	e->ino = ino;
	return 0;
}

static unsigned char buf[1 << 16];
static uint64_t region_pa, region_len;

static void read_file(struct inode *ino)
{
	struct file f = { .inode = ino };
	uint64_t pos = 0;
	for (int i = 0; i < 64; i++) {
		struct iov_iter it;
		iov_iter_kbuf(&it, buf, sizeof(buf));
		int64_t got = rootfs_read(&f, &it, &pos);
		if (got <= 0)
			break;
		if (pos > ino->size)
			abort(); /* read past the end of the file */
	}
	for (uint64_t pg = 0; pg < 64; pg++) {
		uint64_t pa;
		if (ino->ops->get_page(ino, pg, false, &pa) < 0)
			break;
		if (pa & (PAGE_SIZE - 1))
			abort(); /* a page table entry would take the low bits as flags */
		if (dev) {
			volatile unsigned char sink = *(unsigned char *)phys_to_virt(pa);
			(void)sink;
		} else if (pa < region_pa || pa - region_pa >= region_len ||
			   region_len - (pa - region_pa) < PAGE_SIZE) {
			abort(); /* a page outside the image would be the app's to read */
		}
	}
}

static void walk(struct inode *root)
{
	struct inode *dirs[MAX_DIRS];
	unsigned ndirs = 0, next = 0;
	dirs[ndirs++] = root;
	while (next < ndirs) {
		struct inode *dir = dirs[next++];
		static struct listing l;
		l.n = 0;
		uint64_t pos = 0;
		if (dir->ops->iterate(dir, &pos, collect, &l) < 0)
			continue;
		for (unsigned i = 2; i < l.n; i++) {
			struct inode *child;
			if (dir->ops->lookup(dir, l.e[i].name, l.e[i].len, &child) < 0)
				continue;
			child->refcount--;
			if (S_ISLNK(child->mode)) {
				rootfs_readlink(child, (char *)buf, 4096);
			} else if (S_ISREG(child->mode)) {
				read_file(child);
			} else if (S_ISDIR(child->mode) && ndirs < MAX_DIRS) {
				dirs[ndirs++] = child;
			}
			struct linux_statfs st;
			rootfs_statfs(&sb, &st);
		}
	}
}

/* main.c's read_config: the file by its path, read whole, then parsed. */
static void read_boot_config(struct inode *root)
{
	struct inode *ino = root;
	const char *path = UPY_CONFIG_PATH;
	while (*path) {
		while (*path == '/')
			path++;
		size_t len = strcspn(path, "/");
		struct inode *next;
		if (!S_ISDIR(ino->mode) || ino->ops->lookup(ino, path, len, &next) < 0)
			return;
		next->refcount--;
		ino = next;
		path += len;
	}
	if (!S_ISREG(ino->mode) || ino->size > sizeof(buf))
		return;
	struct file f = { .inode = ino };
	struct iov_iter it;
	uint64_t pos = 0;
	size_t size = ino->size;
	iov_iter_kbuf(&it, buf, size);
	if (rootfs_read(&f, &it, &pos) != (int64_t)size)
		return;
	struct boot_config cfg = { 0 };
	const char *why;
	char *text = kmalloc(size ? size : 1);
	memcpy(text, buf, size);
	if (boot_config_parse(&cfg, text, size, &why) == 0) {
		kfree(cfg.exec);
		kfree(cfg.cwd);
		for (int i = 0; i < cfg.argc; i++)
			kfree(cfg.argv[i]);
		for (int i = 0; i < cfg.envc; i++)
			kfree(cfg.envp[i]);
		for (int i = 0; i < cfg.nwritable; i++)
			kfree(cfg.writable[i]);
	}
	kfree(text);
}

static void reset(void)
{
	if (dev)
		while (pcache_reclaim(&cache, 1024))
			;
	if (frames_live != 0)
		abort(); /* a frame the cache never gave back */
	free_all();
	memset(&image, 0, sizeof(image));
	image_pa = 0;
	dev = NULL;
	dev_region = 0;
	memset(&cache, 0, sizeof(cache));
	inodes = NULL;
	frame_reclaimer_hook = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int on_device = data[0] & 1;
	frames_limit = 1 + ((data[0] >> 1) & 7);
	data++;
	size--;
	/* A copy of exactly the image's size, page-aligned as the VMM's is. */
	void *mem = NULL;
	if (posix_memalign(&mem, PAGE_SIZE, size ? size : 1) != 0)
		abort();
	uint8_t *copy = mem;
	memcpy(copy, data, size);
	uint64_t off, len;
	const char *why = NULL;
	disk = copy;
	disk_size = size;
	device.sectors = size / BLK_SECTOR;
	/* As main.c finds the region: in the boot module's bytes, or by reading
	 * the device's first page and its program header table. */
	static uint8_t scratch[IMAGE_LOCATE_SCRATCH];
	int rc = on_device ? image_locate_rootfs_dev(read_device, &device, device.sectors * BLK_SECTOR,
						     scratch, &off, &len, &why)
			   : image_locate_rootfs(copy, size, &off, &len, &why);
	if (rc < 0) {
		if (!why)
			abort();
		free(copy);
		return 0;
	}
	if (setjmp(on_panic) == 0) {
		struct superblock *s;
		if (on_device) {
			s = rootfs_mount_blk(&device, off, len);
		} else {
			region_pa = to_pa(copy + off);
			region_len = len;
			s = rootfs_mount(region_pa, len);
		}
		read_boot_config(s->root);
		walk(s->root);
	}
	reset();
	free(copy);
	return 0;
}
