// SPDX-License-Identifier: GPL-2.0
/*
 * Memory tiers (agent_memory_tier): one bounded first-fit allocator per tier over a synthetic
 * address range, each allocation charged to the owner's budget.
 *
 * A pool keeps its allocated extents sorted by offset and packed in extents[0..extent_count),
 * so first fit is one pass over the gaps between neighbours and the answer depends only on the
 * sequence of calls (the same addresses in the simulator and in the module). Slots past
 * extent_count are zero (aid 0: free). Work per call is bounded by CO_TIER_EXTENTS_MAX.
 */
#include "coconut/errno.h"
#include "coconut/kernel.h"
#include "coconut/lsm.h"
#include "coconut/resources.h"

#include "agent_int.h"

/* Names and their lengths: the MEM_TIER event hashes the name. */
static const struct {
	const char *name;
	u32 len;
} co_tier_names[COCONUT_TIER_COUNT] = {
	[COCONUT_TIER_HBM] = { "hbm", 3 },
	[COCONUT_TIER_RAM] = { "ram", 3 },
	[COCONUT_TIER_SSD] = { "ssd", 3 },
};

static const u64 co_tier_bases[COCONUT_TIER_COUNT] = {
	[COCONUT_TIER_HBM] = CO_TIER_BASE_HBM,
	[COCONUT_TIER_RAM] = CO_TIER_BASE_RAM,
	[COCONUT_TIER_SSD] = CO_TIER_BASE_SSD,
};

/* GPU memory has its own budget; RAM and the SSD extension of it share the memory budget. */
static const u32 co_tier_quota_kinds[COCONUT_TIER_COUNT] = {
	[COCONUT_TIER_HBM] = COCONUT_QUOTA_HBM,
	[COCONUT_TIER_RAM] = COCONUT_QUOTA_MEM,
	[COCONUT_TIER_SSD] = COCONUT_QUOTA_MEM,
};

CO_STATIC_ASSERT(CO_TIER_BASE_RAM - CO_TIER_BASE_HBM >= CO_TIER_SPAN_BYTES &&
			 CO_TIER_BASE_SSD - CO_TIER_BASE_RAM >= CO_TIER_SPAN_BYTES,
		 "a pool spans at most the distance to the next base");
CO_STATIC_ASSERT(CO_IS_POW2(CO_TIER_ALIGN_BYTES), "alignment: a power of 2");

const char *co_tier_name(u32 tier)
{
	return tier < COCONUT_TIER_COUNT ? co_tier_names[tier].name : NULL;
}

/* The pool of a tier, as co_kernel_create() set it up from the config. */
static struct co_tier_pool *co_tier_pool(struct co_kernel *k, u32 tier)
{
	struct co_tier_pool *p = &k->tiers[tier];

	CO_ASSERT(p->base_addr == co_tier_bases[tier] && p->capacity_bytes <= CO_TIER_SPAN_BYTES);
	CO_ASSERT(p->extent_count <= CO_TIER_EXTENTS_MAX && p->used_bytes <= p->capacity_bytes);
	return p;
}

/* First fit of size bytes: the index to insert at and the offset; false when nothing fits. */
static bool co_tier_first_fit(const struct co_tier_pool *p, u64 size, u32 *at, u64 *offset)
{
	const struct co_tier_extent *e;
	u64 cursor = 0;
	u32 i;

	for (i = 0; i < p->extent_count; i++) {
		e = &p->extents[i];
		CO_ASSERT(e->aid != COCONUT_AID_NONE && e->offset_bytes >= cursor);
		if (e->offset_bytes - cursor >= size)
			break;
		cursor = e->offset_bytes + e->size_bytes;
	}
	if (i == p->extent_count &&
	    (cursor > p->capacity_bytes || p->capacity_bytes - cursor < size))
		return false;
	*at = i;
	*offset = cursor;
	return true;
}

/* The MEM_TIER event of one call; the answer stands only if the chain took it. */
static int co_tier_audit(struct co_kernel *k, const struct co_agent *a, u32 tier, u64 addr,
			 int result)
{
	struct co_audit_event *ev = &k->lsm_event;
	int err;

	co_audit_event_init(ev, COCONUT_EV_MEM_TIER, a->aid, result);
	ev->arg = addr;
	co_audit_event_set_object(ev, co_tier_names[tier].name, co_tier_names[tier].len);
	err = co_kernel_audit(k, ev);
	return err ? err : result;
}

/* Over the agent's or its tenant's limit: the refusal, counted by its coverage probe. */
static int co_tier_edquot(struct co_kernel *k, const struct co_agent *a, u32 tier)
{
	co_probe_hit(&k->probes, CO_PROBE_TIER_EDQUOT);
	return co_tier_audit(k, a, tier, 0, -EDQUOT);
}

int co_tier_alloc(struct co_kernel *k, struct co_agent *a, u32 tier, u64 size_bytes, u64 *addr)
{
	struct co_tier_pool *p;
	struct co_tier_extent *e;
	struct co_quota *q;
	u64 size, offset;
	u32 at;
	int err;

	CO_ASSERT(addr != NULL);
	*addr = 0;
	if (size_bytes == 0 || tier >= COCONUT_TIER_COUNT)
		return -EINVAL;
	if (co_agent_state_terminal(a->state))
		return -ESTALE;
	p = co_tier_pool(k, tier);
	q = &a->quota[co_tier_quota_kinds[tier]];
	/* Larger than the pool: no rounding (which could overflow) and no search needed. */
	if (size_bytes > p->capacity_bytes)
		return co_tier_audit(k, a, tier, 0, -ENOMEM);
	size = (size_bytes + CO_TIER_ALIGN_BYTES - 1) & ~(CO_TIER_ALIGN_BYTES - 1);
	/* The agent's own limit first: over budget is its answer whatever the pool holds. */
	if (!co_quota_fits(q, size))
		return co_tier_edquot(k, a, tier);
	/* Then its tenant's limits: one tenant never takes the extents or bytes of all. */
	if (!co_tenant_tier_fits(k, a->tenant, tier, size))
		return co_tier_edquot(k, a, tier);
	if (p->extent_count == CO_TIER_EXTENTS_MAX || !co_tier_first_fit(p, size, &at, &offset))
		return co_tier_audit(k, a, tier, 0, -ENOMEM);

	err = co_tier_audit(k, a, tier, p->base_addr + offset, 0);
	if (err)
		return err;
	if (at < p->extent_count)
		co_memmove(&p->extents[at + 1], &p->extents[at],
			   (p->extent_count - at) * sizeof(p->extents[0]));
	e = &p->extents[at];
	e->offset_bytes = offset;
	e->size_bytes = size;
	e->aid = a->aid;
	p->extent_count++;
	p->used_bytes += size;
	q->used += size;
	co_tenant_tier_charge(k, a->tenant, tier, 1, (s64)size);
	*addr = p->base_addr + offset;
	return 0;
}

void co_tier_release_agent(struct co_kernel *k, struct co_agent *a)
{
	struct co_tier_pool *p;
	u64 freed;
	u32 t, i, kept, dropped;

	for (t = 0; t < COCONUT_TIER_COUNT; t++) {
		p = co_tier_pool(k, t);
		freed = 0;
		/* Pack the survivors in order: the pool stays sorted. */
		for (i = 0, kept = 0; i < p->extent_count; i++) {
			if (p->extents[i].aid == a->aid) {
				freed += p->extents[i].size_bytes;
				continue;
			}
			p->extents[kept++] = p->extents[i];
		}
		for (i = kept; i < p->extent_count; i++)
			co_memset(&p->extents[i], 0, sizeof(p->extents[i]));
		dropped = p->extent_count - kept;
		p->extent_count = kept;
		CO_ASSERT(freed <= p->used_bytes);
		p->used_bytes -= freed;
		if (freed) {
			co_quota_release(k, a, co_tier_quota_kinds[t], freed);
			co_tenant_tier_charge(k, a->tenant, t, -(s64)dropped, -(s64)freed);
		}
	}
}
