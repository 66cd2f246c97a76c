// The command line's options, parsed without surprises: every option of every command is
// listed here, a value is checked when it is read, and an error names the option.
#ifndef COCONUT_HARNESS_CLI_ARGS_H
#define COCONUT_HARNESS_CLI_ARGS_H

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace coconut::cli {

// A usage error: exit code 2 with this message.
class UsageError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct Args {
	std::string command;
	std::vector<std::string> positional;
	std::map<std::string, std::string> options; // "--seed" -> "7"; flags -> ""
	bool has(const std::string &o) const { return options.count(o) > 0; }
	std::optional<std::string> get(const std::string &o) const;
};

// valued: options that take a value ("--seed"); flags: options that do not ("--quiet").
// Accepts "--opt value" and "--opt=value". shorts: one-letter spellings of valued options as
// compilers and make write them ({"-o", "--out"}: "-o X" and "-oX"). Throws UsageError for an
// unknown option, a missing value, an option given twice.
Args parse_args(int argc, char **argv, const std::vector<std::string> &valued,
		const std::vector<std::string> &flags,
		const std::map<std::string, std::string> &shorts = {});

// The value of option name as an unsigned integer written as a scenario writes one (decimal,
// or hex with 0x: `--seed 0x10` is `seed: 0x10`), within [lo, hi]; dflt when it is absent.
// Throws UsageError naming the option.
std::uint64_t unsigned_option(const Args &a, const std::string &name, std::uint64_t dflt,
			      std::uint64_t lo, std::uint64_t hi);

// "-h" or "--help" among a command's arguments (before a "--"): the command's help is wanted.
bool wants_help(int argc, char **argv);

} // namespace coconut::cli

#endif
