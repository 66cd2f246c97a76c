#include "histogram.h"

#include <stdexcept>
#include <string>

namespace coconut::metrics {

namespace {

void put_le(std::vector<u8> &out, u64 v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		out.push_back(static_cast<u8>(v >> (8 * i)));
}

} // namespace

LogHistogram::LogHistogram(u32 sub_bits) : sub_bits_(sub_bits), sub_count_(0)
{
	if (sub_bits < 1 || sub_bits > kSubBitsMax)
		throw std::invalid_argument("LogHistogram: sub_bits " + std::to_string(sub_bits) +
					    " outside [1, " + std::to_string(kSubBitsMax) + "]");
	sub_count_ = 1ull << sub_bits;
}

void LogHistogram::grow(size_t i)
{
	// Grow in whole powers of two of the value range, so a rising series resizes rarely.
	size_t want = i + 1;
	want = ((want + sub_count_ - 1) / sub_count_) * sub_count_;
	counts_.resize(want, 0);
}

u64 LogHistogram::bucket_lo(size_t i) const
{
	if (i < sub_count_)
		return i;
	const u64 shift = (static_cast<u64>(i) >> sub_bits_) - 1;
	const u64 sub = static_cast<u64>(i) & (sub_count_ - 1);
	return (sub_count_ + sub) << shift;
}

u64 LogHistogram::bucket_hi(size_t i) const
{
	if (i < sub_count_)
		return i;
	const u64 shift = (static_cast<u64>(i) >> sub_bits_) - 1;
	return bucket_lo(i) + ((1ull << shift) - 1);
}

void LogHistogram::merge(const LogHistogram &other)
{
	if (other.sub_bits_ != sub_bits_)
		throw std::invalid_argument("LogHistogram::merge: sub_bits " +
					    std::to_string(other.sub_bits_) + " into " +
					    std::to_string(sub_bits_));
	if (other.count_ == 0)
		return;
	if (other.counts_.size() > counts_.size())
		counts_.resize(other.counts_.size(), 0);
	for (size_t i = 0; i < other.counts_.size(); i++)
		counts_[i] += other.counts_[i];
	if (count_ == 0 || other.min_ < min_)
		min_ = other.min_;
	if (other.max_ > max_)
		max_ = other.max_;
	count_ += other.count_;
	sum_ += other.sum_;
}

void LogHistogram::clear()
{
	counts_.clear();
	count_ = 0;
	min_ = 0;
	max_ = 0;
	sum_ = 0;
}

u64 LogHistogram::value_at_rank(u64 rank) const
{
	u64 seen = 0;
	for (size_t i = 0; i < counts_.size(); i++) {
		seen += counts_[i];
		if (seen >= rank) {
			const u64 hi = bucket_hi(i);
			return hi < min_ ? min_ : (hi > max_ ? max_ : hi);
		}
	}
	return max_; // unreachable while the counts sum to count_
}

u64 LogHistogram::value_at_quantile_ppm(u32 q_ppm) const
{
	if (count_ == 0)
		return 0;
	// rank = ceil(q * count), in [1, count].
	u128 rank = (static_cast<u128>(q_ppm) * count_ + 999999) / 1000000;
	if (rank == 0)
		rank = 1;
	if (rank > count_)
		rank = count_;
	return value_at_rank(static_cast<u64>(rank));
}

u64 LogHistogram::value_at_quantile_milli(u32 q_milli) const
{
	const u64 ppm = static_cast<u64>(q_milli) * 1000;
	return value_at_quantile_ppm(ppm > 1000000 ? 1000000u : static_cast<u32>(ppm));
}

std::vector<LogHistogram::Bucket> LogHistogram::buckets() const
{
	std::vector<Bucket> out;
	for (size_t i = 0; i < counts_.size(); i++)
		if (counts_[i] != 0)
			out.push_back({ bucket_lo(i), bucket_hi(i), counts_[i] });
	return out;
}

void LogHistogram::serialize(std::vector<u8> &out) const
{
	out.insert(out.end(), { 'L', 'H', '1', 0 });
	put_le(out, sub_bits_, 4);
	put_le(out, count_, 8);
	put_le(out, min(), 8);
	put_le(out, max_, 8);
	put_le(out, static_cast<u64>(sum_), 8);
	put_le(out, static_cast<u64>(sum_ >> 64), 8);
	u64 nonzero = 0;
	for (u64 c : counts_)
		nonzero += c != 0;
	put_le(out, nonzero, 8);
	for (size_t i = 0; i < counts_.size(); i++) {
		if (counts_[i] == 0)
			continue;
		put_le(out, i, 4);
		put_le(out, counts_[i], 8);
	}
}

// [[lo, hi, count], ...]: the non-empty buckets, enough to redraw the distribution or to
// compute any quantile the summary leaves out.
static nlohmann::json bucket_rows_of(const std::vector<LogHistogram::Bucket> &bs)
{
	nlohmann::json rows = nlohmann::json::array();
	for (const LogHistogram::Bucket &b : bs)
		rows.push_back(nlohmann::json::array({ b.lo, b.hi, b.count }));
	return rows;
}

nlohmann::json LogHistogram::bucket_rows() const
{
	return bucket_rows_of(buckets());
}

nlohmann::json LogHistogram::to_json() const
{
	return nlohmann::json{
		{ "count", count_ },
		{ "min", min() },
		{ "max", max_ },
		{ "mean", mean() },
		{ "p50", value_at_quantile_milli(500) },
		{ "p90", value_at_quantile_milli(900) },
		{ "p99", value_at_quantile_milli(990) },
		{ "p999", value_at_quantile_ppm(999000) },
		{ "buckets", bucket_rows() },
	};
}

bool LogHistogram::operator==(const LogHistogram &o) const
{
	if (sub_bits_ != o.sub_bits_ || count_ != o.count_ || min() != o.min() || max_ != o.max_ ||
	    sum_ != o.sum_)
		return false;
	// Trailing zero buckets do not matter (one side may have grown further).
	const size_t n = counts_.size() > o.counts_.size() ? counts_.size() : o.counts_.size();
	for (size_t i = 0; i < n; i++) {
		const u64 a = i < counts_.size() ? counts_[i] : 0;
		const u64 b = i < o.counts_.size() ? o.counts_[i] : 0;
		if (a != b)
			return false;
	}
	return true;
}

} // namespace coconut::metrics
