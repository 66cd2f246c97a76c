// A sweep's directory (docs/sweeps.md): seeds.jsonl (one record per line, by seed), summary.json
// (summarize() of those lines) and perf.json (wall time, memory: never compared). Reading one
// back checks every line; merging shards checks that they swept the same thing and share no
// seed.
#ifndef COCONUT_HARNESS_SWEEP_SWEEP_FILES_H
#define COCONUT_HARNESS_SWEEP_SWEEP_FILES_H

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace coconut::sweep {

// Makes dir (and its parents) and checks that it can be written, before any work:
// SweepError naming --out otherwise.
void prepare_dir(const std::string &dir);

// Writes seeds.jsonl and summary.json (each through a temporary file renamed into place, so a
// crash leaves the old file or the new one, never half of one).
void write_sweep(const std::string &dir, const std::vector<nlohmann::json> &sorted_records,
		 const nlohmann::json &summary);
void write_perf(const std::string &dir, const nlohmann::json &perf);

struct SweepDir {
	nlohmann::json header;		       // summary.json's "sweep"
	std::vector<nlohmann::json> records;   // seeds.jsonl, in file order
	std::vector<std::string> shrunk_files; // merge: the shards' shrunk scenarios, to copy
};
// SweepError naming the file, the line and the field for anything a sweep cannot have written.
SweepDir read_sweep(const std::string &dir);

// The records of every shard, sorted by seed, and their shared header; SweepError when two
// headers differ (naming the field) or a seed is in two shards (naming both directories).
SweepDir merge_sweeps(const std::vector<std::string> &dirs);

} // namespace coconut::sweep

#endif
