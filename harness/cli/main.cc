// coconut-sim: the deterministic full-system simulator of the Coconut OS agent kernel.
// docs/cli.md is the reference; `coconut-sim help` prints the summary.
#include "args.h"
#include "commands.h"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char *kUsage =
	"usage: coconut-sim <command> [options]\n"
	"\n"
	"commands:\n"
	"  run SCENARIO.yaml [--seed N] [--policy fair|fifo|per-process] [--until DURATION]\n"
	"                    [--out DIR] [--junit FILE] [--perfetto FILE] [--profiles DIR]\n"
	"                    [--no-determinism-rerun] [--quiet] [--trace FILE]\n"
	"      simulate the scenario, print its gates and fingerprint.\n"
	"      exit 0: every gate holds; 1: a gate failed; 2: bad input; 3: internal error\n"
	"  check SCENARIO.yaml [--profiles DIR]\n"
	"      validate only. exit 0: valid; 2: not (the message names file, line, field)\n"
	"  replay TRACE [--until N]\n"
	"      re-apply a recorded trace to a fresh kernel and compare every return and head.\n"
	"      exit 0: reproduced; 1: diverged (the first record is printed); 2: malformed\n"
	"  cosim SCENARIO.yaml|TRACE.jsonl [--guest DIR] [--kernel FILE] [--initrd FILE]\n"
	"                    [--qemu PROGRAM] [--boot-timeout S] [--timeout S] [--work DIR]\n"
	"                    [--quiet] [--guest-only] [--seed N] [--policy P] [--until DURATION] "
	"[--profiles DIR]\n"
	"      run the same calls in the simulator and in coconut.ko under QEMU, compare each.\n"
	"      exit 0: parity; 1: diverged or the guest failed; 2: bad input;\n"
	"      3: QEMU or the guest's kernel (scripts/guest.sh) missing\n"
	"  import azure-llm FILE.csv --tenants N -o OUT.yaml [--speedup X] [--duration D]\n"
	"                    [--gpu PROFILE] [--runaway RATE] [--name NAME] [--seed N]\n"
	"                    [--p99-bound X] [--share-by round-robin]\n"
	"      write a scenario whose tenants split the public Azure LLM trace (N 1..253:\n"
	"      a p99 gate each, of 256); nothing is written unless the scenario loads\n"
	"  sweep SCENARIO.yaml --seeds A..B [-j N] [--shard K/N] [--out DIR] [--policy P]\n"
	"                    [--until DURATION] [--no-determinism-rerun] [--profiles DIR] "
	"[--quiet]\n"
	"                    [--shrink [--shrink-tries N]]\n"
	"      run many seeds (each as `run --seed S` would), one JSON line per seed and a\n"
	"      summary in DIR (default sweep-out); failing seeds with their repro commands\n"
	"      (and with --shrink each one's scenario shrunk to a small one failing alike).\n"
	"      exit 0: every seed passed; 1: a seed failed a gate; 2: bad input; 3: a run died\n"
	"  merge DIR... --out DIR\n"
	"      merge a sweep's shards into the unsharded sweep's files (byte for byte)\n"
	"  gate --release NAME [--out DIR] [--quick] [--sign KEY] [--previous RESULTS.json]\n"
	"                    [-j N] [--suite FILE] [--only ID,... | --skip ID,...]\n"
	"      run the release-gate suite (scenarios/gates.yaml): one line per gate, then\n"
	"      DIR (default reports/NAME)/index.html, report.md, results.json[.sig], junit.xml.\n"
	"      exit 0: every gate passed; 1: a gate failed or was not run; 2: bad input\n"
	"  report RESULTS.json [--out DIR]     write the page, Markdown and JUnit again\n"
	"  report verify RESULTS.json --key PUB [--sig FILE]   check the signature (0 good, 1 "
	"bad)\n"
	"  report keygen --out KEY             make an Ed25519 signing key (KEY, KEY.pub)\n"
	"  help\n";

// The lines of kUsage about one command: the lines that start with it (two spaces, then its
// name) and the indented lines under each. Empty for a name that is not a command.
std::string command_usage(const std::string &cmd)
{
	std::string out;
	bool in = false;
	const std::string text = kUsage;
	size_t pos = 0;
	while (pos < text.size()) {
		const size_t end = text.find('\n', pos);
		const std::string line = text.substr(pos, end - pos);
		pos = end == std::string::npos ? text.size() : end + 1;
		const bool command_line =
			line.size() > 2 && line.compare(0, 2, "  ") == 0 && line[2] != ' ';
		if (command_line)
			in = line.compare(2, cmd.size() + 1, cmd + " ") == 0 || line == "  " + cmd;
		if (in && line.size() > 2 && line.compare(0, 2, "  ") == 0)
			out += line + "\n";
	}
	return out.empty() ? "" : "usage: coconut-sim " + cmd + " ...\n" + out;
}

} // namespace

int main(int argc, char **argv)
{
	// SystemC prints a banner on first use unless told not to.
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
	const std::string cmd = argc >= 2 ? argv[1] : "";
	// `coconut-sim run --help`: that command's lines of the summary, exit 0.
	if (coconut::cli::wants_help(argc, argv) && !command_usage(cmd).empty()) {
		std::cout << command_usage(cmd);
		return 0;
	}
	try {
		if (cmd == "run")
			return coconut::cli::cmd_run(
				coconut::cli::parse_args(argc, argv,
							 { "--seed", "--policy", "--until", "--out",
							   "--junit", "--perfetto", "--profiles",
							   "--trace" },
							 { "--no-determinism-rerun", "--quiet" }));
		if (cmd == "check")
			return coconut::cli::cmd_check(
				coconut::cli::parse_args(argc, argv, { "--profiles" }, {}));
		if (cmd == "replay")
			return coconut::cli::cmd_replay(
				coconut::cli::parse_args(argc, argv, { "--until" }, {}));
		if (cmd == "cosim")
			return coconut::cli::cmd_cosim(
				coconut::cli::parse_args(argc, argv,
							 { "--guest", "--kernel", "--initrd",
							   "--qemu", "--boot-timeout", "--timeout",
							   "--work", "--seed", "--policy",
							   "--until", "--profiles" },
							 { "--quiet", "--guest-only" }));
		if (cmd == "import")
			return coconut::cli::cmd_import(
				coconut::cli::parse_args(argc, argv,
							 { "--tenants", "--share-by", "--speedup",
							   "--duration", "--gpu", "--runaway",
							   "--name", "--seed", "--p99-bound",
							   "--out" },
							 {}, { { "-o", "--out" } }));
		if (cmd == "sweep")
			return coconut::cli::cmd_sweep(
				coconut::cli::parse_args(argc, argv,
							 { "--seeds", "--jobs", "--shard", "--out",
							   "--policy", "--until", "--profiles",
							   "--seed", "--shrink-tries" },
							 { "--no-determinism-rerun", "--quiet",
							   "--shrink" },
							 { { "-j", "--jobs" } }));
		if (cmd == "merge")
			return coconut::cli::cmd_merge(
				coconut::cli::parse_args(argc, argv, { "--out" }, {}));
		if (cmd == "gate")
			return coconut::cli::cmd_gate(coconut::cli::parse_args(
				argc, argv,
				{ "--release", "--out", "--sign", "--previous", "--suite", "--jobs",
				  "--only", "--skip" },
				{ "--quick" }, { { "-j", "--jobs" }, { "-o", "--out" } }));
		if (cmd == "report")
			return coconut::cli::cmd_report(
				coconut::cli::parse_args(argc, argv, { "--out", "--key", "--sig" },
							 {}, { { "-o", "--out" } }));
		if (cmd == "help" || cmd == "--help" || cmd == "-h") {
			std::cout << kUsage;
			return 0;
		}
		std::cerr << (cmd.empty() ? "coconut-sim: no command\n"
					  : "coconut-sim: unknown command '" + cmd + "'\n")
			  << kUsage;
		return 2;
	} catch (const coconut::cli::UsageError &e) {
		std::cerr << "coconut-sim " << cmd << ": " << e.what() << "\n" << kUsage;
		return 2;
	} catch (const std::exception &e) {
		std::cerr << "coconut-sim " << cmd << ": internal error: " << e.what() << "\n";
		return 3;
	}
}
