// CPU cores scheduled by the kernel's fair-share code (coconut/sched.h, resource cpu): a job's
// CPU demand runs in slices of at most slice_ns on whichever core is free; between slices the
// scheduler decides again (an unfinished job is put back in its place, so fifo does not reorder
// it). Wakeup preemption, as a kernel does it: a job submitted while every core is busy takes
// the core of the running job furthest behind it when the scheduler says so
// (co_sched_wakeup_preempts: under fair, work with credit preempts work that used its share).
// The preempted job is charged what it ran and put back; the core then spends preempt_ns
// switching (a context switch and the cache it loses: busy, charged to nobody) before the new
// job's slice. One SC_METHOD per core, timed self-notification only.
//
// With a MemoryBus, a job whose work streams memory (membw_bytes) is a stream while it runs:
// its work advances at the fraction of its demand the bus gives it, so a slice that stalls on
// bandwidth occupies the core (and is charged to the lane) longer than the work it does. Its
// slice end moves when the rates change, which happens only when a stream starts or stops.
#ifndef COCONUT_SIM_DEVICES_CPU_CLUSTER_H
#define COCONUT_SIM_DEVICES_CPU_CLUSTER_H

#include "job.h"
#include "memory_bus.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES // coconut_systemc defines it too
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <vector>

namespace coconut::devices {

class CpuCluster : public sc_core::sc_module {
public:
	// sched: a CO_SCHED_RES_CPU scheduler the caller owns, with a lane for every AID that
	// submits. cores >= 1, slice_ns >= 1; preempt_ns: the cost of a wakeup preemption.
	CpuCluster(sc_core::sc_module_name name, u32 cores, u64 slice_ns, co_sched *sched,
		   u64 preempt_ns = 0, MemoryBus *bus = nullptr);
	~CpuCluster() override;

	// Queues job (stage Cpu) now; alone_ns = cpu_ns. A job with cpu_ns 0 completes at once
	// (job_done in a delta cycle, never from inside submit). With a bus and membw_bytes, its
	// cpu_ns becomes its time alone (MemoryBus::alone_ns: one core streams only so fast).
	void submit(Job &job);

	u32 cores() const;
	u64 busy_ns(u32 core) const; // time core spent running jobs so far
	u64 completed() const;
	u32 queued() const;	 // jobs waiting (not on a core)
	u64 preemptions() const; // wakeup preemptions so far
				 // ... private state is the implementer's
private:
	struct Impl;
	Impl *impl_;
};

} // namespace coconut::devices

#endif
