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
 * lag limit in counter units (lag * SCALE: the same for everyone, so in the resource's units a
 * tenant banks its weight times the limit, in proportion to its share). A tenant that used
 * less than its share while
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

/* Where a tenant (lane) at `counter` that becomes backlogged goes: never lowered (its debt is
 * kept), never below vtime - limit. */
static u64 co_sched_place(u64 counter, u64 vtime, u64 limit)
{
	return CO_MAX(counter, vtime > limit ? vtime - limit : 0);
}

/* Puts a backlogged, unheld tenant into the tenant heaps: by counter and by ~counter, and by
 * raw history too while it has credit. */
static void co_sched_fair_tenant_insert(struct co_sched *s, struct co_sched_tenant *t)
{
	u32 slot = co_sched_tenant_slot_of(s, t);

	CO_ASSERT(!t->held && t->queued > 0);
	co_sched_heap_insert(&s->tenant_pool, &s->tenants_by_counter, slot, t->counter, t->id);
	co_sched_heap_insert(&s->tenant_max_pool, &s->tenants_by_counter_desc, slot, ~t->counter,
			     t->id);
	t->credit = t->counter < s->stats.vtime;
	if (t->credit)
		co_sched_heap_insert(&s->tenant_credit_pool, &s->tenants_by_raw, slot, t->raw, t->id);
}

static void co_sched_fair_tenant_remove(struct co_sched *s, struct co_sched_tenant *t)
{
	u32 slot = co_sched_tenant_slot_of(s, t);

	co_sched_heap_remove(&s->tenant_pool, &s->tenants_by_counter, slot);
	co_sched_heap_remove(&s->tenant_max_pool, &s->tenants_by_counter_desc, slot);
	if (t->credit)
		co_sched_heap_remove(&s->tenant_credit_pool, &s->tenants_by_raw, slot);
	t->credit = false;
}

void co_sched_fair_join(struct co_sched *s, struct co_sched_lane *l, bool place)
{
	struct co_sched_tenant *t = &s->tenants[l->tenant];
	/* The same in every counter's units: a tenant of weight w banks w times the limit. */
	const u64 credit = co_sched_scaled(s->lag_units, 1);

	/* The counts are updated before the hook: the tenant just became backlogged. */
	if (t->queued == 1) {
		if (place)
			t->counter = co_sched_place(t->counter, s->stats.vtime, credit);
		s->stats.backlogged_weight += t->weight;
		if (!t->held)
			co_sched_fair_tenant_insert(s, t);
	}
	if (place)
		l->counter = co_sched_place(l->counter, t->lane_vtime, credit);
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
	CO_ASSERT(co_sched_heap_has(&s->tenant_pool, slot));
	co_sched_fair_tenant_remove(s, t);
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
	/* Tenants with credit first, by their history; then the others by counter. */
	tslot = s->tenants_by_raw.count ? co_sched_heap_min(&s->tenant_credit_pool, &s->tenants_by_raw)
					: co_sched_heap_min(&s->tenant_pool, &s->tenants_by_counter);
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
		if (t->credit && t->counter >= s->stats.vtime) {
			/* Its credit is spent: from now on it waits its turn by counter. */
			co_sched_heap_remove(&s->tenant_credit_pool, &s->tenants_by_raw, l->tenant);
			t->credit = false;
		} else if (t->credit) {
			co_sched_heap_rekey(&s->tenant_credit_pool, &s->tenants_by_raw, l->tenant,
					    t->raw);
		}
	}
}

/* Whether tenant a is strictly ahead of b in the pick order: credit first, by history, then
 * by counter (as co_sched_fair_next picks). */
static bool co_sched_fair_ahead(const struct co_sched *s, const struct co_sched_tenant *a,
				const struct co_sched_tenant *b)
{
	bool credit_a = a->counter < s->stats.vtime, credit_b = b->counter < s->stats.vtime;

	if (credit_a != credit_b)
		return credit_a;
	return credit_a ? a->raw < b->raw : a->counter < b->counter;
}

bool co_sched_fair_preempts(const struct co_sched *s, const struct co_sched_lane *waking,
			    const struct co_sched_lane *running)
{
	if (waking->tenant != running->tenant)
		return co_sched_fair_ahead(s, &s->tenants[waking->tenant],
					   &s->tenants[running->tenant]);
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
	if (co_sched_heap_has(&s->tenant_pool, slot))
		co_sched_fair_tenant_remove(s, t);
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
