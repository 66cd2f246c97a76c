// Every limit and every planned count of the calibration tool, in one place, each with its why.
// Two kinds: bounds the sample reader enforces (a sample file is input a user can get wrong),
// and the measurement plan (sizes, repeats), chosen so a whole run fits the 3 minutes
// on an A100/H100 with room to spare (docs/calibrate.md has the arithmetic).
#ifndef COCONUT_HARNESS_CALIBRATE_LIMITS_H
#define COCONUT_HARNESS_CALIBRATE_LIMITS_H

#include <cstddef>
#include <cstdint>

namespace coconut::calibrate::limits {

// ---- The sample file (sample_read.cc) ----

// The sample format this tool writes and reads; a reader refuses other versions rather than
// guessing what their fields mean.
inline constexpr std::uint32_t sample_format = 1;
// Repeats of one measurement: fewer than 3 gives no spread worth the name; the tool takes at
// most a few hundred, so 4096 only stops a runaway file.
inline constexpr std::size_t repeats_min = 3;
inline constexpr std::size_t repeats_max = 4096;
// Points of one series (sizes of the copy curve, batch x context of the KV reads, ...): the
// plan has at most 60 of any kind.
inline constexpr std::size_t points_max = 256;
// One timing: a 1 GiB pageable copy is ~0.1 s; a minute means something is wrong.
inline constexpr std::uint64_t timing_ns_max = 60ull * 1000 * 1000 * 1000;
// Copies and transfers: 1 TiB bounds anything a device or host has.
inline constexpr std::uint64_t bytes_max = 1ull << 40;
// Tokens, batch, context and GEMM dimensions of the proxies.
inline constexpr std::uint64_t dimension_max = 1u << 20;
// Back-to-back operations averaged into one repeat.
inline constexpr std::uint32_t ops_per_repeat_max = 1u << 20;
// Device and driver text (cudaDeviceProp::name is 256 bytes).
inline constexpr std::size_t text_bytes_max = 256;
// The profile loader's limits (sim/devices/profile.cc, scenario_limits.h): a source text of at
// most 1024 bytes, a description of at most 4096, a profile name of at most 64.
inline constexpr std::size_t source_bytes_max = 1024;
inline constexpr std::size_t profile_name_bytes_max = 64;
// The longest suffix the writer adds to the device's slug ("-measured-pcie").
inline constexpr std::size_t profile_suffix_bytes_max = 14;

// ---- The measurement plan (measure_*.cu); `quick` halves sizes and repeats where it can ----

inline constexpr std::uint64_t copy_bytes_min = 4096;	    // the 4 KiB ..
inline constexpr std::uint64_t copy_bytes_max = 1ull << 30; // .. 1 GiB, in steps of x4
inline constexpr std::uint64_t copy_bytes_max_quick = 64ull << 20;
// Each repeat of a copy size moves at least this many bytes (or copy_ops_max copies), so a
// 4 KiB copy is averaged over enough back-to-back copies to see the copy engine's rate, not
// the event timer's 0.5 us resolution.
inline constexpr std::uint64_t copy_repeat_bytes_min = 64ull << 20;
inline constexpr std::uint32_t copy_ops_max = 256;
inline constexpr std::uint32_t copy_repeats = 7;
inline constexpr std::uint32_t copy_repeats_quick = 3;
// Lone copies and lone launches, timed on the host one at a time: cheap, so many.
inline constexpr std::uint32_t lone_repeats = 101;
inline constexpr std::uint32_t lone_repeats_quick = 21;
inline constexpr std::uint64_t lone_copy_bytes = 4096;
// Back-to-back empty kernels per repeat: enough that the event timer's resolution is 0.1 %.
inline constexpr std::uint32_t launches_per_repeat = 1000;
// Repeats of every GPU-side measurement (HBM, GEMM, proxies), and launches per repeat.
inline constexpr std::uint32_t gpu_repeats = 9;
inline constexpr std::uint32_t gpu_repeats_quick = 3;
inline constexpr std::uint32_t gpu_ops_per_repeat = 10;
// The streaming kernel reads and writes this many bytes each (well beyond any L2: 50 MiB).
inline constexpr std::uint64_t hbm_buffer_bytes = 1ull << 30;
inline constexpr std::uint64_t hbm_buffer_bytes_quick = 256ull << 20;
// The ranges for the proxies.
inline constexpr std::uint64_t decode_batch_max = 64;
inline constexpr std::uint64_t context_min = 128;
inline constexpr std::uint64_t context_max = 4096;
inline constexpr std::uint64_t prefill_tokens_min = 128;
inline constexpr std::uint64_t prefill_tokens_max = 2048;
// The whole run, as the issue asks; the tool reports its time and says so if it was over.
inline constexpr double run_budget_s = 180.0;

} // namespace coconut::calibrate::limits

#endif // COCONUT_HARNESS_CALIBRATE_LIMITS_H
