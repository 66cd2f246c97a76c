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
 * inflight.c: marks revoked every pending operation whose authorising cap is no longer in its
 * agent's set (handles are not reused, so a missing handle is a removed cap) or whose agent
 * may no longer act. Revocation calls it once after removing caps.
 */
void co_inflight_revoke_unauthorised(struct co_kernel *k);

#endif /* COCONUT_LSM_INT_H */
