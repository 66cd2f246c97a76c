// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU rings: where co_audit_append() puts events until the sealer drains them.
 *
 * A ring is a FIFO of ring_slots whole events, indexed by two free-running u64 counters (head:
 * the oldest pending, tail: the next free), so an event's per-ring sequence is its counter and
 * full/empty need no extra flag. A full ring refuses the append (-EBUSY): the chain's promise is
 * that no event is ever dropped, so the producer must wait for the sealer, never overwrite.
 *
 * The total order the sealer drains in: among the oldest pending events of the rings, the
 * smallest (time_ns, cpu); within a ring, FIFO. It is total because two rings' heads never share
 * a cpu, and deterministic because it depends only on the events' stamps, not on when or in
 * which interleaving the appends ran. It is also a sort of all events by (time_ns, cpu, per-ring
 * sequence), because time_ns never decreases along the appends of one ring (co_audit_append
 * stamps under the lock, raised to the latest stamp), so each ring is sorted and merging sorted
 * rings by their heads is a merge sort.
 */
#include "audit_int.h"

static inline struct co_audit_event *co_audit_ring_slot(const struct co_audit *a, u32 cpu, u64 n)
{
	return &a->ring_events[(size_t)cpu * a->cfg.ring_slots + (n & (a->cfg.ring_slots - 1))];
}

int co_audit_append(struct co_audit *a, struct co_audit_event *ev)
{
	struct co_audit_ring *r;
	u64 now;
	u32 cpu;

	/* Refused here, so the sealer never meets an event it cannot encode. */
	if (!co_audit_event_valid(ev) || ev->type == COCONUT_EV_ANCHOR)
		return -EINVAL;
	/* Platform calls before the lock: it is never held across one. */
	now = co_plat_now_ns(&a->plat);
	cpu = co_plat_cpu_id(&a->plat);
	CO_ASSERT(cpu < a->cfg.cpu_count);

	co_audit_lock(a);
	r = &a->rings[cpu];
	CO_ASSERT(r->tail - r->head <= a->cfg.ring_slots);
	if (r->tail - r->head == a->cfg.ring_slots) {
		a->stats.backpressure++;
		co_probe_hit(a->probes, CO_PROBE_RING_FULL);
		co_audit_unlock(a);
#ifdef COCONUT_PLANT_RING_FULL_DROPS
		/* A planted bug for the property suite (harness/props; never in a product
		 * build): the event is dropped and the append reports success. */
		return 0;
#endif
		return -EBUSY;
	}
	/*
	 * A clock read before the lock can be older than one another CPU stamped since: keep the
	 * stamps non-decreasing in lock order, which makes every ring sorted by time.
	 */
	if (now < a->last_time_ns)
		now = a->last_time_ns;
	a->last_time_ns = now;
	ev->time_ns = now;
	ev->cpu = cpu;
	ev->seq = 0;
	*co_audit_ring_slot(a, cpu, r->tail) = *ev;
	r->tail++;
	a->pending++;
	a->stats.appended++;
	co_audit_unlock(a);
	return 0;
}

const struct co_audit_event *co_audit_ring_oldest(const struct co_audit *a, u32 *cpu)
{
	const struct co_audit_event *best = NULL, *ev;
	const struct co_audit_ring *r;
	u32 c;

	if (a->pending == 0)
		return NULL;
	/* Rings in cpu order, replaced only by a strictly earlier time: ties go to lower cpus. */
	for (c = 0; c < a->cfg.cpu_count; c++) {
		r = &a->rings[c];
		if (r->head == r->tail)
			continue;
		ev = co_audit_ring_slot(a, c, r->head);
#ifdef COCONUT_PLANT_SEALER_REORDERS
		/* A planted bug for the property suite (harness/props; never in a product
		 * build): the newest head first, so two CPUs' events are sealed out of order. */
		if (!best || ev->time_ns > best->time_ns) {
#else
		if (!best || ev->time_ns < best->time_ns) {
#endif
			best = ev;
			*cpu = c;
		}
	}
	CO_ASSERT(best != NULL);
	return best;
}

void co_audit_ring_pop(struct co_audit *a, u32 cpu)
{
	struct co_audit_ring *r = &a->rings[cpu];

	CO_ASSERT(r->head != r->tail && a->pending > 0);
	r->head++;
	a->pending--;
}

u32 co_audit_ring_room(const struct co_audit *a)
{
	const struct co_audit_ring *r;
	u32 cpu = co_plat_cpu_id(&a->plat), room;

	CO_ASSERT(cpu < a->cfg.cpu_count);
	co_audit_lock(a);
	r = &a->rings[cpu];
	CO_ASSERT(r->tail - r->head <= a->cfg.ring_slots);
	room = a->cfg.ring_slots - (u32)(r->tail - r->head);
	co_audit_unlock(a);
	return room;
}

u64 co_audit_pending(const struct co_audit *a)
{
	u64 n;

	co_audit_lock(a);
	n = a->pending;
	co_audit_unlock(a);
	return n;
}
