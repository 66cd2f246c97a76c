// One run of a scenario with every gate completed, the entry point of `coconut-sim run`.
// Two gates need another run of the same scenario: `determinism` the same run again (same
// seed, same overrides) to compare fingerprints, and a counterfactual `isolation` gate the
// same run without the flooders (RunOptions::without_flooders) to compare each victim with
// itself. SystemC allows one simulation per process context, so each is a child process
// (fork), started before the main run so that the runs share the machine's cores; each child
// simulates on a fresh SystemC context and writes back over a pipe one JSON document with
// what its gate needs:
//   {"fingerprint": "<64 hex>", "stages": [StageTable, stage_table_to_json]}   or
//   {"error": "what went wrong"}
// A child that fails, dies or answers nonsense fails its gate, saying why ("counterfactual
// run failed: killed by signal 9"); every child is reaped, its pipe read to the end.
#ifndef COCONUT_SIM_ENGINE_RERUNS_H
#define COCONUT_SIM_ENGINE_RERUNS_H

#include "run_options.h"
#include "scenario.h"

namespace coconut::engine {

// Runs sc with opts and completes its determinism gate (left out when
// opts.skip_determinism_gate, as with --no-determinism-rerun) and its counterfactual isolation
// gates (never skipped). Throws what Simulation throws (scenario::ScenarioError for a machine
// that cannot be built, std::runtime_error for a trace file that cannot be written), after
// stopping and reaping the children.
RunResult run_scenario(const scenario::Scenario &sc, const RunOptions &opts);

} // namespace coconut::engine

#endif
