// Replays a trace (format.h) on a fresh kernel instance: the header rebuilds the machine's
// kernel on the deterministic UserPlatform (sim/platform/user_platform.h: no SystemC, no
// device models), then every record sets the clock and the CPU, applies its call and compares
// the return (and inflight_begin's token); every checkpoint compares the audit chain's head
// and length. Same inputs, same kernel: a recorded trace reproduces bit for bit, or the first
// record that does not is named.
#ifndef COCONUT_SIM_TRACE_REPLAYER_H
#define COCONUT_SIM_TRACE_REPLAYER_H

#include "format.h"

#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

struct co_kernel;

namespace coconut::trace {

// One kernel instance built from a header, fed record by record.
class Replayer {
public:
	// Throws std::invalid_argument when the kernel refuses the header's configuration.
	explicit Replayer(const Header &h);
	~Replayer();
	Replayer(const Replayer &) = delete;
	Replayer &operator=(const Replayer &) = delete;

	struct Outcome {
		bool match = true;
		std::string expected; // what the trace says (when !match)
		std::string actual;   // what the kernel did
	};
	Outcome apply(const Record &r);
	// /agent/live/<aid>/status as the kernel renders it now (or why it cannot).
	std::string agent_status(u64 aid);
	// The chain's head and length now.
	std::string head_hex() const;
	u64 sealed() const;
	co_kernel *kernel() { return k_; }

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
	co_kernel *k_ = nullptr;
};

struct ReplayOptions {
	std::optional<u64> until; // stop after the record with this index
	u64 records_max = 0;	  // 0: no limit (the fuzz target caps its work per input)
	bool quiet = false;	  // no success line
	// 0: the header's audit window. Else at most this many events (the fuzz target caps its
	// memory per input: recorded traces ask for 65,536, about 24 MB zeroed per replay); a query
	// that reaches past the smaller window diverges.
	u32 log_events_max = 0;
};

// Exit codes of `coconut-sim replay`.
enum ReplayExit { kReproduced = 0, kDiverged = 1, kMalformed = 2 };

// Reads and replays the trace in `in` (named file in messages). Prints the success line or
// the divergence report to out, a malformed trace's error to err. Returns a ReplayExit.
int replay_stream(std::istream &in, const std::string &file, const ReplayOptions &o,
		  std::ostream &out, std::ostream &err);

} // namespace coconut::trace

#endif
