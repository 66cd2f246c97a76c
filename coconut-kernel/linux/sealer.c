// SPDX-License-Identifier: GPL-2.0
/*
 * The audit sealer as a kernel thread: every seal_interval_ms it drains the per-CPU rings into
 * the chain (co_audit_seal), anchoring to the TPM NV stub every K events or T ns. The instance
 * runs with cfg.seal_inline off, so nothing seals under the instance lock; the ioctls also seal
 * after each call (coconut_mod.h). On unload the thread stops and the rings are drained.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/sched.h>

#include "coconut_mod.h"

/* Seal rounds of one drain: each round seals at most a whole ring set (CO_AUDIT_RING_EVENTS_MAX). */
#define COCONUT_DRAIN_ROUNDS_MAX 4

static unsigned long coconut_seal_interval_jiffies;

u32 coconut_seal(struct coconut_mod *m)
{
	u32 added;

	mutex_lock(&m->seal_mutex);
	added = co_audit_seal(&m->k->audit, CO_AUDIT_RING_EVENTS_MAX);
	mutex_unlock(&m->seal_mutex);
	return added;
}

static int coconut_sealer_fn(void *data)
{
	struct coconut_mod *m = data;

	while (!kthread_should_stop()) {
		coconut_seal(m);
		schedule_timeout_interruptible(coconut_seal_interval_jiffies);
	}
	return 0;
}

int coconut_sealer_start(struct coconut_mod *m, unsigned int interval_ms)
{
	struct task_struct *t;

	coconut_seal_interval_jiffies = max(1UL, msecs_to_jiffies(interval_ms));
	t = kthread_run(coconut_sealer_fn, m, "coconut-sealer");
	if (IS_ERR(t))
		return PTR_ERR(t);
	m->sealer = t;
	return 0;
}

void coconut_sealer_stop(struct coconut_mod *m)
{
	int round;

	if (m->sealer) {
		kthread_stop(m->sealer);
		m->sealer = NULL;
	}
	/* Nothing appends any more (the device and agentfs are gone): empty the rings. */
	for (round = 0; round < COCONUT_DRAIN_ROUNDS_MAX; round++)
		if (co_audit_pending(&m->k->audit) == 0 || coconut_seal(m) == 0)
			break;
	if (co_audit_pending(&m->k->audit))
		pr_warn("%llu audit events left unsealed at unload\n",
			(unsigned long long)co_audit_pending(&m->k->audit));
}
