#include "report.h"

#include <algorithm>
#include <array>

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
		{{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}}};
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

void print_gate_table(std::ostream &out, const std::vector<GateResult> &gates)
{
	const std::array<std::string, 4> head{"gate", "measured", "bound", "verdict"};
	std::array<size_t, 4> w{};
	for (size_t c = 0; c < 4; c++)
		w[c] = head[c].size();
	for (const GateResult &g : gates) {
		w[0] = std::max(w[0], g.name.size());
		w[1] = std::max(w[1], g.measured.size());
		w[2] = std::max(w[2], g.bound.size());
	}
	const auto row = [&](const std::string &a, const std::string &b, const std::string &c,
			     const std::string &d) {
		out << pad(a, w[0]) << " | " << pad(b, w[1]) << " | " << pad(c, w[2]) << " | " << d
		    << '\n';
	};
	row(head[0], head[1], head[2], head[3]);
	out << std::string(w[0], '-') << "-+-" << std::string(w[1], '-') << "-+-"
	    << std::string(w[2], '-') << "-+-" << std::string(w[3], '-') << '\n';
	size_t failed = 0;
	for (const GateResult &g : gates) {
		row(g.name, g.measured, g.bound, g.pass ? "PASS" : "FAIL");
		failed += !g.pass;
	}
	if (failed != 0) {
		out << "failures:\n";
		for (const GateResult &g : gates)
			if (!g.pass)
				out << "  " << g.name << ": measured " << g.measured << ", bound "
				    << g.bound << (g.detail.empty() ? "" : "; ") << g.detail << '\n';
	}
	out << gates.size() << " gates: " << gates.size() - failed << " passed, " << failed
	    << " failed\n";
}

nlohmann::json gates_to_json(const std::vector<GateResult> &gates)
{
	nlohmann::json a = nlohmann::json::array();
	for (const GateResult &g : gates)
		// Sanitized: nlohmann::json refuses to dump invalid UTF-8.
		a.push_back({{"name", utf8_sanitize(g.name)},
			     {"kind", utf8_sanitize(g.kind)},
			     {"measured", utf8_sanitize(g.measured)},
			     {"bound", utf8_sanitize(g.bound)},
			     {"pass", g.pass},
			     {"detail", utf8_sanitize(g.detail)}});
	return a;
}

bool all_passed(const std::vector<GateResult> &gates)
{
	return std::all_of(gates.begin(), gates.end(), [](const GateResult &g) { return g.pass; });
}

} // namespace coconut::metrics
