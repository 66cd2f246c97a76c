// RapidCheck properties of kernel/sched (seed pinned by CTest's RC_PARAMS):
//  - random call sequences (lanes and tenants added, removed and re-weighted, entities
//    enqueued, picked, put back, cancelled, charged) give the same errnos, the same picks in the
//    same order, the same counts, counters and statistics as the reference model
//    (sched_model.h), under each policy, with the instance's own check after every call;
//  - fair, with every tenant continuously backlogged: the normalized service of any two tenants
//    never differs by more than one turn's charge over the smallest weight (plus the rounding
//    of the charges), and neither does the spread statistic;
//  - fair, with tenants going idle and coming back: the spread stays within one turn (the lift).
#include "sched_model.h"
#include "sched_util.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <tuple>

using namespace sched_test;
using sched_model::Model;

namespace {

constexpr u32 kLanesMax = 8, kTenantsMax = 4, kAids = 14, kTenantIds = 6, kEntities = 24;

using Op = std::tuple<uint8_t, uint16_t, uint16_t, uint16_t>;

rc::Gen<std::vector<Op>> ops_gen()
{
	return rc::gen::mapcat(rc::gen::inRange(20, 400), [](int n) {
		return rc::gen::container<std::vector<Op>>((size_t)n, rc::gen::arbitrary<Op>());
	});
}

u32 weight_of(u16 c)
{
	if (c % 23 == 0)
		return c % 2 ? 0 : CO_SCHED_WEIGHT_MAX + 1; // out of range now and then
	if (c % 17 == 0)
		return CO_SCHED_WEIGHT_MAX;
	return 1 + c % 8;
}

u64 units_of(u16 b, u16 c)
{
	if (c % 31 == 0)
		return UINT64_MAX / (1 + b % 3); // saturation
	return c % 100;
}

// Everything a caller can observe, compared.
void compare(const Sched &t, const Model &m, const Entities &es)
{
	RC_ASSERT(co_sched_check(t.s));
	for (u64 aid = 0; aid <= kAids; aid++)
		RC_ASSERT(co_sched_lane_queued(t.s, aid) == m.lane_queued(aid));
	for (u32 id = 0; id < kTenantIds; id++) {
		struct co_sched_tenant_info ti{};
		int rc = co_sched_tenant_info(t.s, id, &ti);
		auto it = m.tenants.find(id);
		if (it == m.tenants.end()) {
			RC_ASSERT(rc == -ENOENT);
			continue;
		}
		RC_ASSERT(rc == 0);
		RC_ASSERT(ti.tenant == id);
		RC_ASSERT(ti.weight == it->second.weight);
		RC_ASSERT(ti.counter == it->second.counter);
		RC_ASSERT(ti.served_units == it->second.served);
		RC_ASSERT(ti.queued == m.tenant_queued(id));
		RC_ASSERT(ti.lanes == m.tenant_lanes(id));
		RC_ASSERT(ti.backlogged == (ti.queued > 0));
	}
	co_sched_stats st;
	co_sched_get_stats(t.s, &st);
	RC_ASSERT(st.enqueues == m.st.enqueues);
	RC_ASSERT(st.picks == m.st.picks);
	RC_ASSERT(st.putbacks == m.st.putbacks);
	RC_ASSERT(st.charged_units == m.st.charged_units);
	RC_ASSERT(st.lanes == m.st.lanes);
	RC_ASSERT(st.tenants == m.st.tenants);
	RC_ASSERT(st.queued == m.st.queued);
	RC_ASSERT(st.max_backlogged_spread == m.st.max_backlogged_spread);
	for (size_t i = 0; i < kEntities; i++) {
		RC_ASSERT((es.e[i].queued != 0) == m.ents[i].queued);
		if (m.ents[i].queued)
			RC_ASSERT(es.e[i].seq == m.ents[i].seq);
	}
}

void run_against_model(u32 policy, const std::vector<Op> &ops)
{
	Sched t(policy, kLanesMax, kTenantsMax);
	RC_ASSERT(t.s != nullptr);
	Model m(policy, kLanesMax, kTenantsMax, kEntities);
	Entities es(kEntities);
	std::vector<int> picked; // most recent last: put back from the end

	auto pick = [&]() {
		co_sched_entity *e = co_sched_pick(t.s);
		int want = m.pick();
		RC_ASSERT(es.id_of(e) == want);
		if (e)
			picked.push_back(want);
		return e;
	};
	auto putback = [&](size_t i) {
		RC_ASSERT(co_sched_putback(t.s, es.at(i)) == m.putback((int)i));
	};

	for (const auto &[k, a, b, c] : ops) {
		u64 aid = a % (kAids + 1);
		u32 tenant = b % kTenantIds;
		size_t ent = a % kEntities;
		switch (k % 16) {
		case 0:
		case 1:
			RC_ASSERT(co_sched_lane_add(t.s, aid, tenant, weight_of(c)) ==
				  m.lane_add(aid, tenant, weight_of(c)));
			break;
		case 2:
			RC_ASSERT(co_sched_lane_remove(t.s, aid) == m.lane_remove(aid));
			break;
		case 3:
			RC_ASSERT(co_sched_lane_set_weight(t.s, aid, weight_of(c)) ==
				  m.lane_set_weight(aid, weight_of(c)));
			break;
		case 4:
			RC_ASSERT(co_sched_tenant_set_weight(t.s, tenant, weight_of(c)) ==
				  m.tenant_set_weight(tenant, weight_of(c)));
			break;
		case 5:
		case 6:
		case 7:
		case 8:
			// A queued entity keeps its lane (the scheduler owns it); else a new one.
			if (!m.ents[ent].queued) {
				es.e[ent].aid = 1 + b % kAids;
				m.ents[ent].aid = es.e[ent].aid;
			}
			RC_ASSERT(co_sched_enqueue(t.s, es.at(ent)) == m.enqueue((int)ent));
			break;
		case 9:
		case 10:
		case 11: {
			co_sched_entity *e = pick();
			if (e && c % 2) {
				u64 units = units_of(b, c);
				RC_ASSERT(co_sched_charge(t.s, e->aid, units) ==
					  m.charge(e->aid, units));
			}
			break;
		}
		case 12:
			if (!picked.empty() && b % 4) {
				putback((size_t)picked.back());
				picked.pop_back();
			} else {
				putback(ent); // any entity: queued ones answer -EALREADY
			}
			break;
		case 13:
			RC_ASSERT(co_sched_cancel(t.s, es.at(ent)) == m.cancel((int)ent));
			break;
		case 14:
			RC_ASSERT(co_sched_charge(t.s, aid, units_of(b, c)) ==
				  m.charge(aid, units_of(b, c)));
			break;
		default: {
			// Several picks put back at once, in reverse: the next picks repeat them.
			size_t n = 1 + c % 4, before = picked.size();
			for (size_t i = 0; i < n; i++)
				pick();
			for (size_t i = picked.size(); i > before; i--) {
				putback((size_t)picked.back());
				picked.pop_back();
			}
			break;
		}
		}
		compare(t, m, es);
	}
	// Drain: the remaining order matches too.
	for (u32 i = 0; i <= kEntities; i++)
		pick();
	compare(t, m, es);
}

RC_GTEST_PROP(SchedModel, FairMatchesTheModel, ())
{
	run_against_model(CO_SCHED_FAIR, *ops_gen());
}

RC_GTEST_PROP(SchedModel, FifoMatchesTheModel, ())
{
	run_against_model(CO_SCHED_FIFO, *ops_gen());
}

RC_GTEST_PROP(SchedModel, PerProcessMatchesTheModel, ())
{
	run_against_model(CO_SCHED_PER_PROCESS, *ops_gen());
}

// A fair instance with every tenant continuously backlogged (two entities per lane, each
// queued again right after its turn); `idle_every` > 0 makes tenants drop out and come back.
struct FairLoad {
	Sched t;
	Entities es;
	std::vector<u32> tenant_of; // by entity
	std::vector<u32> weights;   // by tenant
	std::vector<u64> served, charges;
	u64 max_turn_units;

	FairLoad(const std::vector<u32> &lanes, const std::vector<u32> &tw,
		 const std::vector<u32> &lw, u64 umax)
		: t(CO_SCHED_FAIR, 64, 16), es(128), weights(tw), served(tw.size()),
		  charges(tw.size()), max_turn_units(umax)
	{
		u64 aid = 1;
		size_t ent = 0;
		for (u32 tn = 0; tn < lanes.size(); tn++) {
			RC_ASSERT(co_sched_tenant_set_weight(t.s, tn, tw[tn]) == 0);
			for (u32 k = 0; k < lanes[tn]; k++, aid++) {
				RC_ASSERT(co_sched_lane_add(t.s, aid, tn, lw[(aid - 1) % lw.size()]) == 0);
				for (int j = 0; j < 2; j++, ent++) {
					RC_ASSERT(es.enqueue(t.s, ent, aid) == 0);
					tenant_of.push_back(tn);
				}
			}
		}
	}

	// One turn's charge can move a counter at most this far.
	u64 max_increment() const
	{
		u32 wmin = *std::min_element(weights.begin(), weights.end());
		return max_turn_units * CO_SCHED_WEIGHT_SCALE / wmin;
	}

	// Picks, charges units, requeues unless requeue is false; the entity served.
	co_sched_entity *turn(u64 units, bool requeue = true)
	{
		co_sched_entity *e = co_sched_pick(t.s);
		RC_ASSERT(e != nullptr);
		u32 tn = tenant_of[(size_t)es.id_of(e)];
		RC_ASSERT(co_sched_charge(t.s, e->aid, units) == 0);
		served[tn] += units;
		charges[tn]++;
		if (requeue)
			RC_ASSERT(co_sched_enqueue(t.s, e) == 0);
		return e;
	}
};

RC_GTEST_PROP(SchedFairBound, ServiceDifferenceWithinOneTurn, ())
{
	const u32 ntenants = *rc::gen::inRange(2u, 7u);
	const auto lanes = *rc::gen::container<std::vector<u32>>(ntenants, rc::gen::inRange(1u, 5u));
	const auto tw = *rc::gen::container<std::vector<u32>>(ntenants, rc::gen::inRange(1u, 9u));
	const auto lw = *rc::gen::container<std::vector<u32>>(4, rc::gen::inRange(1u, 5u));
	const u64 umax = *rc::gen::inRange(1u, 17u);
	const auto units = *rc::gen::container<std::vector<u64>>(
		(size_t)*rc::gen::inRange(100, 600), rc::gen::inRange<u64>(1, umax + 1));
	FairLoad f(lanes, tw, lw, umax);
	const u64 bound = f.max_increment();
	for (u64 u : units) {
		f.turn(u);
		for (u32 a = 0; a < ntenants; a++)
			for (u32 b = a + 1; b < ntenants; b++) {
				// |S_a / w_a - S_b / w_b| * SCALE, cross-multiplied to stay exact.
				unsigned __int128 na = (unsigned __int128)f.served[a] * tw[b];
				unsigned __int128 nb = (unsigned __int128)f.served[b] * tw[a];
				unsigned __int128 diff = (na > nb ? na - nb : nb - na) * CO_SCHED_WEIGHT_SCALE;
				// Each charge rounds its counter step down by less than one scaled unit.
				unsigned __int128 slack = bound + f.charges[a] + f.charges[b];
				RC_ASSERT(diff <= slack * tw[a] * tw[b]);
			}
	}
	RC_ASSERT(f.t.stats().max_backlogged_spread <= bound);
	RC_ASSERT(co_sched_check(f.t.s));
}

RC_GTEST_PROP(SchedFairBound, ReturningTenantsStayWithinOneTurn, ())
{
	const u32 ntenants = *rc::gen::inRange(2u, 7u);
	const auto lanes = *rc::gen::container<std::vector<u32>>(ntenants, rc::gen::inRange(1u, 4u));
	const auto tw = *rc::gen::container<std::vector<u32>>(ntenants, rc::gen::inRange(1u, 9u));
	const u64 umax = *rc::gen::inRange(1u, 17u);
	const auto script = *rc::gen::container<std::vector<std::pair<u64, u8>>>(
		(size_t)*rc::gen::inRange(100, 600),
		rc::gen::pair(rc::gen::inRange<u64>(1, umax + 1), rc::gen::arbitrary<u8>()));
	FairLoad f(lanes, tw, { 1, 2, 3 }, umax);
	std::vector<co_sched_entity *> parked; // entities of tenants gone idle
	for (const auto &[u, r] : script) {
		if (r % 16 == 0 && parked.empty()) {
			// A tenant (not the last backlogged one) goes idle: cancel all it has queued.
			u32 tn = r / 16 % ntenants;
			for (size_t i = 0; i < f.tenant_of.size(); i++)
				if (f.tenant_of[i] == tn && f.es.e[i].queued) {
					RC_ASSERT(co_sched_cancel(f.t.s, f.es.at(i)) == 0);
					parked.push_back(f.es.at(i));
				}
			if (f.t.stats().queued == 0) {
				for (co_sched_entity *e : parked)
					RC_ASSERT(co_sched_enqueue(f.t.s, e) == 0);
				parked.clear();
			}
		} else if (r % 16 == 1 && !parked.empty()) {
			for (co_sched_entity *e : parked)
				RC_ASSERT(co_sched_enqueue(f.t.s, e) == 0); // it comes back
			parked.clear();
		}
		f.turn(u);
		RC_ASSERT(f.t.stats().max_backlogged_spread <= f.max_increment());
	}
	RC_ASSERT(co_sched_check(f.t.s));
}

} // namespace
