// See args.h.
#include "args.h"

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

} // namespace coconut::cli
