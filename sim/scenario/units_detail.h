// Number parsers the loaders share beyond the public unit parsers of scenario.h. All of them
// read decimal text with integer arithmetic only (no strtod: its rounding would differ between
// C libraries, and a scenario must load to the same integers everywhere).
#ifndef COCONUT_SIM_SCENARIO_UNITS_DETAIL_H
#define COCONUT_SIM_SCENARIO_UNITS_DETAIL_H

#include <cstdint>
#include <optional>
#include <string_view>

namespace coconut::scenario::detail {

// "0", "42", "0x0100c0c0": a plain unsigned integer (decimal, or hex with 0x).
std::optional<std::uint64_t> parse_uint(std::string_view text);
// "-134", "7", "0": a signed decimal integer.
std::optional<std::int64_t> parse_int(std::string_view text);
// "1.5" -> 1500, "2" -> 2000, "0.001" -> 1: a non-negative decimal in thousandths, exact.
std::optional<std::uint64_t> parse_milli(std::string_view text);
// "989.4T", "312T", "1000": a count with an optional SI prefix (k M G T P E), exact.
std::optional<std::uint64_t> parse_si_count(std::string_view text);
// "3.35TB/s", "1008GB/s", "25GB": bytes per second (the "/s" may be left out).
std::optional<std::uint64_t> parse_bytes_per_s(std::string_view text);

} // namespace coconut::scenario::detail

#endif // COCONUT_SIM_SCENARIO_UNITS_DETAIL_H
