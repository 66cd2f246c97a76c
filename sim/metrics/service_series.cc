// See service_series.h.
#include "service_series.h"

#include <cassert>
#include <stdexcept>

namespace coconut::metrics {

ServiceSeries::ServiceSeries(std::size_t points_max) : points_max_(points_max)
{
	if (points_max < 2)
		throw std::invalid_argument("ServiceSeries: points_max must be >= 2");
}

void ServiceSeries::sample(u64 now_ns, const std::vector<u64> &served)
{
	if (seen_++ % stride_ != 0)
		return;
	if (!times_ns_.empty() && now_ns < times_ns_.back())
		throw std::invalid_argument("ServiceSeries: time went back");
	times_ns_.push_back(now_ns);
	served_.push_back(served);
	if (times_ns_.size() >= points_max_)
		halve();
}

// Keeps the points at even positions (sample indices 0, 2 stride, 4 stride, ...) and doubles
// the stride: sample() keeps an index that is a multiple of the stride, so the points stay
// evenly spaced.
void ServiceSeries::halve()
{
	std::size_t w = 0;
	for (std::size_t r = 0; r < times_ns_.size(); r += 2, w++) {
		times_ns_[w] = times_ns_[r];
		served_[w] = std::move(served_[r]);
	}
	times_ns_.resize(w);
	served_.resize(w);
	stride_ *= 2;
	assert(times_ns_.size() < points_max_);
}

nlohmann::json ServiceSeries::to_json(const std::vector<std::string> &names) const
{
	nlohmann::json per = nlohmann::json::object();
	for (std::size_t k = 0; k < names.size(); k++) {
		nlohmann::json v = nlohmann::json::array();
		for (const auto &row : served_)
			v.push_back(k < row.size() ? row[k] : 0);
		per[names[k]] = v;
	}
	return { { "t_ns", times_ns_ }, { "served_units", per } };
}

} // namespace coconut::metrics
