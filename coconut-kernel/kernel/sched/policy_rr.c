// SPDX-License-Identifier: GPL-2.0
/*
 * CO_SCHED_PER_PROCESS: round robin over the backlogged lanes, one entity per turn, blind to
 * tenants and weights -- what a per-process scheduler gives today, kept as the baseline the
 * fair policy is measured against.
 *
 * The backlogged lanes form a circular doubly linked list; rr_head is the lane whose turn is
 * next. A lane that becomes backlogged joins at the tail (just before rr_head); a served lane
 * that is still backlogged goes to the tail by moving rr_head on. All O(1).
 *
 * A putback before the lane is charged undoes its pick (the turn was not used: a batch slot
 * not taken): the lane goes back to the head of the rotation, so entities put back in the
 * reverse order of their picks come out again in the order they were picked. Once charged, the
 * turn was used (a preempted CPU slice): the lane stays at the tail where the pick sent it, or
 * joins there if it had gone idle, and the others take their turns first.
 */
#include "sched_int.h"

/* Inserts l (in no rotation) just before rr_head: at the tail. */
static void co_sched_rr_insert_tail(struct co_sched *s, struct co_sched_lane *l)
{
	u32 slot = co_sched_lane_slot(s, l);
	struct co_sched_lane *head, *tail;

	CO_ASSERT(l->rr_next == CO_SCHED_NIL && l->rr_prev == CO_SCHED_NIL);
	if (s->rr_head == CO_SCHED_NIL) {
		l->rr_next = slot;
		l->rr_prev = slot;
		s->rr_head = slot;
		return;
	}
	head = &s->lanes[s->rr_head];
	tail = &s->lanes[head->rr_prev];
	l->rr_prev = head->rr_prev;
	l->rr_next = s->rr_head;
	tail->rr_next = slot;
	head->rr_prev = slot;
}

static void co_sched_rr_unlink(struct co_sched *s, struct co_sched_lane *l)
{
	u32 slot = co_sched_lane_slot(s, l);

	CO_ASSERT(l->rr_next != CO_SCHED_NIL);
	if (l->rr_next == slot) {
		CO_ASSERT(s->rr_head == slot);
		s->rr_head = CO_SCHED_NIL;
	} else {
		s->lanes[l->rr_prev].rr_next = l->rr_next;
		s->lanes[l->rr_next].rr_prev = l->rr_prev;
		if (s->rr_head == slot)
			s->rr_head = l->rr_next;
	}
	l->rr_next = CO_SCHED_NIL;
	l->rr_prev = CO_SCHED_NIL;
}

void co_sched_rr_join(struct co_sched *s, struct co_sched_lane *l, bool putback)
{
	co_sched_rr_insert_tail(s, l);
	if (putback && l->turn_open)
		s->rr_head = co_sched_lane_slot(s, l);
}

void co_sched_rr_leave(struct co_sched *s, struct co_sched_lane *l)
{
	co_sched_rr_unlink(s, l);
}

struct co_sched_lane *co_sched_rr_next(struct co_sched *s)
{
	CO_ASSERT(s->rr_head != CO_SCHED_NIL);
	return &s->lanes[s->rr_head];
}

void co_sched_rr_served(struct co_sched *s, struct co_sched_lane *l)
{
	CO_ASSERT(s->rr_head == co_sched_lane_slot(s, l));
	s->rr_head = l->rr_next;
}

void co_sched_rr_head(struct co_sched *s, struct co_sched_lane *l, bool putback)
{
	/* A cancel of the head, or a putback after the turn was used, leaves the lane's place. */
	if (!putback || !l->turn_open)
		return;
	co_sched_rr_unlink(s, l);
	co_sched_rr_join(s, l, true);
}
