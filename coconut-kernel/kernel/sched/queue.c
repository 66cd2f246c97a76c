// SPDX-License-Identifier: GPL-2.0
/*
 * The lane queues and the calls that move entities: enqueue, pick, putback, cancel, charge,
 * and the questions devices ask about them (wakeup preemption, contention).
 *
 * A lane's queue is a singly linked list of the caller's entities (head and tail), shared by
 * every policy. This file keeps the queues and the counts; the policy decides which lane is
 * served (its hooks, declared in sched_int.h, are told when a lane becomes backlogged, becomes
 * empty, changes head or is charged). Policies are dispatched with a switch, not function
 * pointers: no indirect calls on the hot path.
 */
#include "sched_int.h"

/* l got its first entity: by an enqueue or a putback after a charge (place), or by a putback
 * undoing a pick. */
static void co_sched_joined(struct co_sched *s, struct co_sched_lane *l, bool place)
{
	s->stats.backlogged_lanes++;
	if (s->policy == CO_SCHED_FAIR) {
		co_sched_fair_join(s, l, place);
		return;
	}
	/* fifo and per-process: tenants are not scheduled, but their weight is still reported. */
	if (s->tenants[l->tenant].queued == 1)
		s->stats.backlogged_weight += s->tenants[l->tenant].weight;
	co_sched_seq_join(s, l);
}

static void co_sched_left(struct co_sched *s, struct co_sched_lane *l)
{
	CO_ASSERT(s->stats.backlogged_lanes > 0);
	s->stats.backlogged_lanes--;
	if (s->policy == CO_SCHED_FAIR) {
		co_sched_fair_leave(s, l);
		return;
	}
	if (s->tenants[l->tenant].queued == 0)
		s->stats.backlogged_weight -= s->tenants[l->tenant].weight;
	co_sched_seq_leave(s, l);
}

/* l's head changed while l stayed backlogged (fair: a lane's place is its counter only). */
static void co_sched_head_changed(struct co_sched *s, struct co_sched_lane *l)
{
	if (s->policy != CO_SCHED_FAIR)
		co_sched_seq_head(s, l);
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

/* Appends e (not queued) to l's tail with seq, and tells the policy. */
static void co_sched_append(struct co_sched *s, struct co_sched_lane *l,
			    struct co_sched_entity *e, u64 seq)
{
	e->seq = seq;
	e->next = NULL;
	e->queued = 1;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
	co_sched_count(s, l, true);
	if (l->queued == 1)
		co_sched_joined(s, l, true);
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
	s->stats.enqueues++;
	co_sched_append(s, l, e, s->next_seq++);
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
	l = s->policy == CO_SCHED_FAIR ? co_sched_fair_next(s) : co_sched_seq_next(s);
	if (!l)
		return NULL; /* fair: only held tenants have work */
	CO_ASSERT(l->queued > 0);
	e = co_sched_pop_head(s, l);
	l->turn_open = true;
	s->stats.picks++;
	if (l->queued == 0)
		co_sched_left(s, l);
	else
		co_sched_head_changed(s, l);
	return e;
}

int co_sched_putback(struct co_sched *s, struct co_sched_entity *e)
{
	struct co_sched_entity *prev, *cur;
	struct co_sched_lane *l;
	u32 i;

	CO_ASSERT(e);
	if (e->queued)
		return -EALREADY;
	l = co_sched_lane_find(s, e->aid);
	if (!l)
		return -ENOENT;
	if (s->stats.queued >= CO_SCHED_QUEUED_MAX)
		return -ENOSPC;
	s->stats.putbacks++;
	if (s->policy == CO_SCHED_PER_PROCESS && !l->turn_open) {
		/* Its turn was used (charged): a task preempted goes behind the others. */
		co_sched_append(s, l, e, s->next_seq++);
		return 0;
	}
	/*
	 * seq is kept: the entity resumes its place, it does not arrive again. Its place is by
	 * seq, which is the head when entities come back in the reverse order of their picks;
	 * several served at once (cores of one lane) may come back in any order.
	 */
	prev = NULL;
	for (cur = l->head, i = 0; cur && cur->seq < e->seq && i < l->queued; i++) {
		prev = cur;
		cur = cur->next;
	}
	CO_ASSERT(l->queued <= CO_SCHED_QUEUED_MAX);
	e->next = cur;
	e->queued = 1;
	if (prev)
		prev->next = e;
	else
		l->head = e;
	if (!cur)
		l->tail = e;
	co_sched_count(s, l, true);
	if (l->queued == 1)
		co_sched_joined(s, l, !l->turn_open);
	else if (!prev)
		co_sched_head_changed(s, l);
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
			co_sched_head_changed(s, l);
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
 * COCONUT_PLANT_SCHED_IGNORES_WEIGHTS plants a bug for the whole-system property suite
 * (harness/props/CMakeLists.txt builds it into a test binary only; no product build defines
 * it): every charge counts as if the lane and the tenant weighed 1.
 */
#ifdef COCONUT_PLANT_SCHED_IGNORES_WEIGHTS
#define co_plant_weight(w) 1u
#else
#define co_plant_weight(w) (w)
#endif

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
	l->counter = co_sched_add_sat(l->counter, co_sched_scaled(units, co_plant_weight(l->weight)));
	t->counter = co_sched_add_sat(t->counter, co_sched_scaled(units, co_plant_weight(t->weight)));
	t->raw = co_sched_add_sat(t->raw, co_sched_scaled(units, co_plant_weight(t->weight)));
	l->served_units = co_sched_add_sat(l->served_units, units);
	t->served_units = co_sched_add_sat(t->served_units, units);
	s->stats.charged_units = co_sched_add_sat(s->stats.charged_units, units);
	l->turn_open = false;
	if (s->policy == CO_SCHED_FAIR)
		co_sched_fair_charged(s, l);
	return 0;
}

bool co_sched_wakeup_preempts(const struct co_sched *s, u64 waking_aid, u64 running_aid)
{
	const struct co_sched_lane *w = co_sched_lane_find(s, waking_aid);
	const struct co_sched_lane *r = co_sched_lane_find(s, running_aid);

	if (!w || !r || w == r || s->policy != CO_SCHED_FAIR)
		return false;
	return co_sched_fair_preempts(s, w, r);
}

bool co_sched_contended(const struct co_sched *s, const struct co_sched_entity *running)
{
	const struct co_sched_lane *l;

	CO_ASSERT(running && !running->queued);
	switch (s->policy) {
	case CO_SCHED_FAIR:
		l = co_sched_lane_find(s, running->aid);
		return l ? co_sched_fair_contended(s, l) : s->stats.queued > 0;
	case CO_SCHED_FIFO:
		return co_sched_seq_oldest(s) < running->seq;
	default:
		return s->stats.queued > 0;
	}
}
