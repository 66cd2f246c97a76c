// SystemC allows one simulation context per process: no module may be created after
// sc_start() and no sc_start() after sc_stop(). Tests and the Python bindings run many
// simulations in one process, so every simulation starts on a fresh context: a new
// sc_simcontext made current and default, the previous one deleted. The process's first
// context is never deleted (the library's statics live in it; deleting it crashes at exit).
// Checked under ASan (sim/core/tests).
//
// Time: every context gets a 1 ns resolution, so sc_time values are integer nanoseconds
// (now_ns(), ns()). Simulation code never converts through double.
#ifndef COCONUT_SIM_CORE_SC_CONTEXT_H
#define COCONUT_SIM_CORE_SC_CONTEXT_H

#include <systemc>

#include <cstdint>

namespace coconut::sim {

// Makes a fresh, empty simulation context current with a 1 ns time resolution; time restarts
// at 0. Call it before building the modules of each simulation (the first one included),
// after every module of the previous one is destroyed.
void sc_fresh_context();

// Simulated time now, in ns.
inline std::uint64_t now_ns()
{
	return sc_core::sc_time_stamp().value();
}

// An sc_time of t ns (exact: the resolution is 1 ns).
inline sc_core::sc_time ns(std::uint64_t t)
{
	return sc_core::sc_time::from_value(t);
}

} // namespace coconut::sim

#endif
