// See profile_text.h.
#include "profile_text.h"

#include "calibrate_limits.h"
#include "yaml_quote.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <stdexcept>

namespace coconut::calibrate {

namespace {

std::string printed(const char *format, double v)
{
	char buf[64];
	const int n = std::snprintf(buf, sizeof buf, format, v);
	assert(n > 0 && static_cast<std::size_t>(n) < sizeof buf);
	return std::string(buf, static_cast<std::size_t>(n));
}

} // namespace

std::string profile_yaml(const ProfileDoc &doc)
{
	std::string out;
	const auto comment = [](const std::string &line) {
		return line.empty() ? std::string("#\n") : "# " + one_line(line) + "\n";
	};
	for (const std::string &line : doc.header)
		out += comment(line);
	out += "kind: " + doc.kind + "\n";
	out += "description: " + yaml_quoted(doc.description) + "\n";
	for (const ProfileEntry &e : doc.entries) {
		if (e.source.size() > limits::source_bytes_max)
			throw std::length_error("the source of " + e.field + " is " +
						std::to_string(e.source.size()) +
						" bytes; the profile loader takes at most " +
						std::to_string(limits::source_bytes_max));
		out += e.field + ":\n  value: " + e.value + "\n  source: " + yaml_quoted(e.source) +
		       "\n";
	}
	for (const std::string &line : doc.trailer)
		out += comment(line);
	return out;
}

// The loader refuses a zero rate, so nothing positive may round to zero.
std::string bandwidth_value(double v)
{
	assert(v > 0);
	if (v >= 1e12)
		return printed("%.5fTB/s", v / 1e12);
	if (v >= 1e9)
		return printed("%.3fGB/s", v / 1e9);
	if (v >= 1e6)
		return printed("%.3fMB/s", v / 1e6);
	return printed("%.0fB/s", std::max(1.0, std::round(v)));
}

std::string flops_value(double v)
{
	assert(v > 0);
	if (v >= 1e12)
		return printed("%.3fT", v / 1e12);
	if (v >= 1e9)
		return printed("%.3fG", v / 1e9);
	return printed("%.0f", std::max(1.0, std::round(v)));
}

std::string duration_value(double ns)
{
	assert(ns >= 0);
	const auto whole = static_cast<unsigned long long>(std::llround(ns));
	if (whole < 1000)
		return std::to_string(whole) + "ns";
	char buf[48];
	std::snprintf(buf, sizeof buf, "%llu.%03lluus", whole / 1000, whole % 1000);
	return buf;
}

std::string gb_per_s(double v)
{
	return printed("%.2f GB/s", v / 1e9);
}
std::string tb_per_s(double v)
{
	return printed("%.3f TB/s", v / 1e12);
}
std::string tflops(double v)
{
	return printed("%.1f TFLOP/s", v / 1e12);
}
std::string micros(double ns)
{
	return printed("%.2f us", ns / 1e3);
}
std::string millis(double ns)
{
	return printed("%.3f ms", ns / 1e6);
}
std::string gigabytes(double bytes)
{
	return printed("%.2f GB", bytes / 1e9);
}
std::string percent(double fraction)
{
	return printed("%.1f %%", fraction * 100);
}

std::string size_text(u64 bytes)
{
	const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	std::size_t u = 0;
	while (u + 1 < std::size(units) && bytes % 1024 == 0 && bytes >= 1024) {
		bytes /= 1024;
		u++;
	}
	return std::to_string(bytes) + " " + units[u];
}

std::string measured_by(const DeviceInfo &d)
{
	const std::string day = d.date.substr(0, 10); // the ISO date without the time
	return "measured by harness/calibrate on " + d.name + ", driver " + d.driver + ", CUDA " +
	       d.cuda_runtime + ", " + day;
}

std::vector<std::string> device_header(const DeviceInfo &d, const std::string &sample_path)
{
	std::vector<std::string> h = {
		"Measured by harness/calibrate (coconut-calibrate); docs/calibrate.md.",
		"device: " + d.name + " (compute capability " + d.compute_capability + ", " +
			std::to_string(d.sms) + " SMs, " + std::to_string(d.hbm_bytes) + " bytes)",
		"driver: " + d.driver + " (CUDA " + d.driver_cuda + " driver API)",
		"CUDA runtime: " + d.cuda_runtime,
		"date: " + d.date,
		"sample: " + sample_path,
	};
	if (!d.note.empty())
		h.push_back("note: " + d.note);
	return h;
}

std::string device_slug(const std::string &name)
{
	std::string slug;
	for (const char c : name) {
		const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		const bool upper = c >= 'A' && c <= 'Z';
		if (keep || upper)
			slug += upper ? static_cast<char>(c - 'A' + 'a') : c;
		else if (!slug.empty() && slug.back() != '-')
			slug += '-';
	}
	const std::size_t max = limits::profile_name_bytes_max - limits::profile_suffix_bytes_max;
	if (slug.size() > max)
		slug.resize(max);
	while (!slug.empty() && slug.back() == '-')
		slug.pop_back();
	return slug.empty() ? "gpu" : slug;
}

} // namespace coconut::calibrate
