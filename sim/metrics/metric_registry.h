// A run's named metrics: integer values and histograms, each kept in name order (std::map) so
// JSON, text and the fingerprint come out identical for identical runs. Names are free text;
// convention: dotted paths with units last ("tenant.a.latency_ns", "audit.events_sealed").
#ifndef COCONUT_SIM_METRICS_METRIC_REGISTRY_H
#define COCONUT_SIM_METRICS_METRIC_REGISTRY_H

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fingerprint.h"
#include "histogram.h"
#include "types.h"

namespace coconut::metrics {

class MetricRegistry {
public:
	// An empty name throws std::invalid_argument (set, add, hist).
	void set(const std::string &name, s64 value);
	// Adds delta (the metric starts at 0), saturating at the s64 limits.
	void add(const std::string &name, s64 delta);
	std::optional<s64> get(std::string_view name) const;
	std::vector<std::string> names() const; // the integer metrics, in order

	// The histogram called name, created empty with sub_bits on first use; an existing one
	// with other sub_bits throws std::invalid_argument.
	LogHistogram &hist(const std::string &name, u32 sub_bits = LogHistogram::kDefaultSubBits);
	const LogHistogram *find_hist(std::string_view name) const; // nullptr if absent
	std::vector<std::string> hist_names() const;

	// {"values": {name: int, ...}, "histograms": {name: LogHistogram::to_json(), ...}}.
	nlohmann::json to_json() const;

	// Appends, in order: tag "metrics.values", u64 count, then per metric string name and
	// i64 value; tag "metrics.histograms", u64 count, then per histogram string name and
	// bytes of LogHistogram::serialize.
	void add_to_fingerprint(Fingerprint &fp) const;

	void clear();

private:
	std::map<std::string, s64, std::less<>> values_;
	std::map<std::string, LogHistogram, std::less<>> hists_;
};

} // namespace coconut::metrics

#endif
