// SPDX-License-Identifier: GPL-2.0
/*
 * The agent table: AID allocation, lookup, tombstones and the children registry.
 *
 * AIDs are u64, allocated in increasing order from 1 (root) and never reused. The table is
 * direct-mapped: AID n lives in slot n mod CO_AGENTS_MAX, so a lookup is one load and one
 * compare, whatever the table holds. A slot holds a live agent or a tombstone (a terminated
 * agent, kept so agentfs and tests can still read its last state); a new AID may take a slot
 * whose tombstone is then evicted (the oldest one, as slots come round in AID order). If the
 * next AID's slot holds a live agent (one 4096 AIDs older), that AID is skipped: never handed
 * out, so AIDs stay monotonic and unique, merely not dense.
 *
 * An AID that was handed out and is no longer in the table (an evicted tombstone, or a spawn
 * that failed after allocation) is below next_aid: lookup answers -ESTALE for it, exactly as
 * for a tombstone, and -ESRCH only for AIDs never reached (and 0).
 */
#include "agent_int.h"

struct co_agent *co_agent_find(const struct co_kernel *k, u64 aid)
{
	struct co_agent *a;

	if (aid == COCONUT_AID_NONE)
		return NULL;
	a = k->agents[co_agent_slot(aid)];
	return a && a->aid == aid ? a : NULL;
}

struct co_agent *co_agent_lookup(struct co_kernel *k, u64 aid, int *err)
{
	struct co_agent *a = co_agent_find(k, aid);
	int rc = 0;

	if (!a)
		rc = aid != COCONUT_AID_NONE && aid < k->next_aid ? -ESTALE : -ESRCH;
	else if (co_agent_state_terminal(a->state))
		rc = -ESTALE;
	if (err)
		*err = rc;
	return rc ? NULL : a;
}

bool co_agent_is_ancestor(const struct co_kernel *k, const struct co_agent *anc,
			  const struct co_agent *a)
{
	const struct co_agent *cur = a;
	u32 steps;

	/* Depths strictly decrease going up: at most CO_AGENT_DEPTH_MAX steps reach root. */
	for (steps = 0; steps <= CO_AGENT_DEPTH_MAX; steps++) {
		if (cur->parent_aid == COCONUT_AID_NONE || cur->depth <= anc->depth)
			return false;
		cur = co_agent_find(k, cur->parent_aid);
		/* A live agent's ancestors are live (exit cascades), so they are in the table. */
		if (!cur)
			return false;
		if (cur == anc)
			return true;
	}
	CO_ASSERT(0 && "parent walk longer than CO_AGENT_DEPTH_MAX");
	return false;
}

int co_agent_table_reserve(const struct co_kernel *k, u64 *aid)
{
	const struct co_agent *a;
	u64 cand = k->next_aid;
	u32 i;

	if (k->live_count >= CO_AGENTS_MAX)
		return -ENOSPC;
	/* Fewer than CO_AGENTS_MAX live agents: one of the next CO_AGENTS_MAX slots is not live. */
	for (i = 0; i < CO_AGENTS_MAX; i++, cand++) {
		CO_ASSERT(cand != COCONUT_AID_NONE); /* 2^64 AIDs: never wraps */
		a = k->agents[co_agent_slot(cand)];
		if (!a || co_agent_state_terminal(a->state)) {
			*aid = cand;
			return 0;
		}
	}
	CO_ASSERT(0 && "live_count below the table size but no free slot");
	return -ENOSPC;
}

void co_agent_table_insert(struct co_kernel *k, struct co_agent *a, struct co_agent **evicted)
{
	struct co_agent **slot = &k->agents[co_agent_slot(a->aid)];

	CO_ASSERT(a->aid >= k->next_aid);
	CO_ASSERT(!co_agent_state_terminal(a->state));
	*evicted = NULL;
	if (*slot) {
		CO_ASSERT(co_agent_state_terminal((*slot)->state));
		*evicted = *slot;
		k->agent_count--;
	}
	*slot = a;
	k->agent_count++;
	k->live_count++;
	k->next_aid = a->aid + 1;
	CO_ASSERT(k->agent_count <= CO_AGENTS_MAX && k->live_count <= k->agent_count);
}

void co_agent_table_remove(struct co_kernel *k, struct co_agent *a)
{
	struct co_agent **slot = &k->agents[co_agent_slot(a->aid)];

	CO_ASSERT(*slot == a);
	*slot = NULL;
	k->agent_count--;
	if (!co_agent_state_terminal(a->state))
		k->live_count--;
}

int co_agent_child_add(struct co_agent *parent, u64 aid)
{
	if (parent->child_count >= CO_AGENT_CHILDREN_MAX)
		return -ENOSPC;
	parent->children[parent->child_count++] = aid;
	return 0;
}

void co_agent_child_remove(struct co_agent *parent, u64 aid)
{
	u32 i;

	for (i = 0; i < parent->child_count; i++) {
		if (parent->children[i] != aid)
			continue;
		/* Shift, not swap: agentfs lists children in spawn order. */
		co_memmove(&parent->children[i], &parent->children[i + 1],
			   (parent->child_count - i - 1) * sizeof(parent->children[0]));
		parent->child_count--;
		parent->children[parent->child_count] = 0;
		return;
	}
	CO_ASSERT(0 && "child not in its parent's registry");
}
