// `coconut-sim import azure-llm FILE.csv --tenants N -o OUT.yaml [...]` (docs/traces.md):
// turns a public LLM inference trace into a scenario whose tenants split its arrivals. The
// CSV is read with the same reader `trace` workloads use (sim/engine/trace_csv.h), and the
// written scenario is loaded back with the scenario loader before the command succeeds.
//
// Another public format is one more reader beside trace_csv.cc (its rows mapped into
// TraceRow: arrival ns, prompt and generated tokens) and one more `format` word here.
#include "commands.h"

#include "scenario.h"
#include "scenario_limits.h"
#include "trace_csv.h"

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

namespace coconut::cli {

using scenario::u64;

namespace {

// A YAML plain scalar we write must be safe: names and profiles are [A-Za-z0-9._-].
std::string word_option(const Args &a, const std::string &name, const std::string &dflt)
{
	const std::string v = a.get(name).value_or(dflt);
	if (v.empty() || v.size() > 64)
		throw UsageError(name + ": expected 1 to 64 characters");
	for (char c : v)
		if (!(std::isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.'))
			throw UsageError(name + ": '" + v +
					 "' has characters other than A-Z a-z 0-9 . _ -");
	return v;
}

// The option a field of the written scenario comes from, for the message of one that does not
// load (" (--gpu)"); empty when it comes from none.
// The whole-run gates every imported scenario has: audit.parity, audit.verify, determinism.
constexpr u64 kRunGates = 3;

std::string option_behind(const std::string &field)
{
	static const std::pair<const char *, const char *> from[] = {
		{ "profile", "--gpu" },	 { "speedup", "--speedup" },
		{ "rate", "--runaway" }, { "duration", "--duration" },
		{ "seed", "--seed" },	 { "value", "--p99-bound" },
	};
	if (field == "name")
		return " (--name)";
	for (const auto &[key, option] : from)
		if (field.find(key) != std::string::npos)
			return std::string(" (") + option + ")";
	return "";
}

} // namespace

int cmd_import(const Args &a)
{
	if (a.positional.size() != 2 || a.positional[0] != "azure-llm")
		throw UsageError("expected: import azure-llm FILE.csv --tenants N -o OUT.yaml");
	const std::string csv = a.positional[1];
	const auto out = a.get("--out");
	if (!out)
		throw UsageError("-o OUT.yaml is required");
	if (!a.get("--tenants"))
		throw UsageError("--tenants N is required");
	// What the loader takes: its tenants (the runaway among them) and its gates (one p99 gate
	// per trace tenant, and the three whole-run gates).
	const bool has_runaway = a.get("--runaway").has_value();
	const u64 tenants_most =
		std::min<u64>(scenario::limits::tenants_max - (has_runaway ? 1 : 0),
			      scenario::limits::gates_max - kRunGates);
	const u64 tenants = unsigned_option(a, "--tenants", 0, 1, tenants_most);
	const u64 seed = unsigned_option(a, "--seed", 1, 0, UINT64_MAX);
	const u64 p99_bound = unsigned_option(a, "--p99-bound", 150, 1, 1000000);
	if (a.get("--share-by").value_or("round-robin") != "round-robin")
		throw UsageError(
			"--share-by: only round-robin is known (row r goes to tenant r mod N)");
	const std::string speedup = a.get("--speedup").value_or("1");
	const std::string duration = a.get("--duration").value_or("60s");
	const auto duration_ns = scenario::parse_duration_ns(duration);
	if (!duration_ns || *duration_ns == 0)
		throw UsageError("--duration: expected a duration like 60s, got '" + duration +
				 "'");
	const std::string gpu = word_option(a, "--gpu", "h100-sxm");
	const std::string name = word_option(a, "--name", "azure-llm-import");
	const auto runaway = a.get("--runaway");
	if (runaway && !scenario::parse_rate_gap_ns(*runaway))
		throw UsageError("--runaway: expected a rate like 60/s, got '" + *runaway + "'");

	size_t rows = 0;
	try {
		rows = engine::load_azure_csv(csv).size();
	} catch (const scenario::ScenarioError &e) {
		std::cerr << e.what() << "\n";
		return 2;
	}
	namespace fs = std::filesystem;
	std::error_code ec;
	const fs::path out_dir = fs::absolute(fs::path(*out)).parent_path();
	std::string rel = fs::relative(fs::absolute(csv), out_dir, ec).generic_string();
	if (ec || rel.empty())
		rel = fs::absolute(csv).generic_string();
	for (char c : rel)
		if (c == '"' || c == '\\' || c == '\n')
			throw UsageError("the CSV's path has a character a scenario cannot quote");

	std::ostringstream y;
	y << "# Imported by: coconut-sim import azure-llm " << csv << " --tenants " << tenants
	  << " --speedup " << speedup << " --duration " << duration << " --gpu " << gpu
	  << (runaway ? " --runaway " + *runaway : std::string()) << " --name " << name
	  << " --seed " << seed << " --p99-bound " << p99_bound << "\n"
	  << "# " << rows
	  << " requests of the public Azure LLM inference trace, dealt round robin to " << tenants
	  << " tenants\n# sharing one GPU's inference broker"
	  << (runaway ? ", plus a runaway tenant flooding that broker at " + *runaway
		      : std::string())
	  << ".\n"
	  << "name: " << name << "\n"
	  << "description: " << tenants << " tenants replaying their share of an Azure LLM trace"
	  << (runaway ? " beside a runaway tenant" : "") << ".\n"
	  << "seed: " << seed << "\nduration: " << duration << "\nwarmup: 5s\npolicy: fair\n\n"
	  << "machine:\n  name: inference-node\n  cpus: 8\n  cpu_slice: 4ms\n"
	  << "  gpus:\n    - profile: " << gpu << "\n"
	  << "  pcie: pcie-gen5-x16\n  tpm: tpm2-discrete\n  ssd: nvme-gen4\n"
	  << "  audit: { ring_slots: 1024, seal_interval: 10ms, seal_batch: 8192, "
	     "anchor_every_events: 4096 }\n"
	  << "  broker: { batch_tokens: 2048, max_seqs: 64 }\n\ntenants:\n";
	for (u64 t = 0; t < tenants; t++) {
		y << "  - name: t" << (t < 10 ? "0" : "") << t << "\n"
		  << "    caps: [ \"inference:kvwarden\", \"gpu:0/**\" ]\n"
		  << "    groups:\n      - name: app\n        count: 1\n"
		  << "        manifest: { caps: [ \"inference:kvwarden\", \"gpu:0/**\" ] }\n"
		  << "        workload:\n          kind: trace\n"
		  << "          trace: { file: \"" << rel << "\", share: " << tenants
		  << ", offset: " << t << ", speedup: " << speedup << " }\n"
		  << "          request: { cpu: 2ms }\n";
	}
	if (runaway)
		y << "  - name: runaway\n    caps: [ \"inference:kvwarden\", \"gpu:0/**\" ]\n"
		  << "    groups:\n      - name: loop\n        count: 1\n"
		  << "        manifest: { caps: [ \"inference:kvwarden\", \"gpu:0/**\" ] }\n"
		  << "        workload:\n          kind: flooder\n          rate: " << *runaway
		  << "\n"
		  << "          max_outstanding: 400\n"
		  << "          request: { cpu: 100us, prompt_tokens: { min: 1024, max: 2048 }, "
		     "gen_tokens: { min: 64, max: 128 } }\n";
	// Each trace tenant's request slowdown p99 stays within the bound. The trace is bursty
	// on its own (p99/p50 near 10 with no runaway), so the gate bounds the p99 itself: under
	// fair share a runaway adds little; under --policy fifo its backlog multiplies it.
	y << "\ngates:\n";
	for (u64 t = 0; t < tenants; t++) {
		const std::string tn = std::string("t") + (t < 10 ? "0" : "") + std::to_string(t);
		y << "  - { kind: metric, name: " << tn << "-p99, metric: tenant." << tn
		  << ".slowdown_p99_milli, op: \"<=\", value: " << p99_bound * 1000 << " }\n";
	}
	static_assert(kRunGates == 3, "the gates below");
	y << "  - kind: audit.parity\n  - kind: audit.verify\n  - kind: determinism\n\n";

	// Loaded as the file will be (trace paths against its folder) before anything is written:
	// a scenario that would not load is never left on disk (issue 16, item 7).
	scenario::Scenario sc;
	try {
		sc = scenario::load_scenario_string(y.str(), *out, out_dir.string());
	} catch (const scenario::ScenarioError &e) {
		std::cerr << "import: these options make a scenario that does not load, so nothing "
			     "was written" +
				     option_behind(e.field()) + ": "
			  << e.what() << "\n";
		return 2;
	}
	{
		std::ofstream f(*out);
		f << y.str();
		if (!f) {
			std::cerr << *out << ": cannot write\n";
			return 2;
		}
	}
	std::cout << *out << ": " << sc.tenants.size() << " tenants, " << rows
		  << " trace requests\n";
	return 0;
}

} // namespace coconut::cli
