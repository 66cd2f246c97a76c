#include "rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

namespace {

using coconut::metrics::neg_ln_unit_q58;
using coconut::metrics::Rng;
using coconut::metrics::u64;

// SplitMix64 from seed 0 (Vigna's splitmix64.c): the first four outputs, as widely published.
TEST(Rng, SeedsThroughSplitMix64)
{
	const auto s = Rng(0).state();
	EXPECT_EQ(s[0], 0xe220a8397b1dcdafull);
	EXPECT_EQ(s[1], 0x6e789e6aa1b965f4ull);
	EXPECT_EQ(s[2], 0x06c45d188009454full);
	EXPECT_EQ(s[3], 0xf88bb8a8724c81ecull);
}

// xoshiro256** from state {1, 2, 3, 4} (reference implementation's first outputs).
TEST(Rng, MatchesXoshiro256StarStarReference)
{
	Rng r = Rng::from_state({ 1, 2, 3, 4 });
	EXPECT_EQ(r.next(), 11520ull);
	EXPECT_EQ(r.next(), 0ull);
	EXPECT_EQ(r.next(), 1509978240ull);
	EXPECT_EQ(r.next(), 1215971899390074240ull);
	EXPECT_THROW(Rng::from_state({ 0, 0, 0, 0 }), std::invalid_argument);
}

TEST(Rng, DerivedStreamsAreIndependentAndStable)
{
	Rng a1 = Rng::derive(42, "tenant/a");
	Rng a2 = Rng::derive(42, "tenant/a");
	Rng b = Rng::derive(42, "tenant/b");
	Rng a_other_seed = Rng::derive(43, "tenant/a");
	EXPECT_EQ(a1.state(), a2.state());
	EXPECT_NE(a1.state(), b.state());
	EXPECT_NE(a1.state(), a_other_seed.state());
	// A stream is a function of (seed, name) only: no hidden counter across derive calls.
	Rng::derive(42, "tenant/c");
	EXPECT_EQ(Rng::derive(42, "tenant/a").state(), a1.state());
	// Golden: a change of the derivation shows here.
	EXPECT_EQ(a1.next(), 0xcee482d06a64e925ull);
	EXPECT_EQ(a1.next(), 0x3df187ad7f4b69a9ull);
}

TEST(Rng, BelowIsInRangeAndUniform)
{
	Rng r(7);
	EXPECT_EQ(r.below(0), 0u);
	EXPECT_EQ(r.below(1), 0u);
	constexpr int kBins = 10, kDraws = 200000;
	std::vector<int> bins(kBins);
	for (int i = 0; i < kDraws; i++) {
		const u64 v = r.below(kBins);
		ASSERT_LT(v, static_cast<u64>(kBins));
		bins[v]++;
	}
	// Chi-square with 9 degrees of freedom: 27.9 is the 0.999 quantile.
	double chi2 = 0;
	const double expect = static_cast<double>(kDraws) / kBins;
	for (int c : bins)
		chi2 += (c - expect) * (c - expect) / expect;
	EXPECT_LT(chi2, 27.9);
	// A bound just above 2^63: plain modulo would put 2/3 of draws in the lower half.
	const u64 n = (1ull << 63) + (1ull << 62);
	int low = 0;
	for (int i = 0; i < 100000; i++) {
		const u64 v = r.below(n);
		ASSERT_LT(v, n);
		low += v < n / 2;
	}
	EXPECT_NEAR(low, 50000, 1000);
}

TEST(Rng, RangeIsInclusive)
{
	Rng r(9);
	std::set<u64> seen;
	for (int i = 0; i < 1000; i++) {
		const u64 v = r.range(5, 8);
		ASSERT_GE(v, 5u);
		ASSERT_LE(v, 8u);
		seen.insert(v);
	}
	EXPECT_EQ(seen, (std::set<u64>{ 5, 6, 7, 8 }));
	EXPECT_EQ(r.range(3, 3), 3u);
	const u64 swapped = r.range(10, 2);
	EXPECT_GE(swapped, 2u);
	EXPECT_LE(swapped, 10u);
	(void)r.range(0, ~0ull); // the full range must not divide by zero
}

TEST(Rng, ChancePpm)
{
	Rng r(11);
	int hits = 0;
	for (int i = 0; i < 100000; i++) {
		EXPECT_FALSE(r.chance_ppm(0));
		EXPECT_TRUE(r.chance_ppm(1000000));
		hits += r.chance_ppm(250000);
	}
	EXPECT_NEAR(hits, 25000, 600);
	// One draw per call whatever the probability: streams do not shift.
	Rng a(5), b(5);
	a.chance_ppm(0);
	b.chance_ppm(999999);
	EXPECT_EQ(a.next(), b.next());
}

// -ln(m / 2^53) against long double log (64-bit mantissa: about 2^-58 absolute at worst for
// these magnitudes), over the edges and random m: the documented bound is 2^-54 absolute,
// i.e. 16 units of the Q58 result.
TEST(Rng, NegLnErrorBound)
{
	const long double two58 = 288230376151711744.0L, two53 = 9007199254740992.0L;
	auto check = [&](u64 m) {
		const long double exact = -std::log(static_cast<long double>(m) / two53) * two58;
		const long double ours = static_cast<long double>(neg_ln_unit_q58(m));
		EXPECT_LE(std::fabs(ours - exact), 16.0L) << "m = " << m;
		return std::fabs(ours - exact);
	};
	EXPECT_EQ(neg_ln_unit_q58(1ull << 53), 0u);
	for (u64 m : { 1ull, 2ull, 3ull, 1ull << 31, (1ull << 31) + 1, (1ull << 52) - 1, 1ull << 52,
		       (1ull << 52) + 1, (1ull << 53) - 1, 3ull << 51, (3ull << 51) - 1 })
		check(m);
	// Every stage-1 and stage-2 bucket edge, where the normalization is tightest.
	for (u64 i = 0; i < 256; i++)
		for (u64 k : { 0ull, 1ull })
			for (u64 d : { 0ull, 1ull }) {
				const u64 y = (1ull << 52) + (i << (52 - 8 * (1 + k)));
				check(y - d);
				check(y + 255 * d);
			}
	Rng r(13);
	long double worst = 0;
	for (int i = 0; i < 200000; i++)
		worst = std::max(worst, check((r.next() >> 11) + 1));
	for (int i = 0; i < 200000; i++) // small m: the long tail
		worst = std::max(worst, check(r.below(1ull << (1 + r.below(52))) + 1));
	RecordProperty("worst_error_q58_units", std::to_string(static_cast<double>(worst)));
	// Clamped arguments.
	EXPECT_EQ(neg_ln_unit_q58(0), neg_ln_unit_q58(1));
	EXPECT_EQ(neg_ln_unit_q58(~0ull), 0u);
}

TEST(Rng, ExpSampleMomentsAndCdf)
{
	constexpr u64 kMean = 1000000; // 1 ms
	constexpr int kN = 1000000;
	const double xs[] = { 0.1, 0.5, 1.0, 2.0, 4.0 };
	int below_x[5] = {};
	Rng r = Rng::derive(20261121, "exp-moments");
	double sum = 0, sum_sq = 0;
	u64 max = 0;
	for (int i = 0; i < kN; i++) {
		const u64 v = r.exp_ns(kMean);
		max = std::max(max, v);
		const double d = static_cast<double>(v);
		sum += d;
		sum_sq += d * d;
		for (int k = 0; k < 5; k++)
			below_x[k] += d <= xs[k] * kMean;
	}
	const double mean = sum / kN;
	const double var = sum_sq / kN - mean * mean;
	EXPECT_NEAR(mean / kMean, 1.0, 0.01);
	EXPECT_NEAR(var / (static_cast<double>(kMean) * kMean), 1.0, 0.01);
	for (int k = 0; k < 5; k++)
		EXPECT_NEAR(static_cast<double>(below_x[k]) / kN, 1.0 - std::exp(-xs[k]), 0.002)
			<< "CDF at " << xs[k] << " * mean";
	EXPECT_LE(max, 37 * kMean); // 53 ln 2 = 36.74
}

TEST(Rng, ExpEdgeCases)
{
	Rng r(17);
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(r.exp_ns(0), 0u);
	for (int i = 0; i < 1000; i++)
		(void)r.exp_ns(~0ull); // saturates instead of overflowing (UBSan checks the rest)
}

// Golden samples: any change of the exponential algorithm or of the generator shows here.
// Each is also within 1 ns of -ln(U) * 10^6 computed in double from the same 53 bits.
TEST(Rng, ExpGolden)
{
	Rng r(20261121), raw(20261121);
	const u64 expect[] = { 162662, 970221, 1096005, 1680685, 590057, 1718352, 1589578, 1372594 };
	for (u64 e : expect) {
		const u64 got = r.exp_ns(1000000);
		EXPECT_EQ(got, e);
		const double u = static_cast<double>((raw.next() >> 11) + 1) / 9007199254740992.0;
		EXPECT_NEAR(static_cast<double>(got), -std::log(u) * 1e6, 1.0);
	}
}

} // namespace
