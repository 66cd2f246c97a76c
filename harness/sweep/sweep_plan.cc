// See sweep_plan.h.
#include "sweep_plan.h"

#include "sweep_limits.h"

#include <cassert>
#include <cerrno>
#include <cstdlib>

namespace coconut::sweep {

namespace {

bool parse_u64(const std::string &text, u64 &out)
{
	if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
		return false;
	errno = 0;
	char *end = nullptr;
	const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
	if (errno || *end)
		return false;
	out = v;
	return true;
}

} // namespace

SeedRange parse_seeds(const std::string &text)
{
	const auto bad = [&](const std::string &why) -> SweepError {
		return SweepError("--seeds '" + text + "': " + why);
	};
	SeedRange r;
	const size_t dots = text.find("..");
	if (dots == std::string::npos) {
		if (!parse_u64(text, r.first))
			throw bad("expected A..B or one seed (unsigned integers)");
		r.last = r.first;
		return r;
	}
	if (!parse_u64(text.substr(0, dots), r.first) || !parse_u64(text.substr(dots + 2), r.last))
		throw bad("expected A..B (unsigned integers)");
	if (r.last < r.first)
		throw bad("the last seed is below the first");
	if (r.last - r.first >= kSeedsMax)
		throw bad("more than " + std::to_string(kSeedsMax) + " seeds");
	return r;
}

Shard parse_shard(const std::string &text)
{
	const size_t slash = text.find('/');
	Shard s;
	if (slash == std::string::npos || !parse_u64(text.substr(0, slash), s.index) ||
	    !parse_u64(text.substr(slash + 1), s.count))
		throw SweepError("--shard '" + text + "': expected K/N (K from 0 to N-1)");
	if (s.count == 0 || s.count > kShardsMax)
		throw SweepError("--shard '" + text + "': N must be 1 to " +
				 std::to_string(kShardsMax));
	if (s.index >= s.count)
		throw SweepError("--shard '" + text + "': K must be below N (shards count from 0)");
	return s;
}

std::vector<u64> shard_seeds(const SeedRange &r, const Shard &s)
{
	assert(r.first <= r.last && s.index < s.count);
	std::vector<u64> out;
	for (u64 i = s.index; i < r.count(); i += s.count)
		out.push_back(r.first + i);
	return out;
}

std::string seed_set_text(const std::vector<u64> &sorted)
{
	std::string out;
	for (size_t i = 0; i < sorted.size();) {
		size_t j = i;
		while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1)
			j++;
		if (!out.empty())
			out += ',';
		out += std::to_string(sorted[i]);
		if (j > i)
			out += ".." + std::to_string(sorted[j]);
		i = j + 1;
	}
	return out;
}

} // namespace coconut::sweep
