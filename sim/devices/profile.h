// Device profiles: the numbers the device models run on, read from sim/devices/profiles/*.yaml.
// Every number in a profile file carries its source (a datasheet, a paper or a measurement), as
//   hbm_bytes: { value: 80GiB, source: "NVIDIA H100 datasheet, SXM5 column" }
// and the loader refuses a number without one. Loaded values are integers (bytes, ns, per s).
#ifndef COCONUT_SIM_DEVICES_PROFILE_H
#define COCONUT_SIM_DEVICES_PROFILE_H

#include <cstdint>
#include <map>
#include <string>

namespace coconut::devices {

using u32 = std::uint32_t;
using u64 = std::uint64_t;

struct GpuProfile {
	std::string name;
	u64 hbm_bytes = 0;
	u64 hbm_bytes_per_s = 0;	// memory bandwidth
	u64 dense_fp16_flops_per_s = 0; // tensor-core peak, dense
	u32 max_partitions = 1;		// MIG instances (1: not partitionable)
	// The broker's iteration cost (broker_cost.h), fitted to measurements:
	u64 weights_read_bytes_per_s = 0;    // streaming the weights through the linear layers
	u64 linear_flops_per_s = 0;	     // the linear layers' sustained FLOP rate
	u64 kv_read_bytes_per_s = 0;	     // decode attention reading the KV cache
	u64 attention_flops_per_s = 0;	     // prefill attention's sustained FLOP rate
	u64 attention_layer_overhead_ns = 0; // fixed cost of one layer's attention kernels
	u64 iteration_overhead_ns = 0;	     // CPU-side scheduling and launches per iteration
	std::map<std::string, std::string> sources; // field name -> source text
};

struct PcieProfile {
	std::string name;
	u64 bytes_per_s = 0;	  // sustained, one direction
	u64 copy_overhead_ns = 0; // per copy, the wire busy before data moves (not pipelined)
	u64 latency_ns = 0;	  // per copy, after its last byte (pipelined: the wire is free)
	u64 chunk_bytes = 262144; // arbitration granularity: one fair-share turn
	std::map<std::string, std::string> sources;
};

struct TpmProfile {
	std::string name;
	u64 nv_write_ns = 0; // one NV write
	u32 nv_indices = 0;  // NV indices available
	std::map<std::string, std::string> sources;
};

struct SsdProfile {
	std::string name;
	u64 read_bytes_per_s = 0;
	u64 write_bytes_per_s = 0;
	u64 read_latency_ns = 0;
	std::map<std::string, std::string> sources;
};

// Host memory (docs/devices.md, "Memory bandwidth"): a machine's bandwidth is its channels
// times channel_bytes_per_s; one core streams at most core_bytes_per_s; the kernel's throttle
// sets a tenant's limit in whole steps of throttle_step_bytes_per_s.
struct MemoryProfile {
	std::string name;
	u64 channel_bytes_per_s = 0;
	u64 core_bytes_per_s = 0;
	u64 throttle_step_bytes_per_s = 0;
	std::map<std::string, std::string> sources;
};

// Profiles by name (the file name without .yaml), from one directory. Loading validates every
// file of the directory it is asked for; errors are coconut::scenario::ScenarioError naming the
// file, line and field.
class ProfileLibrary {
public:
	explicit ProfileLibrary(std::string dir);
	const std::string &dir() const { return dir_; }
	bool has(const std::string &name) const; // a file <dir>/<name>.yaml exists
	// The kind of a profile file ("gpu", "pcie", "tpm", "ssd", "memory", from its `kind:`).
	std::string kind_of(const std::string &name) const;
	GpuProfile gpu(const std::string &name) const;
	PcieProfile pcie(const std::string &name) const;
	TpmProfile tpm(const std::string &name) const;
	SsdProfile ssd(const std::string &name) const;
	MemoryProfile memory(const std::string &name) const;

private:
	std::string dir_;
};

// The directory built into the binary (the source tree's sim/devices/profiles), overridden by
// the environment variable COCONUT_PROFILE_DIR.
std::string default_profile_dir();

} // namespace coconut::devices

#endif // COCONUT_SIM_DEVICES_PROFILE_H
