#include "metric_registry.h"

#include <limits>
#include <stdexcept>

#include "text_escape.h"

namespace coconut::metrics {

namespace {

void check_name(const std::string &name, const char *what)
{
	if (name.empty())
		throw std::invalid_argument(std::string("MetricRegistry::") + what +
					    ": empty metric name");
}

} // namespace

void MetricRegistry::set(const std::string &name, s64 value)
{
	check_name(name, "set");
	values_[name] = value;
}

void MetricRegistry::add(const std::string &name, s64 delta)
{
	check_name(name, "add");
	s64 &v = values_[name];
	s64 r;
	if (__builtin_add_overflow(v, delta, &r))
		r = delta > 0 ? std::numeric_limits<s64>::max() : std::numeric_limits<s64>::min();
	v = r;
}

std::optional<s64> MetricRegistry::get(std::string_view name) const
{
	auto it = values_.find(name);
	if (it == values_.end())
		return std::nullopt;
	return it->second;
}

std::vector<std::string> MetricRegistry::names() const
{
	std::vector<std::string> out;
	for (const auto &[name, v] : values_)
		out.push_back(name);
	return out;
}

LogHistogram &MetricRegistry::hist(const std::string &name, u32 sub_bits)
{
	check_name(name, "hist");
	auto it = hists_.find(name);
	if (it == hists_.end())
		return hists_.emplace(name, LogHistogram(sub_bits)).first->second;
	if (it->second.sub_bits() != sub_bits)
		throw std::invalid_argument("MetricRegistry::hist: " + name + " has sub_bits " +
					    std::to_string(it->second.sub_bits()) + ", asked for " +
					    std::to_string(sub_bits));
	return it->second;
}

const LogHistogram *MetricRegistry::find_hist(std::string_view name) const
{
	auto it = hists_.find(name);
	return it == hists_.end() ? nullptr : &it->second;
}

std::vector<std::string> MetricRegistry::hist_names() const
{
	std::vector<std::string> out;
	for (const auto &[name, h] : hists_)
		out.push_back(name);
	return out;
}

nlohmann::json MetricRegistry::to_json() const
{
	// Names are sanitized: nlohmann::json refuses to dump invalid UTF-8. Two names that
	// differ only in invalid bytes would merge here; the fingerprint keeps them apart.
	nlohmann::json values = nlohmann::json::object();
	for (const auto &[name, v] : values_)
		values[utf8_sanitize(name)] = v;
	nlohmann::json hists = nlohmann::json::object();
	for (const auto &[name, h] : hists_)
		hists[utf8_sanitize(name)] = h.to_json();
	return { { "values", values }, { "histograms", hists } };
}

void MetricRegistry::add_to_fingerprint(Fingerprint &fp) const
{
	fp.add_tag("metrics.values");
	fp.add_u64(values_.size());
	for (const auto &[name, v] : values_) {
		fp.add_string(name);
		fp.add_i64(v);
	}
	fp.add_tag("metrics.histograms");
	fp.add_u64(hists_.size());
	std::vector<u8> bytes;
	for (const auto &[name, h] : hists_) {
		fp.add_string(name);
		bytes.clear();
		h.serialize(bytes);
		fp.add_bytes(bytes);
	}
}

void MetricRegistry::clear()
{
	values_.clear();
	hists_.clear();
}

} // namespace coconut::metrics
