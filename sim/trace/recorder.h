// Writes a trace (format.h) while a simulation runs: the header when created, then every
// kernel call the simulator makes (KernelPort in sim/kernel_model hands them over), with an
// audit-head checkpoint after every checkpoint_every calls and a final one from finish().
// Output is buffered; nothing is kept per record, so memory does not grow with the run.
#ifndef COCONUT_SIM_TRACE_RECORDER_H
#define COCONUT_SIM_TRACE_RECORDER_H

#include "format.h"

#include "coconut/audit.h"

#include <cstdio>
#include <string>

namespace coconut::trace {

class TraceRecorder {
public:
	// Opens path for writing and writes the header. audit: the chain checkpoints read.
	// Throws std::runtime_error when the file cannot be written.
	TraceRecorder(const std::string &path, const Header &h, const co_audit *audit);
	~TraceRecorder();
	TraceRecorder(const TraceRecorder &) = delete;
	TraceRecorder &operator=(const TraceRecorder &) = delete;

	// r.i is assigned here; r.call must not be Checkpoint.
	void record(Record &r);
	// The final checkpoint, then flush and close (idempotent). Throws on a write error.
	void finish(u64 now_ns);
	u64 records() const { return next_i_; }

private:
	void checkpoint(u64 now_ns, bool final);
	void write_line(const std::string &line);

	std::string path_;
	std::FILE *f_ = nullptr;
	const co_audit *audit_;
	u64 every_;
	u64 next_i_ = 0;
	u64 calls_since_checkpoint_ = 0;
	bool failed_ = false;
};

} // namespace coconut::trace

#endif
