// The covering relation against brute force. Patterns use only 'a', 'b' and '*'; the universe
// of concrete objects uses 'a', 'b' and 'c'. The third letter matters: it plays the byte that no
// pattern contains, which real objects always have (bytes >= 0x80 in paths, upper case in host
// labels). Without it the finite check would be wrong: over {a, b} every string a...b contains
// "ab", so `a*b` would be included in `*ab*`, which is false for real paths ("acb").
//
// With segments (labels) of 1..3 letters and paths of depth 0..4, the universe holds a witness
// for every non-inclusion between the generated patterns (at most 3 segments before `**`, 4
// without): a pattern's segment with each `*` made 'c', and one segment more than either pattern
// has. So cover() must agree with inclusion computed by enumerating the universe, exactly.
#include "cap_test_util.h"

extern "C" {
#include "../cap_object.h"
}

#include <cstring>
#include <map>
#include <regex>
#include <string>
#include <vector>

using namespace cap_test;

namespace {

constexpr size_t kMaxSegLen = 3;
constexpr size_t kMaxDepth = 4;

// The concrete segments (or labels) and, for each glob, the set of them it matches (by the DP
// oracle, not by the kernel's matcher).
struct SegUniverse {
	std::vector<std::string> segs = all_strings("abc", 1, kMaxSegLen);

	// Memoised: the same few dozen globs come back millions of times.
	mutable std::map<std::string, uint64_t> cache;

	uint64_t mask(const std::string &glob) const
	{
		const auto it = cache.find(glob);
		if (it != cache.end())
			return it->second;
		uint64_t m = 0;
		for (size_t i = 0; i < segs.size(); i++)
			if (oracle_glob(glob, segs[i]))
				m |= 1ull << i;
		cache.emplace(glob, m);
		return m;
	}
};

const SegUniverse &universe()
{
	static const SegUniverse u;
	return u;
}

// Does `pat` accept a path of this many segments, and which segments in each position?
struct PathLang {
	std::vector<uint64_t> masks;
	bool subtree;

	explicit PathLang(const PathPat &p) : subtree(p.subtree)
	{
		for (const auto &s : p.segs)
			masks.push_back(universe().mask(s));
	}
	bool depth_ok(size_t d) const { return subtree ? d >= masks.size() : d == masks.size(); }
	uint64_t at(size_t i) const
	{
		const uint64_t all = (1ull << universe().segs.size()) - 1;
		return i < masks.size() ? masks[i] : all;
	}
};

// Inclusion by enumeration: every concrete path of depth 0..4 that b matches, a matches. Paths
// are enumerated as an odometer over b's matching segments in each position (every segment
// past b's `**`); a position is checked against a when it changes, the others having passed.
bool brute_path_includes(const PathPat &a, const PathPat &b)
{
	const PathLang la(a), lb(b);
	const size_t n = universe().segs.size();
	// Plain arrays: this loop runs millions of times, also in the unoptimised ASan build.
	uint8_t lists[kMaxDepth][64];
	size_t sizes[kMaxDepth], idx[kMaxDepth];
	uint64_t amask[kMaxDepth];
	for (size_t d = 0; d <= kMaxDepth; d++) {
		if (!lb.depth_ok(d))
			continue;
		bool empty = false;
		for (size_t i = 0; i < d; i++) {
			sizes[i] = 0;
			for (size_t k = 0; k < n; k++)
				if ((lb.at(i) >> k) & 1)
					lists[i][sizes[i]++] = static_cast<uint8_t>(k);
			empty = empty || sizes[i] == 0;
			amask[i] = la.at(i);
			idx[i] = 0;
		}
		if (empty)
			continue; // b matches no path of this depth
		if (!la.depth_ok(d))
			return false;
		size_t changed = 0; // positions below it are as in the previous path, which passed
		for (;;) {
			for (size_t i = changed; i < d; i++)
				if (!((amask[i] >> lists[i][idx[i]]) & 1))
					return false;
			size_t k = d;
			while (k > 0 && ++idx[k - 1] == sizes[k - 1])
				idx[--k] = 0;
			if (k == 0)
				break;
			changed = k - 1;
		}
	}
	return true;
}

PathPat gen_path(Rng &r)
{
	PathPat p;
	p.subtree = r.chance(35);
	size_t max_segs = p.subtree ? 3 : 4;
	size_t n = (p.subtree ? 0 : 1) + r.below(static_cast<uint32_t>(max_segs + (p.subtree ? 1 : 0)));
	for (size_t i = 0; i < n; i++)
		p.segs.push_back(r.chance(40) ? std::string(1, "ab"[r.below(2)]) : gen_glob_seg(r, kMaxSegLen));
	return p;
}

// Mostly narrowing edits, so that inclusion holds often enough to be tested both ways.
PathPat mutate_path(Rng &r, PathPat p)
{
	int edits = 1 + static_cast<int>(r.below(2));
	for (int e = 0; e < edits; e++) {
		switch (r.below(6)) {
		case 0: // drop `**`, keeping the path itself (narrows)
			p.subtree = false;
			break;
		case 1: // one level deeper under `**` (narrows) or deeper than the literal (widens)
			if (p.segs.size() < 3)
				p.segs.push_back(gen_glob_seg(r, kMaxSegLen));
			break;
		case 2: // add `**` (widens)
			if (p.segs.size() <= 3)
				p.subtree = true;
			break;
		default:
			if (!p.segs.empty()) {
				size_t i = r.below(static_cast<uint32_t>(p.segs.size()));
				p.segs[i] = mutate_seg(r, p.segs[i], kMaxSegLen);
			}
			break;
		}
	}
	if (p.segs.empty() && !p.subtree)
		p.segs.push_back("a");
	return p;
}

co_cap path_cap(const PathPat &p)
{
	return must_parse("fs.read:" + p.text());
}

// The oracle's own check: the DP glob agrees with std::regex for every glob the generators can
// produce against every concrete segment.
TEST(CapCoverOracle, GlobOracleAgreesWithRegex)
{
	std::vector<std::string> globs = all_strings("ab*", 1, kMaxSegLen);
	for (const auto &g : globs) {
		std::string re;
		for (char c : g)
			re += c == '*' ? std::string("[^/]*") : std::string(1, c);
		const std::regex rx(re);
		for (const auto &s : universe().segs)
			ASSERT_EQ(oracle_glob(g, s), std::regex_match(s, rx)) << g << " " << s;
	}
}

// The linear-time matcher (cap_cover.c: leftmost pieces found with KMP) against the DP oracle,
// exhaustively: every p over {a, b, *} up to 6 bytes against every s over {a, b, *} up to 7
// (a '*' in s is the fresh symbol covers() feeds it, matched only by a star of p). Then long
// crafted pairs (the backtracking worst cases), which the oracle answers in O(|p| |s|).
TEST(CapGlob, LinearMatcherAgreesWithTheOracle)
{
	const std::vector<std::string> ps = all_strings("ab*", 0, 6), ss = all_strings("ab*", 0, 7);
	long agree = 0, matched = 0;
	for (const auto &p : ps)
		for (const auto &s : ss) {
			const bool want = oracle_glob(p, s);
			ASSERT_EQ(co_cap_glob_match(p.data(), static_cast<u32>(p.size()), s.data(),
						    static_cast<u32>(s.size())),
				  want)
				<< "p '" << p << "' s '" << s << "'";
			agree++;
			matched += want;
		}
	EXPECT_GT(matched, agree / 50);
	const std::string a120(120, 'a'), a240(240, 'a');
	const std::pair<std::string, std::string> crafted[] = {
		{ "*" + a120 + "b*xy", a240 + "cxy" },	 { "*" + a120 + "b", a240 + "b" },
		{ "a*" + a120 + "*b", "a" + a240 + "b" }, { "*aab*aab*", std::string(200, 'a') + "aab" },
		{ "*abab*", "aababaabab" },		 { "*aabaab*", "aabaaabaab" },
	};
	for (const auto &[p, s] : crafted)
		EXPECT_EQ(co_cap_glob_match(p.data(), static_cast<u32>(p.size()), s.data(),
					    static_cast<u32>(s.size())),
			  oracle_glob(p, s))
			<< p << " / " << s;
}

TEST(CapCover, PathsAgreeWithBruteForce)
{
	const uint64_t seed = test_seed(0x5eed0001);
	Rng r(seed);
	int included = 0, not_included = 0;
	for (int iter = 0; iter < 6000; iter++) {
		PathPat a = gen_path(r);
		PathPat b = r.chance(70) ? mutate_path(r, a) : gen_path(r);
		if (r.chance(50))
			std::swap(a, b);
		const co_cap ca = path_cap(a), cb = path_cap(b);
		const bool want = brute_path_includes(a, b);
		ASSERT_EQ(co_cap_covers(&ca, &cb), want)
			<< "seed " << seed << " iter " << iter << ": cover(" << a.text() << ", " << b.text()
			<< ") should be " << want;
		(want ? included : not_included)++;
		// One spelling per language: mutual inclusion means the same text.
		if (want && a.text() != b.text() && brute_path_includes(b, a)) {
			ASSERT_EQ(a.text(), b.text());
		}
	}
	EXPECT_GT(included, 1000);
	EXPECT_GT(not_included, 1000);
}

// The classic case the third letter exists for, and a few hand-checked ones.
TEST(CapCover, PathExamples)
{
	struct Case {
		const char *a, *b;
		bool covers;
	} cases[] = {
		{ "fs.read:/*ab*", "fs.read:/a*b", false },
		{ "fs.read:/a*b", "fs.read:/ab", true },
		{ "fs.read:/a*b", "fs.read:/a*b*b", true },
		{ "fs.read:/a*", "fs.read:/*a", false },
		{ "fs.read:/**", "fs.read:/**", true },
		{ "fs.read:/**", "fs.read:/a/*/**", true },
		{ "fs.read:/*/**", "fs.read:/**", false },
		{ "fs.read:/a/**", "fs.read:/a", true },
		{ "fs.read:/a", "fs.read:/a/**", false },
		{ "fs.read:/a/**", "fs.read:/a/b/c", true },
		{ "fs.read:/a/b/**", "fs.read:/a/**", false },
		{ "fs.read:/a/*", "fs.read:/a/b/**", false },
		{ "fs.read:/a/*/**", "fs.read:/a/b/**", true },
		{ "fs.read:/home/maya/project/**", "fs.read:/home/maya/project/src/*.c", true },
		{ "fs.read:/home/maya/project/**", "fs.read:/home/maya/.ssh/id_ed25519", false },
		{ "fs.read:/a/**", "fs.write:/a/b", false },
	};
	for (const auto &c : cases) {
		const co_cap a = must_parse(c.a), b = must_parse(c.b);
		EXPECT_EQ(co_cap_covers(&a, &b), c.covers) << c.a << " covers " << c.b;
	}
}

TEST(CapCover, ReflexiveAndTransitive)
{
	const uint64_t seed = test_seed(0x5eed0002);
	Rng r(seed);
	int chains = 0;
	for (int iter = 0; iter < 20000; iter++) {
		const PathPat a = gen_path(r);
		const PathPat b = r.chance(80) ? mutate_path(r, a) : gen_path(r);
		const PathPat c = r.chance(80) ? mutate_path(r, b) : gen_path(r);
		const co_cap ca = path_cap(a), cb = path_cap(b), cc = path_cap(c);
		ASSERT_TRUE(co_cap_covers(&ca, &ca)) << a.text();
		if (co_cap_covers(&ca, &cb) && co_cap_covers(&cb, &cc)) {
			chains++;
			ASSERT_TRUE(co_cap_covers(&ca, &cc))
				<< "seed " << seed << ": " << a.text() << " > " << b.text() << " > " << c.text();
		}
	}
	EXPECT_GT(chains, 2000);
}

std::string path_text(const std::vector<std::string> &segs)
{
	if (segs.empty())
		return "/";
	std::string t;
	for (const auto &s : segs)
		t += "/" + s;
	return t;
}

// Matching a concrete object, kernel against the oracle (the LSM's question).
TEST(CapMatch, PathsAgreeWithOracle)
{
	const uint64_t seed = test_seed(0x5eed0003);
	Rng r(seed);
	const auto &segs = universe().segs;
	int matched = 0;
	for (int iter = 0; iter < 50000; iter++) {
		const PathPat p = gen_path(r);
		std::vector<std::string> path;
		size_t d = r.below(kMaxDepth + 1);
		for (size_t i = 0; i < d; i++)
			path.push_back(segs[r.below(static_cast<uint32_t>(segs.size()))]);
		const co_cap c = path_cap(p);
		const std::string obj = path_text(path);
		const bool want = oracle_path_match(p, path);
		ASSERT_EQ(co_cap_matches(&c, obj.data(), obj.size()), want)
			<< "seed " << seed << ": " << p.text() << " on " << obj;
		matched += want;
	}
	EXPECT_GT(matched, 4000);
}

// A `*` in a concrete object is a byte; the escape spellings are refused, never matched.
TEST(CapMatch, ConcreteObjects)
{
	struct Case {
		const char *cap, *obj;
		bool match;
	} cases[] = {
		{ "fs.read:/a/*", "/a/*", true },
		{ "fs.read:/a/b", "/a/*", false },
		{ "fs.read:/a/**", "/a", true },
		{ "fs.read:/a/**", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2/3/4/5/6/7",
		  true },
		{ "fs.read:/**", "/", true },
		{ "fs.read:/*", "/", false },
		{ "fs.read:/a/**", "/a/../etc/passwd", false },
		{ "fs.read:/a/**", "/a/./b", false },
		{ "fs.read:/a/**", "/a//b", false },
		{ "fs.read:/a/**", "/a/b/", false },
		{ "fs.read:/a/**", "a/b", false },
		{ "fs.read:/a/**", "", false },
		{ "fs.read:/a/*", "/a/\xc3\xa9", true },
		{ "fs.read:/a/*", "/a/..x", true },
		{ "net.egress:*.example.com:443", "api.example.com:443", true },
		{ "net.egress:*.example.com:443", "example.com:443", false },
		{ "net.egress:*.example.com:443", "a.b.example.com:443", false },
		{ "net.egress:*.example.com:443", "api.example.com:80", false },
		{ "net.egress:api.example.com:*", "api.example.com:80", true },
		{ "net.egress:*:*", "x:1", true },
		{ "net.egress:*:*", "x:0", false },
		{ "net.egress:*:*", "x:01", false },
		{ "net.egress:*:*", "x:65536", false },
		{ "net.egress:*:*", "x..y:1", false },
		{ "net.egress:*:*", ":1", false },
		{ "net.egress:*:*", "a:b:1", false },
		// Found by cap_parse_fuzz: the host:* prefix shortcut must not allow a ':' in a host.
		{ "net.egress:api.example.com:*", "api.example.com:8080ample.com:801", false },
		// Matching knows canonical objects only (issue 18, item 5): an upper-case host is
		// folded by the LSM first (lsm_test), and here matches nothing, where it used to
		// match wildcards only (`*.example.com` took `API.example.com`, the literal did not).
		{ "net.egress:*.example.com:443", "API.example.com:443", false },
		{ "net.egress:api.example.com:443", "API.Example.COM:443", false },
		{ "net.egress:api.example.com:443", "api.example.com:443", true },
		{ "net.egress:*.example.com:443", "api.example.com:443", true },
		// IPv6 literals in RFC 5952's spelling, never matched by a host-name pattern.
		{ "net.egress:[2001:db8::1]:443", "[2001:db8::1]:443", true },
		{ "net.egress:[2001:db8::1]:443", "[2001:DB8:0:0::0001]:443", false },
		{ "net.egress:[2001:db8::1]:443", "[2001:db8::2]:443", false },
		{ "net.egress:[2001:db8::1]:443", "[2001:db8::1]:80", false },
		{ "net.egress:[::1]:*", "[::1]:8080", true },
		{ "net.egress:[::1]:*", "[0:0:0:0:0:0:0:1]:8080", false },
		{ "net.egress:[::1]:*", "[::1]:0", false },
		{ "net.egress:*:*", "[::1]:443", false },
		{ "net.egress:*:443", "[::1]:443", false },
		{ "net.egress:[::1]:443", "::1:443", false },
		{ "net.egress:[::1]:443", "[::1:443", false },
		{ "net.egress:[::1]:443", "[::1::]:443", false },
		{ "net.egress:*:*", "[]:443", false },
		{ "gpu:0/**", "0", true },
		{ "gpu:0/**", "0/partition/3", true },
		{ "gpu:0/**", "1/partition/3", false },
		{ "gpu:*/partition/1", "7/partition/1", true },
		{ "gpu:*/partition/1", "7", false },
		{ "gpu:*/**", "07", false },
		{ "gpu:*/**", "256", false },
		{ "inference:kv*", "kvwarden", true },
		{ "inference:kv*", "vllm", false },
		{ "mem.tier:*", "hbm", true },
		{ "mem.tier:*", "gpu", false },
		{ "mem.tier:ram", "ram", true },
		{ "agent.spawn", "", true },
		{ "agent.spawn", "x", false },
		{ "cap.grant:fs.read:/data/**", "fs.read:/data/x/*", true },
		{ "cap.grant:fs.read:/data/**", "fs.read:/**", false },
		{ "cap.grant:fs.read:/data/**", "fs.write:/data/x", false },
		{ "cap.grant:fs.read:/data/**", "cap.grant:fs.read:/data/x", false },
		{ "cap.grant:fs.read:/data/**", "not a cap", false },
	};
	for (const auto &c : cases) {
		const co_cap cap = must_parse(c.cap);
		const std::string obj = c.obj;
		EXPECT_EQ(co_cap_matches(&cap, obj.data(), obj.size()), c.match) << c.cap << " on " << c.obj;
	}
	const co_cap root = must_parse("fs.read:/**");
	const std::string nul("/a\0b", 4);
	EXPECT_FALSE(co_cap_matches(&root, nul.data(), nul.size()));
	const std::string long_path = "/" + std::string(CO_CAP_OBJECT_BYTES_MAX, 'a');
	EXPECT_FALSE(co_cap_matches(&root, long_path.data(), long_path.size()));
	const std::string long_seg = "/" + std::string(CO_CAP_SEGMENT_BYTES_MAX + 1, 'a');
	EXPECT_FALSE(co_cap_matches(&root, long_seg.data(), long_seg.size()));
	const std::string max_seg = "/" + std::string(CO_CAP_SEGMENT_BYTES_MAX, 'a');
	EXPECT_TRUE(co_cap_matches(&root, max_seg.data(), max_seg.size()));
}

// ---- Hosts --------------------------------------------------------------------------------------

struct HostPat {
	std::vector<std::string> labels;
	int port; // 0: `*`

	std::string text() const
	{
		std::string t;
		for (size_t i = 0; i < labels.size(); i++)
			t += (i ? "." : "") + labels[i];
		return t + ":" + (port ? std::to_string(port) : "*");
	}
};

constexpr int kPorts = 3; // concrete ports 1..3; patterns use 1, 2 or `*`

bool brute_host_includes(const HostPat &a, const HostPat &b)
{
	const size_t n = universe().segs.size();
	if (a.labels.size() != b.labels.size())
		return false; // both languages are non-empty and every host has one label count
	const size_t d = a.labels.size();
	uint64_t ma[3], mb[3];
	size_t idx[3];
	for (size_t i = 0; i < d; i++) {
		ma[i] = universe().mask(a.labels[i]);
		mb[i] = universe().mask(b.labels[i]);
	}
	for (int port = 1; port <= kPorts; port++) {
		if (b.port && b.port != port)
			continue;
		const bool port_in_a = !a.port || a.port == port;
		for (size_t i = 0; i < d; i++)
			idx[i] = 0;
		for (;;) {
			bool in_b = true;
			for (size_t i = 0; i < d && in_b; i++)
				in_b = (mb[i] >> idx[i]) & 1;
			if (in_b) {
				bool in_a = port_in_a;
				for (size_t i = 0; i < d && in_a; i++)
					in_a = (ma[i] >> idx[i]) & 1;
				if (!in_a)
					return false;
			}
			size_t k = 0;
			while (k < d && ++idx[k] == n)
				idx[k++] = 0;
			if (k == d)
				break;
		}
	}
	return true;
}

HostPat gen_host(Rng &r)
{
	HostPat h;
	size_t n = 1 + r.below(3);
	for (size_t i = 0; i < n; i++)
		h.labels.push_back(r.chance(40) ? std::string(1, "ab"[r.below(2)]) : gen_glob_seg(r, kMaxSegLen));
	h.port = static_cast<int>(r.below(3));
	return h;
}

HostPat mutate_host(Rng &r, HostPat h)
{
	switch (r.below(4)) {
	case 0:
		h.port = h.port ? 0 : 1 + static_cast<int>(r.below(2));
		break;
	default: {
		size_t i = r.below(static_cast<uint32_t>(h.labels.size()));
		h.labels[i] = mutate_seg(r, h.labels[i], kMaxSegLen);
		break;
	}
	}
	return h;
}

TEST(CapCover, HostsAgreeWithBruteForce)
{
	const uint64_t seed = test_seed(0x5eed0004);
	Rng r(seed);
	int included = 0, not_included = 0;
	for (int iter = 0; iter < 6000; iter++) {
		HostPat a = gen_host(r);
		HostPat b = r.chance(70) ? mutate_host(r, a) : gen_host(r);
		if (r.chance(50))
			std::swap(a, b);
		const co_cap ca = must_parse("net.egress:" + a.text());
		const co_cap cb = must_parse("net.egress:" + b.text());
		const bool want = brute_host_includes(a, b);
		ASSERT_EQ(co_cap_covers(&ca, &cb), want)
			<< "seed " << seed << ": cover(" << a.text() << ", " << b.text() << ")";
		(want ? included : not_included)++;
		if (want && a.text() != b.text() && brute_host_includes(b, a)) {
			ASSERT_EQ(a.text(), b.text());
		}
		// Matching agrees with the oracle on a random concrete host:port.
		std::string obj;
		std::vector<std::string> labels;
		const size_t d = 1 + r.below(3);
		for (size_t i = 0; i < d; i++) {
			labels.push_back(universe().segs[r.below(static_cast<uint32_t>(universe().segs.size()))]);
			obj += (i ? "." : "") + labels.back();
		}
		const int port = 1 + static_cast<int>(r.below(kPorts));
		obj += ":" + std::to_string(port);
		bool match = labels.size() == a.labels.size() && (!a.port || a.port == port);
		for (size_t i = 0; match && i < labels.size(); i++)
			match = oracle_glob(a.labels[i], labels[i]);
		ASSERT_EQ(co_cap_matches(&ca, obj.data(), obj.size()), match) << a.text() << " on " << obj;
	}
	EXPECT_GT(included, 1000);
	EXPECT_GT(not_included, 1000);
}

// What a caller may pass (co_cap_object_valid, the syscall's check before the LSM): any spelling
// the LSM folds to a canonical one, so upper-case hosts and every IPv6 spelling are objects.
TEST(CapMatch, ValidObjectsAreAnySpellingOfACanonicalOne)
{
	const char *valid[] = { "API.Example.COM:443", "[2001:DB8:0:0::0001]:443", "[::1]:1",
				"[0:0:0:0:0:0:0:0]:80", "a_b:1" };
	const char *invalid[] = { "[::1::2]:443", "[::ffff:1.2.3.4]:443", "[]:1", "[::1]",
				  "a..b:1",	  "A:0" };
	for (const char *o : valid)
		EXPECT_TRUE(co_cap_object_valid(COCONUT_CAP_NET_EGRESS, o, strlen(o))) << o;
	for (const char *o : invalid)
		EXPECT_FALSE(co_cap_object_valid(COCONUT_CAP_NET_EGRESS, o, strlen(o))) << o;
}

// IPv6 caps against each other and against host-name patterns, covering decided by brute force
// over a universe of concrete objects that holds each address in several spellings, host names
// and ports (issue 18, item 5): cover(a, b) iff every object b matches, a matches.
TEST(CapCover, Ipv6AgreesWithBruteForce)
{
	const std::vector<std::string> caps = {
		"[2001:db8::1]:443", "[2001:db8::1]:*", "[2001:db8::2]:443", "[::1]:443",
		"[::1]:*",	     "[::]:443",	"*:443",	     "*:*",
		"a:443",	     "*.b:*",
	};
	const std::vector<std::string> objects = {
		"[2001:db8::1]:443", "[2001:0DB8:0:0:0:0:0:1]:443", "[2001:db8::1]:80",
		"[2001:db8::2]:443", "[::1]:443",		    "[0::1]:443",
		"[::1]:80",	     "[::]:443",		    "[0:0:0:0:0:0:0:0]:80",
		"a:443",	     "A:443",			    "a.b:80",
		"x:443",	     "[::2]:443",		    "x:80",
	};
	int included = 0;
	for (const std::string &at : caps) {
		const co_cap a = must_parse("net.egress:" + at);
		for (const std::string &bt : caps) {
			const co_cap b = must_parse("net.egress:" + bt);
			bool want = true;
			for (const std::string &o : objects)
				if (co_cap_matches(&b, o.data(), o.size()) &&
				    !co_cap_matches(&a, o.data(), o.size()))
					want = false;
			EXPECT_EQ(co_cap_covers(&a, &b), want) << "cover(" << at << ", " << bt << ")";
			included += want;
		}
	}
	EXPECT_GT(included, (int)caps.size()) << "more than the reflexive pairs";
}

// ---- GPU, tiers, brokers, grants, kinds -------------------------------------------------------

// Every GPU pattern over indices {0, 1, *} and partitions {0, 1, *} against every other, with
// inclusion enumerated over GPUs 0..2 and partitions 0..2 (2 is the fresh value).
TEST(CapCover, GpuExhaustive)
{
	std::vector<std::string> pats;
	for (const char *i : { "0", "1", "*" }) {
		pats.push_back(std::string(i) + "/**");
		for (const char *p : { "0", "1", "*" })
			pats.push_back(std::string(i) + "/partition/" + p);
	}
	std::vector<std::string> objs;
	for (int i = 0; i < 3; i++) {
		objs.push_back(std::to_string(i));
		for (int p = 0; p < 3; p++)
			objs.push_back(std::to_string(i) + "/partition/" + std::to_string(p));
	}
	auto member = [](const std::string &pat, const std::string &obj) {
		const auto ps = split(pat, '/'), os = split(obj, '/');
		if (ps[0] != "*" && ps[0] != os[0])
			return false;
		if (ps[1] == "**")
			return true;
		return os.size() == 3 && (ps[2] == "*" || ps[2] == os[2]);
	};
	for (const auto &a : pats) {
		const co_cap ca = must_parse("gpu:" + a);
		for (const auto &b : pats) {
			const co_cap cb = must_parse("gpu:" + b);
			bool want = true;
			for (const auto &o : objs)
				if (member(b, o) && !member(a, o))
					want = false;
			EXPECT_EQ(co_cap_covers(&ca, &cb), want) << a << " covers " << b;
		}
		for (const auto &o : objs)
			EXPECT_EQ(co_cap_matches(&ca, o.data(), o.size()), member(a, o)) << a << " on " << o;
	}
}

TEST(CapCover, TiersExhaustive)
{
	const char *tiers[] = { "hbm", "ram", "ssd", "*" };
	for (const char *a : tiers) {
		const co_cap ca = must_parse(std::string("mem.tier:") + a);
		for (const char *b : tiers) {
			const co_cap cb = must_parse(std::string("mem.tier:") + b);
			const bool want = std::string(a) == "*" || std::string(a) == b;
			EXPECT_EQ(co_cap_covers(&ca, &cb), want) << a << " covers " << b;
		}
	}
}

TEST(CapCover, BrokersAgreeWithBruteForce)
{
	const std::vector<std::string> globs = all_strings("ab*", 1, kMaxSegLen);
	for (const auto &a : globs) {
		if (a.find("**") != std::string::npos)
			continue;
		const co_cap ca = must_parse("inference:" + a);
		const uint64_t ma = universe().mask(a);
		for (const auto &b : globs) {
			if (b.find("**") != std::string::npos)
				continue;
			const co_cap cb = must_parse("inference:" + b);
			const uint64_t mb = universe().mask(b);
			EXPECT_EQ(co_cap_covers(&ca, &cb), (mb & ~ma) == 0) << a << " covers " << b;
		}
	}
}

TEST(CapCover, GrantsCoverWhatTheirCapsCover)
{
	const uint64_t seed = test_seed(0x5eed0005);
	Rng r(seed);
	for (int iter = 0; iter < 3000; iter++) {
		const PathPat a = gen_path(r);
		const PathPat b = r.chance(70) ? mutate_path(r, a) : gen_path(r);
		const co_cap ca = path_cap(a), cb = path_cap(b);
		const co_cap ga = must_parse("cap.grant:fs.read:" + a.text());
		const co_cap gb = must_parse("cap.grant:fs.read:" + b.text());
		const co_cap gw = must_parse("cap.grant:fs.write:" + b.text());
		ASSERT_EQ(co_cap_covers(&ga, &gb), co_cap_covers(&ca, &cb)) << a.text() << " " << b.text();
		ASSERT_FALSE(co_cap_covers(&ga, &cb));
		ASSERT_FALSE(co_cap_covers(&ca, &gb));
		ASSERT_FALSE(co_cap_covers(&ga, &gw));
	}
}

TEST(CapCover, KindsWithoutObject)
{
	const co_cap spawn = must_parse("agent.spawn"), query = must_parse("audit.query");
	const co_cap gspawn = must_parse("cap.grant:agent.spawn");
	EXPECT_TRUE(co_cap_covers(&spawn, &spawn));
	EXPECT_FALSE(co_cap_covers(&spawn, &query));
	EXPECT_FALSE(co_cap_covers(&query, &spawn));
	EXPECT_TRUE(co_cap_covers(&gspawn, &gspawn));
	EXPECT_FALSE(co_cap_covers(&gspawn, &spawn));
}

} // namespace
