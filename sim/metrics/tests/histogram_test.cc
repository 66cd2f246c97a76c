#include "histogram.h"

#include "rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace {

using coconut::metrics::LogHistogram;
using coconut::metrics::Rng;
using coconut::metrics::u128;
using coconut::metrics::u32;
using coconut::metrics::u64;
using coconut::metrics::u8;

// The sample of rank ceil(q * n) (at least 1) of a sorted vector: the quantile definition
// the histogram approximates.
u64 exact_quantile_ppm(const std::vector<u64> &sorted, u32 q_ppm)
{
	const u64 n = sorted.size();
	u64 rank = (static_cast<u64>(q_ppm) * n + 999999) / 1000000;
	rank = std::clamp<u64>(rank, 1, n);
	return sorted[rank - 1];
}

TEST(LogHistogram, EmptyAnswersZero)
{
	LogHistogram h;
	EXPECT_EQ(h.count(), 0u);
	EXPECT_EQ(h.min(), 0u);
	EXPECT_EQ(h.max(), 0u);
	EXPECT_EQ(h.mean(), 0u);
	EXPECT_EQ(h.value_at_quantile_milli(500), 0u);
	EXPECT_EQ(h.to_json()["p99"], 0u);
	EXPECT_THROW(LogHistogram(0), std::invalid_argument);
	EXPECT_THROW(LogHistogram(LogHistogram::kSubBitsMax + 1), std::invalid_argument);
}

TEST(LogHistogram, SmallValuesAreExact)
{
	LogHistogram h; // sub_bits 7: every value below 256 has its own bucket
	std::vector<u64> all;
	for (u64 v = 0; v < 256; v++)
		for (u64 k = 0; k <= v % 3; k++) {
			h.record(v);
			all.push_back(v);
		}
	std::sort(all.begin(), all.end());
	for (u32 q = 0; q <= 1000000; q += 12345)
		EXPECT_EQ(h.value_at_quantile_ppm(q), exact_quantile_ppm(all, q)) << "q " << q;
	EXPECT_EQ(h.min(), 0u);
	EXPECT_EQ(h.max(), 255u);
	EXPECT_EQ(h.count(), all.size());
	u64 sum = 0;
	for (u64 v : all)
		sum += v;
	EXPECT_EQ(h.sum(), sum);
	EXPECT_EQ(h.mean(), sum / all.size());
}

TEST(LogHistogram, BucketsTileTheRange)
{
	for (u32 sub_bits : { 1u, 4u, 7u, 10u }) {
		LogHistogram h(sub_bits);
		// Consecutive buckets are adjacent and each value maps into its bucket's bounds.
		const size_t last = h.bucket_index(~0ull);
		EXPECT_EQ(h.bucket_lo(0), 0u);
		EXPECT_EQ(h.bucket_hi(last), ~0ull);
		for (size_t i = 0; i < last; i++) {
			ASSERT_EQ(h.bucket_hi(i) + 1, h.bucket_lo(i + 1)) << "bucket " << i;
			ASSERT_EQ(h.bucket_index(h.bucket_lo(i)), i);
			ASSERT_EQ(h.bucket_index(h.bucket_hi(i)), i);
			// Width bound: hi - lo < lo / 2^sub_bits + 1.
			ASSERT_LE(h.bucket_hi(i) - h.bucket_lo(i), h.bucket_lo(i) >> sub_bits);
		}
	}
}

// Property over random data of several shapes: each quantile is at or above the exact one
// and exceeds it by at most exact >> sub_bits (bucket width), within [min, max].
TEST(LogHistogram, QuantileErrorBoundAgainstSortedSamples)
{
	Rng r = Rng::derive(1, "histogram-quantiles");
	for (int trial = 0; trial < 40; trial++) {
		const u32 sub_bits = 1 + static_cast<u32>(r.below(10));
		LogHistogram h(sub_bits);
		std::vector<u64> all;
		const u64 n = 1 + r.below(5000);
		const int shape = trial % 4;
		for (u64 i = 0; i < n; i++) {
			u64 v;
			switch (shape) {
			case 0:
				v = r.next();
				break; // full 64-bit range
			case 1:
				v = r.exp_ns(1000000);
				break; // latencies
			case 2:
				v = r.next() >> r.below(64);
				break; // every magnitude
			default:
				v = 1000000 + r.below(1000);
				break; // narrow band
			}
			h.record(v);
			all.push_back(v);
		}
		std::sort(all.begin(), all.end());
		ASSERT_EQ(h.min(), all.front());
		ASSERT_EQ(h.max(), all.back());
		u128 sum = 0;
		for (u64 v : all)
			sum += v;
		ASSERT_TRUE(h.sum_u128() == sum);
		for (u32 q : { 0u, 1u, 500000u, 900000u, 990000u, 999000u, 999999u, 1000000u }) {
			const u64 exact = exact_quantile_ppm(all, q);
			const u64 got = h.value_at_quantile_ppm(q);
			ASSERT_GE(got, exact) << "trial " << trial << " q " << q;
			ASSERT_LE(got - exact, exact >> sub_bits)
				<< "trial " << trial << " q " << q;
			ASSERT_LE(got, h.max());
		}
		ASSERT_EQ(h.value_at_quantile_ppm(1000000), all.back());
	}
}

TEST(LogHistogram, MilliAndPpmAgree)
{
	LogHistogram h;
	Rng r(3);
	for (int i = 0; i < 10000; i++)
		h.record(r.exp_ns(5000));
	for (u32 q : { 0u, 500u, 900u, 990u, 1000u })
		EXPECT_EQ(h.value_at_quantile_milli(q), h.value_at_quantile_ppm(q * 1000));
	EXPECT_EQ(h.value_at_quantile_milli(5000), h.max()); // above 1000: the maximum
}

TEST(LogHistogram, MergeEqualsRecordingEverything)
{
	Rng r(5);
	LogHistogram all, a, b, empty;
	for (int i = 0; i < 20000; i++) {
		const u64 v = r.next() >> r.below(64);
		const u64 n = 1 + r.below(3);
		all.record(v, n);
		(i % 3 == 0 ? a : b).record(v, n);
	}
	LogHistogram m;
	m.merge(a);
	m.merge(empty);
	m.merge(b);
	EXPECT_TRUE(m == all);
	std::vector<u8> bm, ball;
	m.serialize(bm);
	all.serialize(ball);
	EXPECT_EQ(bm, ball);
	EXPECT_EQ(m.to_json(), all.to_json());
	LogHistogram other_config(5);
	EXPECT_THROW(m.merge(other_config), std::invalid_argument);
	m.clear();
	EXPECT_TRUE(m == empty);
}

TEST(LogHistogram, RecordWithCountAndZero)
{
	LogHistogram h;
	h.record(1000, 0); // nothing
	EXPECT_EQ(h.count(), 0u);
	h.record(~0ull, 3);
	EXPECT_EQ(h.count(), 3u);
	EXPECT_TRUE(h.sum_u128() == static_cast<u128>(~0ull) * 3);
	EXPECT_EQ(h.sum(), ~0ull); // saturated
	EXPECT_EQ(h.mean(), ~0ull);
	EXPECT_EQ(h.value_at_quantile_milli(500), ~0ull);
}

// Golden bytes, worked by hand from the documented layout (sub_bits 7):
// 3 -> bucket 3; 300 = 0b100101100 (e = 8, shift 1, 300 >> 1 = 150) -> bucket 256 + 22 = 278.
TEST(LogHistogram, SerializeGolden)
{
	LogHistogram h;
	h.record(300);
	h.record(3, 2);
	std::vector<u8> b;
	h.serialize(b);
	const std::vector<u8> expect = {
		'L', 'H', '1', 0,			  // magic
		7,   0,	  0,   0,			  // sub_bits
		3,   0,	  0,   0, 0, 0, 0, 0,		  // count
		3,   0,	  0,   0, 0, 0, 0, 0,		  // min
		44,  1,	  0,   0, 0, 0, 0, 0,		  // max 300
		50,  1,	  0,   0, 0, 0, 0, 0,		  // sum 306, low half
		0,   0,	  0,   0, 0, 0, 0, 0,		  // sum, high half
		2,   0,	  0,   0, 0, 0, 0, 0,		  // non-empty buckets
		3,   0,	  0,   0, 2, 0, 0, 0, 0, 0, 0, 0, // bucket 3: 2
		22,  1,	  0,   0, 1, 0, 0, 0, 0, 0, 0, 0, // bucket 278: 1
	};
	EXPECT_EQ(b, expect);
	const auto j = h.to_json();
	EXPECT_EQ(j["count"], 3u);
	EXPECT_EQ(j["min"], 3u);
	EXPECT_EQ(j["max"], 300u);
	EXPECT_EQ(j["mean"], 102u);
	EXPECT_EQ(j["p50"], 3u);
	EXPECT_EQ(j["p90"], 300u); // bucket [300, 301] clamped to the max
	const auto buckets = h.buckets();
	ASSERT_EQ(buckets.size(), 2u);
	EXPECT_EQ(buckets[1].lo, 300u);
	EXPECT_EQ(buckets[1].hi, 301u);
	EXPECT_EQ(buckets[1].count, 1u);
}

TEST(LogHistogram, QuantileIsBucketUpperBoundClampedToMinMax)
{
	LogHistogram h; // 1000 falls in [1000, 1003] (e = 9, width 4)
	h.record(1000);
	h.record(1001);
	h.record(5000);
	EXPECT_EQ(h.value_at_quantile_milli(0), 1003u);
	EXPECT_EQ(h.value_at_quantile_milli(500), 1003u);
	EXPECT_EQ(h.value_at_quantile_milli(1000), 5000u);
	LogHistogram one;
	one.record(1001);
	EXPECT_EQ(one.value_at_quantile_milli(990), 1001u); // clamped to max
}

// The exact JSON form reads back equal (serialize bytes identical), over random samples with
// huge values (a sum past 64 bits) and the empty histogram; and merging read-back halves
// equals the whole, as a sweep's merge relies on.
TEST(LogHistogram, ExactJsonRoundTripsAndMerges)
{
	Rng rng(7);
	for (u32 sub_bits : { 1u, 7u, 12u }) {
		LogHistogram a(sub_bits), b(sub_bits), all(sub_bits);
		for (int i = 0; i < 5000; i++) {
			const u64 v = rng.next() >> rng.below(64);
			(i % 3 ? a : b).record(v);
			all.record(v);
		}
		for (const LogHistogram *h : { &a, &b, &all }) {
			const LogHistogram back = LogHistogram::from_exact_json(
				nlohmann::json::parse(h->to_exact_json().dump()));
			EXPECT_TRUE(back == *h);
			std::vector<u8> x, y;
			h->serialize(x);
			back.serialize(y);
			EXPECT_EQ(x, y);
		}
		EXPECT_GT(all.sum_u128() >> 64, 0u) << "the sum must pass 64 bits for this test";
		LogHistogram merged = LogHistogram::from_exact_json(a.to_exact_json());
		merged.merge(LogHistogram::from_exact_json(b.to_exact_json()));
		EXPECT_TRUE(merged == all);
		EXPECT_EQ(merged.to_exact_json().dump(), all.to_exact_json().dump());
	}
	const LogHistogram empty;
	EXPECT_TRUE(LogHistogram::from_exact_json(empty.to_exact_json()) == empty);
}

// Anything to_exact_json cannot have written is refused, naming the field.
TEST(LogHistogram, ExactJsonRefusesInconsistentInput)
{
	LogHistogram h;
	h.record(10);
	h.record(1000, 3);
	const nlohmann::json good = h.to_exact_json();
	const auto refused = [&](const std::string &field, const nlohmann::json &value,
				 const std::string &needle) {
		nlohmann::json j = good;
		if (value.is_null())
			j.erase(field);
		else
			j[field] = value;
		try {
			LogHistogram::from_exact_json(j);
			ADD_FAILURE() << field << " = " << value.dump() << " was accepted";
		} catch (const std::invalid_argument &e) {
			EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
				<< e.what();
		}
	};
	refused("sub_bits", 0, "sub_bits");
	refused("sub_bits", 17, "sub_bits");
	refused("count", 5, "count");
	refused("count", -1, "count");
	refused("min", 11, "min");
	refused("max", 5000, "min");
	refused("sum", "1", "sum");
	refused("sum", "12x", "sum");
	refused("sum", nlohmann::json(3010), "sum");
	refused("sum", std::string(40, '9'), "sum");
	refused("buckets", nlohmann::json::parse("[[10, 1]]"), "count");
	refused("buckets", nlohmann::json::parse("[[10, 0]]"), "empty");
	refused("buckets", nlohmann::json::parse("[[1073741824, 4]]"), "above");
	refused("buckets", "x", "buckets");
	refused("buckets", nullptr, "buckets");
	nlohmann::json swapped = good;
	std::swap(swapped["buckets"][0], swapped["buckets"][1]);
	EXPECT_THROW(LogHistogram::from_exact_json(swapped), std::invalid_argument);
	EXPECT_THROW(LogHistogram::from_exact_json(nlohmann::json::array()), std::invalid_argument);
}

} // namespace
