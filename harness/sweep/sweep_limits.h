// The limits of a sweep, in one place: what `coconut-sim sweep` and `merge` accept before any
// work starts (docs/sweeps.md).
#ifndef COCONUT_HARNESS_SWEEP_SWEEP_LIMITS_H
#define COCONUT_HARNESS_SWEEP_SWEEP_LIMITS_H

#include <cstdint>

namespace coconut::sweep {

inline constexpr std::uint64_t kSeedsMax = 1000000;	      // seeds in one sweep or merge
inline constexpr std::uint64_t kJobsMax = 256;		      // -j
inline constexpr std::uint64_t kShardsMax = 100000;	      // N of --shard K/N
inline constexpr std::uint64_t kRecordBytesMax = 64ull << 20; // one seed's JSON line
inline constexpr std::uint64_t kMergeDirsMax = 100000;

} // namespace coconut::sweep

#endif
