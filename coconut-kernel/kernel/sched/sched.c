// SPDX-License-Identifier: GPL-2.0
/*
 * A scheduler instance: its one allocation, its names, its lanes and tenants.
 *
 * Everything an instance will ever need is allocated at create, sized by lanes_max and
 * tenants_max: lane and tenant slots, the two indexes, the heap node pools. No later call
 * allocates, so no later call can fail for memory, and the platform is touched only here and
 * at destroy.
 */
#include "sched_int.h"

static const struct {
	const char *name;
	u32 len;
} co_sched_policy_names[CO_SCHED_POLICY_COUNT] = {
	[CO_SCHED_FAIR] = { "fair", 4 },
	[CO_SCHED_FIFO] = { "fifo", 4 },
	[CO_SCHED_PER_PROCESS] = { "per-process", 11 },
};

static const char *const co_sched_resource_names[CO_SCHED_RES_COUNT] = {
	[CO_SCHED_RES_CPU] = "cpu",
	[CO_SCHED_RES_PCIE] = "pcie",
	[CO_SCHED_RES_GPU] = "gpu",
	[CO_SCHED_RES_TOKENS] = "tokens",
	[CO_SCHED_RES_MEMBW] = "membw",
};

const char *co_sched_policy_name(u32 policy)
{
	return policy < CO_SCHED_POLICY_COUNT ? co_sched_policy_names[policy].name : NULL;
}

int co_sched_policy_parse(const char *name, size_t len)
{
	u32 p;

	if (!name)
		return -EINVAL;
	for (p = 0; p < CO_SCHED_POLICY_COUNT; p++) {
		if (len == co_sched_policy_names[p].len &&
		    co_memcmp(name, co_sched_policy_names[p].name, len) == 0)
			return (int)p;
	}
	return -EINVAL;
}

const char *co_sched_resource_name(u32 resource)
{
	return resource < CO_SCHED_RES_COUNT ? co_sched_resource_names[resource] : NULL;
}

u32 co_sched_policy_of(const struct co_sched *s)
{
	return s->policy;
}

u32 co_sched_resource_of(const struct co_sched *s)
{
	return s->resource;
}

static void co_sched_log(const struct co_plat *plat, const char *msg, size_t len)
{
	if (plat->ops->log)
		plat->ops->log(plat->ctx, CO_LOG_ERR, msg, len);
}

#define CO_SCHED_LOG(plat, msg) co_sched_log((plat), (msg), sizeof(msg) - 1)

/* Offsets of the parts of the one allocation, each 8-byte aligned. */
struct co_sched_layout {
	size_t lanes, tenants, lane_slots, tenant_slots;
	size_t lane_nodes, lane_node_of, tenant_nodes, tenant_node_of;
	size_t tenant_max_nodes, tenant_max_node_of, tenant_credit_nodes, tenant_credit_node_of;
	size_t total;
};

static size_t co_sched_take(size_t *at, size_t bytes)
{
	size_t off = (*at + 7) & ~(size_t)7;

	*at = off + bytes;
	return off;
}

static void co_sched_layout(struct co_sched_layout *lo, u32 lanes_max, u32 tenants_max)
{
	size_t at = sizeof(struct co_sched);

	lo->lanes = co_sched_take(&at, lanes_max * sizeof(struct co_sched_lane));
	lo->tenants = co_sched_take(&at, tenants_max * sizeof(struct co_sched_tenant));
	lo->lane_slots = co_sched_take(&at, co_sched_index_slots(lanes_max) *
						     sizeof(struct co_sched_islot));
	lo->tenant_slots = co_sched_take(&at, co_sched_index_slots(tenants_max) *
						       sizeof(struct co_sched_islot));
	lo->lane_nodes = co_sched_take(&at, lanes_max * sizeof(struct co_sched_hnode));
	lo->lane_node_of = co_sched_take(&at, lanes_max * sizeof(u32));
	lo->tenant_nodes = co_sched_take(&at, tenants_max * sizeof(struct co_sched_hnode));
	lo->tenant_node_of = co_sched_take(&at, tenants_max * sizeof(u32));
	lo->tenant_max_nodes = co_sched_take(&at, tenants_max * sizeof(struct co_sched_hnode));
	lo->tenant_max_node_of = co_sched_take(&at, tenants_max * sizeof(u32));
	lo->tenant_credit_nodes = co_sched_take(&at, tenants_max * sizeof(struct co_sched_hnode));
	lo->tenant_credit_node_of = co_sched_take(&at, tenants_max * sizeof(u32));
	lo->total = at;
}

/* The part of the single allocation at offset off: co_sched_layout() aligns every part for its
 * type, which a cast from a byte pointer cannot tell the compiler (-Wcast-align). */
static void *co_sched_at(void *base, u64 off)
{
	return (u8 *)base + off;
}

struct co_sched *co_sched_create(const struct co_plat *plat, u32 resource, u32 policy,
				 u32 lanes_max, u32 tenants_max)
{
	struct co_sched_layout lo;
	struct co_sched *s;
	void *base;
	u32 i;

	if (!plat || !plat->ops || !plat->ops->alloc)
		return NULL;
	if (resource >= CO_SCHED_RES_COUNT) {
		CO_SCHED_LOG(plat, "co_sched_create: resource is not one of cpu, pcie, gpu, tokens");
		return NULL;
	}
	if (policy >= CO_SCHED_POLICY_COUNT) {
		CO_SCHED_LOG(plat, "co_sched_create: policy is not one of fair, fifo, per-process");
		return NULL;
	}
	if (lanes_max < 1 || lanes_max > CO_SCHED_LANES_MAX) {
		CO_SCHED_LOG(plat, "co_sched_create: lanes_max out of range 1..CO_SCHED_LANES_MAX");
		return NULL;
	}
	if (tenants_max < 1 || tenants_max > CO_SCHED_TENANTS_MAX) {
		CO_SCHED_LOG(plat,
			     "co_sched_create: tenants_max out of range 1..CO_SCHED_TENANTS_MAX");
		return NULL;
	}
	co_sched_layout(&lo, lanes_max, tenants_max);
	base = co_plat_alloc(plat, lo.total);
	if (!base) {
		CO_SCHED_LOG(plat, "co_sched_create: out of memory (-ENOMEM)");
		return NULL;
	}
	s = base;
	co_memset(s, 0, sizeof(*s));
	s->plat = *plat;
	s->alloc_bytes = lo.total;
	s->policy = policy;
	s->resource = resource;
	s->lanes_max = lanes_max;
	s->tenants_max = tenants_max;

	s->lanes = co_sched_at(base, lo.lanes);
	for (i = 0; i < lanes_max; i++) {
		co_memset(&s->lanes[i], 0, sizeof(s->lanes[i]));
		s->lanes[i].free_next = i + 1 < lanes_max ? i + 1 : CO_SCHED_NIL;
	}
	s->lane_free = 0;
	s->tenants = co_sched_at(base, lo.tenants);
	co_memset(s->tenants, 0, tenants_max * sizeof(struct co_sched_tenant));
	s->tenants_used = 0;

	co_sched_index_init(&s->lane_ix, co_sched_at(base, lo.lane_slots),
			    co_sched_index_slots(lanes_max));
	co_sched_index_init(&s->tenant_ix, co_sched_at(base, lo.tenant_slots),
			    co_sched_index_slots(tenants_max));
	co_sched_pool_init(&s->lane_pool, co_sched_at(base, lo.lane_nodes),
			   co_sched_at(base, lo.lane_node_of), lanes_max);
	co_sched_pool_init(&s->tenant_pool, co_sched_at(base, lo.tenant_nodes),
			   co_sched_at(base, lo.tenant_node_of), tenants_max);
	co_sched_pool_init(&s->tenant_max_pool,
			   co_sched_at(base, lo.tenant_max_nodes),
			   co_sched_at(base, lo.tenant_max_node_of), tenants_max);
	co_sched_pool_init(&s->tenant_credit_pool, co_sched_at(base, lo.tenant_credit_nodes),
			   co_sched_at(base, lo.tenant_credit_node_of), tenants_max);
	co_sched_heap_init(&s->tenants_by_raw);
	co_sched_heap_init(&s->seq_heads);
	co_sched_heap_init(&s->tenants_by_counter);
	co_sched_heap_init(&s->tenants_by_counter_desc);
	s->hold_head = CO_SCHED_NIL;
	s->next_seq = 1;
	return s;
}

void co_sched_destroy(struct co_sched *s)
{
	struct co_plat plat;

	if (!s)
		return;
	plat = s->plat;
	co_plat_free(&plat, s, s->alloc_bytes);
}

struct co_sched_lane *co_sched_lane_find(const struct co_sched *s, u64 aid)
{
	u32 slot;

	if (aid == 0)
		return NULL;
	slot = co_sched_index_find(&s->lane_ix, aid);
	return slot == CO_SCHED_NIL ? NULL : &s->lanes[slot];
}

static u32 co_sched_tenant_slot(const struct co_sched *s, u32 tenant)
{
	return co_sched_index_find(&s->tenant_ix, tenant);
}

/* The slot of tenant, registered with the default weight if new; CO_SCHED_NIL when full. */
static u32 co_sched_tenant_get(struct co_sched *s, u32 tenant)
{
	u32 slot = co_sched_tenant_slot(s, tenant);
	struct co_sched_tenant *t;

	if (slot != CO_SCHED_NIL)
		return slot;
	if (s->tenants_used >= s->tenants_max)
		return CO_SCHED_NIL;
	slot = s->tenants_used++;
	t = &s->tenants[slot];
	co_memset(t, 0, sizeof(*t));
	t->id = tenant;
	t->weight = CO_SCHED_WEIGHT_DEFAULT;
	/* Level with the virtual time: credit is earned by waiting, not by being new. */
	t->counter = s->stats.vtime;
	t->raw = s->stats.vtime;
	co_sched_heap_init(&t->lane_heap);
	t->hold_next = CO_SCHED_NIL;
	co_sched_index_insert(&s->tenant_ix, tenant, slot);
	s->stats.tenants = s->tenants_used;
	return slot;
}

static bool co_sched_weight_ok(u32 weight)
{
	return weight >= 1 && weight <= CO_SCHED_WEIGHT_MAX;
}

int co_sched_lane_add(struct co_sched *s, u64 aid, u32 tenant, u32 weight)
{
	struct co_sched_lane *l;
	u32 slot, tslot;

	if (aid == 0 || !co_sched_weight_ok(weight))
		return -EINVAL;
	if (co_sched_lane_find(s, aid))
		return -EEXIST;
	if (s->lane_free == CO_SCHED_NIL)
		return -ENOSPC;
	tslot = co_sched_tenant_get(s, tenant);
	if (tslot == CO_SCHED_NIL)
		return -ENOSPC;
	slot = s->lane_free;
	l = &s->lanes[slot];
	s->lane_free = l->free_next;
	co_memset(l, 0, sizeof(*l));
	l->aid = aid;
	l->tenant = tslot;
	l->weight = weight;
	l->counter = s->tenants[tslot].lane_vtime;
	l->free_next = CO_SCHED_NIL;
	co_sched_index_insert(&s->lane_ix, aid, slot);
	s->tenants[tslot].lanes++;
	s->stats.lanes++;
	return 0;
}

int co_sched_lane_remove(struct co_sched *s, u64 aid)
{
	struct co_sched_lane *l = co_sched_lane_find(s, aid);
	struct co_sched_tenant *t;
	u32 slot;

	if (!l)
		return -ENOENT;
	if (l->queued)
		return -EBUSY;
	slot = co_sched_lane_slot(s, l);
	t = &s->tenants[l->tenant];
	CO_ASSERT(t->lanes > 0 && l->free_next == CO_SCHED_NIL);
	CO_ASSERT(!co_sched_heap_has(&s->lane_pool, slot));
	t->lanes--;
	co_sched_index_remove(&s->lane_ix, aid);
	l->aid = 0;
	l->free_next = s->lane_free;
	s->lane_free = slot;
	s->stats.lanes--;
	return 0;
}

int co_sched_lane_set_weight(struct co_sched *s, u64 aid, u32 weight)
{
	struct co_sched_lane *l = co_sched_lane_find(s, aid);

	if (!l)
		return -ENOENT;
	if (!co_sched_weight_ok(weight))
		return -EINVAL;
	/* Counters are not rescaled: the weight governs the charges from now on. */
	l->weight = weight;
	return 0;
}

int co_sched_tenant_set_weight(struct co_sched *s, u32 tenant, u32 weight)
{
	struct co_sched_tenant *t;
	u32 slot;

	if (!co_sched_weight_ok(weight))
		return -EINVAL;
	slot = co_sched_tenant_get(s, tenant);
	if (slot == CO_SCHED_NIL)
		return -ENOSPC;
	t = &s->tenants[slot];
	/* Counters are not rescaled (the weight governs charges from now on); the backlogged
	 * weight follows at once. */
	if (t->queued > 0) {
		CO_ASSERT(s->stats.backlogged_weight >= t->weight);
		s->stats.backlogged_weight = s->stats.backlogged_weight - t->weight + weight;
	}
	t->weight = weight;
	return 0;
}

int co_sched_set_lag_limit(struct co_sched *s, u64 units)
{
	if (units > CO_SCHED_LAG_UNITS_MAX)
		return -EINVAL;
	s->lag_units = units;
	return 0;
}

u64 co_sched_lag_limit(const struct co_sched *s)
{
	return s->lag_units;
}

u32 co_sched_lane_queued(const struct co_sched *s, u64 aid)
{
	const struct co_sched_lane *l = co_sched_lane_find(s, aid);

	return l ? l->queued : 0;
}

int co_sched_get_tenant_info(const struct co_sched *s, u32 tenant, struct co_sched_tenant_info *out)
{
	u32 slot = co_sched_tenant_slot(s, tenant);
	const struct co_sched_tenant *t;

	if (slot == CO_SCHED_NIL)
		return -ENOENT;
	t = &s->tenants[slot];
	co_memset(out, 0, sizeof(*out));
	out->tenant = t->id;
	out->weight = t->weight;
	out->lanes = t->lanes;
	out->queued = t->queued;
	out->backlogged = t->queued > 0;
	out->held = t->held;
	out->counter = t->counter;
	out->raw_counter = t->raw;
	out->served_units = t->served_units;
	return 0;
}

void co_sched_get_stats(const struct co_sched *s, struct co_sched_stats *out)
{
	*out = s->stats;
}

u32 co_sched_lane_probe_max(const struct co_sched *s)
{
	return s->lane_ix.probe_max;
}
