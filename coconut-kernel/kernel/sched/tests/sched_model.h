// A reference model of coconut/sched.h written from the header's words, for the property tests
// and the fuzzer: std::map and std::deque, linear scans for every minimum, no heaps, no hash,
// no slots. It knows nothing of kernel/sched/'s data structures, only what a caller can see:
// the errno of each call, which entity each pick returns, the per-lane queue lengths, the
// tenants' counters and served totals, and the statistics.
//
// Rules it encodes (docs/sched.md says why):
//  - fair: the backlogged tenant with the smallest (counter, id), then its backlogged lane with
//    the smallest (counter, aid), then that lane's head. A tenant (lane) that becomes backlogged
//    by enqueue is lifted to max(own, min over the other backlogged tenants (lanes of the
//    tenant)), or, when none is, to the counter of the tenant (lane of the tenant) picked last;
//    by putback it is not lifted. A removed lane's counter remains its tenant's lane reference.
//  - fifo: the backlogged lane with the smallest (head seq, aid).
//  - per-process: a rotation of backlogged lanes; a lane becoming backlogged by enqueue goes to
//    the back; a served lane still backlogged goes to the back; a putback to a lane picked and
//    not charged since moves it to the front (joining if idle), to a charged one leaves it where
//    it is (joining at the back if idle).
#ifndef COCONUT_SCHED_MODEL_H
#define COCONUT_SCHED_MODEL_H

#include "coconut/errno.h"
#include "coconut/sched.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <vector>

namespace sched_model {

inline u64 add_sat(u64 a, u64 b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

inline u64 scaled(u64 units, u32 weight)
{
	unsigned __int128 v = (unsigned __int128)units * CO_SCHED_WEIGHT_SCALE / weight;
	return v > UINT64_MAX ? UINT64_MAX : (u64)v;
}

struct Model {
	struct Lane {
		u32 tenant;
		u32 weight;
		u64 counter = 0;
		u64 served = 0;
		bool turn_open = false; // picked, not charged since
		std::deque<int> q;	// entity ids
	};
	struct Tenant {
		u32 weight = CO_SCHED_WEIGHT_DEFAULT;
		u64 counter = 0;
		u64 served = 0;
		u64 last_lane = 0; // 0: none (or removed)
		u64 lane_ref = 0;
	};
	struct Entity {
		u64 aid = 0;
		u64 seq = 0;
		bool queued = false;
	};

	u32 policy, lanes_max, tenants_max;
	std::map<u64, Lane> lanes;
	std::map<u32, Tenant> tenants;
	std::vector<Entity> ents;
	std::list<u64> rotation;
	std::optional<u32> last_tenant;
	u64 next_seq = 1;
	co_sched_stats st{};

	Model(u32 policy_, u32 lanes_max_, u32 tenants_max_, size_t entities)
		: policy(policy_), lanes_max(lanes_max_), tenants_max(tenants_max_), ents(entities)
	{
	}

	bool tenant_backlogged(u32 id, u64 except_aid = 0) const
	{
		for (const auto &[aid, l] : lanes)
			if (l.tenant == id && aid != except_aid && !l.q.empty())
				return true;
		return false;
	}

	Tenant &tenant_get(u32 id)
	{
		if (!tenants.count(id)) {
			tenants[id] = Tenant{};
			st.tenants = (u32)tenants.size();
		}
		return tenants[id];
	}

	static bool weight_ok(u32 w) { return w >= 1 && w <= CO_SCHED_WEIGHT_MAX; }

	int lane_add(u64 aid, u32 tenant, u32 weight)
	{
		if (aid == 0 || !weight_ok(weight))
			return -EINVAL;
		if (lanes.count(aid))
			return -EEXIST;
		if (lanes.size() >= lanes_max)
			return -ENOSPC;
		if (!tenants.count(tenant) && tenants.size() >= tenants_max)
			return -ENOSPC;
		tenant_get(tenant);
		Lane l;
		l.tenant = tenant;
		l.weight = weight;
		lanes[aid] = l;
		st.lanes++;
		return 0;
	}

	int lane_remove(u64 aid)
	{
		auto it = lanes.find(aid);
		if (it == lanes.end())
			return -ENOENT;
		if (!it->second.q.empty())
			return -EBUSY;
		Tenant &t = tenants[it->second.tenant];
		if (t.last_lane == aid) {
			t.lane_ref = it->second.counter;
			t.last_lane = 0;
		}
		lanes.erase(it);
		st.lanes--;
		return 0;
	}

	int lane_set_weight(u64 aid, u32 w)
	{
		if (!lanes.count(aid))
			return -ENOENT;
		if (!weight_ok(w))
			return -EINVAL;
		lanes[aid].weight = w;
		return 0;
	}

	int tenant_set_weight(u32 id, u32 w)
	{
		if (!weight_ok(w))
			return -EINVAL;
		if (!tenants.count(id) && tenants.size() >= tenants_max)
			return -ENOSPC;
		tenant_get(id).weight = w;
		return 0;
	}

	// aid's lane just got its first entity.
	void join(u64 aid, bool putback)
	{
		Lane &l = lanes[aid];
		Tenant &t = tenants[l.tenant];
		if (policy == CO_SCHED_PER_PROCESS) {
			if (putback && l.turn_open)
				rotation.push_front(aid);
			else
				rotation.push_back(aid);
			return;
		}
		if (policy != CO_SCHED_FAIR || putback)
			return;
		if (!tenant_backlogged(l.tenant, aid)) {
			std::optional<u64> ref;
			for (const auto &[id, o] : tenants)
				if (id != l.tenant && tenant_backlogged(id))
					ref = ref ? std::min(*ref, o.counter) : o.counter;
			if (!ref && last_tenant)
				ref = tenants[*last_tenant].counter;
			if (ref)
				t.counter = std::max(t.counter, *ref);
		}
		std::optional<u64> ref;
		for (const auto &[oaid, o] : lanes)
			if (oaid != aid && o.tenant == l.tenant && !o.q.empty())
				ref = ref ? std::min(*ref, o.counter) : o.counter;
		if (!ref)
			ref = t.last_lane ? lanes[t.last_lane].counter : t.lane_ref;
		l.counter = std::max(l.counter, *ref);
	}

	int enqueue(int e)
	{
		Entity &en = ents[e];
		if (en.queued)
			return -EALREADY;
		if (!lanes.count(en.aid))
			return -ENOENT;
		en.seq = next_seq++;
		en.queued = true;
		Lane &l = lanes[en.aid];
		l.q.push_back(e);
		st.enqueues++;
		st.queued++;
		if (l.q.size() == 1)
			join(en.aid, false);
		return 0;
	}

	int putback(int e)
	{
		Entity &en = ents[e];
		if (en.queued)
			return -EALREADY;
		if (!lanes.count(en.aid))
			return -ENOENT;
		en.queued = true;
		Lane &l = lanes[en.aid];
		l.q.push_front(e);
		st.putbacks++;
		st.queued++;
		if (l.q.size() == 1) {
			join(en.aid, true);
		} else if (policy == CO_SCHED_PER_PROCESS && l.turn_open) {
			rotation.remove(en.aid);
			rotation.push_front(en.aid);
		}
		return 0;
	}

	void left(u64 aid)
	{
		if (policy == CO_SCHED_PER_PROCESS)
			rotation.remove(aid);
	}

	int cancel(int e)
	{
		Entity &en = ents[e];
		if (!en.queued || !lanes.count(en.aid))
			return -ENOENT;
		Lane &l = lanes[en.aid];
		auto it = std::find(l.q.begin(), l.q.end(), e);
		if (it == l.q.end())
			return -ENOENT;
		l.q.erase(it);
		en.queued = false;
		st.queued--;
		if (l.q.empty())
			left(en.aid);
		return 0;
	}

	// The entity id picked, or -1.
	int pick()
	{
		u64 aid = 0;
		if (st.queued == 0)
			return -1;
		if (policy == CO_SCHED_FAIR) {
			std::optional<std::pair<u64, u32>> best;
			u64 maxc = 0;
			for (const auto &[id, t] : tenants) {
				if (!tenant_backlogged(id))
					continue;
				maxc = std::max(maxc, t.counter);
				if (!best || std::make_pair(t.counter, id) < *best)
					best = std::make_pair(t.counter, id);
			}
			st.max_backlogged_spread = std::max(st.max_backlogged_spread, maxc - best->first);
			std::optional<std::pair<u64, u64>> lbest;
			for (const auto &[a, l] : lanes)
				if (l.tenant == best->second && !l.q.empty() &&
				    (!lbest || std::make_pair(l.counter, a) < *lbest))
					lbest = std::make_pair(l.counter, a);
			aid = lbest->second;
			last_tenant = best->second;
			tenants[best->second].last_lane = aid;
		} else if (policy == CO_SCHED_FIFO) {
			std::optional<std::pair<u64, u64>> best;
			for (const auto &[a, l] : lanes)
				if (!l.q.empty() && (!best || std::make_pair(ents[l.q.front()].seq, a) < *best))
					best = std::make_pair(ents[l.q.front()].seq, a);
			aid = best->second;
		} else {
			aid = rotation.front();
			rotation.pop_front();
		}
		Lane &l = lanes[aid];
		int e = l.q.front();
		l.q.pop_front();
		l.turn_open = true;
		ents[e].queued = false;
		st.picks++;
		st.queued--;
		if (policy == CO_SCHED_PER_PROCESS && !l.q.empty())
			rotation.push_back(aid);
		return e;
	}

	int charge(u64 aid, u64 units)
	{
		auto it = lanes.find(aid);
		if (it == lanes.end())
			return -ENOENT;
		Lane &l = it->second;
		Tenant &t = tenants[l.tenant];
		l.counter = add_sat(l.counter, scaled(units, l.weight));
		t.counter = add_sat(t.counter, scaled(units, t.weight));
		l.served = add_sat(l.served, units);
		t.served = add_sat(t.served, units);
		st.charged_units = add_sat(st.charged_units, units);
		l.turn_open = false;
		return 0;
	}

	u32 lane_queued(u64 aid) const
	{
		auto it = lanes.find(aid);
		return it == lanes.end() ? 0 : (u32)it->second.q.size();
	}

	u32 tenant_queued(u32 id) const
	{
		u32 n = 0;
		for (const auto &[a, l] : lanes)
			if (l.tenant == id)
				n += (u32)l.q.size();
		return n;
	}

	u32 tenant_lanes(u32 id) const
	{
		u32 n = 0;
		for (const auto &[a, l] : lanes)
			n += l.tenant == id;
		return n;
	}
};

} // namespace sched_model

#endif // COCONUT_SCHED_MODEL_H
