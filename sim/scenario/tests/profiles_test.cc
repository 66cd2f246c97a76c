// The shipped device profiles: every file loads, every number has a source, and the headline
// numbers are the datasheets'. Broken profile files are refused with file, line and field.
#include "profile.h"
#include "scenario.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

namespace cd = coconut::devices;
namespace cs = coconut::scenario;
namespace fs = std::filesystem;

namespace {

const std::string shipped = std::string(COCONUT_SOURCE_DIR) + "/sim/devices/profiles";

// Fields whose number each kind must carry, each with a source.
const std::map<std::string, std::set<std::string>> fields_of_kind = {
	{ "gpu",
	  { "hbm_bytes", "hbm_bytes_per_s", "dense_fp16_flops_per_s", "max_partitions",
	    "weights_read_bytes_per_s", "linear_flops_per_s", "kv_read_bytes_per_s",
	    "attention_flops_per_s", "attention_layer_overhead_ns", "iteration_overhead_ns" } },
	{ "pcie", { "bytes_per_s", "copy_overhead_ns", "latency_ns", "chunk_bytes" } },
	{ "tpm", { "nv_write_ns", "nv_indices" } },
	{ "ssd", { "read_bytes_per_s", "write_bytes_per_s", "read_latency_ns" } },
	{ "memory", { "channel_bytes_per_s", "core_bytes_per_s", "throttle_step_bytes_per_s" } },
};

void expect_sources(const std::string &name, const std::string &kind,
		    const std::map<std::string, std::string> &sources)
{
	std::set<std::string> got;
	for (const auto &[field, text] : sources) {
		got.insert(field);
		EXPECT_GE(text.size(), 10u) << name << "." << field << ": a source says where from";
	}
	EXPECT_EQ(got, fields_of_kind.at(kind)) << name;
}

// A scratch directory of profile files, removed at the end.
struct ScratchDir {
	fs::path path;
	explicit ScratchDir(const std::string &tag)
		: path(fs::temp_directory_path() /
		       ("coconut-profiles-" + tag + "-" + std::to_string(::getpid())))
	{
		fs::remove_all(path);
		fs::create_directories(path);
	}
	~ScratchDir() { fs::remove_all(path); }
	void write(const std::string &file, const std::string &text) const
	{
		std::ofstream(path / file) << text;
	}
};

} // namespace

TEST(Profiles, EveryShippedProfileLoadsWithSources)
{
	const cd::ProfileLibrary lib(shipped);
	int count = 0;
	for (const auto &e : fs::directory_iterator(shipped)) {
		if (e.path().extension() != ".yaml")
			continue;
		const std::string name = e.path().stem().string();
		SCOPED_TRACE(name);
		ASSERT_TRUE(lib.has(name));
		const std::string kind = lib.kind_of(name);
		if (kind == "gpu") {
			const cd::GpuProfile p = lib.gpu(name);
			EXPECT_EQ(p.name, name);
			EXPECT_GT(p.hbm_bytes, 0u);
			EXPECT_GT(p.dense_fp16_flops_per_s, 0u);
			expect_sources(name, kind, p.sources);
		} else if (kind == "pcie") {
			const cd::PcieProfile p = lib.pcie(name);
			EXPECT_GT(p.bytes_per_s, 0u);
			expect_sources(name, kind, p.sources);
		} else if (kind == "tpm") {
			expect_sources(name, kind, lib.tpm(name).sources);
		} else if (kind == "ssd") {
			expect_sources(name, kind, lib.ssd(name).sources);
		} else if (kind == "memory") {
			const cd::MemoryProfile p = lib.memory(name);
			EXPECT_LE(p.throttle_step_bytes_per_s, p.channel_bytes_per_s);
			EXPECT_LE(p.core_bytes_per_s, p.channel_bytes_per_s * 12);
			expect_sources(name, kind, lib.memory(name).sources);
		} else {
			ADD_FAILURE() << "kind " << kind;
		}
		++count;
	}
	EXPECT_GE(count, 7);
}

TEST(Profiles, DatasheetNumbers)
{
	const cd::ProfileLibrary lib(shipped);
	const cd::GpuProfile h100 = lib.gpu("h100-sxm");
	EXPECT_EQ(h100.hbm_bytes, 80ull << 30);
	EXPECT_EQ(h100.hbm_bytes_per_s, 3350000000000u);
	EXPECT_EQ(h100.dense_fp16_flops_per_s, 989400000000000u);
	EXPECT_EQ(h100.max_partitions, 7u);
	const cd::GpuProfile a100 = lib.gpu("a100-sxm-80gb");
	EXPECT_EQ(a100.hbm_bytes_per_s, 2039000000000u);
	EXPECT_EQ(a100.dense_fp16_flops_per_s, 312000000000000u);
	EXPECT_EQ(a100.max_partitions, 7u);
	const cd::GpuProfile rtx = lib.gpu("rtx-4090");
	EXPECT_EQ(rtx.hbm_bytes, 24ull << 30);
	EXPECT_EQ(rtx.hbm_bytes_per_s, 1008000000000u);
	EXPECT_EQ(rtx.max_partitions, 1u);
	// The links are fitted (sim/devices/calibration holds them to the fit): the loader reads
	// decimal units and microseconds exactly.
	EXPECT_EQ(lib.pcie("pcie-gen4-x16").bytes_per_s, 25146000000u);
	EXPECT_EQ(lib.pcie("pcie-gen5-x16").bytes_per_s, 57020000000u);
	EXPECT_EQ(lib.pcie("pcie-gen5-x16").copy_overhead_ns, 2534u);
	EXPECT_EQ(lib.pcie("pcie-gen5-x16").latency_ns, 3400u);
	EXPECT_EQ(lib.ssd("nvme-gen4").read_latency_ns, 80000u);
	EXPECT_GE(lib.tpm("tpm2-discrete").nv_write_ns, 10000000u);
}

TEST(Profiles, WrongKindAndUnknownNameAreErrors)
{
	const cd::ProfileLibrary lib(shipped);
	EXPECT_FALSE(lib.has("h200"));
	EXPECT_FALSE(lib.has("../profiles/h100-sxm"));
	EXPECT_THROW(lib.gpu("h200"), cs::ScenarioError);
	EXPECT_THROW(lib.pcie("h100-sxm"), cs::ScenarioError);
	EXPECT_THROW(lib.gpu("../profiles/h100-sxm"), cs::ScenarioError);
	EXPECT_THROW(cd::ProfileLibrary("/nonexistent/profiles"), cs::ScenarioError);
}

TEST(Profiles, BrokenFilesNameFileLineAndField)
{
	const struct {
		const char *label;
		const char *yaml;
		const char *where; // "FILE:LINE" suffix after the directory
		const char *field;
	} cases[] = {
		{ "number without source",
		  "kind: tpm\nnv_write_ns: 30ms\nnv_indices: { value: 3, source: \"x datasheet\" "
		  "}\n",
		  "bad.yaml:2:", "nv_write_ns" },
		{ "missing source",
		  "kind: tpm\nnv_write_ns: { value: 30ms }\nnv_indices: { value: 3, source: \"x "
		  "datasheet\" }\n",
		  "bad.yaml:2:", "nv_write_ns.source" },
		{ "missing field",
		  "kind: tpm\nnv_write_ns: { value: 30ms, source: \"x datasheet\" }\n",
		  "bad.yaml:1:", "nv_indices" },
		{ "unknown field", "kind: ssd\nread_iops: { value: 1, source: s }\n",
		  "bad.yaml:2:", "read_iops" },
		{ "unknown kind", "kind: fpga\n", "bad.yaml:1:", "kind" },
		{ "bad unit", "kind: pcie\nbytes_per_s: { value: 25Gbit/s, source: s }\n",
		  "bad.yaml:2:", "bytes_per_s.value" },
		{ "rate of zero",
		  "kind: gpu\nhbm_bytes: { value: 1GiB, source: s }\nhbm_bytes_per_s: { value: "
		  "1GB/s, source: s }\n"
		  "dense_fp16_flops_per_s: { value: 1T, source: s }\nmax_partitions: { value: 1, "
		  "source: s }\n"
		  "weights_read_bytes_per_s: { value: 1GB/s, source: s }\n"
		  "linear_flops_per_s: { value: 0T, source: s }\n",
		  "bad.yaml:7:", "linear_flops_per_s.value" },
		{ "syntax", "kind: [gpu\n", "bad.yaml:", "(yaml syntax)" },
	};
	for (const auto &c : cases) {
		SCOPED_TRACE(c.label);
		const ScratchDir dir("broken");
		dir.write("bad.yaml", c.yaml);
		try {
			const cd::ProfileLibrary lib(dir.path.string());
			ADD_FAILURE() << "accepted";
		} catch (const cs::ScenarioError &e) {
			const std::string msg = e.what();
			EXPECT_NE(msg.find((dir.path / c.where).string()), std::string::npos)
				<< msg;
			EXPECT_NE(e.field().find(c.field), std::string::npos) << msg;
		}
	}
}

TEST(Profiles, DefaultDirAndOverride)
{
	::unsetenv("COCONUT_PROFILE_DIR");
	EXPECT_EQ(fs::path(cd::default_profile_dir()), fs::path(shipped));
	::setenv("COCONUT_PROFILE_DIR", "/elsewhere", 1);
	EXPECT_EQ(cd::default_profile_dir(), "/elsewhere");
	::unsetenv("COCONUT_PROFILE_DIR");
}
