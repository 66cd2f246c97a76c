// A reference model of coconut/sched.h written from the header's words, for the property tests
// and the fuzzer: std::map and std::deque, linear scans for every minimum, no heaps, no hash,
// no slots. It knows nothing of kernel/sched/'s data structures, only what a caller can see:
// the errno of each call, which entity each pick returns, the per-lane queue lengths, the
// tenants' counters and served totals, and the statistics.
//
// Rules it encodes (docs/sched.md says why):
//  - fair: among the backlogged tenants that are not held, those with credit (counter below
//    vtime) first, by the smallest (raw, id) -- raw is charged like counter but never placed --
//    then the one with the smallest (counter, id); then its backlogged lane with the smallest (counter, aid), then that lane's
//    head. At each pick with no tenant held, vtime = max(vtime, that tenant's counter), and the
//    tenant's lane vtime = max(lane vtime, that lane's counter). A tenant (lane) that becomes
//    backlogged by enqueue is placed at max(own, vtime - lag * SCALE) (against its
//    tenant's lane vtime for a lane), floored at 0; so is one made backlogged by a putback after
//    its lane was charged (a return); a putback undoing a pick (lane not charged) is not placed. New tenants
//    start at vtime, new lanes at their tenant's lane vtime. Held tenants are skipped by picks
//    until released; pick answers none when only held tenants have work.
//  - fifo: the backlogged lane with the smallest (head seq, aid).
//  - per-process: the same, but an entity put back after its lane was charged gets the next
//    seq and goes to the tail of its lane.
//  - every policy: a putback that keeps its seq goes before the first entity of its lane with
//    a larger seq.
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

inline u64 placed(u64 counter, u64 vtime, u64 limit)
{
	return std::max(counter, vtime > limit ? vtime - limit : 0);
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
		u64 raw = 0; // the history: charged like counter, never placed
		u64 served = 0;
		u64 lane_vtime = 0;
		bool held = false;
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
	u64 lag = 0;
	u32 holds = 0;
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
			Tenant t;
			t.counter = st.vtime;
			t.raw = st.vtime;
			tenants[id] = t;
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
		Lane l;
		l.tenant = tenant;
		l.weight = weight;
		l.counter = tenant_get(tenant).lane_vtime;
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
		Tenant &t = tenant_get(id);
		if (tenant_queued(id) > 0)
			st.backlogged_weight = st.backlogged_weight - t.weight + w;
		t.weight = w;
		return 0;
	}

	int set_lag(u64 units)
	{
		if (units > CO_SCHED_LAG_UNITS_MAX)
			return -EINVAL;
		lag = units;
		return 0;
	}

	int hold(u32 id)
	{
		if (policy != CO_SCHED_FAIR)
			return -EOPNOTSUPP;
		auto it = tenants.find(id);
		if (it == tenants.end())
			return -ENOENT;
		if (!it->second.held) {
			it->second.held = true;
			holds++;
		}
		return 0;
	}

	void release()
	{
		for (auto &[id, t] : tenants)
			t.held = false;
		holds = 0;
	}

	// aid's lane just got its first entity; place: by an arrival or a return after a charge.
	void join(u64 aid, bool place)
	{
		Lane &l = lanes[aid];
		Tenant &t = tenants[l.tenant];
		st.backlogged_lanes++;
		if (tenant_queued(l.tenant) == 1) {
			st.backlogged_weight += t.weight;
			if (policy == CO_SCHED_FAIR && place)
				t.counter = placed(t.counter, st.vtime, scaled(lag, 1));
		}
		if (policy == CO_SCHED_FAIR && place)
			l.counter = placed(l.counter, t.lane_vtime, scaled(lag, 1));
	}

	// aid's lane just lost its last entity.
	void left(u64 aid)
	{
		const Lane &l = lanes[aid];
		st.backlogged_lanes--;
		if (tenant_queued(l.tenant) == 0)
			st.backlogged_weight -= tenants[l.tenant].weight;
	}

	void append(int e, u64 aid)
	{
		Entity &en = ents[e];
		en.seq = next_seq++;
		en.queued = true;
		Lane &l = lanes[aid];
		l.q.push_back(e);
		st.queued++;
		if (l.q.size() == 1)
			join(aid, true);
	}

	int enqueue(int e)
	{
		Entity &en = ents[e];
		if (en.queued)
			return -EALREADY;
		if (!lanes.count(en.aid))
			return -ENOENT;
		st.enqueues++;
		append(e, en.aid);
		return 0;
	}

	int putback(int e)
	{
		Entity &en = ents[e];
		if (en.queued)
			return -EALREADY;
		if (!lanes.count(en.aid))
			return -ENOENT;
		Lane &l = lanes[en.aid];
		st.putbacks++;
		if (policy == CO_SCHED_PER_PROCESS && !l.turn_open) {
			append(e, en.aid);
			return 0;
		}
		en.queued = true;
		auto at = std::find_if(l.q.begin(), l.q.end(),
				       [&](int o) { return ents[o].seq >= en.seq; });
		l.q.insert(at, e);
		st.queued++;
		if (l.q.size() == 1)
			join(en.aid, !l.turn_open);
		return 0;
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

	// The fair pick's lane, 0 when only held tenants have work.
	u64 pick_fair()
	{
		std::optional<std::pair<u64, u32>> best, credit;
		u64 maxc = 0;
		for (const auto &[id, t] : tenants) {
			if (t.held || !tenant_backlogged(id))
				continue;
			maxc = std::max(maxc, t.counter);
			if (!best || std::make_pair(t.counter, id) < *best)
				best = std::make_pair(t.counter, id);
			if (t.counter < st.vtime && (!credit || std::make_pair(t.raw, id) < *credit))
				credit = std::make_pair(t.raw, id);
		}
		if (!best)
			return 0;
		st.max_backlogged_spread = std::max(st.max_backlogged_spread, maxc - best->first);
		if (holds == 0)
			st.vtime = std::max(st.vtime, best->first);
		if (credit)
			best = std::make_pair(tenants[credit->second].counter, credit->second);
		std::optional<std::pair<u64, u64>> lbest;
		for (const auto &[a, l] : lanes)
			if (l.tenant == best->second && !l.q.empty() &&
			    (!lbest || std::make_pair(l.counter, a) < *lbest))
				lbest = std::make_pair(l.counter, a);
		Tenant &t = tenants[best->second];
		t.lane_vtime = std::max(t.lane_vtime, lbest->first);
		return lbest->second;
	}

	std::optional<std::pair<u64, u64>> oldest_head() const
	{
		std::optional<std::pair<u64, u64>> best;
		for (const auto &[a, l] : lanes)
			if (!l.q.empty() && (!best || std::make_pair(ents[l.q.front()].seq, a) < *best))
				best = std::make_pair(ents[l.q.front()].seq, a);
		return best;
	}

	// The entity id picked, or -1.
	int pick()
	{
		if (st.queued == 0)
			return -1;
		u64 aid = policy == CO_SCHED_FAIR ? pick_fair() : oldest_head()->second;
		if (aid == 0)
			return -1;
		Lane &l = lanes[aid];
		int e = l.q.front();
		l.q.pop_front();
		l.turn_open = true;
		ents[e].queued = false;
		st.picks++;
		st.queued--;
		if (l.q.empty())
			left(aid);
		return e;
	}

	bool wakeup_preempts(u64 waking, u64 running) const
	{
		auto w = lanes.find(waking), r = lanes.find(running);
		if (w == lanes.end() || r == lanes.end() || waking == running ||
		    policy != CO_SCHED_FAIR)
			return false;
		if (w->second.tenant == r->second.tenant)
			return w->second.counter < r->second.counter;
		const Tenant &a = tenants.at(w->second.tenant), &b = tenants.at(r->second.tenant);
		const bool ca = a.counter < st.vtime, cb = b.counter < st.vtime;
		if (ca != cb)
			return ca;
		return ca ? a.raw < b.raw : a.counter < b.counter;
	}

	// e is picked (not queued).
	bool contended(int e) const
	{
		const Entity &en = ents[e];
		switch (policy) {
		case CO_SCHED_FAIR: {
			auto l = lanes.find(en.aid);
			if (l == lanes.end())
				return st.queued > 0;
			return st.backlogged_lanes > (l->second.q.empty() ? 0u : 1u);
		}
		case CO_SCHED_FIFO: {
			auto o = oldest_head();
			return o && o->first < en.seq;
		}
		default:
			return st.queued > 0;
		}
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
		t.raw = add_sat(t.raw, scaled(units, t.weight));
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
