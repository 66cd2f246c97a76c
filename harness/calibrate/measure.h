// The measurements coconut-calibrate makes, one function per step (measure_*.cu), and the plan
// of sizes and repeats they follow (measure_plan.cc, counts from calibrate_limits.h). Each
// step fills its part of the Sample and calls `tick` with what it measures now, for the
// progress line. A CUDA or cuBLAS error throws std::runtime_error naming the call.
//
// Timing: GPU work is timed with CUDA events around `ops` back-to-back launches or copies (one
// warm-up first), so each repeat is a mean per operation; lone operations (a copy, a launch
// and its synchronize) are timed on the host clock, one at a time.
#ifndef COCONUT_HARNESS_CALIBRATE_MEASURE_H
#define COCONUT_HARNESS_CALIBRATE_MEASURE_H

#include "sample.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace coconut::calibrate {

struct Plan {
	bool quick = false;
	std::vector<u64> copy_bytes; // 4 KiB .. 1 GiB in steps of x4
	u32 copy_repeats = 0;
	u32 lone_repeats = 0;
	u32 gpu_repeats = 0;
	u32 gpu_ops = 0; // back-to-back operations per repeat
	u64 hbm_bytes = 0;
	std::vector<u64> gemm_sizes; // m = n = k
	std::vector<u64> decode_tokens;
	std::vector<u64> prefill_tokens;
	std::vector<u64> kv_batches;
	std::vector<u64> kv_contexts;
	std::vector<std::pair<u64, u64>> prefill_attention; // chunk, offset
};

Plan make_plan(bool quick);

// The model the proxies are shaped after: LLaMA-2-7B, as sim/devices/broker_cost.h's default
// ModelShape (params 6.74e9, FP16, 32 layers, hidden 4096, 512 KiB of KV per token), with its
// MLP width (11008) and 32 heads of 128.
ProxyModel proxy_model();

using Tick = std::function<void(const std::string &)>;

// Selects the device and reads what it says of itself (the driver's version from
// /proc/driver/nvidia/version where there is one).
DeviceInfo measure_device(int index);
void measure_copies(const Plan &plan, Sample &s, const Tick &tick); // and the lone copy
void measure_launch(const Plan &plan, Sample &s, const Tick &tick);
void measure_hbm(const Plan &plan, Sample &s, const Tick &tick);
void measure_gemm(const Plan &plan, Sample &s, const Tick &tick);
// One layer's linear GEMMs at each of `tokens` (the decode and the prefill proxy).
void measure_linear(const Plan &plan, const ProxyModel &m, const std::vector<u64> &tokens,
		    std::vector<LinearTiming> &out, const Tick &tick);
void measure_kv_read(const Plan &plan, Sample &s, const Tick &tick);
void measure_prefill_attention(const Plan &plan, Sample &s, const Tick &tick);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_MEASURE_H
