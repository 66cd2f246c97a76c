// See progress.h.
#include "progress.h"

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace coconut::calibrate {

namespace {

double seconds(std::chrono::steady_clock::duration d)
{
	return std::chrono::duration<double>(d).count();
}

} // namespace

Progress::Progress(std::uint32_t steps, bool live)
	: steps_(steps), live_(live), run_start_(std::chrono::steady_clock::now())
{
}

bool Progress::stdout_is_live()
{
	const char *ci = std::getenv("CI");
	const char *term = std::getenv("TERM");
	if (ci != nullptr && std::strcmp(ci, "true") == 0)
		return false;
	if (term == nullptr || std::strcmp(term, "dumb") == 0)
		return false;
	return ::isatty(STDOUT_FILENO) == 1;
}

std::string Progress::prefix() const
{
	char buf[32];
	std::snprintf(buf, sizeof buf, "[%2u/%u] ", step_, steps_);
	return buf + name_;
}

void Progress::begin(const std::string &step)
{
	assert(!open_ && step_ < steps_);
	step_++;
	name_ = step;
	open_ = true;
	step_start_ = std::chrono::steady_clock::now();
	if (live_) {
		std::printf("%s ...", prefix().c_str());
		std::fflush(stdout);
	}
}

void Progress::now(const std::string &what)
{
	assert(open_);
	if (!live_)
		return;
	// \r and erase-line: the step's line shows only its latest sub-step.
	std::printf("\r\033[2K%s ... %s", prefix().c_str(), what.c_str());
	std::fflush(stdout);
}

void Progress::end(const std::string &result)
{
	assert(open_);
	open_ = false;
	const auto t = std::chrono::steady_clock::now();
	std::printf("%s%s: %s (%.1f s, %.1f s in all)\n", live_ ? "\r\033[2K" : "",
		    prefix().c_str(), result.c_str(), seconds(t - step_start_),
		    seconds(t - run_start_));
	std::fflush(stdout);
}

double Progress::elapsed_s() const
{
	return seconds(std::chrono::steady_clock::now() - run_start_);
}

} // namespace coconut::calibrate
