// One run's progress on stderr, for the person waiting (issue 16 item 5): on a terminal one line
// rewritten in place
//   simulated 212.0 s of 600.0 s (35 %)  41x real time  ~9 s left
// and in a log (stderr not a TTY, CI=true or TERM=dumb) the same as a plain line every 10 s of
// wall time. Nothing shows for a run shorter than a second of wall time. Wall-clock time is read
// here only: nothing of it reaches the simulation or a compared file.
#ifndef COCONUT_HARNESS_CLI_RUN_PROGRESS_H
#define COCONUT_HARNESS_CLI_RUN_PROGRESS_H

#include <chrono>
#include <cstdint>

namespace coconut::cli {

class RunProgress {
public:
	RunProgress(bool live, bool quiet);
	// After each piece of the run: the simulated time reached and the run's end.
	void update(std::uint64_t now_ns, std::uint64_t end_ns);
	// Ends a live line (the gate table follows on stdout).
	void finish();

private:
	double elapsed_s() const;

	bool live_;
	bool quiet_;
	bool drawn_ = false;
	double last_s_ = 0;
	std::chrono::steady_clock::time_point start_;
};

} // namespace coconut::cli

#endif
