// ScenarioError: the one exception of the loaders; its text is what the user sees.
#include "scenario.h"

namespace coconut::scenario {
namespace {

std::string format_message(const SourceLoc &loc, const std::string &field,
			   const std::string &message)
{
	std::string out = loc.file.empty() ? std::string("<input>") : loc.file;
	if (loc.line > 0) {
		out += ':' + std::to_string(loc.line);
		if (loc.column > 0)
			out += ':' + std::to_string(loc.column);
	}
	out += ": ";
	if (!field.empty())
		out += field + ": ";
	return out + message;
}

} // namespace

ScenarioError::ScenarioError(SourceLoc loc, std::string field, const std::string &message)
	: std::runtime_error(format_message(loc, field, message)), loc_(std::move(loc)),
	  field_(std::move(field))
{
}

} // namespace coconut::scenario
