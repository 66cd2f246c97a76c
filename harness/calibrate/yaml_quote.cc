// See yaml_quote.h.
#include "yaml_quote.h"

#include <cstdio>

namespace coconut::calibrate {

std::string yaml_quoted(const std::string &text)
{
	std::string out = "\"";
	for (const char c : text) {
		const auto u = static_cast<unsigned char>(c);
		if (c == '"' || c == '\\') {
			out += '\\';
			out += c;
		} else if (u < 0x20 || u == 0x7f) {
			char buf[8];
			std::snprintf(buf, sizeof buf, "\\x%02x", u);
			out += buf;
		} else {
			out += c;
		}
	}
	return out + "\"";
}

std::string one_line(const std::string &text)
{
	std::string out = text;
	for (char &c : out)
		if (c == '\n' || c == '\r')
			c = ' ';
	return out;
}

} // namespace coconut::calibrate
