// The hand-written kernels: an empty one (launch overhead), a streaming copy (HBM bandwidth),
// the KV-read kernel of the decode proxy, and the fill that gives every buffer data.
#include "cuda_util.h"
#include "measure.h"

#include "calibrate_limits.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace coconut::calibrate {

namespace {

__global__ void empty_kernel() {}

// Grid-stride copy of 16-byte words: each element read once and written once.
__global__ void stream_copy(const float4 *__restrict__ src, float4 *__restrict__ dst, u64 n)
{
	const u64 stride = static_cast<u64>(gridDim.x) * blockDim.x;
	for (u64 i = static_cast<u64>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
		dst[i] = src[i];
}

__device__ float hashed_value(u64 i, u32 seed)
{
	u64 x = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return static_cast<float>(x & 0xffff) / 65536.0f - 0.5f;
}

__global__ void fill_fp16_kernel(__half *p, u64 n, u32 seed)
{
	const u64 stride = static_cast<u64>(gridDim.x) * blockDim.x;
	for (u64 i = static_cast<u64>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
		p[i] = __float2half(hashed_value(i, seed));
}

__global__ void fill_bf16_kernel(__nv_bfloat16 *p, u64 n, u32 seed)
{
	const u64 stride = static_cast<u64>(gridDim.x) * blockDim.x;
	for (u64 i = static_cast<u64>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
		p[i] = __float2bfloat16(hashed_value(i, seed));
}

// ---- The KV-read kernel: one layer of decode attention, as far as memory sees it ----
//
// K and V of one layer laid out [sequence][token][K or V][hidden] in FP16, as a serving
// engine's cache holds them contiguously per token (hidden = heads x 128). Block (head, seq,
// split) takes kv_tokens_per_block tokens of one head of one sequence, split across the
// context as flash-decoding does so that batch 1 still fills the GPU; each warp takes every
// kv_warps-th token, each lane 4 of the head's 128 dimensions: score = q.k (a warp sum), then
// out += score * v. Softmax is left out (it costs no memory traffic); partial outputs are added
// with atomics. Every byte of K and V is read exactly once: batch x context x 2 x hidden x 2.
constexpr u32 head_dim = 128;
constexpr u32 kv_warps = 4;
constexpr u32 kv_tokens_per_block = 256;
constexpr u32 kv_unroll = 4; // tokens in flight per warp: loads issued before the sums

__device__ float4 load4(const __half *p)
{
	const uint2 raw = *reinterpret_cast<const uint2 *>(p);
	const float2 a = __half22float2(*reinterpret_cast<const __half2 *>(&raw.x));
	const float2 b = __half22float2(*reinterpret_cast<const __half2 *>(&raw.y));
	return make_float4(a.x, a.y, b.x, b.y);
}

__global__ void __launch_bounds__(kv_warps * 32)
kv_read_kernel(const __half *__restrict__ kv, const __half *__restrict__ q, float *out, u32 context,
	       u32 hidden)
{
	const u32 head = blockIdx.x, seq = blockIdx.y;
	const u32 lane = threadIdx.x % 32, warp = threadIdx.x / 32;
	const u32 first = blockIdx.z * kv_tokens_per_block;
	const u32 last = min(context, first + kv_tokens_per_block);
	const u32 dim = head * head_dim + lane * 4;
	const float4 qv = load4(q + static_cast<u64>(seq) * hidden + dim);
	const __half *base = kv + static_cast<u64>(seq) * context * 2 * hidden + dim;
	float4 acc = make_float4(0, 0, 0, 0);
	for (u32 t0 = first + warp; t0 < last; t0 += kv_warps * kv_unroll) {
		float4 k[kv_unroll], v[kv_unroll];
#pragma unroll
		for (u32 u = 0; u < kv_unroll; u++) {
			const u32 t = min(t0 + u * kv_warps, last - 1); // clamped: read, then dropped
			k[u] = load4(base + static_cast<u64>(t) * 2 * hidden);
			v[u] = load4(base + static_cast<u64>(t) * 2 * hidden + hidden);
		}
#pragma unroll
		for (u32 u = 0; u < kv_unroll; u++) {
			float s = qv.x * k[u].x + qv.y * k[u].y + qv.z * k[u].z + qv.w * k[u].w;
			for (int o = 16; o > 0; o /= 2)
				s += __shfl_xor_sync(0xffffffffu, s, o);
			if (t0 + u * kv_warps >= last)
				s = 0;
			acc.x += s * v[u].x;
			acc.y += s * v[u].y;
			acc.z += s * v[u].z;
			acc.w += s * v[u].w;
		}
	}
	float *o = out + static_cast<u64>(seq) * hidden + dim;
	atomicAdd(o + 0, acc.x);
	atomicAdd(o + 1, acc.y);
	atomicAdd(o + 2, acc.z);
	atomicAdd(o + 3, acc.w);
}

u32 fill_blocks(const cudaDeviceProp &p) { return static_cast<u32>(p.multiProcessorCount) * 8; }

cudaDeviceProp properties()
{
	int dev = 0;
	CO_CUDA(cudaGetDevice(&dev));
	cudaDeviceProp p{};
	CO_CUDA(cudaGetDeviceProperties(&p, dev));
	return p;
}

} // namespace

void fill_fp16(void *p, u64 count, u32 seed, cudaStream_t stream)
{
	fill_fp16_kernel<<<fill_blocks(properties()), 256, 0, stream>>>(static_cast<__half *>(p),
									 count, seed);
	CO_CUDA(cudaGetLastError());
}

void fill_bf16(void *p, u64 count, u32 seed, cudaStream_t stream)
{
	fill_bf16_kernel<<<fill_blocks(properties()), 256, 0, stream>>>(
		static_cast<__nv_bfloat16 *>(p), count, seed);
	CO_CUDA(cudaGetLastError());
}

void measure_launch(const Plan &plan, Sample &s, const Tick &tick)
{
	Stream stream;
	const cudaStream_t st = stream.get();
	tick("empty kernels, back to back");
	s.launch.ops = limits::launches_per_repeat;
	s.launch.ns = time_on_stream(st, plan.gpu_repeats, s.launch.ops,
				     [&] { empty_kernel<<<1, 1, 0, st>>>(); });
	tick("empty kernel + synchronize, one at a time");
	s.launch.lone_ns = time_on_host(plan.lone_repeats, [&] {
		empty_kernel<<<1, 1, 0, st>>>();
		CO_CUDA(cudaStreamSynchronize(st));
	});
}

void measure_hbm(const Plan &plan, Sample &s, const Tick &tick)
{
	const u64 words = plan.hbm_bytes / sizeof(float4);
	DeviceBuffer<float4> src(words), dst(words);
	Stream stream;
	const cudaStream_t st = stream.get();
	CO_CUDA(cudaMemsetAsync(src.get(), 1, words * sizeof(float4), st));
	const u32 blocks = fill_blocks(properties());
	tick("streaming copy of " + std::to_string(plan.hbm_bytes >> 20) + " MiB");
	s.hbm.bytes = words * sizeof(float4);
	s.hbm.ns = time_on_stream(st, plan.gpu_repeats, plan.gpu_ops, [&] {
		stream_copy<<<blocks, 256, 0, st>>>(src.get(), dst.get(), words);
	});
}

void measure_kv_read(const Plan &plan, Sample &s, const Tick &tick)
{
	const ProxyModel &m = s.model;
	if (m.hidden != m.heads * head_dim)
		throw std::runtime_error("the KV-read kernel takes heads of 128 dimensions");
	const u64 batch_max = plan.kv_batches.back(), context_max = plan.kv_contexts.back();
	DeviceBuffer<__half> kv(batch_max * context_max * 2 * m.hidden), q(batch_max * m.hidden);
	DeviceBuffer<float> out(batch_max * m.hidden);
	Stream stream;
	const cudaStream_t st = stream.get();
	fill_fp16(kv.get(), kv.count(), 1, st);
	fill_fp16(q.get(), q.count(), 2, st);
	CO_CUDA(cudaMemsetAsync(out.get(), 0, out.count() * sizeof(float), st));
	for (const u64 batch : plan.kv_batches)
		for (const u64 context : plan.kv_contexts) {
			tick("batch " + std::to_string(batch) + " x context " + std::to_string(context));
			const dim3 grid(m.heads, static_cast<u32>(batch),
					static_cast<u32>((context + kv_tokens_per_block - 1) /
							 kv_tokens_per_block));
			Repeats ns = time_on_stream(st, plan.gpu_repeats, plan.gpu_ops, [&] {
				kv_read_kernel<<<grid, kv_warps * 32, 0, st>>>(
					kv.get(), q.get(), out.get(), static_cast<u32>(context), m.hidden);
			});
			s.kv_read.push_back({batch, context, std::move(ns)});
		}
}

} // namespace coconut::calibrate
