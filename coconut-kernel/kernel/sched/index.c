// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduler's indexes: AID -> lane slot and tenant id -> tenant slot.
 *
 * Open addressing with linear probing over a power-of-two table at most half full. Keys are
 * spread by Fibonacci hashing (the top bits of key * 2^64/phi): AIDs are handed out in
 * increasing order, and consecutive keys land far apart, so the runs that linear probing
 * suffers from do not form. Removal shifts the following entries of the run back (Knuth's
 * algorithm R) instead of leaving tombstones, so a table that sees millions of lanes come and
 * go probes as if freshly built. A probe never passes an empty slot, and there always is one.
 */
#include "sched_int.h"

#define CO_SCHED_HASH_MUL 0x9e3779b97f4a7c15ull

static u32 co_sched_index_home(const struct co_sched_index *ix, u64 key)
{
	return (u32)((key * CO_SCHED_HASH_MUL) >> ix->shift) & ix->mask;
}

u32 co_sched_index_slots(u32 items_max)
{
	u32 slots = 2;

	/* items_max <= CO_SCHED_LANES_MAX: at most 13 doublings. */
	while (slots < 2 * items_max && slots < CO_SCHED_LANE_INDEX_SLOTS_MAX)
		slots <<= 1;
	CO_ASSERT(slots >= 2 * items_max);
	return slots;
}

void co_sched_index_init(struct co_sched_index *ix, struct co_sched_islot *slots, u32 nslots)
{
	u32 i, bits = 0;

	CO_ASSERT(nslots >= 2 && CO_IS_POW2(nslots));
	CO_ASSERT(nslots <= CO_SCHED_LANE_INDEX_SLOTS_MAX);
	while ((1u << bits) < nslots)
		bits++;
	ix->slots = slots;
	ix->mask = nslots - 1;
	ix->shift = 64 - bits;
	ix->count = 0;
	ix->probe_max = 0;
	for (i = 0; i < nslots; i++) {
		slots[i].key = 0;
		slots[i].item = CO_SCHED_NIL;
	}
}

/* The slot holding key, or CO_SCHED_NIL. */
static u32 co_sched_index_slot_of(const struct co_sched_index *ix, u64 key)
{
	u32 i = co_sched_index_home(ix, key);
	u32 steps;

	for (steps = 0; steps <= ix->mask; steps++) {
		const struct co_sched_islot *sl = &ix->slots[i];

		if (sl->item == CO_SCHED_NIL)
			return CO_SCHED_NIL;
		if (sl->key == key)
			return i;
		i = (i + 1) & ix->mask;
	}
	CO_ASSERT(0 && "index has no empty slot");
	return CO_SCHED_NIL;
}

u32 co_sched_index_find(const struct co_sched_index *ix, u64 key)
{
	u32 i = co_sched_index_slot_of(ix, key);

	return i == CO_SCHED_NIL ? CO_SCHED_NIL : ix->slots[i].item;
}

void co_sched_index_insert(struct co_sched_index *ix, u64 key, u32 item)
{
	u32 i = co_sched_index_home(ix, key);
	u32 steps;

	CO_ASSERT(item != CO_SCHED_NIL);
	CO_ASSERT(2 * (ix->count + 1) <= ix->mask + 1);
	for (steps = 0; steps <= ix->mask; steps++) {
		struct co_sched_islot *sl = &ix->slots[i];

		if (sl->item == CO_SCHED_NIL) {
			sl->key = key;
			sl->item = item;
			ix->count++;
			ix->probe_max = CO_MAX(ix->probe_max, steps + 1);
			return;
		}
		CO_ASSERT(sl->key != key);
		i = (i + 1) & ix->mask;
	}
	CO_ASSERT(0 && "index has no empty slot");
}

void co_sched_index_remove(struct co_sched_index *ix, u64 key)
{
	u32 hole = co_sched_index_slot_of(ix, key);
	u32 j = hole, steps;

	CO_ASSERT(hole != CO_SCHED_NIL);
	for (steps = 0; steps <= ix->mask; steps++) {
		u32 home, dist_hole, dist_j;

		j = (j + 1) & ix->mask;
		if (ix->slots[j].item == CO_SCHED_NIL)
			break;
		/*
		 * The entry at j may move into the hole when the hole lies on its probe path:
		 * between its home and j (cyclically), i.e. it is no farther from home than j.
		 */
		home = co_sched_index_home(ix, ix->slots[j].key);
		dist_hole = (hole - home) & ix->mask;
		dist_j = (j - home) & ix->mask;
		if (dist_hole <= dist_j) {
			ix->slots[hole] = ix->slots[j];
			hole = j;
		}
	}
	ix->slots[hole].key = 0;
	ix->slots[hole].item = CO_SCHED_NIL;
	ix->count--;
}
