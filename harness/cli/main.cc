// coconut-sim: the deterministic full-system simulator of the Coconut OS agent kernel.
// docs/cli.md is the reference; `coconut-sim help` prints the summary.
#include "args.h"
#include "commands.h"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

namespace {

const char *kUsage =
	"usage: coconut-sim <command> [options]\n"
	"\n"
	"commands:\n"
	"  run SCENARIO.yaml [--seed N] [--policy fair|fifo|per-process] [--until DURATION]\n"
	"                    [--out DIR] [--junit FILE] [--perfetto FILE] [--profiles DIR]\n"
	"                    [--no-determinism-rerun] [--quiet]\n"
	"      simulate the scenario, print its gates and fingerprint.\n"
	"      exit 0: every gate holds; 1: a gate failed; 2: bad input; 3: internal error\n"
	"  check SCENARIO.yaml [--profiles DIR]\n"
	"      validate only. exit 0: valid; 2: not (the message names file, line, field)\n"
	"  help\n";

} // namespace

int main(int argc, char **argv)
{
	// SystemC prints a banner on first use unless told not to.
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
	const std::string cmd = argc >= 2 ? argv[1] : "";
	try {
		if (cmd == "run")
			return coconut::cli::cmd_run(coconut::cli::parse_args(
				argc, argv,
				{ "--seed", "--policy", "--until", "--out", "--junit", "--perfetto",
				  "--profiles" },
				{ "--no-determinism-rerun", "--quiet" }));
		if (cmd == "check")
			return coconut::cli::cmd_check(
				coconut::cli::parse_args(argc, argv, { "--profiles" }, {}));
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
