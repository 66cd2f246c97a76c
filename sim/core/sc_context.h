// SystemC allows one simulation context per process: no module may be created after
// sc_start() and no sc_start() after sc_stop(). Tests and the Python bindings run many
// simulations in one process, so they start each one on a fresh context: a new sc_simcontext
// made current and default, the previous one deleted. The process's first context is never
// deleted (the library's statics live in it; deleting it crashes at exit). Checked under ASan
// (sim/core/tests). The CLI runs one simulation per process and does not need it.
#ifndef COCONUT_SIM_CORE_SC_CONTEXT_H
#define COCONUT_SIM_CORE_SC_CONTEXT_H

namespace coconut::sim {

// Makes a fresh, empty simulation context current; time restarts at 0. Call it before
// building the modules of the next simulation, after every module of the previous one is
// destroyed.
void sc_fresh_context();

} // namespace coconut::sim

#endif
