// Every limit the scenario and profile loaders enforce, in one place. They bound the work and
// memory one (possibly hostile) file can cause, and keep names short enough for metric keys
// and messages. Kernel limits that a scenario must respect come from coconut/limits.h.
#ifndef COCONUT_SIM_SCENARIO_LIMITS_H
#define COCONUT_SIM_SCENARIO_LIMITS_H

#include <cstddef>
#include <cstdint>

namespace coconut::scenario::limits {

// A scenario or profile file larger than this is refused before parsing: real ones are a few
// KiB, and yaml-cpp keeps the whole document in memory several times over.
inline constexpr std::size_t file_bytes_max = 16u << 20;

// Nesting (block indentation levels and flow brackets): a scenario needs about eight. Past this,
// a file yaml-cpp refuses is reported as too deep (yaml-cpp's own words are "bad file").
inline constexpr std::size_t yaml_nesting_max = 64;

// Nodes (scalars, lists, maps) in a file, counted before the tree is built: yaml-cpp keeps ~450
// bytes each, so this bounds a file's tree near 110 MB (a 16 MiB file can hold 8 million). The
// largest shipped scenario (platform-200-tenants) has 8,693; 255 tenants of 64 groups at 15
// nodes each would be 245,000.
inline constexpr std::size_t yaml_nodes_max = 250000;

// Tokens of one request (prompt or generated), in a scenario's ranges and in a trace's rows:
// a million is past every model's context today, and keeps token sums far from overflow.
inline constexpr std::uint32_t request_tokens_max = 1u << 20;

// One syscall's entry and exit: ~0.1 us bare, 1-2 us with speculation mitigations; 100 us is
// far past any machine, so a larger value is a unit typo (876600h was accepted).
inline constexpr std::uint64_t syscall_entry_ns_max = 100'000;

// Simulated time of one run (a scenario's duration, --until): 30 days. The release scenario's
// 600 s take seconds of wall time, a busy platform's day hours, so past this a value is a typo
// (876600h, 100 years, was accepted and then ran silently for minutes before anyone knew).
inline constexpr std::uint64_t duration_ns_max = 720ull * 3600 * 1000000000;

inline constexpr std::size_t name_bytes_max = 64;	   // scenario, tenant, group, gate, model
inline constexpr std::size_t description_bytes_max = 4096; // scenario description
inline constexpr std::size_t path_bytes_max = 4096;	   // trace files, fs paths (PATH_MAX)
inline constexpr std::size_t metric_bytes_max = 256;	   // a metric name in a gate
inline constexpr std::size_t unit_text_bytes_max = 64;	   // "1.5MiB", "300/min", ...

inline constexpr std::size_t tenants_max =
	255; // CO_SCHED_TENANTS_MAX less the root agent's tenant 0
inline constexpr std::size_t groups_per_tenant_max = 64;
inline constexpr std::size_t fs_paths_per_request_max = 256;
inline constexpr std::size_t events_max = 100000;
inline constexpr std::size_t gates_max = 256;
inline constexpr std::size_t gpu_entries_max = 16;  // entries of machine.gpus
inline constexpr std::uint32_t gpus_total_max = 64; // GPUs of one machine, all entries together
// Memory channels serving one machine's cores: 12 per socket on AMD EPYC 9004, 8 sockets.
inline constexpr std::uint32_t memory_channels_max = 96;

inline constexpr std::uint32_t weight_max = 1000000; // tenant and lane weights
inline constexpr std::uint32_t concurrency_max = 4096;
inline constexpr std::uint32_t max_outstanding_max = 1u << 20;
inline constexpr std::uint32_t spawn_count_max = 4096; // agents a spawn event adds
inline constexpr std::uint32_t ring_pressure_count_max = 1u << 20;
inline constexpr std::uint32_t tpm_fail_count_max = 1u << 20;
inline constexpr std::uint32_t bytes_per_param_max = 8;
inline constexpr std::uint32_t model_layers_max = 1024; // broker.model.layers (LLaMA-3-405B: 126)
inline constexpr std::uint32_t model_hidden_max = 1u << 16; // broker.model.hidden (405B: 16384)
inline constexpr std::uint32_t trace_share_max = 1u << 16;
// machine.cpu_preempt: a context switch is microseconds; a millisecond is already absurd.
inline constexpr std::uint64_t cpu_preempt_ns_max = 1000000;
// machine.sched_lag: a minute of every tenant's share; the machine clamps each scheduler's
// limit to the kernel's CO_SCHED_LAG_UNITS_MAX (2^40 units) besides.
inline constexpr std::uint64_t sched_lag_ns_max = 60000000000ull;

} // namespace coconut::scenario::limits

#endif // COCONUT_SIM_SCENARIO_LIMITS_H
