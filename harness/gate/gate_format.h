// Number formatting shared by the gates and the report: thousandths as decimals, exactly.
#ifndef COCONUT_HARNESS_GATE_GATE_FORMAT_H
#define COCONUT_HARNESS_GATE_GATE_FORMAT_H

#include <cstdint>
#include <string>

namespace coconut::gate {

// 1295 -> "1.295"; negative values keep their sign.
inline std::string milli_text(std::int64_t v)
{
	const bool neg = v < 0;
	const std::uint64_t a =
		neg ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
	std::string frac = std::to_string(a % 1000);
	frac.insert(0, 3 - frac.size(), '0');
	return (neg ? "-" : "") + std::to_string(a / 1000) + "." + frac;
}

// A ratio as thousandths, rounded to nearest (no floating point in what is compared).
inline std::int64_t to_milli(double x)
{
	return static_cast<std::int64_t>(x * 1000.0 + (x >= 0 ? 0.5 : -0.5));
}

} // namespace coconut::gate

#endif
