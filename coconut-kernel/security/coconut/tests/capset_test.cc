// Capability sets: present() against brute force ("some cap of the set matches the object"),
// insert/remove against a std::vector model (RapidCheck, so a failure shrinks to a short
// sequence of operations), the index kept consistent through backward-shift deletions, the full
// set, stale handles, and the narrowing rule.
#include "cap_test_util.h"

#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace cap_test;

namespace {

// A set in a full-size store, which never needs to grow.
struct FullSet {
	std::unique_ptr<co_capset_full> f = std::make_unique<co_capset_full>();
	FullSet() { co_capset_init_full(f.get()); }
	co_capset *get() const { return &f->set; }
};

FullSet new_set()
{
	return FullSet();
}

u32 insert(co_capset *s, const std::string &text, u64 derived_from = 0, u32 origin = 0)
{
	const co_cap c = must_parse(text);
	u32 h = 0;
	EXPECT_EQ(co_capset_insert(s, &c, derived_from, origin, &h), CO_CAP_OK) << text;
	EXPECT_NE(h, CO_CAP_HANDLE_NONE);
	return h;
}

// A string literal with its embedded NULs, without the terminating one.
template <size_t N> std::string bytes(const char (&lit)[N])
{
	return std::string(lit, N - 1);
}

u32 present(const co_capset *s, u32 kind, const std::string &obj)
{
	return co_capset_present(s, kind, obj.data(), obj.size());
}

TEST(CapSet, PresentFindsEachShape)
{
	auto s = new_set();
	const u32 lit = insert(s.get(), "fs.read:/home/maya/project/src/file_17.c");
	const u32 sub = insert(s.get(), "fs.read:/home/maya/project/docs/**");
	const u32 glob = insert(s.get(), "fs.read:/home/maya/*.md");
	const u32 root = insert(s.get(), "fs.write:/**");
	const u32 host = insert(s.get(), "net.egress:api.example.com:*");
	const u32 port = insert(s.get(), "net.egress:*.example.com:443");
	const u32 gpu = insert(s.get(), "gpu:1/**");
	const u32 spawn = insert(s.get(), "agent.spawn");
	const u32 tier = insert(s.get(), "mem.tier:*");
	const u32 broker = insert(s.get(), "inference:kvwarden");
	const u32 grant = insert(s.get(), "cap.grant:fs.read:/data/**");

	const u32 R = COCONUT_CAP_FS_READ, W = COCONUT_CAP_FS_WRITE, N = COCONUT_CAP_NET_EGRESS;
	EXPECT_EQ(present(s.get(), R, "/home/maya/project/src/file_17.c"), lit);
	EXPECT_EQ(present(s.get(), R, "/home/maya/project/src/file_18.c"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), R, "/home/maya/project/docs"), sub);
	EXPECT_EQ(present(s.get(), R, "/home/maya/project/docs/a/b/c.txt"), sub);
	EXPECT_EQ(present(s.get(), R, "/home/maya/project/doc"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), R, "/home/maya/project/docsx/a"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), R, "/home/maya/notes.md"), glob);
	EXPECT_EQ(present(s.get(), R, "/home/maya/x/notes.md"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), R, "/home/maya/.ssh/id_ed25519"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), W, "/"), root);
	EXPECT_EQ(present(s.get(), W, "/etc/passwd"), root);
	EXPECT_EQ(present(s.get(), W, "/etc/../passwd"), CO_CAP_HANDLE_NONE);
	// Malformed objects are never allowed, whichever shape of cap would have matched them.
	EXPECT_EQ(present(s.get(), W, bytes("/etc/pa\0ss")), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), W, "/etc//passwd"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), W, "/etc/"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), W, "/" + std::string(256, 'x')), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), R, bytes("/home/maya/project/docs/a\0b")), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), R, "/home/maya/project/docs/./b"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), R, bytes("/home/maya/x\0.md")), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), R, "/home/maya/..md"), glob);
	EXPECT_EQ(present(s.get(), N, "www.example.com:0443"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), N, "api.example.com:8443"), host);
	EXPECT_EQ(present(s.get(), N, "www.example.com:443"), port);
	EXPECT_EQ(present(s.get(), N, "www.example.com:80"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), N, "api.example.com:8080ample.com:801"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_GPU, "1"), gpu);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_GPU, "1/partition/4"), gpu);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_GPU, "0/partition/4"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_AGENT_SPAWN, ""), spawn);
	EXPECT_EQ(co_capset_present(s.get(), COCONUT_CAP_AGENT_SPAWN, nullptr, 0), spawn);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_AUDIT_QUERY, ""), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_MEM_TIER, "ssd"), tier);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_INFERENCE, "kvwarden"), broker);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_INFERENCE, "kvwarden2"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_CAP_GRANT, "fs.read:/data/x/**"), grant);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_CAP_GRANT, "fs.read:/**"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_CAP_GRANT, "cap.grant:fs.read:/data/x"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), 0, "/"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_KIND_COUNT, "/"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(co_capset_count(s.get()), 11u);
}

// A literal cap and a subtree cap at each of many depths, the concrete path deeper than any
// pattern may be: every ancestor depth that holds a subtree cap is probed, no other.
TEST(CapSet, DeepPathsAndEveryDepth)
{
	auto s = new_set();
	std::string p;
	std::vector<u32> handles;
	for (int d = 1; d <= CO_CAP_PATH_SEGMENTS_MAX; d++) {
		p += "/d" + std::to_string(d);
		if (d % 3 == 0)
			handles.push_back(insert(s.get(), "fs.read:" + p + "/**"));
	}
	std::string deep = p;
	for (int d = 0; d < 200; d++)
		deep += "/x";
	EXPECT_EQ(present(s.get(), COCONUT_CAP_FS_READ, deep), handles.front());
	EXPECT_EQ(co_capset_remove(s.get(), handles.front()), CO_CAP_OK);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_FS_READ, deep), handles[1]);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_FS_READ, "/d1/d2/d3"), CO_CAP_HANDLE_NONE);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_FS_READ, "/d1/d2/d3/d4/d5/d6"), handles[1]);
}

// More distinct subtree key lengths than the short list holds: the word-at-a-time path. Each
// subtree cap must be found for its own P, below it, and not for a sibling of the same length.
TEST(CapSet, ManyPrefixLengths)
{
	auto s = new_set();
	std::vector<std::pair<u32, std::string>> subs;
	std::string p;
	for (int d = 1; d <= 24; d++) {
		p += "/s" + std::to_string(d % 10);
		if (d > 1)
			subs.emplace_back(insert(s.get(), "fs.write:" + p + "/**"), p);
	}
	const u32 W = COCONUT_CAP_FS_WRITE;
	// The shortest P below which the object lies answers, whichever is asked.
	for (const auto &[h, prefix] : subs) {
		EXPECT_EQ(present(s.get(), W, prefix), subs.front().first) << prefix;
		EXPECT_EQ(present(s.get(), W, prefix + "/x"), subs.front().first) << prefix;
	}
	// Remove from the shortest: each remaining P is then the answer for itself and below.
	for (size_t i = 0; i < subs.size(); i++) {
		ASSERT_EQ(co_capset_remove(s.get(), subs[i].first), CO_CAP_OK);
		for (size_t j = i + 1; j < subs.size(); j++) {
			ASSERT_EQ(present(s.get(), W, subs[j].second), subs[i + 1].first) << subs[j].second;
			ASSERT_EQ(present(s.get(), W, subs[j].second + "/x/y"), subs[i + 1].first);
		}
		if (i + 1 < subs.size()) {
			// A sibling of the shortest remaining P, same length, other last byte.
			std::string sib = subs[i + 1].second;
			sib.back() = sib.back() == 'z' ? 'y' : 'z';
			ASSERT_EQ(present(s.get(), W, sib), CO_CAP_HANDLE_NONE) << sib;
			ASSERT_EQ(present(s.get(), W, subs[i + 1].second + "x"), CO_CAP_HANDLE_NONE);
			ASSERT_EQ(present(s.get(), W, subs[i + 1].second + "/.."), CO_CAP_HANDLE_NONE);
		}
	}
	EXPECT_EQ(present(s.get(), W, "/s1"), CO_CAP_HANDLE_NONE);
}

// present() agrees with "some cap of the set matches the object" over the small universe, and
// the cap it names does match. Sets mix literal, subtree and glob caps and shrink as they go.
TEST(CapSet, PresentAgreesWithBruteForce)
{
	const uint64_t seed = test_seed(0x5eed0101);
	Rng r(seed);
	const auto segs = all_strings("abc", 1, 3);
	int allowed = 0, denied = 0;
	for (int round = 0; round < 60; round++) {
		auto s = new_set();
		std::vector<std::pair<u32, PathPat>> caps;
		const int n = 1 + static_cast<int>(r.below(40));
		for (int i = 0; i < n; i++) {
			PathPat p;
			p.subtree = r.chance(30);
			const size_t d = (p.subtree ? 0 : 1) + r.below(4);
			for (size_t k = 0; k < d; k++)
				p.segs.push_back(r.chance(75) ? segs[r.below(12)] : gen_glob_seg(r, 3));
			caps.emplace_back(insert(s.get(), "fs.read:" + p.text()), p);
		}
		for (int q = 0; q < 600; q++) {
			if (q % 100 == 99 && !caps.empty()) {
				const size_t i = r.below(static_cast<uint32_t>(caps.size()));
				ASSERT_EQ(co_capset_remove(s.get(), caps[i].first), CO_CAP_OK);
				caps.erase(caps.begin() + static_cast<long>(i));
			}
			std::vector<std::string> path;
			const size_t d = r.below(6);
			for (size_t k = 0; k < d; k++)
				path.push_back(segs[r.below(r.chance(70) ? 12 : static_cast<uint32_t>(segs.size()))]);
			std::string obj = "/";
			for (size_t k = 0; k < path.size(); k++)
				obj += (k ? "/" : "") + path[k];
			bool want = false;
			for (const auto &c : caps)
				want = want || oracle_path_match(c.second, path);
			const u32 h = present(s.get(), COCONUT_CAP_FS_READ, obj);
			ASSERT_EQ(h != CO_CAP_HANDLE_NONE, want) << "seed " << seed << " round " << round << ": " << obj;
			if (h != CO_CAP_HANDLE_NONE) {
				const auto it = std::find_if(caps.begin(), caps.end(),
							     [h](const auto &c) { return c.first == h; });
				ASSERT_NE(it, caps.end());
				ASSERT_TRUE(oracle_path_match(it->second, path)) << it->second.text() << " on " << obj;
				allowed++;
			} else {
				denied++;
			}
		}
	}
	EXPECT_GT(allowed, 5000);
	EXPECT_GT(denied, 5000);
}

TEST(CapSet, FullSetAndHandles)
{
	auto s = new_set();
	std::set<u32> handles;
	for (int i = 0; i < CO_CAP_SET_CAPS_MAX; i++)
		handles.insert(insert(s.get(), "fs.read:/f/" + std::to_string(i), static_cast<u64>(i) * 7,
				      static_cast<u32>(i)));
	EXPECT_EQ(handles.size(), static_cast<size_t>(CO_CAP_SET_CAPS_MAX));
	EXPECT_EQ(co_capset_count(s.get()), static_cast<u32>(CO_CAP_SET_CAPS_MAX));
	const co_cap extra = must_parse("fs.read:/extra");
	u32 h = 12345;
	EXPECT_EQ(co_capset_insert(s.get(), &extra, 0, 0, &h), CO_CAP_E_SET_FULL);
	EXPECT_EQ(h, CO_CAP_HANDLE_NONE);
	EXPECT_EQ(co_capset_count(s.get()), static_cast<u32>(CO_CAP_SET_CAPS_MAX));
	for (int i = 0; i < CO_CAP_SET_CAPS_MAX; i++) {
		const std::string obj = "/f/" + std::to_string(i);
		const u32 got = present(s.get(), COCONUT_CAP_FS_READ, obj);
		ASSERT_NE(got, CO_CAP_HANDLE_NONE) << obj;
		const co_capset_entry *e = co_capset_get(s.get(), got);
		ASSERT_NE(e, nullptr);
		EXPECT_EQ(e->derived_from, static_cast<u64>(i) * 7);
		EXPECT_EQ(e->origin, static_cast<u32>(i));
	}
	// Remove one: its handle goes stale, and the slot's next handle is a new one.
	const u32 old = *handles.begin();
	EXPECT_EQ(co_capset_remove(s.get(), old), CO_CAP_OK);
	EXPECT_EQ(co_capset_remove(s.get(), old), CO_CAP_E_NO_SUCH_HANDLE);
	EXPECT_EQ(co_capset_get(s.get(), old), nullptr);
	EXPECT_EQ(co_capset_insert(s.get(), &extra, 0, 0, &h), CO_CAP_OK);
	EXPECT_NE(h, old);
	EXPECT_EQ(handles.count(h), 0u);
	EXPECT_EQ(co_capset_remove(s.get(), old), CO_CAP_E_NO_SUCH_HANDLE);
	EXPECT_EQ(co_capset_remove(s.get(), CO_CAP_HANDLE_NONE), CO_CAP_E_NO_SUCH_HANDLE);
	EXPECT_EQ(co_capset_remove(s.get(), 0xffffffffu), CO_CAP_E_NO_SUCH_HANDLE);
	EXPECT_EQ(present(s.get(), COCONUT_CAP_FS_READ, "/extra"), h);
}

// 256 literal caps crowd the index into long runs; removing them in random order exercises
// every backward shift, and every remaining cap must still be found after each removal.
TEST(CapSet, IndexStaysConsistentThroughRemovals)
{
	const uint64_t seed = test_seed(0x5eed0102);
	Rng r(seed);
	for (int round = 0; round < 8; round++) {
		auto s = new_set();
		std::vector<std::pair<u32, std::string>> live;
		for (int i = 0; i < CO_CAP_SET_CAPS_MAX; i++) {
			// Half literal paths, half subtree caps, a few duplicates.
			const std::string p = "/r" + std::to_string(r.below(400));
			const std::string text = "fs.read:" + p + (r.chance(50) ? "/**" : "");
			live.emplace_back(insert(s.get(), text), text);
		}
		while (!live.empty()) {
			const size_t i = r.below(static_cast<uint32_t>(live.size()));
			ASSERT_EQ(co_capset_remove(s.get(), live[i].first), CO_CAP_OK);
			live.erase(live.begin() + static_cast<long>(i));
			for (const auto &l : live) {
				const std::string obj = l.second.substr(8, l.second.find("/**") == std::string::npos
										      ? std::string::npos
										      : l.second.size() - 8 - 3);
				const u32 h = present(s.get(), COCONUT_CAP_FS_READ, obj);
				ASSERT_NE(h, CO_CAP_HANDLE_NONE) << "seed " << seed << ": lost " << l.second;
				const co_capset_entry *e = co_capset_get(s.get(), h);
				ASSERT_NE(e, nullptr);
				ASSERT_TRUE(co_cap_matches(&e->cap, obj.data(), obj.size()));
			}
		}
		EXPECT_EQ(co_capset_count(s.get()), 0u);
		EXPECT_EQ(co_capset_next(s.get(), CO_CAP_HANDLE_NONE), CO_CAP_HANDLE_NONE);
	}
}

// ---- Model-based: insert, remove, present against a std::vector ---------------------------------

const char *const kModelCaps[] = {
	"fs.read:/a", "fs.read:/a/b", "fs.read:/a/**", "fs.read:/a/b/**", "fs.read:/**",
	"fs.read:/a/*", "fs.read:/*/b", "fs.read:/a*/**", "fs.write:/a", "fs.write:/a/**",
	"net.egress:h.x:1", "net.egress:h.x:*", "net.egress:*.x:1", "gpu:0/**", "gpu:0/partition/1",
	"gpu:*/partition/1", "inference:kv", "inference:k*", "mem.tier:hbm", "mem.tier:*",
	"agent.spawn", "audit.query", "cap.grant:fs.read:/a/**", "cap.grant:agent.spawn",
};

const std::pair<u32, const char *> kModelObjects[] = {
	{ COCONUT_CAP_FS_READ, "/a" }, { COCONUT_CAP_FS_READ, "/a/b" }, { COCONUT_CAP_FS_READ, "/a/c" },
	{ COCONUT_CAP_FS_READ, "/ab/b" }, { COCONUT_CAP_FS_READ, "/" }, { COCONUT_CAP_FS_READ, "/a/b/c" },
	{ COCONUT_CAP_FS_WRITE, "/a/b" }, { COCONUT_CAP_NET_EGRESS, "h.x:1" },
	{ COCONUT_CAP_NET_EGRESS, "h.x:2" }, { COCONUT_CAP_NET_EGRESS, "g.x:1" },
	{ COCONUT_CAP_GPU, "0" }, { COCONUT_CAP_GPU, "0/partition/1" }, { COCONUT_CAP_GPU, "1/partition/1" },
	{ COCONUT_CAP_INFERENCE, "kv" }, { COCONUT_CAP_INFERENCE, "kx" }, { COCONUT_CAP_MEM_TIER, "hbm" },
	{ COCONUT_CAP_MEM_TIER, "ssd" }, { COCONUT_CAP_AGENT_SPAWN, "" }, { COCONUT_CAP_AUDIT_QUERY, "" },
	{ COCONUT_CAP_CAP_GRANT, "fs.read:/a/b" }, { COCONUT_CAP_CAP_GRANT, "agent.spawn" },
	{ COCONUT_CAP_CAP_GRANT, "fs.read:/b" },
};

struct ModelCap {
	u32 handle;
	std::string text;
	u64 derived_from;
	u32 origin;
};

void check_against_model(const co_capset *s, const std::vector<ModelCap> &model)
{
	RC_ASSERT(co_capset_count(s) == model.size());
	std::set<u32> seen;
	for (u32 h = co_capset_next(s, CO_CAP_HANDLE_NONE); h != CO_CAP_HANDLE_NONE; h = co_capset_next(s, h)) {
		RC_ASSERT(seen.insert(h).second);
		RC_ASSERT(seen.size() <= model.size());
	}
	RC_ASSERT(seen.size() == model.size());
	for (const auto &m : model) {
		const co_capset_entry *e = co_capset_get(s, m.handle);
		RC_ASSERT(e != nullptr);
		RC_ASSERT(format(e->cap) == m.text);
		RC_ASSERT(e->derived_from == m.derived_from);
		RC_ASSERT(e->origin == m.origin);
	}
	for (const auto &[kind, obj] : kModelObjects) {
		const std::string o = obj;
		const u32 h = co_capset_present(s, kind, o.data(), o.size());
		bool want = false;
		for (const auto &m : model) {
			const co_cap c = must_parse(m.text);
			want = want || (c.kind == kind && co_cap_matches(&c, o.data(), o.size()));
		}
		RC_ASSERT((h != CO_CAP_HANDLE_NONE) == want);
		if (h != CO_CAP_HANDLE_NONE) {
			const co_capset_entry *e = co_capset_get(s, h);
			RC_ASSERT(e != nullptr);
			RC_ASSERT(co_cap_matches(&e->cap, o.data(), o.size()));
		}
	}
}

RC_GTEST_PROP(CapSetModel, InsertRemovePresentMatchVectorModel, ())
{
	auto s = new_set();
	std::vector<ModelCap> model;
	std::vector<u32> removed;
	const auto ops = *rc::gen::container<std::vector<std::pair<int, int>>>(
		rc::gen::pair(rc::gen::inRange(0, 10), rc::gen::inRange(0, 1 << 20)));
	for (const auto &[op, arg] : ops) {
		if (op < 6) {
			const std::string text = kModelCaps[static_cast<size_t>(arg) % CO_ARRAY_SIZE(kModelCaps)];
			const co_cap c = must_parse(text);
			u32 h = 0;
			const co_cap_err r = co_capset_insert(s.get(), &c, static_cast<u64>(arg), static_cast<u32>(op), &h);
			if (model.size() == CO_CAP_SET_CAPS_MAX) {
				RC_ASSERT(r == CO_CAP_E_SET_FULL);
				RC_ASSERT(h == CO_CAP_HANDLE_NONE);
			} else {
				RC_ASSERT(r == CO_CAP_OK);
				for (const auto &m : model)
					RC_ASSERT(m.handle != h);
				model.push_back({ h, text, static_cast<u64>(arg), static_cast<u32>(op) });
			}
		} else if (op < 9 && !model.empty()) {
			const size_t i = static_cast<size_t>(arg) % model.size();
			RC_ASSERT(co_capset_remove(s.get(), model[i].handle) == CO_CAP_OK);
			removed.push_back(model[i].handle);
			model.erase(model.begin() + static_cast<long>(i));
		} else if (!removed.empty()) {
			// A stale handle names nothing, even after its entry was reused.
			const u32 stale = removed[static_cast<size_t>(arg) % removed.size()];
			RC_ASSERT(co_capset_remove(s.get(), stale) == CO_CAP_E_NO_SUCH_HANDLE);
			RC_ASSERT(co_capset_get(s.get(), stale) == nullptr);
		}
		check_against_model(s.get(), model);
	}
}

// ---- Stores sized by what a set holds (issue 18, item 3) ----------------------------------------

TEST(CapSet, AStorelessSetHoldsNothing)
{
	co_capset s;
	co_capset_init(&s);
	EXPECT_EQ(co_capset_capacity(&s), 0u);
	for (const auto &[kind, obj] : kModelObjects)
		EXPECT_EQ(co_capset_present(&s, kind, obj, std::strlen(obj)), CO_CAP_HANDLE_NONE) << obj;
	const co_cap c = must_parse("fs.read:/a/**");
	EXPECT_EQ(co_capset_covers(&s, &c), CO_CAP_HANDLE_NONE);
	EXPECT_TRUE(co_capset_covers_all(&s, &s, nullptr));
	EXPECT_EQ(co_capset_next(&s, CO_CAP_HANDLE_NONE), CO_CAP_HANDLE_NONE);
	u32 h = 1;
	EXPECT_EQ(co_capset_insert(&s, &c, 0, 0, &h), CO_CAP_E_SET_FULL);
	EXPECT_EQ(h, CO_CAP_HANDLE_NONE);
	EXPECT_EQ(co_capset_get(&s, 1u << 8), nullptr);
	EXPECT_EQ(co_capset_capacity_for(0), static_cast<u32>(CO_CAP_SET_CAPACITY_MIN));
	EXPECT_EQ(co_capset_capacity_for(CO_CAP_SET_CAPACITY_MIN + 1), 2u * CO_CAP_SET_CAPACITY_MIN);
	EXPECT_EQ(co_capset_capacity_for(CO_CAP_SET_CAPS_MAX), static_cast<u32>(CO_CAP_SET_CAPS_MAX));
	// A small set costs a small store: the 256-cap one was ~88 KiB for every agent.
	EXPECT_LE(CO_CAPSET_STORE_BYTES(CO_CAP_SET_CAPACITY_MIN), 2048u);
}

// A set born in the smallest store, moved into one twice the size whenever an insert finds it
// full, answers exactly as one born full-size: the same handles, present() and covers()
// answers, and iteration order, whatever was inserted (duplicates included) and removed.
RC_GTEST_PROP(CapSetModel, AGrowingStoreAnswersAsAFullOne, ())
{
	auto full = new_set();
	co_capset grow;
	co_capset_init(&grow);
	std::unique_ptr<u64[]> store;
	const auto move_to = [&](u32 capacity) {
		auto next = std::make_unique<u64[]>(CO_CAPSET_STORE_BYTES(capacity) / sizeof(u64));
		void *old = co_capset_move(&grow, next.get(), capacity);
		const bool old_store_returned = old == static_cast<void *>(store.get());
		RC_ASSERT(old_store_returned);
		store = std::move(next);
	};
	move_to(CO_CAP_SET_CAPACITY_MIN);
	std::vector<u32> live;
	const auto ops = *rc::gen::container<std::vector<std::pair<int, int>>>(
		rc::gen::pair(rc::gen::inRange(0, 10), rc::gen::inRange(0, 1 << 20)));
	for (const auto &[op, arg] : ops) {
		if (op < 7) {
			const co_cap c = must_parse(kModelCaps[static_cast<size_t>(arg) % CO_ARRAY_SIZE(kModelCaps)]);
			u32 h_full = 0, h_grow = 0;
			const co_cap_err r_full = co_capset_insert(full.get(), &c, static_cast<u64>(arg), 0, &h_full);
			co_cap_err r_grow = co_capset_insert(&grow, &c, static_cast<u64>(arg), 0, &h_grow);
			if (r_grow == CO_CAP_E_SET_FULL && co_capset_capacity(&grow) < CO_CAP_SET_CAPS_MAX) {
				RC_ASSERT(co_capset_count(&grow) == co_capset_capacity(&grow));
				move_to(2 * co_capset_capacity(&grow));
				r_grow = co_capset_insert(&grow, &c, static_cast<u64>(arg), 0, &h_grow);
			}
			RC_ASSERT(r_full == r_grow);
			RC_ASSERT(h_full == h_grow);
			if (r_full == CO_CAP_OK)
				live.push_back(h_full);
		} else if (!live.empty()) {
			const size_t i = static_cast<size_t>(arg) % live.size();
			RC_ASSERT(co_capset_remove(full.get(), live[i]) == CO_CAP_OK);
			RC_ASSERT(co_capset_remove(&grow, live[i]) == CO_CAP_OK);
			live.erase(live.begin() + static_cast<long>(i));
		}
		RC_ASSERT(co_capset_count(&grow) == co_capset_count(full.get()));
		for (u32 a = co_capset_next(full.get(), CO_CAP_HANDLE_NONE), b = co_capset_next(&grow, CO_CAP_HANDLE_NONE);;
		     a = co_capset_next(full.get(), a), b = co_capset_next(&grow, b)) {
			RC_ASSERT(a == b);
			if (a == CO_CAP_HANDLE_NONE)
				break;
		}
		for (const auto &[kind, obj] : kModelObjects)
			RC_ASSERT(co_capset_present(&grow, kind, obj, std::strlen(obj)) ==
				  co_capset_present(full.get(), kind, obj, std::strlen(obj)));
		for (const char *text : kModelCaps) {
			const co_cap c = must_parse(text);
			RC_ASSERT(co_capset_covers(&grow, &c) == co_capset_covers(full.get(), &c));
		}
	}
}

// ---- Covering sets: grants and the narrowing rule ----------------------------------------------

TEST(CapSet, CoversAndNarrowing)
{
	auto parent = new_set();
	insert(parent.get(), "fs.read:/home/maya/project/**");
	insert(parent.get(), "net.egress:*.example.com:443");
	insert(parent.get(), "agent.spawn");
	const u32 grant = insert(parent.get(), "cap.grant:fs.read:/home/maya/project/**");

	auto child = new_set();
	insert(child.get(), "fs.read:/home/maya/project/src/*.c");
	insert(child.get(), "fs.read:/home/maya/project/README.md");
	insert(child.get(), "net.egress:api.example.com:443");
	u32 uncovered = 1;
	EXPECT_TRUE(co_capset_covers_all(parent.get(), child.get(), &uncovered));
	EXPECT_EQ(uncovered, CO_CAP_HANDLE_NONE);
	EXPECT_TRUE(co_capset_covers_all(parent.get(), child.get(), nullptr));

	const u32 bad = insert(child.get(), "net.egress:api.example.com:*");
	EXPECT_FALSE(co_capset_covers_all(parent.get(), child.get(), &uncovered));
	EXPECT_EQ(uncovered, bad);
	EXPECT_EQ(co_capset_remove(child.get(), bad), CO_CAP_OK);
	const u32 bad2 = insert(child.get(), "fs.read:/home/maya/.ssh/id_ed25519");
	EXPECT_FALSE(co_capset_covers_all(parent.get(), child.get(), &uncovered));
	EXPECT_EQ(uncovered, bad2);

	const co_cap g = must_parse("cap.grant:fs.read:/home/maya/project/src/**");
	EXPECT_EQ(co_capset_covers(parent.get(), &g), grant);
	const co_cap g2 = must_parse("cap.grant:fs.read:/home/**");
	EXPECT_EQ(co_capset_covers(parent.get(), &g2), CO_CAP_HANDLE_NONE);
	// An empty child is covered by anything, an empty parent covers nothing but that.
	auto empty = new_set();
	EXPECT_TRUE(co_capset_covers_all(empty.get(), empty.get(), nullptr));
	EXPECT_TRUE(co_capset_covers_all(parent.get(), empty.get(), nullptr));
	EXPECT_FALSE(co_capset_covers_all(empty.get(), child.get(), nullptr));
}

// covers_all() agrees with pairwise co_cap_covers() (its literal fast path included).
TEST(CapSet, CoversAllAgreesWithPairwise)
{
	const uint64_t seed = test_seed(0x5eed0103);
	Rng r(seed);
	const auto segs = all_strings("ab", 1, 2);
	auto gen = [&](void) {
		PathPat p;
		p.subtree = r.chance(30);
		const size_t d = (p.subtree ? 0 : 1) + r.below(3);
		for (size_t k = 0; k < d; k++)
			p.segs.push_back(r.chance(70) ? segs[r.below(static_cast<uint32_t>(segs.size()))]
						      : gen_glob_seg(r, 2));
		return "fs.read:" + p.text();
	};
	int yes = 0, no = 0;
	for (int round = 0; round < 400; round++) {
		auto parent = new_set(), child = new_set();
		std::vector<co_cap> pc, cc;
		for (int i = 0, n = 1 + static_cast<int>(r.below(12)); i < n; i++) {
			pc.push_back(must_parse(gen()));
			insert(parent.get(), format(pc.back()));
		}
		for (int i = 0, n = static_cast<int>(r.below(4)); i < n; i++) {
			cc.push_back(must_parse(gen()));
			insert(child.get(), format(cc.back()));
		}
		bool want = true;
		for (const auto &c : cc) {
			bool covered = false;
			for (const auto &p : pc)
				covered = covered || co_cap_covers(&p, &c);
			want = want && covered;
			const u32 h = co_capset_covers(parent.get(), &c);
			ASSERT_EQ(h != CO_CAP_HANDLE_NONE, covered) << format(c);
			if (h != CO_CAP_HANDLE_NONE) {
				ASSERT_TRUE(co_cap_covers(&co_capset_get(parent.get(), h)->cap, &c));
			}
		}
		ASSERT_EQ(co_capset_covers_all(parent.get(), child.get(), nullptr), want) << "seed " << seed;
		(want ? yes : no)++;
	}
	EXPECT_GT(yes, 50);
	EXPECT_GT(no, 50);
}

} // namespace
