// SPDX-License-Identifier: GPL-2.0
/*
 * The end of agents, and their containment: clean exit, kill (Terminated-revoked), quarantine
 * and release.
 *
 * A terminating agent takes its live descendants with it (clean exit -> Terminated-clean,
 * kill -> Terminated-revoked), leaves first, so that at every moment a live agent's ancestors
 * are all live (the invariant the parent walks rely on). Each one: one STATE event, then its
 * pending operations fail (co_inflight_drop_agent), its tier extents are released
 * (co_tier_release_agent), it leaves its parent's children registry and the scheduler
 * (on_agent_exit). It stays in the table as a tombstone. The cascade's root is preceded by one
 * EXIT event (aid = it, arg = the terminal state).
 *
 * The walk has no recursion: from the cascade's root it goes down the last child until a leaf,
 * terminates that leaf (which leaves its parent's registry), and starts again, until the root
 * itself is the leaf. At most CO_AGENTS_MAX rounds of at most CO_AGENT_DEPTH_MAX steps.
 *
 * Quarantine concerns one agent: its children keep running on their own caps (the LSM denies
 * everything to the quarantined agent itself, including spawning and granting). Its pending
 * operations are failed as a kill's are (co_inflight_drop_agent): a release lets it start new
 * ones, never finish the old.
 */
#include "coconut/lsm.h"
#include "coconut/resources.h"

#include "agent_int.h"

/* One agent to a terminal state and out of everything that refers to it. Lock held. */
static int co_agent_terminate_one(struct co_kernel *k, struct co_agent *x, u32 to)
{
	struct co_agent *parent;
	int rc;

	CO_ASSERT(x->child_count == 0);
	rc = co_agent_transition(k, x, to);
	if (rc)
		return rc;
	co_inflight_drop_agent(k, x->aid);
	co_tier_release_agent(k, x);
	parent = co_agent_find(k, x->parent_aid);
	CO_ASSERT(parent && !co_agent_state_terminal(parent->state));
	co_agent_child_remove(parent, x->aid);
	co_tenant_leave(k, x->tenant);
	if (k->cfg.on_agent_exit)
		k->cfg.on_agent_exit(k->cfg.sched_ctx, x->aid, x->tenant);
	return 0;
}

int co_agent_terminate(struct co_kernel *k, struct co_agent *a, u32 to)
{
	struct co_audit_event ev;
	struct co_agent *cur;
	u32 round, step;
	int rc;

	if (!co_agent_state_terminal(to) || co_agent_state_terminal(a->state) ||
	    a->aid == COCONUT_AID_ROOT)
		return -EINVAL;
	co_audit_event_init(&ev, COCONUT_EV_EXIT, a->aid, 0);
	ev.arg = to;
	rc = co_kernel_audit(k, &ev);
	if (rc)
		return rc;

	for (round = 0; round <= CO_AGENTS_MAX; round++) {
		cur = a;
		for (step = 0; cur->child_count > 0; step++) {
			CO_ASSERT(step < CO_AGENT_DEPTH_MAX);
			cur = co_agent_find(k, cur->children[cur->child_count - 1]);
			CO_ASSERT(cur && !co_agent_state_terminal(cur->state));
		}
		rc = co_agent_terminate_one(k, cur, to);
		if (rc || cur == a)
			return rc;
	}
	CO_ASSERT(0 && "cascade longer than the agent table");
	return -EINVAL;
}

/*
 * The authority of kernel-API callers over aid: the kernel (AID 0), or a live strict ancestor
 * that is not quarantined; root is never a target. *target gets the live target.
 */
static int co_agent_authority(struct co_kernel *k, u64 caller, u64 aid, struct co_agent **target)
{
	struct co_agent *c = NULL, *t;
	int err;

	if (caller != COCONUT_AID_NONE) {
		c = co_agent_lookup(k, caller, &err);
		if (!c)
			return err;
	}
	t = co_agent_lookup(k, aid, &err);
	if (!t)
		return err;
	if (t->aid == COCONUT_AID_ROOT)
		return -EPERM;
	if (c && (c->state == COCONUT_STATE_QUARANTINED || !co_agent_is_ancestor(k, c, t)))
		return -EPERM;
	*target = t;
	return 0;
}

int co_agent_exit(struct co_kernel *k, u64 aid)
{
	struct co_agent *a;
	int rc;

	co_kernel_lock(k);
	a = co_agent_lookup(k, aid, &rc);
	if (a)
		rc = a->aid == COCONUT_AID_ROOT ? -EPERM :
		     co_agent_terminate(k, a, COCONUT_STATE_TERMINATED_CLEAN);
	co_kernel_unlock(k);
	co_kernel_seal(k);
	return rc;
}

int co_agent_kill(struct co_kernel *k, u64 caller, u64 aid)
{
	struct co_agent *a = NULL;
	int rc;

	co_kernel_lock_as(k, caller);
	rc = co_agent_authority(k, caller, aid, &a);
	if (!rc)
		rc = co_agent_terminate(k, a, COCONUT_STATE_TERMINATED_REVOKED);
	co_kernel_unlock(k);
	co_kernel_seal(k);
	return rc;
}

int co_agent_quarantine(struct co_kernel *k, u64 caller, u64 aid)
{
	struct co_agent *a = NULL;
	int rc;

	co_kernel_lock_as(k, caller);
	rc = co_agent_authority(k, caller, aid, &a);
	if (!rc)
		rc = co_agent_transition(k, a, COCONUT_STATE_QUARANTINED);
	if (!rc && co_inflight_pending(k, aid) > 0) {
		/*
		 * Its pending operations fail as a revoke's do (docs/lsm.md, "Quarantine"): marked
		 * now, so that a release before they complete cannot let them finish.
		 */
		co_probe_hit(&k->probes, CO_PROBE_QUARANTINE_PENDING);
		co_inflight_drop_agent(k, aid);
	}
	co_kernel_unlock(k);
	co_kernel_seal(k);
	return rc;
}

int co_agent_release(struct co_kernel *k, u64 caller, u64 aid)
{
	struct co_agent *a = NULL;
	int rc;

	co_kernel_lock_as(k, caller);
	rc = co_agent_authority(k, caller, aid, &a);
	if (!rc && a->state != COCONUT_STATE_QUARANTINED)
		rc = -EINVAL;
	if (!rc) {
		/*
		 * Back to Active, or to Inference-blocked when a charge of it still waits: the two
		 * guards exclude each other, so exactly one of these applies (-EBUSY aside).
		 */
		rc = co_agent_transition(k, a, COCONUT_STATE_ACTIVE);
		if (rc == -EINVAL)
			rc = co_agent_transition(k, a, COCONUT_STATE_INFERENCE_BLOCKED);
	}
	co_kernel_unlock(k);
	co_kernel_seal(k);
	return rc;
}
