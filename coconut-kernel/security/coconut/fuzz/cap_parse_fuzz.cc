// Fuzzes capability text and the checks built on it. Input: a capability text, optionally a
// '\n' and a second part, used both as a concrete object and as a second capability.
//  - parse either fails with a known code at an offset within the text, or its canonical
//    format is the input itself (one spelling per capability);
//  - every parsed cap covers itself, and a set holding only it answers present() exactly as
//    co_cap_matches() does for the second part;
//  - when the second part parses too: if the first covers it and it names one object (a
//    literal), the first matches that object.
// Any disagreement aborts, so libFuzzer reports the input.
#include "coconut/cap.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

co_capset g_set; // reset per input, in the smallest store (as most agents' sets are)
u64 g_store[CO_CAPSET_STORE_BYTES(CO_CAP_SET_CAPACITY_MIN) / sizeof(u64)];

void check(bool ok, const char *what)
{
	if (!ok) {
		std::fprintf(stderr, "cap_parse_fuzz: %s\n", what);
		std::abort();
	}
}

bool parse(const std::string &t, co_cap *c)
{
	co_cap_error e;
	const co_cap_err r = co_cap_parse(t.data(), t.size(), c, &e);
	check(r == e.code, "returned code differs from err.code");
	if (r != CO_CAP_OK) {
		check(r > CO_CAP_OK && r < CO_CAP_E_SET_FULL, "parse error out of range");
		check(e.offset <= t.size(), "error offset past the text");
		check(std::strlen(co_cap_strerror(r)) > 0, "unnamed error");
		return false;
	}
	char buf[COCONUT_CAP_TEXT_MAX];
	const size_t n = co_cap_format(c, buf, sizeof(buf));
	check(n == t.size() && std::memcmp(buf, t.data(), n) == 0, "format(parse(s)) != s");
	check(co_cap_covers(c, c), "a cap does not cover itself");
	return true;
}

bool is_literal(const co_cap &c)
{
	return c.kind != COCONUT_CAP_CAP_GRANT &&
	       !(c.flags & (CO_CAP_F_WILDCARD | CO_CAP_F_SUBTREE | CO_CAP_F_ANY_PORT));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const std::string in(reinterpret_cast<const char *>(data), size);
	const size_t nl = in.find('\n');
	const std::string text = in.substr(0, nl);
	const std::string second = nl == std::string::npos ? std::string() : in.substr(nl + 1);

	co_cap a, b;
	if (!parse(text, &a))
		return 0;

	co_capset_init(&g_set);
	(void)co_capset_move(&g_set, g_store, CO_CAP_SET_CAPACITY_MIN);
	u32 h = 0;
	check(co_capset_insert(&g_set, &a, 1, 2, &h) == CO_CAP_OK && h != CO_CAP_HANDLE_NONE,
	      "insert into an empty set failed");
	const bool match = co_cap_matches(&a, second.data(), second.size());
	const u32 got = co_capset_present(&g_set, a.kind, second.data(), second.size());
	check(got == (match ? h : CO_CAP_HANDLE_NONE), "present() disagrees with co_cap_matches()");
	if (a.kind != COCONUT_CAP_CAP_GRANT && match)
		check(co_cap_object_valid(a.kind, second.data(), second.size()),
		      "matched an object that is not well-formed");
	if (is_literal(a))
		check(co_cap_matches(&a, a.object, a.len), "a literal cap does not match its object");

	if (parse(second, &b)) {
		if (co_cap_covers(&a, &b) && is_literal(b))
			check(co_cap_matches(&a, b.object, b.len), "covers a literal but not its object");
		check(co_capset_covers(&g_set, &b) == (co_cap_covers(&a, &b) ? h : CO_CAP_HANDLE_NONE),
		      "co_capset_covers() disagrees with co_cap_covers()");
	}
	check(co_capset_remove(&g_set, h) == CO_CAP_OK && co_capset_count(&g_set) == 0,
	      "remove failed");
	check(co_capset_present(&g_set, a.kind, second.data(), second.size()) == CO_CAP_HANDLE_NONE,
	      "present() after remove");
	return 0;
}
