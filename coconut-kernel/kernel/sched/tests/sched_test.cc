// kernel/sched: every errno of every call, the instance's one allocation, the AID index under
// churn, and each policy's order (fifo across lanes, per-process tasks in turn, putback and
// cancel), on the deterministic UserPlatform.
#include "sched_util.h"

#include <cstring>
#include <string>

using namespace sched_test;

namespace {

constexpr u32 kPolicies[] = { CO_SCHED_FAIR, CO_SCHED_FIFO, CO_SCHED_PER_PROCESS };

TEST(SchedNames, PolicyAndResourceNamesRoundTrip)
{
	EXPECT_STREQ(co_sched_policy_name(CO_SCHED_FAIR), "fair");
	EXPECT_STREQ(co_sched_policy_name(CO_SCHED_FIFO), "fifo");
	EXPECT_STREQ(co_sched_policy_name(CO_SCHED_PER_PROCESS), "per-process");
	EXPECT_EQ(co_sched_policy_name(CO_SCHED_POLICY_COUNT), nullptr);
	EXPECT_EQ(co_sched_policy_name(0xffffffffu), nullptr);
	for (u32 p : kPolicies) {
		const char *n = co_sched_policy_name(p);
		EXPECT_EQ(co_sched_policy_parse(n, std::strlen(n)), (int)p) << n;
	}
	EXPECT_STREQ(co_sched_resource_name(CO_SCHED_RES_CPU), "cpu");
	EXPECT_STREQ(co_sched_resource_name(CO_SCHED_RES_PCIE), "pcie");
	EXPECT_STREQ(co_sched_resource_name(CO_SCHED_RES_GPU), "gpu");
	EXPECT_STREQ(co_sched_resource_name(CO_SCHED_RES_TOKENS), "tokens");
	EXPECT_EQ(co_sched_resource_name(CO_SCHED_RES_COUNT), nullptr);
}

TEST(SchedNames, ParseRejectsAnythingButAnExactName)
{
	const char *bad[] = { "", "fai", "fairx", "FAIR", "Fair", "per_process", "perprocess",
			      "fifo ", " fifo", "rr" };
	for (const char *b : bad)
		EXPECT_EQ(co_sched_policy_parse(b, std::strlen(b)), -EINVAL) << "'" << b << "'";
	EXPECT_EQ(co_sched_policy_parse(nullptr, 4), -EINVAL);
	// The length decides, not a NUL: "fifo" within a longer buffer, and a prefix of one.
	EXPECT_EQ(co_sched_policy_parse("fifoXYZ", 4), CO_SCHED_FIFO);
	EXPECT_EQ(co_sched_policy_parse("fair", 3), -EINVAL);
	EXPECT_EQ(co_sched_policy_parse("fair\0", 5), -EINVAL);
}

TEST(SchedCreate, RejectsEveryOutOfRangeArgument)
{
	coconut::UserPlatform up;
	co_plat plat = up.plat();
	struct Case {
		u32 resource, policy, lanes_max, tenants_max;
		const char *field;
	} cases[] = {
		{ CO_SCHED_RES_COUNT, CO_SCHED_FAIR, 4, 4, "resource" },
		{ 0xffffffffu, CO_SCHED_FAIR, 4, 4, "resource" },
		{ CO_SCHED_RES_CPU, CO_SCHED_POLICY_COUNT, 4, 4, "policy" },
		{ CO_SCHED_RES_CPU, CO_SCHED_FAIR, 0, 4, "lanes_max" },
		{ CO_SCHED_RES_CPU, CO_SCHED_FAIR, CO_SCHED_LANES_MAX + 1, 4, "lanes_max" },
		{ CO_SCHED_RES_CPU, CO_SCHED_FAIR, 4, 0, "tenants_max" },
		{ CO_SCHED_RES_CPU, CO_SCHED_FAIR, 4, CO_SCHED_TENANTS_MAX + 1, "tenants_max" },
	};
	for (const Case &c : cases) {
		size_t lines = up.log_lines().size();
		EXPECT_EQ(co_sched_create(&plat, c.resource, c.policy, c.lanes_max, c.tenants_max),
			  nullptr)
			<< c.field;
		ASSERT_EQ(up.log_lines().size(), lines + 1) << c.field;
		EXPECT_NE(up.log_lines().back().text.find(c.field), std::string::npos)
			<< up.log_lines().back().text;
		EXPECT_EQ(up.live_allocations(), 0u);
	}
	EXPECT_EQ(co_sched_create(nullptr, 0, 0, 4, 4), nullptr);
	EXPECT_EQ(up.total_allocations(), 0u);
}

TEST(SchedCreate, OutOfMemoryIsNullAndLogged)
{
	coconut::UserPlatform up;
	co_plat plat = up.plat();
	up.fail_allocation_in(0);
	EXPECT_EQ(co_sched_create(&plat, CO_SCHED_RES_GPU, CO_SCHED_FAIR, 8, 2), nullptr);
	ASSERT_FALSE(up.log_lines().empty());
	EXPECT_NE(up.log_lines().back().text.find("ENOMEM"), std::string::npos);
	EXPECT_EQ(up.live_allocations(), 0u);
}

TEST(SchedCreate, OneAllocationAtCreateNoneAfter)
{
	for (u32 p : kPolicies) {
		Sched t(p, CO_SCHED_LANES_MAX, CO_SCHED_TENANTS_MAX, CO_SCHED_RES_TOKENS);
		ASSERT_NE(t.s, nullptr);
		EXPECT_EQ(t.up.total_allocations(), 1u);
		EXPECT_EQ(co_sched_policy_of(t.s), p);
		EXPECT_EQ(co_sched_resource_of(t.s), (u32)CO_SCHED_RES_TOKENS);
		Entities es(CO_SCHED_LANES_MAX);
		for (u32 i = 0; i < CO_SCHED_LANES_MAX; i++) {
			ASSERT_EQ(co_sched_lane_add(t.s, 1000 + i, i % CO_SCHED_TENANTS_MAX, 1 + i % 7),
				  0);
			ASSERT_EQ(es.enqueue(t.s, i, 1000 + i), 0);
		}
		for (u32 i = 0; i < CO_SCHED_LANES_MAX; i++) {
			co_sched_entity *e = co_sched_pick(t.s);
			ASSERT_NE(e, nullptr);
			ASSERT_EQ(co_sched_charge(t.s, e->aid, 100), 0);
		}
		EXPECT_EQ(co_sched_pick(t.s), nullptr);
		EXPECT_EQ(t.up.total_allocations(), 1u) << "no call after create allocates";
		EXPECT_TRUE(co_sched_check(t.s));
	}
	co_sched_destroy(nullptr); // a no-op, like kfree(NULL)
}

TEST(SchedLanes, AddErrors)
{
	Sched t(CO_SCHED_FAIR, 3, 2);
	EXPECT_EQ(co_sched_lane_add(t.s, 0, 1, 1), -EINVAL) << "aid 0 is no agent";
	EXPECT_EQ(co_sched_lane_add(t.s, 5, 1, 0), -EINVAL);
	EXPECT_EQ(co_sched_lane_add(t.s, 5, 1, CO_SCHED_WEIGHT_MAX + 1), -EINVAL);
	EXPECT_EQ(co_sched_get_tenant_info(t.s, 1, nullptr), -ENOENT)
		<< "a refused lane_add creates no tenant";
	EXPECT_EQ(co_sched_lane_add(t.s, 5, 1, CO_SCHED_WEIGHT_MAX), 0);
	EXPECT_EQ(co_sched_lane_add(t.s, 5, 1, 1), -EEXIST);
	EXPECT_EQ(co_sched_lane_add(t.s, 5, 2, 1), -EEXIST) << "in another tenant too";
	EXPECT_EQ(co_sched_lane_add(t.s, 6, 2, 1), 0);
	EXPECT_EQ(co_sched_lane_add(t.s, 7, 3, 1), -ENOSPC) << "tenants full";
	EXPECT_EQ(co_sched_lane_add(t.s, 7, 1, 1), 0) << "an existing tenant still has room";
	EXPECT_EQ(co_sched_lane_add(t.s, 8, 1, 1), -ENOSPC) << "lanes full";
	EXPECT_EQ(t.stats().lanes, 3u);
	EXPECT_EQ(t.stats().tenants, 2u);
	EXPECT_EQ(t.tenant(1).lanes, 2u);
	EXPECT_EQ(t.tenant(1).weight, CO_SCHED_WEIGHT_DEFAULT);
	ASSERT_EQ(co_sched_lane_remove(t.s, 5), 0);
	EXPECT_EQ(co_sched_lane_add(t.s, 8, 1, 1), 0) << "a removed lane's room is reused";
}

TEST(SchedLanes, RemoveAndWeightErrors)
{
	Sched t(CO_SCHED_FIFO, 4, 4);
	Entities es(1);
	EXPECT_EQ(co_sched_lane_remove(t.s, 9), -ENOENT);
	EXPECT_EQ(co_sched_lane_remove(t.s, 0), -ENOENT);
	ASSERT_EQ(co_sched_lane_add(t.s, 9, 0, 1), 0);
	ASSERT_EQ(es.enqueue(t.s, 0, 9), 0);
	EXPECT_EQ(co_sched_lane_remove(t.s, 9), -EBUSY);
	EXPECT_EQ(co_sched_lane_set_weight(t.s, 10, 1), -ENOENT);
	EXPECT_EQ(co_sched_lane_set_weight(t.s, 9, 0), -EINVAL);
	EXPECT_EQ(co_sched_lane_set_weight(t.s, 9, CO_SCHED_WEIGHT_MAX + 1), -EINVAL);
	EXPECT_EQ(co_sched_lane_set_weight(t.s, 9, 3), 0);
	EXPECT_EQ(co_sched_cancel(t.s, es.at(0)), 0);
	EXPECT_EQ(co_sched_lane_remove(t.s, 9), 0);
	EXPECT_EQ(co_sched_lane_remove(t.s, 9), -ENOENT);
	EXPECT_EQ(t.tenant(0).lanes, 0u) << "the tenant stays, without lanes";
}

TEST(SchedTenants, SetWeightErrorsAndCreation)
{
	Sched t(CO_SCHED_FAIR, 4, 2);
	struct co_sched_tenant_info ti;
	EXPECT_EQ(co_sched_get_tenant_info(t.s, 7, &ti), -ENOENT);
	EXPECT_EQ(co_sched_tenant_set_weight(t.s, 7, 0), -EINVAL);
	EXPECT_EQ(co_sched_tenant_set_weight(t.s, 7, CO_SCHED_WEIGHT_MAX + 1), -EINVAL);
	EXPECT_EQ(co_sched_get_tenant_info(t.s, 7, &ti), -ENOENT) << "a refused weight creates nothing";
	EXPECT_EQ(co_sched_tenant_set_weight(t.s, 7, 5), 0);
	ti = t.tenant(7);
	EXPECT_EQ(ti.tenant, 7u);
	EXPECT_EQ(ti.weight, 5u);
	EXPECT_EQ(ti.lanes, 0u);
	EXPECT_FALSE(ti.backlogged);
	EXPECT_EQ(co_sched_tenant_set_weight(t.s, 0, 1), 0) << "tenant id 0 is a tenant";
	EXPECT_EQ(co_sched_tenant_set_weight(t.s, 8, 1), -ENOSPC);
	EXPECT_EQ(co_sched_tenant_set_weight(t.s, 7, CO_SCHED_WEIGHT_MAX), 0);
	EXPECT_EQ(t.tenant(7).weight, CO_SCHED_WEIGHT_MAX);
	EXPECT_EQ(t.stats().tenants, 2u);
}

TEST(SchedQueue, EnqueuePutbackCancelChargeErrors)
{
	for (u32 p : kPolicies) {
		Sched t(p, 4, 4);
		Sched other(p, 4, 4);
		Entities es(3);
		EXPECT_EQ(co_sched_pick(t.s), nullptr) << "nothing queued";
		EXPECT_EQ(es.enqueue(t.s, 0, 3), -ENOENT);
		EXPECT_EQ(es.e[0].queued, 0u);
		ASSERT_EQ(co_sched_lane_add(t.s, 3, 1, 1), 0);
		ASSERT_EQ(co_sched_lane_add(other.s, 3, 1, 1), 0);
		ASSERT_EQ(es.enqueue(t.s, 0, 3), 0);
		EXPECT_EQ(co_sched_enqueue(t.s, es.at(0)), -EALREADY);
		EXPECT_EQ(co_sched_enqueue(other.s, es.at(0)), -EALREADY) << "one scheduler at a time";
		EXPECT_EQ(co_sched_putback(t.s, es.at(0)), -EALREADY);
		EXPECT_EQ(co_sched_lane_queued(t.s, 3), 1u);
		EXPECT_EQ(co_sched_lane_queued(t.s, 4), 0u) << "no lane";
		EXPECT_EQ(co_sched_lane_queued(t.s, 0), 0u);

		EXPECT_EQ(co_sched_cancel(t.s, es.at(1)), -ENOENT) << "never queued";
		ASSERT_EQ(es.enqueue(other.s, 1, 3), 0);
		EXPECT_EQ(co_sched_cancel(t.s, es.at(1)), -ENOENT) << "queued in another scheduler";
		EXPECT_EQ(co_sched_lane_queued(other.s, 3), 1u);
		es.e[2].aid = 99;
		es.e[2].queued = 1; // claims to be queued on a lane t does not have
		EXPECT_EQ(co_sched_cancel(t.s, es.at(2)), -ENOENT);
		es.e[2].queued = 0;

		EXPECT_EQ(co_sched_charge(t.s, 4, 1), -ENOENT);
		EXPECT_EQ(co_sched_charge(t.s, 0, 1), -ENOENT);
		EXPECT_EQ(co_sched_charge(t.s, 3, 7), 0);
		EXPECT_EQ(t.tenant(1).served_units, 7u);

		co_sched_entity *e = co_sched_pick(t.s);
		ASSERT_EQ(e, es.at(0));
		EXPECT_EQ(e->queued, 0u);
		EXPECT_EQ(co_sched_cancel(t.s, e), -ENOENT) << "picked: no longer queued";
		ASSERT_EQ(co_sched_lane_remove(t.s, 3), 0);
		EXPECT_EQ(co_sched_putback(t.s, e), -ENOENT) << "its lane is gone";
		EXPECT_EQ(co_sched_cancel(other.s, es.at(1)), 0);
		co_sched_stats st = t.stats();
		EXPECT_EQ(st.enqueues, 1u);
		EXPECT_EQ(st.picks, 1u);
		EXPECT_EQ(st.putbacks, 0u);
		EXPECT_EQ(st.charged_units, 7u);
		EXPECT_EQ(st.queued, 0u);
	}
}

// Lanes come and go by the million with lanes_max small: lookups stay right and short.
TEST(SchedLanes, LookupStaysCorrectAcrossMillionsOfAids)
{
	Sched t(CO_SCHED_FAIR, 8, 4);
	std::map<u64, u32> live; // aid -> tenant
	u64 next = 1;
	u64 state = 0x243f6a8885a308d3ull;
	for (u32 round = 0; round < 400000; round++) {
		state = state * 6364136223846793005ull + 1442695040888963407ull;
		bool add = live.size() < 8 && ((state >> 33) % 3 != 0 || live.empty());
		if (add) {
			u64 aid = next;
			next += 1 + (state >> 60); // gaps, as when other agents take AIDs
			ASSERT_EQ(co_sched_lane_add(t.s, aid, (u32)(aid % 4), 1), 0);
			live[aid] = (u32)(aid % 4);
		} else {
			auto it = live.begin();
			std::advance(it, (long)((state >> 40) % live.size()));
			ASSERT_EQ(co_sched_lane_remove(t.s, it->first), 0);
			live.erase(it);
		}
		for (const auto &[aid, tenant] : live) {
			const co_sched_lane *l = co_sched_lane_find(t.s, aid);
			ASSERT_NE(l, nullptr) << aid;
			ASSERT_EQ(l->aid, aid);
			ASSERT_EQ(t.s->tenants[l->tenant].id, tenant);
		}
		// Recently removed and never-added AIDs are not found.
		ASSERT_EQ(co_sched_lane_find(t.s, next + 1), nullptr);
		if (next > 3 && !live.count(next - 3)) {
			ASSERT_EQ(co_sched_lane_find(t.s, next - 3), nullptr);
		}
	}
	EXPECT_GT(next, 1000000u) << "AIDs went past a million";
	EXPECT_TRUE(co_sched_check(t.s));
	EXPECT_LE(co_sched_lane_probe_max(t.s), 8u) << "probes stay short under churn";
}

TEST(SchedLanes, FullTableProbesStayShort)
{
	Sched t(CO_SCHED_FIFO, CO_SCHED_LANES_MAX, 1);
	for (u32 round = 0; round < 8; round++) {
		u64 base = 1 + (u64)round * 100003;
		for (u64 i = 0; i < CO_SCHED_LANES_MAX; i++)
			ASSERT_EQ(co_sched_lane_add(t.s, base + i * (round + 1), 0, 1), 0);
		for (u64 i = 0; i < CO_SCHED_LANES_MAX; i++)
			ASSERT_EQ(co_sched_lane_remove(t.s, base + i * (round + 1)), 0);
	}
	EXPECT_LE(co_sched_lane_probe_max(t.s), 16u);
}

// Picks of several entities, put back in reverse order, come out again in the same order,
// and the rest of the schedule is as if they had never been picked.
TEST(SchedQueue, PutbackInReverseRestoresTheOrder)
{
	for (u32 p : kPolicies) {
		auto run = [p](u32 repick) {
			Sched t(p, 8, 4);
			Entities es(12);
			for (u64 aid = 1; aid <= 4; aid++)
				EXPECT_EQ(co_sched_lane_add(t.s, aid, (u32)(aid % 2), 1), 0);
			for (size_t i = 0; i < 12; i++)
				EXPECT_EQ(es.enqueue(t.s, i, 1 + (i * 7) % 4), 0);
			std::vector<co_sched_entity *> held;
			for (u32 i = 0; i < repick; i++)
				held.push_back(co_sched_pick(t.s));
			for (size_t i = held.size(); i-- > 0;)
				EXPECT_EQ(co_sched_putback(t.s, held[i]), 0);
			std::vector<int> order;
			for (co_sched_entity *e; (e = co_sched_pick(t.s));) {
				order.push_back(es.id_of(e));
				EXPECT_EQ(co_sched_charge(t.s, e->aid, 1), 0);
			}
			EXPECT_EQ(t.stats().putbacks, repick);
			return order;
		};
		std::vector<int> plain = run(0);
		ASSERT_EQ(plain.size(), 12u);
		for (u32 k : { 1u, 3u, 5u, 12u })
			EXPECT_EQ(run(k), plain) << co_sched_policy_name(p) << " k=" << k;
	}
}

// A preempted slice: picked, charged for what it ran, put back. Fair lets the other tenant have
// its turn first; per-process lets the next task (the same lane's second entity, queued
// earlier than the other lane's) go first; fifo resumes the oldest. Put back before any charge
// (a turn not used), every policy serves it again at once.
TEST(SchedQueue, PutbackAfterAChargeHasUsedItsTurn)
{
	struct Want {
		u32 policy;
		int after_charge;
	} wants[] = { { CO_SCHED_FAIR, 2 }, { CO_SCHED_FIFO, 0 }, { CO_SCHED_PER_PROCESS, 1 } };
	for (const Want &w : wants) {
		for (bool charged : { true, false }) {
			Sched t(w.policy, 4, 4);
			Entities es(3);
			ASSERT_EQ(co_sched_lane_add(t.s, 1, 1, 1), 0);
			ASSERT_EQ(co_sched_lane_add(t.s, 2, 2, 1), 0);
			ASSERT_EQ(es.enqueue(t.s, 0, 1), 0);
			ASSERT_EQ(es.enqueue(t.s, 1, 1), 0);
			ASSERT_EQ(es.enqueue(t.s, 2, 2), 0);
			co_sched_entity *e = co_sched_pick(t.s);
			ASSERT_EQ(e, es.at(0));
			if (charged) {
				ASSERT_EQ(co_sched_charge(t.s, 1, 10), 0);
			}
			ASSERT_EQ(co_sched_putback(t.s, e), 0);
			EXPECT_EQ(es.id_of(co_sched_pick(t.s)), charged ? w.after_charge : 0)
				<< co_sched_policy_name(w.policy) << (charged ? " charged" : " uncharged");
			EXPECT_EQ(co_sched_lane_queued(t.s, 1) + co_sched_lane_queued(t.s, 2), 2u);
		}
	}
}

TEST(SchedQueue, PutbackKeepsSeqAndFifoPlace)
{
	Sched t(CO_SCHED_FIFO, 4, 2);
	Entities es(4);
	ASSERT_EQ(co_sched_lane_add(t.s, 1, 0, 1), 0);
	ASSERT_EQ(co_sched_lane_add(t.s, 2, 1, 1), 0);
	ASSERT_EQ(es.enqueue(t.s, 0, 1), 0);
	ASSERT_EQ(es.enqueue(t.s, 1, 2), 0);
	ASSERT_EQ(es.enqueue(t.s, 2, 2), 0);
	co_sched_entity *e = co_sched_pick(t.s);
	ASSERT_EQ(e, es.at(0));
	u64 seq = e->seq;
	ASSERT_EQ(es.enqueue(t.s, 3, 1), 0); // lane 1 now holds a younger entity
	ASSERT_EQ(co_sched_putback(t.s, e), 0);
	EXPECT_EQ(e->seq, seq);
	EXPECT_EQ(co_sched_pick(t.s), es.at(0)) << "the globally oldest again";
	EXPECT_EQ(co_sched_pick(t.s), es.at(1));
	EXPECT_EQ(co_sched_pick(t.s), es.at(2));
	EXPECT_EQ(co_sched_pick(t.s), es.at(3));
}

TEST(SchedQueue, CancelFromAnywhere)
{
	for (u32 p : kPolicies) {
		Sched t(p, 4, 2);
		Entities es(7);
		ASSERT_EQ(co_sched_lane_add(t.s, 1, 0, 1), 0);
		ASSERT_EQ(co_sched_lane_add(t.s, 2, 1, 1), 0);
		for (size_t i = 0; i < 6; i++)
			ASSERT_EQ(es.enqueue(t.s, i, 1), 0);
		ASSERT_EQ(es.enqueue(t.s, 6, 2), 0);
		EXPECT_EQ(co_sched_cancel(t.s, es.at(2)), 0) << "middle";
		EXPECT_EQ(co_sched_cancel(t.s, es.at(2)), -ENOENT) << "twice";
		EXPECT_EQ(es.e[2].queued, 0u);
		EXPECT_EQ(co_sched_cancel(t.s, es.at(5)), 0) << "tail";
		EXPECT_EQ(co_sched_cancel(t.s, es.at(0)), 0) << "head";
		EXPECT_EQ(co_sched_lane_queued(t.s, 1), 3u);
		EXPECT_EQ(t.stats().queued, 4u);
		EXPECT_TRUE(co_sched_check(t.s));
		// The tail moved back: a new entity follows 4.
		ASSERT_EQ(es.enqueue(t.s, 5, 1), 0);
		std::vector<int> lane1;
		for (co_sched_entity *e; (e = co_sched_pick(t.s));)
			if (e->aid == 1)
				lane1.push_back(es.id_of(e));
		EXPECT_EQ(lane1, (std::vector<int>{ 1, 3, 4, 5 })) << co_sched_policy_name(p);
		// Cancelling a lane's only entity makes it idle: nothing left to pick.
		ASSERT_EQ(es.enqueue(t.s, 6, 2), 0);
		EXPECT_EQ(co_sched_cancel(t.s, es.at(6)), 0);
		EXPECT_EQ(co_sched_pick(t.s), nullptr);
		EXPECT_EQ(co_sched_lane_remove(t.s, 2), 0);
	}
}

TEST(SchedFifo, GlobalArrivalOrderAcrossLanes)
{
	Sched t(CO_SCHED_FIFO, 8, 4);
	Entities es(40);
	for (u64 aid = 1; aid <= 5; aid++)
		ASSERT_EQ(co_sched_lane_add(t.s, aid * 1000, (u32)aid % 3, (u32)aid), 0);
	u64 x = 7;
	for (size_t i = 0; i < 40; i++) {
		x = x * 2862933555777941757ull + 3037000493ull;
		ASSERT_EQ(es.enqueue(t.s, i, 1000 * (1 + (x >> 61) % 5)), 0);
	}
	for (size_t i = 0; i < 40; i++) {
		co_sched_entity *e = co_sched_pick(t.s);
		ASSERT_EQ(es.id_of(e), (int)i);
		// Charges (heavier on some lanes) change nothing under fifo.
		ASSERT_EQ(co_sched_charge(t.s, e->aid, e->aid), 0);
	}
	EXPECT_EQ(t.stats().max_backlogged_spread, 0u) << "a fair-only statistic";
}

// Per-process is EEVDF with equal weights and no group scheduling: every queued entity is a
// task, served one turn at a time in order; a task whose turn was charged goes behind every
// task queued meanwhile (a new seq). Lanes, tenants and weights play no part, so the agent with
// three tasks gets three turns for the other's one.
TEST(SchedPerProcess, EveryQueuedEntityIsATaskServedInTurn)
{
	Sched t(CO_SCHED_PER_PROCESS, 8, 4);
	Entities es(5);
	ASSERT_EQ(co_sched_lane_add(t.s, 10, 0, 1), 0);
	ASSERT_EQ(co_sched_lane_add(t.s, 40, 1, 100), 0); // weights and tenants are ignored
	for (size_t i = 0; i < 3; i++)
		ASSERT_EQ(es.enqueue(t.s, i, 10), 0); // A0 A1 A2
	ASSERT_EQ(es.enqueue(t.s, 3, 40), 0);	      // B3
	std::vector<int> got;
	std::map<int, int> turns;
	for (co_sched_entity *e; (e = co_sched_pick(t.s));) {
		const int id = es.id_of(e);
		got.push_back(id);
		ASSERT_EQ(co_sched_charge(t.s, e->aid, 1), 0);
		if (++turns[id] < 2) {
			ASSERT_EQ(co_sched_putback(t.s, e), 0);
		}
		if (got.size() == 2) { // B4 arrives after two turns: behind A0 and A1 put back
			ASSERT_EQ(es.enqueue(t.s, 4, 40), 0);
		}
		ASSERT_TRUE(co_sched_check(t.s));
	}
	EXPECT_EQ(got, (std::vector<int>{ 0, 1, 2, 3, 0, 1, 4, 2, 3, 4 }));
	EXPECT_EQ(t.tenant(0).served_units, 6u);
	EXPECT_EQ(t.tenant(1).served_units, 4u);
}

TEST(SchedCharge, SaturatesInsteadOfWrapping)
{
	Sched t(CO_SCHED_FAIR, 4, 2);
	ASSERT_EQ(co_sched_lane_add(t.s, 1, 0, 1), 0);
	ASSERT_EQ(co_sched_charge(t.s, 1, UINT64_MAX), 0);
	ASSERT_EQ(co_sched_charge(t.s, 1, UINT64_MAX), 0);
	struct co_sched_tenant_info ti = t.tenant(0);
	EXPECT_EQ(ti.counter, UINT64_MAX);
	EXPECT_EQ(ti.served_units, UINT64_MAX);
	EXPECT_EQ(t.stats().charged_units, UINT64_MAX);
	// Largest weight: units * 2^16 / 2^16 is exact, and 2^48 units at weight 1 is the top.
	ASSERT_EQ(co_sched_tenant_set_weight(t.s, 1, CO_SCHED_WEIGHT_MAX), 0);
	ASSERT_EQ(co_sched_lane_add(t.s, 2, 1, CO_SCHED_WEIGHT_MAX), 0);
	ASSERT_EQ(co_sched_charge(t.s, 2, 123456789), 0);
	EXPECT_EQ(t.tenant(1).counter, 123456789u);
	ASSERT_EQ(co_sched_tenant_set_weight(t.s, 1, 3), 0);
	ASSERT_EQ(co_sched_charge(t.s, 2, 10), 0);
	EXPECT_EQ(t.tenant(1).counter, 123456789u + 10u * 65536u / 3u) << "floor, per charge";
}

} // namespace
