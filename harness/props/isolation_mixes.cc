// isolation_mixes: the isolation property over generated tenant mixes (issue 11). Each mix
// (mix_gen.h) runs under fair, fifo and per-process through engine::run_scenario, whose
// counterfactual isolation gate compares every victim with itself in the same run without the
// flooders. Prints a line per mix, then the pass rate under fair and the failure rates of the
// baselines, and the fair failures with their seeds and what they are made of.
//
//   isolation_mixes [--mixes N] [--first-seed S] [--policies fair,fifo,per-process]
//                   [--sched-lag DURATION] [--min-fair-pass PERMILLE] [--min-fifo-fail PERMILLE]
//   isolation_mixes --emit SEED        the mix's scenario, for `coconut-sim run`
//
// Exit 1 when fair passes fewer than --min-fair-pass (permille) of the mixes, or fifo fails
// fewer than --min-fifo-fail of them; 2 on a bad option; 0 otherwise.
#include "mix_gen.h"

#include "engine.h"
#include "report.h"
#include "scenario.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

using namespace coconut;
using u64 = std::uint64_t;

struct Options {
	u64 mixes = 100;
	u64 first_seed = 1;
	std::vector<std::string> policies{ "fair", "fifo", "per-process" };
	u64 min_fair_pass_permille = 0;
	u64 min_fifo_fail_permille = 0;
	bool emit = false;
	u64 emit_seed = 0;
	std::string sched_lag; // machine.sched_lag for every mix; empty: the scenario default
};

[[noreturn]] void usage(const std::string &why)
{
	std::cerr << "isolation_mixes: " << why
		  << "\nusage: isolation_mixes [--mixes N] [--first-seed S] [--policies a,b,..] "
		     "[--sched-lag DURATION] [--min-fair-pass PERMILLE] [--min-fifo-fail PERMILLE] "
		     "| --emit SEED\n";
	std::exit(2);
}

u64 number(const char *opt, const char *text)
{
	char *end = nullptr;
	errno = 0;
	const unsigned long long n = std::strtoull(text, &end, 10);
	if (!*text || *end || errno || text[0] == '-')
		usage(std::string(opt) + ": expected an unsigned integer, got '" + text + "'");
	return n;
}

std::vector<std::string> policy_list(const char *text)
{
	std::vector<std::string> out;
	std::string cur;
	for (const char *p = text;; p++) {
		if (*p && *p != ',') {
			cur += *p;
			continue;
		}
		if (!scenario::parse_policy(cur))
			usage("--policies: unknown policy '" + cur + "'");
		out.push_back(cur);
		cur.clear();
		if (!*p)
			return out;
	}
}

Options parse(int argc, char **argv)
{
	Options o;
	for (int i = 1; i < argc; i += 2) {
		const std::string a = argv[i];
		if (i + 1 >= argc)
			usage(a + ": missing its value (or an unknown option)");
		const char *v = argv[i + 1];
		if (a == "--mixes")
			o.mixes = number("--mixes", v);
		else if (a == "--first-seed")
			o.first_seed = number("--first-seed", v);
		else if (a == "--min-fair-pass")
			o.min_fair_pass_permille = number("--min-fair-pass", v);
		else if (a == "--min-fifo-fail")
			o.min_fifo_fail_permille = number("--min-fifo-fail", v);
		else if (a == "--policies")
			o.policies = policy_list(v);
		else if (a == "--sched-lag")
			o.sched_lag = v; // the loader checks it, naming the field
		else if (a == "--emit") {
			o.emit = true;
			o.emit_seed = number("--emit", v);
		} else
			usage("unknown option " + a);
	}
	if (o.mixes == 0)
		usage("--mixes: at least one");
	return o;
}

// A mix's isolation verdict under one policy: pass, and its worst row ("v2/pcie 3.410").
struct Verdict {
	bool pass = false;
	std::string worst;
};

Verdict judge(const scenario::Scenario &sc, const std::string &policy)
{
	engine::RunOptions opts;
	opts.policy = scenario::parse_policy(policy);
	opts.skip_determinism_gate = true;
	const engine::RunResult res = engine::run_scenario(sc, opts);
	if (std::getenv("MIX_DEBUG"))
		std::cerr << "fingerprint " << res.fingerprint << "\n";
	Verdict v;
	for (const metrics::GateResult &g : res.gates) {
		if (g.kind != "isolation")
			continue;
		v.pass = g.pass;
		u64 worst = 0;
		std::string note;
		for (const metrics::GateRow &r : g.rows) {
			const std::string who = r.tenant + "/" + r.resource + " ";
			if (r.ratio_milli && (v.worst.empty() || *r.ratio_milli > worst)) {
				worst = *r.ratio_milli;
				v.worst = who + metrics::format_milli(worst);
			} else if (!r.ratio_milli && !r.pass) {
				note = who + r.note;
			}
		}
		// A failure with no ratio out of bounds is a row without one (too few samples).
		bool ratio_failed = false;
		for (const metrics::GateRow &r : g.rows)
			ratio_failed |= r.ratio_milli && !r.pass;
		if (!v.pass && !ratio_failed && !note.empty())
			v.worst = note;
	}
	return v;
}

} // namespace

int main(int argc, char **argv)
{
	const Options o = parse(argc, argv);
	if (o.emit) {
		std::cout << props::generate_mix(o.emit_seed, nullptr, o.sched_lag);
		return 0;
	}
	std::map<std::string, u64> failed;
	std::vector<std::string> fair_failures;
	for (u64 i = 0; i < o.mixes; i++) {
		const u64 seed = o.first_seed + i;
		props::MixShape shape;
		const std::string yaml = props::generate_mix(seed, &shape, o.sched_lag);
		const scenario::Scenario sc =
			scenario::load_scenario_string(yaml, "mix-" + std::to_string(seed), ".");
		std::string line = "mix " + std::to_string(seed) + ": " + props::describe(shape);
		for (const std::string &p : o.policies) {
			const Verdict v = judge(sc, p);
			failed[p] += !v.pass;
			line += " | " + p + " " + (v.pass ? "pass " : "FAIL ") + v.worst;
			if (p == "fair" && !v.pass)
				fair_failures.push_back("seed " + std::to_string(seed) + ": " +
							props::describe(shape) + "; worst " +
							v.worst);
		}
		std::cout << line << std::endl; // progress: a line per mix
	}
	std::cout << "\n"
		  << o.mixes << " mixes (seeds " << o.first_seed << ".."
		  << o.first_seed + o.mixes - 1 << "), isolation bound 1.5:\n";
	for (const std::string &p : o.policies)
		std::cout << "  " << p << ": " << o.mixes - failed[p] << " pass, " << failed[p]
			  << " fail (" << metrics::format_fixed(failed[p] * 1000 / o.mixes, 1)
			  << "% fail)\n";
	for (const std::string &f : fair_failures)
		std::cout << "  fair failure: " << f << "\n";
	int rc = 0;
	if (failed.count("fair") &&
	    (o.mixes - failed["fair"]) * 1000 < o.min_fair_pass_permille * o.mixes) {
		std::cout << "FAIL: fair passed fewer than " << o.min_fair_pass_permille
			  << " permille of the mixes\n";
		rc = 1;
	}
	if (failed.count("fifo") && failed["fifo"] * 1000 < o.min_fifo_fail_permille * o.mixes) {
		std::cout << "FAIL: fifo failed fewer than " << o.min_fifo_fail_permille
			  << " permille of the mixes (the gate must catch it)\n";
		rc = 1;
	}
	return rc;
}
