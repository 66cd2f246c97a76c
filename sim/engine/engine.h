// The engine's public API: what the CLI (harness/cli), the property tests (harness/props), the
// Python bindings and the release report use, and nothing beneath it (engine_impl.h, agents.h
// and the machine are the engine's own; scripts/check-kernel-api.sh refuses an include of them
// from outside sim/engine/). docs/engine.md is the guide.
//
//   scenario::Scenario        a scenario as a value: load_scenario_file / _string (scenario.h),
//                             write_scenario_yaml (writer.h) back to YAML that loads equal
//   RunOptions, RunResult     what a caller may change about a run, and what it gives back
//   Simulation                one run: run(), or run_until() / step() with calls as an agent
//                             in between, kernel reads (agentfs, audit), finish()
//   run_scenario              a run with every gate completed (the determinism and
//                             counterfactual reruns, each in a child process)
//   result_to_json            a RunResult as the documented JSON (docs/result.schema.json)
//   sim::sc_fresh_context     call before building each Simulation (one SystemC context each)
#ifndef COCONUT_SIM_ENGINE_ENGINE_H
#define COCONUT_SIM_ENGINE_ENGINE_H

#include "reruns.h"
#include "result_json.h"
#include "run_options.h"
#include "sc_context.h"
#include "scenario.h"
#include "simulation.h"
#include "writer.h"

#endif
