// See link_fit.h.
#include "link_fit.h"

#include "fit.h"
#include "scenario.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace coconut::calibrate {

namespace {

[[noreturn]] void refuse(const std::string &path, const std::string &field, const std::string &why)
{
	throw scenario::ScenarioError(scenario::SourceLoc{ path, 0, 0 }, field, why);
}

struct SizeTime {
	double bytes;
	double ns;
};

} // namespace

LinkFit fit_link(const Sample &s, const std::string &path)
{
	std::vector<SizeTime> pts;
	const CopyPoint *largest = nullptr;
	for (const CopyPoint &c : s.copies) {
		if (c.direction != Direction::HostToDevice || c.memory != HostMemory::Pinned)
			continue;
		pts.push_back({ static_cast<double>(c.bytes), spread_of(c.ns).median_ns });
		if (largest == nullptr || c.bytes > largest->bytes)
			largest = &c;
	}
	if (pts.size() < 3)
		refuse(path, "copies",
		       std::to_string(pts.size()) +
			       " sizes of pinned h2d copies: the link fit needs at least 3 "
			       "(the tool measures 4 KiB to 1 GiB)");
	// t = overhead + size / bandwidth, the published points' fit (sim/devices/calibration).
	std::vector<devices::calibration::CopyPoint> curve;
	for (const SizeTime &p : pts)
		curve.push_back({ static_cast<u64>(p.bytes), p.bytes / p.ns * 1e9 });
	devices::calibration::CopyFit fit;
	try {
		fit = devices::calibration::fit_copy(curve);
	} catch (const std::invalid_argument &) {
		refuse(path, "copies",
		       "the pinned h2d copies give no fit with a positive bandwidth "
		       "and a non-negative overhead (measure again)");
	}
	const double a = fit.overhead_ns, b = 1e9 / fit.bytes_per_s; // ns, ns per byte
	LinkFit f;
	f.bytes_per_s = 1e9 / b;
	f.copy_overhead_ns = a;
	f.sizes = pts.size();
	for (const SizeTime &p : pts) {
		f.residual_max =
			std::max(f.residual_max, std::fabs((a + b * p.bytes) / p.ns - 1.0));
		f.bytes_min = f.bytes_min == 0 ? static_cast<u64>(p.bytes)
					       : std::min(f.bytes_min, static_cast<u64>(p.bytes));
		f.bytes_max = std::max(f.bytes_max, static_cast<u64>(p.bytes));
	}
	assert(largest != nullptr && largest->bytes == f.bytes_max);
	f.largest = rate_of(largest->ns, static_cast<double>(largest->bytes));

	const LoneCopy &lone = s.lone_copy;
	if (lone.direction != Direction::HostToDevice || lone.memory != HostMemory::Pinned)
		refuse(path, "lone_copy", "the latency is a pinned h2d copy's, as the curve's");
	f.lone = spread_of(lone.ns);
	const double busy_ns = a + b * static_cast<double>(lone.bytes);
	f.latency_ns = f.lone.median_ns - busy_ns;
	f.latency_clamped = f.latency_ns < 0;
	f.latency_ns = std::max(f.latency_ns, 0.0);
	return f;
}

} // namespace coconut::calibrate
