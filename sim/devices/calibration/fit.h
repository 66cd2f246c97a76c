// Fitting the broker's cost model (../broker_cost.h) to measurements: the published ones
// (published.yaml, checked by CTest) and, later, the CUDA calibration tool's. A fit gives the
// GPU profile's rates; the residuals say how far the fitted model is from each point.
//
// Offline arithmetic in double precision: nothing here runs inside a simulation (the
// simulator reads the fitted integers from a profile).
#ifndef COCONUT_SIM_DEVICES_CALIBRATION_FIT_H
#define COCONUT_SIM_DEVICES_CALIBRATION_FIT_H

#include "broker_cost.h"

#include <string>
#include <vector>

namespace coconut::devices::calibration {

// The linear layers (all layers) at `tokens` tokens in the batch: `ms` milliseconds.
struct LinearPoint {
	u64 tokens;
	double ms;
};

// One layer's attention: decode over `kv_tokens` context tokens in all (batch x context), or a
// prefill chunk of `chunk` tokens at `offset`; `ms` milliseconds.
struct AttentionPoint {
	u64 kv_tokens = 0;
	u64 chunk = 0;
	u64 offset = 0;
	double ms = 0;
};

struct LinearFit {
	double weights_ms = 0;	 // the memory term: the weights streamed once
	double ms_per_token = 0; // the compute term's slope
	u64 weights_read_bytes_per_s = 0;
	u64 linear_flops_per_s = 0;
};

struct AttentionFit {
	double layer_overhead_ms = 0;
	u64 kv_read_bytes_per_s = 0;
	u64 attention_flops_per_s = 0;
};

// t^2 = weights^2 + (slope * tokens)^2 by least squares on relative error (t^2 is linear in
// the two squares). The model's shape turns the two times into rates.
LinearFit fit_linear(const std::vector<LinearPoint> &points, const ModelShape &model);
double linear_ms(const LinearFit &fit, u64 tokens);

// t = overhead + kv_bytes / kv_rate + 4 * hidden * chunk * (offset + chunk) / flop_rate per
// layer, by least squares on relative error (linear in the overhead and the two inverse rates).
AttentionFit fit_attention(const std::vector<AttentionPoint> &points, const ModelShape &model);
double attention_ms(const AttentionFit &fit, const ModelShape &model, const AttentionPoint &p);

// One host-to-device copy size and the bandwidth measured for back-to-back copies of it.
struct CopyPoint {
	u64 bytes = 0;
	double bytes_per_s = 0;
};

struct CopyFit {
	double overhead_ns = 0; // the copy engine busy per copy before data moves
	double bytes_per_s = 0;
};

// t = overhead + bytes / bandwidth per copy, by least squares on relative error: the PCIe
// link's per-copy overhead and bandwidth from a size curve (two points or more).
CopyFit fit_copy(const std::vector<CopyPoint> &points);
// The bandwidth alone, the overhead given (a link whose published points are all large copies).
double fit_copy_bandwidth(const std::vector<CopyPoint> &points, double overhead_ns);

} // namespace coconut::devices::calibration

#endif
