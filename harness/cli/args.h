// The command line's options, parsed without surprises: every option of every command is
// listed here, a value is checked when it is read, and an error names the option.
#ifndef COCONUT_HARNESS_CLI_ARGS_H
#define COCONUT_HARNESS_CLI_ARGS_H

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

} // namespace coconut::cli

#endif
