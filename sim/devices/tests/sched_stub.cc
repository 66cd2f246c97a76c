// TEMPORARY stand-in for coconut-kernel/kernel/sched/ (the fair-share scheduler, coconut/sched.h)
// so the device models can be tested before it lands; linked only into the device tests, never
// into coconut_devices. tests/CMakeLists.txt drops it as soon as kernel/sched/ exists; delete it
// then. Policies are simplified (linear scans, no limits beyond the create arguments): it is
// just faithful enough to the header for the devices' behaviour to be observable.
#include "coconut/errno.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow" // co_sched_tenant_info: a struct and a function
#include "coconut/sched.h"
#pragma GCC diagnostic pop

#include <algorithm>
#include <cstring>
#include <vector>

#ifndef EALREADY
#define EALREADY 114
#endif
#ifndef CO_SCHED_WEIGHT_MAX
#define CO_SCHED_WEIGHT_MAX 10000u
#endif

namespace {
struct Lane {
	u64 aid;
	u32 tenant; // index into tenants
	u32 weight;
	u64 counter;
	co_sched_entity *head;
	co_sched_entity *tail;
	u32 queued;
};
struct Tenant {
	u32 id;
	u32 weight;
	u64 counter;
	u64 served;
	u32 lanes;
	u32 queued;
	u64 last_lane_counter;
};
} // namespace

struct co_sched {
	u32 resource;
	u32 policy;
	u32 lanes_max;
	u32 tenants_max;
	std::vector<Lane> lanes;
	std::vector<Tenant> tenants;
	u64 next_seq = 0;
	std::size_t rr_next = 0;
	u64 last_tenant_counter = 0;
	co_sched_stats stats{};
};

namespace {
Lane *lane_of(co_sched *s, u64 aid)
{
	for (Lane &l : s->lanes)
		if (l.aid == aid)
			return &l;
	return nullptr;
}

int tenant_index(co_sched *s, u32 tenant, bool create)
{
	for (std::size_t i = 0; i < s->tenants.size(); i++)
		if (s->tenants[i].id == tenant)
			return static_cast<int>(i);
	if (!create)
		return -ENOENT;
	if (s->tenants.size() >= s->tenants_max)
		return -ENOSPC;
	s->tenants.push_back(Tenant{ tenant, CO_SCHED_WEIGHT_DEFAULT, 0, 0, 0, 0, 0 });
	return static_cast<int>(s->tenants.size() - 1);
}

// Idle time is not credit: a newly backlogged lane/tenant starts at the smallest backlogged
// counter, or at the last served one.
void lift(co_sched *s, Lane &lane)
{
	Tenant &t = s->tenants[lane.tenant];
	if (t.queued == 0) {
		u64 floor = s->last_tenant_counter;
		bool any = false;
		for (const Tenant &o : s->tenants)
			if (o.queued > 0 && (!any || o.counter < floor)) {
				floor = o.counter;
				any = true;
			}
		t.counter = std::max(t.counter, floor);
	}
	u64 floor = t.last_lane_counter;
	bool any = false;
	for (const Lane &o : s->lanes)
		if (o.tenant == lane.tenant && o.queued > 0 && (!any || o.counter < floor)) {
			floor = o.counter;
			any = true;
		}
	lane.counter = std::max(lane.counter, floor);
}

co_sched_entity *take_head(co_sched *s, Lane &lane)
{
	co_sched_entity *e = lane.head;
	lane.head = e->next;
	if (!lane.head)
		lane.tail = nullptr;
	e->next = nullptr;
	e->queued = 0;
	lane.queued--;
	s->tenants[lane.tenant].queued--;
	s->stats.queued--;
	s->stats.picks++;
	return e;
}
} // namespace

extern "C" {

struct co_sched *co_sched_create(const struct co_plat *plat, u32 resource, u32 policy,
				 u32 lanes_max, u32 tenants_max)
{
	(void)plat;
	if (resource >= CO_SCHED_RES_COUNT || policy >= CO_SCHED_POLICY_COUNT || lanes_max == 0 ||
	    tenants_max == 0)
		return nullptr;
	auto *s = new co_sched;
	s->resource = resource;
	s->policy = policy;
	s->lanes_max = lanes_max;
	s->tenants_max = tenants_max;
	return s;
}

void co_sched_destroy(struct co_sched *s)
{
	delete s;
}

u32 co_sched_policy_of(const struct co_sched *s)
{
	return s->policy;
}

u32 co_sched_resource_of(const struct co_sched *s)
{
	return s->resource;
}

const char *co_sched_policy_name(u32 policy)
{
	static const char *const names[] = { "fair", "fifo", "per-process" };
	return policy < CO_SCHED_POLICY_COUNT ? names[policy] : nullptr;
}

int co_sched_policy_parse(const char *name, size_t len)
{
	for (u32 p = 0; p < CO_SCHED_POLICY_COUNT; p++) {
		const char *n = co_sched_policy_name(p);
		if (std::strlen(n) == len && std::memcmp(n, name, len) == 0)
			return static_cast<int>(p);
	}
	return -EINVAL;
}

const char *co_sched_resource_name(u32 resource)
{
	static const char *const names[] = { "cpu", "pcie", "gpu", "tokens" };
	return resource < CO_SCHED_RES_COUNT ? names[resource] : nullptr;
}

int co_sched_lane_add(struct co_sched *s, u64 aid, u32 tenant, u32 weight)
{
	if (aid == 0 || weight < 1 || weight > CO_SCHED_WEIGHT_MAX)
		return -EINVAL;
	if (lane_of(s, aid))
		return -EEXIST;
	if (s->lanes.size() >= s->lanes_max)
		return -ENOSPC;
	int t = tenant_index(s, tenant, true);
	if (t < 0)
		return t;
	s->lanes.push_back(Lane{ aid, static_cast<u32>(t), weight, 0, nullptr, nullptr, 0 });
	s->tenants[t].lanes++;
	s->stats.lanes = static_cast<u32>(s->lanes.size());
	s->stats.tenants = static_cast<u32>(s->tenants.size());
	return 0;
}

int co_sched_lane_remove(struct co_sched *s, u64 aid)
{
	Lane *l = lane_of(s, aid);
	if (!l)
		return -ENOENT;
	if (l->queued)
		return -EBUSY;
	s->tenants[l->tenant].lanes--;
	s->lanes.erase(s->lanes.begin() + (l - s->lanes.data()));
	s->stats.lanes = static_cast<u32>(s->lanes.size());
	return 0;
}

int co_sched_lane_set_weight(struct co_sched *s, u64 aid, u32 weight)
{
	Lane *l = lane_of(s, aid);
	if (!l)
		return -ENOENT;
	if (weight < 1 || weight > CO_SCHED_WEIGHT_MAX)
		return -EINVAL;
	l->weight = weight;
	return 0;
}

int co_sched_tenant_set_weight(struct co_sched *s, u32 tenant, u32 weight)
{
	if (weight < 1 || weight > CO_SCHED_WEIGHT_MAX)
		return -EINVAL;
	int t = tenant_index(s, tenant, true);
	if (t < 0)
		return t;
	s->tenants[t].weight = weight;
	s->stats.tenants = static_cast<u32>(s->tenants.size());
	return 0;
}

int co_sched_enqueue(struct co_sched *s, struct co_sched_entity *e)
{
	Lane *l = lane_of(s, e->aid);
	if (!l)
		return -ENOENT;
	if (e->queued)
		return -EALREADY;
	if (l->queued == 0)
		lift(s, *l);
	e->seq = s->next_seq++;
	e->next = nullptr;
	e->queued = 1;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
	l->queued++;
	s->tenants[l->tenant].queued++;
	s->stats.queued++;
	s->stats.enqueues++;
	return 0;
}

struct co_sched_entity *co_sched_pick(struct co_sched *s)
{
	if (s->stats.queued == 0)
		return nullptr;
	Lane *best = nullptr;
	switch (s->policy) {
	case CO_SCHED_FIFO:
		for (Lane &l : s->lanes)
			if (l.head && (!best || l.head->seq < best->head->seq))
				best = &l;
		break;
	case CO_SCHED_PER_PROCESS:
		for (std::size_t i = 0; i < s->lanes.size() && !best; i++) {
			std::size_t k = (s->rr_next + i) % s->lanes.size();
			if (s->lanes[k].head) {
				best = &s->lanes[k];
				s->rr_next = k + 1;
			}
		}
		break;
	default: {
		int bt = -1;
		u64 lo = 0;
		u64 hi = 0;
		for (std::size_t i = 0; i < s->tenants.size(); i++) {
			const Tenant &t = s->tenants[i];
			if (!t.queued)
				continue;
			if (bt < 0 || t.counter < lo) {
				if (bt < 0)
					hi = t.counter;
				lo = t.counter;
				bt = static_cast<int>(i);
			}
			hi = std::max(hi, t.counter);
		}
		s->stats.max_backlogged_spread = std::max(s->stats.max_backlogged_spread, hi - lo);
		for (Lane &l : s->lanes)
			if (static_cast<int>(l.tenant) == bt && l.head &&
			    (!best || l.counter < best->counter))
				best = &l;
		s->last_tenant_counter = s->tenants[bt].counter;
		s->tenants[bt].last_lane_counter = best->counter;
		break;
	}
	}
	return take_head(s, *best);
}

int co_sched_putback(struct co_sched *s, struct co_sched_entity *e)
{
	Lane *l = lane_of(s, e->aid);
	if (!l)
		return -ENOENT;
	if (e->queued)
		return -EALREADY;
	e->queued = 1;
	e->next = l->head;
	l->head = e;
	if (!l->tail)
		l->tail = e;
	l->queued++;
	s->tenants[l->tenant].queued++;
	s->stats.queued++;
	s->stats.putbacks++;
	return 0;
}

int co_sched_cancel(struct co_sched *s, struct co_sched_entity *e)
{
	Lane *l = lane_of(s, e->aid);
	if (!l || !e->queued)
		return -ENOENT;
	co_sched_entity *prev = nullptr;
	for (co_sched_entity *it = l->head; it; prev = it, it = it->next) {
		if (it != e)
			continue;
		(prev ? prev->next : l->head) = e->next;
		if (l->tail == e)
			l->tail = prev;
		e->next = nullptr;
		e->queued = 0;
		l->queued--;
		s->tenants[l->tenant].queued--;
		s->stats.queued--;
		return 0;
	}
	return -ENOENT;
}

int co_sched_charge(struct co_sched *s, u64 aid, u64 units)
{
	Lane *l = lane_of(s, aid);
	if (!l)
		return -ENOENT;
	Tenant &t = s->tenants[l->tenant];
	l->counter += units * CO_SCHED_WEIGHT_SCALE / l->weight;
	t.counter += units * CO_SCHED_WEIGHT_SCALE / t.weight;
	t.served += units;
	s->stats.charged_units += units;
	return 0;
}

u32 co_sched_lane_queued(const struct co_sched *s, u64 aid)
{
	for (const Lane &l : s->lanes)
		if (l.aid == aid)
			return l.queued;
	return 0;
}

int co_sched_tenant_info(const struct co_sched *s, u32 tenant, struct co_sched_tenant_info *out)
{
	for (const Tenant &t : s->tenants) {
		if (t.id != tenant)
			continue;
		out->tenant = t.id;
		out->weight = t.weight;
		out->lanes = t.lanes;
		out->queued = t.queued;
		out->backlogged = t.queued > 0;
		out->counter = t.counter;
		out->served_units = t.served;
		return 0;
	}
	return -ENOENT;
}

void co_sched_get_stats(const struct co_sched *s, struct co_sched_stats *out)
{
	*out = s->stats;
}

} // extern "C"
