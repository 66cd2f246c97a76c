// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/coconut: the nine agent calls as ioctls (docs/uapi.md, "The ioctls"). This file only
 * moves bytes: it copies each call struct in (the size-field rule), copies the user buffers it
 * names into kernel memory, calls co_sys_agent_*() (kernel/agent/syscalls.c, where every field
 * is judged) and copies results out. It answers nothing itself that the kernel C would answer
 * differently, so the ioctl and the simulator agree errno for errno:
 *  - a user pointer 0 reaches the kernel C as NULL (it answers -EFAULT or -EINVAL);
 *  - a length over the call's limit is not copied: the kernel C gets a zeroed buffer of
 *    limit + 1 bytes, so it refuses the length exactly as it would the real one;
 *  - an output length over what a call can produce is clamped to that (larger is fine).
 * Only a fault while copying is the glue's own answer: -EFAULT (for an output, after the call
 * took effect, as read(2) does).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compiler.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "coconut/kernel.h"
#include "coconut/syscalls.h"
#include "coconut_mod.h"

/* The largest call struct a caller may pass (a newer version of one); beyond it -E2BIG. */
#define COCONUT_ARGS_BYTES_MAX 4096u
/* The longest audit segment (kernel/audit/coconut/query.c asserts the same bound). */
#define COCONUT_SEGMENT_BYTES_MAX (37u + CO_AUDIT_SEGMENT_EVENTS_MAX * \
				   (1u + CO_AUDIT_EVENT_ENC_BYTES_MAX + 68u))

/*
 * What one open of /dev/coconut calls as, and which process may call as it. The binding is
 * the binder's, not the file's: it holds for the thread group that bound it, until that group
 * execs, so a forked child, an exec'd program, a process the fd was passed to (SCM_RIGHTS) or
 * taken by (pidfd_getfd) cannot act as the agent (-EPERM). docs/module.md, "Identity".
 */
struct coconut_file {
	spinlock_t lock;	/* the three fields below change together */
	u64 aid;		/* COCONUT_AID_NONE until COCONUT_IOC_BIND */
	struct pid *tgid;	/* the binder's thread group (a reference); NULL when unbound */
	u64 exec_id;		/* its self_exec_id at the bind: an exec ends the binding */
};

/* The non-NULL pointer handed to the kernel C for a zero-length buffer (never read). */
static u8 coconut_empty_buf[1];

/*
 * Copies a call struct: its size field first; below min_size -EINVAL, above
 * COCONUT_ARGS_BYTES_MAX -E2BIG, a longer struct's tail must be zero (-E2BIG,
 * copy_struct_from_user), a shorter one is zero-extended. The copy's size field is ksize.
 */
static int coconut_args_in_min(void *dst, size_t ksize, size_t min_size, const void __user *src)
{
	u32 usize;
	int rc;

	if (get_user(usize, (const u32 __user *)src))
		return -EFAULT;
	if (usize < min_size)
		return -EINVAL;
	if (usize > COCONUT_ARGS_BYTES_MAX)
		return -E2BIG;
	rc = copy_struct_from_user(dst, ksize, src, usize);
	if (rc)
		return rc;
	*(u32 *)dst = (u32)ksize;
	return 0;
}

/* The usual case: the struct as this module knows it is the least a caller may pass. */
static int coconut_args_in(void *dst, size_t ksize, const void __user *src)
{
	return coconut_args_in_min(dst, ksize, ksize, src);
}

/*
 * Copies call struct `a` from uarg (coconut_args_in) and refuses a non-zero `reserved` field
 * with -EINVAL: the preamble of every call that has one. The copy happens before the check.
 */
#define coconut_args_in_checked(a, uarg)                                        \
	({                                                                      \
		int __rc = coconut_args_in(&(a), sizeof(a), (uarg));            \
		__rc ? __rc : ((a).reserved ? -EINVAL : 0);                     \
	})

struct coconut_kbuf {
	void *p;	/* what the kernel C gets: NULL, coconut_empty_buf or an allocation */
	size_t len;	/* the length it gets */
	bool owned;
};

static void coconut_kbuf_free(struct coconut_kbuf *b)
{
	if (b->owned)
		kvfree(b->p);
	b->p = NULL;
	b->owned = false;
}

/* Sets up b for a user buffer (uptr, len); nothing copied. -ENOMEM. */
static int coconut_kbuf_alloc(struct coconut_kbuf *b, u64 uptr, u64 len, size_t keep,
			      bool zero)
{
	b->owned = false;
	b->len = (size_t)len;
	if (uptr == 0) {
		b->p = NULL;
		b->len = (size_t)min_t(u64, len, keep);
		return 0;
	}
	if (len == 0) {
		b->p = coconut_empty_buf;
		return 0;
	}
	b->len = (size_t)min_t(u64, len, keep);
	/* Charged to the caller's memory cgroup: a call's buffers are the caller's. */
	b->p = zero ? kvzalloc(b->len, GFP_KERNEL_ACCOUNT) : kvmalloc(b->len, GFP_KERNEL_ACCOUNT);
	if (!b->p)
		return -ENOMEM;
	b->owned = true;
	return 0;
}

/* An input buffer the kernel C limits to max bytes: copied in, or limit + 1 zeros if longer. */
static int coconut_in(struct coconut_kbuf *b, u64 uptr, u64 len, size_t max)
{
	bool over = len > max;
	int rc;

	rc = coconut_kbuf_alloc(b, uptr, len, max + 1, over);
	if (rc || !b->owned || over)
		return rc;
	if (copy_from_user(b->p, u64_to_user_ptr(uptr), b->len)) {
		coconut_kbuf_free(b);
		return -EFAULT;
	}
	return 0;
}

/* An output buffer: at most max bytes are ever written, so a longer one is clamped. */
static int coconut_out(struct coconut_kbuf *b, u64 uptr, u64 len, size_t max)
{
	return coconut_kbuf_alloc(b, uptr, len, max, false);
}

/* Copies a call's n output bytes back; ret itself when nothing is due. */
static s64 coconut_out_done(struct coconut_kbuf *b, u64 uptr, s64 ret)
{
	if (ret > 0 && b->owned && copy_to_user(u64_to_user_ptr(uptr), b->p, (size_t)ret))
		ret = -EFAULT;
	coconut_kbuf_free(b);
	return ret;
}

/* The AID the current task calls as through f: 0 when unbound; -EPERM for another process. */
static int coconut_caller(struct file *f, u64 *aid)
{
	struct coconut_file *cf = f->private_data;
	int rc = 0;

	spin_lock(&cf->lock);
	*aid = cf->aid;
	if (cf->tgid && (cf->tgid != task_tgid(current) || cf->exec_id != current->self_exec_id))
		rc = -EPERM;
	spin_unlock(&cf->lock);
	return rc;
}

static s64 coconut_ioc_spawn(struct co_kernel *k, u64 caller, void __user *uarg)
{
	struct coconut_spawn_args a;
	struct coconut_kbuf req;
	s64 ret;
	int rc;

	rc = coconut_args_in(&a, sizeof(a), uarg);
	if (rc)
		return rc;
	if (a.flags)
		return -EINVAL;
	rc = coconut_in(&req, a.req_ptr, a.req_len, CO_SPAWN_REQUEST_BYTES_MAX);
	if (rc)
		return rc;
	ret = co_sys_agent_spawn(k, caller, req.p, req.len);
	coconut_kbuf_free(&req);
	return ret;
}

static s64 coconut_ioc_attest(struct co_kernel *k, u64 caller, void __user *uarg)
{
	struct coconut_attest_args a;
	struct coconut_kbuf out;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	rc = coconut_out(&out, a.buf_ptr, a.buf_len, CO_ATTEST_BYTES_MAX);
	if (rc)
		return rc;
	return coconut_out_done(&out, a.buf_ptr,
				co_sys_agent_attest(k, caller, a.aid, out.p, out.len));
}

static s64 coconut_ioc_quota(struct co_kernel *k, u64 caller, void __user *uarg)
{
	struct coconut_quota_args a;
	u64 out[2] = { 0, 0 };
	s64 ret;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	/* The struct always carries room for the answer: a query is never without `out`. */
	ret = co_sys_agent_quota(k, caller, a.aid, a.kind, a.budget, a.flags, out);
	if (ret == 0) {
		a.out_budget = out[0];
		a.out_used = out[1];
		if (copy_to_user(uarg, &a, sizeof(a)))
			return -EFAULT;
	}
	return ret;
}

static s64 coconut_ioc_cap(struct co_kernel *k, u64 caller, void __user *uarg, bool grant)
{
	struct coconut_cap_args a;
	struct coconut_kbuf cap;
	s64 ret;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	rc = coconut_in(&cap, a.cap_ptr, a.cap_len,
			grant ? CO_CAP_LIST_BYTES_MAX : COCONUT_CAP_TEXT_MAX);
	if (rc)
		return rc;
	if (grant)
		ret = co_sys_agent_cap_grant(k, caller, a.aid, cap.p, cap.len);
	else
		ret = co_sys_agent_cap_revoke(k, caller, a.aid, cap.p, cap.len);
	coconut_kbuf_free(&cap);
	return ret;
}

static s64 coconut_ioc_cap_present(struct co_kernel *k, u64 caller, void __user *uarg)
{
	struct coconut_cap_present_args a;
	struct coconut_kbuf kind, obj;
	s64 ret;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	rc = coconut_in(&kind, a.kind_ptr, a.kind_len, CO_CAP_KIND_NAME_BYTES_MAX);
	if (rc)
		return rc;
	rc = coconut_in(&obj, a.object_ptr, a.object_len, CO_CAP_OBJECT_BYTES_MAX);
	if (rc) {
		coconut_kbuf_free(&kind);
		return rc;
	}
	ret = co_sys_agent_cap_present(k, caller, a.aid, kind.p, kind.len, obj.p, obj.len);
	coconut_kbuf_free(&obj);
	coconut_kbuf_free(&kind);
	return ret;
}

static s64 coconut_ioc_audit_query(struct co_kernel *k, u64 caller, void __user *uarg)
{
	struct coconut_audit_query_args a;
	struct coconut_audit_filter *f = NULL;
	struct coconut_kbuf out;
	s64 ret;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	if (a.filter_ptr) {
		f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
		if (!f)
			return -ENOMEM;
		rc = coconut_args_in(f, sizeof(*f), u64_to_user_ptr(a.filter_ptr));
		if (rc) {
			kfree(f);
			return rc;
		}
	}
	rc = coconut_out(&out, a.buf_ptr, a.buf_len, COCONUT_SEGMENT_BYTES_MAX);
	if (rc) {
		kfree(f);
		return rc;
	}
	ret = co_sys_agent_audit_query(k, caller, f, out.p, out.len);
	kfree(f);
	return coconut_out_done(&out, a.buf_ptr, ret);
}

/*
 * The ioctl needs VER1 (the address goes back in out_addr: an ioctl returns an int); the
 * fork's syscall returns the address and takes VER0.
 */
static s64 coconut_ioc_memory_tier(struct co_kernel *k, u64 caller, void __user *uarg,
				   bool from_ioctl)
{
	struct coconut_memory_tier_args a;
	s64 ret;
	int rc;

	rc = coconut_args_in_min(&a, sizeof(a),
				 from_ioctl ? COCONUT_MEMORY_TIER_ARGS_SIZE_VER1 :
					      COCONUT_MEMORY_TIER_ARGS_SIZE_VER0, uarg);
	if (rc)
		return rc;
	ret = co_sys_agent_memory_tier(k, caller, a.aid, a.tier, a.request_bytes);
	if (ret < 0 || !from_ioctl)
		return ret;
	a.out_addr = (u64)ret;
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

static s64 coconut_ioc_exit(struct co_kernel *k, u64 caller, void __user *uarg)
{
	struct coconut_exit_args a;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	return co_sys_agent_exit(k, caller, a.aid, 0);
}

/*
 * Binds f to an agent for the calling process (CAP_SYS_ADMIN), or unbinds it (aid 0). -ESRCH
 * for an AID never handed out; a terminated agent binds (its calls answer -ESTALE, as the
 * parity harness replays them).
 */
static long coconut_ioc_bind(struct co_kernel *k, struct file *f, void __user *uarg)
{
	struct coconut_file *cf = f->private_data;
	struct coconut_bind_args a;
	struct pid *old, *tgid = NULL;
	int rc = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	if (a.aid != COCONUT_AID_NONE) {
		co_kernel_lock(k);
		if (co_agent_lookup(k, a.aid, &rc) || rc == -ESTALE)
			rc = 0;
		co_kernel_unlock(k);
		if (rc)
			return -ESRCH;
		tgid = get_pid(task_tgid(current));
	}
	spin_lock(&cf->lock);
	old = cf->tgid;
	cf->aid = a.aid;
	cf->tgid = tgid;
	cf->exec_id = current->self_exec_id;
	spin_unlock(&cf->lock);
	put_pid(old);
	return 0;
}

static long coconut_ioc_info(struct co_kernel *k, void __user *uarg)
{
	struct coconut_info_args a;
	struct co_kernel_counters kc;
	struct co_audit_stats st;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	co_audit_get_stats(&k->audit, &st);
	co_audit_head(&k->audit, a.head, &a.sealed);
	a.pending = co_audit_pending(&k->audit);
	a.anchors = st.anchors;
	memcpy(a.boot_id, coconut_mod.pctx.boot_id, sizeof(a.boot_id));
	co_kernel_get_counters(k, &kc);
	a.lsm_allows = kc.lsm_allows;
	a.lsm_denies = kc.lsm_denies;
	co_kernel_lock(k);
	a.next_aid = k->next_aid;
	co_kernel_unlock(k);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* The chain's exporter (uapi: COCONUT_IOC_AUDIT_EXPORT; docs/audit.md, "Export"). */
static long coconut_ioc_audit_export(struct co_kernel *k, void __user *uarg)
{
	struct coconut_audit_export_args a;
	struct co_audit_filter filter;
	struct coconut_kbuf out;
	long ret = 0;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	switch (a.op) {
	case COCONUT_AUDIT_EXPORT_ON:
	case COCONUT_AUDIT_EXPORT_OFF:
		co_audit_export_on(&k->audit, a.op == COCONUT_AUDIT_EXPORT_ON);
		break;
	case COCONUT_AUDIT_EXPORT_ACK:
		ret = co_audit_export_ack(&k->audit, a.seq);
		break;
	case COCONUT_AUDIT_EXPORT_READ:
		rc = coconut_out(&out, a.buf_ptr, a.buf_len, COCONUT_SEGMENT_BYTES_MAX);
		if (rc)
			return rc;
		memset(&filter, 0, sizeof(filter));
		filter.seq_from = co_audit_export_cursor(&k->audit);
		ret = out.p ? co_audit_query(&k->audit, &filter, out.p, out.len) : -EINVAL;
		ret = coconut_out_done(&out, a.buf_ptr, ret);
		break;
	default:
		return -EINVAL;
	}
	if (ret < 0)
		return ret;
	a.seq = co_audit_export_cursor(&k->audit);
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return ret;
}

static long coconut_ioc_tpm_read(void __user *uarg)
{
	struct coconut_tpm_nv_args a;
	int rc;

	rc = coconut_args_in_checked(a, uarg);
	if (rc)
		return rc;
	memset(a.data, 0, sizeof(a.data));
	rc = coconut_tpm_read(&coconut_mod.pctx, a.index, a.data, &a.len, &a.writes);
	if (rc)
		return rc;
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

static s64 coconut_dispatch(struct co_kernel *k, unsigned int nr, u64 caller,
			    void __user *uarg, bool from_ioctl)
{
	switch (nr) {
	case _IOC_NR(COCONUT_IOC_SPAWN):
		return coconut_ioc_spawn(k, caller, uarg);
	case _IOC_NR(COCONUT_IOC_ATTEST):
		return coconut_ioc_attest(k, caller, uarg);
	case _IOC_NR(COCONUT_IOC_QUOTA):
		return coconut_ioc_quota(k, caller, uarg);
	case _IOC_NR(COCONUT_IOC_CAP_GRANT):
		return coconut_ioc_cap(k, caller, uarg, true);
	case _IOC_NR(COCONUT_IOC_CAP_REVOKE):
		return coconut_ioc_cap(k, caller, uarg, false);
	case _IOC_NR(COCONUT_IOC_CAP_PRESENT):
		return coconut_ioc_cap_present(k, caller, uarg);
	case _IOC_NR(COCONUT_IOC_AUDIT_QUERY):
		return coconut_ioc_audit_query(k, caller, uarg);
	case _IOC_NR(COCONUT_IOC_MEMORY_TIER):
		return coconut_ioc_memory_tier(k, caller, uarg, from_ioctl);
	case _IOC_NR(COCONUT_IOC_EXIT):
		return coconut_ioc_exit(k, caller, uarg);
	default:
		return -ENOTTY;
	}
}

s64 coconut_call(unsigned int nr, u64 caller, void __user *uarg, bool from_ioctl)
{
	struct co_kernel *k = READ_ONCE(coconut_mod.k);
	s64 ret;

	/* In the fork the calls are wired even when the instance failed to start (a bad boot
	 * parameter, no memory): answer that, never reach the kernel C with no instance. */
	if (!k)
		return -ENODEV;
	/*
	 * No agent (an unbound file, a task of the fork without CAP_SYS_ADMIN): -ESRCH before
	 * anything is copied in or allocated, as the kernel C's step 0 answers.
	 */
	if (caller == COCONUT_AID_NONE && nr >= _IOC_NR(COCONUT_IOC_SPAWN) &&
	    nr <= _IOC_NR(COCONUT_IOC_EXIT))
		return -ESRCH;
	ret = coconut_dispatch(k, nr, caller, uarg, from_ioctl);

	if (ret != -ENOTTY && coconut_mod.seal_each_call)
		coconut_seal(&coconut_mod);
	return ret;
}

static long coconut_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);
	u64 caller;
	s64 ret;
	int rc;

	/* The magic and the number select; the size bits are not checked (the size field is). */
	if (_IOC_TYPE(cmd) != COCONUT_IOC_MAGIC)
		return -ENOTTY;
	/*
	 * Module control is the administrator's: SEAL takes the global seal mutex, INFO tells the
	 * next AID, the LSM counters and the chain head (a side channel on other tenants' activity),
	 * TPM_NV_READ the anchors.
	 */
	if (cmd == COCONUT_IOC_SEAL)
		return capable(CAP_SYS_ADMIN) ? coconut_seal(&coconut_mod) : -EPERM;
	if (_IOC_DIR(cmd) != (_IOC_READ | _IOC_WRITE))
		return -ENOTTY;
	switch (nr) {
	case _IOC_NR(COCONUT_IOC_BIND):
		return coconut_ioc_bind(coconut_mod.k, f, uarg);
	case _IOC_NR(COCONUT_IOC_INFO):
		return capable(CAP_SYS_ADMIN) ? coconut_ioc_info(coconut_mod.k, uarg) : -EPERM;
	case _IOC_NR(COCONUT_IOC_TPM_NV_READ):
		return capable(CAP_SYS_ADMIN) ? coconut_ioc_tpm_read(uarg) : -EPERM;
	case _IOC_NR(COCONUT_IOC_AUDIT_EXPORT):
		return capable(CAP_SYS_ADMIN) ? coconut_ioc_audit_export(coconut_mod.k, uarg) :
						-EPERM;
#if COCONUT_DET
	case _IOC_NR(COCONUT_IOC_DET_SET):
	case _IOC_NR(COCONUT_IOC_DET_OP):
		return coconut_ioc_det(cmd, uarg);
#endif
	default:
		break;
	}
	rc = coconut_caller(f, &caller);
	if (rc)
		return rc;
	ret = coconut_call(nr, caller, uarg, true);
	return (long)ret;
}

static int coconut_open(struct inode *inode, struct file *f)
{
	struct coconut_file *cf = kzalloc(sizeof(*cf), GFP_KERNEL_ACCOUNT);

	(void)inode;
	if (!cf)
		return -ENOMEM;
	spin_lock_init(&cf->lock);
	f->private_data = cf;
	return 0;
}

static int coconut_release(struct inode *inode, struct file *f)
{
	struct coconut_file *cf = f->private_data;

	(void)inode;
	put_pid(cf->tgid);
	kfree(cf);
	return 0;
}

static const struct file_operations coconut_fops = {
	.owner = THIS_MODULE,
	.open = coconut_open,
	.release = coconut_release,
	.unlocked_ioctl = coconut_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * 0660, root's group: a process with no agent has nothing to do here (every call answers
 * -ESRCH), and binding is CAP_SYS_ADMIN's. An administrator gives a group access with a udev
 * rule (docs/module.md, "Identity").
 */
static struct miscdevice coconut_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "coconut",
	.fops = &coconut_fops,
	.mode = 0660,
};

int coconut_dev_register(void)
{
	return misc_register(&coconut_misc);
}

void coconut_dev_unregister(void)
{
	misc_deregister(&coconut_misc);
}
