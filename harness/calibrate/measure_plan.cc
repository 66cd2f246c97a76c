// The measurement plan: what each step measures and how often (measure.h). The full plan runs
// in well under the 3 minutes on an A100 or H100 (docs/calibrate.md has the estimate);
// --quick keeps the shape of every curve with fewer points, smaller buffers and 3 repeats,
// for a check that the tool works.
#include "broker_cost.h"
#include "measure.h"

#include "calibrate_limits.h"

#include <cassert>

namespace coconut::calibrate {

Plan make_plan(bool quick)
{
	namespace l = limits;
	Plan p;
	p.quick = quick;
	const u64 copy_max = quick ? l::copy_bytes_max_quick : l::copy_bytes_max;
	for (u64 b = l::copy_bytes_min; b <= copy_max; b *= 4)
		p.copy_bytes.push_back(b);
	p.copy_repeats = quick ? l::copy_repeats_quick : l::copy_repeats;
	p.lone_repeats = quick ? l::lone_repeats_quick : l::lone_repeats;
	p.gpu_repeats = quick ? l::gpu_repeats_quick : l::gpu_repeats;
	p.gpu_ops = l::gpu_ops_per_repeat;
	p.hbm_bytes = quick ? l::hbm_buffer_bytes_quick : l::hbm_buffer_bytes;
	p.gemm_sizes = quick ? std::vector<u64>{ 4096 } : std::vector<u64>{ 2048, 4096, 8192 };
	p.decode_tokens =
		quick ? std::vector<u64>{ 1, 8, 64 } : std::vector<u64>{ 1, 2, 4, 8, 16, 32, 64 };
	p.prefill_tokens = quick ? std::vector<u64>{ 128, 512, 2048 }
				 : std::vector<u64>{ 128, 256, 512, 1024, 2048 };
	p.kv_batches = quick ? std::vector<u64>{ 1, 16 } : std::vector<u64>{ 1, 4, 16, 64 };
	p.kv_contexts =
		quick ? std::vector<u64>{ 128, 1024 } : std::vector<u64>{ 128, 512, 2048, 4096 };
	p.prefill_attention =
		quick ? std::vector<std::pair<u64, u64>>{ { 512, 0 }, { 1024, 0 }, { 512, 1536 } }
		      : std::vector<std::pair<u64, u64>>{ { 256, 0 },	 { 512, 0 },
							  { 1024, 0 },	 { 2048, 0 },
							  { 512, 1536 }, { 1024, 1024 },
							  { 1024, 3072 } };
	// The ranges, and enough points for the fits (fit.h: 2 linear, 3 attention).
	assert(p.copy_bytes.front() == l::copy_bytes_min && p.copy_bytes.size() >= 3);
	assert(p.decode_tokens.back() <= l::decode_batch_max);
	assert(p.kv_batches.back() <= l::decode_batch_max);
	assert(p.kv_contexts.front() >= l::context_min && p.kv_contexts.back() <= l::context_max);
	assert(p.prefill_tokens.front() >= l::prefill_tokens_min &&
	       p.prefill_tokens.back() <= l::prefill_tokens_max);
	assert(p.decode_tokens.size() + p.prefill_tokens.size() >= 2);
	assert(p.prefill_attention.size() >= 2);
	return p;
}

ProxyModel proxy_model()
{
	// The broker's default model (devices::ModelShape: LLaMA-2-7B fp16), and what only the
	// proxies need besides.
	const devices::ModelShape shape;
	ProxyModel m;
	m.name = "LLaMA-2-7B";
	m.params = shape.params;
	m.bytes_per_param = shape.bytes_per_param;
	m.layers = shape.layers;
	m.hidden = shape.hidden;
	m.kv_bytes_per_token = shape.kv_bytes_per_token;
	m.intermediate = 11008;
	m.heads = 32;
	const u64 h = m.hidden, i = m.intermediate;
	m.layer_linear_params = 4 * h * h + 3 * h * i; // QKV 3h^2, O h^2, gate+up 2hi, down ih
	assert(m.kv_bytes_per_token == 2ull * m.layers * m.hidden * m.bytes_per_param);
	return m;
}

} // namespace coconut::calibrate
