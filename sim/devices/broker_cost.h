// The inference broker's iteration cost: what one continuous-batching iteration of a
// transformer takes on one GPU partition, from the GPU profile's fitted rates and the model's
// shape. Fitted to published measurements (docs/devices.md, "Inference broker"; the fit and its
// residuals are sim/devices/calibration):
//
//   t = iteration_overhead
//     + sqrt(weights_time^2 + linear_time(tokens)^2)       the linear layers, a soft roofline
//     + layers * attention_layer_overhead                   (when the batch holds anything)
//     + kv_tokens_read * kv_bytes_per_token / kv_read_rate  decode attention: every context read
//     + 4 * hidden * layers * sum(chunk * (offset + chunk)) / attention_flop_rate   prefill attention
//
// weights_time = params * bytes_per_param / weights_read_rate, linear_time(n) =
// 2 * params * n / linear_flop_rate; every rate is scaled by the partition's share. The soft
// roofline (an L2 norm of the memory and compute times) fits Vidur's measured LLaMA-2-7B linear
// layers within 3 % at 1..2048 tokens where max() was off by up to 34 % in the transition.
//
// Integer arithmetic: the linear term is a table over the batch's tokens (computed once, in
// picoseconds, exact integer square roots); the other terms are fixed-point rates.
#ifndef COCONUT_SIM_DEVICES_BROKER_COST_H
#define COCONUT_SIM_DEVICES_BROKER_COST_H

#include "profile.h"

#include <vector>

namespace coconut::devices {

// The model's shape, as the cost needs it.
struct ModelShape {
	u64 params = 6740000000ull; // LLaMA-2-7B
	u32 bytes_per_param = 2;
	u32 layers = 32;
	u32 hidden = 4096;
	u64 kv_bytes_per_token = 524288; // 2 (K, V) * layers * hidden * bytes_per_param
};

// What one iteration holds, as its cost sees it.
struct BatchShape {
	u64 tokens = 0; // tokens through the linear layers (prefill chunks + one per decode)
	u64 kv_tokens =
		0; // context tokens whose K and V are read (decode contexts, prefill prefixes)
	u64 attn_units = 0; // sum over prefill chunks of chunk * (offset + chunk)
	u32 seqs = 0;

	void add_prefill(u64 chunk, u64 offset)
	{
		tokens += chunk;
		kv_tokens += offset;
		attn_units += chunk * (offset + chunk);
		seqs++;
	}
	// A chunk already in the batch (chunk tokens at offset) grows by extra tokens.
	void grow_prefill(u64 chunk, u64 offset, u64 extra)
	{
		tokens += extra;
		attn_units += (chunk + extra) * (offset + chunk + extra) - chunk * (offset + chunk);
	}
	void add_decode(u64 context)
	{
		tokens += 1;
		kv_tokens += context;
		seqs++;
	}
};

class BrokerCost {
public:
	// share_num / share_den of the GPU (a partition's HBM over the GPU's); the linear table
	// covers up to max_tokens tokens (the batch budget; more is computed, not looked up).
	BrokerCost(const GpuProfile &gpu, const ModelShape &model, u64 share_num, u64 share_den,
		   u32 max_tokens);

	u64 iteration_ns(const BatchShape &b) const;
	// The linear layers alone for n tokens, in picoseconds (the soft roofline).
	u64 linear_ps(u64 tokens) const;
	// The cheapest non-empty iteration: one decode token with no context.
	u64 floor_ns() const { return floor_ns_; }

private:
	u64 linear_ps_uncached(u64 tokens) const;

	u64 overhead_ns_ = 0;
	u64 weights_ps_ = 0;	      // the weights streamed once
	u64 linear_fs_per_token_ = 0; // femtoseconds of linear-layer compute per token
	u64 attn_overhead_ps_ = 0;    // layers * the per-layer attention overhead
	u64 kv_fs_per_token_ = 0;     // femtoseconds to read one token's K and V (all layers)
	u64 attn_fs_per_unit_ = 0;    // femtoseconds per chunk * (offset + chunk) unit of prefill
	std::vector<u64> linear_table_ps_;
	u64 floor_ns_ = 0;
};

// floor(sqrt(v)) of a 128-bit value, exactly.
u64 isqrt_u128(unsigned __int128 v);

} // namespace coconut::devices

#endif
