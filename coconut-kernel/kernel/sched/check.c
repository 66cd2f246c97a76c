// SPDX-License-Identifier: GPL-2.0
/*
 * The whole-instance consistency check tests run after every call: each count against the
 * queues it counts, each index entry against its slot, each heap's shape and order, each
 * policy's structure holding exactly the backlogged lanes (tenants, less the held ones) with the
 * right keys, the held list, and the backlogged weight and lane count.
 * O(lanes + queued): a test tool, never on a hot path.
 */
#include "sched_int.h"

static bool co_sched_check_queue(const struct co_sched *s, const struct co_sched_lane *l,
				 u32 slot)
{
	const struct co_sched_entity *e = l->head, *last = NULL;
	u32 n, node;

	for (n = 0; e && n <= CO_SCHED_QUEUED_MAX; n++) {
		if (!e->queued || e->aid != l->aid)
			return false;
		last = e;
		e = e->next;
	}
	if (e || n != l->queued || last != l->tail)
		return false;
	/* Both lane heaps (a tenant's, fair; the seq heads, the others) draw on lane_pool. */
	node = s->lane_pool.node_of[slot];
	if ((node != CO_SCHED_NIL) != (l->queued > 0))
		return false;
	if (node == CO_SCHED_NIL)
		return true;
	if (s->policy == CO_SCHED_FAIR)
		return s->lane_pool.nodes[node].key == l->counter &&
		       s->tenants[l->tenant].queued > 0;
	/*
	 * The head is the lane's oldest: seqs never fall along the queue (they may repeat: an
	 * entity put back that was never picked keeps whatever seq it had).
	 */
	for (e = l->head, n = 0; e && e->next && n <= CO_SCHED_QUEUED_MAX; e = e->next, n++)
		if (e->next->seq < e->seq)
			return false;
	return s->lane_pool.nodes[node].key == l->head->seq;
}

/*
 * Each tenant: its index entry, its counts against its lanes (a pass over the lanes per
 * tenant, O(tenants x lanes): no per-tenant tally array on a kernel stack), and under fair its
 * lane heap and its membership and keys in both tenant heaps.
 */
static bool co_sched_check_tenant(const struct co_sched *s, u32 i)
{
	const struct co_sched_tenant *t = &s->tenants[i];
	u32 node = s->tenant_pool.node_of[i];
	bool in = node != CO_SCHED_NIL;
	u32 lanes = 0, queued = 0, backlogged = 0, j;

	if (co_sched_index_find(&s->tenant_ix, t->id) != i || t->weight < 1 ||
	    t->weight > CO_SCHED_WEIGHT_MAX)
		return false;
	for (j = 0; j < s->lanes_max; j++) {
		const struct co_sched_lane *l = &s->lanes[j];

		if (l->aid == 0 || l->tenant != i)
			continue;
		lanes++;
		queued += l->queued;
		backlogged += l->queued > 0;
	}
	if (lanes != t->lanes || queued != t->queued)
		return false;
	if (s->policy != CO_SCHED_FAIR)
		return !in && !t->held && !t->credit && t->lane_heap.count == 0;
	/* A held tenant stays backlogged but is out of the tenant heaps until released. */
	if (!co_sched_heap_valid(&s->lane_pool, &t->lane_heap) ||
	    t->lane_heap.count != backlogged || in != (t->queued > 0 && !t->held) ||
	    in != (s->tenant_max_pool.node_of[i] != CO_SCHED_NIL))
		return false;
	/* Credit: in the by-raw heap exactly while in the heaps with its counter below vtime. */
	if (t->credit != (in && t->counter < s->stats.vtime) ||
	    t->credit != (s->tenant_credit_pool.node_of[i] != CO_SCHED_NIL))
		return false;
	if (t->credit && s->tenant_credit_pool.nodes[s->tenant_credit_pool.node_of[i]].key != t->raw)
		return false;
	return !in || (s->tenant_pool.nodes[node].key == t->counter &&
		       ~s->tenant_max_pool.nodes[s->tenant_max_pool.node_of[i]].key == t->counter);
}

/* The held list names exactly the held tenants, each once. */
static bool co_sched_check_holds(const struct co_sched *s)
{
	u32 n = 0, held = 0, i, cur;

	for (cur = s->hold_head; cur != CO_SCHED_NIL && n <= s->tenants_max; n++) {
		if (cur >= s->tenants_used || !s->tenants[cur].held)
			return false;
		cur = s->tenants[cur].hold_next;
	}
	for (i = 0; i < s->tenants_used; i++)
		held += s->tenants[i].held;
	return cur == CO_SCHED_NIL && n == held && n == s->holds;
}

static bool co_sched_check_tenants(const struct co_sched *s)
{
	u32 i, in_heaps = 0, credit = 0;
	u64 weight = 0;

	if (s->tenants_used > s->tenants_max || s->tenant_ix.count != s->tenants_used ||
	    s->stats.tenants != s->tenants_used)
		return false;
	for (i = 0; i < s->tenants_used; i++) {
		const struct co_sched_tenant *t = &s->tenants[i];

		if (!co_sched_check_tenant(s, i))
			return false;
		in_heaps += t->queued > 0 && !t->held;
		credit += t->credit;
		weight += t->queued > 0 ? t->weight : 0;
	}
	if (weight != s->stats.backlogged_weight || !co_sched_check_holds(s))
		return false;
	if (s->policy != CO_SCHED_FAIR)
		return true;
	return co_sched_heap_valid(&s->tenant_pool, &s->tenants_by_counter) &&
	       co_sched_heap_valid(&s->tenant_max_pool, &s->tenants_by_counter_desc) &&
	       co_sched_heap_valid(&s->tenant_credit_pool, &s->tenants_by_raw) &&
	       s->tenants_by_counter.count == in_heaps &&
	       s->tenants_by_counter_desc.count == in_heaps && s->tenants_by_raw.count == credit;
}

bool co_sched_check(const struct co_sched *s)
{
	u32 lanes = 0, backlogged = 0, queued = 0, free = 0, i, cur;

	for (i = 0; i < s->lanes_max; i++) {
		const struct co_sched_lane *l = &s->lanes[i];

		if (l->aid == 0)
			continue;
		if (co_sched_index_find(&s->lane_ix, l->aid) != i || l->tenant >= s->tenants_used ||
		    l->weight < 1 || l->weight > CO_SCHED_WEIGHT_MAX ||
		    !co_sched_check_queue(s, l, i))
			return false;
		lanes++;
		queued += l->queued;
		backlogged += l->queued > 0;
	}
	if (lanes != s->stats.lanes || queued != s->stats.queued || lanes != s->lane_ix.count ||
	    backlogged != s->stats.backlogged_lanes)
		return false;
	for (cur = s->lane_free; cur != CO_SCHED_NIL && free <= s->lanes_max; free++) {
		if (cur >= s->lanes_max || s->lanes[cur].aid != 0)
			return false;
		cur = s->lanes[cur].free_next;
	}
	if (cur != CO_SCHED_NIL || free + lanes != s->lanes_max)
		return false;
	if (!co_sched_check_tenants(s))
		return false;
	if (s->policy != CO_SCHED_FAIR)
		return co_sched_heap_valid(&s->lane_pool, &s->seq_heads) &&
		       s->seq_heads.count == backlogged;
	return true;
}
