// A sweep's progress on stderr: on a terminal one bar rewritten in place
//   [##########----------]  6/12 seeds  1 failing  14 s  ~14 s left
// and a line per failing seed above it; in a log (stderr not a TTY, CI=true or TERM=dumb) one
// plain line per finished seed. Wall-clock time is read here only, for people: nothing of it
// reaches a simulation or a file that is compared.
#ifndef COCONUT_HARNESS_SWEEP_SWEEP_PROGRESS_H
#define COCONUT_HARNESS_SWEEP_SWEEP_PROGRESS_H

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace coconut::sweep {

class SweepProgress {
public:
	SweepProgress(std::uint64_t total, bool live, bool quiet);
	// Whether fd can show a bar or a line rewritten in place (a TTY, CI not "true", TERM not
	// "dumb"); `coconut-sim gate` asks it of stdout.
	static bool is_live(int fd);
	static bool stderr_is_live() { return is_live(2); }

	// A finished seed's record (seed_record / error_record) and its repro command.
	void seed_done(const nlohmann::json &record, const std::string &repro);
	// Ends the bar's line.
	void finish();
	double elapsed_s() const;

private:
	void draw();

	std::uint64_t total_;
	std::uint64_t done_ = 0;
	std::uint64_t failing_ = 0;
	bool live_;
	bool quiet_;
	std::chrono::steady_clock::time_point start_;
};

} // namespace coconut::sweep

#endif
