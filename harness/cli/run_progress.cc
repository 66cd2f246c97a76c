// See run_progress.h.
#include "run_progress.h"

#include <cstdio>
#include <iostream>

namespace coconut::cli {

namespace {

// Wall seconds between two lines: a terminal's line is redrawn often, a log's rarely.
constexpr double kLiveEvery_s = 0.25;
constexpr double kLogEvery_s = 10.0;
// Nothing for a run shorter than this.
constexpr double kQuietFor_s = 1.0;

} // namespace

RunProgress::RunProgress(bool live, bool quiet)
	: live_(live), quiet_(quiet), start_(std::chrono::steady_clock::now())
{
}

double RunProgress::elapsed_s() const
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void RunProgress::update(std::uint64_t now_ns, std::uint64_t end_ns)
{
	if (quiet_ || end_ns == 0)
		return;
	const double t = elapsed_s();
	if (t < kQuietFor_s || t - last_s_ < (live_ ? kLiveEvery_s : kLogEvery_s))
		return;
	last_s_ = t;
	const double sim_s = static_cast<double>(now_ns) / 1e9;
	const double end_s = static_cast<double>(end_ns) / 1e9;
	char line[200];
	int n = std::snprintf(line, sizeof line,
			      "simulated %.1f s of %.1f s (%.0f %%)  %.1fx real time", sim_s, end_s,
			      100.0 * sim_s / end_s, sim_s / t);
	if (now_ns > 0 && now_ns < end_ns && n > 0 && static_cast<size_t>(n) < sizeof line)
		std::snprintf(line + n, sizeof line - static_cast<size_t>(n), "  ~%.0f s left",
			      t / sim_s * (end_s - sim_s));
	if (live_)
		std::cerr << "\r" << line << "\x1b[K" << std::flush;
	else
		std::cerr << line << "\n" << std::flush;
	drawn_ = true;
}

void RunProgress::finish()
{
	if (live_ && drawn_)
		std::cerr << "\r\x1b[K" << std::flush;
	drawn_ = false;
}

} // namespace coconut::cli
