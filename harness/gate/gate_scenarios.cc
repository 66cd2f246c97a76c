// The gates judged from scenario runs (`coconut-sim run`, result.json): policy_contrast (a
// gate of the release scenario that must hold under the fair policy and trip under the others,
// on every seed: the gate can tell) and scenario (every gate of a scenario holds on each seed).
#include "gate_format.h"
#include "gate_runner.h"

#include <algorithm>
#include <cassert>

namespace coconut::gate {

namespace {

using json = nlohmann::json;

// A gate's measured value in thousandths: its worst row's ratio, or its measured text.
std::optional<std::int64_t> value_of(const json &gate, std::string *where)
{
	std::optional<std::int64_t> worst;
	for (const json &row : gate.value("rows", json::array())) {
		if (!row.contains("ratio_milli") || !row["ratio_milli"].is_number())
			continue;
		const std::int64_t v = row["ratio_milli"].get<std::int64_t>();
		if (!worst || v > *worst) {
			worst = v;
			*where = row.value("tenant", "") + " " + row.value("resource", "");
		}
	}
	if (worst)
		return worst;
	const std::string m = gate.value("measured", "");
	try {
		size_t used = 0;
		const double d = std::stod(m, &used);
		if (used > 0) {
			*where = gate.value("name", "");
			return to_milli(d);
		}
	} catch (const std::exception &) {
	}
	return std::nullopt;
}

std::vector<json> selected(const json &result, const std::string &prefix)
{
	std::vector<json> out;
	for (const json &g : result.value("gates", json::array())) {
		const std::string n = g.value("name", "");
		if (n == prefix || n.rfind(prefix + ".", 0) == 0)
			out.push_back(g);
	}
	return out;
}

bool usable(const ScenarioRun &r)
{
	return r.result.is_object() && !r.ended.timed_out && r.ended.signal == 0 &&
	       (r.ended.exit_code == 0 || r.ended.exit_code == 1);
}

std::string determinism_of(const json &result)
{
	for (const json &g : result.value("gates", json::array()))
		if (g.value("kind", "") == "determinism")
			return g.value("pass", false) ? "pass" : "fail";
	return "not checked";
}

json run_entry(const ScenarioRun &r)
{
	json e = { { "label", r.label },
		   { "status", r.ended.why() },
		   { "fingerprint", "" },
		   { "audit_head", "" },
		   { "audit_events", 0 },
		   { "determinism", "not checked" },
		   { "command", shell_line(r.shown) } };
	if (r.result.is_object()) {
		e["fingerprint"] = r.result.value("fingerprint", "");
		if (r.result.contains("audit")) {
			e["audit_head"] = r.result["audit"].value("head", "");
			e["audit_events"] = r.result["audit"].value("events", 0);
		}
		e["determinism"] = determinism_of(r.result);
	}
	return e;
}

// A tenant's slowdown CDF, at most ~60 points: [slowdown in thousandths, fraction in ppm].
json cdf_points(const json &hist)
{
	json pts = json::array();
	const std::uint64_t total = hist.value("count", 0ull);
	if (total == 0)
		return pts;
	const json &b = hist["buckets"];
	const size_t n = b.size();
	const size_t step = std::max<size_t>(1, n / 60);
	std::uint64_t cum = 0;
	for (size_t i = 0; i < n; i++) {
		cum += b[i][2].get<std::uint64_t>();
		if (i % step == 0 || i + 1 == n)
			pts.push_back(
				{ b[i][1].get<std::uint64_t>(),
				  static_cast<std::uint64_t>(static_cast<unsigned __int128>(cum) *
							     1000000 / total) });
	}
	return pts;
}

// Each tenant's share of the CPU's service per sampling interval (ppm), at most ~80 intervals.
json cpu_shares(const json &result)
{
	json out = { { "t_ms", json::array() }, { "tenants", json::object() } };
	if (!result.contains("series") || !result["series"].contains("cpu"))
		return out;
	const json &s = result["series"]["cpu"];
	const json &t = s["t_ns"];
	const json &per = s["served_units"];
	const size_t n = t.size();
	if (n < 2)
		return out;
	const size_t step = std::max<size_t>(1, (n - 1) / 80);
	for (auto it = per.begin(); it != per.end(); ++it)
		out["tenants"][it.key()] = json::array();
	for (size_t i = step; i < n; i += step) {
		std::uint64_t total = 0;
		std::map<std::string, std::uint64_t> d;
		for (auto it = per.begin(); it != per.end(); ++it) {
			const std::uint64_t a = it.value()[i - step].get<std::uint64_t>();
			const std::uint64_t b = it.value()[i].get<std::uint64_t>();
			d[it.key()] = b >= a ? b - a : 0;
			total += d[it.key()];
		}
		out["t_ms"].push_back(t[i].get<std::uint64_t>() / 1000000);
		for (auto &[name, v] : d)
			out["tenants"][name].push_back(
				total ? static_cast<std::uint64_t>(v * 1000000.0 / total + 0.5)
				      : 0);
	}
	return out;
}

json parity_counts(const json &result)
{
	json m = result.value("metrics", json::object()).value("values", json::object());
	json out = json::object();
	for (const char *k : { "audit.events", "audit.cap_allow", "audit.cap_deny", "lsm.allows",
			       "lsm.denies", "audit.anchors", "audit.pending_at_end" })
		if (m.contains(k))
			out[k] = m[k];
	return out;
}

} // namespace

json Runner::policy_contrast(const GateSpec &g)
{
	std::vector<std::string> pols = g.pass_under;
	pols.insert(pols.end(), g.fail_under.begin(), g.fail_under.end());
	const auto runs = scenario_runs(g.scenario, pols, g.seed_first, g.seed_last);
	const size_t nseeds = g.seed_last - g.seed_first + 1;
	assert(runs.size() == pols.size() * nseeds);
	json rows = json::array(), runs_j = json::array(), repro = json::array();
	json cdf = json::object(), ratios = json::object(), shares = json::object(),
	     parity = json::object();
	bool all_ok = true;
	std::string bound, detail, measured;
	std::optional<std::int64_t> headline;
	for (size_t pi = 0; pi < pols.size(); pi++) {
		const std::string &pol = pols[pi];
		const bool must_hold = pi < g.pass_under.size();
		std::uint64_t held = 0, tripped = 0, broken = 0;
		std::optional<std::int64_t> worst;
		std::string worst_where;
		for (size_t k = 0; k < nseeds; k++) {
			const ScenarioRun &r = *runs[pi * nseeds + k];
			runs_j.push_back(run_entry(r));
			if (!usable(r)) {
				broken++;
				detail +=
					r.label + ": the run " + r.ended.why() + " (log " +
					shown(log_path(
						std::filesystem::path(g.scenario).stem().string(),
						pol + "-seed" + std::to_string(g.seed_first + k))) +
					"); ";
				continue;
			}
			const auto sel = selected(r.result, g.gate);
			if (sel.empty()) {
				broken++;
				detail += r.label + ": the scenario has no gate named " + g.gate +
					  "; ";
				continue;
			}
			bool ok = true;
			for (const json &s : sel) {
				ok &= s.value("pass", false);
				std::string where;
				const auto v = value_of(s, &where);
				if (v && (!worst || *v > *worst)) {
					worst = v;
					worst_where = where;
				}
				if (bound.empty())
					bound = s.value("bound", "");
			}
			held += ok;
			tripped += !ok;
			if (k == 0) {
				json rs = json::array();
				for (const json &s : sel)
					for (const json &row : s.value("rows", json::array()))
						rs.push_back(
							{ { "label",
							    row.value("tenant", "") + " " +
								    row.value("resource", "") },
							  { "value_milli",
							    row.contains("ratio_milli") &&
									    row["ratio_milli"]
										    .is_number()
								    ? row["ratio_milli"]
								    : json(nullptr) },
							  { "pass", row.value("pass", false) } });
				ratios[pol] = rs;
				json tc = json::object();
				const json hs = r.result.value("metrics", json::object())
							.value("histograms", json::object());
				for (auto it = hs.begin(); it != hs.end(); ++it) {
					const std::string n = it.key();
					const std::string suf = ".slowdown";
					if (n.rfind("tenant.", 0) == 0 &&
					    n.size() > 7 + suf.size() &&
					    n.compare(n.size() - suf.size(), suf.size(), suf) ==
						    0 &&
					    n.find('.', 7) == n.size() - suf.size())
						tc[n.substr(7, n.size() - 7 - suf.size())] =
							cdf_points(it.value());
				}
				cdf[pol] = tc;
				shares[pol] = cpu_shares(r.result);
				parity[pol] = parity_counts(r.result);
			}
		}
		const bool row_ok = broken == 0 && (must_hold ? held == nseeds : tripped == nseeds);
		all_ok &= row_ok;
		std::string m = std::to_string(must_hold ? held : tripped) + "/" +
				std::to_string(nseeds) +
				(must_hold ? " seeds hold" : " seeds trip");
		if (worst)
			m += ", worst " + milli_text(*worst) + " (" + worst_where + ")";
		if (broken)
			m += ", " + std::to_string(broken) + " runs broken";
		rows.push_back(
			{ { "label", pol },
			  { "measured", m },
			  { "bound", must_hold ? "holds on every seed" : "trips on every seed" },
			  { "status", row_ok ? "pass" : "fail" },
			  { "value_milli", worst ? json(*worst) : json(nullptr) } });
		if (must_hold && pi == 0) {
			headline = worst;
			measured = (worst ? milli_text(*worst) : std::string("no value")) +
				   " under " + pol + " (" + std::to_string(held) + "/" +
				   std::to_string(nseeds) + " seeds)";
		}
		std::vector<std::string> cmd = { shown(cfg_.sim), nseeds > 1 ? "sweep" : "run",
						 g.scenario };
		if (nseeds > 1) {
			cmd.insert(cmd.end(), { "--seeds", seeds_text(g), "-j2" });
		} else {
			cmd.insert(cmd.end(), { "--seed", std::to_string(g.seed_first) });
		}
		cmd.insert(cmd.end(), { "--policy", pol });
		repro.push_back(shell_line(cmd));
	}
	if (!all_ok && detail.empty())
		detail = "a policy's row is not as it must be (the rows say which)";
	return { { "status", all_ok ? "pass" : "fail" },
		 { "measured", measured },
		 { "bound", bound + " under " + g.pass_under[0] + "; trips under the others" },
		 { "value_milli", headline ? json(*headline) : json(nullptr) },
		 { "better", "lower" },
		 { "detail", detail },
		 { "rows", rows },
		 { "runs", runs_j },
		 { "reproduce", repro },
		 { "plot",
		   { { "type", "policy_contrast" },
		     { "seed", g.seed_first },
		     { "gate", g.gate },
		     { "cdf", cdf },
		     { "ratios", ratios },
		     { "cpu_share", shares },
		     { "parity", parity } } } };
}

json Runner::scenario_gate(const GateSpec &g)
{
	const auto runs = scenario_runs(g.scenario, { "" }, g.seed_first, g.seed_last);
	json rows = json::array(), runs_j = json::array();
	std::uint64_t held = 0, gates_total = 0;
	std::string detail;
	json outcome = json::object();
	for (size_t k = 0; k < runs.size(); k++) {
		const ScenarioRun &r = *runs[k];
		runs_j.push_back(run_entry(r));
		bool ok = usable(r);
		std::uint64_t n = 0, pass = 0;
		std::string failed;
		if (ok)
			for (const json &s : r.result.value("gates", json::array())) {
				n++;
				const bool p = s.value("pass", false);
				pass += p;
				if (!p && failed.empty())
					failed = s.value("name", "") + " measured " +
						 s.value("measured", "") + " (" +
						 s.value("bound", "") + ")";
			}
		ok &= n > 0 && pass == n;
		held += ok;
		gates_total += n;
		if (!ok)
			detail += r.label + ": " +
				  (usable(r) ? (n ? failed : "no gates")
					     : "the run " + r.ended.why()) +
				  "; ";
		rows.push_back({ { "label", r.label },
				 { "measured",
				   std::to_string(pass) + "/" + std::to_string(n) + " gates hold" },
				 { "bound", "every gate" },
				 { "status", ok ? "pass" : "fail" },
				 { "value_milli", nullptr } });
		if (k == 0 && r.result.is_object()) {
			const json m = r.result.value("metrics", json::object())
					       .value("values", json::object());
			for (auto it = m.begin(); it != m.end(); ++it) {
				const std::string name = it.key();
				if (name.find("revok") != std::string::npos ||
				    name.find("inflight") != std::string::npos ||
				    name.find("cancel") != std::string::npos)
					outcome[name] = it.value();
			}
		}
	}
	const std::uint64_t n = runs.size();
	std::vector<std::string> cmd = { shown(cfg_.sim), n > 1 ? "sweep" : "run", g.scenario };
	if (n > 1)
		cmd.insert(cmd.end(), { "--seeds", seeds_text(g), "-j2" });
	else
		cmd.insert(cmd.end(), { "--seed", std::to_string(g.seed_first) });
	return { { "status", held == n ? "pass" : "fail" },
		 { "measured", std::to_string(held) + "/" + std::to_string(n) + " seeds, " +
				       std::to_string(gates_total) + " gate verdicts" },
		 { "bound", "every gate on every seed" },
		 { "detail", detail },
		 { "rows", rows },
		 { "runs", runs_j },
		 { "reproduce", json::array({ shell_line(cmd) }) },
		 { "plot", { { "type", "scenario" }, { "outcomes", outcome } } } };
}

} // namespace coconut::gate
