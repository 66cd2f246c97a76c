// The inference broker: per-AID queues and continuous batching with iteration-level
// scheduling (Orca, OSDI'22; chunked prefill as in Sarathi), admission by fair share on
// inference tokens (VTC, Sheng et al., OSDI'24). One replica of the model per GPU partition.
// Each iteration the replica asks its CO_SCHED_RES_TOKENS scheduler for sequences until the
// batch holds max_seqs sequences or batch_tokens tokens: a sequence in prefill takes
// min(its remaining prompt, the tokens left) tokens, one in decode takes 1 token; each pick
// is charged prompt_token_weight per prompt token and gen_token_weight per generated token.
// Sequences not finished are put back (reverse pick order) for the next iteration. Under fair,
// admission is by tenant too (broker_admission.h). An iteration takes what BrokerCost says for
// its tokens, the contexts its sequences read and its prefill chunks (broker_cost.h).
#ifndef COCONUT_SIM_DEVICES_BROKER_H
#define COCONUT_SIM_DEVICES_BROKER_H

#include "broker_cost.h"
#include "gpu.h"
#include "job.h"

#include <vector>

namespace coconut::devices {

struct BrokerParams {
	u32 batch_tokens = 8192;
	u32 max_seqs = 64;
	ModelShape model; // the model every replica serves (LLaMA-2-7B fp16 by default)
	u32 prompt_token_weight = 1;
	u32 gen_token_weight = 2;
	// The share of each partition's HBM the engine takes (vLLM's gpu_memory_utilization):
	// the weights, and the KV cache in what is left.
	u32 memory_percent = 90;
};

class InferenceBroker : public sc_core::sc_module {
public:
	// gpus: every GPU of the machine; token_scheds[g][p]: a CO_SCHED_RES_TOKENS scheduler
	// for partition p of gpu g, owned by the caller. Attaches itself to every partition.
	InferenceBroker(sc_core::sc_module_name name, const BrokerParams &params,
			const std::vector<Gpu *> &gpus,
			const std::vector<std::vector<co_sched *>> &token_scheds);
	~InferenceBroker() override;

	// Queues an inference request (stage Inference; prompt_tokens + gen_tokens > 0) on
	// job.gpu / job.partition. alone_ns = its service time as the only request on an idle
	// replica. -ENODEV (no such gpu/partition), -EIO (lost) or -E2BIG (its context could never
	// fit the replica's KV cache) complete at once with that rc.
	void submit(Job &job);
	// Service time of a lone request of these sizes on (gpu, partition).
	u64 alone_ns(u32 gpu, u32 partition, u32 prompt_tokens, u32 gen_tokens) const;
	// Scheduler units (weighted tokens) a full batch of prefill serves per second on (gpu,
	// partition): the replica's full rate, against which a lag limit in time is measured.
	u64 full_rate_units_per_s(u32 gpu, u32 partition) const;
	// Cancels a queued or running request (revoked cap): it completes now with rc; false when
	// the job is not here.
	bool cancel(Job &job, int rc);

	// Called by the partition: run one iteration now; returns its duration in ns (0 when no
	// sequence is waiting). The iteration's finished sequences complete at now + duration.
	u64 run_iteration(u32 gpu, u32 partition);
	// The partition was lost: fail every request on it with -EIO.
	void partition_lost(u32 gpu, u32 partition);

	// Sequences of `tenant` in the iteration running on (gpu, partition) now whose prompt
	// this iteration does not finish: work it waits for that the token scheduler does not see
	// queued while the iteration runs (a decode gets its one token: it waits for nothing).
	u32 cut_in_batch(u32 gpu, u32 partition, u32 tenant) const;
	u64 iterations() const;
	u64 tokens_processed() const;
	u64 preemptions() const;	 // sequences whose KV cache was taken (recomputed later)
	u64 kv_waits() const;		 // steps refused for want of KV blocks (they waited)
	u64 kv_capacity_tokens() const;	 // all replicas, whole blocks
	u64 kv_peak_used_tokens() const; // the largest of any replica's use, in tokens
	u64 completed() const;
	u32 queued() const;

private:
	struct Impl;
	Impl *impl_;
};

} // namespace coconut::devices

#endif
