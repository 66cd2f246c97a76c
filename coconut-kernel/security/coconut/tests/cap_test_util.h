// Helpers shared by the capability tests: a seeded PRNG (no std::*_distribution, whose output is
// implementation-defined), an oracle for glob matching written independently of the kernel's
// greedy matcher, and generators of patterns over the small alphabet the brute-force tests use.
#pragma once

#include "coconut/cap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace cap_test {

// SplitMix64: tiny, fast, and the same stream on every platform.
struct Rng {
	uint64_t state;

	explicit Rng(uint64_t seed) : state(seed) {}
	uint64_t next()
	{
		uint64_t z = (state += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	// Uniform enough in [0, n) for tests (n is small; modulo bias is negligible).
	uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
	bool chance(uint32_t percent) { return below(100) < percent; }
};

// The seed for a test: COCONUT_TEST_SEED when set (to replay a failure), else the default.
inline uint64_t test_seed(uint64_t dflt)
{
	const char *s = std::getenv("COCONUT_TEST_SEED");
	return s ? std::strtoull(s, nullptr, 0) : dflt;
}

// Oracle for one segment: does the star-only glob p match s (every byte of s literal)? A
// dynamic-programming table over prefixes, unlike the kernel's greedy scan.
inline bool oracle_glob(const std::string &p, const std::string &s)
{
	std::vector<std::vector<char>> m(p.size() + 1, std::vector<char>(s.size() + 1, 0));
	m[0][0] = 1;
	for (size_t i = 1; i <= p.size(); i++) {
		for (size_t j = 0; j <= s.size(); j++) {
			if (p[i - 1] == '*')
				m[i][j] = m[i - 1][j] || (j > 0 && m[i][j - 1]);
			else
				m[i][j] = j > 0 && m[i - 1][j - 1] && p[i - 1] == s[j - 1];
		}
	}
	return m[p.size()][s.size()] != 0;
}

inline std::vector<std::string> split(const std::string &s, char sep)
{
	std::vector<std::string> out;
	size_t start = 0;
	for (;;) {
		size_t e = s.find(sep, start);
		if (e == std::string::npos) {
			out.push_back(s.substr(start));
			return out;
		}
		out.push_back(s.substr(start, e - start));
		start = e + 1;
	}
}

// A path pattern as segments plus whether it ends in `**` (segments exclude the `**`).
struct PathPat {
	std::vector<std::string> segs;
	bool subtree = false;

	std::string text() const
	{
		std::string t;
		for (const auto &s : segs)
			t += "/" + s;
		if (subtree)
			t += "/**";
		return t;
	}
};

// Oracle membership of a concrete path (given as segments; "/" is none) in a path pattern.
inline bool oracle_path_match(const PathPat &p, const std::vector<std::string> &path)
{
	if (p.subtree ? path.size() < p.segs.size() : path.size() != p.segs.size())
		return false;
	for (size_t i = 0; i < p.segs.size(); i++) {
		if (!oracle_glob(p.segs[i], path[i]))
			return false;
	}
	return true;
}

// Every string over `alphabet` of length lo..hi, shortest first.
inline std::vector<std::string> all_strings(const std::string &alphabet, size_t lo, size_t hi)
{
	std::vector<std::string> out, level{""};
	for (size_t len = 1; len <= hi; len++) {
		std::vector<std::string> next;
		for (const auto &s : level)
			for (char c : alphabet)
				next.push_back(s + c);
		level = next;
		if (len >= lo)
			out.insert(out.end(), level.begin(), level.end());
	}
	return out;
}

// Collapses runs of '*' (the canonical spelling; same language).
inline std::string collapse_stars(const std::string &s)
{
	std::string out;
	for (char c : s) {
		if (c == '*' && !out.empty() && out.back() == '*')
			continue;
		out += c;
	}
	return out;
}

// A glob segment over {a, b, *} of 1..max_len bytes, no "**".
inline std::string gen_glob_seg(Rng &r, size_t max_len)
{
	for (;;) {
		std::string s;
		size_t len = 1 + r.below(static_cast<uint32_t>(max_len));
		for (size_t i = 0; i < len; i++) {
			uint32_t k = r.below(5);
			s += k < 2 ? 'a' : k < 4 ? 'b' : '*';
		}
		s = collapse_stars(s);
		if (!s.empty())
			return s;
	}
}

// Mutates a glob segment: most moves narrow it (a star becomes a letter, or vanishes, or
// splits around a letter), some widen or change it; the result is canonical, 1..max_len bytes.
inline std::string mutate_seg(Rng &r, const std::string &seg, size_t max_len)
{
	for (int tries = 0; tries < 20; tries++) {
		std::string s = seg;
		size_t pos = r.below(static_cast<uint32_t>(s.size()));
		switch (r.below(7)) {
		case 0: // a star becomes a letter
		case 1:
			if (s[pos] == '*')
				s[pos] = r.chance(50) ? 'a' : 'b';
			break;
		case 2: // a star vanishes
			if (s[pos] == '*')
				s.erase(pos, 1);
			break;
		case 3: // a star becomes star-letter-star
			if (s[pos] == '*')
				s.replace(pos, 1, r.chance(50) ? "*a*" : "*b*");
			break;
		case 4: // a letter becomes a star (widens)
			s[pos] = '*';
			break;
		case 5: // a letter changes
			if (s[pos] != '*')
				s[pos] = s[pos] == 'a' ? 'b' : 'a';
			break;
		default: // a letter is inserted
			s.insert(pos, 1, r.chance(50) ? 'a' : 'b');
			break;
		}
		s = collapse_stars(s);
		if (!s.empty() && s.size() <= max_len)
			return s;
	}
	return seg;
}

// Parses text that must be valid; fails the test (and returns a zeroed cap) if not.
inline co_cap must_parse(const std::string &text)
{
	co_cap c;
	co_cap_error e;
	co_cap_err r = co_cap_parse(text.data(), text.size(), &c, &e);
	EXPECT_EQ(r, CO_CAP_OK) << text << ": " << co_cap_strerror(r) << " at " << e.offset;
	return c;
}

inline std::string format(const co_cap &c)
{
	char buf[COCONUT_CAP_TEXT_MAX];
	size_t n = co_cap_format(&c, buf, sizeof(buf));
	EXPECT_LE(n, sizeof(buf));
	return std::string(buf, n);
}

} // namespace cap_test
