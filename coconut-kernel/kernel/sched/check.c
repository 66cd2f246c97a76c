// SPDX-License-Identifier: GPL-2.0
/*
 * The whole-instance consistency check tests run after every call: each count against the
 * queues it counts, each index entry against its slot, each heap's shape and order, and each
 * policy's structure holding exactly the backlogged lanes (tenants) with the right keys.
 * O(lanes + queued): a test tool, never on a hot path.
 */
#include "sched_int.h"

static bool co_sched_check_queue(const struct co_sched *s, const struct co_sched_lane *l,
				 u32 slot)
{
	const struct co_sched_entity *e = l->head, *last = NULL;
	u32 n;

	for (n = 0; e && n <= CO_SCHED_QUEUED_MAX; n++) {
		if (!e->queued || e->aid != l->aid)
			return false;
		last = e;
		e = e->next;
	}
	if (e || n != l->queued || last != l->tail)
		return false;
	switch (s->policy) {
	case CO_SCHED_FAIR: {
		const struct co_sched_tenant *t = &s->tenants[l->tenant];
		u32 node = s->lane_pool.node_of[slot];

		if ((node != CO_SCHED_NIL) != (l->queued > 0))
			return false;
		if (node != CO_SCHED_NIL && (s->lane_pool.nodes[node].key != l->counter ||
					     t->queued == 0))
			return false;
		break;
	}
	case CO_SCHED_FIFO: {
		u32 node = s->lane_pool.node_of[slot];

		if ((node != CO_SCHED_NIL) != (l->queued > 0))
			return false;
		if (node != CO_SCHED_NIL && s->lane_pool.nodes[node].key != l->head->seq)
			return false;
		break;
	}
	default:
		if ((l->rr_next != CO_SCHED_NIL) != (l->queued > 0))
			return false;
		if (l->rr_next != CO_SCHED_NIL && (s->lanes[l->rr_next].rr_prev != slot ||
						   s->lanes[l->rr_prev].rr_next != slot))
			return false;
		break;
	}
	return true;
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
		return !in && t->lane_heap.count == 0;
	if (!co_sched_heap_valid(&s->lane_pool, &t->lane_heap) ||
	    t->lane_heap.count != backlogged || in != (t->queued > 0) ||
	    in != (s->tenant_max_pool.node_of[i] != CO_SCHED_NIL))
		return false;
	return !in || (s->tenant_pool.nodes[node].key == t->counter &&
		       ~s->tenant_max_pool.nodes[s->tenant_max_pool.node_of[i]].key == t->counter);
}

static bool co_sched_check_tenants(const struct co_sched *s)
{
	u32 i, backlogged = 0;

	if (s->tenants_used > s->tenants_max || s->tenant_ix.count != s->tenants_used ||
	    s->stats.tenants != s->tenants_used)
		return false;
	for (i = 0; i < s->tenants_used; i++) {
		if (!co_sched_check_tenant(s, i))
			return false;
		backlogged += s->tenants[i].queued > 0;
	}
	if (s->policy != CO_SCHED_FAIR)
		return true;
	return co_sched_heap_valid(&s->tenant_pool, &s->tenants_by_counter) &&
	       co_sched_heap_valid(&s->tenant_max_pool, &s->tenants_by_counter_desc) &&
	       s->tenants_by_counter.count == backlogged &&
	       s->tenants_by_counter_desc.count == backlogged;
}

/* The rotation is one cycle through exactly the backlogged lanes. */
static bool co_sched_check_rr(const struct co_sched *s, u32 backlogged)
{
	u32 n = 0, cur = s->rr_head;

	if (cur == CO_SCHED_NIL)
		return backlogged == 0;
	do {
		if (cur >= s->lanes_max || s->lanes[cur].queued == 0 || n > s->lanes_max)
			return false;
		cur = s->lanes[cur].rr_next;
		n++;
	} while (cur != s->rr_head && n <= s->lanes_max);
	return n == backlogged && cur == s->rr_head;
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
	if (lanes != s->stats.lanes || queued != s->stats.queued || lanes != s->lane_ix.count)
		return false;
	for (cur = s->lane_free; cur != CO_SCHED_NIL && free <= s->lanes_max; free++) {
		if (cur >= s->lanes_max || s->lanes[cur].aid != 0)
			return false;
		cur = s->lanes[cur].rr_next;
	}
	if (cur != CO_SCHED_NIL || free + lanes != s->lanes_max)
		return false;
	if (!co_sched_check_tenants(s))
		return false;
	if (s->policy == CO_SCHED_FIFO)
		return co_sched_heap_valid(&s->lane_pool, &s->fifo_heads) &&
		       s->fifo_heads.count == backlogged;
	if (s->policy == CO_SCHED_PER_PROCESS)
		return co_sched_check_rr(s, backlogged);
	return true;
}
