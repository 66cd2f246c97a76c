// A log-linear histogram of u64 values with exact counts (after HdrHistogram): values below
// 2^sub_bits each have their own bucket; above, every power of two [2^e, 2^(e+1)) is split
// into 2^sub_bits equal sub-buckets, so a bucket is at most 1/2^sub_bits of its lowest value
// wide (sub_bits = 7: within 0.79%). Count, min, max and sum are exact. Two histograms with
// the same sub_bits merge exactly: merging equals recording everything into one.
//
// Quantiles are deterministic: the value at quantile q is the inclusive upper bound of the
// bucket holding the sample of rank ceil(q * count) (at least 1) in sorted order, clamped to
// [min, max]. It is never below that sample and exceeds it by less than the bucket width,
// i.e. by at most (sample >> sub_bits); values below 2^sub_bits are exact.
#ifndef COCONUT_SIM_METRICS_HISTOGRAM_H
#define COCONUT_SIM_METRICS_HISTOGRAM_H

#include <nlohmann/json.hpp>

#include <vector>

#include "types.h"

namespace coconut::metrics {

class LogHistogram {
public:
	static constexpr u32 kDefaultSubBits = 7;
	static constexpr u32 kSubBitsMax = 16; // 2^16 sub-buckets a power: 3 Mi buckets at most

	// sub_bits outside [1, kSubBitsMax] throws std::invalid_argument.
	explicit LogHistogram(u32 sub_bits = kDefaultSubBits);

	// Records n samples of value v (n == 0: nothing).
	void record(u64 v, u64 n = 1)
	{
		if (n == 0)
			return;
		const size_t i = bucket_index(v);
		if (i >= counts_.size())
			grow(i);
		counts_[i] += n;
		if (count_ == 0 || v < min_)
			min_ = v;
		if (v > max_)
			max_ = v;
		count_ += n;
		sum_ += static_cast<u128>(v) * n;
	}

	// Adds every sample of other; a different sub_bits throws std::invalid_argument.
	void merge(const LogHistogram &other);
	void clear();

	u32 sub_bits() const { return sub_bits_; }
	u64 count() const { return count_; }
	u64 min() const { return count_ ? min_ : 0; }				  // 0 when empty
	u64 max() const { return max_; }					  // 0 when empty
	u128 sum_u128() const { return sum_; }					  // exact
	u64 sum() const { return sum_ > ~0ull ? ~0ull : static_cast<u64>(sum_); } // saturating
	u64 mean() const
	{
		return count_ ? static_cast<u64>(sum_ / count_) : 0;
	} // floor; 0 if empty

	// q in thousandths (500 = p50, 990 = p99) and in millionths (999000 = p99.9); q above
	// the maximum reads as the maximum; an empty histogram answers 0.
	u64 value_at_quantile_milli(u32 q_milli) const;
	u64 value_at_quantile_ppm(u32 q_ppm) const;

	// The non-empty buckets in increasing order: [lo, hi] inclusive and their count (for plots).
	struct Bucket {
		u64 lo;
		u64 hi;
		u64 count;
	};
	std::vector<Bucket> buckets() const;

	// Canonical bytes, identical for identical sample multisets (whatever the recording order
	// or merging), all little-endian: "LH1\0", u32 sub_bits, u64 count, u64 min, u64 max,
	// u128 sum (16 bytes), u64 number of non-empty buckets, then per non-empty bucket in
	// increasing order u32 index and u64 count. Appended to out.
	void serialize(std::vector<u8> &out) const;

	// {"count","min","max","mean","p50","p90","p99","p999"}, all integers, and "buckets":
	// bucket_rows().
	nlohmann::json to_json() const;
	// [[lo, hi, count], ...] of the non-empty buckets, in increasing order.
	nlohmann::json bucket_rows() const;

	// Every field exact, for files that are merged later (a sweep's seeds.jsonl):
	// {"sub_bits", "count", "min", "max", "sum" (a decimal string: it is 128 bits),
	// "buckets": [[index, count], ...] non-empty, increasing}. from_exact_json reads it back
	// equal; it throws std::invalid_argument naming the field for anything to_exact_json
	// cannot have written (a histogram whose counts, bounds or sum disagree).
	nlohmann::json to_exact_json() const;
	static LogHistogram from_exact_json(const nlohmann::json &j);

	bool operator==(const LogHistogram &o) const;

	// The bucket of v and the inclusive bounds of bucket i (public for tests and plots).
	size_t bucket_index(u64 v) const
	{
		if (v < sub_count_)
			return static_cast<size_t>(v);
		const u32 e = 63u - static_cast<u32>(__builtin_clzll(v)); // e >= sub_bits
		const u32 shift = e - sub_bits_;
		return static_cast<size_t>(((static_cast<u64>(shift) + 1) << sub_bits_) +
					   ((v >> shift) - sub_count_));
	}
	u64 bucket_lo(size_t i) const;
	u64 bucket_hi(size_t i) const;

private:
	void grow(size_t i);
	u64 value_at_rank(u64 rank) const;

	u32 sub_bits_;
	u64 sub_count_;		  // 2^sub_bits
	std::vector<u64> counts_; // grown on demand up to the highest bucket used
	u64 count_ = 0;
	u64 min_ = 0;
	u64 max_ = 0;
	u128 sum_ = 0;
};

} // namespace coconut::metrics

#endif
