// See gpu_fit.h.
#include "gpu_fit.h"

#include "scenario.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace coconut::calibrate {

namespace cal = devices::calibration;

namespace {

[[noreturn]] void refuse(const std::string &path, const std::string &field, const std::string &why)
{
	throw scenario::ScenarioError(scenario::SourceLoc{ path, 0, 0 }, field, why);
}

devices::ModelShape shape_of(const ProxyModel &m)
{
	devices::ModelShape shape;
	shape.params = m.params;
	shape.bytes_per_param = m.bytes_per_param;
	shape.layers = m.layers;
	shape.hidden = m.hidden;
	shape.kv_bytes_per_token = m.kv_bytes_per_token;
	return shape;
}

double layer_scale_of(const ProxyModel &m)
{
	return static_cast<double>(m.params) / static_cast<double>(m.layer_linear_params);
}

double gemm_flops(const GemmPoint &g)
{
	return 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
}

// The highest median rate of one data type's GEMMs (nullptr: none measured).
const GemmPoint *best_gemm(const Sample &s, const std::string &dtype, RateSpread &rate)
{
	const GemmPoint *best = nullptr;
	for (const GemmPoint &g : s.gemm) {
		if (g.dtype != dtype)
			continue;
		const RateSpread r = rate_of(g.ns, gemm_flops(g));
		if (best == nullptr || r.median_per_s > rate.median_per_s) {
			best = &g;
			rate = r;
		}
	}
	return best;
}

} // namespace

std::vector<cal::LinearPoint> linear_points(const Sample &s)
{
	const double scale = layer_scale_of(s.model);
	std::vector<cal::LinearPoint> pts;
	for (const auto *list : { &s.decode_linear, &s.prefill_linear })
		for (const LinearTiming &p : *list)
			pts.push_back({ p.tokens, spread_of(p.ns).median_ns * scale * 1e-6 });
	return pts;
}

std::vector<cal::AttentionPoint> attention_points(const Sample &s)
{
	std::vector<cal::AttentionPoint> pts;
	for (const KvReadTiming &p : s.kv_read)
		pts.push_back({ p.batch * p.context, 0, 0, spread_of(p.ns).median_ns * 1e-6 });
	for (const PrefillAttentionTiming &p : s.prefill_attention)
		pts.push_back({ 0, p.chunk, p.offset, spread_of(p.ns).median_ns * 1e-6 });
	return pts;
}

GpuFit fit_gpu(const Sample &s, const std::string &path)
{
	GpuFit f;
	f.model = shape_of(s.model);
	f.layer_scale = layer_scale_of(s.model);
	f.hbm = rate_of(s.hbm.ns, 2.0 * static_cast<double>(s.hbm.bytes));
	f.fp16_best = best_gemm(s, "fp16", f.fp16);
	if (f.fp16_best == nullptr)
		refuse(path, "gemm", "no fp16 GEMM: dense_fp16_flops_per_s is measured with one");
	f.bf16_best = best_gemm(s, "bf16", f.bf16);
	f.launch = spread_of(s.launch.ns);
	f.launch_lone = spread_of(s.launch.lone_ns);

	const auto lin = linear_points(s);
	try {
		f.linear = cal::fit_linear(lin, f.model);
	} catch (const std::invalid_argument &e) {
		refuse(path, "decode_linear, prefill_linear", e.what());
	}
	for (const cal::LinearPoint &p : lin)
		f.linear_residual_max =
			std::max(f.linear_residual_max,
				 std::fabs(cal::linear_ms(f.linear, p.tokens) / p.ms - 1));

	const auto att = attention_points(s);
	try {
		f.attention = cal::fit_attention(att, f.model);
	} catch (const std::invalid_argument &e) {
		refuse(path, "kv_read, prefill_attention", e.what());
	}
	for (const cal::AttentionPoint &p : att)
		f.attention_residual_max =
			std::max(f.attention_residual_max,
				 std::fabs(cal::attention_ms(f.attention, f.model, p) / p.ms - 1));
	return f;
}

} // namespace coconut::calibrate
