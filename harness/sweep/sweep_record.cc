// See sweep_record.h.
#include "sweep_record.h"

#include "fingerprint.h"
#include "sweep_plan.h"

#include <cassert>
#include <limits>
#include <map>

namespace coconut::sweep {

using nlohmann::json;

nlohmann::json sweep_header(const std::string &file, const scenario::Scenario &sc,
			    const engine::RunOptions &opts,
			    const std::vector<std::string> &run_args, u64 shrink_tries,
			    u64 first_seed, u64 last_seed)
{
	engine::RunOptions no_seed = opts;
	no_seed.seed = 0; // the digest names the scenario, not one seed of it
	const scenario::Scenario as_run = engine::with_overrides(sc, no_seed);
	metrics::Fingerprint fp;
	fp.add_tag("coconut-sim sweep scenario v1");
	fp.add_string(scenario::write_scenario_yaml(as_run));
	return json{ { "scenario", as_run.name },
		     { "file", file },
		     { "digest", fp.hex() },
		     { "policy", scenario::policy_name(as_run.policy) },
		     { "until_ns", opts.until_ns.value_or(0) },
		     { "determinism", !opts.skip_determinism_gate },
		     { "run_args", run_args },
		     { "shrink_tries", shrink_tries },
		     { "range", json{ { "first", first_seed }, { "last", last_seed } } } };
}

std::string repro_command(const nlohmann::json &header, u64 seed)
{
	std::string cmd = "coconut-sim run " + header.at("file").get<std::string>() + " --seed " +
			  std::to_string(seed);
	for (const auto &a : header.at("run_args"))
		cmd += " " + a.get<std::string>();
	return cmd;
}

nlohmann::json seed_record(u64 seed, const engine::RunResult &r)
{
	json gates = json::array(), failed = json::array();
	for (const auto &g : r.gates) {
		gates.push_back(json{ { "name", g.name },
				      { "kind", g.kind },
				      { "pass", g.pass },
				      { "measured", g.measured },
				      { "bound", g.bound } });
		if (!g.pass)
			failed.push_back(g.name);
	}
	json values = json::object(), hists = json::object();
	for (const auto &n : r.metrics.names())
		values[n] = *r.metrics.get(n);
	for (const auto &n : r.metrics.hist_names())
		hists[n] = r.metrics.find_hist(n)->to_exact_json();
	return json{ { "seed", seed },
		     { "pass", r.all_pass() },
		     { "fingerprint", r.fingerprint },
		     { "simulated_ns", r.sim_end_ns },
		     { "failed_gates", failed },
		     { "gates", gates },
		     { "values", values },
		     { "histograms", hists } };
}

nlohmann::json error_record(u64 seed, const std::string &why)
{
	return json{ { "seed", seed }, { "pass", false }, { "error", why } };
}

void check_record(const nlohmann::json &rec, const std::string &where)
{
	const auto bad = [&](const std::string &field, const std::string &why) -> SweepError {
		return SweepError(where + ": " + field + ": " + why);
	};
	if (!rec.is_object())
		throw bad("(line)", "expected a JSON object");
	if (!rec.contains("seed") || !rec["seed"].is_number_unsigned())
		throw bad("seed", "expected an unsigned integer");
	if (!rec.contains("pass") || !rec["pass"].is_boolean())
		throw bad("pass", "expected true or false");
	if (rec.contains("error")) {
		if (!rec["error"].is_string() || rec["pass"].get<bool>())
			throw bad("error", "expected a string, with pass false");
		return;
	}
	if (!rec.contains("fingerprint") || !rec["fingerprint"].is_string() ||
	    rec["fingerprint"].get<std::string>().size() != 64)
		throw bad("fingerprint", "expected 64 hex digits");
	if (!rec.contains("simulated_ns") || !rec["simulated_ns"].is_number_unsigned())
		throw bad("simulated_ns", "expected an unsigned integer");
	if (!rec.contains("failed_gates") || !rec["failed_gates"].is_array())
		throw bad("failed_gates", "expected an array of gate names");
	for (const auto &g : rec["failed_gates"])
		if (!g.is_string())
			throw bad("failed_gates", "expected gate names");
	if (rec["pass"].get<bool>() != rec["failed_gates"].empty())
		throw bad("pass", "disagrees with failed_gates");
	if (!rec.contains("gates") || !rec["gates"].is_array())
		throw bad("gates", "expected an array");
	for (const auto &g : rec["gates"])
		if (!g.is_object() || !g.contains("name") || !g["name"].is_string() ||
		    !g.contains("pass") || !g["pass"].is_boolean())
			throw bad("gates", "expected {\"name\", \"pass\", ...} objects");
	if (!rec.contains("values") || !rec["values"].is_object())
		throw bad("values", "expected an object");
	for (const auto &[n, v] : rec["values"].items())
		if (!v.is_number_integer())
			throw bad("values." + n, "expected an integer");
	if (rec.contains("shrunk")) {
		const json &s = rec["shrunk"];
		if (!s.is_object() || !s.contains("file") || !s["file"].is_string() ||
		    s["file"].get<std::string>().rfind("shrunk/seed-", 0) != 0 ||
		    s["file"].get<std::string>().find("..") != std::string::npos ||
		    !s.contains("gate") || !s["gate"].is_string() || rec["pass"].get<bool>())
			throw bad("shrunk",
				  "expected {\"file\": \"shrunk/seed-S.yaml\", \"gate\", ...} on "
				  "a failing seed");
	}
	if (!rec.contains("histograms") || !rec["histograms"].is_object())
		throw bad("histograms", "expected an object");
	for (const auto &[n, h] : rec["histograms"].items()) {
		try {
			(void)metrics::LogHistogram::from_exact_json(h);
		} catch (const std::invalid_argument &e) {
			throw bad("histograms." + n, e.what());
		}
	}
}

namespace {

s64 saturating_add(s64 a, s64 b)
{
	s64 out;
	if (__builtin_add_overflow(a, b, &out))
		return b > 0 ? std::numeric_limits<s64>::max() : std::numeric_limits<s64>::min();
	return out;
}

} // namespace

nlohmann::json summarize(const nlohmann::json &header, const std::vector<nlohmann::json> &sorted)
{
	u64 passed = 0, failed = 0, errors = 0;
	std::vector<u64> seeds;
	json failing = json::array();
	std::map<std::string, std::pair<u64, u64>> gates; // name -> pass, fail
	struct Value {
		u64 seeds = 0;
		s64 min = 0, max = 0, sum = 0;
	};
	std::map<std::string, Value> values;
	std::map<std::string, metrics::LogHistogram> hists;
	for (const json &rec : sorted) {
		const u64 seed = rec.at("seed").get<u64>();
		assert(seeds.empty() || seed > seeds.back()); // sorted, each seed once
		seeds.push_back(seed);
		if (rec.contains("error")) {
			errors++;
			failing.push_back(json{ { "seed", seed },
						{ "error", rec["error"] },
						{ "repro", repro_command(header, seed) } });
			continue;
		}
		if (rec.at("pass").get<bool>()) {
			passed++;
		} else {
			failed++;
			json f{ { "seed", seed },
				{ "failed_gates", rec["failed_gates"] },
				{ "repro", repro_command(header, seed) } };
			if (rec.contains("shrunk"))
				f["shrunk"] = rec["shrunk"];
			failing.push_back(std::move(f));
		}
		for (const auto &g : rec.at("gates")) {
			auto &pf = gates[g.at("name").get<std::string>()];
			(g.at("pass").get<bool>() ? pf.first : pf.second)++;
		}
		for (const auto &[n, v] : rec.at("values").items()) {
			const s64 x = v.get<s64>();
			Value &agg = values[n];
			agg.min = agg.seeds ? std::min(agg.min, x) : x;
			agg.max = agg.seeds ? std::max(agg.max, x) : x;
			agg.sum = saturating_add(agg.sum, x);
			agg.seeds++;
		}
		for (const auto &[n, h] : rec.at("histograms").items()) {
			metrics::LogHistogram one = metrics::LogHistogram::from_exact_json(h);
			auto it = hists.find(n);
			if (it == hists.end())
				hists.emplace(n, std::move(one));
			else
				it->second.merge(
					one); // throws on differing sub_bits: the caller's error
		}
	}
	json jg = json::object(), jv = json::object(), jh = json::object();
	for (const auto &[n, pf] : gates)
		jg[n] = json{ { "pass", pf.first }, { "fail", pf.second } };
	for (const auto &[n, v] : values)
		jv[n] = json{
			{ "seeds", v.seeds }, { "min", v.min }, { "max", v.max }, { "sum", v.sum }
		};
	for (const auto &[n, h] : hists)
		jh[n] = json{ { "count", h.count() },
			      { "min", h.min() },
			      { "max", h.max() },
			      { "p50", h.value_at_quantile_milli(500) },
			      { "p90", h.value_at_quantile_milli(900) },
			      { "p99", h.value_at_quantile_milli(990) },
			      { "p999", h.value_at_quantile_ppm(999000) },
			      { "exact", h.to_exact_json() } };
	return json{ { "sweep", header },
		     { "seeds",
		       json{ { "count", seeds.size() }, { "set", seed_set_text(seeds) } } },
		     { "passed", passed },
		     { "failed", failed },
		     { "errors", errors },
		     { "failing", failing },
		     { "gates", jg },
		     { "values", jv },
		     { "histograms", jh } };
}

int summary_exit_code(const nlohmann::json &summary)
{
	if (summary.at("errors").get<u64>() > 0)
		return 3;
	return summary.at("failed").get<u64>() > 0 ? 1 : 0;
}

} // namespace coconut::sweep
