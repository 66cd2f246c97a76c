// The profile writer on a recorded sample (testdata/h100-sxm-synthetic.yaml, synthetic until a
// GPU run replaces it; testdata/make_synthetic_sample.py made it from published H100 figures):
//  - the profiles it writes load with the simulator's loader (ProfileLibrary), and the fitted
//    numbers are the figures the sample was made from, within the jitter (a broken fit fails);
//  - every source names the device, driver, CUDA version and date, and the spread where there
//    were repeats; the files open with the same as comment lines, and the PCIe file carries the
//    measured size curve;
//  - the sample text round-trips (what coconut-calibrate writes is what the writer reads);
//  - malformed samples are refused with an error naming the file and the field, and write
//    nothing.

#include "gpu_fit.h"
#include "profile_text.h"
#include "sample.h"
#include "writer.h"

#include "profile.h"
#include "scenario.h"
#include "units_detail.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <unistd.h>

namespace coconut::calibrate {
namespace {

namespace fs = std::filesystem;
using devices::GpuProfile;
using devices::PcieProfile;
using devices::ProfileLibrary;

// The figures make_synthetic_sample.py made the sample from.
constexpr double hbm_bytes_per_s = 3.0e12;
constexpr double fp16_flops_per_s = 700e12;
constexpr double weights_read_bytes_per_s = 2.4e12;
constexpr double linear_flops_per_s = 700e12;
constexpr double kv_read_bytes_per_s = 2.9e12;
constexpr double attention_flops_per_s = 350e12;
constexpr double attention_layer_overhead_ns = 6000;
constexpr double pcie_bytes_per_s = 56e9;
constexpr double copy_overhead_ns = 2500;
constexpr double latency_ns = 5000;

std::string read_file(const fs::path &p)
{
	std::ifstream in(p, std::ios::binary);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

void write_text(const fs::path &p, const std::string &text)
{
	std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

// A fresh directory per test (CTest may run tests in parallel).
class TempDir {
public:
	TempDir()
	{
		const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
		path_ = fs::temp_directory_path() /
			("coconut-calibrate-" + std::string(info->name()) + "-" +
			 std::to_string(::getpid()));
		fs::remove_all(path_);
		fs::create_directories(path_);
	}
	~TempDir() { fs::remove_all(path_); }
	const fs::path &path() const { return path_; }

private:
	fs::path path_;
};

void expect_within(double value, double truth, double tolerance, const std::string &what)
{
	EXPECT_LE(std::fabs(value / truth - 1.0), tolerance)
		<< what << ": " << value << ", the sample was made from " << truth;
}

// The written profiles as the simulator's loader reads them.
struct Loaded {
	GpuProfile gpu;
	PcieProfile pcie;
	std::string pcie_text;
};

Loaded load_written(const WrittenProfiles &w, const fs::path &out)
{
	Loaded l;
	l.pcie_text = read_file(w.pcie_path);
	const ProfileLibrary lib(out.string());
	l.gpu = lib.gpu(w.gpu_name);
	l.pcie = lib.pcie(w.pcie_name);
	return l;
}

TEST(CalibrateWriter, FitsGiveTheSampleFiguresBack)
{
	TempDir out;
	const WrittenProfiles w = write_profiles(COCONUT_CALIBRATE_SAMPLE, out.path().string());
	EXPECT_EQ(w.gpu_name, "nvidia-h100-80gb-hbm3-measured");
	EXPECT_EQ(w.pcie_name, "nvidia-h100-80gb-hbm3-measured-pcie");
	const Loaded l = load_written(w, out.path());

	EXPECT_EQ(l.gpu.hbm_bytes, 85029158912u);
	expect_within(static_cast<double>(l.gpu.hbm_bytes_per_s), hbm_bytes_per_s, 0.02, "hbm");
	expect_within(static_cast<double>(l.gpu.dense_fp16_flops_per_s), fp16_flops_per_s, 0.02,
		      "dense_fp16_flops_per_s");
	EXPECT_EQ(l.gpu.max_partitions, 1u);
	expect_within(static_cast<double>(l.gpu.weights_read_bytes_per_s), weights_read_bytes_per_s,
		      0.03, "weights_read_bytes_per_s");
	expect_within(static_cast<double>(l.gpu.linear_flops_per_s), linear_flops_per_s, 0.03,
		      "linear_flops_per_s");
	expect_within(static_cast<double>(l.gpu.kv_read_bytes_per_s), kv_read_bytes_per_s, 0.03,
		      "kv_read_bytes_per_s");
	expect_within(static_cast<double>(l.gpu.attention_flops_per_s), attention_flops_per_s, 0.05,
		      "attention_flops_per_s");
	expect_within(static_cast<double>(l.gpu.attention_layer_overhead_ns),
		      attention_layer_overhead_ns, 0.10, "attention_layer_overhead_ns");
	EXPECT_EQ(l.gpu.iteration_overhead_ns, 100000u);

	expect_within(static_cast<double>(l.pcie.bytes_per_s), pcie_bytes_per_s, 0.02,
		      "bytes_per_s");
	expect_within(static_cast<double>(l.pcie.copy_overhead_ns), copy_overhead_ns, 0.10,
		      "copy_overhead_ns");
	expect_within(static_cast<double>(l.pcie.latency_ns), latency_ns, 0.10, "latency_ns");
	EXPECT_EQ(l.pcie.chunk_bytes, 8u << 20);
}

TEST(CalibrateWriter, SourcesNameTheRunAndTheSpread)
{
	TempDir out;
	const WrittenProfiles w = write_profiles(COCONUT_CALIBRATE_SAMPLE, out.path().string());
	const Loaded l = load_written(w, out.path());
	const std::string run = "NVIDIA H100 80GB HBM3, driver none (synthetic sample), CUDA 13.0, "
				"2026-12-06";
	for (const auto *sources : { &l.gpu.sources, &l.pcie.sources })
		for (const auto &[field, source] : *sources) {
			const bool measured = source.rfind("measured by", 0) == 0 ||
					      source.rfind("fitted (", 0) == 0;
			if (measured) {
				EXPECT_NE(source.find(run), std::string::npos)
					<< field << ": " << source;
			}
			EXPECT_FALSE(source.empty()) << field;
		}
	for (const char *field :
	     { "hbm_bytes_per_s", "dense_fp16_flops_per_s", "iteration_overhead_ns" }) {
		EXPECT_NE(l.gpu.sources.at(field).find("median of 9, spread "), std::string::npos)
			<< field << ": " << l.gpu.sources.at(field);
		EXPECT_NE(l.gpu.sources.at(field).find(run), std::string::npos) << field;
	}
	EXPECT_NE(l.gpu.sources.at("weights_read_bytes_per_s")
			  .find("fitted (sim/devices/calibration fit_linear)"),
		  std::string::npos);
	EXPECT_NE(l.gpu.sources.at("kv_read_bytes_per_s").find("fit_attention"), std::string::npos);
	EXPECT_EQ(l.gpu.sources.at("iteration_overhead_ns").rfind("assumption:", 0), 0u);
	EXPECT_NE(l.pcie.sources.at("bytes_per_s").find("median of 7, spread "), std::string::npos);
	EXPECT_NE(l.pcie.sources.at("latency_ns").find("median of 101, spread "),
		  std::string::npos);
	EXPECT_EQ(l.pcie.sources.at("chunk_bytes"),
		  "assumption: the model's arbitration quantum, not a device property");

	for (const std::string &path : { w.gpu_path, w.pcie_path }) {
		const std::string text = read_file(path);
		EXPECT_EQ(text.rfind("# Measured by harness/calibrate", 0), 0u) << path;
		for (const char *line :
		     { "\n# device: NVIDIA H100 80GB HBM3 (", "\n# driver: none",
		       "\n# CUDA runtime: 13.0\n", "\n# date: 2026-12-06T00:00:00Z\n",
		       "\n# note: SYNTHETIC" })
			EXPECT_NE(text.find(line), std::string::npos) << path << " lacks " << line;
		// A synthetic sample must never pass for a measurement.
		EXPECT_NE(text.find("(SYNTHETIC sample"), std::string::npos) << path;
	}
	EXPECT_NE(l.pcie_text.find("# The measured size curve"), std::string::npos);
	EXPECT_TRUE(std::regex_search(l.pcie_text, std::regex("\n#   1 GiB +[0-9.]+ \\(")))
		<< l.pcie_text;
}

TEST(CalibrateWriter, SampleTextRoundTrips)
{
	TempDir out;
	const Sample s = read_sample(COCONUT_CALIBRATE_SAMPLE);
	const fs::path copy = out.path() / "copy.yaml";
	const std::string text = sample_text(s, "writer_test");
	write_text(copy, text);
	// The text holds every field, so equal texts are equal samples.
	const Sample again = read_sample(copy.string());
	EXPECT_EQ(sample_text(again, "writer_test"), text);
	EXPECT_EQ(again.device.note, s.device.note);
	EXPECT_EQ(again.prefill_attention.back().ns, s.prefill_attention.back().ns);
	EXPECT_EQ(s.copies.size(), 50u);
	EXPECT_EQ(s.lone_copy.ns.size(), 101u);
}

struct Broken {
	const char *what;
	const char *pattern; // a regex over the sample text
	const char *replacement;
	const char *field;   // what the error's field must say
	const char *message; // a part of its message
};

const Broken broken_samples[] = {
	{ "missing field", "\n  hbm_bytes: [0-9]+", "", "device.hbm_bytes", "missing" },
	{ "negative time", "(decode_linear:\n  - \\{ tokens: 1, ns: \\[)", "$1-5, ",
	  "decode_linear[0].ns[0]", "negative" },
	{ "zero time", "kv_read:\n  - \\{ batch: 1, context: 128, ns: \\[",
	  "kv_read:\n  - { batch: 1, context: 128, ns: [0, ", "kv_read[0].ns[0]", "out of range" },
	{ "non-numeric size", "hbm: \\{ bytes: 1073741824", "hbm: { bytes: lots", "hbm.bytes",
	  "not an integer" },
	{ "non-numeric time", "(launch: \\{ ops: 1000,\n  ns: \\[)", "$1fast, ", "launch.ns[0]",
	  "not an integer" },
	{ "too few repeats", "hbm: \\{ bytes: 1073741824, ns: \\[[^\\]]*\\]",
	  "hbm: { bytes: 1073741824, ns: [700000, 700001]", "hbm.ns", "at least 3" },
	{ "unknown direction", "direction: both", "direction: sideways", "copies[40].direction",
	  "not a direction" },
	{ "other format", "\nformat: 1\n", "\nformat: 2\n", "format", "reads 1" },
	{ "model mismatch", "layer_linear_params: 202375168", "layer_linear_params: 202375169",
	  "model", "layer_linear_params" },
	{ "no pinned h2d curve", "direction: h2d, memory: pinned, bytes: ([0-9]+), ops",
	  "direction: d2h, memory: pinned, bytes: $1, ops", "copies", "pinned h2d" },
	{ "no fp16 GEMM", "dtype: fp16", "dtype: bf16", "gemm", "fp16" },
};

TEST(CalibrateWriter, MalformedSamplesAreRefusedNamingFileAndField)
{
	TempDir dir;
	const std::string good = read_file(COCONUT_CALIBRATE_SAMPLE);
	for (const Broken &b : broken_samples) {
		SCOPED_TRACE(b.what);
		const std::string text =
			std::regex_replace(good, std::regex(b.pattern), b.replacement);
		ASSERT_NE(text, good) << "the pattern matched nothing";
		const fs::path sample = dir.path() / "broken.yaml";
		const fs::path out = dir.path() / "out";
		fs::remove_all(out);
		write_text(sample, text);
		try {
			write_profiles(sample.string(), out.string());
			ADD_FAILURE() << "accepted";
		} catch (const scenario::ScenarioError &e) {
			const std::string msg = e.what();
			EXPECT_EQ(e.loc().file, sample.string()) << msg;
			EXPECT_EQ(msg.rfind(sample.string(), 0), 0u) << msg;
			EXPECT_NE(e.field().find(b.field), std::string::npos) << msg;
			EXPECT_NE(msg.find(b.message), std::string::npos) << msg;
		}
		EXPECT_FALSE(fs::exists(out)) << "a refused sample wrote profiles";
	}
}

TEST(CalibrateWriter, DeviceNamesBecomeProfileNames)
{
	EXPECT_EQ(device_slug("NVIDIA H100 80GB HBM3"), "nvidia-h100-80gb-hbm3");
	EXPECT_EQ(device_slug("  NVIDIA A100-SXM4-80GB (MIG 1g.10gb) "),
		  "nvidia-a100-sxm4-80gb-mig-1g-10gb");
	EXPECT_EQ(device_slug("???"), "gpu");
	const std::string slug = device_slug(std::string(200, 'x'));
	EXPECT_LE(slug.size() + std::string("-measured-pcie").size(), 64u);
}

// The loader parses decimal text exactly: each value must be the whole number meant.
TEST(CalibrateWriter, ValuesParseToTheIntegersMeant)
{
	namespace d = scenario::detail;
	EXPECT_EQ(bandwidth_value(2.364764e12), "2.36476TB/s");
	EXPECT_EQ(d::parse_bytes_per_s(bandwidth_value(2.364764e12)), 2364760000000u);
	EXPECT_EQ(d::parse_bytes_per_s(bandwidth_value(55.5401e9)), 55540000000u);
	EXPECT_EQ(d::parse_bytes_per_s(bandwidth_value(12.5e6)), 12500000u);
	EXPECT_EQ(d::parse_bytes_per_s(bandwidth_value(0.2)), 1u); // never 0: the loader refuses it
	EXPECT_EQ(d::parse_si_count(flops_value(676.4409e12)), 676441000000000u);
	EXPECT_EQ(d::parse_si_count(flops_value(95.5e9)), 95500000000u);
	EXPECT_EQ(duration_value(13122.4), "13.122us");
	EXPECT_EQ(scenario::parse_duration_ns(duration_value(13122.4)), 13122u);
	EXPECT_EQ(scenario::parse_duration_ns(duration_value(850.2)), 850u);
	EXPECT_EQ(scenario::parse_duration_ns(duration_value(100000)), 100000u);
	EXPECT_EQ(scenario::parse_duration_ns(duration_value(0)), 0u);
}

} // namespace
} // namespace coconut::calibrate
