// The subcommands of coconut-sim. Each returns the process's exit code:
//   0 every gate holds / the input is valid, 1 a gate failed, 2 bad input or usage,
//   3 an internal error (a bug: please report it with the scenario and seed).
#ifndef COCONUT_HARNESS_CLI_COMMANDS_H
#define COCONUT_HARNESS_CLI_COMMANDS_H

#include "args.h"
#include "engine.h"

namespace coconut::cli {

int cmd_run(const Args &a);
// The simulation options of `run` (--seed, --policy, --until, --perfetto, --trace,
// --no-determinism-rerun, --profiles), each checked; UsageError names a bad one. `cosim` takes
// the same ones it accepts.
engine::RunOptions run_options_of(const Args &a);
// --profiles DIR: where the device profiles are read from (COCONUT_PROFILE_DIR).
void apply_profiles(const Args &a);
int cmd_check(const Args &a);
// docs/traces.md: 0 reproduced, 1 diverged, 2 malformed trace.
int cmd_replay(const Args &a);
// docs/cosim.md: 0 parity with coconut.ko under QEMU, 1 diverged or the guest failed, 2 bad
// input, 3 QEMU or the guest's kernel missing.
int cmd_cosim(const Args &a);
// Writes a scenario from a public trace; 0 or 2 (bad input).
int cmd_import(const Args &a);
// docs/sweeps.md: many seeds, one JSON line each and a summary. 0 every seed passed, 1 a seed
// failed a gate, 2 bad input, 3 a seed's run could not be made (its process died).
int cmd_sweep(const Args &a);
// Merges a sweep's shards into the files of the unsharded sweep; exit codes as sweep's.
int cmd_merge(const Args &a);
// docs/gates.md: the release-gate suite. 0 every gate passed, 1 a gate failed or was not run,
// 2 bad input (the suite, an option, the key), 3 an internal error.
int cmd_gate(const Args &a);
// Regenerates the report's views from results.json; `verify` checks a signature (0 good, 1
// bad); `keygen` makes a signing key.
int cmd_report(const Args &a);

} // namespace coconut::cli

#endif
