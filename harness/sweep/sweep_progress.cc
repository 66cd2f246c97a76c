// See sweep_progress.h.
#include "sweep_progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace coconut::sweep {

SweepProgress::SweepProgress(std::uint64_t total, bool live, bool quiet)
	: total_(total), live_(live), quiet_(quiet), start_(std::chrono::steady_clock::now())
{
	if (live_ && !quiet_)
		draw();
}

bool SweepProgress::is_live(int fd)
{
	const char *ci = std::getenv("CI");
	const char *term = std::getenv("TERM");
	return ::isatty(fd) && !(ci && std::strcmp(ci, "true") == 0) &&
	       !(term && std::strcmp(term, "dumb") == 0);
}

double SweepProgress::elapsed_s() const
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void SweepProgress::draw()
{
	constexpr std::uint64_t kWidth = 24;
	const std::uint64_t filled = total_ ? done_ * kWidth / total_ : kWidth;
	std::string bar(filled, '#');
	bar.append(kWidth - filled, '-');
	const double t = elapsed_s();
	char line[160];
	int n = std::snprintf(line, sizeof line, "\r[%s] %llu/%llu seeds  %llu failing  %.0f s",
			      bar.c_str(), static_cast<unsigned long long>(done_),
			      static_cast<unsigned long long>(total_),
			      static_cast<unsigned long long>(failing_), t);
	if (done_ > 0 && done_ < total_ && n > 0 && static_cast<size_t>(n) < sizeof line)
		std::snprintf(line + n, sizeof line - static_cast<size_t>(n), "  ~%.0f s left",
			      t / static_cast<double>(done_) * static_cast<double>(total_ - done_));
	std::cerr << line << "\x1b[K" << std::flush;
}

void SweepProgress::seed_done(const nlohmann::json &record, const std::string &repro)
{
	done_++;
	const bool pass = record.value("pass", false);
	failing_ += !pass;
	std::string what = pass ? "pass" : "FAIL";
	if (record.contains("error"))
		what = "ERROR " + record["error"].get<std::string>();
	else if (!pass) {
		what += ":";
		for (const auto &g : record["failed_gates"])
			what += " " + g.get<std::string>();
	}
	const std::string seed = std::to_string(record.at("seed").get<std::uint64_t>());
	if (live_) {
		if (!pass)
			std::cerr << "\r\x1b[Kseed " << seed << " " << what
				  << "\n  repro: " << repro << "\n";
		if (!quiet_ || !pass)
			draw();
		return;
	}
	if (quiet_ && pass)
		return;
	char tail[64];
	std::snprintf(tail, sizeof tail, " (%llu/%llu, %.1f s)",
		      static_cast<unsigned long long>(done_),
		      static_cast<unsigned long long>(total_), elapsed_s());
	std::cerr << "sweep: seed " << seed << " " << what << tail << "\n";
	if (!pass)
		std::cerr << "  repro: " << repro << "\n";
}

void SweepProgress::finish()
{
	if (live_ && !quiet_)
		std::cerr << "\n";
}

} // namespace coconut::sweep
