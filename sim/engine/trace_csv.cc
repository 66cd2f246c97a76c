// See trace_csv.h.
#include "trace_csv.h"

#include "scenario.h"
#include "scenario_limits.h"

#include <fstream>
#include <sstream>

namespace coconut::engine {

namespace {

using scenario::ScenarioError;
using scenario::SourceLoc;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil
// formula), integer only.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (std::int64_t)doe - 719468;
}

bool digits(const std::string &s, size_t at, size_t n, unsigned &out)
{
	if (at + n > s.size())
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		const char c = s[at + i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	out = v;
	return true;
}

// "2023-11-16 18:17:03.9799600" -> ns since the epoch (fraction: up to 9 digits).
bool parse_timestamp(const std::string &s, std::uint64_t &ns)
{
	unsigned y, mo, d, h, mi, se;
	if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) ||
	    s[7] != '-' || !digits(s, 8, 2, d) || s[10] != ' ' || !digits(s, 11, 2, h) ||
	    s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	std::uint64_t frac_ns = 0;
	if (s.size() > 19) {
		if (s[19] != '.' || s.size() == 20 || s.size() > 20 + 9)
			return false;
		std::uint64_t scale = 100000000;
		for (size_t i = 20; i < s.size(); i++, scale /= 10) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			frac_ns += (std::uint64_t)(s[i] - '0') * scale;
		}
	}
	const std::int64_t days = days_from_civil(y, mo, d);
	if (days < 0)
		return false;
	ns = ((std::uint64_t)days * 86400 + h * 3600u + mi * 60u + se) * 1000000000ull + frac_ns;
	return true;
}

// A token count, 0..limits::request_tokens_max (what a scenario's token ranges allow).
bool parse_count(const std::string &s, std::uint32_t &out)
{
	if (s.empty() || s.size() > 9)
		return false;
	std::uint32_t v = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (std::uint32_t)(c - '0');
	}
	if (v > scenario::limits::request_tokens_max)
		return false;
	out = v;
	return true;
}

} // namespace

std::vector<TraceRow> parse_azure_csv(const std::string &text, const std::string &name,
				      std::uint64_t max_rows)
{
	std::vector<TraceRow> rows;
	std::istringstream in(text);
	std::string line;
	int lineno = 0;
	std::uint64_t first_ns = 0, last_ns = 0;
	const std::string tokens_expected =
		"expected an integer 0.." + std::to_string(scenario::limits::request_tokens_max) +
		" (a request's tokens, as a scenario's token ranges allow)";
	auto err = [&](int col, const std::string &field, const std::string &what) {
		return ScenarioError(SourceLoc{ name, lineno, col }, field, what);
	};
	while (std::getline(in, line)) {
		lineno++;
		if (!line.empty() && line.back() == '\r')
			line.pop_back();
		if (lineno == 1) {
			if (line != "TIMESTAMP,ContextTokens,GeneratedTokens")
				throw err(1, "header",
					  "expected the header 'TIMESTAMP,ContextTokens,"
					  "GeneratedTokens' (an Azure LLM inference trace)");
			continue;
		}
		if (line.empty())
			continue;
		const size_t c1 = line.find(',');
		const size_t c2 = c1 == std::string::npos ? c1 : line.find(',', c1 + 1);
		if (c1 == std::string::npos || c2 == std::string::npos ||
		    line.find(',', c2 + 1) != std::string::npos)
			throw err(1, "row", "expected 3 comma-separated columns");
		TraceRow r{};
		std::uint64_t t;
		if (!parse_timestamp(line.substr(0, c1), t))
			throw err(1, "TIMESTAMP",
				  "expected 'YYYY-MM-DD HH:MM:SS[.fraction]', got '" +
					  line.substr(0, c1) + "'");
		if (!parse_count(line.substr(c1 + 1, c2 - c1 - 1), r.prompt_tokens))
			throw err((int)c1 + 2, "ContextTokens", tokens_expected);
		if (!parse_count(line.substr(c2 + 1), r.gen_tokens))
			throw err((int)c2 + 2, "GeneratedTokens", tokens_expected);
		if (rows.empty())
			first_ns = t;
		else if (t < last_ns)
			throw err(1, "TIMESTAMP", "timestamps go backwards");
		last_ns = t;
		r.t_ns = t - first_ns;
		rows.push_back(r);
		if (max_rows && rows.size() >= max_rows)
			break;
	}
	if (lineno == 0)
		throw ScenarioError(SourceLoc{ name, 1, 1 }, "header", "the trace file is empty");
	if (rows.empty())
		throw ScenarioError(SourceLoc{ name, 1, 1 }, "header",
				    "no requests: the trace has its header and no row");
	return rows;
}

std::vector<TraceRow> load_azure_csv(const std::string &path, std::uint64_t max_rows)
{
	std::ifstream f(path, std::ios::binary);
	if (!f)
		throw ScenarioError(SourceLoc{ path, 0, 0 }, "trace.file", "cannot open the file");
	std::ostringstream ss;
	ss << f.rdbuf();
	return parse_azure_csv(ss.str(), path, max_rows);
}

} // namespace coconut::engine
