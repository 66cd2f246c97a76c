// Quotas (kernel/agent/quota.c): set/get/charge/release, -EDQUOT against blocking, the Active <->
// Inference-blocked transitions (a charge waits until a larger budget or released usage lets it
// fit, across several kinds), the QUOTA event, errors and audit backpressure.
#include "lsm_test_util.h"

using namespace lsm_test;

namespace {

// The wrappers take the instance lock, as the syscall layer does.
struct Q {
	Kernel &t;
	int set(u64 aid, u32 kind, u64 budget, u32 flags = COCONUT_QUOTA_SET)
	{
		t.lock();
		int rc = co_quota_set(t.k, t.agent(aid), kind, budget, flags);
		t.unlock();
		return rc;
	}
	int charge(u64 aid, u32 kind, u64 amount)
	{
		t.lock();
		int rc = co_quota_charge(t.k, t.agent(aid), kind, amount);
		t.unlock();
		return rc;
	}
	void release(u64 aid, u32 kind, u64 amount)
	{
		t.lock();
		co_quota_release(t.k, t.agent(aid), kind, amount);
		t.unlock();
	}
	co_quota get(u64 aid, u32 kind)
	{
		co_quota q{};
		t.lock();
		EXPECT_EQ(co_quota_get(t.k, t.agent(aid), kind, &q), 0);
		t.unlock();
		return q;
	}
};

TEST(Quota, KindNames)
{
	EXPECT_STREQ(co_quota_kind_name(COCONUT_QUOTA_CPU), "cpu");
	EXPECT_STREQ(co_quota_kind_name(COCONUT_QUOTA_MEM), "mem");
	EXPECT_STREQ(co_quota_kind_name(COCONUT_QUOTA_HBM), "hbm");
	EXPECT_STREQ(co_quota_kind_name(COCONUT_QUOTA_NET), "net");
	EXPECT_STREQ(co_quota_kind_name(COCONUT_QUOTA_TOKENS), "tokens");
	EXPECT_STREQ(co_quota_kind_name(COCONUT_QUOTA_PCIE), "pcie");
	EXPECT_STREQ(co_quota_kind_name(COCONUT_QUOTA_MEMBW), "membw");
	EXPECT_EQ(co_quota_kind_name(COCONUT_QUOTA_KIND_COUNT), nullptr);
}

TEST(Quota, SetGetChargeRelease)
{
	Kernel t;
	Q q{ t };
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	// No budget: everything fits and is counted.
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_NET, 1000), 0);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_NET).used, 1000u);

	u64 from = t.sealed();
	ASSERT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 100), 0);
	co_quota g = q.get(a, COCONUT_QUOTA_TOKENS);
	EXPECT_EQ(g.budget, 100u);
	EXPECT_FALSE(g.block);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 60), 0);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 50), -EDQUOT);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).used, 60u);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 40), 0); // exactly the budget
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 1), -EDQUOT);
	q.release(a, COCONUT_QUOTA_TOKENS, 30);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).used, 70u);
	q.release(a, COCONUT_QUOTA_TOKENS, 1000);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).used, 0u);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));

	// A budget below usage: allowed, the next charge fails.
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 90), 0);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 50), 0);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 1), -EDQUOT);

	auto evs = t.events(from);
	std::vector<co_audit_event> quota;
	for (const auto &ev : evs)
		if (ev.type == COCONUT_EV_QUOTA)
			quota.push_back(ev);
	ASSERT_EQ(quota.size(), 2u);
	EXPECT_EQ(quota[0].aid, a);
	EXPECT_EQ(quota[0].arg, 100u);
	EXPECT_EQ(quota[1].arg, 50u);
	EXPECT_EQ(std::vector<u8>(quota[0].object_digest, quota[0].object_digest + 32),
		  blake3("tokens"));
}

TEST(Quota, Errors)
{
	Kernel t;
	Q q{ t };
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	co_quota g;
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_KIND_COUNT, 1), -EINVAL);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_CPU, 1, 0x4), -EINVAL);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_KIND_COUNT, 1), -EINVAL);
	EXPECT_EQ(co_quota_get(t.k, t.agent(a), 99, &g), -EINVAL);
	q.release(a, 99, 1); // ignored
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_CPU, 7, 0), 0); // SET is implied
	ASSERT_EQ(co_agent_exit(t.k, a), 0);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_CPU, 1), -ESTALE);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_CPU, 1), -ESTALE);
}

// membw is a rate the throttle enforces (co_sched_throttle): set and read like the others,
// never charged, never blocking.
TEST(Quota, MembwIsARateNeverChargedNeverBlocking)
{
	Kernel t;
	Q q{ t };
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_MEMBW, 4000000000ull), 0);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_MEMBW).budget, 4000000000ull);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_MEMBW, 1), -EINVAL);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_MEMBW).used, 0u);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_MEMBW, 1, COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK), -EINVAL);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_MEMBW).budget, 4000000000ull); // unchanged
}

TEST(Quota, UnlimitedUsageSaturates)
{
	Kernel t;
	Q q{ t };
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_CPU, ~0ull - 5), 0);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_CPU, 100), 0);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_CPU).used, ~0ull);
	// With a budget, an amount that would wrap is over budget, not a small number.
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_PCIE, ~0ull - 1), 0);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_PCIE, 10), 0);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_PCIE, ~0ull - 10), -EDQUOT);
}

TEST(Quota, BlockingWaitsUntilReleasedUsageLetsTheChargeFit)
{
	Kernel t;
	Q q{ t };
	u64 a = t.spawn(COCONUT_AID_ROOT, { "inference:*" });
	ASSERT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 100, COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK), 0);
	EXPECT_TRUE(q.get(a, COCONUT_QUOTA_TOKENS).block);
	ASSERT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 80), 0);
	struct co_audit_stats s0 = t.stats();
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 30), -EAGAIN);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_INFERENCE_BLOCKED));
	co_quota g = q.get(a, COCONUT_QUOTA_TOKENS);
	EXPECT_EQ(g.used, 80u); // nothing charged
	EXPECT_EQ(g.waiting, 30u);
	// Another charge that fits is counted; one that does not keeps the agent blocked.
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 10), 0);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 20), -EAGAIN);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).waiting, 30u); // the largest waits
	q.release(a, COCONUT_QUOTA_TOKENS, 10); // 80 + 30 > 100: still waiting
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_INFERENCE_BLOCKED));
	q.release(a, COCONUT_QUOTA_TOKENS, 10); // 70 + 30 fits
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).waiting, 0u);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 30), 0);
	struct co_audit_stats s1 = t.stats();
	EXPECT_EQ(s1.by_type[COCONUT_EV_STATE] - s0.by_type[COCONUT_EV_STATE], 2u);
	// Blocked, the LSM still answers: a blocked agent is not a quarantined one.
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 1), -EAGAIN);
	EXPECT_EQ(t.check(a, COCONUT_CAP_INFERENCE, "kv"), 0);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_INFERENCE_BLOCKED));
}

TEST(Quota, ARaisedBudgetOrDroppedBlockFlagUnblocks)
{
	Kernel t;
	Q q{ t };
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	const u32 blk = COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK;
	ASSERT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 10, blk), 0);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 50), -EAGAIN);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 40, blk), 0); // still too small
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_INFERENCE_BLOCKED));
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 50, blk), 0);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));

	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 51), -EAGAIN);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 50), 0); // no longer blocks: the wait is over
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 51), -EDQUOT);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 0, blk), 0); // unlimited
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 51), 0);
}

TEST(Quota, AnAgentWaitingOnTwoKindsRunsWhenBothFit)
{
	Kernel t;
	Q q{ t };
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	const u32 blk = COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK;
	ASSERT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 10, blk), 0);
	ASSERT_EQ(q.set(a, COCONUT_QUOTA_PCIE, 10, blk), 0);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 20), -EAGAIN);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_PCIE, 20), -EAGAIN);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 20, blk), 0);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_INFERENCE_BLOCKED));
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).waiting, 0u);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_PCIE, 20, blk), 0);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));
}

TEST(Quota, OnlyAnActiveAgentBlocks)
{
	Kernel t;
	Q q{ t };
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	ASSERT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 10, COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK), 0);
	ASSERT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/x"), -ECAPABILITY);
	ASSERT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_CAPABILITY_DENIED));
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 20), -EAGAIN);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_CAPABILITY_DENIED));
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).waiting, 20u);
	q.release(a, COCONUT_QUOTA_TOKENS, 0);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).waiting, 20u);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 20, COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK), 0);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).waiting, 0u);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_CAPABILITY_DENIED));
}

TEST(Quota, BackpressureChangesNothing)
{
	Options o;
	o.ring_slots = 8;
	o.seal_inline = false;
	Kernel t(o);
	Q q{ t };
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	u64 a = t.spawn(COCONUT_AID_ROOT, { "inference:*" });
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	ASSERT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 10, COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK), 0);
	while (t.check(a, COCONUT_CAP_INFERENCE, "kv") == 0)
		;
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 99), -EBUSY);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).budget, 10u);
	// Blocking needs a STATE event: refused, the charge does not wait.
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 20), -EBUSY);
	EXPECT_EQ(q.get(a, COCONUT_QUOTA_TOKENS).waiting, 0u);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	EXPECT_EQ(q.charge(a, COCONUT_QUOTA_TOKENS, 20), -EAGAIN);
	// Unblocking under backpressure: the charge keeps waiting until the chain takes it.
	while (t.check(a, COCONUT_CAP_INFERENCE, "kv") == 0)
		;
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 30, COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK),
		  -EBUSY);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	for (int i = 0; i < 7; i++)
		ASSERT_EQ(t.check(a, COCONUT_CAP_INFERENCE, "kv"), 0);
	q.release(a, COCONUT_QUOTA_TOKENS, 0); // nothing changes: 0 + 20 > 10
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 30, COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK),
		  -EBUSY); // one slot left, two events needed
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	EXPECT_EQ(q.set(a, COCONUT_QUOTA_TOKENS, 30, COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK), 0);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));
}

} // namespace
