// The subcommands of coconut-sim. Each returns the process's exit code:
//   0 every gate holds / the input is valid, 1 a gate failed, 2 bad input or usage,
//   3 an internal error (a bug: please report it with the scenario and seed).
#ifndef COCONUT_HARNESS_CLI_COMMANDS_H
#define COCONUT_HARNESS_CLI_COMMANDS_H

#include "args.h"

namespace coconut::cli {

int cmd_run(const Args &a);
int cmd_check(const Args &a);

} // namespace coconut::cli

#endif
