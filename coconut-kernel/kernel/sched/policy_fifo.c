// SPDX-License-Identifier: GPL-2.0
/*
 * CO_SCHED_FIFO: the entity that arrived first, across all lanes. A lane's queue is in arrival
 * order, so the oldest entity is one of the heads: a heap of the backlogged lanes keyed by
 * (head seq, AID) finds it in O(1) and keeps it in O(log lanes) per change. A putback keeps
 * the entity's seq, so a picked entity put back is the globally oldest again if it was.
 * Tenants, weights and charges play no part (charges still count in the served totals).
 */
#include "sched_int.h"

void co_sched_fifo_join(struct co_sched *s, struct co_sched_lane *l)
{
	co_sched_heap_insert(&s->lane_pool, &s->fifo_heads, co_sched_lane_slot(s, l), l->head->seq,
			     l->aid);
}

void co_sched_fifo_leave(struct co_sched *s, struct co_sched_lane *l)
{
	co_sched_heap_remove(&s->lane_pool, &s->fifo_heads, co_sched_lane_slot(s, l));
}

struct co_sched_lane *co_sched_fifo_next(struct co_sched *s)
{
	u32 slot = co_sched_heap_min(&s->lane_pool, &s->fifo_heads);

	CO_ASSERT(slot != CO_SCHED_NIL);
	return &s->lanes[slot];
}

void co_sched_fifo_head(struct co_sched *s, struct co_sched_lane *l)
{
	co_sched_heap_rekey(&s->lane_pool, &s->fifo_heads, co_sched_lane_slot(s, l), l->head->seq);
}
