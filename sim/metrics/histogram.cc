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

nlohmann::json LogHistogram::to_exact_json() const
{
	nlohmann::json rows = nlohmann::json::array();
	for (size_t i = 0; i < counts_.size(); i++)
		if (counts_[i] != 0)
			rows.push_back(nlohmann::json::array({ static_cast<u64>(i), counts_[i] }));
	std::string sum;
	u128 s = sum_;
	do {
		sum.insert(sum.begin(), static_cast<char>('0' + static_cast<int>(s % 10)));
		s /= 10;
	} while (s != 0);
	return nlohmann::json{ { "sub_bits", sub_bits_ }, { "count", count_ }, { "min", min() },
			       { "max", max_ },		  { "sum", sum },      { "buckets", rows } };
}

namespace {

[[noreturn]] void bad_exact(const std::string &field, const std::string &why)
{
	throw std::invalid_argument("histogram: " + field + ": " + why);
}

// A JSON integer >= 0 (one built in C++ from an int literal is signed, one parsed is not).
bool is_u64(const nlohmann::json &v)
{
	return v.is_number_unsigned() || (v.is_number_integer() && v.get<s64>() >= 0);
}

u64 exact_u64(const nlohmann::json &j, const char *field)
{
	if (!j.is_object() || !j.contains(field))
		bad_exact(field, "missing");
	const nlohmann::json &v = j.at(field);
	if (!is_u64(v))
		bad_exact(field, "expected an unsigned integer, got " + v.dump());
	return v.get<u64>();
}

} // namespace

LogHistogram LogHistogram::from_exact_json(const nlohmann::json &j)
{
	const u64 sub_bits = exact_u64(j, "sub_bits");
	if (sub_bits < 1 || sub_bits > kSubBitsMax)
		bad_exact("sub_bits", std::to_string(sub_bits) + " outside [1, " +
					      std::to_string(kSubBitsMax) + "]");
	LogHistogram h(static_cast<u32>(sub_bits));
	const u64 count = exact_u64(j, "count");
	const u64 min = exact_u64(j, "min");
	const u64 max = exact_u64(j, "max");
	if (!j.contains("sum") || !j["sum"].is_string())
		bad_exact("sum", "expected a decimal string");
	const std::string sum_text = j["sum"].get<std::string>();
	if (sum_text.empty() || sum_text.size() > 39 ||
	    sum_text.find_first_not_of("0123456789") != std::string::npos)
		bad_exact("sum", "expected a decimal string, got '" + sum_text + "'");
	u128 sum = 0;
	for (char c : sum_text) {
		const u128 next = sum * 10 + static_cast<u128>(c - '0');
		if (next / 10 != sum)
			bad_exact("sum", "over 128 bits");
		sum = next;
	}
	if (!j.contains("buckets") || !j["buckets"].is_array())
		bad_exact("buckets", "expected an array of [index, count]");
	const size_t index_max = h.bucket_index(~0ull);
	u64 seen = 0;
	size_t first = 0, last = 0;
	bool any = false;
	for (const nlohmann::json &row : j["buckets"]) {
		if (!row.is_array() || row.size() != 2 || !is_u64(row[0]) || !is_u64(row[1]))
			bad_exact("buckets", "expected [index, count], got " + row.dump());
		const u64 i = row[0].get<u64>();
		const u64 c = row[1].get<u64>();
		if (i > index_max)
			bad_exact("buckets", "index " + std::to_string(i) + " above " +
						     std::to_string(index_max));
		if (any && i <= last)
			bad_exact("buckets", "indexes not increasing at " + std::to_string(i));
		if (c == 0)
			bad_exact("buckets", "an empty bucket " + std::to_string(i));
		if (seen + c < seen)
			bad_exact("buckets", "counts overflow");
		seen += c;
		if (!any)
			first = static_cast<size_t>(i);
		last = static_cast<size_t>(i);
		any = true;
	}
	if (seen != count)
		bad_exact("count",
			  std::to_string(count) + " but the buckets hold " + std::to_string(seen));
	if (count == 0) {
		if (min != 0 || max != 0 || sum != 0)
			bad_exact("min", "an empty histogram has min, max and sum 0");
		return h;
	}
	if (min > max || h.bucket_index(min) != first || h.bucket_index(max) != last)
		bad_exact("min", "min " + std::to_string(min) + " and max " + std::to_string(max) +
					 " are not in the first and last buckets");
	if (sum < static_cast<u128>(min) * count || sum > static_cast<u128>(max) * count)
		bad_exact("sum", "outside count * [min, max]");
	h.counts_.assign(last + 1, 0);
	for (const nlohmann::json &row : j["buckets"])
		h.counts_[row[0].get<size_t>()] = row[1].get<u64>();
	h.count_ = count;
	h.min_ = min;
	h.max_ = max;
	h.sum_ = sum;
	return h;
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
