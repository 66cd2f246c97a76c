// The GPU profile of a run: every field with its value and a source that says how it was
// measured or fitted, on which device, driver, CUDA version and date, with the spread of the
// repeats (profile_text.h, gpu_fit.h).
#include "profile_text.h"

#include <algorithm>
#include <cstdio>

namespace coconut::calibrate {

namespace cal = devices::calibration;

namespace {

// "median of 9, spread 2.95..3.01 TB/s", with the unit's formatter.
template <typename Format> std::string rate_spread(const RateSpread &r, Format format)
{
	return "median of " + std::to_string(r.n) + ", spread " + format(r.low_per_s) + ".." +
	       format(r.high_per_s);
}

// "1..64" over a list of points.
template <typename List, typename Key> std::string span(const List &list, Key key)
{
	u64 lo = ~0ull, hi = 0;
	for (const auto &p : list) {
		lo = std::min<u64>(lo, key(p));
		hi = std::max<u64>(hi, key(p));
	}
	return std::to_string(lo) + ".." + std::to_string(hi);
}

// "9 repeats" or "3..9 repeats" over every list given.
std::string repeats_of(std::initializer_list<std::size_t> counts)
{
	const auto [lo, hi] = std::minmax(counts);
	return (lo == hi ? std::to_string(lo) : std::to_string(lo) + ".." + std::to_string(hi)) +
	       " repeats";
}

template <typename List> std::pair<std::size_t, std::size_t> repeat_range(const List &list)
{
	std::size_t lo = ~std::size_t{ 0 }, hi = 0;
	for (const auto &p : list) {
		lo = std::min(lo, p.ns.size());
		hi = std::max(hi, p.ns.size());
	}
	return { lo, hi };
}

std::string gemm_shape(const GemmPoint &g)
{
	return "m=" + std::to_string(g.m) + " n=" + std::to_string(g.n) +
	       " k=" + std::to_string(g.k);
}

std::vector<ProfileEntry> peaks(const Sample &s, const GpuFit &f, const std::string &by)
{
	std::string gemm = by +
			   ": cuBLAS FP16 GEMM, FP32 accumulation, the fastest size measured (" +
			   gemm_shape(*f.fp16_best) + "), " + rate_spread(f.fp16, tflops);
	if (f.bf16_best != nullptr)
		gemm += "; BF16 " + tflops(f.bf16.median_per_s) + " (" + gemm_shape(*f.bf16_best) +
			")";
	gemm += ". What dense GEMMs reach, below the datasheet's peak";
	return {
		{ "hbm_bytes", std::to_string(s.device.hbm_bytes),
		  by + ": cudaDeviceProp::totalGlobalMem, the memory CUDA reports (less than the "
		       "stacks' nominal size)" },
		{ "hbm_bytes_per_s", bandwidth_value(f.hbm.median_per_s),
		  by + ": a streaming copy kernel, " + size_text(s.hbm.bytes) +
			  " read and as much written per launch (both counted), " +
			  rate_spread(f.hbm, tb_per_s) },
		{ "dense_fp16_flops_per_s", flops_value(f.fp16.median_per_s), gemm },
		{ "max_partitions", "1",
		  "not measured: MIG partitions are the driver's to report (NVML, which this tool "
		  "does "
		  "not use); 1 (not partitionable) until set by hand from the datasheet (A100, "
		  "H100: 7)" },
	};
}

std::vector<ProfileEntry> linear_rates(const Sample &s, const GpuFit &f, const std::string &by)
{
	const auto [dlo, dhi] = repeat_range(s.decode_linear);
	const auto [plo, phi] = repeat_range(s.prefill_linear);
	const auto tokens = [](const LinearTiming &p) { return p.tokens; };
	char scale[32];
	std::snprintf(scale, sizeof scale, "x%.2f", f.layer_scale);
	const double weights_bytes = static_cast<double>(f.model.params) * f.model.bytes_per_param;
	const auto flops = static_cast<double>(f.linear.linear_flops_per_s);
	return {
		{ "weights_read_bytes_per_s",
		  bandwidth_value(static_cast<double>(f.linear.weights_read_bytes_per_s)),
		  "fitted (sim/devices/calibration fit_linear) to linear-layer proxies " + by +
			  ": one " + s.model.name +
			  " layer's cuBLAS GEMMs (QKV, O, gate+up, down) at " +
			  span(s.decode_linear, tokens) + " tokens (decode) and " +
			  span(s.prefill_linear, tokens) + " (prefill), medians of " +
			  repeats_of({ dlo, dhi, plo, phi }) + ", " + scale +
			  " (params / one layer's linear params) for the whole model: " +
			  millis(f.linear.weights_ms * 1e6) + " for " + gigabytes(weights_bytes) +
			  "; largest residual " + percent(f.linear_residual_max) },
		{ "linear_flops_per_s", flops_value(flops),
		  "fitted with it: " + micros(f.linear.ms_per_token * 1e6) +
			  " per token of 2 x params FLOPs, " +
			  percent(flops / f.fp16.median_per_s) +
			  " of the measured FP16 GEMM rate" },
	};
}

std::vector<ProfileEntry> attention_rates(const Sample &s, const GpuFit &f, const std::string &by)
{
	const auto [klo, khi] = repeat_range(s.kv_read);
	const auto [alo, ahi] = repeat_range(s.prefill_attention);
	const std::string batch = span(s.kv_read, [](const KvReadTiming &p) { return p.batch; });
	const std::string context =
		span(s.kv_read, [](const KvReadTiming &p) { return p.context; });
	const std::string chunk =
		span(s.prefill_attention, [](const PrefillAttentionTiming &p) { return p.chunk; });
	const std::string offset =
		span(s.prefill_attention, [](const PrefillAttentionTiming &p) { return p.offset; });
	return {
		{ "kv_read_bytes_per_s",
		  bandwidth_value(static_cast<double>(f.attention.kv_read_bytes_per_s)),
		  "fitted (sim/devices/calibration fit_attention) to one layer's attention "
		  "proxies " +
			  by + ": a KV-read kernel at batch " + batch + " x context " + context +
			  " (decode) and a QK^T, PV GEMM pair per head at chunk " + chunk +
			  ", offset " + offset + " (prefill), medians of " +
			  repeats_of({ klo, khi, alo, ahi }) + "; largest residual " +
			  percent(f.attention_residual_max) },
		{ "attention_flops_per_s",
		  flops_value(static_cast<double>(f.attention.attention_flops_per_s)),
		  "fitted with it, from the prefill GEMM pair (4 x hidden x chunk x (offset + "
		  "chunk) "
		  "FLOPs a layer; softmax left out)" },
		{ "attention_layer_overhead_ns",
		  duration_value(f.attention.layer_overhead_ms * 1e6),
		  "fitted with it: the fit's fixed time per layer (launches, small grids)" },
	};
}

// Not measured: a serving engine's CPU side is not the device's. The launch cost is given so
// a reader can see how much of the 100 us launches alone would be.
ProfileEntry iteration_overhead(const GpuFit &f, const std::string &by)
{
	return { "iteration_overhead_ns", "100us",
		 "assumption: CPU-side scheduling and launches per iteration of a serving engine, "
		 "about 0.1 ms, not a device property; for scale, " +
			 by + ": an empty kernel launch takes " + micros(f.launch.median_ns) +
			 " back to back (median of " + std::to_string(f.launch.n) + ", spread " +
			 micros(static_cast<double>(f.launch.min_ns)) + ".." +
			 micros(static_cast<double>(f.launch.max_ns)) + "), " +
			 micros(f.launch_lone.median_ns) + " with a synchronize" };
}

// The fitted points against the model, for a reader checking the fit.
std::vector<std::string> residual_table(const Sample &s, const GpuFit &f)
{
	std::vector<std::string> t = {
		"",
		"Linear layers, whole model (measured one layer x the scale): tokens, measured ms, "
		"fitted model ms"
	};
	char line[128];
	for (const cal::LinearPoint &p : linear_points(s)) {
		std::snprintf(line, sizeof line, "  %6llu %10.4f %10.4f",
			      static_cast<unsigned long long>(p.tokens), p.ms,
			      cal::linear_ms(f.linear, p.tokens));
		t.push_back(line);
	}
	t.push_back("Attention, one layer: kv_tokens, chunk, offset, measured ms, fitted model ms");
	for (const cal::AttentionPoint &p : attention_points(s)) {
		std::snprintf(line, sizeof line, "  %8llu %6llu %6llu %10.4f %10.4f",
			      static_cast<unsigned long long>(p.kv_tokens),
			      static_cast<unsigned long long>(p.chunk),
			      static_cast<unsigned long long>(p.offset), p.ms,
			      cal::attention_ms(f.attention, f.model, p));
		t.push_back(line);
	}
	return t;
}

} // namespace

ProfileDoc gpu_profile(const Sample &s, const GpuFit &f, const std::string &sample_path)
{
	const std::string by = measured_by(s.device);
	ProfileDoc doc;
	doc.header = device_header(s.device, sample_path);
	doc.kind = "gpu";
	doc.description = s.device.name + ", measured by harness/calibrate" +
			  (s.device.note.empty() ? "" : " (" + s.device.note + ")");
	doc.entries = peaks(s, f, by);
	for (auto part : { linear_rates(s, f, by), attention_rates(s, f, by) })
		for (ProfileEntry &e : part)
			doc.entries.push_back(std::move(e));
	doc.entries.push_back(iteration_overhead(f, by));
	doc.trailer = residual_table(s, f);
	return doc;
}

} // namespace coconut::calibrate
