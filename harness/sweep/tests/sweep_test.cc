// The sweep's pieces in process: seed plans and shards, the records and their summary (merge
// exactness from records alone), the checks on records read back, and the runner (children,
// their records in seed order, a child that dies costing its seed only).
#include "sweep_files.h"
#include "sweep_limits.h"
#include "sweep_plan.h"
#include "sweep_record.h"
#include "sweep_runner.h"

#include "engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace {

using namespace coconut;
using namespace coconut::sweep;
using nlohmann::json;

TEST(SweepPlan, SeedsAndShards)
{
	EXPECT_EQ(parse_seeds("3..7").first, 3u);
	EXPECT_EQ(parse_seeds("3..7").count(), 5u);
	EXPECT_EQ(parse_seeds("9").count(), 1u);
	for (const char *bad : { "", "7..3", "a..b", "-1..2", "1..", "..4", "1...4", "1..2x",
				 "0..1000000", "99999999999999999999" })
		EXPECT_THROW(parse_seeds(bad), SweepError) << bad;
	EXPECT_EQ(parse_seeds("0..999999").count(), kSeedsMax);
	for (const char *bad : { "", "1", "4/4", "0/0", "/3", "1/", "a/2", "-1/2", "0/100001" })
		EXPECT_THROW(parse_shard(bad), SweepError) << bad;
	// Shards are disjoint, cover the range and differ in size by one at most.
	for (u64 n : { 1u, 2u, 3u, 7u, 40u }) {
		const SeedRange r = parse_seeds("5..34");
		std::set<u64> seen;
		size_t lo = ~size_t{ 0 }, hi = 0;
		for (u64 k = 0; k < n; k++) {
			const auto s = shard_seeds(r, Shard{ k, n });
			EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
			lo = std::min(lo, s.size());
			hi = std::max(hi, s.size());
			for (u64 x : s)
				EXPECT_TRUE(seen.insert(x).second) << x << " twice";
		}
		EXPECT_EQ(seen.size(), 30u);
		EXPECT_EQ(*seen.begin(), 5u);
		EXPECT_EQ(*seen.rbegin(), 34u);
		EXPECT_LE(hi - lo, 1u);
	}
	EXPECT_EQ(seed_set_text({ 1, 2, 3, 5, 7, 8 }), "1..3,5,7..8");
	EXPECT_EQ(seed_set_text({}), "");
	EXPECT_EQ(seed_set_text({ 4 }), "4");
}

json header()
{
	return json{ { "scenario", "s" },
		     { "file", "s.yaml" },
		     { "digest", std::string(64, 'a') },
		     { "policy", "fair" },
		     { "until_ns", 0 },
		     { "determinism", true },
		     { "run_args", { "--policy", "fair" } },
		     { "shrink_tries", 0 },
		     { "range", { { "first", 1 }, { "last", 10 } } } };
}

json record(u64 seed, bool pass, std::initializer_list<u64> samples)
{
	engine::RunResult r;
	r.fingerprint = std::string(64, 'f');
	r.sim_end_ns = 1000;
	metrics::GateResult g;
	g.name = "isolation";
	g.kind = "isolation";
	g.pass = pass;
	r.gates.push_back(g);
	r.metrics.set("ops", static_cast<s64>(seed));
	for (u64 v : samples)
		r.metrics.hist("latency_ns").record(v);
	return seed_record(seed, r);
}

// The summary is a function of the records: any split of them into shards, merged and
// summarized, gives the same bytes; histograms merge exactly.
TEST(SweepRecord, SummaryOfRecordsAlone)
{
	std::vector<json> all;
	metrics::LogHistogram expect;
	for (u64 seed = 1; seed <= 9; seed++) {
		const u64 a = seed * 1000, b = seed * 777777;
		all.push_back(record(seed, seed != 4, { a, b }));
		expect.record(a);
		expect.record(b);
	}
	all.push_back(error_record(10, "the run's process killed by signal 9"));
	for (const json &r : all)
		EXPECT_NO_THROW(check_record(json::parse(r.dump()), "t"));
	const json s = summarize(header(), all);
	EXPECT_EQ(s["passed"], 8u);
	EXPECT_EQ(s["failed"], 1u);
	EXPECT_EQ(s["errors"], 1u);
	EXPECT_EQ(s["seeds"]["set"], "1..10");
	EXPECT_EQ(s["failing"][0]["seed"], 4u);
	EXPECT_EQ(s["failing"][0]["repro"], "coconut-sim run s.yaml --seed 4 --policy fair");
	EXPECT_EQ(s["failing"][1]["error"], "the run's process killed by signal 9");
	EXPECT_EQ(s["gates"]["isolation"]["pass"], 8u);
	EXPECT_EQ(s["gates"]["isolation"]["fail"], 1u);
	EXPECT_EQ(s["values"]["ops"]["sum"], 45);
	EXPECT_EQ(s["values"]["ops"]["min"], 1);
	EXPECT_EQ(s["values"]["ops"]["max"], 9);
	EXPECT_TRUE(metrics::LogHistogram::from_exact_json(
			    s["histograms"]["latency_ns"]["exact"]) == expect);
	EXPECT_EQ(s["histograms"]["latency_ns"]["p99"], expect.value_at_quantile_milli(990));
	EXPECT_EQ(summary_exit_code(s), 3);

	namespace fs = std::filesystem;
	const fs::path root =
		fs::temp_directory_path() / ("sweep_test." + std::to_string(getpid()));
	std::vector<std::string> dirs;
	for (u64 k = 0; k < 3; k++) {
		std::vector<json> part;
		for (size_t i = k; i < all.size(); i += 3)
			part.push_back(all[i]);
		const std::string d = (root / ("shard" + std::to_string(k))).string();
		prepare_dir(d);
		write_sweep(d, part, summarize(header(), part));
		dirs.push_back(d);
	}
	std::reverse(dirs.begin(), dirs.end()); // the order of the shards does not matter
	const SweepDir merged = merge_sweeps(dirs);
	EXPECT_EQ(summarize(merged.header, merged.records).dump(1), s.dump(1));
	ASSERT_EQ(merged.records.size(), all.size());
	for (size_t i = 0; i < all.size(); i++)
		EXPECT_EQ(merged.records[i].dump(), all[i].dump());

	// A missing shard is refused naming the seeds it held.
	try {
		merge_sweeps({ dirs[0], dirs[1] });
		ADD_FAILURE() << "2 shards of 3 were merged";
	} catch (const SweepError &e) {
		EXPECT_NE(std::string(e.what()).find("is a shard missing"), std::string::npos)
			<< e.what();
	}
	// A seed in two shards, and shards of two sweeps, are refused naming what.
	const std::string dup = (root / "dup").string();
	prepare_dir(dup);
	write_sweep(dup, { all[0] }, summarize(header(), { all[0] }));
	try {
		merge_sweeps({ dirs.back(), dup });
		ADD_FAILURE() << "a seed in two shards was merged";
	} catch (const SweepError &e) {
		EXPECT_NE(std::string(e.what()).find("seed 1 is in both"), std::string::npos)
			<< e.what();
	}
	json other = header();
	other["policy"] = "fifo";
	const std::string odd = (root / "odd").string();
	prepare_dir(odd);
	write_sweep(odd, { all[1] }, summarize(other, { all[1] }));
	try {
		merge_sweeps({ dirs[0], odd });
		ADD_FAILURE() << "shards of two sweeps were merged";
	} catch (const SweepError &e) {
		EXPECT_NE(std::string(e.what()).find("sweep.policy"), std::string::npos)
			<< e.what();
	}
	fs::remove_all(root);
}

// Records read back are checked field by field: the error names the line and the field.
TEST(SweepRecord, CheckRecordNamesTheField)
{
	const json good = record(3, true, { 5 });
	const auto refused = [&](const std::string &field, const json &value, const char *needle) {
		json j = good;
		if (value.is_null())
			j.erase(field);
		else
			j[field] = value;
		try {
			check_record(j, "f:7");
			ADD_FAILURE() << field << " accepted";
		} catch (const SweepError &e) {
			EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
				<< e.what();
			EXPECT_EQ(std::string(e.what()).rfind("f:7: ", 0), 0u) << e.what();
		}
	};
	refused("seed", "3", "seed");
	refused("seed", nullptr, "seed");
	refused("pass", false, "pass: disagrees");
	refused("fingerprint", "abc", "fingerprint");
	refused("failed_gates", json::array({ 1 }), "failed_gates");
	refused("gates", json::object(), "gates");
	refused("values", json{ { "x", 1.5 } }, "values.x");
	refused("histograms", json{ { "h", { { "count", 1 } } } }, "histograms.h");
	refused("error", 3, "error");
	EXPECT_THROW(check_record(json::array(), "f:1"), SweepError);
}

scenario::Scenario minimal()
{
	return scenario::load_scenario_file(std::string(COCONUT_SOURCE_DIR) +
					    "/scenarios/examples/minimal.yaml");
}

// The runner: records in seed order whatever order they finish in, each equal to the run of
// its seed alone (same fingerprint), at any -j.
TEST(SweepRunner, RecordsInSeedOrderAtAnyJobs)
{
	const scenario::Scenario sc = minimal();
	engine::RunOptions opts;
	const std::vector<u64> seeds{ 3, 1, 4, 5, 9 };
	std::vector<std::string> dumps[2];
	for (u64 jobs : { 1u, 3u }) {
		u64 called = 0;
		const auto out =
			run_seeds(sc, opts, seeds, jobs, [&](const SeedOutcome &) { called++; });
		EXPECT_EQ(called, seeds.size());
		ASSERT_EQ(out.size(), seeds.size());
		for (size_t i = 0; i + 1 < out.size(); i++)
			EXPECT_LT(out[i].record["seed"], out[i + 1].record["seed"]);
		for (const auto &o : out) {
			EXPECT_TRUE(o.record["pass"].get<bool>()) << o.record.dump();
			EXPECT_GT(o.max_rss_kib, 0u);
			dumps[jobs == 1 ? 0 : 1].push_back(o.record.dump());
		}
	}
	EXPECT_EQ(dumps[0], dumps[1]);
}

// A child that dies costs its own seed (an error record saying how), not the others'.
TEST(SweepRunner, ADyingChildCostsItsSeedOnly)
{
	const auto out = run_seeds(
		minimal(), engine::RunOptions{}, { 1, 2, 3 }, 2, [](const SeedOutcome &) {}, 2);
	ASSERT_EQ(out.size(), 3u);
	EXPECT_TRUE(out[0].record["pass"].get<bool>());
	EXPECT_TRUE(out[2].record["pass"].get<bool>());
	ASSERT_TRUE(out[1].record.contains("error")) << out[1].record.dump();
	EXPECT_NE(out[1].record["error"].get<std::string>().find("killed by signal 9"),
		  std::string::npos);
	EXPECT_FALSE(out[1].bad_scenario);
}

} // namespace
