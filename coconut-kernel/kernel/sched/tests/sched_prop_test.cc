// RapidCheck properties of kernel/sched (seed pinned by CTest's RC_PARAMS):
//  - random call sequences (lanes and tenants added, removed and re-weighted, entities
//    enqueued, picked, put back, cancelled, charged) give the same errnos, the same picks in the
//    same order, the same counts, counters and statistics as the reference model
//    (sched_model.h), under each policy, with the instance's own check after every call;
//  - fair, with every tenant continuously backlogged: the normalized service of any two tenants
//    never differs by more than one turn's charge over the smallest weight (plus the rounding
//    of the charges), and neither does the spread statistic;
//  - fair, with tenants going idle and coming back: the spread stays within one turn (lag limit
//    0, the VTC lift) or one turn plus the lag credit (a lag limit).
#include "sched_driver.h"
#include "sched_util.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <tuple>

using namespace sched_test;

namespace {

using sched_driver::Op;

rc::Gen<std::vector<Op>> ops_gen()
{
	return rc::gen::mapcat(rc::gen::inRange(20, 1200), [](int n) {
		return rc::gen::container<std::vector<Op>>((size_t)n, rc::gen::arbitrary<Op>());
	});
}

void run_against_model(u32 policy, const std::vector<Op> &ops)
{
	sched_driver::Driver d(policy);
	RC_ASSERT(d.created());
	for (const Op &op : ops) {
		std::string err = d.step(op);
		if (!err.empty())
			RC_FAIL(err);
	}
	std::string err = d.drain();
	if (!err.empty())
		RC_FAIL("drain: " + err);
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

// Tenants go idle and come back (their entities cancelled and queued again); with lag limit L
// every backlogged counter stays in [V - C, V + D] (C = L * SCALE), so the spread is at
// most D + C: one turn plus the credit. L = 0 is the VTC lift: within one turn.
void returning_tenants(u64 lag)
{
	const u32 ntenants = *rc::gen::inRange(2u, 7u);
	const auto lanes = *rc::gen::container<std::vector<u32>>(ntenants, rc::gen::inRange(1u, 4u));
	const auto tw = *rc::gen::container<std::vector<u32>>(ntenants, rc::gen::inRange(1u, 9u));
	const u64 umax = *rc::gen::inRange(1u, 17u);
	const auto script = *rc::gen::container<std::vector<std::pair<u64, u8>>>(
		(size_t)*rc::gen::inRange(100, 600),
		rc::gen::pair(rc::gen::inRange<u64>(1, umax + 1), rc::gen::arbitrary<u8>()));
	FairLoad f(lanes, tw, { 1, 2, 3 }, umax);
	RC_ASSERT(co_sched_set_lag_limit(f.t.s, lag) == 0);
	const u64 bound = f.max_increment() + lag * CO_SCHED_WEIGHT_SCALE;
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
		RC_ASSERT(f.t.stats().max_backlogged_spread <= bound);
	}
	RC_ASSERT(co_sched_check(f.t.s));
}

RC_GTEST_PROP(SchedFairBound, ReturningTenantsStayWithinOneTurn, ())
{
	returning_tenants(0);
}

RC_GTEST_PROP(SchedFairBound, ReturningTenantsStayWithinOneTurnPlusTheCredit, ())
{
	returning_tenants(*rc::gen::inRange<u64>(1, 200));
}

} // namespace
