// See sweep_files.h.
#include "sweep_files.h"

#include "sweep_limits.h"
#include "sweep_plan.h"
#include "sweep_record.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace coconut::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

void prepare_dir(const std::string &dir)
{
	if (dir.empty())
		throw SweepError("--out '': expected a directory");
	std::error_code ec;
	fs::create_directories(dir, ec);
	if (ec || !fs::is_directory(dir))
		throw SweepError("--out " + dir + ": cannot make the directory" +
				 (ec ? " (" + ec.message() + ")" : std::string()));
	const std::string probe = dir + "/.sweep-write-test";
	if (!std::ofstream(probe))
		throw SweepError("--out " + dir + ": cannot write into it (" +
				 std::strerror(errno) + ")");
	fs::remove(probe, ec);
}

namespace {

void write_file(const std::string &path, const std::string &text)
{
	const std::string tmp = path + ".tmp";
	{
		std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
		f << text;
		f.flush();
		if (!f)
			throw std::runtime_error("cannot write " + tmp + ": " +
						 std::strerror(errno));
	}
	if (std::rename(tmp.c_str(), path.c_str()) != 0)
		throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " +
					 std::strerror(errno));
}

} // namespace

void write_sweep(const std::string &dir, const std::vector<nlohmann::json> &sorted_records,
		 const nlohmann::json &summary)
{
	std::string lines;
	for (const json &r : sorted_records)
		lines += r.dump() + "\n";
	write_file(dir + "/seeds.jsonl", lines);
	write_file(dir + "/summary.json", summary.dump(1) + "\n");
}

void write_perf(const std::string &dir, const nlohmann::json &perf)
{
	write_file(dir + "/perf.json", perf.dump(1) + "\n");
}

SweepDir read_sweep(const std::string &dir)
{
	SweepDir out;
	const std::string sum_path = dir + "/summary.json";
	std::ifstream sf(sum_path);
	if (!sf)
		throw SweepError(sum_path + ": cannot open (is " + dir + " a sweep's --out?)");
	const json summary = json::parse(sf, nullptr, false);
	if (summary.is_discarded() || !summary.is_object() || !summary.contains("sweep") ||
	    !summary["sweep"].is_object())
		throw SweepError(sum_path + ": sweep: expected a sweep's summary");
	out.header = summary["sweep"];
	for (const char *field : { "scenario", "file", "digest", "policy" })
		if (!out.header.contains(field) || !out.header[field].is_string())
			throw SweepError(sum_path + ": sweep." + field + ": expected a string");
	const json &range = out.header.contains("range") ? out.header["range"] : json();
	if (!range.is_object() || !range.contains("first") ||
	    !range["first"].is_number_unsigned() || !range.contains("last") ||
	    !range["last"].is_number_unsigned() ||
	    range["last"].get<u64>() < range["first"].get<u64>() ||
	    range["last"].get<u64>() - range["first"].get<u64>() >= kSeedsMax)
		throw SweepError(sum_path + ": sweep.range: expected {\"first\", \"last\"} seeds");
	if (!out.header.contains("run_args") || !out.header["run_args"].is_array())
		throw SweepError(sum_path + ": sweep.run_args: expected an array of strings");
	for (const auto &a : out.header["run_args"])
		if (!a.is_string())
			throw SweepError(sum_path +
					 ": sweep.run_args: expected an array of strings");

	const std::string path = dir + "/seeds.jsonl";
	std::ifstream f(path);
	if (!f)
		throw SweepError(path + ": cannot open");
	std::string line;
	u64 n = 0;
	while (std::getline(f, line)) {
		n++;
		const std::string where = path + ":" + std::to_string(n);
		if (line.size() > kRecordBytesMax)
			throw SweepError(where + ": a line over " +
					 std::to_string(kRecordBytesMax) + " bytes");
		const json rec = json::parse(line, nullptr, false);
		if (rec.is_discarded())
			throw SweepError(where + ": not JSON");
		check_record(rec, where);
		if (rec["seed"].get<u64>() < out.header["range"]["first"].get<u64>() ||
		    rec["seed"].get<u64>() > out.header["range"]["last"].get<u64>())
			throw SweepError(where + ": seed: outside the sweep's range");
		if (!out.records.empty() &&
		    rec["seed"].get<u64>() <= out.records.back()["seed"].get<u64>())
			throw SweepError(where + ": seed: not above the line before's");
		if (out.records.size() >= kSeedsMax)
			throw SweepError(where + ": more than " + std::to_string(kSeedsMax) +
					 " seeds");
		out.records.push_back(rec);
	}
	return out;
}

SweepDir merge_sweeps(const std::vector<std::string> &dirs)
{
	if (dirs.empty())
		throw SweepError("expected at least one sweep directory");
	if (dirs.size() > kMergeDirsMax)
		throw SweepError("more than " + std::to_string(kMergeDirsMax) + " directories");
	SweepDir merged;
	std::map<u64, std::string> seed_dir;
	u64 total = 0;
	for (const std::string &d : dirs) {
		SweepDir one = read_sweep(d);
		if (merged.header.is_null()) {
			merged.header = one.header;
		} else {
			for (const auto &[k, v] : merged.header.items())
				if (!one.header.contains(k) || one.header[k] != v)
					throw SweepError(d + "/summary.json: sweep." + k + ": " +
							 (one.header.contains(k)
								  ? one.header[k].dump()
								  : "missing") +
							 ", but " + dirs[0] + " has " + v.dump() +
							 ": not shards of one sweep");
			if (one.header.size() != merged.header.size())
				throw SweepError(d + "/summary.json: sweep: other fields than " +
						 dirs[0] + "'s");
		}
		total += one.records.size();
		if (total > kSeedsMax)
			throw SweepError(d + ": more than " + std::to_string(kSeedsMax) +
					 " seeds in all");
		for (json &r : one.records) {
			const u64 seed = r["seed"].get<u64>();
			if (r.contains("shrunk"))
				merged.shrunk_files.push_back(
					d + "/" + r["shrunk"]["file"].get<std::string>());
			const auto [it, fresh] = seed_dir.emplace(seed, d);
			if (!fresh)
				throw SweepError("seed " + std::to_string(seed) + " is in both " +
						 it->second + " and " + d);
			merged.records.push_back(std::move(r));
		}
	}
	std::sort(merged.records.begin(), merged.records.end(), [](const json &a, const json &b) {
		return a["seed"].get<u64>() < b["seed"].get<u64>();
	});
	// Every seed of the sweep's range, or a shard is missing: a merge of 3 shards of 4 would
	// otherwise look like a whole sweep that passed.
	const json &range = merged.header["range"];
	const u64 first = range["first"].get<u64>(), last = range["last"].get<u64>();
	if (merged.records.size() != last - first + 1) {
		std::vector<u64> missing;
		size_t at = 0;
		for (u64 s = first; s <= last && missing.size() < 10; s++) {
			while (at < merged.records.size() &&
			       merged.records[at]["seed"].get<u64>() < s)
				at++;
			if (at == merged.records.size() ||
			    merged.records[at]["seed"].get<u64>() != s)
				missing.push_back(s);
		}
		throw SweepError("the shards hold " + std::to_string(merged.records.size()) +
				 " of the " + std::to_string(last - first + 1) + " seeds of " +
				 std::to_string(first) + ".." + std::to_string(last) +
				 " (missing: " + seed_set_text(missing) +
				 (missing.size() == 10 ? ", ..." : "") + "): is a shard missing?");
	}
	return merged;
}

} // namespace coconut::sweep
