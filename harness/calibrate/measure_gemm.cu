// cuBLAS measurements: GEMM throughput (FP16 and BF16 in, FP32 accumulation, square sizes),
// the linear-layer proxy (one layer's four GEMMs, at decode and prefill token counts) and the
// prefill attention proxy (per head, S = K^T Q and O = V S, batched over the heads).
#include "cuda_util.h"
#include "measure.h"

#include <cublas_v2.h>

#include <cstdint>

namespace coconut::calibrate {

namespace {

// FP16 and BF16 elements, as the buffers hold them: two bytes each, typed by cudaDataType.
using u16_storage = std::uint16_t;

#define CO_CUBLAS(call)                                                                      \
	do {                                                                                 \
		const cublasStatus_t co_st_ = (call);                                        \
		if (co_st_ != CUBLAS_STATUS_SUCCESS)                                         \
			::coconut::calibrate::cuda_fail(#call, cublasGetStatusString(co_st_), \
							__FILE__, __LINE__);                 \
	} while (0)

class Cublas {
public:
	explicit Cublas(cudaStream_t s)
	{
		CO_CUBLAS(cublasCreate(&h_));
		CO_CUBLAS(cublasSetStream(h_, s));
	}
	~Cublas() { cublasDestroy(h_); }
	Cublas(const Cublas &) = delete;
	Cublas &operator=(const Cublas &) = delete;
	cublasHandle_t get() const { return h_; }

private:
	cublasHandle_t h_{};
};

const float one = 1.0f, zero = 0.0f;

// C (m x n) = op(A) B, column-major, FP32 accumulation; lda is A's leading dimension as stored.
void gemm(cublasHandle_t h, cudaDataType t, bool a_transposed, u64 m, u64 n, u64 k,
	  const void *a, u64 lda, const void *b, u64 ldb, void *c)
{
	CO_CUBLAS(cublasGemmEx(h, a_transposed ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N,
			       static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), &one,
			       a, t, static_cast<int>(lda), b, t, static_cast<int>(ldb), &zero, c, t,
			       static_cast<int>(m), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

void fill(cudaDataType t, void *p, u64 count, u32 seed, cudaStream_t s)
{
	if (t == CUDA_R_16BF)
		fill_bf16(p, count, seed, s);
	else
		fill_fp16(p, count, seed, s);
}

} // namespace

void measure_gemm(const Plan &plan, Sample &s, const Tick &tick)
{
	const u64 n_max = plan.gemm_sizes.back();
	DeviceBuffer<u16_storage> a(n_max * n_max), b(n_max * n_max), c(n_max * n_max);
	Stream stream;
	Cublas blas(stream.get());
	for (const auto &dt : {std::pair{"fp16", CUDA_R_16F}, std::pair{"bf16", CUDA_R_16BF}}) {
		const char *name = dt.first;
		const cudaDataType type = dt.second;
		fill(type, a.get(), a.count(), 3, stream.get());
		fill(type, b.get(), b.count(), 4, stream.get());
		for (const u64 n : plan.gemm_sizes) {
			tick(std::string(name) + " " + std::to_string(n) + "^3");
			Repeats ns = time_on_stream(stream.get(), plan.gpu_repeats, plan.gpu_ops, [&] {
				gemm(blas.get(), type, false, n, n, n, a.get(), n, b.get(), n, c.get());
			});
			s.gemm.push_back({name, n, n, n, std::move(ns)});
		}
	}
}

// One layer's linear layers, column-major: W (out x in) times X (in x tokens), FP16 weights as
// a serving engine holds them: QKV (3h x h), O (h x h), gate+up (2i x h), down (h x i). Their
// inputs and outputs are scratch (the values do not matter, the shapes do).
void measure_linear(const Plan &plan, const ProxyModel &m, const std::vector<u64> &tokens,
		    std::vector<LinearTiming> &out, const Tick &tick)
{
	const u64 h = m.hidden, i = m.intermediate;
	struct Shape {
		u64 out, in;
	};
	const Shape shapes[] = {{3 * h, h}, {h, h}, {2 * i, h}, {h, i}};
	u64 params = 0;
	for (const Shape &sh : shapes)
		params += sh.out * sh.in;
	if (params != m.layer_linear_params)
		throw std::runtime_error("the linear proxy's layer does not match layer_linear_params");
	u64 tokens_max = 0;
	for (const u64 t : tokens)
		tokens_max = std::max(tokens_max, t);
	const u64 width = std::max(3 * h, 2 * i);
	DeviceBuffer<u16_storage> weights(params), x(width * tokens_max), y(width * tokens_max);
	Stream stream;
	Cublas blas(stream.get());
	fill_fp16(weights.get(), weights.count(), 5, stream.get());
	fill_fp16(x.get(), x.count(), 6, stream.get());
	for (const u64 t : tokens) {
		tick(std::to_string(t) + " tokens");
		Repeats ns = time_on_stream(stream.get(), plan.gpu_repeats, plan.gpu_ops, [&] {
			const u16_storage *w = weights.get();
			for (const Shape &sh : shapes) {
				gemm(blas.get(), CUDA_R_16F, false, sh.out, t, sh.in, w, sh.out, x.get(),
				     sh.in, y.get());
				w += sh.out * sh.in;
			}
		});
		out.push_back({t, std::move(ns)});
	}
}

// Per head (batched over the heads): S (ctx x chunk) = K^T Q with K stored d x ctx and Q
// d x chunk, then O (d x chunk) = V S with V stored d x ctx; ctx = offset + chunk. That is
// 2 x 2 x d x chunk x ctx FLOPs a head, 4 x hidden x chunk x (offset + chunk) a layer, the
// broker's prefill attention term (broker_cost.h). Softmax is left out.
void measure_prefill_attention(const Plan &plan, Sample &s, const Tick &tick)
{
	const ProxyModel &m = s.model;
	const u64 d = m.hidden / m.heads, heads = m.heads;
	u64 chunk_max = 0, ctx_max = 0, s_max = 0;
	for (const auto &[chunk, offset] : plan.prefill_attention) {
		chunk_max = std::max(chunk_max, chunk);
		ctx_max = std::max(ctx_max, offset + chunk);
		s_max = std::max(s_max, chunk * (offset + chunk));
	}
	DeviceBuffer<u16_storage> q(heads * d * chunk_max), k(heads * d * ctx_max),
		v(heads * d * ctx_max), sc(heads * s_max), o(heads * d * chunk_max);
	Stream stream;
	Cublas blas(stream.get());
	fill_fp16(q.get(), q.count(), 7, stream.get());
	fill_fp16(k.get(), k.count(), 8, stream.get());
	fill_fp16(v.get(), v.count(), 9, stream.get());
	const auto batched = [&](cublasOperation_t op_a, u64 rows, u64 cols, u64 inner,
				 const void *a, u64 lda, u64 stride_a, const void *b, u64 ldb,
				 u64 stride_b, void *c, u64 stride_c) {
		CO_CUBLAS(cublasGemmStridedBatchedEx(
			blas.get(), op_a, CUBLAS_OP_N, static_cast<int>(rows), static_cast<int>(cols),
			static_cast<int>(inner), &one, a, CUDA_R_16F, static_cast<int>(lda),
			static_cast<long long>(stride_a), b, CUDA_R_16F, static_cast<int>(ldb),
			static_cast<long long>(stride_b), &zero, c, CUDA_R_16F, static_cast<int>(rows),
			static_cast<long long>(stride_c), static_cast<int>(heads), CUBLAS_COMPUTE_32F,
			CUBLAS_GEMM_DEFAULT));
	};
	for (const auto &point : plan.prefill_attention) {
		const u64 chunk = point.first, offset = point.second, ctx = offset + chunk;
		tick("chunk " + std::to_string(chunk) + " at offset " + std::to_string(offset));
		Repeats ns = time_on_stream(stream.get(), plan.gpu_repeats, plan.gpu_ops, [&] {
			batched(CUBLAS_OP_T, ctx, chunk, d, k.get(), d, d * ctx, q.get(), d, d * chunk,
				sc.get(), ctx * chunk);
			batched(CUBLAS_OP_N, d, chunk, ctx, v.get(), d, d * ctx, sc.get(), ctx,
				ctx * chunk, o.get(), d * chunk);
		});
		s.prefill_attention.push_back({chunk, offset, std::move(ns)});
	}
}

} // namespace coconut::calibrate
