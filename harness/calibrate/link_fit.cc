// See link_fit.h.
#include "link_fit.h"

#include "scenario.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace coconut::calibrate {

namespace {

[[noreturn]] void refuse(const std::string &path, const std::string &field, const std::string &why)
{
	throw scenario::ScenarioError(scenario::SourceLoc{path, 0, 0}, field, why);
}

struct SizeTime {
	double bytes;
	double ns;
};

// t = a + b * size by least squares on relative error, as the broker's fits do
// (sim/devices/calibration/fit.h): a 4 KiB copy's microseconds count as much as a 1 GiB copy's
// 20 ms. With u = 1/t and v = size/t the residual is a*u + b*v - 1, so the normal equations are
// [Suu Suv; Suv Svv] [a b]' = [Su Sv]'.
bool fit_line(const std::vector<SizeTime> &pts, double &a, double &b)
{
	double suu = 0, suv = 0, svv = 0, su = 0, sv = 0;
	for (const SizeTime &p : pts) {
		const double u = 1.0 / p.ns, v = p.bytes / p.ns;
		suu += u * u;
		suv += u * v;
		svv += v * v;
		su += u;
		sv += v;
	}
	const double det = suu * svv - suv * suv;
	if (!(std::fabs(det) > 1e-12 * suu * svv))
		return false;
	a = (su * svv - sv * suv) / det;
	b = (suu * sv - suv * su) / det;
	return true;
}

} // namespace

LinkFit fit_link(const Sample &s, const std::string &path)
{
	std::vector<SizeTime> pts;
	const CopyPoint *largest = nullptr;
	for (const CopyPoint &c : s.copies) {
		if (c.direction != Direction::HostToDevice || c.memory != HostMemory::Pinned)
			continue;
		pts.push_back({static_cast<double>(c.bytes), spread_of(c.ns).median_ns});
		if (largest == nullptr || c.bytes > largest->bytes)
			largest = &c;
	}
	if (pts.size() < 3)
		refuse(path, "copies", std::to_string(pts.size()) +
					       " sizes of pinned h2d copies: the link fit needs at least 3 "
					       "(the tool measures 4 KiB to 1 GiB)");
	double a = 0, b = 0;
	if (!fit_line(pts, a, b) || a < 0 || b <= 0)
		refuse(path, "copies", "the pinned h2d copies give no fit with a positive bandwidth "
				       "and a non-negative overhead (measure again)");
	LinkFit f;
	f.bytes_per_s = 1e9 / b;
	f.copy_overhead_ns = a;
	f.sizes = pts.size();
	for (const SizeTime &p : pts) {
		f.residual_max = std::max(f.residual_max, std::fabs((a + b * p.bytes) / p.ns - 1.0));
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
