#include "text_escape.h"

namespace coconut::metrics {

namespace {

constexpr std::string_view kReplacement = "\xef\xbf\xbd"; // U+FFFD

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (RFC 3629 table).
size_t utf8_sequence_len(std::string_view s, size_t i)
{
	const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
	const unsigned char c = byte(i);
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; // allowed range of the second byte
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; // no overlongs
		if (c == 0xed)
			hi = 0x9f; // no surrogates
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90; // no overlongs
		if (c == 0xf4)
			hi = 0x8f; // nothing above U+10FFFF
	} else {
		return 0;
	}
	if (i + len > s.size())
		return 0;
	if (byte(i + 1) < lo || byte(i + 1) > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (byte(i + k) < 0x80 || byte(i + k) > 0xbf)
			return 0;
	return len;
}

} // namespace

std::string utf8_sanitize(std::string_view s)
{
	std::string out;
	out.reserve(s.size());
	bool in_bad = false;
	for (size_t i = 0; i < s.size();) {
		const size_t len = utf8_sequence_len(s, i);
		if (len == 0) {
			if (!in_bad)
				out += kReplacement;
			in_bad = true;
			i++;
			continue;
		}
		in_bad = false;
		out.append(s.substr(i, len));
		i += len;
	}
	return out;
}

void json_escape_append(std::string &out, std::string_view raw)
{
	static const char hex[] = "0123456789abcdef";
	const std::string s = utf8_sanitize(raw);
	for (char ch : s) {
		const auto c = static_cast<unsigned char>(ch);
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\b':
			out += "\\b";
			break;
		case '\f':
			out += "\\f";
			break;
		default:
			if (c < 0x20) {
				out += "\\u00";
				out += hex[c >> 4];
				out += hex[c & 15];
			} else {
				out += ch;
			}
		}
	}
}

std::string json_escape(std::string_view s)
{
	std::string out;
	json_escape_append(out, s);
	return out;
}

std::string xml_escape(std::string_view raw)
{
	const std::string s = utf8_sanitize(raw);
	std::string out;
	out.reserve(s.size());
	for (char ch : s) {
		const auto c = static_cast<unsigned char>(ch);
		switch (c) {
		case '&':
			out += "&amp;";
			break;
		case '<':
			out += "&lt;";
			break;
		case '>':
			out += "&gt;";
			break;
		case '"':
			out += "&quot;";
			break;
		case '\'':
			out += "&apos;";
			break;
		case '\t':
			out += "&#9;";
			break;
		case '\n':
			out += "&#10;";
			break;
		case '\r':
			out += "&#13;";
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				out += kReplacement;
			else
				out += ch;
		}
	}
	return out;
}

} // namespace coconut::metrics
