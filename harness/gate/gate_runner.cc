// See gate_runner.h. The kinds of gate are in gate_scenarios.cc and gate_programs.cc.
#include "gate_runner.h"

#include <cassert>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace coconut::gate {

namespace fs = std::filesystem;

Runner::Runner(Suite suite, RunnerConfig cfg) : suite_(std::move(suite)), cfg_(std::move(cfg))
{
	assert(cfg_.jobs >= 1);
	fs::create_directories(cfg_.work + "/logs");
}

std::string Runner::shown(const std::string &path) const
{
	const std::string root = suite_.root + "/";
	if (path.rfind(root, 0) == 0)
		return path.substr(root.size());
	return path;
}

std::string Runner::in_root(const std::string &rel) const
{
	return rel.empty() || rel[0] == '/' ? rel : suite_.root + "/" + rel;
}

std::string Runner::in_build(const std::string &rel) const
{
	return rel.empty() || rel[0] == '/' ? rel : cfg_.build + "/" + rel;
}

std::string Runner::log_path(const std::string &gate, const std::string &what) const
{
	std::string name = gate + "-" + what;
	for (char &c : name)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
		      c == '.'))
			c = '_';
	return cfg_.work + "/logs/" + name + ".log";
}

nlohmann::json Runner::run_gate(const GateSpec &g)
{
	const auto t0 = std::chrono::steady_clock::now();
	nlohmann::json r;
	if (g.kind == "policy_contrast")
		r = policy_contrast(g);
	else if (g.kind == "scenario")
		r = scenario_gate(g);
	else if (g.kind == "properties")
		r = properties(g);
	else if (g.kind == "replay")
		r = replay(g);
	else if (g.kind == "cosim")
		r = cosim(g);
	else if (g.kind == "vectors")
		r = vectors(g);
	else
		r = bench(g);
	r["id"] = g.id;
	r["title"] = g.title;
	r["kind"] = g.kind;
	r["wall_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
			       std::chrono::steady_clock::now() - t0)
			       .count();
	for (const char *k : { "measured", "bound", "detail", "better" })
		if (!r.contains(k))
			r[k] = "";
	for (const char *k : { "rows", "runs", "reproduce" })
		if (!r.contains(k))
			r[k] = nlohmann::json::array();
	if (!r.contains("value_milli"))
		r["value_milli"] = nullptr;
	if (!r.contains("plot"))
		r["plot"] = nlohmann::json::object();
	const std::string st = r.at("status");
	assert(st == "pass" || st == "fail" || st == "not-run");
	return r;
}

nlohmann::json Runner::run_all()
{
	nlohmann::json gates = nlohmann::json::array();
	const size_t n = suite_.gates.size();
	for (size_t i = 0; i < n; i++) {
		const GateSpec &g = suite_.gates[i];
		const std::string pos =
			"[" + std::to_string(i + 1) + "/" + std::to_string(n) + "] ";
		if (cfg_.status)
			cfg_.status(pos + g.id + ": running (" + g.kind + ") ...");
		nlohmann::json r = run_gate(g);
		if (cfg_.say) {
			std::ostringstream line;
			const std::string st = r["status"];
			line << pos << g.id << ": "
			     << (st == "pass"	? "PASS"
				 : st == "fail" ? "FAIL"
						: "NOT RUN")
			     << "  " << r["measured"].get<std::string>();
			if (!r["bound"].get<std::string>().empty())
				line << " (" << r["bound"].get<std::string>() << ")";
			line << "  " << r["wall_ms"].get<long>() / 100 / 10.0 << " s";
			if (st != "pass" && !r["detail"].get<std::string>().empty())
				line << "\n      " << r["detail"].get<std::string>();
			cfg_.say(line.str());
		}
		gates.push_back(std::move(r));
	}
	return gates;
}

std::vector<const ScenarioRun *> Runner::scenario_runs(const std::string &scenario,
						       const std::vector<std::string> &policies,
						       std::uint64_t first, std::uint64_t last)
{
	std::vector<std::string> keys;
	std::vector<Command> cmds;
	std::vector<std::string> todo;
	const std::string stem = fs::path(scenario).stem().string();
	for (const std::string &p : policies)
		for (std::uint64_t s = first; s <= last; s++) {
			const std::string key = scenario + "|" + p + "|" + std::to_string(s);
			keys.push_back(key);
			if (runs_.count(key))
				continue;
			// An empty policy: the scenario's own.
			const std::string tag =
				(p.empty() ? "own" : p) + "-seed" + std::to_string(s);
			ScenarioRun r;
			r.label = (p.empty() ? "" : p + " ") + "seed " + std::to_string(s);
			r.dir = cfg_.work + "/runs/" + stem + "/" + tag;
			fs::remove_all(r.dir);
			r.shown = { shown(cfg_.sim), "run", scenario, "--seed", std::to_string(s) };
			Command c;
			c.argv = { cfg_.sim, "run", in_root(scenario), "--seed", std::to_string(s),
				   "--out",  r.dir, "--quiet" };
			if (!p.empty()) {
				r.shown.insert(r.shown.end(), { "--policy", p });
				c.argv.insert(c.argv.end(), { "--policy", p });
			}
			c.cwd = suite_.root;
			c.log_path = log_path(stem, tag);
			c.timeout_s = 1800;
			cmds.push_back(c);
			todo.push_back(key);
			runs_[key] = std::move(r);
		}
	size_t done = 0;
	const auto ended = run_commands(cmds, cfg_.jobs, [&](size_t) {
		done++;
		if (cfg_.say && cmds.size() >= 6 && done % 6 == 0 && done < cmds.size())
			cfg_.say("      " + std::to_string(done) + " of " +
				 std::to_string(cmds.size()) + " runs of " + stem + " done");
	});
	for (size_t i = 0; i < todo.size(); i++) {
		ScenarioRun &r = runs_[todo[i]];
		r.ended = ended[i];
		r.result = read_json_file(r.dir + "/result.json");
	}
	std::vector<const ScenarioRun *> out;
	for (const auto &k : keys)
		out.push_back(&runs_.at(k));
	return out;
}

nlohmann::json read_json_file(const std::string &path)
{
	std::ifstream f(path);
	if (!f)
		return nullptr;
	try {
		return nlohmann::json::parse(f);
	} catch (const nlohmann::json::exception &) {
		return nullptr;
	}
}

std::string verdict_of(const nlohmann::json &gates)
{
	bool failed = false, missing = false;
	for (const auto &g : gates) {
		failed |= g.at("status") == "fail";
		missing |= g.at("status") == "not-run";
	}
	return failed ? "fail" : missing ? "incomplete" : "pass";
}

nlohmann::json results_document(const Suite &s, const std::string &release,
				const nlohmann::json &gates, long wall_ms,
				const std::string &started_utc, const std::string &commit)
{
	nlohmann::json j;
	j["schema"] = kResultsSchema;
	j["release"] = release;
	j["suite"] = s.name;
	j["suite_file"] =
		fs::absolute(s.file).lexically_normal().lexically_relative(s.root).string();
	j["mode"] = s.quick ? "quick" : "full";
	j["verdict"] = verdict_of(gates);
	j["started_utc"] = started_utc;
	j["wall_ms"] = wall_ms;
	j["commit"] = commit;
	j["host"] = { { "cpus", std::thread::hardware_concurrency() } };
	j["gates"] = gates;
	j["previous"] = nullptr;
	j["signer"] = nullptr;
	return j;
}

} // namespace coconut::gate
