// Delivery of finished jobs, shared by every device model (private to sim/devices). A device
// decides when a job is done; this queue calls job_done at exactly that simulated time, from its
// own SC_METHOD, never from inside the device's submit(): a caller that submits from its
// job_done callback never re-enters the device. Jobs due at the same ns are delivered in the
// order the device scheduled them (a sequence number breaks ties), so runs are reproducible.
#ifndef COCONUT_SIM_DEVICES_COMPLETIONS_H
#define COCONUT_SIM_DEVICES_COMPLETIONS_H

#include "job.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES // coconut_systemc defines it too
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <vector>

namespace coconut::devices {

class Completions {
public:
	// How a due job is handed back; the default calls job.sink->job_done(job). tag is what
	// the device passed to at().
	using Deliver = void (*)(void *ctx, Job &job, void *tag);

	// Spawns the delivering method as a child of the sc_module under construction.
	explicit Completions(const char *name, Deliver deliver = nullptr, void *ctx = nullptr);
	Completions(const Completions &) = delete;
	Completions &operator=(const Completions &) = delete;

	// job completes at done_ns (>= now) with job.rc as set by the caller; sets job.done_ns.
	void at(Job &job, u64 done_ns, void *tag = nullptr);

	u64 delivered() const { return delivered_; }
	std::size_t pending() const { return heap_.size(); }

private:
	struct Due {
		u64 done_ns;
		u64 seq;
		Job *job;
		void *tag;
	};
	static bool later(const Due &a, const Due &b);
	void fire();
	void arm();

	Deliver deliver_;
	void *ctx_;
	sc_core::sc_event due_;
	std::vector<Due> heap_; // min-heap on (done_ns, seq); capacity is reused, never per job
	u64 seq_ = 0;
	u64 delivered_ = 0;
};

} // namespace coconut::devices

#endif
