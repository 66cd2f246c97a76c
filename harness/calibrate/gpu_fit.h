// The GPU profile's numbers from the sample (docs/calibrate.md, "From proxies to the broker's
// coefficients"). Peaks are medians of what the tool measured; the broker's rates are the
// broker's own fits (sim/devices/calibration/fit.h) of the proxies:
//
//  - linear layers: one layer's four GEMMs (QKV, O, gate+up, down), timed at 1..64 tokens
//    (decode: batch tokens, memory-bound, cuBLAS picks GEMV-like kernels) and 128..2048 tokens
//    (prefill), each scaled to the whole model by params / layer_linear_params (32 layers plus
//    the embeddings and LM head, taken to stream at the layers' rate): fit_linear's points;
//  - attention: the KV-read kernel at batch x context is a decode point of kv_tokens =
//    batch * context, and the QK^T / PV GEMM pair at chunk x (offset + chunk) a prefill point,
//    both one layer, as fit_attention takes them.
#ifndef COCONUT_HARNESS_CALIBRATE_GPU_FIT_H
#define COCONUT_HARNESS_CALIBRATE_GPU_FIT_H

#include "sample.h"
#include "spread.h"

#include "fit.h"

namespace coconut::calibrate {

struct GpuFit {
	devices::ModelShape model;
	double layer_scale = 0;		      // params / layer_linear_params
	RateSpread hbm;			      // bytes per s, read + written
	const GemmPoint *fp16_best = nullptr; // the FP16 GEMM with the highest median rate
	RateSpread fp16;		      // its FLOPs per s
	const GemmPoint *bf16_best = nullptr; // nullptr when no BF16 was measured
	RateSpread bf16;
	devices::calibration::LinearFit linear;
	double linear_residual_max = 0;
	devices::calibration::AttentionFit attention;
	double attention_residual_max = 0;
	Spread launch;	    // per launch, back to back
	Spread launch_lone; // launch + synchronize
};

// Fits `s` (read from `path`); a sample the fits cannot use throws ScenarioError naming the
// file and the field. The result points into `s`.
GpuFit fit_gpu(const Sample &s, const std::string &path);

// The proxies as the broker's fits take them (all layers; one layer).
std::vector<devices::calibration::LinearPoint> linear_points(const Sample &s);
std::vector<devices::calibration::AttentionPoint> attention_points(const Sample &s);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_GPU_FIT_H
