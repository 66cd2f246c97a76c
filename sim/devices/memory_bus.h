// Host memory bandwidth, shared by the CPU work that streams memory (docs/devices.md, "Memory
// bandwidth"). A fluid model: every stream (a job on a core whose work streams membw_bytes)
// gets a rate, and the rates change only when the set of streams does, so contention costs
// events only then. Each change asks the kernel's fair-share code (co_sched_throttle on a
// CO_SCHED_RES_MEMBW scheduler) for every stream's limit, as a kernel would program resctrl's
// bandwidth throttle; then the memory controller arbitrates what is asked within the limits:
// when it is more than the channels carry, each stream gets the same fraction of what it asks
// (a controller serves the requests it is sent, and a stream sends in proportion to its rate).
#ifndef COCONUT_SIM_DEVICES_MEMORY_BUS_H
#define COCONUT_SIM_DEVICES_MEMORY_BUS_H

#include "job.h"
#include "profile.h"

#include <functional>
#include <vector>

namespace coconut::devices {

class MemoryBus {
public:
	// An agent's membw quota in bytes/s (0: none), read when its stream starts: a quota
	// changed meanwhile applies from the stream's next slice.
	using QuotaOf = std::function<u64(u64 aid)>;

	// sched: a CO_SCHED_RES_MEMBW scheduler the caller owns, with a lane for every AID that
	// streams. channels >= 1.
	MemoryBus(const MemoryProfile &profile, u32 channels, co_sched *sched, QuotaOf quota_of);

	u64 capacity_bytes_per_s() const { return capacity_; }
	u64 core_bytes_per_s() const { return core_; }
	// What a job with this work asks alone: its bytes over its time alone (<= core_bytes_per_s).
	u64 demand_of(const Job &job) const;
	// A Cpu job's time alone: its CPU time, or longer when one core cannot stream its bytes
	// faster.
	u64 alone_ns(u64 cpu_ns, u64 membw_bytes) const;

	// A stream starts or stops at `now`; the rates are settled again only by settle().
	void start(Job &job, u64 now);
	void stop(Job &job, u64 now);
	// next's stream takes old's place when the kernel would give it the same limit: same
	// tenant, demand and quota (the limits depend on nothing else, and the order of the
	// streams is kept). Then next has old's rate and true; else nothing changed and false.
	// demand: demand_of(next), which the caller has already computed.
	bool swap(Job &old, Job &next, u64 demand, u64 now);
	// Every stream's rate again (the kernel's limits, then the controller's arbitration).
	void settle(u64 now);
	// (A stream's rate now is in its Job, membw_rate.)

	u64 bytes_moved(u64 now) const; // streamed so far
	u64 settles() const { return settles_; }
	u64 throttled_settles() const { return throttled_; } // settles that limited somebody
	u64 swaps() const { return swaps_; }		     // streams replaced without a settle
	u32 streams() const { return static_cast<u32>(streams_.size()); }

private:
	struct Stream {
		Job *job;
		u64 demand;
		u64 rate = 0;
	};
	// The kernel's view of each stream, parallel to streams_ and kept between settles (its
	// lane hint spares the AID lookups).
	void account(u64 now);

	u64 capacity_, core_, step_;
	co_sched *sched_;
	QuotaOf quota_of_;
	std::vector<Stream> streams_; // in start order
	std::vector<co_sched_stream> kernel_streams_;
	u64 rate_sum_ = 0;	      // bytes/s of every stream now
	u64 since_ns_ = 0;	      // when rate_sum_ began
	unsigned __int128 moved_ = 0; // bytes x 1e9 before since_ns_
	u64 settles_ = 0, throttled_ = 0, swaps_ = 0;
};

} // namespace coconut::devices

#endif
