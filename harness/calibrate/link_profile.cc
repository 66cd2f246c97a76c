// The PCIe link profile of a run (link_fit.h), and the whole measured size curve as comment
// lines: the loader refuses keys it does not know, and the curve is for people (and a later,
// richer link model), not for the simulator.
#include "profile_text.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace coconut::calibrate {

namespace {

ProfileEntry bandwidth(const LinkFit &f, const std::string &by)
{
	return { "bytes_per_s", bandwidth_value(f.bytes_per_s),
		 "fitted: the slope of t(size) = copy_overhead + size / bandwidth over pinned "
		 "host-to-device copies of " +
			 size_text(f.bytes_min) + ".." + size_text(f.bytes_max) + " (" +
			 std::to_string(f.sizes) + " sizes, medians of each), " + by + "; the " +
			 size_text(f.bytes_max) +
			 " copies alone: " + gb_per_s(f.largest.median_per_s) + ", median of " +
			 std::to_string(f.largest.n) + ", spread " + gb_per_s(f.largest.low_per_s) +
			 ".." + gb_per_s(f.largest.high_per_s) + "; largest residual " +
			 percent(f.residual_max) };
}

ProfileEntry copy_overhead(const LinkFit &f)
{
	return { "copy_overhead_ns", duration_value(f.copy_overhead_ns),
		 "fitted with it: the intercept, the time each copy keeps the copy engine busy "
		 "beyond "
		 "its bytes (back-to-back copies, time per copy)" };
}

ProfileEntry latency(const LinkFit &f, const std::string &by)
{
	std::string source = "fitted: a lone pinned host-to-device copy's completion time less "
			     "its busy time (copy_overhead + size / bandwidth), the part that "
			     "pipelines; " +
			     by + ": the lone copy takes " + micros(f.lone.median_ns) +
			     ", median of " + std::to_string(f.lone.n) + ", spread " +
			     micros(static_cast<double>(f.lone.min_ns)) + ".." +
			     micros(static_cast<double>(f.lone.max_ns));
	if (f.latency_clamped)
		source += "; no slower than its busy time, so 0";
	return { "latency_ns", duration_value(f.latency_ns), source };
}

// GB/s per copy at each size: "median (low..high)", by direction and host memory.
std::vector<std::string> curve(const Sample &s)
{
	struct Column {
		Direction d;
		HostMemory m;
	};
	const Column cols[] = { { Direction::HostToDevice, HostMemory::Pinned },
				{ Direction::DeviceToHost, HostMemory::Pinned },
				{ Direction::HostToDevice, HostMemory::Pageable },
				{ Direction::DeviceToHost, HostMemory::Pageable },
				{ Direction::Both, HostMemory::Pinned } };
	std::map<u64, std::map<std::size_t, std::string>> rows;
	for (const CopyPoint &c : s.copies)
		for (std::size_t i = 0; i < std::size(cols); i++) {
			if (c.direction != cols[i].d || c.memory != cols[i].m)
				continue;
			// Both: a copy each way per repeat, so twice the bytes.
			const double bytes = static_cast<double>(c.bytes) *
					     (c.direction == Direction::Both ? 2.0 : 1.0);
			const RateSpread r = rate_of(c.ns, bytes);
			char cell[64];
			std::snprintf(cell, sizeof cell, "%.2f (%.2f..%.2f)", r.median_per_s / 1e9,
				      r.low_per_s / 1e9, r.high_per_s / 1e9);
			rows[c.bytes][i] = cell;
		}
	std::vector<std::string> out = {
		"",
		"The measured size curve (comments: the loader does not read it). GB/s, median",
		"(slowest..fastest repeat); `both` is a copy each way at once, both counted.",
	};
	char line[256];
	std::snprintf(line, sizeof line, "  %-9s %-22s %-22s %-22s %-22s %s", "size", "h2d pinned",
		      "d2h pinned", "h2d pageable", "d2h pageable", "both pinned");
	out.push_back(line);
	for (const auto &[bytes, cells] : rows) {
		std::string l = "  " + size_text(bytes);
		l.resize(std::max<std::size_t>(l.size() + 1, 12), ' ');
		for (std::size_t i = 0; i < std::size(cols); i++) {
			const auto it = cells.find(i);
			std::string cell = it == cells.end() ? "-" : it->second;
			cell.resize(std::max<std::size_t>(cell.size() + 1, 23), ' ');
			l += cell;
		}
		while (!l.empty() && l.back() == ' ')
			l.pop_back();
		out.push_back(l);
	}
	return out;
}

} // namespace

ProfileDoc link_profile(const Sample &s, const LinkFit &f, const std::string &sample_path)
{
	const std::string by = measured_by(s.device);
	ProfileDoc doc;
	doc.header = device_header(s.device, sample_path);
	doc.kind = "pcie";
	doc.description = "the host-to-device link of " + s.device.name +
			  ", pinned host memory, measured by harness/calibrate" +
			  (s.device.note.empty() ? "" : " (" + s.device.note + ")");
	doc.entries = { bandwidth(f, by),
			copy_overhead(f),
			latency(f, by),
			{ "chunk_bytes", "8MiB",
			  "assumption: the model's arbitration quantum, not a device property" } };
	doc.trailer = curve(s);
	return doc;
}

} // namespace coconut::calibrate
