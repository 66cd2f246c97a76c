// SPDX-License-Identifier: GPL-2.0
/*
 * Budgets per agent and kind (agent_quota). A charge that does not fit fails (-EDQUOT) or, when
 * the kind blocks, waits: nothing is charged, the amount is remembered in the quota's `waiting`,
 * and the agent goes from Active to Inference-blocked. It comes back to Active when every charge
 * it waits on fits again, which only a larger budget (co_quota_set) or released usage
 * (co_quota_release) can bring about, so those two are where the check is made.
 *
 * The kernel does not retry the waiting charge: the caller (the broker, the simulator's
 * workload) retries when the agent is Active again, and the retry is what gets charged.
 */
#include "coconut/errno.h"
#include "coconut/kernel.h"
#include "coconut/lsm.h"
#include "coconut/resources.h"

/* Names and their lengths: the QUOTA event hashes the name, agentfs prints it. */
struct co_quota_name {
	const char *name;
	u32 len;
};

#define CO_QUOTA_NAME(s) { (s), sizeof(s) - 1 }

static const struct co_quota_name co_quota_names[COCONUT_QUOTA_KIND_COUNT] = {
	[COCONUT_QUOTA_CPU] = CO_QUOTA_NAME("cpu"),
	[COCONUT_QUOTA_MEM] = CO_QUOTA_NAME("mem"),
	[COCONUT_QUOTA_HBM] = CO_QUOTA_NAME("hbm"),
	[COCONUT_QUOTA_NET] = CO_QUOTA_NAME("net"),
	[COCONUT_QUOTA_TOKENS] = CO_QUOTA_NAME("tokens"),
	[COCONUT_QUOTA_PCIE] = CO_QUOTA_NAME("pcie"),
	[COCONUT_QUOTA_MEMBW] = CO_QUOTA_NAME("membw"),
};

/*
 * A rate (memory bandwidth, bytes/s) is a limit the fair-share throttle enforces
 * (co_sched_throttle), not an amount used up: it is never charged and cannot block.
 */
static bool co_quota_is_rate(u32 kind)
{
	return kind == COCONUT_QUOTA_MEMBW;
}

const char *co_quota_kind_name(u32 kind)
{
	return kind < COCONUT_QUOTA_KIND_COUNT ? co_quota_names[kind].name : NULL;
}

/* Whether kind's waiting charge is over: it fits now, or the kind no longer blocks. */
static bool co_quota_wait_over(const struct co_quota *q)
{
	return q->waiting && (!q->block || co_quota_fits(q, q->waiting));
}

/* Whether a waits on a charge of a kind other than `kind`. */
static bool co_quota_waits_elsewhere(const struct co_agent *a, u32 kind)
{
	u32 i;

	for (i = 0; i < COCONUT_QUOTA_KIND_COUNT; i++) {
		if (i != kind && a->quota[i].waiting)
			return true;
	}
	return false;
}

/*
 * After kind's budget, flags or usage changed: ends its waiting charge if that is over, and an
 * agent that then waits on nothing goes from Inference-blocked back to Active. The charge stops
 * waiting before the transition (whose guards may ask what still waits) and waits again if the
 * chain refuses the STATE event (-EBUSY), so a later change retries.
 */
static int co_quota_settle(struct co_kernel *k, struct co_agent *a, u32 kind)
{
	struct co_quota *q = &a->quota[kind];
	u64 waiting = q->waiting;
	int err;

	if (!co_quota_wait_over(q))
		return 0;
	q->waiting = 0;
	if (a->state != COCONUT_STATE_INFERENCE_BLOCKED || co_quota_waits_elsewhere(a, kind))
		return 0;
	err = co_agent_transition(k, a, COCONUT_STATE_ACTIVE);
	if (err == -EBUSY)
		q->waiting = waiting;
	return err == -EBUSY ? err : 0;
}

int co_quota_set(struct co_kernel *k, struct co_agent *a, u32 kind, u64 budget, u32 flags)
{
	struct co_audit_event *ev = &k->lsm_event;
	const char *name = co_quota_kind_name(kind);
	struct co_quota *q;
	int err;

	if (!name || (flags & ~(COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK)))
		return -EINVAL;
	if (co_quota_is_rate(kind) && (flags & COCONUT_QUOTA_BLOCK))
		return -EINVAL;
	if (co_agent_state_terminal(a->state))
		return -ESTALE;
	q = &a->quota[kind];
	/* The QUOTA event, and the STATE event should the agent stop waiting: both or none. */
	err = co_lsm_audit_room(k, q->waiting ? 2 : 1);
	if (err)
		return -EBUSY;

	co_audit_event_init(ev, COCONUT_EV_QUOTA, a->aid, 0);
	ev->arg = budget;
	co_audit_event_set_object(ev, name, co_quota_names[kind].len);
	err = co_kernel_audit(k, ev);
	if (err)
		return err;
	q->budget = budget;
	q->block = (flags & COCONUT_QUOTA_BLOCK) != 0;
	err = co_quota_settle(k, a, kind);
	CO_ASSERT(err == 0);
	return 0;
}

int co_quota_get(struct co_kernel *k, const struct co_agent *a, u32 kind, struct co_quota *out)
{
	(void)k;
	if (kind >= COCONUT_QUOTA_KIND_COUNT)
		return -EINVAL;
	*out = a->quota[kind];
	return 0;
}

int co_quota_charge(struct co_kernel *k, struct co_agent *a, u32 kind, u64 amount)
{
	struct co_quota *q;
	u64 waiting;
	int err;

	if (kind >= COCONUT_QUOTA_KIND_COUNT || co_quota_is_rate(kind))
		return -EINVAL;
	if (co_agent_state_terminal(a->state))
		return -ESTALE;
	q = &a->quota[kind];
	if (co_quota_fits(q, amount)) {
		/* Without a budget usage only counts; it saturates rather than wraps. */
		q->used = amount > ~0ull - q->used ? ~0ull : q->used + amount;
		return 0;
	}
	if (!q->block)
		return -EDQUOT;
	/* The largest waiting charge is what has to fit before the agent runs again. */
	waiting = q->waiting;
	q->waiting = CO_MAX(q->waiting, amount);
	/* Only an Active agent blocks; one already blocked (or denied) keeps its state. */
	if (a->state == COCONUT_STATE_ACTIVE) {
		err = co_agent_transition(k, a, COCONUT_STATE_INFERENCE_BLOCKED);
		/* Not blocked, as the chain refused the STATE event: nothing happened, say so. */
		if (err == -EBUSY) {
			q->waiting = waiting;
			return err;
		}
	}
	return -EAGAIN;
}

void co_quota_release(struct co_kernel *k, struct co_agent *a, u32 kind, u64 amount)
{
	struct co_quota *q;

	if (kind >= COCONUT_QUOTA_KIND_COUNT)
		return;
	q = &a->quota[kind];
	q->used = amount >= q->used ? 0 : q->used - amount;
	/* No error to return: a refused STATE event leaves the charge waiting for the next one. */
	(void)co_quota_settle(k, a, kind);
}
