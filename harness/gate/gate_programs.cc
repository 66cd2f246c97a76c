// The gates judged from other programs: properties (system_props' summary.json), replay
// (`coconut-sim replay` of each shipped trace), cosim (`coconut-sim cosim` against coconut.ko
// under QEMU, "not run" when QEMU or the guest is missing: never passed silently), vectors (the
// held test-vector suites' gtest JSON) and bench (Google Benchmark pairs, ours/ref).
#include "gate_format.h"
#include "gate_runner.h"

#include <cassert>
#include <cstdlib>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace coconut::gate {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string file_text(const std::string &path)
{
	std::ifstream f(path);
	std::ostringstream s;
	s << f.rdbuf();
	return s.str();
}

// The first match of re's group 1 in the log; "" when none.
std::string grep1(const std::string &text, const std::string &re)
{
	std::smatch m;
	if (std::regex_search(text, m, std::regex(re, std::regex::multiline)))
		return m[1].str();
	return "";
}

std::string last_line(const std::string &text)
{
	size_t end = text.find_last_not_of("\n ");
	if (end == std::string::npos)
		return "";
	const size_t start = text.rfind('\n', end);
	return text.substr(start == std::string::npos ? 0 : start + 1,
			   end - (start == std::string::npos ? 0 : start + 1) + 1);
}

bool on_path(const std::string &prog)
{
	const char *p = std::getenv("PATH");
	std::stringstream dirs(p ? p : "");
	std::string d;
	while (std::getline(dirs, d, ':'))
		if (!d.empty() && access((d + "/" + prog).c_str(), X_OK) == 0)
			return true;
	return false;
}

json row(const std::string &label, const std::string &measured, const std::string &bound, bool ok,
	 json value = nullptr)
{
	return { { "label", label },
		 { "measured", measured },
		 { "bound", bound },
		 { "status", ok ? "pass" : "fail" },
		 { "value_milli", value } };
}

// The file under dir modified last, and when.
std::pair<fs::file_time_type, std::string> newest_under(const std::string &dir)
{
	// min(), not {}: libstdc++'s file clock counts from 2174, so today is negative.
	std::pair<fs::file_time_type, std::string> t{ fs::file_time_type::min(), "" };
	std::error_code ec;
	for (auto it = fs::recursive_directory_iterator(dir, ec);
	     !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
		std::error_code e2;
		if (!it->is_regular_file(e2))
			continue;
		const auto w = it->last_write_time(e2);
		if (!e2 && w > t.first)
			t = { w, it->path().string() };
	}
	return t;
}

// The words of a gate judged by a count of records each program printed.
struct RecordWords {
	const char *per_row;   // "records reproduced"
	const char *row_bound; // "every return and audit head"
	const char *things;    // "traces"
	const char *bound;     // "every trace reproduced"
};

// A gate whose programs each print "... N records": each passes when it exited 0 and printed
// the count (the regex's group 1).
json record_counts(const std::vector<Command> &cmds, const std::vector<Ended> &ended,
		   const std::vector<std::string> &labels, const std::string &re,
		   const RecordWords &w, const json &repro)
{
	json rows = json::array();
	std::uint64_t ok_n = 0, records = 0;
	std::string detail;
	for (size_t i = 0; i < cmds.size(); i++) {
		const std::string log = file_text(cmds[i].log_path);
		const std::string n = grep1(log, re);
		const bool ok = ended[i].exit_code == 0 && !n.empty();
		ok_n += ok;
		if (!n.empty())
			records += std::stoull(n);
		if (!ok)
			detail += labels[i] + ": " + ended[i].why() + ": " + last_line(log) + "; ";
		rows.push_back(row(labels[i], n.empty() ? ended[i].why() : n + " " + w.per_row,
				   w.row_bound, ok));
	}
	return { { "status", ok_n == cmds.size() ? "pass" : "fail" },
		 { "measured", std::to_string(ok_n) + "/" + std::to_string(cmds.size()) + " " +
				       w.things + ", " + std::to_string(records) + " records" },
		 { "bound", w.bound },
		 { "detail", detail },
		 { "rows", rows },
		 { "reproduce", repro } };
}

} // namespace

json Runner::properties(const GateSpec &g)
{
	const std::string dir = cfg_.work + "/properties";
	fs::remove_all(dir);
	const std::string prog = in_build("harness/props/system_props");
	const std::vector<std::string> args = { "--cases", std::to_string(g.cases), "--seed",
						std::to_string(cfg_.seed) };
	Command c;
	c.argv = { prog };
	c.argv.insert(c.argv.end(), args.begin(), args.end());
	c.argv.insert(c.argv.end(), { "--out", dir });
	c.cwd = suite_.root;
	c.log_path = log_path(g.id, "system_props");
	c.timeout_s = 4 * 3600;
	const Ended e = run_commands({ c }, 1)[0];
	std::vector<std::string> shown_cmd = { shown(prog) };
	shown_cmd.insert(shown_cmd.end(), args.begin(), args.end());
	const json sum = read_json_file(dir + "/summary.json");
	const json probes = read_json_file(dir + "/probes.json");
	json out = { { "reproduce", json::array({ shell_line(shown_cmd) }) } };
	if (!sum.is_object()) {
		out["status"] = "fail";
		out["measured"] = "no summary";
		out["detail"] = "system_props " + e.why() + " and wrote no summary.json (log " +
				shown(c.log_path) + ")";
		return out;
	}
	const std::uint64_t cases = sum.value("cases", 0ull);
	const std::string failed = sum.value("failed_property", "");
	json rows = json::array();
	bool ok = e.exit_code == 0 && sum.value("held", false) && sum.value("probes_ok", false);
	for (const std::string &p : g.properties) {
		const std::uint64_t n = sum["properties_held"].value(p, 0ull);
		const bool pok = failed != p && (p != "weights" || n > 0);
		ok &= pok;
		rows.push_back(row(p, std::to_string(n) + " cases held",
				   p == "weights" ? "every backlog case" : "every case", pok));
	}
	json plot_probes = json::array();
	std::uint64_t hit = 0;
	if (probes.is_object())
		for (auto it = probes.begin(); it != probes.end(); ++it) {
			hit += it.value().value("hits", 0ull) > 0;
			plot_probes.push_back(
				{ { "name", it.key() },
				  { "hits", it.value().value("hits", 0ull) },
				  { "cases", it.value().value("cases", 0ull) },
				  { "required", it.value().value("required", false) } });
		}
	out["status"] = ok ? "pass" : "fail";
	out["measured"] = std::to_string(cases) + " cases, " +
			  (failed.empty() ? "none failed" : failed + " failed") + "; " +
			  std::to_string(hit) + "/" + std::to_string(plot_probes.size()) +
			  " probes hit";
	out["bound"] = "every property on every case; every required probe hit";
	out["value_milli"] = static_cast<std::int64_t>(cases) * 1000;
	out["better"] = "higher";
	if (!ok)
		out["detail"] = failed.empty()
					? "system_props " + e.why() + ": " +
						  last_line(file_text(c.log_path))
					: "property " + failed + " failed; the shrunk case is in " +
						  shown(dir) + "/shrunk.yaml";
	out["rows"] = rows;
	out["plot"] = { { "type", "properties" },
			{ "cases", cases },
			{ "fresh_process_cases", sum.value("fresh_process_cases", 0ull) },
			{ "probes", plot_probes } };
	return out;
}

json Runner::replay(const GateSpec &g)
{
	std::vector<Command> cmds;
	json repro = json::array();
	for (const std::string &t : g.traces) {
		Command c;
		c.argv = { cfg_.sim, "replay", in_root(t) };
		c.cwd = suite_.root;
		c.log_path = log_path(g.id, fs::path(t).stem().string());
		c.timeout_s = 1800;
		cmds.push_back(c);
		repro.push_back(shell_line({ shown(cfg_.sim), "replay", t }));
	}
	return record_counts(cmds, run_commands(cmds, cfg_.jobs), g.traces,
			     R"(^reproduced (\d+) records)",
			     { "records reproduced", "every return and audit head", "traces",
			       "every trace reproduced" },
			     repro);
}

json Runner::cosim(const GateSpec &g)
{
	const std::string guest = in_root(g.guest);
	json repro = json::array();
	for (const std::string &in : g.inputs)
		repro.push_back(shell_line({ "scripts/cosim.sh", in, "--quiet" }));
	std::string why_not;
	if (!on_path("qemu-system-x86_64"))
		why_not =
			"QEMU (qemu-system-x86_64) is not installed (scripts/setup.sh installs it)";
	else if (!fs::exists(guest + "/vmlinuz") || !fs::exists(guest + "/initrd.gz"))
		why_not = "the guest is not built: COCONUT_DET=y scripts/guest.sh makes " + g.guest;
	else if (const auto newest = newest_under(suite_.root + "/coconut-kernel");
		 newest.first > fs::last_write_time(guest + "/initrd.gz"))
		why_not = "the guest in " + g.guest + " is older than " + shown(newest.second) +
			  ": COCONUT_DET=y scripts/guest.sh rebuilds it";
	if (!why_not.empty())
		return { { "status", "not-run" },
			 { "measured", "not run" },
			 { "bound", "parity on every call" },
			 { "detail", why_not },
			 { "reproduce", repro } };
	std::vector<Command> cmds;
	for (const std::string &in : g.inputs) {
		Command c;
		c.argv = { cfg_.sim, "cosim", in_root(in), "--guest", guest, "--quiet" };
		c.cwd = suite_.root;
		c.log_path = log_path(g.id, fs::path(in).stem().string());
		c.timeout_s = 1800;
		cmds.push_back(c);
	}
	// One QEMU at a time: each wants the cores.
	return record_counts(cmds, run_commands(cmds, 1), g.inputs,
			     R"(^cosim: parity (\d+) records)",
			     { "records in parity", "every return, token and head equal", "inputs",
			       "parity on every call" },
			     repro);
}

json Runner::vectors(const GateSpec &g)
{
	json rows = json::array(), repro = json::array();
	std::uint64_t ok_n = 0, tests = 0;
	std::string detail;
	for (const VectorSuite &v : g.suites) {
		const std::string prog = in_build(v.program);
		const std::string out =
			cfg_.work + "/" + fs::path(v.program).filename().string() + "-gtest.json";
		fs::remove(out);
		Command c;
		c.argv = { prog, "--gtest_filter=" + v.filter, "--gtest_output=json:" + out };
		c.cwd = suite_.root;
		c.log_path = log_path(g.id, fs::path(v.program).filename().string());
		c.timeout_s = 1800;
		const Ended e = run_commands({ c }, 1)[0];
		repro.push_back(shell_line({ shown(prog), "--gtest_filter=" + v.filter }));
		const json j = read_json_file(out);
		const std::uint64_t n = j.is_object() ? j.value("tests", 0ull) : 0;
		const std::uint64_t f = j.is_object() ? j.value("failures", 0ull) : 0;
		const bool ok = e.exit_code == 0 && n > 0 && f == 0;
		ok_n += ok;
		tests += n;
		if (!ok)
			detail += v.name + ": " + e.why() + (n == 0 ? ", no test ran" : "") + "; ";
		rows.push_back(row(v.name,
				   std::to_string(n - f) + "/" + std::to_string(n) + " tests pass",
				   "every test", ok));
	}
	return { { "status", ok_n == g.suites.size() ? "pass" : "fail" },
		 { "measured", std::to_string(ok_n) + "/" + std::to_string(g.suites.size()) +
				       " suites, " + std::to_string(tests) + " tests" },
		 { "bound", "every vector" },
		 { "detail", detail },
		 { "rows", rows },
		 { "reproduce", repro } };
}

json Runner::bench(const GateSpec &g)
{
	// One run per program, every target pair of it at once.
	std::map<std::string, std::vector<const BenchTarget *>> by_prog;
	for (const BenchTarget &t : g.targets)
		by_prog[t.program].push_back(&t);
	json rows = json::array(), repro = json::array(), bars = json::array();
	bool all_ok = true;
	std::string detail;
	for (const auto &[program, targets] : by_prog) {
		std::string alt;
		for (const BenchTarget *t : targets) {
			const std::string grp = t->pair.substr(0, t->pair.find('/'));
			alt += (alt.empty() ? "" : "|") + grp;
		}
		const std::string filter = "^(" + alt + ")/";
		const std::string prog = in_build(program);
		const std::string out =
			cfg_.work + "/" + fs::path(program).filename().string() + "-bench.json";
		fs::remove(out);
		std::ostringstream mt;
		mt << g.min_time_s;
		const std::vector<std::string> args = { "--benchmark_filter=" + filter,
							"--benchmark_min_time=" + mt.str(),
							"--benchmark_repetitions=5",
							"--benchmark_report_aggregates_only=true" };
		Command c;
		c.argv = { prog };
		c.argv.insert(c.argv.end(), args.begin(), args.end());
		c.argv.insert(c.argv.end(),
			      { "--benchmark_out=" + out, "--benchmark_out_format=json" });
		c.cwd = suite_.root;
		c.log_path = log_path(g.id, fs::path(program).filename().string());
		c.timeout_s = 1800;
		const Ended e = run_commands({ c }, 1)[0];
		std::vector<std::string> sh = { shown(prog) };
		sh.insert(sh.end(), args.begin(), args.end());
		repro.push_back(shell_line(sh));
		// Google Benchmark writes NaN and inf for counters it could not compute (a rate over
		// a zero time): not JSON, so they become null first.
		json j;
		try {
			j = json::parse(
				std::regex_replace(file_text(out),
						   std::regex(R"((:\s*)-?(NaN|nan|Infinity|inf)\b)"),
						   "$1null"));
		} catch (const json::exception &) {
			j = nullptr;
		}
		std::map<std::string, double> med; // "group/ours/case" -> median real time
		if (j.is_object())
			for (const json &b : j.value("benchmarks", json::array())) {
				if (b.value("aggregate_name", "") != "median")
					continue;
				std::string name = b.value("run_name", b.value("name", ""));
				for (const char *suf :
				     { "/real_time", "/manual_time", "/process_time" }) {
					const std::string s = suf;
					if (name.size() > s.size() &&
					    name.compare(name.size() - s.size(), s.size(), s) == 0)
						name.resize(name.size() - s.size());
				}
				med[name] = b.value("real_time", 0.0);
			}
		for (const BenchTarget *t : targets) {
			const size_t slash = t->pair.find('/');
			const std::string grp = t->pair.substr(0, slash);
			const std::string only =
				slash == std::string::npos ? "" : t->pair.substr(slash + 1);
			bool any = false;
			for (const auto &[name, ours] : med) {
				const std::string head = grp + "/ours/";
				if (name.rfind(head, 0) != 0)
					continue;
				const std::string cs = name.substr(head.size());
				if (!only.empty() && cs != only)
					continue;
				const auto ref = med.find(grp + "/ref/" + cs);
				if (ref == med.end() || ref->second <= 0 || ours <= 0)
					continue;
				any = true;
				const double time_ratio = ours / ref->second;
				const bool is_time = t->time_max > 0;
				const double v = is_time ? time_ratio : 1.0 / time_ratio;
				const std::int64_t vm = to_milli(v);
				const std::int64_t bm =
					to_milli(is_time ? t->time_max : t->throughput_min);
				const bool ok = is_time ? vm <= bm : vm >= bm;
				all_ok &= ok;
				const std::string label = grp + "/" + cs;
				const std::string bound =
					(is_time ? "ours/ref time <= " : "throughput vs ref >= ") +
					milli_text(bm);
				if (!ok)
					detail +=
						label + " " + milli_text(vm) + " (" + bound + "); ";
				rows.push_back(row(label, milli_text(vm), bound, ok, vm));
				bars.push_back({ { "label", label },
						 { "value_milli", vm },
						 { "target_milli", bm },
						 { "kind", is_time ? "time" : "throughput" },
						 { "pass", ok } });
			}
			if (!any) {
				all_ok = false;
				detail += t->pair + ": no ours/ref pair measured (" + e.why() +
					  ", log " + shown(c.log_path) + "); ";
				rows.push_back(row(t->pair, "not measured", "a pair", false));
			}
		}
	}
	std::uint64_t met = 0;
	for (const json &r : rows)
		met += r["status"] == "pass";
	return { { "status", all_ok ? "pass" : "fail" },
		 { "measured",
		   std::to_string(met) + "/" + std::to_string(rows.size()) + " ratios on target" },
		 { "bound", "every target (min time " + milli_text(to_milli(g.min_time_s)) +
				    " s, median of 5)" },
		 { "detail", detail },
		 { "rows", rows },
		 { "reproduce", repro },
		 { "plot", { { "type", "bench" }, { "bars", bars } } } };
}

} // namespace coconut::gate
