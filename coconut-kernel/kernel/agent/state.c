// SPDX-License-Identifier: GPL-2.0
/*
 * The agent state machine: one table of allowed (from -> to) transitions, each with a guard,
 * enforced on every change. co_agent_transition() is the only writer of a->state after an
 * agent is initialised (Spawning, the zero state); the predecessors of a state are derived
 * from the table, never written down twice. Terminal states have no outgoing entry: they
 * absorb. A transition that is not in the table, or whose guard fails, is refused with -EINVAL
 * and changes nothing; an applied one appends exactly one STATE audit event
 * (aid = the agent, arg = from << 8 | to), and is not applied when the chain refuses it.
 *
 * The Capability-denied rule (co_agent_note_decision): entered on a deny of an Active agent,
 * left on the next allowed decision about it. Not sticky: an agent that probes something it
 * may not do is not disabled by it; the deny is in the audit chain either way.
 */
#include "agent_int.h"

#define S_SPAWNING COCONUT_STATE_SPAWNING
#define S_ATTESTED COCONUT_STATE_ATTESTED
#define S_ACTIVE COCONUT_STATE_ACTIVE
#define S_BLOCKED COCONUT_STATE_INFERENCE_BLOCKED
#define S_DENIED COCONUT_STATE_CAPABILITY_DENIED
#define S_QUARANTINED COCONUT_STATE_QUARANTINED
#define S_CLEAN COCONUT_STATE_TERMINATED_CLEAN
#define S_REVOKED COCONUT_STATE_TERMINATED_REVOKED

typedef bool (*co_state_guard)(const struct co_kernel *k, const struct co_agent *a);

/* Its manifest's signature verified (spawn stage 2), or it is root. */
static bool co_guard_verified(const struct co_kernel *k, const struct co_agent *a)
{
	(void)k;
	return (a->flags & CO_AGENT_F_VERIFIED) != 0;
}

/* The scheduler was told about it (spawn stage 6). */
static bool co_guard_registered(const struct co_kernel *k, const struct co_agent *a)
{
	(void)k;
	return (a->flags & CO_AGENT_F_REGISTERED) != 0;
}

/* Only a budget that blocks (COCONUT_QUOTA_BLOCK) can block an agent. */
static bool co_guard_has_blocking_budget(const struct co_kernel *k, const struct co_agent *a)
{
	u32 i;

	(void)k;
	for (i = 0; i < COCONUT_QUOTA_KIND_COUNT; i++)
		if (a->quota[i].block)
			return true;
	return false;
}

/* A charge of it waits for its budget (quota.c): released from quarantine, it still waits. */
static bool co_guard_waiting(const struct co_kernel *k, const struct co_agent *a)
{
	u32 i;

	(void)k;
	for (i = 0; i < COCONUT_QUOTA_KIND_COUNT; i++)
		if (a->quota[i].waiting)
			return true;
	return false;
}

static bool co_guard_not_waiting(const struct co_kernel *k, const struct co_agent *a)
{
	return !co_guard_waiting(k, a);
}

/* Root is the kernel's own agent: it is never quarantined, blocked or terminated. */
static bool co_guard_not_root(const struct co_kernel *k, const struct co_agent *a)
{
	(void)k;
	return a->aid != COCONUT_AID_ROOT;
}

static bool co_guard_none(const struct co_kernel *k, const struct co_agent *a)
{
	(void)k;
	(void)a;
	return true;
}

struct co_state_edge {
	u8 from;
	u8 to;
	co_state_guard guard;
};

/*
 * The table. Why each entry:
 *  Spawning -> Attested		spawn stage 2: the manifest's signature verified
 *  Spawning -> Terminated-revoked	spawn refused after the AID was allocated
 *  Attested -> Active			spawn stage 6: registered with the scheduler (READY)
 *  Attested -> Terminated-revoked	spawn refused at the LSM or audit stage
 *  Active <-> Inference-blocked	a budget blocks it; raised or released
 *  Active <-> Capability-denied	a deny happened; the next allow
 *  Active, Inference-blocked, Capability-denied -> Quarantined	an operator or a fault
 *  Quarantined -> Active		released by an ancestor or the kernel, waiting on no budget
 *  Quarantined -> Inference-blocked	released while a charge of it still waits on a budget
 *  Active, Inference-blocked, Capability-denied, Quarantined -> Terminated-clean	exit
 *  Active, Inference-blocked, Capability-denied, Quarantined -> Terminated-revoked	killed,
 *					or every cap revoked
 * Spawning and Attested exist only inside the spawn call: an agent that never ran cannot exit
 * cleanly, so they lead only to Active or Terminated-revoked.
 */
static const struct co_state_edge co_state_edges[] = {
	{ S_SPAWNING, S_ATTESTED, co_guard_verified },
	{ S_SPAWNING, S_REVOKED, co_guard_not_root },
	{ S_ATTESTED, S_ACTIVE, co_guard_registered },
	{ S_ATTESTED, S_REVOKED, co_guard_not_root },
	{ S_ACTIVE, S_BLOCKED, co_guard_has_blocking_budget },
	{ S_BLOCKED, S_ACTIVE, co_guard_none },
	{ S_ACTIVE, S_DENIED, co_guard_none },
	{ S_DENIED, S_ACTIVE, co_guard_none },
	{ S_ACTIVE, S_QUARANTINED, co_guard_not_root },
	{ S_BLOCKED, S_QUARANTINED, co_guard_not_root },
	{ S_DENIED, S_QUARANTINED, co_guard_not_root },
	{ S_QUARANTINED, S_ACTIVE, co_guard_not_waiting },
	{ S_QUARANTINED, S_BLOCKED, co_guard_waiting },
	{ S_ACTIVE, S_CLEAN, co_guard_not_root },
	{ S_BLOCKED, S_CLEAN, co_guard_not_root },
	{ S_DENIED, S_CLEAN, co_guard_not_root },
	{ S_QUARANTINED, S_CLEAN, co_guard_not_root },
	{ S_ACTIVE, S_REVOKED, co_guard_not_root },
	{ S_BLOCKED, S_REVOKED, co_guard_not_root },
	{ S_DENIED, S_REVOKED, co_guard_not_root },
	{ S_QUARANTINED, S_REVOKED, co_guard_not_root },
};

static const char *const co_state_names[COCONUT_STATE_COUNT] = {
	[S_SPAWNING] = "spawning",
	[S_ATTESTED] = "attested",
	[S_ACTIVE] = "active",
	[S_BLOCKED] = "inference-blocked",
	[S_DENIED] = "capability-denied",
	[S_QUARANTINED] = "quarantined",
	[S_CLEAN] = "terminated-clean",
	[S_REVOKED] = "terminated-revoked",
};

const char *co_agent_state_name(u32 state)
{
	return state < COCONUT_STATE_COUNT ? co_state_names[state] : "unknown";
}

static const struct co_state_edge *co_state_edge_find(u32 from, u32 to)
{
	u32 i;

	for (i = 0; i < CO_ARRAY_SIZE(co_state_edges); i++)
		if (co_state_edges[i].from == from && co_state_edges[i].to == to)
			return &co_state_edges[i];
	return NULL;
}

bool co_agent_transition_allowed(u32 from, u32 to)
{
	return co_state_edge_find(from, to) != NULL;
}

u32 co_agent_state_predecessors(u32 to)
{
	u32 i, mask = 0;

	for (i = 0; i < CO_ARRAY_SIZE(co_state_edges); i++)
		if (co_state_edges[i].to == to)
			mask |= 1u << co_state_edges[i].from;
	return mask;
}

u32 co_agent_transition_count(void)
{
	return CO_ARRAY_SIZE(co_state_edges);
}

bool co_agent_transition_at(u32 i, u32 *from, u32 *to)
{
	if (i >= CO_ARRAY_SIZE(co_state_edges))
		return false;
	*from = co_state_edges[i].from;
	*to = co_state_edges[i].to;
	return true;
}

int co_agent_transition(struct co_kernel *k, struct co_agent *a, u32 to)
{
	const struct co_state_edge *e;
	struct co_audit_event ev;
	u32 from = a->state;
	int rc;

	CO_ASSERT(from < COCONUT_STATE_COUNT);
	if (to >= COCONUT_STATE_COUNT)
		return -EINVAL;
	e = co_state_edge_find(from, to);
#ifdef COCONUT_PLANT_STATE_NO_TABLE
	/* A planted bug for the property suite (harness/props; never in a product build): a
	 * move the transition table does not have is made anyway. */
	if (e && !e->guard(k, a))
		return -EINVAL;
#else
	if (!e || !e->guard(k, a))
		return -EINVAL;
#endif

	/* Audit first: a transition the chain cannot record is not made. */
	co_audit_event_init(&ev, COCONUT_EV_STATE, a->aid, 0);
	ev.arg = (u64)from << 8 | to;
	rc = co_kernel_audit(k, &ev);
	if (rc)
		return rc;

	a->prev_state = (u8)from;
	a->state = (u8)to;
	if (co_agent_state_terminal(to)) {
		CO_ASSERT(k->live_count > 0);
		k->live_count--;
		a->exited_ns = co_plat_now_ns(&k->plat);
	}
	return 0;
}

int co_agent_note_decision(struct co_kernel *k, struct co_agent *a, bool allowed)
{
	if (!allowed && a->state == S_ACTIVE)
		return co_agent_transition(k, a, S_DENIED);
	if (allowed && a->state == S_DENIED)
		return co_agent_transition(k, a, S_ACTIVE);
	return 0;
}
