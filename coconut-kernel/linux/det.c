// SPDX-License-Identifier: GPL-2.0
/*
 * Deterministic mode (det_clock=1; docs/module.md, "Deterministic mode"), test only: the two
 * ioctls the co-simulation replayer (harness/guest/cosim_replay.c) drives a trace with.
 *
 * COCONUT_IOC_DET_SET sets the time and CPU the platform reports (a record's t and cpu), so
 * every event the next call audits carries the simulator's time and lands in the simulator's
 * ring. COCONUT_IOC_DET_OP applies one kernel-internal call of a trace (inflight operations,
 * containment, exit, a sealer pass, a stall, TPM failures) exactly as the userspace replayer
 * (sim/trace/replayer.cc) does, taking the instance lock where the kernel C expects it held.
 * Both answer -EPERM outside det mode, and nothing here is compiled into a production build
 * (COCONUT_DET, coconut_mod.h): there the two ioctls answer -ENOTTY.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "coconut/audit.h"
#include "coconut/lsm.h"
#include "coconut_mod.h"

#if COCONUT_DET

static int coconut_det_copy_in(void *dst, size_t size, const void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize != size)
		return -EINVAL;
	return copy_from_user(dst, uarg, size) ? -EFAULT : 0;
}

static long coconut_det_set(void __user *uarg)
{
	struct coconut_plat_ctx *c = &coconut_mod.pctx;
	struct coconut_det_set_args a;
	int rc;

	rc = coconut_det_copy_in(&a, sizeof(a), uarg);
	if (rc)
		return rc;
	if (a.cpu >= c->det_cpus)
		return -EINVAL;
	WRITE_ONCE(c->det_now_ns, a.time_ns);
	WRITE_ONCE(c->det_cpu, a.cpu);
	return 0;
}

static s64 coconut_det_inflight_begin(struct co_kernel *k, struct coconut_det_op_args *a)
{
	char *obj = NULL;
	struct co_agent *ag;
	int err = 0;
	u64 token = 0;

	if (a->object_len > CO_CAP_OBJECT_BYTES_MAX || a->arg > U32_MAX)
		return -EINVAL;
	if (a->object_len) {
		obj = memdup_user(u64_to_user_ptr(a->object_ptr), a->object_len);
		if (IS_ERR(obj))
			return PTR_ERR(obj);
	}
	co_kernel_lock(k);
	ag = co_agent_lookup(k, a->aid, &err);
	if (ag)
		err = co_inflight_begin(k, ag, (u32)a->arg, obj ? obj : "", a->object_len, &token);
	co_kernel_unlock(k);
	kfree(obj);
	a->token = err ? 0 : token;
	return err;
}

static s64 coconut_det_apply(struct co_kernel *k, struct coconut_det_op_args *a)
{
	struct coconut_plat_ctx *c = &coconut_mod.pctx;
	s64 ret;

	switch (a->op) {
	case COCONUT_DET_INFLIGHT_BEGIN:
		return coconut_det_inflight_begin(k, a);
	case COCONUT_DET_INFLIGHT_COMPLETE:
		co_kernel_lock(k);
		ret = co_inflight_complete(k, a->arg);
		co_kernel_unlock(k);
		return ret;
	case COCONUT_DET_QUARANTINE:
		return co_agent_quarantine(k, a->caller, a->aid);
	case COCONUT_DET_RELEASE:
		return co_agent_release(k, a->caller, a->aid);
	case COCONUT_DET_KILL:
		return co_agent_kill(k, a->caller, a->aid);
	case COCONUT_DET_EXIT:
		return co_agent_exit(k, a->aid);
	case COCONUT_DET_SEAL:
		if (a->arg > U32_MAX)
			return -EINVAL;
		mutex_lock(&coconut_mod.seal_mutex);
		ret = co_audit_seal(&k->audit, (u32)a->arg);
		mutex_unlock(&coconut_mod.seal_mutex);
		return ret;
	case COCONUT_DET_SEALER_STALL:
		co_audit_set_stalled(&k->audit, a->arg != 0);
		return 0;
	case COCONUT_DET_TPM_FAIL:
		spin_lock(&c->tpm_lock);
		c->tpm_fail_pending = (u32)min_t(u64, (u64)c->tpm_fail_pending + a->arg, U32_MAX);
		spin_unlock(&c->tpm_lock);
		return 0;
	default:
		return -EINVAL;
	}
}

static long coconut_det_op(void __user *uarg)
{
	struct coconut_det_op_args a;
	s64 ret;
	int rc;

	rc = coconut_det_copy_in(&a, sizeof(a), uarg);
	if (rc)
		return rc;
	a.token = 0;
	ret = coconut_det_apply(coconut_mod.k, &a);
	if (a.op == COCONUT_DET_INFLIGHT_BEGIN &&
	    copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return (long)ret;
}

long coconut_ioc_det(unsigned int cmd, void __user *uarg)
{
	if (!coconut_mod.pctx.det || !capable(CAP_SYS_ADMIN))
		return -EPERM;
	switch (cmd) {
	case COCONUT_IOC_DET_SET:
		return coconut_det_set(uarg);
	case COCONUT_IOC_DET_OP:
		return coconut_det_op(uarg);
	default:
		return -ENOTTY;
	}
}
#endif /* COCONUT_DET */
