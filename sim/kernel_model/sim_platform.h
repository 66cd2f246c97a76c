// The platform interface (coconut/platform.h) on simulated time: what one simulated machine's
// kernel instance sees. The clock is SystemC's (integer ns), the CPU is the one the model says
// the caller runs on, memory is counted (the memory figures of the benchmarks), the lock is a
// no-op because a simulation is one thread, NV writes go to the machine's TPM model, and the
// boot id is derived from the scenario's seed so that the audit chain's head_0 is reproducible.
#ifndef COCONUT_SIM_KERNEL_MODEL_SIM_PLATFORM_H
#define COCONUT_SIM_KERNEL_MODEL_SIM_PLATFORM_H

#include "coconut/platform.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace coconut::kmodel {

class SimPlatform {
public:
	// tpm_write: where NV writes go (the TPM model); may be empty (writes fail with -ENODEV).
	using TpmWrite = std::function<int(u32 index, const u8 *data, size_t len)>;

	SimPlatform(u32 cpu_count, u64 seed, TpmWrite tpm_write);
	SimPlatform(const SimPlatform &) = delete;
	SimPlatform &operator=(const SimPlatform &) = delete;

	co_plat plat() { return co_plat{ &ops_, this }; }

	// The CPU the next kernel call runs on (< cpu_count).
	void set_cpu(u32 cpu);
	u32 cpu() const { return cpu_; }
	u32 cpu_count() const { return cpu_count_; }

	u64 live_bytes() const { return live_bytes_; }
	u64 peak_bytes() const { return peak_bytes_; }
	u64 allocations() const { return allocations_; }
	const u8 *boot_id() const { return boot_id_; }

	// Kernel log lines (kept, bounded: the first kLogLinesMax; the rest are counted).
	static constexpr size_t kLogLinesMax = 1000;
	const std::vector<std::string> &log_lines() const { return log_; }
	u64 log_dropped() const { return log_dropped_; }

private:
	static co_plat_ops make_ops();
	static SimPlatform *self(void *ctx) { return static_cast<SimPlatform *>(ctx); }

	const co_plat_ops ops_;
	u32 cpu_count_;
	u32 cpu_ = 0;
	u8 boot_id_[CO_BOOT_ID_SIZE];
	TpmWrite tpm_write_;
	u64 live_bytes_ = 0;
	u64 peak_bytes_ = 0;
	u64 allocations_ = 0;
	std::vector<std::string> log_;
	u64 log_dropped_ = 0;
};

} // namespace coconut::kmodel

#endif
