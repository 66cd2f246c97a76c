#include "fairness.h"

#include <stdexcept>
#include <string>

namespace coconut::metrics {

namespace {

// Below this the squares and the x1000 of jain_index_milli cannot overflow 128 bits.
constexpr u64 kJainSumMax = 1ull << 59;

} // namespace

u64 jain_index_milli(const std::vector<u64> &x)
{
	const u64 n = x.size();
	if (n == 0)
		return 1000;
	u64 max = 0;
	for (u64 v : x)
		max = v > max ? v : max;
	if (max == 0)
		return 1000;
	// Shift everything down until n * max < 2^59, so (sum)^2 * 1000 fits in 128 bits.
	unsigned shift = 0;
	while (static_cast<u128>(max >> shift) * n >= kJainSumMax)
		shift++;
	u128 sum = 0, sum_sq = 0;
	for (u64 v : x) {
		const u128 s = v >> shift;
		sum += s;
		sum_sq += s * s;
	}
	if (sum_sq == 0) // every value shifted to 0: they were all within 2^shift of each other
		return 1000;
	const u128 den = sum_sq * n;
	return static_cast<u64>((sum * sum * 1000 + den / 2) / den);
}

u64 ratio_milli(u64 num, u64 den)
{
	if (den == 0)
		return num == 0 ? 0 : ~0ull;
	const u128 r = (static_cast<u128>(num) * 1000 + den / 2) / den;
	return r > ~0ull ? ~0ull : static_cast<u64>(r);
}

void ServiceDifference::sample(u64 now_ns, const std::vector<TenantSample> &tenants)
{
	const size_t n_old = last_.size();
	const size_t n = tenants.size();
	if (n < n_old)
		throw std::invalid_argument("ServiceDifference::sample: " + std::to_string(n) +
					    " tenants after " + std::to_string(n_old) +
					    " (tenants may be added, never removed)");
	if (samples_ != 0 && now_ns < last_ns_)
		throw std::invalid_argument("ServiceDifference::sample: time " +
					    std::to_string(now_ns) + " ns before the previous " +
					    std::to_string(last_ns_) + " ns");
	for (size_t i = 0; i < n_old; i++)
		if (tenants[i].served_units < last_[i].served_units)
			throw std::invalid_argument("ServiceDifference::sample: tenant " +
						    std::to_string(i) +
						    " served_units went down from " +
						    std::to_string(last_[i].served_units) + " to " +
						    std::to_string(tenants[i].served_units));
	pairs_.resize(n > 1 ? n * (n - 1) / 2 : 0);

	// Pairs in the order (j, then i < j) of all pairs: ties keep the first pair reaching
	// the maximum, as a scan of every pair would.
	busy_.clear();
	for (size_t k = 0; k < n; k++)
		if (tenants[k].backlogged && tenants[k].weight != 0)
			busy_.push_back(k);
	const u64 stamp = samples_ + 1; // this sample's; stamp - 1: the previous one's
	for (size_t bj = 1; bj < busy_.size(); bj++) {
		const size_t j = busy_[bj];
		const TenantSample &b = tenants[j];
		for (size_t bi = 0; bi < bj; bi++) {
			const size_t i = busy_[bi];
			const TenantSample &a = tenants[i];
			PairRun &run = pair(i, j);
			const bool continues = run.stamp != 0 && run.stamp == stamp - 1;
			run.stamp = stamp;
			if (!continues) {
				run.base_i = a.served_units;
				run.base_j = b.served_units;
				continue;
			}
			const u128 ni = static_cast<u128>(a.served_units - run.base_i) * b.weight;
			const u128 nj = static_cast<u128>(b.served_units - run.base_j) * a.weight;
			const u128 diff = ni > nj ? ni - nj : nj - ni;
			const u128 den = static_cast<u128>(a.weight) * b.weight;
			// diff < 2^128 / 1000 unless services near 2^64 meet weights near 2^64:
			// divide first then, losing only the sub-thousandth part.
			const u128 milli = diff < (~static_cast<u128>(0)) / 1000
						   ? diff * 1000 / den
						   : diff / den * 1000;
			const u64 d = milli > ~0ull ? ~0ull : static_cast<u64>(milli);
			if (d > max_milli_) {
				max_milli_ = d;
				worst_i_ = i;
				worst_j_ = j;
				worst_at_ns_ = now_ns;
			}
		}
	}
	last_ = tenants;
	last_ns_ = now_ns;
	samples_++;
}

} // namespace coconut::metrics
