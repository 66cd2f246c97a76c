// Which seeds a sweep runs: `--seeds A..B` (inclusive) split by `--shard K/N` (K counts from 0,
// as Slurm's SLURM_ARRAY_TASK_ID and a Kubernetes Indexed Job's JOB_COMPLETION_INDEX do): the
// i-th seed of the range goes to shard i mod N, so the shards are disjoint, cover the range,
// and differ in size by one at most.
#ifndef COCONUT_HARNESS_SWEEP_SWEEP_PLAN_H
#define COCONUT_HARNESS_SWEEP_SWEEP_PLAN_H

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace coconut::sweep {

using u64 = std::uint64_t;

// Bad input to a sweep or merge: the message names the option or file and the field.
class SweepError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct SeedRange {
	u64 first = 0;
	u64 last = 0; // inclusive
	u64 count() const { return last - first + 1; }
};

struct Shard {
	u64 index = 0; // K
	u64 count = 1; // N
};

// "A..B" (A <= B, at most kSeedsMax seeds) or one seed "A"; SweepError naming --seeds.
SeedRange parse_seeds(const std::string &text);
// "K/N" with 0 <= K < N <= kShardsMax; SweepError naming --shard.
Shard parse_shard(const std::string &text);
// The seeds of the range that fall to the shard, increasing.
std::vector<u64> shard_seeds(const SeedRange &r, const Shard &s);
// Increasing seeds as ranges: {1,2,3,5,7,8} -> "1..3,5,7..8"; {} -> "".
std::string seed_set_text(const std::vector<u64> &sorted);

} // namespace coconut::sweep

#endif
