// A unit of work on one contended device: a CPU burst, a DMA transfer, a GPU compute burst, an
// inference request or an SSD read. The caller (sim/engine) owns it; a device fills the timing
// fields and calls sink->job_done() exactly once, at simulated time done_ns, with rc set.
#ifndef COCONUT_SIM_DEVICES_JOB_H
#define COCONUT_SIM_DEVICES_JOB_H

#include "coconut/sched.h"

#include <cstdint>

namespace coconut::devices {

using u32 = std::uint32_t;
using u64 = std::uint64_t;

struct Job;

class JobSink {
public:
	virtual ~JobSink() = default;
	// Called once per submitted job, from the device's SystemC process, at job.done_ns.
	virtual void job_done(Job &job) = 0;
};

// The scheduler's entity plus the way back to its job (the entity must be the first member:
// devices turn the co_sched_entity* that co_sched_pick() returns back into a JobEntity*).
struct JobEntity {
	co_sched_entity ent;
	Job *job;
};

enum class Stage : std::uint8_t { Cpu, Pcie, GpuCompute, Inference, Ssd };
const char *stage_name(Stage s); // "cpu" "pcie" "gpu" "inference" "ssd"

struct Job {
	JobEntity entity{}; // for the device's scheduler; entity.job == this while submitted
	u64 id = 0;	    // unique in a run, deterministic
	u64 aid = 0;
	u32 tenant = 0;
	Stage stage = Stage::Cpu;

	// Demands (only the stage's own are read).
	u64 cpu_ns = 0;	       // Cpu: CPU time
	u64 membw_bytes = 0;   // Cpu: bytes that CPU time streams from host memory (MemoryBus)
	u64 membw_rate = 0;    // Cpu: its stream's rate now, bytes/s (set by the MemoryBus)
	u64 bytes = 0;	       // Pcie, Ssd: bytes
	u64 gpu_ns = 0;	       // GpuCompute: GPU time on an idle partition
	u32 prompt_tokens = 0; // Inference
	u32 gen_tokens = 0;    // Inference
	u32 gpu = 0;	       // Pcie (the link), GpuCompute and Inference (the GPU) ...
	u32 partition = 0;     // ... and its partition

	// Filled by the device.
	u64 submit_ns = 0;	// when submit() was called
	u64 start_ns = 0;	// first service
	u64 done_ns = 0;	// completion (job_done is called at this time)
	u64 first_token_ns = 0; // Inference: when its first generated token came (0: none yet)
	u64 alone_ns = 0; // service time on an idle device with nominal parameters, set at submit
	u32 cpu_core = 0; // Cpu: the core that ran its last slice
	u64 run_ns = 0;	  // Cpu: wall time on a core (its slices, switches left out)
	int rc = 0;	  // 0, or -errno: -EIO (device or partition lost), -ENODEV (no such device)

	// Device-private progress (units served so far: ns, bytes or tokens).
	u64 served = 0;
	u32 phase = 0;
	u32 kv_blocks = 0;   // Inference: KV-cache blocks it holds
	u32 recompute = 0;   // Inference: generated tokens prefilled again after a preemption
	u32 preemptions = 0; // Inference: times its KV cache was taken from it

	JobSink *sink = nullptr;
	void *user = nullptr; // the engine's request
};

// Inference: the tokens its prefill computes: the prompt, and after a preemption the tokens it
// had generated too (recomputed, not generated again).
inline u32 prefill_target(const Job &j)
{
	return j.prompt_tokens + j.recompute;
}

inline Job *job_of(co_sched_entity *e)
{
	return e ? reinterpret_cast<JobEntity *>(e)->job : nullptr;
}

} // namespace coconut::devices

#endif // COCONUT_SIM_DEVICES_JOB_H
