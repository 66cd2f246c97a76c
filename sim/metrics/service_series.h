// Each tenant's cumulative service over a run, sampled: the series behind the service
// difference (fairness.h), for plots and for checking where a gap opened. Bounded: at most
// points_max samples are kept; when full, every other one is dropped and the stride doubles,
// so a run of any length keeps evenly spaced points (deterministic, like everything here).
#ifndef COCONUT_SIM_METRICS_SERVICE_SERIES_H
#define COCONUT_SIM_METRICS_SERVICE_SERIES_H

#include "types.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace coconut::metrics {

class ServiceSeries {
public:
	explicit ServiceSeries(std::size_t points_max = 512);

	// served[k]: tenant k's cumulative units now. Tenants may be added, never removed.
	void sample(u64 now_ns, const std::vector<u64> &served);

	std::size_t points() const { return times_ns_.size(); }
	u64 stride() const { return stride_; }
	// {"t_ns": [...], "served_units": {name: [...], ...}}; names[k] names tenant k (a tenant
	// added late reads 0 before its first sample).
	nlohmann::json to_json(const std::vector<std::string> &names) const;

private:
	void halve();

	std::size_t points_max_;
	u64 stride_ = 1; // keep one sample in stride_
	u64 seen_ = 0;	 // samples offered
	std::vector<u64> times_ns_;
	std::vector<std::vector<u64>> served_; // [point][tenant]
};

} // namespace coconut::metrics

#endif
