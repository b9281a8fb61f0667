/* User and group ids (credentials(7)): the get and set calls, with Linux's
 * rules for who may change what. */
#include "core/cred.h"
#include "linux/syscall.h"
#include "uapi/errno.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

#define KEEP ((uint32_t)-1)

SYSCALL_DEFINE0(getuid, "d:")
{
	return cred.uid;
}

SYSCALL_DEFINE0(geteuid, "d:")
{
	return cred.euid;
}

SYSCALL_DEFINE0(getgid, "d:")
{
	return cred.gid;
}

SYSCALL_DEFINE0(getegid, "d:")
{
	return cred.egid;
}

static long put3(uint32_t *a, uint32_t *b, uint32_t *c, uint32_t x, uint32_t y, uint32_t z)
{
	if (copy_to_user(a, &x, 4) || copy_to_user(b, &y, 4) || copy_to_user(c, &z, 4))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE3(getresuid, "d:ppp", uint32_t *, r, uint32_t *, e, uint32_t *, s)
{
	return put3(r, e, s, cred.uid, cred.euid, cred.suid);
}

SYSCALL_DEFINE3(getresgid, "d:ppp", uint32_t *, r, uint32_t *, e, uint32_t *, s)
{
	return put3(r, e, s, cred.gid, cred.egid, cred.sgid);
}

/* One of the three ids a process may switch among without privilege. */
static bool own_id(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
	return id == r || id == e || id == s;
}

static long set_res(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t nr,
		    uint32_t ne, uint32_t ns)
{
	if (!cred_capable() && ((nr != KEEP && !own_id(nr, *r, *e, *s)) ||
				(ne != KEEP && !own_id(ne, *r, *e, *s)) ||
				(ns != KEEP && !own_id(ns, *r, *e, *s))))
		return -EPERM;
	if (nr != KEEP)
		*r = nr;
	if (ne != KEEP)
		*e = ne;
	if (ns != KEEP)
		*s = ns;
	*fs = *e;
	return 0;
}

SYSCALL_DEFINE3(setresuid, "d:ddd", uint32_t, r, uint32_t, e, uint32_t, s)
{
	return set_res(&cred.uid, &cred.euid, &cred.suid, &cred.fsuid, r, e, s);
}

SYSCALL_DEFINE3(setresgid, "d:ddd", uint32_t, r, uint32_t, e, uint32_t, s)
{
	return set_res(&cred.gid, &cred.egid, &cred.sgid, &cred.fsgid, r, e, s);
}

/* setreuid/setregid: the real id may become the effective one; the
 * effective one any of real, effective, saved. The saved id follows the
 * new effective one when the real id is set or the effective one leaves
 * the real one. */
static long set_re(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t nr, uint32_t ne)
{
	if (!cred_capable() && ((nr != KEEP && nr != *r && nr != *e) ||
				(ne != KEEP && !own_id(ne, *r, *e, *s))))
		return -EPERM;
	uint32_t old_r = *r;
	if (nr != KEEP)
		*r = nr;
	if (ne != KEEP)
		*e = ne;
	if (nr != KEEP || (ne != KEEP && ne != old_r))
		*s = *e;
	*fs = *e;
	return 0;
}

SYSCALL_DEFINE2(setreuid, "d:dd", uint32_t, r, uint32_t, e)
{
	return set_re(&cred.uid, &cred.euid, &cred.suid, &cred.fsuid, r, e);
}

SYSCALL_DEFINE2(setregid, "d:dd", uint32_t, r, uint32_t, e)
{
	return set_re(&cred.gid, &cred.egid, &cred.sgid, &cred.fsgid, r, e);
}

/* setuid/setgid: privileged, all three ids; else just the effective one,
 * to the real or saved id. */
static long set_one(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t id)
{
	if (id == KEEP)
		return -EINVAL;
	if (cred_capable()) {
		*r = *e = *s = id;
	} else if (id == *r || id == *s) {
		*e = id;
	} else {
		return -EPERM;
	}
	*fs = *e;
	return 0;
}

SYSCALL_DEFINE1(setuid, "d:d", uint32_t, uid)
{
	return set_one(&cred.uid, &cred.euid, &cred.suid, &cred.fsuid, uid);
}

SYSCALL_DEFINE1(setgid, "d:d", uint32_t, gid)
{
	/* The gid rules follow the euid's privilege, checked before changes. */
	return set_one(&cred.gid, &cred.egid, &cred.sgid, &cred.fsgid, gid);
}

static long set_fs(uint32_t *fs, uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
	uint32_t old = *fs;
	if (id != KEEP && (cred_capable() || own_id(id, r, e, s) || id == old))
		*fs = id;
	return old; /* setfsuid always returns the previous id */
}

SYSCALL_DEFINE1(setfsuid, "d:d", uint32_t, uid)
{
	return set_fs(&cred.fsuid, uid, cred.uid, cred.euid, cred.suid);
}

SYSCALL_DEFINE1(setfsgid, "d:d", uint32_t, gid)
{
	return set_fs(&cred.fsgid, gid, cred.gid, cred.egid, cred.sgid);
}

SYSCALL_DEFINE2(getgroups, "d:dp", int, size, uint32_t *, list)
{
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return cred.ngroups;
	if (size < cred.ngroups)
		return -EINVAL;
	if (copy_to_user(list, cred.groups, sizeof(uint32_t) * (size_t)cred.ngroups) < 0)
		return -EFAULT;
	return cred.ngroups;
}

SYSCALL_DEFINE2(setgroups, "d:dp", int, size, const uint32_t *, list)
{
	if (!cred_capable())
		return -EPERM;
	if (size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	uint32_t *groups = NULL;
	if (size) {
		groups = kmalloc(sizeof(uint32_t) * (size_t)size);
		if (!groups)
			return -ENOMEM;
		if (copy_from_user(groups, list, sizeof(uint32_t) * (size_t)size) < 0) {
			kfree(groups);
			return -EFAULT;
		}
	}
	kfree(cred.groups);
	cred.groups = groups;
	cred.ngroups = size;
	return 0;
}
