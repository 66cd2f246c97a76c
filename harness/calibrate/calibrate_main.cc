// coconut-calibrate: measures the GPU it runs on and writes the device profiles the simulator
// reads (docs/calibrate.md). The run: the device, host<->device copies, kernel launches, HBM,
// GEMM, the decode proxy (linear layers at 1..64 tokens, KV reads at batch x context) and the
// prefill proxy (linear layers at 128..2048 tokens, the attention GEMM pair); then the raw
// sample is written (OUT/samples/) and the profiles from it (OUT/<gpu>-measured*.yaml), by
// the same writer coconut-calibrate-write runs. Wall time is read here: this is a tool that
// measures hardware, outside any simulation.
//
// usage: coconut-calibrate [--out DIR] [--quick] [--device N]
// Exit status: 0 done, 1 a measurement or the writer failed (the message says which), 2 usage.
#include "calibrate_limits.h"
#include "measure.h"
#include "profile_text.h"
#include "progress.h"
#include "sample.h"
#include "spread.h"
#include "writer.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace coconut::calibrate {
namespace {

struct Options {
	std::string out = "calibration";
	bool quick = false;
	int device = 0;
};

int usage()
{
	std::fprintf(stderr,
		     "usage: coconut-calibrate [--out DIR] [--quick] [--device N]\n"
		     "  --out DIR    where the profiles go (default: calibration); the raw sample\n"
		     "               goes to DIR/samples/\n"
		     "  --quick      fewer sizes and repeats: a check that the tool works\n"
		     "  --device N   the CUDA device to measure (default 0)\n");
	return 2;
}

bool parse(int argc, char **argv, Options &o)
{
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		if (a == "--quick") {
			o.quick = true;
		} else if (a == "--out" && i + 1 < argc) {
			o.out = argv[++i];
		} else if (a == "--device" && i + 1 < argc) {
			char *end = nullptr;
			const long v = std::strtol(argv[++i], &end, 10);
			if (*end != '\0' || v < 0 || v > 1024)
				return false;
			o.device = static_cast<int>(v);
		} else {
			return false;
		}
	}
	return !o.out.empty();
}

// "2026-12-06T04:29:10Z", and the same without separators for file names.
std::string utc_now(const char *format)
{
	const std::time_t t = std::time(nullptr);
	std::tm tm{};
	gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof buf, format, &tm);
	return buf;
}

const CopyPoint *find_copy(const Sample &s, Direction d, HostMemory m, u64 bytes)
{
	for (const CopyPoint &c : s.copies)
		if (c.direction == d && c.memory == m && c.bytes == bytes)
			return &c;
	return nullptr;
}

std::string copies_result(const Sample &s, u64 bytes)
{
	std::string r = "at " + size_text(bytes) + ":";
	for (const auto &[d, m] : { std::pair{ Direction::HostToDevice, HostMemory::Pinned },
				    std::pair{ Direction::DeviceToHost, HostMemory::Pinned },
				    std::pair{ Direction::HostToDevice, HostMemory::Pageable },
				    std::pair{ Direction::Both, HostMemory::Pinned } })
		if (const CopyPoint *c = find_copy(s, d, m, bytes)) {
			const double moved =
				static_cast<double>(bytes) * (d == Direction::Both ? 2 : 1);
			r += std::string(" ") + direction_name(d) + " " + host_memory_name(m) +
			     " " + gb_per_s(rate_of(c->ns, moved).median_per_s) + ",";
		}
	r.pop_back();
	return r;
}

std::string gemm_result(const Sample &s)
{
	std::string r;
	for (const GemmPoint &g : s.gemm) {
		const double flops =
			2.0 * static_cast<double>(g.m * g.n) * static_cast<double>(g.k);
		r += (r.empty() ? "" : ", ") + g.dtype + " " + std::to_string(g.m) + "^3 " +
		     tflops(rate_of(g.ns, flops).median_per_s);
	}
	return r;
}

std::string linear_result(const std::vector<LinearTiming> &pts)
{
	const LinearTiming &first = pts.front(), &last = pts.back();
	return "one layer: " + micros(spread_of(first.ns).median_ns) + " at " +
	       std::to_string(first.tokens) + " tokens, " + micros(spread_of(last.ns).median_ns) +
	       " at " + std::to_string(last.tokens);
}

std::string kv_result(const Sample &s)
{
	const KvReadTiming &p = s.kv_read.back();
	const double bytes = static_cast<double>(p.batch * p.context * s.model.kv_bytes_per_token) /
			     s.model.layers;
	return "batch " + std::to_string(p.batch) + " x context " + std::to_string(p.context) +
	       ": " + tb_per_s(rate_of(p.ns, bytes).median_per_s) + " of KV read";
}

std::string attention_result(const Sample &s)
{
	const PrefillAttentionTiming &p = s.prefill_attention.back();
	const double flops =
		4.0 * s.model.hidden * static_cast<double>(p.chunk * (p.offset + p.chunk));
	return "chunk " + std::to_string(p.chunk) + " at " + std::to_string(p.offset) + ": " +
	       tflops(rate_of(p.ns, flops).median_per_s);
}

// Every step, in order; each fills the sample and returns its one-line result.
void measure_all(const Options &o, Sample &s, Progress &p)
{
	const Plan plan = make_plan(o.quick);
	const Tick tick = [&](const std::string &what) { p.now(what); };
	p.begin("device");
	s.device = measure_device(o.device);
	s.device.date = utc_now("%Y-%m-%dT%H:%M:%SZ");
	p.end(s.device.name + ", compute " + s.device.compute_capability + ", " +
	      std::to_string(s.device.sms) + " SMs, " + size_text(s.device.hbm_bytes) +
	      ", driver " + s.device.driver + ", CUDA " + s.device.cuda_runtime);
	p.begin("host<->device copies, 4 KiB.." + size_text(plan.copy_bytes.back()));
	measure_copies(plan, s, tick);
	p.end(copies_result(s, plan.copy_bytes.back()) + "; lone 4 KiB copy " +
	      micros(spread_of(s.lone_copy.ns).median_ns));
	p.begin("kernel launch overhead");
	measure_launch(plan, s, tick);
	p.end(micros(spread_of(s.launch.ns).median_ns) + " back to back, " +
	      micros(spread_of(s.launch.lone_ns).median_ns) + " with a synchronize");
	p.begin("HBM bandwidth (streaming copy)");
	measure_hbm(plan, s, tick);
	p.end(tb_per_s(rate_of(s.hbm.ns, 2.0 * static_cast<double>(s.hbm.bytes)).median_per_s));
	p.begin("GEMM throughput (cuBLAS)");
	measure_gemm(plan, s, tick);
	p.end(gemm_result(s));
	p.begin("decode proxy: linear layers (GEMV)");
	measure_linear(plan, s.model, plan.decode_tokens, s.decode_linear, tick);
	p.end(linear_result(s.decode_linear));
	p.begin("decode proxy: KV reads");
	measure_kv_read(plan, s, tick);
	p.end(kv_result(s));
	p.begin("prefill proxy: linear layers (GEMM)");
	measure_linear(plan, s.model, plan.prefill_tokens, s.prefill_linear, tick);
	p.end(linear_result(s.prefill_linear));
	p.begin("prefill proxy: attention GEMM pair");
	measure_prefill_attention(plan, s, tick);
	p.end(attention_result(s));
}

std::string write_sample(const Options &o, const Sample &s)
{
	const std::string dir = o.out + "/samples";
	std::filesystem::create_directories(dir);
	const std::string path = dir + "/" + device_slug(s.device.name) + "-" +
				 utc_now("%Y%m%dT%H%M%SZ") + (o.quick ? "-quick" : "") + ".yaml";
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	out << sample_text(s, std::string("coconut-calibrate") + (o.quick ? " --quick" : ""));
	out.flush();
	if (!out)
		throw std::runtime_error(path + ": cannot write the sample");
	return path;
}

int run(const Options &o)
{
	constexpr std::uint32_t steps = 10;
	Progress p(steps, Progress::stdout_is_live());
	Sample s;
	s.format = limits::sample_format;
	s.model = proxy_model();
	try {
		measure_all(o, s, p);
	} catch (const std::exception &e) {
		// A plain log has no line for the step yet: say which one failed.
		throw std::runtime_error(p.current() + ": " + e.what());
	}
	p.begin("sample and profiles");
	const std::string sample = write_sample(o, s);
	WrittenProfiles w;
	try {
		w = write_profiles(sample, o.out);
	} catch (const std::exception &e) {
		p.end("failed");
		std::fprintf(stderr, "coconut-calibrate: %s\nthe raw sample is kept: %s\n",
			     e.what(), sample.c_str());
		return 1;
	}
	p.end(w.gpu_path + ", " + w.pcie_path);
	for (const std::string &line : w.summary)
		std::printf("%s\n", line.c_str());
	std::printf("sample: %s\n", sample.c_str());
	if (p.elapsed_s() > limits::run_budget_s)
		std::printf(
			"note: the run took %.0f s, over its %.0f s budget: lower the counts in "
			"harness/calibrate/calibrate_limits.h\n",
			p.elapsed_s(), limits::run_budget_s);
	return 0;
}

} // namespace
} // namespace coconut::calibrate

int main(int argc, char **argv)
{
	coconut::calibrate::Options o;
	if (!coconut::calibrate::parse(argc, argv, o))
		return coconut::calibrate::usage();
	try {
		return coconut::calibrate::run(o);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "\ncoconut-calibrate: %s\n", e.what());
		return 1;
	}
}
