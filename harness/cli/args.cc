// See args.h.
#include "args.h"

#include "scenario.h"

#include <algorithm>

namespace coconut::cli {

std::optional<std::string> Args::get(const std::string &o) const
{
	auto it = options.find(o);
	if (it == options.end())
		return std::nullopt;
	return it->second;
}

Args parse_args(int argc, char **argv, const std::vector<std::string> &valued,
		const std::vector<std::string> &flags,
		const std::map<std::string, std::string> &shorts)
{
	Args a;
	if (argc >= 2)
		a.command = argv[1];
	auto is = [](const std::vector<std::string> &v, const std::string &s) {
		return std::find(v.begin(), v.end(), s) != v.end();
	};
	for (int i = 2; i < argc; i++) {
		std::string arg = argv[i];
		for (const auto &[brief, full] : shorts) {
			if (arg == brief) {
				arg = full; // its value is the next word
				break;
			}
			if (arg.size() > brief.size() && arg.compare(0, brief.size(), brief) == 0) {
				arg = full + "=" + arg.substr(brief.size());
				break;
			}
		}
		if (arg.size() < 2 || arg.compare(0, 2, "--") != 0 || arg == "--") {
			a.positional.push_back(arg);
			continue;
		}
		std::string value;
		bool has_value = false;
		const size_t eq = arg.find('=');
		if (eq != std::string::npos) {
			value = arg.substr(eq + 1);
			arg = arg.substr(0, eq);
			has_value = true;
		}
		if (a.options.count(arg))
			throw UsageError(arg + " given twice");
		if (is(valued, arg)) {
			if (!has_value) {
				if (i + 1 >= argc)
					throw UsageError(arg + " needs a value");
				value = argv[++i];
			}
			a.options[arg] = value;
		} else if (is(flags, arg)) {
			if (has_value)
				throw UsageError(arg + " takes no value");
			a.options[arg] = "";
		} else {
			throw UsageError("unknown option " + arg + " for '" + a.command + "'");
		}
	}
	return a;
}

std::uint64_t unsigned_option(const Args &a, const std::string &name, std::uint64_t dflt,
			      std::uint64_t lo, std::uint64_t hi)
{
	const auto v = a.get(name);
	if (!v)
		return dflt;
	const std::optional<std::uint64_t> n = scenario::parse_unsigned(*v);
	if (!n || *n < lo || *n > hi)
		throw UsageError(name + ": expected an integer in [" + std::to_string(lo) + ", " +
				 std::to_string(hi) + "] (decimal, or hex with 0x), got '" + *v +
				 "'");
	return *n;
}

bool wants_help(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const std::string arg = argv[i];
		if (arg == "--")
			return false;
		if (arg == "--help" || arg == "-h")
			return true;
	}
	return false;
}

} // namespace coconut::cli
