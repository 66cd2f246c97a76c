// Runs the seeds of a sweep, `jobs` at a time, each in its own child process: SystemC allows one
// simulation per process context, and a child that crashes or runs out of memory costs one
// seed's record (an error record saying how it died), not the sweep. Each child runs
// engine::run_scenario (so its gates are exactly `coconut-sim run --seed S`'s, the determinism
// and counterfactual reruns included) and sends its record back over a pipe.
#ifndef COCONUT_HARNESS_SWEEP_SWEEP_RUNNER_H
#define COCONUT_HARNESS_SWEEP_SWEEP_RUNNER_H

#include "engine.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <vector>

namespace coconut::sweep {

using u64 = std::uint64_t;

struct SeedOutcome {
	nlohmann::json record;	   // seed_record or error_record
	u64 max_rss_kib = 0;	   // the child's peak resident set (its reruns' children included)
	bool bad_scenario = false; // the machine could not be built (scenario::ScenarioError)
};

// Called in the parent as each seed finishes, in the order they finish.
using OnSeed = std::function<void(const SeedOutcome &)>;

// Runs every seed (at most `jobs` children at once, jobs >= 1) and returns the outcomes in
// seed order. opts.seed is replaced by each seed. crash_seed plants a crash for the test that
// shows a dying child costs its seed only: that seed's child is killed (SIGKILL) before it answers.
inline constexpr u64 kNoCrash = ~0ull;
std::vector<SeedOutcome> run_seeds(const scenario::Scenario &sc, const engine::RunOptions &opts,
				   const std::vector<u64> &seeds, u64 jobs, const OnSeed &on_seed,
				   u64 crash_seed = kNoCrash);

} // namespace coconut::sweep

#endif
