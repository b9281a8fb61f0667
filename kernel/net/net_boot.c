/*
 * The network's step of boot (core/boot_step.h): a DHCP lease when net=
 * asks for one, then the /etc files that tell glibc what eth0 got
 * (net/etc_text.h), so that its resolver asks the name servers the stack
 * was given.
 */
#include "core/boot_step.h"
#include "core/console.h"
#include "fs/open.h"
#include "fs/vfs.h"
#include "uapi/errno.h"
#include "uapi/fcntl.h"
#include "core/uts.h"
#include "net/dhcp.h"
#include "net/ether.h"
#include "net/etc_text.h"

/* Replaces path with text unless the image has a file of the app's own
 * there (one without the builder's marker). */
static void write_generated(const char *path, const char *text, size_t len)
{
	struct file *f;
	int rc = vfs_open(vfs_root, path, O_RDONLY, 0, &f);
	if (rc == 0) {
		char head[sizeof(ETC_TEXT_MARKER)];
		int64_t n = kernel_read(f, head, sizeof(head) - 1, 0);
		file_put(f);
		if (n < 0 || !etc_text_replaceable(head, (size_t)n))
			return; /* the app's own */
	} else if (rc != -ENOENT) {
		return;
	}
	rc = vfs_open(vfs_root, path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f);
	if (rc < 0) {
		kprintf("net: cannot write %s (%s): glibc will not see eth0's configuration\n",
			path, errno_message(-rc));
		return;
	}
	int64_t n = kernel_write(f, text, len, 0);
	file_put(f);
	if (n != (int64_t)len)
		kprintf("net: writing %s failed\n", path);
}

static void net_boot(void)
{
	struct ether_dev *d = ether_eth0;
	if (!d)
		return;
	if (d->dhcp && !dhcp_boot(d))
		return;
	if (!(d->ipv4[0] | d->ipv4[1] | d->ipv4[2] | d->ipv4[3]))
		return; /* no net= address: the image's files stay */
	const char *how = d->dhcp ? "DHCP lease" : "net= setting";
	char text[512];
	size_t n = etc_resolv_conf(text, sizeof(text), (const uint8_t(*)[4])d->dns, d->n_dns, how);
	if (n)
		write_generated("/etc/resolv.conf", text, n);
	n = etc_hosts(text, sizeof(text), d->ipv4, uts_hostname(), how);
	if (n)
		write_generated("/etc/hosts", text, n);
}
BOOT_STEP(net_boot);
