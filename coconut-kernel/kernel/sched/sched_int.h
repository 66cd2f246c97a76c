/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of kernel/sched/ share and nobody else needs: the instance layout, the AID and
 * tenant indexes (index.c), the indexed binary heaps (heap.c) and the hooks each policy
 * implements (policy_fair.c, policy_fifo.c, policy_rr.c), which queue.c calls. Tests include it
 * to reach the index and heap directly.
 *
 * Everything is addressed by u32 slot numbers, never by pointer comparison: the order of picks
 * depends only on counters, seqs, AIDs and tenant ids, so the same calls give the same picks
 * wherever the platform put the memory.
 */
#ifndef COCONUT_SCHED_INT_H
#define COCONUT_SCHED_INT_H

#include "coconut/errno.h"
#include "coconut/sched.h"

#ifdef __cplusplus
extern "C" {
#else
CO_STATIC_ASSERT((1u << CO_SCHED_HEAP_DEPTH_MAX) > CO_SCHED_LANES_MAX,
		 "a heap of every lane fits CO_SCHED_HEAP_DEPTH_MAX levels");
CO_STATIC_ASSERT(CO_SCHED_TENANTS_MAX <= CO_SCHED_LANES_MAX, "tenant heaps are no deeper");
CO_STATIC_ASSERT(CO_SCHED_WEIGHT_MAX <= CO_SCHED_WEIGHT_SCALE,
		 "a charged unit advances a counter by at least 1");
CO_STATIC_ASSERT(CO_SCHED_LANE_INDEX_SLOTS_MAX >= 2 * CO_SCHED_LANES_MAX, "index load <= 1/2");
CO_STATIC_ASSERT(CO_SCHED_TENANT_INDEX_SLOTS_MAX >= 2 * CO_SCHED_TENANTS_MAX, "index load <= 1/2");
#endif

/* "No slot": an empty index slot, a lane in no heap, the end of a list. */
#define CO_SCHED_NIL 0xffffffffu

/* ---- index.c: u64 key -> u32 item, open addressing with linear probing --------------------- */

struct co_sched_islot {
	u64 key;
	u32 item; /* CO_SCHED_NIL: empty */
};

struct co_sched_index {
	struct co_sched_islot *slots;
	u32 mask;	/* slots - 1 (a power of two) */
	u32 shift;	/* 64 - log2(slots): the hash keeps the product's top bits */
	u32 count;
	u32 probe_max;	/* the longest probe an insert needed (tests check it stays short) */
};

/* Slots for an index holding up to items_max items: a power of two >= 2 * items_max. */
u32 co_sched_index_slots(u32 items_max);
void co_sched_index_init(struct co_sched_index *ix, struct co_sched_islot *slots, u32 nslots);
/* The item under key, or CO_SCHED_NIL. */
u32 co_sched_index_find(const struct co_sched_index *ix, u64 key);
/* key must be absent and the index below half full (asserted). */
void co_sched_index_insert(struct co_sched_index *ix, u64 key, u32 item);
/* key must be present (asserted); backward-shift deletion, so no tombstones ever build up. */
void co_sched_index_remove(struct co_sched_index *ix, u64 key);

/* ---- heap.c: indexed binary min-heaps whose nodes come from a shared pool ------------------ */

/*
 * A node of a complete binary tree. Heaps of one pool share its nodes (all a tenant's lane heaps
 * draw on one pool of lanes_max nodes, since a lane is in at most one of them), so no heap needs
 * room for every item. Order: (key, tie) ascending; ties are ids, never addresses.
 */
struct co_sched_hnode {
	u64 key;
	u64 tie;
	u32 item;
	u32 parent;
	u32 left;  /* also the free-list link */
	u32 right;
};

struct co_sched_pool {
	struct co_sched_hnode *nodes;
	u32 *node_of;	/* item -> its node, CO_SCHED_NIL when the item is in no heap of the pool */
	u32 free;	/* first free node */
	u32 cap;	/* nodes, and items */
};

struct co_sched_heap {
	u32 root;
	u32 count;
};

void co_sched_pool_init(struct co_sched_pool *p, struct co_sched_hnode *nodes, u32 *node_of,
			u32 cap);
static inline void co_sched_heap_init(struct co_sched_heap *h)
{
	h->root = CO_SCHED_NIL;
	h->count = 0;
}
static inline bool co_sched_heap_has(const struct co_sched_pool *p, u32 item)
{
	return p->node_of[item] != CO_SCHED_NIL;
}
/* The item with the smallest (key, tie), or CO_SCHED_NIL when empty. */
static inline u32 co_sched_heap_min(const struct co_sched_pool *p, const struct co_sched_heap *h)
{
	return h->root == CO_SCHED_NIL ? CO_SCHED_NIL : p->nodes[h->root].item;
}
static inline u64 co_sched_heap_min_key(const struct co_sched_pool *p,
					const struct co_sched_heap *h)
{
	CO_ASSERT(h->root != CO_SCHED_NIL);
	return p->nodes[h->root].key;
}
/* O(log n). item must be in no heap of p (asserted). */
void co_sched_heap_insert(struct co_sched_pool *p, struct co_sched_heap *h, u32 item, u64 key,
			  u64 tie);
/* O(log n). item must be in h (asserted). */
void co_sched_heap_remove(struct co_sched_pool *p, struct co_sched_heap *h, u32 item);
/* Gives item (in h) a new key and restores the order: O(log n). */
void co_sched_heap_rekey(struct co_sched_pool *p, struct co_sched_heap *h, u32 item, u64 key);
/* Checks every heap invariant (shape, order, links, back-references); tests call it. */
bool co_sched_heap_valid(const struct co_sched_pool *p, const struct co_sched_heap *h);

/* ---- the instance ------------------------------------------------------------------------ */

struct co_sched_lane {
	u64 aid;	/* 0: a free slot */
	u64 counter;	/* fair: scaled units, compared only within the tenant */
	u64 served_units;
	struct co_sched_entity *head;
	struct co_sched_entity *tail;
	u32 tenant;	/* slot of its tenant */
	u32 weight;
	u32 queued;
	/*
	 * Picked since its last charge: the turn was not used yet, so a putback undoes the pick
	 * (per-process keeps the entity's seq and place instead of sending it to the back).
	 */
	bool turn_open;
	u32 free_next;	/* the free-slot list's link while aid == 0 */
};

struct co_sched_tenant {
	u32 id;
	u32 weight;
	u32 lanes;
	u32 queued;
	u64 counter;
	u64 served_units;
	struct co_sched_heap lane_heap; /* fair: its backlogged lanes by (counter, aid) */
	/*
	 * fair: the virtual time of its lanes (the largest smallest-backlogged-lane counter seen
	 * at a pick of this tenant): a lane that joins is placed against it, a new lane starts at
	 * it.
	 */
	u64 lane_vtime;
	/*
	 * fair: its service history, advanced by every charge like counter but never placed: the
	 * order among tenants with credit (docs/sched.md, "Credit keeps history").
	 */
	u64 raw;
	bool credit;	/* fair: backlogged with counter < vtime, in tenants_by_raw */
	bool held;	/* fair: skipped by picks (co_sched_tenant_hold) */
	u32 hold_next;	/* the held list's link */
	/* co_sched_throttle's working state, meaningful during one call only */
	u64 stream_demand; /* what its streams ask, units/s */
	u64 stream_limit;  /* its limit, units/s; 0 while not yet settled */
	u32 stream_next;   /* the next tenant present in the call (CO_SCHED_NIL: the last) */
	bool stream_seen;
};

struct co_sched {
	struct co_plat plat;
	size_t alloc_bytes;
	u32 policy;
	u32 resource;
	u32 lanes_max;
	u32 tenants_max;
	u64 lag_units;	/* fair: co_sched_set_lag_limit() */

	struct co_sched_lane *lanes;
	u32 lane_free;	/* first free lane slot (linked through free_next) */
	struct co_sched_tenant *tenants;
	u32 tenants_used; /* tenants are never forgotten: slots 0..tenants_used-1 */
	struct co_sched_index lane_ix;	 /* aid -> lane slot */
	struct co_sched_index tenant_ix; /* tenant id -> tenant slot */

	/*
	 * fair: every tenant's lane heap draws on lane_pool; fifo and per-process use it for
	 * seq_heads (one policy per instance, so never both).
	 */
	struct co_sched_pool lane_pool;
	struct co_sched_heap seq_heads; /* fifo, per-process: backlogged lanes by (head seq, aid) */
	/*
	 * fair: backlogged tenants that are not held by (counter, id), and by (~counter, id) for
	 * the spread; those of them with credit (counter < vtime) also by (raw, id), served first.
	 */
	struct co_sched_pool tenant_pool;
	struct co_sched_heap tenants_by_counter;
	struct co_sched_pool tenant_max_pool;
	struct co_sched_heap tenants_by_counter_desc;
	struct co_sched_pool tenant_credit_pool;
	struct co_sched_heap tenants_by_raw;
	u32 hold_head;	/* fair: the held tenants, linked through hold_next */
	u32 holds;	/* how many */

	u64 next_seq;
	struct co_sched_stats stats;
};

struct co_sched_lane *co_sched_lane_find(const struct co_sched *s, u64 aid);
static inline u32 co_sched_lane_slot(const struct co_sched *s, const struct co_sched_lane *l)
{
	return (u32)(l - s->lanes);
}
/* u64 addition that stops at the top rather than wrapping. */
static inline u64 co_sched_add_sat(u64 a, u64 b)
{
	return a + b < a ? ~0ull : a + b;
}

/*
 * floor(units * CO_SCHED_WEIGHT_SCALE / weight), saturated to u64, without a 128-bit division
 * (the kernel has none): units = q * weight + r, so the result is q * SCALE + r * SCALE / weight,
 * where r * SCALE < 2^32.
 */
static inline u64 co_sched_scaled(u64 units, u32 weight)
{
	u64 q, r;

	CO_ASSERT(weight >= 1 && weight <= CO_SCHED_WEIGHT_MAX);
	q = units / weight;
	r = units % weight;
	if (q > (~0ull / CO_SCHED_WEIGHT_SCALE))
		return ~0ull;
	return q * CO_SCHED_WEIGHT_SCALE + r * CO_SCHED_WEIGHT_SCALE / weight;
}

/*
 * ---- the policy hooks (queue.c calls them; the queue itself is already updated) ----------
 *
 * join: l just became backlogged (its first entity); place says it arrived or returned after
 *       a charge (fair places it against the virtual time), not by a putback undoing a pick.
 * leave: l just became empty (a pick or a cancel took its last entity).
 * next: the lane to serve now, or NULL when every backlogged tenant is held (fair).
 * head: l's head changed while it stayed backlogged (fifo and per-process re-key it).
 * charged: l's (and its tenant's) counters just advanced.
 */
void co_sched_fair_join(struct co_sched *s, struct co_sched_lane *l, bool place);
void co_sched_fair_leave(struct co_sched *s, struct co_sched_lane *l);
struct co_sched_lane *co_sched_fair_next(struct co_sched *s);
void co_sched_fair_charged(struct co_sched *s, struct co_sched_lane *l);
bool co_sched_fair_preempts(const struct co_sched *s, const struct co_sched_lane *waking,
			    const struct co_sched_lane *running);
bool co_sched_fair_contended(const struct co_sched *s, const struct co_sched_lane *running);

/* fifo and per-process: the backlogged lanes by their head's seq (policy_seq.c). */
void co_sched_seq_join(struct co_sched *s, struct co_sched_lane *l);
void co_sched_seq_leave(struct co_sched *s, struct co_sched_lane *l);
struct co_sched_lane *co_sched_seq_next(struct co_sched *s);
void co_sched_seq_head(struct co_sched *s, struct co_sched_lane *l);
/* The smallest queued seq, or ~0 when nothing is queued. */
u64 co_sched_seq_oldest(const struct co_sched *s);

/* For tests: the longest probe the AID index needed, and a full consistency check. */
u32 co_sched_lane_probe_max(const struct co_sched *s);
bool co_sched_check(const struct co_sched *s);

#ifdef __cplusplus
}
#endif

#endif /* COCONUT_SCHED_INT_H */
