// SPDX-License-Identifier: GPL-2.0
/*
 * The lane queues and the calls that move entities: enqueue, pick, putback, cancel, charge.
 *
 * A lane's queue is a singly linked list of the caller's entities (head and tail), shared by
 * every policy. This file keeps the queues and the counts; the policy decides which lane is
 * served (its hooks, declared in sched_int.h, are told when a lane becomes backlogged, becomes
 * empty, is served, changes head or is charged). Policies are dispatched with a switch, not
 * function pointers: three cases, no indirect calls on the hot path.
 */
#include "sched_int.h"

static void co_sched_joined(struct co_sched *s, struct co_sched_lane *l, bool putback)
{
	switch (s->policy) {
	case CO_SCHED_FAIR:
		co_sched_fair_join(s, l, putback);
		break;
	case CO_SCHED_FIFO:
		co_sched_fifo_join(s, l);
		break;
	default:
		co_sched_rr_join(s, l, putback);
		break;
	}
}

static void co_sched_left(struct co_sched *s, struct co_sched_lane *l)
{
	switch (s->policy) {
	case CO_SCHED_FAIR:
		co_sched_fair_leave(s, l);
		break;
	case CO_SCHED_FIFO:
		co_sched_fifo_leave(s, l);
		break;
	default:
		co_sched_rr_leave(s, l);
		break;
	}
}

/* l's head changed while l stayed backlogged. */
static void co_sched_head_changed(struct co_sched *s, struct co_sched_lane *l, bool putback)
{
	if (s->policy == CO_SCHED_FIFO)
		co_sched_fifo_head(s, l);
	else if (s->policy == CO_SCHED_PER_PROCESS)
		co_sched_rr_head(s, l, putback);
	/* fair: a lane's place depends on its counter only. */
}

static void co_sched_count(struct co_sched *s, struct co_sched_lane *l, bool add)
{
	struct co_sched_tenant *t = &s->tenants[l->tenant];

	if (add) {
		l->queued++;
		t->queued++;
		s->stats.queued++;
	} else {
		CO_ASSERT(l->queued > 0 && t->queued > 0 && s->stats.queued > 0);
		l->queued--;
		t->queued--;
		s->stats.queued--;
	}
}

int co_sched_enqueue(struct co_sched *s, struct co_sched_entity *e)
{
	struct co_sched_lane *l;

	CO_ASSERT(e);
	if (e->queued)
		return -EALREADY;
	l = co_sched_lane_find(s, e->aid);
	if (!l)
		return -ENOENT;
	if (s->stats.queued >= CO_SCHED_QUEUED_MAX)
		return -ENOSPC;
	e->seq = s->next_seq++;
	e->next = NULL;
	e->queued = 1;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
	co_sched_count(s, l, true);
	s->stats.enqueues++;
	if (l->queued == 1)
		co_sched_joined(s, l, false);
	return 0;
}

/* Unlinks l's head (there is one) and hands it back, no longer queued. */
static struct co_sched_entity *co_sched_pop_head(struct co_sched *s, struct co_sched_lane *l)
{
	struct co_sched_entity *e = l->head;

	CO_ASSERT(e && e->queued);
	l->head = e->next;
	if (!l->head)
		l->tail = NULL;
	e->next = NULL;
	e->queued = 0;
	co_sched_count(s, l, false);
	return e;
}

struct co_sched_entity *co_sched_pick(struct co_sched *s)
{
	struct co_sched_lane *l;
	struct co_sched_entity *e;

	if (s->stats.queued == 0)
		return NULL;
	switch (s->policy) {
	case CO_SCHED_FAIR:
		l = co_sched_fair_next(s);
		break;
	case CO_SCHED_FIFO:
		l = co_sched_fifo_next(s);
		break;
	default:
		l = co_sched_rr_next(s);
		break;
	}
	CO_ASSERT(l && l->queued > 0);
	e = co_sched_pop_head(s, l);
	l->turn_open = true;
	s->stats.picks++;
	if (l->queued == 0)
		co_sched_left(s, l);
	else if (s->policy == CO_SCHED_FIFO)
		co_sched_fifo_head(s, l);
	else if (s->policy == CO_SCHED_PER_PROCESS)
		co_sched_rr_served(s, l);
	return e;
}

int co_sched_putback(struct co_sched *s, struct co_sched_entity *e)
{
	struct co_sched_lane *l;

	CO_ASSERT(e);
	if (e->queued)
		return -EALREADY;
	l = co_sched_lane_find(s, e->aid);
	if (!l)
		return -ENOENT;
	if (s->stats.queued >= CO_SCHED_QUEUED_MAX)
		return -ENOSPC;
	/* seq is kept: the entity resumes its place, it does not arrive again. */
	e->next = l->head;
	e->queued = 1;
	l->head = e;
	if (!l->tail)
		l->tail = e;
	co_sched_count(s, l, true);
	s->stats.putbacks++;
	if (l->queued == 1)
		co_sched_joined(s, l, true);
	else
		co_sched_head_changed(s, l, true);
	return 0;
}

int co_sched_cancel(struct co_sched *s, struct co_sched_entity *e)
{
	struct co_sched_entity *prev = NULL, *cur;
	struct co_sched_lane *l;
	u32 i;

	CO_ASSERT(e);
	if (!e->queued)
		return -ENOENT;
	l = co_sched_lane_find(s, e->aid);
	if (!l)
		return -ENOENT;
	/* Find it in its lane (it may be queued in another scheduler): at most l->queued steps. */
	cur = l->head;
	for (i = 0; i < l->queued && cur && cur != e; i++) {
		prev = cur;
		cur = cur->next;
	}
	CO_ASSERT(l->queued <= CO_SCHED_QUEUED_MAX);
	if (cur != e)
		return -ENOENT;
	if (!prev) {
		co_sched_pop_head(s, l);
		if (l->queued == 0)
			co_sched_left(s, l);
		else
			co_sched_head_changed(s, l, false);
		return 0;
	}
	prev->next = e->next;
	if (l->tail == e)
		l->tail = prev;
	e->next = NULL;
	e->queued = 0;
	co_sched_count(s, l, false);
	CO_ASSERT(l->queued > 0);
	return 0;
}

/*
 * floor(units * CO_SCHED_WEIGHT_SCALE / weight), saturated to u64, without a 128-bit division
 * (the kernel has none): units = q * weight + r, so the result is q * SCALE + r * SCALE / weight,
 * where r * SCALE < 2^32.
 */
static u64 co_sched_scaled(u64 units, u32 weight)
{
	u64 q, r;

	CO_ASSERT(weight >= 1 && weight <= CO_SCHED_WEIGHT_MAX);
	q = units / weight;
	r = units % weight;
	if (q > (~0ull / CO_SCHED_WEIGHT_SCALE))
		return ~0ull;
	return q * CO_SCHED_WEIGHT_SCALE + r * CO_SCHED_WEIGHT_SCALE / weight;
}

int co_sched_charge(struct co_sched *s, u64 aid, u64 units)
{
	struct co_sched_lane *l = co_sched_lane_find(s, aid);
	struct co_sched_tenant *t;

	if (!l)
		return -ENOENT;
	t = &s->tenants[l->tenant];
	/* Saturating: a counter that reached the top stays there rather than wrap to 0 and jump
	 * ahead of everyone (2^64 scaled units is ~2^48 units at weight 1: no sane run gets
	 * there). */
	l->counter = co_sched_add_sat(l->counter, co_sched_scaled(units, l->weight));
	t->counter = co_sched_add_sat(t->counter, co_sched_scaled(units, t->weight));
	l->served_units = co_sched_add_sat(l->served_units, units);
	t->served_units = co_sched_add_sat(t->served_units, units);
	s->stats.charged_units = co_sched_add_sat(s->stats.charged_units, units);
	l->turn_open = false;
	if (s->policy == CO_SCHED_FAIR)
		co_sched_fair_charged(s, l);
	return 0;
}
