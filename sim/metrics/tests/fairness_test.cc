#include "fairness.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

using coconut::metrics::jain_index_milli;
using coconut::metrics::ratio_milli;
using coconut::metrics::ServiceDifference;
using coconut::metrics::TenantSample;
using coconut::metrics::u64;

TEST(Jain, KnownValues)
{
	EXPECT_EQ(jain_index_milli({}), 1000u);
	EXPECT_EQ(jain_index_milli({ 0, 0, 0 }), 1000u);
	EXPECT_EQ(jain_index_milli({ 5, 5, 5, 5 }), 1000u);
	EXPECT_EQ(jain_index_milli({ 7, 0, 0, 0 }), 250u); // one takes all: 1/n
	// (1+2+3+4)^2 / (4 * 30) = 100/120 = 0.8333 -> 833.
	EXPECT_EQ(jain_index_milli({ 1, 2, 3, 4 }), 833u);
	// (1+1+4)^2 / (3 * 18) = 36/54 = 0.6667 -> 667 (rounded to nearest).
	EXPECT_EQ(jain_index_milli({ 1, 1, 4 }), 667u);
}

TEST(Jain, HugeValuesAreScaledNotOverflowed)
{
	const u64 big = ~0ull;
	EXPECT_EQ(jain_index_milli({ big, big, big }), 1000u);
	EXPECT_EQ(jain_index_milli({ big, 0 }), 500u);
	EXPECT_EQ(jain_index_milli({ big / 4, big / 4 * 2, big / 4 * 3, big / 4 * 4 }), 833u);
}

TEST(Ratio, Milli)
{
	EXPECT_EQ(ratio_milli(3, 2), 1500u);
	EXPECT_EQ(ratio_milli(2, 3), 667u);
	EXPECT_EQ(ratio_milli(0, 0), 0u);
	EXPECT_EQ(ratio_milli(1, 0), ~0ull);
	EXPECT_EQ(ratio_milli(~0ull, 1), ~0ull);
}

// Two tenants, equal weights, both backlogged: a gets 10 units per sample, b 6. The
// difference grows by 4 per interval: 4, 8, 12 (in thousandths: 4000, 8000, 12000).
TEST(ServiceDifference, GrowsWhileBothBacklogged)
{
	ServiceDifference d;
	for (u64 k = 0; k <= 3; k++)
		d.sample(k * 100, { { 10 * k, 1, true }, { 6 * k, 1, true } });
	EXPECT_EQ(d.max_difference_milli(), 12000u);
	EXPECT_EQ(d.worst_i(), 0u);
	EXPECT_EQ(d.worst_j(), 1u);
	EXPECT_EQ(d.worst_at_ns(), 300u);
	EXPECT_EQ(d.samples(), 4u);
}

// Weights 2:1 with service 2:1 is perfectly fair (normalized service equal).
TEST(ServiceDifference, WeightsNormalize)
{
	ServiceDifference d;
	for (u64 k = 0; k <= 5; k++)
		d.sample(k, { { 20 * k, 2, true }, { 10 * k, 1, true } });
	EXPECT_EQ(d.max_difference_milli(), 0u);
	// 3 units per weight 3 vs 1 unit per weight 2 over one interval: |1 - 0.5| = 500.
	ServiceDifference e;
	e.sample(0, { { 0, 3, true }, { 0, 2, true } });
	e.sample(1, { { 3, 3, true }, { 1, 2, true } });
	EXPECT_EQ(e.max_difference_milli(), 500u);
}

// Service received while one tenant was idle does not count: the run restarts when both
// are backlogged again.
TEST(ServiceDifference, RunsRestartAfterIdle)
{
	ServiceDifference d;
	d.sample(0, { { 0, 1, true }, { 0, 1, true } });
	d.sample(1, { { 5, 1, true }, { 4, 1, true } });    // diff 1
	d.sample(2, { { 100, 1, true }, { 4, 1, false } }); // b idle: a's 95 units are fair
	d.sample(3, { { 102, 1, true }, { 4, 1, true } });  // new run starts here
	d.sample(4, { { 104, 1, true }, { 7, 1, true } });  // |2 - 3| = 1 over the new run
	EXPECT_EQ(d.max_difference_milli(), 1000u);
	d.sample(5, { { 110, 1, true }, { 8, 1, true } }); // |8 - 4| = 4
	EXPECT_EQ(d.max_difference_milli(), 4000u);
	EXPECT_EQ(d.worst_at_ns(), 5u);
}

// The maximum over all pairs, with a tenant added later.
TEST(ServiceDifference, PairsAndGrowth)
{
	ServiceDifference d;
	d.sample(0, { { 0, 1, true }, { 0, 1, true } });
	d.sample(1, { { 1, 1, true }, { 1, 1, true } });
	d.sample(2, { { 2, 1, true }, { 2, 1, true }, { 0, 1, true } }); // c arrives
	d.sample(3, { { 3, 1, true }, { 3, 1, true }, { 10, 1, true } });
	EXPECT_EQ(d.max_difference_milli(), 9000u); // c vs a (first pair reaching it)
	EXPECT_EQ(d.worst_i(), 0u);
	EXPECT_EQ(d.worst_j(), 2u);
}

TEST(ServiceDifference, ZeroWeightIsLeftOut)
{
	ServiceDifference d;
	d.sample(0, { { 0, 0, true }, { 0, 1, true } });
	d.sample(1, { { 100, 0, true }, { 0, 1, true } });
	EXPECT_EQ(d.max_difference_milli(), 0u);
}

TEST(ServiceDifference, BadInputThrowsWithContext)
{
	ServiceDifference d;
	d.sample(10, { { 5, 1, true }, { 5, 1, true } });
	EXPECT_THROW(d.sample(9, { { 5, 1, true }, { 5, 1, true } }), std::invalid_argument);
	EXPECT_THROW(d.sample(11, { { 5, 1, true } }), std::invalid_argument);
	try {
		d.sample(11, { { 5, 1, true }, { 4, 1, true } });
		FAIL() << "decreasing service accepted";
	} catch (const std::invalid_argument &e) {
		EXPECT_NE(std::string(e.what()).find("tenant 1"), std::string::npos) << e.what();
	}
}

} // namespace
