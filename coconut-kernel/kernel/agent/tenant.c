// SPDX-License-Identifier: GPL-2.0
/*
 * What each tenant holds, and the per-tenant limits on it (coconut/limits.h, "Per-tenant
 * limits"): live agents, and per tier its extents and bytes. One tenant at its limits is
 * refused with -EDQUOT while every other tenant keeps what the machine has left.
 *
 * The table is open addressing with linear probes on the tenant id, CO_TENANT_SLOTS slots for
 * at most CO_TENANTS_MAX tenants (load <= 1/2), a slot in use while its tenant has live agents.
 * Removal shifts later entries of the probe run back instead of leaving tombstones, so lookups
 * never slow down with churn. Every loop is bounded by CO_TENANT_SLOTS; no call allocates.
 * All under the instance lock.
 */
#include "coconut/errno.h"
#include "coconut/kernel.h"

#include "agent_int.h"

CO_STATIC_ASSERT(CO_IS_POW2(CO_TENANT_SLOTS), "slots: a power of 2");
CO_STATIC_ASSERT(CO_TENANT_SLOTS >= 2 * CO_TENANTS_MAX, "load at most 1/2");

#define CO_TENANT_MASK (CO_TENANT_SLOTS - 1u)

/* The slot a tenant's probe starts at (Fibonacci hashing: sequential ids spread out). */
static u32 co_tenant_home(u32 tenant)
{
	return (u32)((tenant * 0x9e3779b1u) >> 21) & CO_TENANT_MASK;
}

CO_STATIC_ASSERT(CO_TENANT_SLOTS == 1u << 11, "co_tenant_home keeps 11 bits");

/* The slot of tenant, or of the empty slot where it would go (*found says which). */
static u32 co_tenant_probe(const struct co_kernel *k, u32 tenant, bool *found)
{
	u32 i, s = co_tenant_home(tenant);

	for (i = 0; i < CO_TENANT_SLOTS; i++, s = (s + 1) & CO_TENANT_MASK) {
		if (k->tenants[s].agents == 0) {
			*found = false;
			return s;
		}
		if (k->tenants[s].tenant == tenant) {
			*found = true;
			return s;
		}
	}
	CO_ASSERT(0 && "tenant table without an empty slot");
	*found = false;
	return 0;
}

struct co_tenant_use *co_tenant_find(struct co_kernel *k, u32 tenant)
{
	bool found;
	u32 s = co_tenant_probe(k, tenant, &found);

	return found ? &k->tenants[s] : NULL;
}

int co_tenant_admit(struct co_kernel *k, u32 tenant)
{
	const struct co_tenant_use *t = co_tenant_find(k, tenant);

	if (!t)
		return k->tenant_count < CO_TENANTS_MAX ? 0 : -ENOSPC;
	return t->agents < k->cfg.tenant_agents_max ? 0 : -EDQUOT;
}

void co_tenant_enter(struct co_kernel *k, u32 tenant)
{
	bool found;
	u32 s = co_tenant_probe(k, tenant, &found);
	struct co_tenant_use *t = &k->tenants[s];

	if (!found) {
		CO_ASSERT(k->tenant_count < CO_TENANTS_MAX);
		co_memset(t, 0, sizeof(*t));
		t->tenant = tenant;
		k->tenant_count++;
	}
	CO_ASSERT(t->agents < CO_AGENTS_MAX);
	t->agents++;
}

/* Empties slot s and moves back the entries after it that their probe would no longer reach. */
static void co_tenant_remove_slot(struct co_kernel *k, u32 s)
{
	u32 i, j = s, home;

	for (i = 0; i < CO_TENANT_SLOTS; i++) {
		j = (j + 1) & CO_TENANT_MASK;
		if (k->tenants[j].agents == 0)
			break;
		home = co_tenant_home(k->tenants[j].tenant);
		/* The entry at j may fill the hole at s when its home is not in (s, j]. */
		if (((j - home) & CO_TENANT_MASK) >= ((j - s) & CO_TENANT_MASK)) {
			k->tenants[s] = k->tenants[j];
			s = j;
		}
	}
	co_memset(&k->tenants[s], 0, sizeof(k->tenants[s]));
}

void co_tenant_leave(struct co_kernel *k, u32 tenant)
{
	bool found;
	u32 s = co_tenant_probe(k, tenant, &found), t;

	CO_ASSERT(found && k->tenants[s].agents > 0);
	if (--k->tenants[s].agents > 0)
		return;
	/* An agent's extents are released before it leaves: the last one leaves nothing held. */
	for (t = 0; t < COCONUT_TIER_COUNT; t++)
		CO_ASSERT(k->tenants[s].extents[t] == 0 && k->tenants[s].bytes[t] == 0);
	co_tenant_remove_slot(k, s);
	CO_ASSERT(k->tenant_count > 0);
	k->tenant_count--;
}

bool co_tenant_tier_fits(struct co_kernel *k, u32 tenant, u32 tier, u64 size_bytes)
{
	const struct co_tenant_use *t = co_tenant_find(k, tenant);

	CO_ASSERT(t != NULL && tier < COCONUT_TIER_COUNT);
	return t->extents[tier] < k->cfg.tenant_extents_max &&
	       size_bytes <= k->tenant_tier_bytes_max[tier] &&
	       t->bytes[tier] <= k->tenant_tier_bytes_max[tier] - size_bytes;
}

void co_tenant_tier_charge(struct co_kernel *k, u32 tenant, u32 tier, s64 extents, s64 bytes)
{
	struct co_tenant_use *t = co_tenant_find(k, tenant);

	CO_ASSERT(t != NULL && tier < COCONUT_TIER_COUNT);
	CO_ASSERT(extents >= 0 || (u64)-extents <= t->extents[tier]);
	CO_ASSERT(bytes >= 0 || (u64)-bytes <= t->bytes[tier]);
	t->extents[tier] = (u32)((s64)t->extents[tier] + extents);
	t->bytes[tier] = (u64)((s64)t->bytes[tier] + bytes);
}
