// See broker_cost.h.
#include "broker_cost.h"

#include "service.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace coconut::devices {

namespace {

using u128 = unsigned __int128;
constexpr u64 kFsPerS = 1000000000000000ull; // femtoseconds: fixed-point rates keep precision

// fs (or ps) for `amount` of work at `rate` per second, scaled by the partition's share: the
// partition has share_num / share_den of the rate.
u64 time_of(u128 amount, u64 unit_per_s, u64 rate, u64 share_num, u64 share_den)
{
	return div_ceil_u128(amount * unit_per_s * share_den, static_cast<u128>(rate) * share_num);
}

} // namespace

u64 isqrt_u128(u128 v)
{
	if (v == 0)
		return 0;
	const u64 hi = static_cast<u64>(v >> 64), lo = static_cast<u64>(v);
	const int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll(lo);
	// Newton's method from above: x = 2^ceil(bits / 2) >= sqrt(v), and x_{k+1} =
	// (x_k + v / x_k) / 2 decreases to floor(sqrt(v)) (one step per bit at worst).
	u128 x = static_cast<u128>(1) << ((bits + 1) / 2);
	for (int i = 0; i < 130; i++) {
		const u128 y = (x + v / x) / 2;
		if (y >= x)
			break;
		x = y;
	}
	CO_ASSERT(x * x <= v && (x >= UINT64_MAX || (x + 1) * (x + 1) > v));
	return static_cast<u64>(x);
}

BrokerCost::BrokerCost(const GpuProfile &gpu, const ModelShape &model, u64 share_num, u64 share_den,
		       u32 max_tokens)
{
	if (gpu.weights_read_bytes_per_s == 0 || gpu.linear_flops_per_s == 0 ||
	    gpu.kv_read_bytes_per_s == 0 || gpu.attention_flops_per_s == 0 || share_num == 0 ||
	    share_den == 0 || model.params == 0 || model.bytes_per_param == 0 || model.layers == 0)
		throw std::invalid_argument("BrokerCost (profile " + gpu.name +
					    "): every rate, the share and the model's params, "
					    "bytes per param and layers must be > 0");
	const u128 weights = static_cast<u128>(model.params) * model.bytes_per_param;
	overhead_ns_ = gpu.iteration_overhead_ns;
	weights_ps_ = time_of(weights, 1000000000000ull, gpu.weights_read_bytes_per_s, share_num,
			      share_den);
	linear_fs_per_token_ = time_of(2 * static_cast<u128>(model.params), kFsPerS,
				       gpu.linear_flops_per_s, share_num, share_den);
	attn_overhead_ps_ = static_cast<u64>(model.layers) * gpu.attention_layer_overhead_ns * 1000;
	kv_fs_per_token_ = time_of(model.kv_bytes_per_token, kFsPerS, gpu.kv_read_bytes_per_s,
				   share_num, share_den);
	attn_fs_per_unit_ = time_of(4 * static_cast<u128>(model.hidden) * model.layers, kFsPerS,
				    gpu.attention_flops_per_s, share_num, share_den);
	// The table covers the usual batch budgets (a few thousand tokens); a larger one is
	// computed on demand past 16384 rather than held in memory per replica.
	linear_table_ps_.resize(static_cast<size_t>(std::min<u32>(max_tokens, 16384)) + 1);
	for (u64 n = 0; n < linear_table_ps_.size(); n++)
		linear_table_ps_[n] = linear_ps_uncached(n);
	BatchShape one;
	one.add_decode(0);
	floor_ns_ = iteration_ns(one);
}

u64 BrokerCost::linear_ps_uncached(u64 tokens) const
{
	const u128 compute_ps = static_cast<u128>(linear_fs_per_token_) * tokens / 1000;
	const u128 w = weights_ps_;
	const u128 sq = w * w + compute_ps * compute_ps;
	const u64 r = isqrt_u128(sq);
	return static_cast<u128>(r) * r == sq ? r : r + 1; // rounded up
}

u64 BrokerCost::linear_ps(u64 tokens) const
{
	return tokens < linear_table_ps_.size() ? linear_table_ps_[tokens]
						: linear_ps_uncached(tokens);
}

u64 BrokerCost::iteration_ns(const BatchShape &b) const
{
	if (b.seqs == 0)
		return 0;
	u128 fs = static_cast<u128>(linear_ps(b.tokens) + attn_overhead_ps_) * 1000;
	fs += static_cast<u128>(kv_fs_per_token_) * b.kv_tokens;
	fs += static_cast<u128>(attn_fs_per_unit_) * b.attn_units;
	// The admission asks this at every candidate: below 2^64 fs (5 hours) the division by a
	// constant compiles to a multiplication, the same quotient as the 128-bit one.
	if ((fs >> 64) == 0) {
		const u64 f = static_cast<u64>(fs);
		return overhead_ns_ + f / 1000000 + (f % 1000000 != 0 ? 1 : 0);
	}
	return overhead_ns_ + div_ceil_u128(fs, 1000000);
}

} // namespace coconut::devices
