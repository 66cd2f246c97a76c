// One line per measurement step on the terminal: "[ 3/10] HBM bandwidth ... 2.99 TB/s (0.9 s)".
// On a terminal the line also shows what the step measures now, rewritten in place; in a log
// (not a TTY, or CI=true, or TERM=dumb) only the finished lines are printed, plainly.
#ifndef COCONUT_HARNESS_CALIBRATE_PROGRESS_H
#define COCONUT_HARNESS_CALIBRATE_PROGRESS_H

#include <chrono>
#include <cstdint>
#include <string>

namespace coconut::calibrate {

class Progress {
public:
	Progress(std::uint32_t steps, bool live);
	// Whether stdout is a terminal a line can be rewritten on.
	static bool stdout_is_live();

	void begin(const std::string &step);
	void now(const std::string &what); // live only
	void end(const std::string &result);
	double elapsed_s() const;
	// "[ 2/10] host<->device copies" while a step is open, "" between steps.
	std::string current() const { return open_ ? prefix() : ""; }

private:
	std::string prefix() const;

	std::uint32_t steps_;
	std::uint32_t step_ = 0;
	bool live_;
	bool open_ = false; // between begin() and end()
	std::string name_;
	std::chrono::steady_clock::time_point run_start_, step_start_;
};

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_PROGRESS_H
