// SPDX-License-Identifier: GPL-2.0
/*
 * CO_SCHED_FAIR: two-level weighted fair queuing with virtual counters (after the Virtual
 * Token Counter of Sheng et al., "Fairness in Serving Large Language Models", OSDI 2024), with
 * a bounded lag credit for work that returns under its share (after CFS's sleeper placement and
 * EEVDF's clamped lag in Linux's kernel/sched/fair.c).
 *
 * Level one: the backlogged tenants in a heap by (counter, tenant id); level two: each
 * tenant's backlogged lanes in a heap by (counter, AID). A pick takes the top tenant's top
 * lane's head: O(log tenants + log lanes). A charge advances both counters by
 * units * SCALE / weight and re-keys whichever of the two is still backlogged.
 *
 * Placement. The instance keeps a virtual time V: at every pick, V = max(V, the smallest
 * backlogged tenant counter), so it only moves forward (CFS's min_vruntime). A tenant that
 * becomes backlogged by an enqueue is placed at max(its counter, V - credit), credit being the
 * lag limit scaled by its weight like a charge. A tenant that used less than its share while
 * others were served has fallen behind V: it comes back ahead of them, by at most the credit,
 * and is served first until it has caught up. One that used more keeps its debt. The lag limit
 * bounds what idle time can bank: an hour away is worth no more than the limit (the VTC
 * concern), and with a limit of 0 this is the VTC lift itself. Lanes inside a tenant are placed
 * the same way against the tenant's own lane virtual time. New tenants and lanes start at the
 * virtual time: credit is earned by existing without being served, not by being created.
 *
 * Bound: every backlogged counter stays in [V - C, V + D] (C the largest credit, D one turn's
 * largest charge over the smallest weight), so backlogged tenants differ by at most D + C
 * (docs/sched.md has the argument).
 *
 * A putback that undoes a pick (before any charge: a batch slot not taken) is not an arrival:
 * the lane or tenant it makes backlogged again keeps its counter, so the picks it undoes come
 * out again in the same order. A putback after a charge (a preempted slice, a sequence of a
 * batch that goes on) is a return: the turn was used and V may have moved on meanwhile (the
 * work was in service, not waiting), so it is placed like an arrival and keeps at most the
 * credit.
 *
 * Holds (batch admission): a held tenant stays backlogged (its weight counts, its lanes stay in
 * its lane heap) but is out of the tenant heaps until released, and V stands still while any
 * tenant is held, so no held tenant falls below V - C.
 *
 * The spread statistic (the largest max - min of backlogged tenants' counters at a pick) is
 * exact: a second heap of the tenants by (~counter, id) gives the maximum in O(1), kept at
 * O(log tenants) per change like the first.
 */
#include "sched_int.h"

static u32 co_sched_tenant_slot_of(const struct co_sched *s, const struct co_sched_tenant *t)
{
	return (u32)(t - s->tenants);
}

static u64 co_sched_sub_floor0(u64 a, u64 b)
{
	return a > b ? a - b : 0;
}

/* Puts a backlogged, unheld tenant into both tenant heaps. */
static void co_sched_fair_tenant_insert(struct co_sched *s, struct co_sched_tenant *t)
{
	u32 slot = co_sched_tenant_slot_of(s, t);

	CO_ASSERT(!t->held && t->queued > 0);
	co_sched_heap_insert(&s->tenant_pool, &s->tenants_by_counter, slot, t->counter, t->id);
	co_sched_heap_insert(&s->tenant_max_pool, &s->tenants_by_counter_desc, slot, ~t->counter,
			     t->id);
}

void co_sched_fair_join(struct co_sched *s, struct co_sched_lane *l, bool place)
{
	struct co_sched_tenant *t = &s->tenants[l->tenant];

	/* The counts are updated before the hook: the tenant just became backlogged. */
	if (t->queued == 1) {
		if (place)
			t->counter = CO_MAX(t->counter,
					    co_sched_sub_floor0(s->stats.vtime,
								co_sched_scaled(s->lag_units,
										t->weight)));
		s->stats.backlogged_weight += t->weight;
		if (!t->held)
			co_sched_fair_tenant_insert(s, t);
	}
	if (place)
		l->counter = CO_MAX(l->counter,
				    co_sched_sub_floor0(t->lane_vtime,
							co_sched_scaled(s->lag_units, l->weight)));
	co_sched_heap_insert(&s->lane_pool, &t->lane_heap, co_sched_lane_slot(s, l), l->counter,
			     l->aid);
}

void co_sched_fair_leave(struct co_sched *s, struct co_sched_lane *l)
{
	struct co_sched_tenant *t = &s->tenants[l->tenant];
	u32 slot = co_sched_tenant_slot_of(s, t);

	co_sched_heap_remove(&s->lane_pool, &t->lane_heap, co_sched_lane_slot(s, l));
	if (t->lane_heap.count)
		return;
	CO_ASSERT(t->queued == 0 && s->stats.backlogged_weight >= t->weight);
	s->stats.backlogged_weight -= t->weight;
	if (t->held)
		return; /* not in the heaps; co_sched_release_holds() sees it is idle */
	co_sched_heap_remove(&s->tenant_pool, &s->tenants_by_counter, slot);
	co_sched_heap_remove(&s->tenant_max_pool, &s->tenants_by_counter_desc, slot);
}

struct co_sched_lane *co_sched_fair_next(struct co_sched *s)
{
	u64 min_counter, max_counter, lane_min;
	struct co_sched_tenant *t;
	u32 tslot, lslot;

	if (s->tenants_by_counter.count == 0) {
		CO_ASSERT(s->holds > 0); /* queued work, all of it in held tenants */
		return NULL;
	}
	min_counter = co_sched_heap_min_key(&s->tenant_pool, &s->tenants_by_counter);
	max_counter = ~co_sched_heap_min_key(&s->tenant_max_pool, &s->tenants_by_counter_desc);
	tslot = co_sched_heap_min(&s->tenant_pool, &s->tenants_by_counter);
	t = &s->tenants[tslot];
	lslot = co_sched_heap_min(&s->lane_pool, &t->lane_heap);
	CO_ASSERT(max_counter >= min_counter && lslot != CO_SCHED_NIL);
	s->stats.max_backlogged_spread =
		CO_MAX(s->stats.max_backlogged_spread, max_counter - min_counter);
	if (s->holds == 0)
		s->stats.vtime = CO_MAX(s->stats.vtime, min_counter);
	lane_min = co_sched_heap_min_key(&s->lane_pool, &t->lane_heap);
	t->lane_vtime = CO_MAX(t->lane_vtime, lane_min);
	return &s->lanes[lslot];
}

void co_sched_fair_charged(struct co_sched *s, struct co_sched_lane *l)
{
	struct co_sched_tenant *t = &s->tenants[l->tenant];
	u32 lslot = co_sched_lane_slot(s, l);

	if (co_sched_heap_has(&s->lane_pool, lslot))
		co_sched_heap_rekey(&s->lane_pool, &t->lane_heap, lslot, l->counter);
	if (co_sched_heap_has(&s->tenant_pool, l->tenant)) {
		co_sched_heap_rekey(&s->tenant_pool, &s->tenants_by_counter, l->tenant, t->counter);
		co_sched_heap_rekey(&s->tenant_max_pool, &s->tenants_by_counter_desc, l->tenant,
				    ~t->counter);
	}
}

bool co_sched_fair_preempts(const struct co_sched *s, const struct co_sched_lane *waking,
			    const struct co_sched_lane *running)
{
	if (waking->tenant != running->tenant)
		return s->tenants[waking->tenant].counter < s->tenants[running->tenant].counter;
	return waking->counter < running->counter;
}

bool co_sched_fair_contended(const struct co_sched *s, const struct co_sched_lane *running)
{
	return s->stats.backlogged_lanes > (running->queued > 0 ? 1u : 0u);
}

int co_sched_tenant_hold(struct co_sched *s, u32 tenant)
{
	u32 slot = co_sched_index_find(&s->tenant_ix, tenant);
	struct co_sched_tenant *t;

	if (s->policy != CO_SCHED_FAIR)
		return -EOPNOTSUPP;
	if (slot == CO_SCHED_NIL)
		return -ENOENT;
	t = &s->tenants[slot];
	if (t->held)
		return 0;
	if (co_sched_heap_has(&s->tenant_pool, slot)) {
		co_sched_heap_remove(&s->tenant_pool, &s->tenants_by_counter, slot);
		co_sched_heap_remove(&s->tenant_max_pool, &s->tenants_by_counter_desc, slot);
	}
	t->held = true;
	t->hold_next = s->hold_head;
	s->hold_head = slot;
	s->holds++;
	return 0;
}

void co_sched_release_holds(struct co_sched *s)
{
	u32 n;

	/* At most one step per tenant: a tenant is on the list once. */
	for (n = 0; s->hold_head != CO_SCHED_NIL && n < s->tenants_max; n++) {
		struct co_sched_tenant *t = &s->tenants[s->hold_head];

		CO_ASSERT(t->held);
		s->hold_head = t->hold_next;
		t->hold_next = CO_SCHED_NIL;
		t->held = false;
		if (t->queued > 0)
			co_sched_fair_tenant_insert(s, t);
	}
	CO_ASSERT(s->hold_head == CO_SCHED_NIL && n == s->holds);
	s->holds = 0;
}
