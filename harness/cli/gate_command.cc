// `coconut-sim gate` (the release-gate suite and its report) and `coconut-sim report`
// (regenerate the views from results.json, verify a signature, make a key): docs/gates.md.
#include "commands.h"

#include "gate_runner.h"
#include "gate_suite.h"
#include "report_render.h"
#include "report_sign.h"
#include "sweep_progress.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace coconut::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace coconut::gate;

constexpr unsigned kJobsMax = 256;

// Written beside, then renamed over: a reader never sees half a report.
void write_file(const std::string &path, const std::string &text)
{
	const std::string tmp = path + ".tmp";
	{
		std::ofstream f(tmp, std::ios::binary);
		f << text;
		f.flush();
		if (!f)
			throw UsageError(path + ": cannot write it");
	}
	if (std::rename(tmp.c_str(), path.c_str()) != 0)
		throw UsageError(path + ": cannot write it (" + std::strerror(errno) + ")");
}

std::string read_file(const std::string &path, const char *what)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		throw UsageError(path + ": cannot read the " + std::string(what));
	std::ostringstream s;
	s << f.rdbuf();
	return s.str();
}

// Writes index.html, report.md and junit.xml for the results into dir.
void write_views(const json &results, const std::string &dir)
{
	write_file(dir + "/index.html", render_html(results));
	write_file(dir + "/report.md", render_markdown(results));
	write_file(dir + "/junit.xml", render_junit(results));
}

json load_results(const std::string &path)
{
	const std::string text = read_file(path, "results");
	json j;
	try {
		j = json::parse(text);
	} catch (const json::exception &e) {
		throw UsageError(path + ": not JSON: " + e.what());
	}
	if (!j.is_object() || j.value("schema", "") != kResultsSchema)
		throw UsageError(path + ": schema: not a " + std::string(kResultsSchema) +
				 " results file");
	if (const std::string e = results_shape_error(j); !e.empty())
		throw UsageError(path + ": " + e);
	return j;
}

std::string utc_now()
{
	const std::time_t t = std::time(nullptr);
	std::tm tm{};
	gmtime_r(&t, &tm);
	char b[32];
	std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return b;
}

// The commit the suite ran from: `git rev-parse HEAD` in the root (+ "-dirty" with uncommitted
// changes), "unknown" outside a git checkout. Changes under reports/ (where reports are written
// and committed; a new run replaces the old one's files) do not make the code dirty.
std::string commit_of(const std::string &root)
{
	const std::string cmd = "git -C '" + root + "' rev-parse HEAD 2>/dev/null";
	std::string out;
	if (FILE *p = popen(cmd.c_str(), "r")) {
		char b[128];
		while (fgets(b, sizeof b, p))
			out += b;
		pclose(p);
	}
	while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
		out.pop_back();
	if (out.size() != 40)
		return "unknown";
	const std::string st =
		"git -C '" + root +
		"' status --porcelain --untracked-files=no -- . ':(exclude)reports' 2>/dev/null";
	std::string dirty;
	if (FILE *p = popen(st.c_str(), "r")) {
		char b[256];
		while (fgets(b, sizeof b, p))
			dirty += b;
		pclose(p);
	}
	return dirty.empty() ? out : out + "-dirty";
}

// FNV-1a of the release name: the seed of its property cases (each release explores its own).
std::uint64_t seed_of(const std::string &release)
{
	std::uint64_t h = 1469598103934665603ull;
	for (unsigned char c : release)
		h = (h ^ c) * 1099511628211ull;
	return h >> 1;
}

// The gates of the suite whose ids a comma list names (opt: the option, for its errors).
std::vector<GateSpec> named(const Suite &suite, const std::string &ids, const std::string &opt,
			    const std::string &suite_path)
{
	std::vector<GateSpec> out;
	std::stringstream in(ids);
	std::string id;
	while (std::getline(in, id, ',')) {
		const auto it = std::find_if(suite.gates.begin(), suite.gates.end(),
					     [&](const GateSpec &g) { return g.id == id; });
		if (it == suite.gates.end())
			throw UsageError(opt + ": no gate '" + id + "' in " + suite_path);
		out.push_back(*it);
	}
	return out;
}

} // namespace

int cmd_gate(const Args &a)
{
	if (!a.positional.empty())
		throw UsageError("unexpected argument '" + a.positional[0] + "'");
	const auto release = a.get("--release");
	if (!release || release->empty())
		throw UsageError(
			"--release NAME is required (the report's name: 2026.12, v0.4.0-rc1)");
	for (char c : *release)
		if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
		      c == '_'))
			throw UsageError("--release '" + *release +
					 "': letters, digits, '.', '-' and '_' only");
	const bool quick = a.has("--quick");
	const std::string exe = fs::canonical("/proc/self/exe").string();
	const std::string build = fs::path(exe).parent_path().parent_path().parent_path().string();
	// The suite: --suite, else scenarios/gates.yaml here (a checkout's root), else the one of
	// the source tree this program was built from.
	const std::string suite_path = a.get("--suite").value_or(
		fs::exists("scenarios/gates.yaml")
			? std::string("scenarios/gates.yaml")
			: std::string(COCONUT_SOURCE_DIR) + "/scenarios/gates.yaml");
	Suite suite;
	try {
		suite = load_suite(suite_path, quick);
	} catch (const SuiteError &e) {
		std::cerr << "coconut-sim gate: " << e.what() << "\n";
		return 2;
	}
	if (a.has("--only") && a.has("--skip"))
		throw UsageError("--only and --skip: give one of them");
	if (const auto skip = a.get("--skip")) {
		const std::vector<GateSpec> drop = named(suite, *skip, "--skip", suite_path);
		std::erase_if(suite.gates, [&](const GateSpec &g) {
			return std::any_of(drop.begin(), drop.end(),
					   [&](const GateSpec &d) { return d.id == g.id; });
		});
		if (suite.gates.empty())
			throw UsageError("--skip: no gate left to run");
	}
	if (const auto only = a.get("--only"))
		suite.gates = named(suite, *only, "--only", suite_path);
	unsigned jobs = 2;
	if (const auto j = a.get("--jobs")) {
		char *end = nullptr;
		errno = 0;
		const unsigned long v = std::strtoul(j->c_str(), &end, 10);
		if (j->empty() || *end || errno || v < 1 || v > kJobsMax)
			throw UsageError("--jobs: a whole number 1.." + std::to_string(kJobsMax) +
					 ", got '" + *j + "'");
		jobs = static_cast<unsigned>(v);
	}
	// Checked before any gate runs: the key, the previous results, the output folder.
	std::optional<PublicKey> signer;
	const auto key = a.get("--sign");
	if (key) {
		try {
			signer = public_key_of_secret(*key);
		} catch (const KeyError &e) {
			throw UsageError(std::string("--sign: ") + e.what());
		}
	}
	json previous = nullptr;
	if (const auto p = a.get("--previous"))
		previous = previous_summary(load_results(*p));
	const std::string out = a.get("--out").value_or("reports/" + *release);
	std::error_code ec;
	fs::create_directories(out, ec);
	if (ec || !fs::is_directory(out) || access(out.c_str(), W_OK) != 0)
		throw UsageError("--out " + out + ": cannot make or write the folder");
	const std::string out_abs = fs::absolute(out).lexically_normal().string();

	const bool plain = !sweep::SweepProgress::is_live(STDOUT_FILENO);
	RunnerConfig cfg;
	cfg.sim = exe;
	cfg.build = build;
	cfg.work = out_abs + "/work";
	cfg.jobs = jobs;
	cfg.seed = seed_of(*release);
	// A line per gate; on a terminal a "running" line first that the verdict overwrites, in
	// a log (not a TTY, CI=true or TERM=dumb) only the verdicts and every sixth run of a long gate.
	cfg.say = [plain](const std::string &line) {
		std::cout << (plain ? "" : "\r\033[K") << line << "\n" << std::flush;
	};
	if (!plain)
		cfg.status = [](const std::string &line) {
			std::cout << "\r\033[K" << line << std::flush;
		};
	std::cout << "gate: " << suite.gates.size() << " gates of " << suite_path << " ("
		  << (quick ? "quick" : "full") << "), release " << *release << ", -j" << jobs
		  << ", work in " << out << "/work\n";
	const std::string started = utc_now();
	const auto t0 = std::chrono::steady_clock::now();
	Runner runner(suite, cfg);
	const json gates = runner.run_all();
	const long wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
				     std::chrono::steady_clock::now() - t0)
				     .count();
	json results =
		results_document(suite, *release, gates, wall_ms, started, commit_of(suite.root));
	// A cut-down suite is not a release's report: the results and the page say which gates ran.
	if (a.has("--only") || a.has("--skip")) {
		std::string ran;
		for (const GateSpec &g : suite.gates)
			ran += (ran.empty() ? "" : ",") + g.id;
		results["only"] = ran;
	}
	results["previous"] = previous;
	if (signer)
		results["signer"] = { { "algorithm", "ed25519" },
				      { "public_key", signer->hex },
				      { "fingerprint", signer->fingerprint } };
	const std::string text = canonical_text(results);
	write_file(out + "/results.json", text);
	if (key)
		write_file(out + "/results.json.sig", sign_text(*key, text) + "\n");
	else
		fs::remove(out + "/results.json.sig");
	write_views(results, out);
	const std::string verdict = results["verdict"];
	std::cout << "gate: "
		  << (verdict == "pass"	  ? "PASS"
		      : verdict == "fail" ? "FAIL"
					  : "INCOMPLETE")
		  << " in " << wall_ms / 1000 << " s; wrote " << out
		  << "/index.html, report.md, results.json" << (key ? ", results.json.sig" : "")
		  << ", junit.xml\n";
	return verdict == "pass" ? 0 : 1;
}

int cmd_report(const Args &a)
{
	if (a.positional.empty())
		throw UsageError(
			"usage: report RESULTS.json [--out DIR] | report verify RESULTS.json "
			"--key PUB | report keygen --out KEY");
	const std::string sub = a.positional[0];
	if (sub == "keygen") {
		const auto out = a.get("--out");
		if (!out)
			throw UsageError("keygen: --out KEY is required");
		try {
			const PublicKey k = generate_key(*out);
			std::cout << "wrote " << *out << " (secret: keep it so) and " << *out
				  << ".pub\npublic key " << k.hex << " (" << k.fingerprint << ")\n";
		} catch (const KeyError &e) {
			throw UsageError(std::string("keygen: ") + e.what());
		}
		return 0;
	}
	if (sub == "verify") {
		if (a.positional.size() != 2)
			throw UsageError("verify RESULTS.json --key PUB");
		const auto key = a.get("--key");
		if (!key)
			throw UsageError(
				"verify: --key PUB is required (the signer's public key, a "
				"file or its 64 hex)");
		PublicKey pub;
		try {
			pub = read_public_key(*key);
		} catch (const KeyError &e) {
			throw UsageError(std::string("--key: ") + e.what());
		}
		const std::string path = a.positional[1];
		const std::string sig_path = a.get("--sig").value_or(path + ".sig");
		const std::string text = read_file(path, "results");
		const std::string sig = read_file(sig_path, "signature");
		if (!verify_text(pub, text, sig)) {
			std::cout << "verify: BAD SIGNATURE: " << path << " is not what key "
				  << pub.fingerprint << " signed (" << sig_path << ")\n";
			return 1;
		}
		std::cout << "verify: OK: " << path << " signed by " << pub.hex << " ("
			  << pub.fingerprint << ")\n";
		return 0;
	}
	if (a.positional.size() != 1)
		throw UsageError("report RESULTS.json [--out DIR]");
	const json results = load_results(sub);
	const std::string out = a.get("--out").value_or(
		fs::path(sub).parent_path().empty() ? std::string(".")
						    : fs::path(sub).parent_path().string());
	std::error_code ec;
	fs::create_directories(out, ec);
	if (ec || !fs::is_directory(out))
		throw UsageError("--out " + out + ": cannot make the folder");
	write_views(results, out);
	std::cout << "wrote " << out << "/index.html, report.md, junit.xml from " << sub << "\n";
	return 0;
}

} // namespace coconut::cli
