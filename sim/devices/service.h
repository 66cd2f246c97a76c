// What the device models share (private to sim/devices): the bookkeeping of a job's turns on a
// fair-shared server (pick, charge, put back), process spawning, and integer time arithmetic.
#ifndef COCONUT_SIM_DEVICES_SERVICE_H
#define COCONUT_SIM_DEVICES_SERVICE_H

#include "job.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES // coconut_systemc defines it too
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

namespace coconut::devices {

// Resets the device-filled fields of a job submitted now: the scheduler entity points back at
// it, it starts now unless a scheduler delays it (pick_job), nothing served, rc 0.
void begin_job(Job &job, u64 now);

// The policy's next job, counted out of in_sched; its first turn stamps start_ns. nullptr when
// nothing is queued.
Job *pick_job(co_sched *sched, u32 &in_sched, u64 now);

// Ends a turn that served `units`: adds them to job.served and charges them to its lane.
// true when job.served reached demand; otherwise the job goes back to the head of its lane
// (its place kept, so fifo does not reorder it) and is counted into in_sched again. A job
// whose lane is gone (its agent terminated during the turn) ends with rc -ESTALE (true).
bool end_turn(co_sched *sched, Job &job, u64 units, u64 demand, u32 &in_sched);
// The same where the lane is charged other units than the job progressed: a CPU slice that
// stalled on memory bandwidth occupied the core (charged) longer than its work advanced.
bool end_turn(co_sched *sched, Job &job, u64 units, u64 charged_units, u64 demand, u32 &in_sched);

// An SC_METHOD (no initialisation run) that calls fn each time ev fires, as a child of the
// sc_module under construction.
template <class F> void spawn_method(const char *name, sc_core::sc_event &ev, F fn)
{
	sc_core::sc_spawn_options opts;
	opts.spawn_method();
	opts.set_sensitivity(&ev);
	opts.dont_initialize();
	sc_core::sc_spawn(fn, name, &opts);
}

// ceil(n / d) for 128-bit n; d > 0, the quotient must fit in 64 bits (asserted).
u64 div_ceil_u128(unsigned __int128 n, unsigned __int128 d);
// ceil(a * b / d) in 128-bit arithmetic.
inline u64 mul_div_ceil(u64 a, u64 b, u64 d)
{
	return div_ceil_u128(static_cast<unsigned __int128>(a) * b, d);
}
// Time in ns to move `bytes` at bytes_per_s (> 0), rounded up.
inline u64 transfer_ns(u64 bytes, u64 bytes_per_s)
{
	return mul_div_ceil(bytes, 1000000000ull, bytes_per_s);
}

} // namespace coconut::devices

#endif
