// `coconut-sim sweep --shrink`: each failing seed's scenario shrunk to a small one that still
// fails the same gate (props/shrink.h: delta debugging over the scenario value), written as
// DIR/shrunk/seed-S.yaml. Each candidate runs as the seed did (run_seeds: a child process,
// every gate completed), so a shrunk scenario fails exactly as `coconut-sim run FILE` shows.
// "The same gate" means the first gate the seed failed, failing again with a measured value
// when the seed's failure had one (not "too few samples": that is another failure).
#ifndef COCONUT_HARNESS_SWEEP_SWEEP_SHRINK_H
#define COCONUT_HARNESS_SWEEP_SWEEP_SHRINK_H

#include "engine.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace coconut::sweep {

// rec: a failing seed_record of sc run with opts. Writes dir/shrunk/seed-S.yaml and adds
// "shrunk": {"file" (relative to dir), "gate" (the gate it still fails), "from", "to" (sizes),
// "runs"} to rec. At most tries_max candidates run.
void shrink_failing_seed(const scenario::Scenario &sc, const engine::RunOptions &opts,
			 std::uint64_t tries_max, const std::string &dir, nlohmann::json &rec);

} // namespace coconut::sweep

#endif
