// SPDX-License-Identifier: GPL-2.0
/*
 * CO_SCHED_FAIR: two-level weighted fair queuing with virtual counters (after the Virtual
 * Token Counter of Sheng et al., "Fairness in Serving Large Language Models", OSDI 2024).
 *
 * Level one: the backlogged tenants in a heap by (counter, tenant id); level two: each
 * tenant's backlogged lanes in a heap by (counter, AID). A pick takes the top tenant's top
 * lane's head: O(log tenants + log lanes). A charge advances both counters by
 * units * SCALE / weight and re-keys whichever of the two is still backlogged.
 *
 * The lift. A tenant (a lane) that becomes backlogged has its counter raised to the smallest
 * counter among the backlogged tenants (its tenant's backlogged lanes), or to the counter of
 * the one served last when none is backlogged; it is never lowered. Without it a tenant idle
 * for an hour would come back with an hour of credit and shut everyone out until it had spent
 * it. With it, once backlogged it is at most one turn ahead of anyone: backlogged counters
 * stay within one turn's charge (max units * SCALE / min weight) of each other, which is the
 * bound on the service difference (docs/sched.md).
 *
 * A putback is not an arrival: the entity was picked and comes back to keep its place, so a
 * lane or tenant made backlogged again by a putback is not lifted (lifting it could reorder
 * the very picks the putback is undoing).
 *
 * The spread statistic (the largest max - min of backlogged tenants' counters at a pick) is
 * exact: a second heap of the backlogged tenants by (~counter, id) gives the maximum in O(1),
 * kept at O(log tenants) per change like the first.
 */
#include "sched_int.h"

static u32 co_sched_tenant_slot_of(const struct co_sched *s, const struct co_sched_tenant *t)
{
	return (u32)(t - s->tenants);
}

static void co_sched_fair_tenant_join(struct co_sched *s, struct co_sched_tenant *t, bool lift)
{
	u32 slot = co_sched_tenant_slot_of(s, t);

	if (lift) {
		u64 ref = t->counter;

		if (s->tenants_by_counter.count)
			ref = co_sched_heap_min_key(&s->tenant_pool, &s->tenants_by_counter);
		else if (s->last_tenant != CO_SCHED_NIL)
			ref = s->tenants[s->last_tenant].counter;
		t->counter = CO_MAX(t->counter, ref);
	}
	co_sched_heap_insert(&s->tenant_pool, &s->tenants_by_counter, slot, t->counter, t->id);
	co_sched_heap_insert(&s->tenant_max_pool, &s->tenants_by_counter_desc, slot, ~t->counter,
			     t->id);
}

void co_sched_fair_join(struct co_sched *s, struct co_sched_lane *l, bool putback)
{
	struct co_sched_tenant *t = &s->tenants[l->tenant];

	if (!co_sched_heap_has(&s->tenant_pool, l->tenant))
		co_sched_fair_tenant_join(s, t, !putback);
	if (!putback) {
		u64 ref = l->counter;

		if (t->lane_heap.count)
			ref = co_sched_heap_min_key(&s->lane_pool, &t->lane_heap);
		else if (t->last_lane != CO_SCHED_NIL)
			ref = s->lanes[t->last_lane].counter;
		else
			ref = t->lane_ref;
		l->counter = CO_MAX(l->counter, ref);
	}
	co_sched_heap_insert(&s->lane_pool, &t->lane_heap, co_sched_lane_slot(s, l), l->counter,
			     l->aid);
}

void co_sched_fair_leave(struct co_sched *s, struct co_sched_lane *l)
{
	struct co_sched_tenant *t = &s->tenants[l->tenant];

	co_sched_heap_remove(&s->lane_pool, &t->lane_heap, co_sched_lane_slot(s, l));
	if (t->lane_heap.count)
		return;
	CO_ASSERT(t->queued == 0);
	co_sched_heap_remove(&s->tenant_pool, &s->tenants_by_counter, l->tenant);
	co_sched_heap_remove(&s->tenant_max_pool, &s->tenants_by_counter_desc, l->tenant);
}

struct co_sched_lane *co_sched_fair_next(struct co_sched *s)
{
	u64 min_counter = co_sched_heap_min_key(&s->tenant_pool, &s->tenants_by_counter);
	u64 max_counter = ~co_sched_heap_min_key(&s->tenant_max_pool,
						 &s->tenants_by_counter_desc);
	u32 tslot = co_sched_heap_min(&s->tenant_pool, &s->tenants_by_counter);
	struct co_sched_tenant *t = &s->tenants[tslot];
	u32 lslot = co_sched_heap_min(&s->lane_pool, &t->lane_heap);

	CO_ASSERT(max_counter >= min_counter && lslot != CO_SCHED_NIL);
	s->stats.max_backlogged_spread =
		CO_MAX(s->stats.max_backlogged_spread, max_counter - min_counter);
	s->last_tenant = tslot;
	t->last_lane = lslot;
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
