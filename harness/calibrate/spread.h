// The median and spread of a measurement's repeats: the profile takes the median (one slow
// repeat, a clock interrupt or a page fault, does not move it) and its source states the
// spread, so a reader can see how much to trust the number.
#ifndef COCONUT_HARNESS_CALIBRATE_SPREAD_H
#define COCONUT_HARNESS_CALIBRATE_SPREAD_H

#include "sample.h"

#include <string>

namespace coconut::calibrate {

struct Spread {
	double median_ns = 0; // the middle repeat, or the mean of the two middle ones
	u64 min_ns = 0;
	u64 max_ns = 0;
	std::size_t n = 0;
};

// Of at least one repeat (the sample reader guarantees three).
Spread spread_of(const Repeats &ns);

// A rate of `amount` per repeat (bytes, FLOPs): the median's rate and the range of the
// repeats' rates (the slowest repeat gives the lowest rate).
struct RateSpread {
	double median_per_s = 0;
	double low_per_s = 0;
	double high_per_s = 0;
	std::size_t n = 0;
};
RateSpread rate_of(const Repeats &ns, double amount);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_SPREAD_H
