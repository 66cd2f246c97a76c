#include "report.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <optional>

#include "text_escape.h"

namespace coconut::metrics {

namespace {

std::string pad(const std::string &s, size_t width)
{
	return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

} // namespace

std::string format_fixed(u64 v, unsigned decimals)
{
	if (decimals == 0)
		return std::to_string(v);
	if (decimals > 19) // 10^19 is the largest power of ten in a u64
		decimals = 19;
	u64 scale = 1;
	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	const std::string frac = std::to_string(v % scale);
	return std::to_string(v / scale) + "." + std::string(decimals - frac.size(), '0') + frac;
}

std::string format_milli(u64 milli)
{
	return format_fixed(milli, 3);
}

std::string format_milli_signed(s64 milli)
{
	if (milli >= 0)
		return format_milli(static_cast<u64>(milli));
	return "-" + format_milli(0 - static_cast<u64>(milli));
}

std::string format_ns(u64 ns)
{
	struct Unit {
		const char *name;
		u64 ns;
	};
	static constexpr std::array<Unit, 4> kUnits{
		{ { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 } }
	};
	size_t u = 0;
	while (u + 1 < kUnits.size() && ns >= kUnits[u + 1].ns)
		u++;
	if (u == 0)
		return std::to_string(ns) + "ns";
	// Thousandths of the unit, rounded half up (in 128 bits: ns may be near 2^64).
	const u64 step = kUnits[u].ns / 1000;
	u128 milli = (static_cast<u128>(ns) + step / 2) / step;
	// Rounding may reach 1000 of this unit: say it in the next one.
	if (milli >= 1000000 && u + 1 < kUnits.size()) {
		u++;
		milli = (milli + 500) / 1000;
	}
	std::string text = std::to_string(static_cast<u64>(milli / 1000));
	u64 frac = static_cast<u64>(milli % 1000);
	if (frac != 0) {
		std::string f = std::to_string(frac);
		f = std::string(3 - f.size(), '0') + f;
		while (!f.empty() && f.back() == '0')
			f.pop_back();
		text += "." + f;
	}
	return text + kUnits[u].name;
}

namespace {

// Columns padded to their widest cell (the last one is not padded), " | " between them, a
// "-+-" rule under the header; every line starts with indent.
void print_table(std::ostream &out, const std::string &indent,
		 const std::vector<std::vector<std::string>> &lines)
{
	assert(!lines.empty());
	std::vector<size_t> w(lines[0].size(), 0);
	for (const auto &l : lines) {
		assert(l.size() == w.size());
		for (size_t c = 0; c < l.size(); c++)
			w[c] = std::max(w[c], l[c].size());
	}
	for (size_t i = 0; i < lines.size(); i++) {
		out << indent;
		for (size_t c = 0; c < w.size(); c++)
			out << (c ? " | " : "")
			    << (c + 1 < w.size() ? pad(lines[i][c], w[c]) : lines[i][c]);
		out << '\n';
		if (i == 0) {
			out << indent;
			for (size_t c = 0; c < w.size(); c++)
				out << (c ? "-+-" : "") << std::string(w[c], '-');
			out << '\n';
		}
	}
}

std::string milli_or_dash(const std::optional<u64> &v)
{
	return v ? format_milli(*v) : "-";
}

// The rows of one gate as table lines, at most rows_max of them (failing ones first).
std::vector<std::vector<std::string>> row_lines(const GateResult &g, size_t rows_max)
{
	const bool fairness = g.ref.empty();
	std::vector<std::vector<std::string>> lines;
	if (fairness)
		lines.push_back({ "tenant", "resource", "n", "p50", "p99", "p99/p50", "verdict" });
	else
		lines.push_back({ "tenant", "resource", "n", "p50", "p99", "n " + g.ref,
				  "p99 " + g.ref, "ratio", "verdict" });
	std::vector<size_t> pick;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < g.rows.size(); i++)
			if (g.rows[i].pass == (pass == 1) &&
			    (rows_max == 0 || pick.size() < rows_max))
				pick.push_back(i);
	std::sort(pick.begin(), pick.end());
	for (const size_t i : pick) {
		const GateRow &r = g.rows[i];
		std::vector<std::string> l = { r.tenant, r.resource, std::to_string(r.samples),
					       format_milli(r.p50_milli),
					       format_milli(r.p99_milli) };
		if (!fairness) {
			l.push_back(r.has_ref ? std::to_string(r.ref_samples) : "-");
			l.push_back(r.has_ref ? format_milli(r.ref_p99_milli) : "-");
		}
		l.push_back(milli_or_dash(r.ratio_milli));
		l.push_back(r.pass ? "PASS" : r.note.empty() ? "FAIL" : "FAIL: " + r.note);
		lines.push_back(l);
	}
	return lines;
}

} // namespace

void print_gate_table(std::ostream &out, const std::vector<GateResult> &gates)
{
	std::vector<std::vector<std::string>> lines{ { "gate", "measured", "bound", "verdict" } };
	size_t failed = 0;
	for (const GateResult &g : gates) {
		lines.push_back({ g.name, g.measured, g.bound, g.pass ? "PASS" : "FAIL" });
		failed += !g.pass;
	}
	print_table(out, "", lines);
	if (failed != 0) {
		out << "failures:\n";
		for (const GateResult &g : gates)
			if (!g.pass)
				out << "  " << g.name << ": measured " << g.measured << ", bound "
				    << g.bound << (g.detail.empty() ? "" : "; ") << g.detail
				    << '\n';
	}
	out << gates.size() << " gates: " << gates.size() - failed << " passed, " << failed
	    << " failed\n";
}

void print_gate_rows(std::ostream &out, const std::vector<GateResult> &gates, size_t rows_max)
{
	for (const GateResult &g : gates) {
		if (g.rows.empty())
			continue;
		out << "\n"
		    << g.name << ", per tenant and resource"
		    << (g.ref == "alone"      ? " (alone: the same run without the flooders)"
			: g.ref == "baseline" ? " (exposed tenants pooled against the baseline's)"
					      : "")
		    << ":\n";
		print_table(out, "  ", row_lines(g, rows_max));
		if (rows_max != 0 && g.rows.size() > rows_max)
			out << "  ... " << g.rows.size() - rows_max
			    << " more rows (all of them in --out DIR/result.json)\n";
	}
}

nlohmann::json gates_to_json(const std::vector<GateResult> &gates)
{
	const auto opt = [](bool has, u64 v) { return has ? nlohmann::json(v) : nlohmann::json(); };
	nlohmann::json a = nlohmann::json::array();
	for (const GateResult &g : gates) {
		nlohmann::json rows = nlohmann::json::array();
		for (const GateRow &r : g.rows)
			rows.push_back({ { "tenant", utf8_sanitize(r.tenant) },
					 { "resource", utf8_sanitize(r.resource) },
					 { "samples", r.samples },
					 { "p50_milli", r.p50_milli },
					 { "p99_milli", r.p99_milli },
					 { "ref_samples", opt(r.has_ref, r.ref_samples) },
					 { "ref_p99_milli", opt(r.has_ref, r.ref_p99_milli) },
					 { "ratio_milli", opt(r.ratio_milli.has_value(),
							      r.ratio_milli.value_or(0)) },
					 { "pass", r.pass },
					 { "note", utf8_sanitize(r.note) } });
		// Sanitized: nlohmann::json refuses to dump invalid UTF-8.
		a.push_back({ { "name", utf8_sanitize(g.name) },
			      { "kind", utf8_sanitize(g.kind) },
			      { "measured", utf8_sanitize(g.measured) },
			      { "bound", utf8_sanitize(g.bound) },
			      { "pass", g.pass },
			      { "detail", utf8_sanitize(g.detail) },
			      { "ref", utf8_sanitize(g.ref) },
			      { "rows", rows } });
	}
	return a;
}

bool all_passed(const std::vector<GateResult> &gates)
{
	return std::all_of(gates.begin(), gates.end(), [](const GateResult &g) { return g.pass; });
}

} // namespace coconut::metrics
