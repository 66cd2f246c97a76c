// What a sweep writes (docs/sweeps.md): one JSON line per seed (seeds.jsonl) and a summary
// computed from those lines alone (summary.json), so merging the shards of a sweep gives the
// unsharded sweep's files byte for byte: histograms travel in their exact form
// (LogHistogram::to_exact_json) and merge exactly, and nothing that differs between two runs of
// the same seed (wall time, memory, the shard) is in either file (perf.json has those).
#ifndef COCONUT_HARNESS_SWEEP_SWEEP_RECORD_H
#define COCONUT_HARNESS_SWEEP_SWEEP_RECORD_H

#include "engine.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace coconut::sweep {

using u64 = std::uint64_t;

// What every seed of a sweep shares; shards merge only when theirs are equal.
//   {"scenario": its name, "file": the path given, "digest": BLAKE3 of the scenario as run
//    (overrides but the seed applied, as YAML), "policy", "until_ns" (0: the scenario's
//    duration), "determinism": whether each seed's determinism rerun ran,
//    "run_args": the options `coconut-sim run` needs to repeat one seed,
//    "shrink_tries": candidates per failing seed with --shrink (0: none),
//    "range": {"first", "last"}: --seeds, the whole sweep's (every shard's the same), so a
//    merge can tell that a shard is missing}
nlohmann::json sweep_header(const std::string &file, const scenario::Scenario &sc,
			    const engine::RunOptions &opts,
			    const std::vector<std::string> &run_args, u64 shrink_tries,
			    u64 first_seed, u64 last_seed);

// The command that repeats one seed: "coconut-sim run FILE --seed S <run_args>".
std::string repro_command(const nlohmann::json &header, u64 seed);

// One seed's line: {"seed", "pass", "fingerprint", "simulated_ns", "failed_gates": [names],
// "gates": [{"name", "kind", "pass", "measured", "bound"}], "values": {name: int},
// "histograms": {name: exact}} (with --shrink a failing one also "shrunk", sweep_shrink.h);
// or {"seed", "pass": false, "error": why} when the run could not be made.
nlohmann::json seed_record(u64 seed, const engine::RunResult &r);
nlohmann::json error_record(u64 seed, const std::string &why);

// Checks a line read back (merge): SweepError naming where and the field.
void check_record(const nlohmann::json &rec, const std::string &where);

// The summary of records sorted by seed, each seed once (asserted):
//   {"sweep": header, "seeds": {"count", "set": "1..3,5"}, "passed", "failed", "errors",
//    "failing": [{"seed", "failed_gates" | "error", "repro", ["shrunk"]}],
//    "gates": {name: {"pass", "fail"}},
//    "values": {name: {"seeds", "min", "max", "sum"}},
//    "histograms": {name: {"count", "min", "max", "p50", "p90", "p99", "p999", "exact"}}}
// Histograms with one name are merged over the seeds; values are summed with saturation.
nlohmann::json summarize(const nlohmann::json &header, const std::vector<nlohmann::json> &sorted);

// The exit code of a sweep with this summary: 0 every seed passed, 1 one failed (a gate), 3 a
// run could not be made (an error record).
int summary_exit_code(const nlohmann::json &summary);

} // namespace coconut::sweep

#endif
