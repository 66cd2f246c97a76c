// The calibration sample: what coconut-calibrate measured on one GPU, raw. Every repeat of
// every measurement is kept (in whole nanoseconds) so that the writer computes medians and
// spreads, and a sample can be re-fitted later without the GPU. The measuring side
// (measure_*.cu) fills one; sample_write.cc turns it into text and sample_read.cc back, with
// every field checked. docs/calibrate.md, "The sample format", describes the file. C++17: the
// CUDA sources include it.
//
// Map of this directory:
//   calibrate_limits.h      every limit and the measurement plan's counts
//   sample.h                this: the measurements (sample_read.cc, sample_write.cc)
//   spread.h                median and spread of repeats
//   link_fit.h              the PCIe link's bandwidth, per-copy overhead and latency
//   gpu_fit.h               the GPU profile's fields from the proxies (sim/devices/calibration)
//   profile_text.h          profile YAML: values with units, sources, header comments
//                           (gpu_profile.cc, link_profile.cc: the two documents)
//   yaml_quote.h            quoting text for YAML
//   writer.h                sample file -> <gpu>-measured.yaml and <gpu>-measured-pcie.yaml
//   write_main.cc           coconut-calibrate-write SAMPLE OUTDIR
//   measure.h, measure_*.cu the CUDA measurements (built only where nvcc is found), their
//                           plan (measure_plan.cc) and shared CUDA helpers (cuda_util.h)
//   progress.h              one terminal line per measurement step
//   calibrate_main.cc       coconut-calibrate: measure, write the sample, write the profiles
//   tests/, testdata/       the writer's test and its recorded (synthetic) sample
#ifndef COCONUT_HARNESS_CALIBRATE_SAMPLE_H
#define COCONUT_HARNESS_CALIBRATE_SAMPLE_H

#include <cstdint>
#include <string>
#include <vector>

namespace coconut::calibrate {

using u32 = std::uint32_t;
using u64 = std::uint64_t;

// Every repeat of one measurement, in ns (each the mean over its back-to-back operations
// where the measurement says so).
using Repeats = std::vector<u64>;

struct DeviceInfo {
	std::string name;		// cudaDeviceProp::name
	std::string driver;		// the kernel driver's version ("580.65.06")
	std::string driver_cuda;	// the CUDA version the driver supports ("13.0")
	std::string cuda_runtime;	// the runtime the tool was built with ("13.0")
	std::string compute_capability; // "9.0"
	std::string date;		// UTC, ISO 8601, when the run started
	std::string note;		// free text ("" when none): e.g. that a sample is synthetic
	u64 hbm_bytes = 0;		// cudaDeviceProp::totalGlobalMem
	u32 sms = 0;			// streaming multiprocessors
};

// The model the proxies are shaped after (LLaMA-2-7B): the broker's ModelShape
// (sim/devices/broker_cost.h) plus what the proxies need to build one layer.
struct ProxyModel {
	std::string name;
	u64 params = 0;
	u32 bytes_per_param = 0;
	u32 layers = 0;
	u32 hidden = 0;
	u64 kv_bytes_per_token = 0; // all layers, K and V
	u32 intermediate = 0;	    // the MLP's inner width
	u32 heads = 0;
	// One layer's linear weights (QKV, O, gate+up, down): the proxies time one layer, and the
	// writer scales to the whole model by params / layer_linear_params (docs/calibrate.md).
	u64 layer_linear_params = 0;
};

enum class Direction { HostToDevice, DeviceToHost, Both };
enum class HostMemory { Pinned, Pageable };
const char *direction_name(Direction d);    // "h2d", "d2h", "both"
const char *host_memory_name(HostMemory m); // "pinned", "pageable"

// `ops` copies of `bytes` back to back (Both: one each way at once, on two streams) per
// repeat; each repeat is the time per copy (per pair for Both).
struct CopyPoint {
	Direction direction = Direction::HostToDevice;
	HostMemory memory = HostMemory::Pinned;
	u64 bytes = 0;
	u32 ops = 0;
	Repeats ns;
};

// One copy at a time, timed on the host from the call to its completion.
struct LoneCopy {
	Direction direction = Direction::HostToDevice;
	HostMemory memory = HostMemory::Pinned;
	u64 bytes = 0;
	Repeats ns;
};

// Empty kernels: `ops` back to back per repeat (time per launch), and one at a time with a
// synchronize, timed on the host (`lone_ns`).
struct LaunchTiming {
	u32 ops = 0;
	Repeats ns;
	Repeats lone_ns;
};

// The streaming kernel: `bytes` read and written per launch (the bytes counted are both).
struct HbmTiming {
	u64 bytes = 0;
	Repeats ns;
};

struct GemmPoint {
	std::string dtype; // "fp16", "bf16" (FP32 accumulation)
	u64 m = 0, n = 0, k = 0;
	Repeats ns;
};

// One layer's four linear GEMMs at `tokens` tokens.
struct LinearTiming {
	u64 tokens = 0;
	Repeats ns;
};

// One layer's decode attention: `batch` sequences of `context` tokens each, K and V read once.
struct KvReadTiming {
	u64 batch = 0;
	u64 context = 0;
	Repeats ns;
};

// One layer's prefill attention proxy: per head, S = Q K^T and O = S V for a chunk of
// `chunk` tokens at `offset` (4 * hidden * chunk * (offset + chunk) FLOPs, softmax left out).
struct PrefillAttentionTiming {
	u64 chunk = 0;
	u64 offset = 0;
	Repeats ns;
};

struct Sample {
	u32 format = 0;
	DeviceInfo device;
	ProxyModel model;
	std::vector<CopyPoint> copies;
	LoneCopy lone_copy;
	LaunchTiming launch;
	HbmTiming hbm;
	std::vector<GemmPoint> gemm;
	std::vector<LinearTiming> decode_linear;  // tokens = batch, 1..64
	std::vector<LinearTiming> prefill_linear; // tokens 128..2048
	std::vector<KvReadTiming> kv_read;
	std::vector<PrefillAttentionTiming> prefill_attention;
};

// The sample as text (sample_write.cc): the format sample_read.cc reads back to an equal
// Sample. `source` names what produced it, for the header comment.
std::string sample_text(const Sample &s, const std::string &source);

// Reads and checks a sample file; a malformed one throws coconut::scenario::ScenarioError
// naming the file, the line and the field (sample_read.cc).
Sample read_sample(const std::string &path);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_SAMPLE_H
