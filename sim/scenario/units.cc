// Unit parsers: decimal text with a unit suffix to an exact integer. A value is read as an
// integer mantissa and a count of fractional digits ("1.5" = 15 / 10^1), multiplied by the
// unit in 128-bit arithmetic and divided back; a result that is not a whole number of the base
// unit ("1.5ns", "0.1B"), that overflows 64 bits, or that has a sign is refused.
#include "scenario.h"
#include "scenario_limits.h"
#include "units_detail.h"

#include <array>

namespace coconut::scenario {
namespace {

using u128 = unsigned __int128;
constexpr u64 u64_max = ~u64{ 0 };

// 36 digits keep the mantissa below 10^36 < 2^120, so reading it never overflows 128 bits.
constexpr unsigned digits_max = 36;

struct Decimal {
	u128 mantissa = 0;
	unsigned frac_digits = 0;
};

struct Unit {
	std::string_view suffix;
	u64 factor;
};

bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

// Reads "D+" or "D+.D+" from the front of text and leaves the rest (the unit) in text.
std::optional<Decimal> take_decimal(std::string_view &text)
{
	Decimal d;
	std::size_t i = 0;
	unsigned digits = 0;
	while (i < text.size() && is_digit(text[i])) {
		if (++digits > digits_max)
			return std::nullopt;
		d.mantissa = d.mantissa * 10 + static_cast<unsigned>(text[i] - '0');
		++i;
	}
	if (digits == 0)
		return std::nullopt;
	if (i < text.size() && text[i] == '.') {
		++i;
		std::size_t frac_start = i;
		while (i < text.size() && is_digit(text[i])) {
			if (++digits > digits_max)
				return std::nullopt;
			d.mantissa = d.mantissa * 10 + static_cast<unsigned>(text[i] - '0');
			++d.frac_digits;
			++i;
		}
		if (i == frac_start)
			return std::nullopt; // "1." is not a number
	}
	text.remove_prefix(i);
	return d;
}

u128 pow10(unsigned n)
{
	u128 p = 1;
	for (unsigned i = 0; i < n; ++i)
		p *= 10;
	return p;
}

// mantissa * factor / 10^frac_digits, when that is a whole number that fits 64 bits.
std::optional<u64> scale_exact(const Decimal &d, u64 factor)
{
	const u128 max = ~u128{ 0 };
	if (factor != 0 && d.mantissa > max / factor)
		return std::nullopt;
	const u128 product = d.mantissa * factor;
	const u128 divisor = pow10(d.frac_digits);
	if (product % divisor != 0)
		return std::nullopt;
	const u128 value = product / divisor;
	if (value > u64_max)
		return std::nullopt;
	return static_cast<u64>(value);
}

template <std::size_t N>
std::optional<u64> parse_with_units(std::string_view text, const std::array<Unit, N> &units,
				    bool bare_allowed, bool bare_zero_allowed)
{
	if (text.empty() || text.size() > limits::unit_text_bytes_max)
		return std::nullopt;
	std::string_view rest = text;
	const auto d = take_decimal(rest);
	if (!d)
		return std::nullopt;
	if (rest.empty()) {
		if (bare_allowed || (bare_zero_allowed && d->mantissa == 0))
			return scale_exact(*d, 1);
		return std::nullopt;
	}
	for (const Unit &u : units)
		if (rest == u.suffix)
			return scale_exact(*d, u.factor);
	return std::nullopt;
}

constexpr std::array<Unit, 6> duration_units{ {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "ms", 1000000 },
	{ "s", 1000000000 },
	{ "min", 60ull * 1000000000 },
	{ "h", 3600ull * 1000000000 },
} };

constexpr std::array<Unit, 10> size_units{ {
	{ "B", 1 },
	{ "KB", 1000 },
	{ "kB", 1000 },
	{ "MB", 1000000 },
	{ "GB", 1000000000 },
	{ "TB", 1000000000000 },
	{ "KiB", 1ull << 10 },
	{ "MiB", 1ull << 20 },
	{ "GiB", 1ull << 30 },
	{ "TiB", 1ull << 40 },
} };

constexpr std::array<Unit, 7> si_prefixes{ {
	{ "k", 1000 },
	{ "K", 1000 },
	{ "M", 1000000 },
	{ "G", 1000000000 },
	{ "T", 1000000000000 },
	{ "P", 1000000000000000 },
	{ "E", 1000000000000000000 },
} };

// Per what a rate counts: "/s" etc., in ns.
constexpr std::array<Unit, 5> rate_units{ {
	{ "/us", 1000 },
	{ "/ms", 1000000 },
	{ "/s", 1000000000 },
	{ "/min", 60ull * 1000000000 },
	{ "/h", 3600ull * 1000000000 },
} };

// What a rate counts per, in ns: a unit ("/s") or a whole duration ("/250us", "/3ns"). The
// latter lets "1/<gap>ns" state any gap exactly, which no count per unit can (write_scenario_yaml
// falls back to it).
std::optional<u64> rate_per_ns(std::string_view per)
{
	if (per.size() > 1 && is_digit(per[1])) {
		const auto ns = parse_duration_ns(per.substr(1));
		if (!ns || *ns == 0)
			return std::nullopt;
		return ns;
	}
	for (const Unit &u : rate_units)
		if (per == u.suffix)
			return u.factor;
	return std::nullopt;
}

// n / d rounded half up, without the overflow of (n + d / 2) / d.
u128 div_round(u128 n, u128 d)
{
	return n / d + (n % d >= d - d / 2 ? 1 : 0);
}

} // namespace

std::optional<u64> parse_duration_ns(std::string_view text)
{
	return parse_with_units(text, duration_units, false, true);
}

std::optional<u64> parse_unsigned(std::string_view text)
{
	return detail::parse_uint(text);
}

std::optional<u64> parse_size_bytes(std::string_view text)
{
	return parse_with_units(text, size_units, true, true);
}

std::optional<u64> parse_rate_gap_ns(std::string_view text)
{
	if (text.empty() || text.size() > limits::unit_text_bytes_max)
		return std::nullopt;
	std::string_view rest = text;
	const auto d = take_decimal(rest);
	if (!d || d->mantissa == 0)
		return std::nullopt;
	const auto per_ns = rate_per_ns(rest);
	if (!per_ns)
		return std::nullopt;
	// gap = per_ns / (mantissa / 10^frac) = per_ns * 10^frac / mantissa, rounded half up. A
	// product beyond 128 bits (20 decimals or more) is refused: it used to wrap silently.
	const u128 scale = pow10(d->frac_digits);
	if (*per_ns > ~u128{ 0 } / scale)
		return std::nullopt;
	const u128 gap = div_round(static_cast<u128>(*per_ns) * scale, d->mantissa);
	if (gap == 0 || gap > u64_max)
		return std::nullopt;
	return static_cast<u64>(gap);
}

namespace detail {

std::optional<u64> parse_uint(std::string_view text)
{
	if (text.empty() || text.size() > limits::unit_text_bytes_max)
		return std::nullopt;
	if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		u64 v = 0;
		for (char c : text.substr(2)) {
			unsigned digit;
			if (is_digit(c))
				digit = static_cast<unsigned>(c - '0');
			else if (c >= 'a' && c <= 'f')
				digit = static_cast<unsigned>(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				digit = static_cast<unsigned>(c - 'A' + 10);
			else
				return std::nullopt;
			if (v > (u64_max >> 4))
				return std::nullopt;
			v = (v << 4) | digit;
		}
		return v;
	}
	std::string_view rest = text;
	const auto d = take_decimal(rest);
	if (!d || d->frac_digits != 0 || !rest.empty())
		return std::nullopt;
	return scale_exact(*d, 1);
}

std::optional<s64> parse_int(std::string_view text)
{
	const bool negative = !text.empty() && text[0] == '-';
	if (negative)
		text.remove_prefix(1);
	if (text.empty() || !is_digit(text[0]))
		return std::nullopt;
	std::string_view rest = text;
	const auto d = take_decimal(rest);
	if (!d || d->frac_digits != 0 || !rest.empty())
		return std::nullopt;
	const auto magnitude = scale_exact(*d, 1);
	const u64 limit = negative ? (u64{ 1 } << 63) : (u64{ 1 } << 63) - 1;
	if (!magnitude || *magnitude > limit)
		return std::nullopt;
	if (negative)
		return *magnitude == (u64{ 1 } << 63) ? INT64_MIN : -static_cast<s64>(*magnitude);
	return static_cast<s64>(*magnitude);
}

std::optional<u64> parse_milli(std::string_view text)
{
	if (text.empty() || text.size() > limits::unit_text_bytes_max)
		return std::nullopt;
	std::string_view rest = text;
	const auto d = take_decimal(rest);
	if (!d || !rest.empty())
		return std::nullopt;
	return scale_exact(*d, 1000);
}

std::optional<u64> parse_si_count(std::string_view text)
{
	return parse_with_units(text, si_prefixes, true, true);
}

std::optional<u64> parse_bytes_per_s(std::string_view text)
{
	if (text.size() > 2 && text.substr(text.size() - 2) == "/s")
		text.remove_suffix(2);
	return parse_size_bytes(text);
}

} // namespace detail
} // namespace coconut::scenario
