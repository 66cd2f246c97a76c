// co_capset_present(), the LSM hot path, against a bare std::unordered_set<std::string> lookup of
// the same "kind:object" keys (cap_present/{ours,ref}/{allow,deny}_{1,16,256}). The target is
// ours/ref time <= 2.0: the price of answering the real question (subtree and glob caps, a
// checked and split path) over an exact-string lookup that answers only for literal caps.
//
// The sets are realistic: literal files of a project, a few subtree caps (docs/, the toolchain,
// a cache) and, from 16 caps on, a couple of globs. "allow" objects are covered (by literal and
// by subtree caps), "deny" objects are not (the same tree, a sibling file, ~/.ssh). Every
// benchmark checks every answer and aborts on a wrong one, so the ctest smoke run means the
// measured path gives the right answers.
#include "coconut/cap.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

struct Case {
	std::unique_ptr<co_capset_full> set; // full-size store: the set a bench grows
	std::unordered_set<std::string> ref;
	std::vector<std::string> allow, deny;          // concrete objects
	std::vector<std::string> allow_key, deny_key;  // "fs.read:" + object, for the reference
};

void fail(const char *what, const std::string &detail)
{
	std::fprintf(stderr, "cap_bench: %s: %s\n", what, detail.c_str());
	std::abort();
}

void add(Case &c, const std::string &text)
{
	co_cap cap;
	co_cap_error err;
	if (co_cap_parse(text.data(), text.size(), &cap, &err) != CO_CAP_OK)
		fail("bad cap", text);
	u32 h;
	if (co_capset_insert(&c.set->set, &cap, 0, 0, &h) != CO_CAP_OK)
		fail("insert", text);
	c.ref.insert(text);
}

std::string file(int i)
{
	return "/home/maya/project/src/file_" + std::to_string(i) + ".c";
}

Case make_case(int caps)
{
	Case c;
	c.set = std::make_unique<co_capset_full>();
	co_capset_init_full(c.set.get());
	// Subtree and glob caps first (a handful whatever the size), then literal files.
	std::vector<std::string> extra;
	if (caps >= 16) {
		extra = { "fs.read:/home/maya/project/docs/**", "fs.read:/usr/lib/gcc/**",
			  "fs.read:/home/maya/.cache/pip/**", "fs.read:/home/maya/project/*.md" };
	}
	if (caps >= 256) {
		for (int i = 0; i < 12; i++)
			extra.push_back("fs.read:/home/maya/project/vendor/lib" + std::to_string(i) + "/**");
		extra.push_back("fs.read:/home/maya/project/tests/*_test.c");
		extra.push_back("fs.read:/opt/models/**");
		extra.push_back("fs.read:/etc/ssl/certs/**");
	}
	for (const auto &e : extra)
		add(c, e);
	const int files = caps - static_cast<int>(extra.size());
	for (int i = 0; i < files; i++)
		add(c, "fs.read:" + file(i));
	if (co_capset_count(&c.set->set) != static_cast<u32>(caps))
		fail("count", std::to_string(caps));

	// Allowed: literal files, and (with subtree caps) objects under them.
	for (int i = 0; i < 16; i++)
		c.allow.push_back(file(i % files));
	if (caps >= 16) {
		c.allow.push_back("/home/maya/project/docs/design/cap.md");
		c.allow.push_back("/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h");
		c.allow.push_back("/home/maya/project/README.md");
		c.allow.push_back("/home/maya/.cache/pip/http/a/b/c/d");
	}
	if (caps >= 256) {
		c.allow.push_back("/home/maya/project/vendor/lib3/src/x.c");
		c.allow.push_back("/home/maya/project/tests/cap_test.c");
		c.allow.push_back("/opt/models/llama/weights.bin");
	}
	// Denied: siblings of allowed files, secrets, other trees.
	const char *const deny[] = {
		"/home/maya/.ssh/id_ed25519", "/home/maya/project/src/file_9999.c", "/etc/shadow",
		"/home/maya/project/src/secret.h", "/home/maya/project/docsx/a.md",
		"/home/maya/project/src/sub/file_1.c", "/usr/lib/gcc2/x", "/root/.bash_history",
		"/home/maya/project/vendor/lib99/src/x.c", "/home/maya/project/tests/cap_test.h",
		"/home/maya/.cache/pipx/x", "/home/maya/project/notes.txt",
	};
	for (const char *d : deny)
		c.deny.push_back(d);
	for (const auto &a : c.allow)
		c.allow_key.push_back("fs.read:" + a);
	for (const auto &d : c.deny)
		c.deny_key.push_back("fs.read:" + d);
	// The answers, checked once before any timing.
	for (const auto &a : c.allow)
		if (co_capset_present(&c.set->set, COCONUT_CAP_FS_READ, a.data(), a.size()) ==
		    CO_CAP_HANDLE_NONE)
			fail("allow case denied", a);
	for (const auto &d : c.deny)
		if (co_capset_present(&c.set->set, COCONUT_CAP_FS_READ, d.data(), d.size()) !=
		    CO_CAP_HANDLE_NONE)
			fail("deny case allowed", d);
	return c;
}

const Case &get_case(int caps)
{
	static const Case c1 = make_case(1), c16 = make_case(16), c256 = make_case(256);
	return caps == 1 ? c1 : caps == 16 ? c16 : c256;
}

void ours(benchmark::State &state, int caps, bool allow)
{
	const Case &c = get_case(caps);
	const auto &objs = allow ? c.allow : c.deny;
	const size_t n = objs.size();
	size_t i = 0, granted = 0, asked = 0;
	for (auto _ : state) {
		const std::string &o = objs[i];
		const u32 h = co_capset_present(&c.set->set, COCONUT_CAP_FS_READ, o.data(), o.size());
		benchmark::DoNotOptimize(h);
		granted += h != CO_CAP_HANDLE_NONE;
		asked++;
		if (++i == n)
			i = 0;
	}
	if (granted != (allow ? asked : 0))
		fail(allow ? "allow case denied" : "deny case allowed", std::to_string(caps));
	state.SetItemsProcessed(static_cast<int64_t>(asked));
}

void ref(benchmark::State &state, int caps, bool allow)
{
	const Case &c = get_case(caps);
	const auto &keys = allow ? c.allow_key : c.deny_key;
	const size_t n = keys.size();
	size_t i = 0, found = 0, asked = 0;
	for (auto _ : state) {
		const bool hit = c.ref.find(keys[i]) != c.ref.end();
		benchmark::DoNotOptimize(hit);
		found += hit;
		asked++;
		if (++i == n)
			i = 0;
	}
	// Only literal caps can be found by an exact lookup; a denied key never is.
	if (!allow && found != 0)
		fail("reference found a denied key", std::to_string(caps));
	state.SetItemsProcessed(static_cast<int64_t>(asked));
}

void register_all()
{
	for (int caps : { 1, 16, 256 }) {
		for (bool allow : { true, false }) {
			const std::string name = std::string(allow ? "allow_" : "deny_") + std::to_string(caps);
			benchmark::RegisterBenchmark(("cap_present/ours/" + name).c_str(),
						     [caps, allow](benchmark::State &s) { ours(s, caps, allow); });
			benchmark::RegisterBenchmark(("cap_present/ref/" + name).c_str(),
						     [caps, allow](benchmark::State &s) { ref(s, caps, allow); });
		}
	}
}

} // namespace

int main(int argc, char **argv)
{
	register_all();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
