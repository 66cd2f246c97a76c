// Device profiles from YAML. A profile file names its kind and gives every number as
//   field: { value: <number with unit>, source: "<datasheet, paper, or 'assumption: ...'>" }
// so that each model parameter can be traced to where it came from. The unit a field takes is
// fixed by its name's ending (_bytes: a size, bytes_per_s: a size per second, _ns: a
// duration, flops_per_s: a count with an SI prefix, _pct: a percentage).
#include "profile.h"

#include "scenario.h"
#include "scenario_limits.h"
#include "units_detail.h"
#include "yaml_util.h"

#include "coconut/limits.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#ifndef COCONUT_PROFILE_DIR_DEFAULT
#error "COCONUT_PROFILE_DIR_DEFAULT must name the source tree's sim/devices/profiles"
#endif

namespace coconut::devices {

using scenario::ScenarioError;
using scenario::SourceLoc;
using scenario::detail::Field;
using scenario::detail::MapReader;

namespace {

constexpr std::size_t source_bytes_max = 1024;

// The number of a `{ value, source }` entry, by the field name's unit ending.
u64 read_value(const Field &value, const std::string &field)
{
	namespace d = scenario::detail;
	auto ends_with = [&](std::string_view suffix) {
		return field.size() >= suffix.size() &&
		       field.compare(field.size() - suffix.size(), suffix.size(), suffix) == 0;
	};
	if (ends_with("bytes_per_s")) {
		const std::string text = d::scalar_text(value, "a bandwidth");
		const auto v = d::parse_bytes_per_s(text);
		if (!v || *v == 0)
			value.fail(d::quote(text) +
				   " is not a bandwidth (e.g. 3.35TB/s, 1008GB/s)");
		return *v;
	}
	if (ends_with("flops_per_s")) {
		const std::string text = d::scalar_text(value, "a rate of FLOPs");
		const auto v = d::parse_si_count(text);
		if (!v || *v == 0)
			value.fail(d::quote(text) + " is not a FLOP rate (e.g. 989.4T, 312T)");
		return *v;
	}
	if (ends_with("_bytes"))
		return d::as_size(value, 1);
	if (ends_with("_ns"))
		return d::as_duration(value);
	if (ends_with("_pct"))
		return d::as_uint(value, 1, 100);
	if (field == "max_partitions")
		return d::as_uint(value, 1, CO_CAP_GPU_PARTITION_MAX + 1u);
	return d::as_uint(value, 1, 1u << 20); // counts: nv_indices
}

// Reads the fields of one kind. Every field is required: a default would be a number without
// a source.
class ProfileReader {
public:
	ProfileReader(const MapReader &m, std::map<std::string, std::string> &sources)
		: m_(m), sources_(sources)
	{
	}

	u64 number(const std::string &field)
	{
		const Field entry = m_.need(field);
		const MapReader e(entry, { "value", "source" });
		const u64 v = read_value(e.need("value"), field);
		sources_[field] = scenario::detail::as_string(e.need("source"), source_bytes_max);
		return v;
	}
	u32 number32(const std::string &field) { return static_cast<u32>(number(field)); }

private:
	const MapReader &m_;
	std::map<std::string, std::string> &sources_;
};

struct LoadedProfile {
	std::string kind;
	GpuProfile gpu;
	PcieProfile pcie;
	TpmProfile tpm;
	SsdProfile ssd;
	MemoryProfile memory;
};

LoadedProfile parse_profile(const std::string &path, const std::string &name,
			    const std::string &text)
{
	namespace d = scenario::detail;
	try {
		const Field root = Field::root(d::parse_document(text, path), path);
		if (!root.node().IsMap())
			root.fail("a profile is a map with `kind` and `{ value, source }` fields");
		// The kind decides the keys, so read it before checking them.
		const YAML::Node kind_node = root.node()["kind"];
		if (!kind_node)
			throw ScenarioError(root.loc(), "kind",
					    "missing (required: gpu, pcie, tpm, ssd, memory)");
		// `description` is free text for people; it is checked like any text, then dropped.
		const auto describe = [](const MapReader &m) {
			if (auto v = m.get("description"))
				d::as_string(*v, scenario::limits::description_bytes_max);
		};
		LoadedProfile p;
		p.kind = d::scalar_text(root.member("kind", kind_node, root.loc()),
					"a profile kind");
		if (p.kind == "gpu") {
			const MapReader m(root,
					  { "kind", "description", "hbm_bytes", "hbm_bytes_per_s",
					    "dense_fp16_flops_per_s", "max_partitions",
					    "weights_read_bytes_per_s", "linear_flops_per_s",
					    "kv_read_bytes_per_s", "attention_flops_per_s",
					    "attention_layer_overhead_ns",
					    "iteration_overhead_ns" });
			describe(m);
			ProfileReader r(m, p.gpu.sources);
			p.gpu.name = name;
			p.gpu.hbm_bytes = r.number("hbm_bytes");
			p.gpu.hbm_bytes_per_s = r.number("hbm_bytes_per_s");
			p.gpu.dense_fp16_flops_per_s = r.number("dense_fp16_flops_per_s");
			p.gpu.max_partitions = r.number32("max_partitions");
			p.gpu.weights_read_bytes_per_s = r.number("weights_read_bytes_per_s");
			p.gpu.linear_flops_per_s = r.number("linear_flops_per_s");
			p.gpu.kv_read_bytes_per_s = r.number("kv_read_bytes_per_s");
			p.gpu.attention_flops_per_s = r.number("attention_flops_per_s");
			p.gpu.attention_layer_overhead_ns = r.number("attention_layer_overhead_ns");
			p.gpu.iteration_overhead_ns = r.number("iteration_overhead_ns");
		} else if (p.kind == "pcie") {
			const MapReader m(root,
					  { "kind", "description", "bytes_per_s",
					    "copy_overhead_ns", "latency_ns", "chunk_bytes" });
			describe(m);
			ProfileReader r(m, p.pcie.sources);
			p.pcie.name = name;
			p.pcie.bytes_per_s = r.number("bytes_per_s");
			p.pcie.copy_overhead_ns = r.number("copy_overhead_ns");
			p.pcie.latency_ns = r.number("latency_ns");
			p.pcie.chunk_bytes = r.number("chunk_bytes");
		} else if (p.kind == "tpm") {
			const MapReader m(root,
					  { "kind", "description", "nv_write_ns", "nv_indices" });
			describe(m);
			ProfileReader r(m, p.tpm.sources);
			p.tpm.name = name;
			p.tpm.nv_write_ns = r.number("nv_write_ns");
			p.tpm.nv_indices = r.number32("nv_indices");
		} else if (p.kind == "ssd") {
			const MapReader m(root, { "kind", "description", "read_bytes_per_s",
						  "write_bytes_per_s", "read_latency_ns" });
			describe(m);
			ProfileReader r(m, p.ssd.sources);
			p.ssd.name = name;
			p.ssd.read_bytes_per_s = r.number("read_bytes_per_s");
			p.ssd.write_bytes_per_s = r.number("write_bytes_per_s");
			p.ssd.read_latency_ns = r.number("read_latency_ns");
		} else if (p.kind == "memory") {
			const MapReader m(root,
					  { "kind", "description", "channel_bytes_per_s",
					    "core_bytes_per_s", "throttle_step_bytes_per_s" });
			describe(m);
			ProfileReader r(m, p.memory.sources);
			p.memory.name = name;
			p.memory.channel_bytes_per_s = r.number("channel_bytes_per_s");
			p.memory.core_bytes_per_s = r.number("core_bytes_per_s");
			p.memory.throttle_step_bytes_per_s = r.number("throttle_step_bytes_per_s");
		} else {
			throw ScenarioError(
				d::loc_of(kind_node, path, root.loc()), "kind",
				"unknown profile kind " + d::quote(p.kind) +
					" (expected one of: gpu, pcie, tpm, ssd, memory)");
		}
		return p;
	} catch (const YAML::Exception &e) {
		const int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
		const int column = e.mark.column >= 0 ? e.mark.column + 1 : 1;
		throw ScenarioError(SourceLoc{ path, line, column }, "(yaml)", e.msg);
	}
}

// Profile names are file names: keep them to what as_name() allows, so a name can never
// climb out of the directory.
bool is_plain_name(const std::string &name)
{
	if (name.empty() || name.size() > scenario::limits::name_bytes_max)
		return false;
	return std::all_of(name.begin(), name.end(), [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
	});
}

// A profile is parsed once per process for each (path, name, text): a simulation loads every
// profile of its directory (ProfileLibrary checks them all), and parsing YAML took a fifth of
// a small simulation's time where many run in one process (the property suite, Python). The
// key holds the whole text, so an edited file is parsed again; errors are not kept.
LoadedProfile load_profile(const std::string &path, const std::string &name)
{
	constexpr size_t kCachedMax = 256; // distinct profile texts kept
	static std::map<std::string, LoadedProfile> cache;
	std::string key = scenario::detail::read_text_file(path, "(profile)");
	const size_t text_bytes = key.size();
	key += '\0' + path + '\0' + name;
	if (auto it = cache.find(key); it != cache.end())
		return it->second;
	LoadedProfile p = parse_profile(path, name, key.substr(0, text_bytes));
	if (cache.size() >= kCachedMax)
		cache.clear();
	cache.emplace(std::move(key), p);
	return p;
}

std::string path_of(const std::string &dir, const std::string &name)
{
	return dir + "/" + name + ".yaml";
}

LoadedProfile load_named(const std::string &dir, const std::string &name, const char *kind)
{
	if (!is_plain_name(name))
		throw ScenarioError(SourceLoc{ dir, 0, 0 }, "profile",
				    "bad profile name " + scenario::detail::quote(name));
	const std::string path = path_of(dir, name);
	LoadedProfile p = load_profile(path, name);
	if (kind != nullptr && p.kind != kind)
		throw ScenarioError(SourceLoc{ path, 1, 1 }, "kind",
				    "profile " + scenario::detail::quote(name) + " is a " + p.kind +
					    " profile, not a " + kind + " profile");
	return p;
}

} // namespace

ProfileLibrary::ProfileLibrary(std::string dir) : dir_(std::move(dir))
{
	std::error_code ec;
	if (!std::filesystem::is_directory(dir_, ec))
		throw ScenarioError(
			SourceLoc{ dir_, 0, 0 }, "(profiles)",
			"not a directory of device profiles (set COCONUT_PROFILE_DIR?)");
	// Sorted, so the first bad file reported is the same on every machine.
	std::vector<std::filesystem::path> files;
	for (const auto &entry : std::filesystem::directory_iterator(dir_, ec))
		if (entry.path().extension() == ".yaml")
			files.push_back(entry.path());
	if (ec)
		throw ScenarioError(SourceLoc{ dir_, 0, 0 }, "(profiles)",
				    "cannot list the directory: " + ec.message());
	std::sort(files.begin(), files.end());
	for (const auto &f : files) {
		const std::string stem = f.stem().string();
		if (!is_plain_name(stem))
			throw ScenarioError(
				SourceLoc{ f.string(), 0, 0 }, "(profile)",
				"a profile file name is lower-case letters, digits, '_' "
				"and '-', then .yaml");
		load_profile(f.string(), stem);
	}
}

bool ProfileLibrary::has(const std::string &name) const
{
	std::error_code ec;
	return is_plain_name(name) && std::filesystem::is_regular_file(path_of(dir_, name), ec);
}

std::string ProfileLibrary::kind_of(const std::string &name) const
{
	return load_named(dir_, name, nullptr).kind;
}

GpuProfile ProfileLibrary::gpu(const std::string &name) const
{
	return load_named(dir_, name, "gpu").gpu;
}

PcieProfile ProfileLibrary::pcie(const std::string &name) const
{
	return load_named(dir_, name, "pcie").pcie;
}

TpmProfile ProfileLibrary::tpm(const std::string &name) const
{
	return load_named(dir_, name, "tpm").tpm;
}

SsdProfile ProfileLibrary::ssd(const std::string &name) const
{
	return load_named(dir_, name, "ssd").ssd;
}

MemoryProfile ProfileLibrary::memory(const std::string &name) const
{
	return load_named(dir_, name, "memory").memory;
}

std::string default_profile_dir()
{
	const char *env = std::getenv("COCONUT_PROFILE_DIR");
	if (env != nullptr && env[0] != '\0')
		return env;
	return COCONUT_PROFILE_DIR_DEFAULT;
}

} // namespace coconut::devices
