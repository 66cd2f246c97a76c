/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What lsm.c, grant.c, revoke.c and inflight.c share and nobody else needs.
 */
#ifndef COCONUT_LSM_INT_H
#define COCONUT_LSM_INT_H

#include "coconut/errno.h"
#include "coconut/kernel.h"
#include "coconut/lsm.h"

/* Quarantine and termination take away every right, whatever the set still holds. */
static inline bool co_lsm_may_act(u32 state)
{
	return state != COCONUT_STATE_QUARANTINED && !co_agent_state_terminal(state);
}

/*
 * The authority rule of grant and revoke (docs/lsm.md, "Who may grant and revoke"): an agent
 * acts on caps only in its own subtree (the target is the caller or one of its descendants), and
 * root's caps, the source every other cap derives from, are no target at all. -EPERM otherwise:
 * an identity rule like quota's, not an LSM decision, so it is not audited (an agent of one
 * tenant cannot make the chain grow with refusals about another).
 */
static inline int co_cap_authority(const struct co_kernel *k, const struct co_agent *caller,
				   const struct co_agent *target)
{
	if (target->aid == COCONUT_AID_ROOT || target->parent_aid == COCONUT_AID_NONE)
		return -EPERM;
	return co_agent_is_self_or_ancestor(k, caller, target) ? 0 : -EPERM;
}

/*
 * inflight.c: marks revoked every pending operation that cap `handle` of agent aid authorised.
 * Revocation calls it for each cap it removes; the work is the operations of that cap (and
 * the few others whose (agent, cap) hashes alike), not every pending one.
 */
void co_inflight_revoke_cap(struct co_kernel *k, u64 aid, u32 handle);

#endif /* COCONUT_LSM_INT_H */
