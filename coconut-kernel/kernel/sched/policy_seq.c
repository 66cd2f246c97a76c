// SPDX-License-Identifier: GPL-2.0
/*
 * CO_SCHED_FIFO and CO_SCHED_PER_PROCESS: the oldest stamp first, across all lanes.
 *
 * Both serve the entity with the smallest seq anywhere. A lane's queue is in seq order (an
 * enqueue stamps the next seq and appends; a putback either keeps its seq and returns to the
 * head, or takes a new seq and goes to the tail), so the oldest entity is one of the heads: a
 * heap of the backlogged lanes keyed by (head seq, AID) finds it in O(1) and keeps it in
 * O(log lanes) per change.
 *
 * The two differ only in what a putback after a charge does (queue.c): fifo keeps the seq, so
 * work once started runs to its end before anything younger (first come, first served);
 * per-process stamps it anew, so it goes behind every task queued meanwhile: each queued entity
 * is a task served in turn, as EEVDF serves equal-weight tasks with no group scheduling. Tenants,
 * weights and charges play no part in either (charges still count in the served totals).
 */
#include "sched_int.h"

void co_sched_seq_join(struct co_sched *s, struct co_sched_lane *l)
{
	co_sched_heap_insert(&s->lane_pool, &s->seq_heads, co_sched_lane_slot(s, l), l->head->seq,
			     l->aid);
}

void co_sched_seq_leave(struct co_sched *s, struct co_sched_lane *l)
{
	co_sched_heap_remove(&s->lane_pool, &s->seq_heads, co_sched_lane_slot(s, l));
}

struct co_sched_lane *co_sched_seq_next(struct co_sched *s)
{
	u32 slot = co_sched_heap_min(&s->lane_pool, &s->seq_heads);

	CO_ASSERT(slot != CO_SCHED_NIL);
	return &s->lanes[slot];
}

void co_sched_seq_head(struct co_sched *s, struct co_sched_lane *l)
{
	co_sched_heap_rekey(&s->lane_pool, &s->seq_heads, co_sched_lane_slot(s, l), l->head->seq);
}

u64 co_sched_seq_oldest(const struct co_sched *s)
{
	return s->seq_heads.count ? co_sched_heap_min_key(&s->lane_pool, &s->seq_heads) : ~0ull;
}
