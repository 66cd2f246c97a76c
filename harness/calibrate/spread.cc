// See spread.h.
#include "spread.h"

#include <algorithm>
#include <cassert>

namespace coconut::calibrate {

Spread spread_of(const Repeats &ns)
{
	assert(!ns.empty());
	Repeats sorted = ns;
	std::sort(sorted.begin(), sorted.end());
	const std::size_t n = sorted.size();
	Spread s;
	s.n = n;
	s.min_ns = sorted.front();
	s.max_ns = sorted.back();
	s.median_ns = n % 2 == 1 ? static_cast<double>(sorted[n / 2])
				 : (static_cast<double>(sorted[n / 2 - 1]) +
				    static_cast<double>(sorted[n / 2])) /
					   2.0;
	assert(s.min_ns <= s.median_ns && s.median_ns <= s.max_ns);
	return s;
}

RateSpread rate_of(const Repeats &ns, double amount)
{
	const Spread s = spread_of(ns);
	assert(s.min_ns > 0 && amount > 0);
	RateSpread r;
	r.n = s.n;
	r.median_per_s = amount / (s.median_ns * 1e-9);
	r.low_per_s = amount / (static_cast<double>(s.max_ns) * 1e-9);
	r.high_per_s = amount / (static_cast<double>(s.min_ns) * 1e-9);
	return r;
}

} // namespace coconut::calibrate
