// SPDX-License-Identifier: GPL-2.0
/*
 * The LSM decision: the one function every privileged operation of an agent goes through.
 *
 * The order is what makes the audit exact: the answer is computed first (present() on the
 * agent's set: no allocation, bounded work), then the event is appended, and only once the
 * chain accepted it does anything count: the allow/deny counters, the state transition, the
 * answer. An append the chain refuses (-EBUSY, a full ring with the sealer stalled) leaves no
 * trace anywhere, so "one event per decision" and "counters == per-type counts of the chain"
 * hold whatever the backpressure.
 */
#include "cap_object.h"
#include "lsm_int.h"

/* Bytes of a NUL-terminated kind name from the capability tables (a few bytes, bounded). */
static size_t co_lsm_name_len(const char *s)
{
	size_t n;

	for (n = 0; n < COCONUT_CAP_TEXT_MAX && s[n]; n++)
		;
	return n;
}

int co_lsm_audit_room(struct co_kernel *k, u32 n)
{
	u64 slots = k->cfg.audit.ring_slots;	/* the config co_audit_init() was given */

	/*
	 * The calling CPU's ring only: the events come here (co_audit_append), and every
	 * producer of this instance appends under the instance lock the caller holds, so the
	 * room stays. Comparing all rings' pending events with one ring's size (as before)
	 * let a tenant flooding its own CPU's ring refuse everyone else's grants and quotas
	 * (issue 17, finding 7). With inline sealing a seal makes the room, as
	 * co_kernel_audit() does on a full ring; a stalled sealer leaves it full.
	 */
	if (n > slots)
		return -ENOSPC;
	if (co_audit_ring_room(&k->audit) >= n)
		return 0;
	if (!k->cfg.seal_inline)
		return -EBUSY;
	CO_ASSERT(!k->plat.ops->lock_is_atomic); /* refused at create (co_kernel_create) */
	co_audit_seal(&k->audit, CO_AUDIT_RING_EVENTS_MAX);
	return co_audit_ring_room(&k->audit) >= n ? 0 : -EBUSY;
}

int co_lsm_check(struct co_kernel *k, struct co_agent *a, u32 kind, const char *object, size_t len,
		 u32 *cap_handle)
{
	struct co_audit_event *ev = &k->lsm_event;
	const struct co_capset_entry *e;
	u32 handle = CO_CAP_HANDLE_NONE;
	const char *name;
	bool allowed, moves;
	int err;

	CO_ASSERT(k != NULL && a != NULL);
	if (cap_handle)
		*cap_handle = CO_CAP_HANDLE_NONE;
	/*
	 * The object as the caps spell it (a host name in lower case, an IPv6 address as RFC
	 * 5952 writes it), for the lookup and the audit row alike; k->lsm_object is the
	 * instance's, under the lock the caller holds.
	 */
	object = co_cap_object_canonical(kind, object, len, k->lsm_object, &len);
	/* present() refuses malformed objects itself; a missing one never reaches it. */
	if (co_lsm_may_act(a->state) && (object != NULL || len == 0))
		handle = co_capset_present(&a->caps, kind, object, len);
	allowed = handle != CO_CAP_HANDLE_NONE;

	/*
	 * A decision that changes the state appends two events (the decision, then STATE): make
	 * sure both fit before the first, so a decision is never left without its transition.
	 */
	moves = allowed ? a->state == COCONUT_STATE_CAPABILITY_DENIED :
			  a->state == COCONUT_STATE_ACTIVE;
	if (moves && co_lsm_audit_room(k, 2)) {
		co_probe_hit(&k->probes, CO_PROBE_LSM_EBUSY);
		return -EBUSY;
	}

	co_audit_event_init(ev, allowed ? COCONUT_EV_CAP_ALLOW : COCONUT_EV_CAP_DENY, a->aid,
			    allowed ? 0 : -ECAPABILITY);
	if (allowed) {
		e = co_capset_get(&a->caps, handle);
		CO_ASSERT(e != NULL);
		/* Straight into the event (cleared by init): a cap's text always fits. */
		ev->cap_len = (u16)co_cap_format(&e->cap, ev->cap, sizeof(ev->cap));
		CO_ASSERT(ev->cap_len > 0 && ev->cap_len <= sizeof(ev->cap));
	} else {
		name = co_cap_kind_name(kind);
		if (name)
			co_audit_event_set_cap(ev, name, co_lsm_name_len(name));
	}
	/* An empty object is no object: the same zeros whether the caller passed "" or NULL. */
	if (object && len)
		co_audit_event_set_object(ev, object, len);

	err = co_kernel_audit(k, ev);
	if (err)
		return err;
	if (allowed)
		k->lsm_allows++;
	else
		k->lsm_denies++;
	/*
	 * The state machine owns the rule (coconut/agent.h); room for its event was made above
	 * when it applies. Should it still refuse, the decision stands: it is made and audited,
	 * and the state is a view of it, not a condition of it.
	 */
	(void)co_agent_note_decision(k, a, allowed);
	if (cap_handle)
		*cap_handle = handle;
	return allowed ? 0 : -ECAPABILITY;
}
