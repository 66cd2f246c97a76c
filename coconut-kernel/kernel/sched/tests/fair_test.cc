// The fair policy's promises, each against the per-process baseline where that shows the
// difference: a tenant's share does not grow with its lanes, weights divide service, an idle
// tenant returning gets no burst without a lag limit (the VTC lift) and exactly its credit with
// one, debt is kept, the spread statistic stays within one turn (plus the credit); wakeup
// preemption, contention and holds as devices use them. Also determinism: picks do not depend
// on where memory lies.
#include "sched_util.h"

#include <cstdlib>

using namespace sched_test;

namespace {

// A workload where every lane always has work: two entities per lane, and each pick is charged
// and its entity queued again at once, so no lane (and no tenant) is ever idle, not even
// between a pick and the requeue -- a lane that empties is lifted when it returns, which would
// take back the credit its weight earned.
struct Backlogged {
	Sched t;
	Entities es;
	std::vector<u32> tenant_of; // by entity
	std::map<u32, u64> served;

	Backlogged(u32 policy, const std::vector<std::pair<u32, u32>> &lanes_per_tenant)
		: t(policy, 256, 16), es(256)
	{
		u64 aid = 100;
		size_t i = 0;
		for (const auto &[tenant, lanes] : lanes_per_tenant) {
			for (u32 k = 0; k < lanes; k++, aid++) {
				EXPECT_EQ(co_sched_lane_add(t.s, aid, tenant, 1), 0);
				for (int j = 0; j < 2; j++, i++) {
					EXPECT_EQ(es.enqueue(t.s, i, aid), 0);
					tenant_of.push_back(tenant);
				}
			}
		}
	}

	// One turn; the tenant served.
	u32 turn(u64 units = 1)
	{
		co_sched_entity *e = co_sched_pick(t.s);
		EXPECT_NE(e, nullptr);
		u32 tenant = tenant_of[(size_t)es.id_of(e)];
		EXPECT_EQ(co_sched_charge(t.s, e->aid, units), 0);
		EXPECT_EQ(co_sched_enqueue(t.s, e), 0);
		served[tenant] += units;
		return tenant;
	}
	// Makes aid's lane idle: its queued entities are cancelled.
	void idle(u64 aid)
	{
		for (co_sched_entity &e : es.e)
			if (e.queued && e.aid == aid) {
				EXPECT_EQ(co_sched_cancel(t.s, &e), 0);
			}
	}
	void run(u32 turns)
	{
		for (u32 i = 0; i < turns; i++)
			turn();
	}
};

TEST(SchedFair, ShareDoesNotGrowWithLanes)
{
	Backlogged fair(CO_SCHED_FAIR, { { 1, 10 }, { 2, 1 } });
	fair.run(1000);
	EXPECT_LE(std::llabs((long long)fair.served[1] - (long long)fair.served[2]), 1)
		<< "10 lanes: " << fair.served[1] << ", 1 lane: " << fair.served[2];
	EXPECT_TRUE(co_sched_check(fair.t.s));

	Backlogged rr(CO_SCHED_PER_PROCESS, { { 1, 10 }, { 2, 1 } });
	rr.run(1100);
	EXPECT_EQ(rr.served[1], 1000u) << "per-process: one turn per lane, so 10:1";
	EXPECT_EQ(rr.served[2], 100u);
}

TEST(SchedFair, LanesOfOneTenantShareItsTurns)
{
	Backlogged fair(CO_SCHED_FAIR, { { 1, 4 }, { 2, 1 } });
	std::map<u64, u64> per_lane;
	for (u32 i = 0; i < 800; i++) {
		co_sched_entity *e = co_sched_pick(fair.t.s);
		ASSERT_NE(e, nullptr);
		per_lane[e->aid]++;
		ASSERT_EQ(co_sched_charge(fair.t.s, e->aid, 1), 0);
		ASSERT_EQ(co_sched_enqueue(fair.t.s, e), 0);
	}
	EXPECT_EQ(per_lane[104], 400u) << "tenant 2's one lane gets half";
	for (u64 aid = 100; aid < 104; aid++)
		EXPECT_EQ(per_lane[aid], 100u) << "tenant 1's four lanes split the other half";
}

TEST(SchedFair, WeightsDivideServiceWithinOneTurn)
{
	for (u32 w : { 2u, 3u, 7u }) {
		Backlogged fair(CO_SCHED_FAIR, { { 1, 1 }, { 2, 3 } });
		ASSERT_EQ(co_sched_tenant_set_weight(fair.t.s, 1, w), 0);
		for (u32 i = 1; i <= 600; i++) {
			fair.turn();
			// Normalized service differs by at most one turn of either tenant.
			long long diff = (long long)fair.served[1] - (long long)(w * fair.served[2]);
			ASSERT_LE(std::llabs(diff), (long long)w) << "turn " << i << " weight " << w;
		}
		EXPECT_GT(fair.served[1], fair.served[2]);
	}
}

TEST(SchedFair, LaneWeightsDivideTheTenantsTurns)
{
	Backlogged fair(CO_SCHED_FAIR, { { 1, 2 } });
	ASSERT_EQ(co_sched_lane_set_weight(fair.t.s, 100, 3), 0);
	std::map<u64, u64> per_lane;
	for (u32 i = 0; i < 400; i++) {
		co_sched_entity *e = co_sched_pick(fair.t.s);
		per_lane[e->aid]++;
		ASSERT_EQ(co_sched_charge(fair.t.s, e->aid, 1), 0);
		ASSERT_EQ(co_sched_enqueue(fair.t.s, e), 0);
	}
	// 3:1 within one turn of either lane (3 x floor(2^16 / 3) is a hair under 2^16).
	EXPECT_LE(std::llabs((long long)per_lane[100] - 3 * (long long)per_lane[101]), 3)
		<< per_lane[100] << " vs " << per_lane[101];
	EXPECT_GE(per_lane[101], 99u);
}

// Tenant 3 works, goes idle while 1 and 2 run for a long time, then returns with a deep queue.
// Without the lift it would hold every turn until its counter caught up (thousands of turns);
// with it, it gets its third, give or take one turn, from the first turn after its return.
TEST(SchedFair, ReturningTenantGetsNoBurst)
{
	Backlogged fair(CO_SCHED_FAIR, { { 1, 1 }, { 2, 1 }, { 3, 1 } });
	fair.run(300);
	fair.idle(102); // tenant 3's one lane
	fair.run(3000);
	EXPECT_FALSE(fair.t.tenant(3).backlogged);
	u64 before = fair.served[3];
	EXPECT_EQ(before, 100u);
	// Back, with plenty queued in its lane (and a new lane of its own).
	ASSERT_EQ(co_sched_lane_add(fair.t.s, 500, 3, 1), 0);
	for (size_t i = 10; i < 60; i++)
		ASSERT_EQ(fair.es.enqueue(fair.t.s, i, i % 2 ? 102 : 500), 0);
	fair.tenant_of.resize(256, 3);
	u64 t3 = 0;
	for (u32 turn = 1; turn <= 90; turn++) {
		co_sched_entity *e = co_sched_pick(fair.t.s);
		ASSERT_NE(e, nullptr);
		u32 tenant = fair.tenant_of[(size_t)fair.es.id_of(e)];
		ASSERT_EQ(co_sched_charge(fair.t.s, e->aid, 1), 0);
		if (tenant == 3)
			t3++;
		else
			ASSERT_EQ(co_sched_enqueue(fair.t.s, e), 0);
		// At most a third of the turns since its return, plus one turn.
		ASSERT_LE(3 * t3, (u64)turn + 3) << "turn " << turn;
		ASSERT_GE(3 * t3 + 3, (u64)turn) << "and not starved either, turn " << turn;
	}
	co_sched_stats st = fair.t.stats();
	EXPECT_LE(st.max_backlogged_spread, (u64)CO_SCHED_WEIGHT_SCALE)
		<< "one unit turn at weight 1";
}

// A tenant never seen before starts level with the others, not at 0, with or without a lag
// limit: credit is earned by waiting while others are served, not by being new.
TEST(SchedFair, NewTenantStartsLevel)
{
	for (u64 lag : { 0u, 50u }) {
		Backlogged fair(CO_SCHED_FAIR, { { 1, 1 }, { 2, 1 } });
		ASSERT_EQ(co_sched_set_lag_limit(fair.t.s, lag), 0);
		fair.run(1000);
		ASSERT_EQ(co_sched_lane_add(fair.t.s, 900, 9, 1), 0);
		for (size_t i = 10; i < 40; i++)
			ASSERT_EQ(fair.es.enqueue(fair.t.s, i, 900), 0);
		fair.tenant_of.resize(256, 9);
		u32 t9 = 0;
		for (u32 turn = 1; turn <= 30; turn++) {
			co_sched_entity *e = co_sched_pick(fair.t.s);
			u32 tenant = fair.tenant_of[(size_t)fair.es.id_of(e)];
			ASSERT_EQ(co_sched_charge(fair.t.s, e->aid, 1), 0);
			if (tenant == 9)
				t9++;
			else
				ASSERT_EQ(co_sched_enqueue(fair.t.s, e), 0);
			ASSERT_LE(3 * t9, turn + 3) << "turn " << turn << " lag " << lag;
		}
		EXPECT_GE(t9, 9u);
	}
}

// The same inside a tenant: a lane idle while its sibling worked does not take the tenant's
// turns for itself when it returns.
TEST(SchedFair, ReturningLaneGetsNoBurstWithinItsTenant)
{
	Backlogged fair(CO_SCHED_FAIR, { { 1, 2 } });
	fair.idle(101);
	fair.run(500);
	for (size_t i = 2; i < 20; i++)
		ASSERT_EQ(fair.es.enqueue(fair.t.s, i, 101), 0);
	u32 lane101 = 0;
	for (u32 turn = 1; turn <= 16; turn++) {
		co_sched_entity *e = co_sched_pick(fair.t.s);
		ASSERT_EQ(co_sched_charge(fair.t.s, e->aid, 1), 0);
		if (e->aid == 101)
			lane101++;
		else
			ASSERT_EQ(co_sched_enqueue(fair.t.s, e), 0);
		ASSERT_LE(2 * lane101, turn + 2) << "turn " << turn;
	}
}

// With a lag limit, the same return is served first, for exactly the credit and no more: tenant
// 3 was idle for 3000 turns (far past the limit) and comes back with a deep queue; it holds the
// resource for L units (its credit), then the three share turns again. The hour-idle tenant of
// the VTC concern gets the limit, not the hour.
TEST(SchedFair, ReturningTenantHasBoundedCredit)
{
	for (u64 lag : { 5u, 40u }) {
		Backlogged fair(CO_SCHED_FAIR, { { 1, 1 }, { 2, 1 }, { 3, 1 } });
		ASSERT_EQ(co_sched_set_lag_limit(fair.t.s, lag), 0);
		fair.run(300);
		fair.idle(102);
		fair.run(3000);
		for (size_t i = 10; i < 200; i++)
			ASSERT_EQ(fair.es.enqueue(fair.t.s, i, 102), 0);
		fair.tenant_of.resize(256, 3);
		std::vector<u32> order;
		for (u32 turn = 0; turn < lag + 60; turn++) {
			co_sched_entity *e = co_sched_pick(fair.t.s);
			ASSERT_NE(e, nullptr);
			const u32 tenant = fair.tenant_of[(size_t)fair.es.id_of(e)];
			order.push_back(tenant);
			ASSERT_EQ(co_sched_charge(fair.t.s, e->aid, 1), 0);
			if (tenant != 3) {
				ASSERT_EQ(co_sched_enqueue(fair.t.s, e), 0);
			}
		}
		// Its first `lag` turns (give or take the one the others' counters lead by) are all
		// its own...
		for (u32 i = 0; i + 1 < lag; i++)
			ASSERT_EQ(order[i], 3u) << "lag " << lag << " turn " << i;
		// ... then a third of the turns, as before it left.
		u32 t3 = 0;
		for (u32 i = lag + 1; i < lag + 61 && i < order.size(); i++)
			t3 += order[i] == 3;
		EXPECT_GE(t3, 17u) << "lag " << lag;
		EXPECT_LE(t3, 23u) << "lag " << lag;
		co_sched_stats st = fair.t.stats();
		EXPECT_LE(st.max_backlogged_spread, (lag + 1) * CO_SCHED_WEIGHT_SCALE)
			<< "one turn plus the credit";
	}
}

// A tenant that used its share keeps its debt: the credit is a floor on how far behind one may
// be placed, never a reset. Tenant 1 takes 100 units alone, leaves, and returns while tenant 2
// (which had nothing) works: 2 goes first until it catches up.
TEST(SchedFair, DebtIsKept)
{
	Sched t(CO_SCHED_FAIR, 8, 4);
	Entities es(4);
	ASSERT_EQ(co_sched_set_lag_limit(t.s, 1000), 0);
	ASSERT_EQ(co_sched_lane_add(t.s, 1, 1, 1), 0);
	ASSERT_EQ(co_sched_lane_add(t.s, 2, 2, 1), 0);
	ASSERT_EQ(es.enqueue(t.s, 0, 1), 0);
	ASSERT_EQ(co_sched_pick(t.s), es.at(0));
	ASSERT_EQ(co_sched_charge(t.s, 1, 100), 0);
	ASSERT_EQ(es.enqueue(t.s, 1, 2), 0);
	ASSERT_EQ(es.enqueue(t.s, 0, 1), 0);
	EXPECT_EQ(co_sched_pick(t.s), es.at(1)) << "tenant 2 (no debt) first";
	EXPECT_GT(t.tenant(1).counter, t.tenant(2).counter);
}

// Wakeup preemption: work returning with credit takes the place of work that used its share,
// not the other way round, and only under fair.
TEST(SchedFair, WakeupPreemptsOnlyWithCredit)
{
	for (u32 policy : { CO_SCHED_FAIR, CO_SCHED_FIFO, CO_SCHED_PER_PROCESS }) {
		Sched t(policy, 8, 4);
		Entities es(8);
		ASSERT_EQ(co_sched_set_lag_limit(t.s, 50), 0);
		ASSERT_EQ(co_sched_lane_add(t.s, 1, 1, 1), 0); // the flood
		ASSERT_EQ(co_sched_lane_add(t.s, 2, 2, 1), 0); // a victim
		for (size_t i = 0; i < 4; i++)
			ASSERT_EQ(es.enqueue(t.s, i, 1), 0);
		for (int turn = 0; turn < 3; turn++) {
			co_sched_entity *e = co_sched_pick(t.s);
			ASSERT_EQ(co_sched_charge(t.s, 1, 10), 0);
			ASSERT_EQ(co_sched_enqueue(t.s, e), 0);
		}
		co_sched_entity *running = co_sched_pick(t.s);
		ASSERT_EQ(running->aid, 1u);
		ASSERT_EQ(es.enqueue(t.s, 5, 2), 0); // the victim wakes
		const bool fair = policy == CO_SCHED_FAIR;
		EXPECT_EQ(co_sched_wakeup_preempts(t.s, 2, 1), fair) << co_sched_policy_name(policy);
		EXPECT_FALSE(co_sched_wakeup_preempts(t.s, 1, 2)) << "the flood never preempts";
		EXPECT_FALSE(co_sched_wakeup_preempts(t.s, 2, 2)) << "nor a lane itself";
		EXPECT_FALSE(co_sched_wakeup_preempts(t.s, 2, 77)) << "nor an unknown lane";
		ASSERT_EQ(co_sched_charge(t.s, 1, 1), 0);
		ASSERT_EQ(co_sched_putback(t.s, running), 0);
		while (co_sched_pick(t.s)) {
		}
	}
}

// Contention, as a device asks it about the job it serves: may it serve that job to the end
// in one turn?
TEST(SchedFair, ContendedAnswersPerPolicy)
{
	for (u32 policy : { CO_SCHED_FAIR, CO_SCHED_FIFO, CO_SCHED_PER_PROCESS }) {
		Sched t(policy, 8, 4);
		Entities es(4);
		ASSERT_EQ(co_sched_lane_add(t.s, 1, 1, 1), 0);
		ASSERT_EQ(co_sched_lane_add(t.s, 2, 2, 1), 0);
		ASSERT_EQ(es.enqueue(t.s, 0, 1), 0);
		ASSERT_EQ(es.enqueue(t.s, 1, 1), 0); // its own lane's next job
		co_sched_entity *e = co_sched_pick(t.s);
		ASSERT_EQ(e, es.at(0));
		// Only its own lane waits: fair and fifo serve it on; per-process has another task.
		EXPECT_EQ(co_sched_contended(t.s, e), policy == CO_SCHED_PER_PROCESS)
			<< co_sched_policy_name(policy);
		ASSERT_EQ(es.enqueue(t.s, 2, 2), 0);
		// Another lane waits: fair contends; fifo does not (the running job is older).
		EXPECT_EQ(co_sched_contended(t.s, e), policy != CO_SCHED_FIFO)
			<< co_sched_policy_name(policy);
		ASSERT_EQ(co_sched_putback(t.s, e), 0);
		while (co_sched_pick(t.s)) {
		}
	}
}

// Batch admission: a held tenant is skipped, its work waits in place, its weight still counts,
// and release puts it back where it was (no placement). fifo and per-process refuse holds.
TEST(SchedFair, HoldSkipsATenantUntilReleased)
{
	Sched t(CO_SCHED_FAIR, 8, 4);
	Entities es(6);
	ASSERT_EQ(co_sched_tenant_set_weight(t.s, 2, 3), 0);
	ASSERT_EQ(co_sched_lane_add(t.s, 1, 1, 1), 0);
	ASSERT_EQ(co_sched_lane_add(t.s, 2, 2, 1), 0);
	for (size_t i = 0; i < 3; i++) {
		ASSERT_EQ(es.enqueue(t.s, i, 1), 0);
		ASSERT_EQ(es.enqueue(t.s, i + 3, 2), 0);
	}
	EXPECT_EQ(t.stats().backlogged_weight, 4u);
	EXPECT_EQ(co_sched_tenant_hold(t.s, 1), 0);
	EXPECT_EQ(co_sched_tenant_hold(t.s, 1), 0) << "idempotent";
	EXPECT_EQ(co_sched_tenant_hold(t.s, 42), -ENOENT);
	EXPECT_TRUE(t.tenant(1).held);
	EXPECT_TRUE(co_sched_check(t.s));
	for (size_t i = 3; i < 6; i++) {
		co_sched_entity *e = co_sched_pick(t.s);
		ASSERT_EQ(e, es.at(i)) << "only tenant 2 while 1 is held";
		ASSERT_EQ(co_sched_charge(t.s, 2, 1), 0);
	}
	EXPECT_EQ(co_sched_pick(t.s), nullptr) << "only held work left";
	EXPECT_EQ(t.stats().queued, 3u);
	EXPECT_EQ(t.stats().backlogged_weight, 1u) << "tenant 2 is idle, 1 is held and backlogged";
	const u64 counter = t.tenant(1).counter;
	co_sched_release_holds(t.s);
	EXPECT_FALSE(t.tenant(1).held);
	EXPECT_EQ(t.tenant(1).counter, counter) << "released, not placed";
	EXPECT_EQ(co_sched_pick(t.s), es.at(0));
	EXPECT_TRUE(co_sched_check(t.s));
	while (co_sched_pick(t.s)) {
	}
	for (u32 policy : { CO_SCHED_FIFO, CO_SCHED_PER_PROCESS }) {
		Sched o(policy, 4, 4);
		ASSERT_EQ(co_sched_lane_add(o.s, 1, 1, 1), 0);
		EXPECT_EQ(co_sched_tenant_hold(o.s, 1), -EOPNOTSUPP);
	}
}

TEST(SchedFair, LagLimitIsBounded)
{
	Sched t(CO_SCHED_FAIR, 4, 4);
	EXPECT_EQ(co_sched_lag_limit(t.s), 0u) << "the VTC lift by default";
	EXPECT_EQ(co_sched_set_lag_limit(t.s, CO_SCHED_LAG_UNITS_MAX), 0);
	EXPECT_EQ(co_sched_set_lag_limit(t.s, CO_SCHED_LAG_UNITS_MAX + 1), -EINVAL);
	EXPECT_EQ(co_sched_lag_limit(t.s), CO_SCHED_LAG_UNITS_MAX);
}

// Under fifo the same return is a burst: everything tenant 3 queued goes first. The gate in
// the simulator depends on the policies differing like this.
TEST(SchedFair, FifoLetsAFloodThrough)
{
	Backlogged fifo(CO_SCHED_FIFO, { { 1, 1 }, { 2, 1 } });
	fifo.run(10);
	ASSERT_EQ(co_sched_lane_add(fifo.t.s, 500, 3, 1), 0);
	for (size_t i = 10; i < 60; i++)
		ASSERT_EQ(fifo.es.enqueue(fifo.t.s, i, 500), 0);
	fifo.tenant_of.resize(256, 3);
	u32 others = 0;
	for (u32 turn = 0; turn < 54; turn++) {
		co_sched_entity *e = co_sched_pick(fifo.t.s);
		if (fifo.tenant_of[(size_t)fifo.es.id_of(e)] != 3) {
			others++;
			ASSERT_EQ(co_sched_enqueue(fifo.t.s, e), 0);
		}
	}
	EXPECT_EQ(others, 4u) << "the four queued before the flood, then all 50 of the flood";
}

TEST(SchedFair, SpreadStaysWithinOneTurn)
{
	Backlogged fair(CO_SCHED_FAIR, { { 1, 3 }, { 2, 1 }, { 3, 2 }, { 4, 1 } });
	ASSERT_EQ(co_sched_tenant_set_weight(fair.t.s, 2, 4), 0);
	ASSERT_EQ(co_sched_tenant_set_weight(fair.t.s, 3, 2), 0);
	u64 x = 1;
	for (u32 i = 0; i < 2000; i++) {
		x = x * 6364136223846793005ull + 1;
		fair.turn(1 + (x >> 59)); // 1..32 units
	}
	co_sched_stats st = fair.t.stats();
	EXPECT_GT(st.max_backlogged_spread, 0u);
	EXPECT_LE(st.max_backlogged_spread, 32ull * CO_SCHED_WEIGHT_SCALE / 1)
		<< "max turn * SCALE / min weight";
	// And each tenant's normalized service is within that of every other.
	for (u32 a = 1; a <= 4; a++)
		for (u32 b = 1; b <= 4; b++) {
			u64 na = fair.served[a] * CO_SCHED_WEIGHT_SCALE / fair.t.tenant(a).weight;
			u64 nb = fair.served[b] * CO_SCHED_WEIGHT_SCALE / fair.t.tenant(b).weight;
			EXPECT_LE(na > nb ? na - nb : nb - na, 32ull * CO_SCHED_WEIGHT_SCALE)
				<< a << " vs " << b;
		}
}

// The same calls give the same picks whatever the addresses: entities laid out in reverse, and
// the instance allocated after unrelated allocations moved the heap.
TEST(SchedDeterminism, PicksDoNotDependOnAddresses)
{
	for (u32 p : { CO_SCHED_FAIR, CO_SCHED_FIFO, CO_SCHED_PER_PROCESS }) {
		auto run = [p](bool reversed) {
			std::vector<std::unique_ptr<char[]>> junk;
			if (reversed)
				for (int i = 0; i < 37; i++)
					junk.emplace_back(new char[(size_t)(i * 97 + 1)]);
			Sched t(p, 32, 8);
			const size_t n = 64;
			Entities es(n);
			auto ent = [&](size_t i) { return reversed ? n - 1 - i : i; };
			for (u64 aid = 1; aid <= 24; aid++)
				EXPECT_EQ(co_sched_lane_add(t.s, aid * 3, (u32)(aid % 5), 1 + (u32)aid % 3),
					  0);
			std::vector<int> picks;
			u64 x = 99;
			for (u32 step = 0; step < 3000; step++) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				size_t i = ent((x >> 33) % n);
				if ((x >> 20) % 3 && !es.e[i].queued) {
					es.e[i].aid = 3 * (1 + (x >> 50) % 24);
					EXPECT_EQ(co_sched_enqueue(t.s, &es.e[i]), 0);
				} else {
					co_sched_entity *e = co_sched_pick(t.s);
					int id = es.id_of(e);
					picks.push_back(id < 0 ? -1 : (int)ent((size_t)id));
					if (e) {
						EXPECT_EQ(co_sched_charge(t.s, e->aid, 1 + (x >> 60)), 0);
					}
				}
			}
			return picks;
		};
		std::vector<int> a = run(false), b = run(true);
		EXPECT_EQ(a, b) << co_sched_policy_name(p);
		EXPECT_GT(a.size(), 500u);
	}
}

} // namespace
