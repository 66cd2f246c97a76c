// co_sched_throttle: what each streaming lane may take from a shared memory bandwidth.
#include "sched_util.h"

#include <cerrno>

namespace sched_test {
namespace {

constexpr u64 kGB = 1000000000ull;
constexpr u64 kStep = kGB / 8; // AMD's bandwidth limit unit: 1/8 GB/s

struct Membw : Sched {
	explicit Membw(u32 policy) : Sched(policy, 64, 16, CO_SCHED_RES_MEMBW) {}
	void lane(u64 aid, u32 tenant, u32 weight = 1)
	{
		ASSERT_EQ(co_sched_lane_add(s, aid, tenant, weight), 0);
	}
	std::vector<u64> limits(std::vector<co_sched_stream> v, u64 capacity, int want_rc = 0)
	{
		EXPECT_EQ(co_sched_throttle(s, capacity, kStep, v.data(), (u32)v.size()), want_rc);
		std::vector<u64> out;
		for (const co_sched_stream &st : v)
			out.push_back(st.limit);
		return out;
	}
};

TEST(Throttle, UncontendedNobodyIsThrottled)
{
	Membw m(CO_SCHED_FAIR);
	m.lane(1, 1);
	m.lane(2, 2);
	EXPECT_EQ(m.limits({ { 1, 30 * kGB, 0, 0 }, { 2, 70 * kGB, 0, 0 } }, 100 * kGB),
		  (std::vector<u64>{ 30 * kGB, 70 * kGB }));
}

// The flooder asks for everything; the light tenant keeps what it asks (it is under its
// share), the flooder gets the rest, rounded down to a step.
TEST(Throttle, FairGivesTheLightTenantWhatItAsks)
{
	Membw m(CO_SCHED_FAIR);
	m.lane(1, 1);
	m.lane(2, 2);
	m.lane(3, 2);
	const auto l = m.limits(
		{ { 1, 10 * kGB, 0, 0 }, { 2, 80 * kGB, 0, 0 }, { 3, 80 * kGB, 0, 0 } }, 100 * kGB);
	EXPECT_EQ(l[0], 10 * kGB);
	// 90 GB/s (a whole number of steps), split by what they ask (equal here), to within
	// the split's rounding (2^-23 of a limit this size).
	EXPECT_NEAR((double)(l[1] + l[2]), 90e9, 2e4);
	EXPECT_LE(l[1] + l[2], 90 * kGB);
	EXPECT_NEAR((double)l[1], 45e9, 1e4);
}

// Both ask for more than half: each gets its weight's share.
TEST(Throttle, FairSplitsByWeightWhenBothAskMore)
{
	Membw m(CO_SCHED_FAIR);
	m.lane(1, 1, 1);
	m.lane(2, 2, 1);
	ASSERT_EQ(co_sched_tenant_set_weight(m.s, 2, 3), 0);
	const auto l = m.limits({ { 1, 90 * kGB, 0, 0 }, { 2, 90 * kGB, 0, 0 } }, 100 * kGB);
	EXPECT_EQ(l[0], 25 * kGB);
	EXPECT_EQ(l[1], 75 * kGB);
}

// Three tenants: one asks 5, two ask 60 each of 100: 5 settles, the two share 95 equally,
// 47.5 GB/s each, which is 380 steps exactly.
TEST(Throttle, FairSettlesInPasses)
{
	Membw m(CO_SCHED_FAIR);
	m.lane(1, 1);
	m.lane(2, 2);
	m.lane(3, 3);
	const auto l = m.limits(
		{ { 1, 60 * kGB, 0, 0 }, { 2, 60 * kGB, 0, 0 }, { 3, 5 * kGB, 0, 0 } }, 100 * kGB);
	EXPECT_EQ(l[2], 5 * kGB);
	EXPECT_EQ(l[0], 47 * kGB + kGB / 2);
	EXPECT_EQ(l[1], 47 * kGB + kGB / 2);
	EXPECT_LE(l[0] + l[1] + l[2], 100 * kGB);
}

// A share that is not a whole number of steps is rounded down, never below one step.
TEST(Throttle, SharesAreWholeSteps)
{
	Membw m(CO_SCHED_FAIR);
	for (u64 t = 1; t <= 3; t++)
		m.lane(t, (u32)t);
	const auto l = m.limits(
		{ { 1, 50 * kGB, 0, 0 }, { 2, 50 * kGB, 0, 0 }, { 3, 50 * kGB, 0, 0 } }, 100 * kGB);
	for (u64 x : l) {
		EXPECT_EQ(x % kStep, 0u);
		EXPECT_EQ(x, 33 * kGB + 2 * kStep); // 33.33 GB/s down to 33.25
	}
	Membw tiny(CO_SCHED_FAIR);
	for (u64 t = 1; t <= 3; t++)
		tiny.lane(t, (u32)t);
	const auto t = tiny.limits(
		{ { 1, kGB, 0, 0 }, { 2, kGB, 0, 0 }, { 3, kGB, 0, 0 } }, kGB / 4);
	EXPECT_EQ(t, (std::vector<u64>{ kStep, kStep, kStep })); // one step at least
}

// fifo and per-process leave the hardware alone: limits are the demands.
TEST(Throttle, FifoAndPerProcessThrottleNobody)
{
	for (u32 policy : { (u32)CO_SCHED_FIFO, (u32)CO_SCHED_PER_PROCESS }) {
		Membw m(policy);
		m.lane(1, 1);
		m.lane(2, 2);
		EXPECT_EQ(m.limits({ { 1, 10 * kGB, 0, 0 }, { 2, 180 * kGB, 0, 0 } }, 100 * kGB),
			  (std::vector<u64>{ 10 * kGB, 100 * kGB }))
			<< co_sched_policy_name(policy);
	}
}

// The agent's membw quota caps it under every policy, contended or not.
TEST(Throttle, QuotaCapsUnderEveryPolicy)
{
	for (u32 policy : { (u32)CO_SCHED_FAIR, (u32)CO_SCHED_FIFO }) {
		Membw m(policy);
		m.lane(1, 1);
		m.lane(2, 2);
		const auto l = m.limits({ { 1, 10 * kGB, 2 * kGB, 0 }, { 2, 20 * kGB, 0, 0 } },
					100 * kGB);
		EXPECT_EQ(l[0], 2 * kGB);
		EXPECT_EQ(l[1], 20 * kGB);
	}
}

TEST(Throttle, Errors)
{
	Membw m(CO_SCHED_FAIR);
	m.lane(1, 1);
	co_sched_stream ok{ 1, kGB, 0, 0 };
	EXPECT_EQ(co_sched_throttle(m.s, 0, kStep, &ok, 1), -EINVAL);
	EXPECT_EQ(co_sched_throttle(m.s, CO_SCHED_RATE_MAX + 1, kStep, &ok, 1), -EINVAL);
	EXPECT_EQ(co_sched_throttle(m.s, kGB, 0, &ok, 1), -EINVAL);
	EXPECT_EQ(co_sched_throttle(m.s, kGB, 2 * kGB, &ok, 1), -EINVAL);
	co_sched_stream zero{ 1, 0, 0, 0 };
	EXPECT_EQ(co_sched_throttle(m.s, kGB, kStep, &zero, 1), -EINVAL);
	co_sched_stream stranger{ 9, kGB, 0, 0 };
	EXPECT_EQ(co_sched_throttle(m.s, kGB, kStep, &stranger, 1), -ENOENT);
	EXPECT_EQ(co_sched_throttle(m.s, kGB, kStep, nullptr, 0), 0);
	Sched cpu(CO_SCHED_FAIR);
	ASSERT_EQ(co_sched_lane_add(cpu.s, 1, 1, 1), 0);
	EXPECT_EQ(co_sched_throttle(cpu.s, kGB, kStep, &ok, 1), -EINVAL);
	EXPECT_STREQ(co_sched_resource_name(CO_SCHED_RES_MEMBW), "membw");
}

// The split within a tenant keeps its ratio with rates near the largest capacity.
TEST(Throttle, LargeRatesDoNotOverflow)
{
	Membw m(CO_SCHED_FAIR);
	m.lane(1, 1);
	m.lane(2, 2);
	m.lane(3, 2);
	const u64 cap = CO_SCHED_RATE_MAX;
	const auto l = m.limits({ { 1, cap, 0, 0 }, { 2, cap, 0, 0 }, { 3, cap / 2, 0, 0 } }, cap);
	EXPECT_LE(l[0] + l[1] + l[2], cap);
	EXPECT_NEAR((double)l[1] / (double)l[2], 2.0, 1e-4);
	EXPECT_GE(l[0], cap / 2 - kStep);
}

} // namespace
} // namespace sched_test
