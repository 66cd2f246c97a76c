// The syscall layer (kernel/agent/syscalls.c): every malformed argument of every call gets its
// documented errno (docs/uapi.md), leaves nothing allocated, breaks no platform rule, and is
// audited exactly when it is a capability decision; the identity rules; successful calls of
// each kind; determinism (the same calls on two instances give the same returns and audit
// head); and a RapidCheck property over random call sequences (syscall_driver.h).
#include "agent_test_util.h"
#include "syscall_driver.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <functional>
#include <tuple>

using namespace agent_test;

namespace {

// root(1) -> a(2) -> b(3); root -> s(4), a sibling without caps; root -> x(5), exited.
struct World : Kernel {
	World()
	{
		EXPECT_EQ(spawn(1, {"agent.spawn", "fs.read:/data/**", "mem.tier:ram"}, "a"), 2);
		EXPECT_EQ(spawn(2, {"fs.read:/data/b/**"}, "b"), 3);
		EXPECT_EQ(spawn(1, {}, "s"), 4);
		EXPECT_EQ(spawn(1, {}, "x"), 5);
		EXPECT_EQ(co_agent_exit(k, 5), 0);
	}
};

// What a failing call leaves in the chain: nothing (argument and identity errors), one deny
// (a capability decision), or an allow before the operation itself failed.
enum Audit { NONE, DENY, ALLOW };

struct Case {
	std::string what;
	std::function<s64(World &)> call;
	s64 want;
	Audit audit = NONE;
};

const std::string kLongCap = "fs.read:/" + std::string(COCONUT_CAP_TEXT_MAX, 'a');

std::vector<Case> malformed_cases()
{
	static u8 buf[CO_ATTEST_BYTES_MAX];
	static u64 out[2];
	std::vector<Case> c;
	// ---- agent_spawn --------------------------------------------------------------------
	auto spawn = [](World &w, u64 caller, const Bytes &b) {
		return co_sys_agent_spawn(w.k, caller, b.data(), b.size());
	};
	c.push_back({"spawn NULL, 0", [](World &w) { return co_sys_agent_spawn(w.k, 1, nullptr, 0); },
		     -EINVAL});
	c.push_back({"spawn NULL, 8", [](World &w) { return co_sys_agent_spawn(w.k, 1, nullptr, 8); },
		     -EFAULT});
	c.push_back({"spawn len 0", [](World &w) { return co_sys_agent_spawn(w.k, 1, buf, 0); },
		     -EINVAL});
	c.push_back({"spawn huge len",
		     [](World &w) { return co_sys_agent_spawn(w.k, 1, buf, (size_t)-1); }, -E2BIG});
	c.push_back({"spawn bad CBOR", [spawn](World &w) { return spawn(w, 1, {0x1c}); }, -EBADMSG});
	c.push_back({"spawn caller 0", [spawn](World &w) { return spawn(w, 0, w.request({})); },
		     -ESRCH});
	c.push_back({"spawn unknown caller",
		     [spawn](World &w) { return spawn(w, 1000, w.request({})); }, -ESRCH});
	c.push_back({"spawn terminated caller",
		     [spawn](World &w) { return spawn(w, 5, w.request({})); }, -ESTALE});
	c.push_back({"spawn cap too long",
		     [spawn](World &w) { return spawn(w, 1, w.request({kLongCap})); },
		     -ENAMETOOLONG});
	c.push_back({"spawn cap that does not parse",
		     [spawn](World &w) { return spawn(w, 1, w.request({"fs.read:/a/"})); }, -EINVAL});
	c.push_back({"spawn without agent.spawn",
		     [spawn](World &w) { return spawn(w, 4, w.request({})); }, -ECAPABILITY, DENY});
	// ---- agent_attest -------------------------------------------------------------------
	c.push_back({"attest NULL, 0",
		     [](World &w) { return co_sys_agent_attest(w.k, 1, 2, nullptr, 0); }, -EINVAL});
	c.push_back({"attest NULL, 64",
		     [](World &w) { return co_sys_agent_attest(w.k, 1, 2, nullptr, 64); }, -EFAULT});
	c.push_back({"attest len 0", [](World &w) { return co_sys_agent_attest(w.k, 1, 2, buf, 0); },
		     -EINVAL});
	c.push_back({"attest too small",
		     [](World &w) { return co_sys_agent_attest(w.k, 1, 2, buf, 16); }, -EMSGSIZE});
	c.push_back({"attest AID 0",
		     [](World &w) { return co_sys_agent_attest(w.k, 1, 0, buf, sizeof(buf)); },
		     -ESRCH});
	c.push_back({"attest unknown AID",
		     [](World &w) { return co_sys_agent_attest(w.k, 1, 99, buf, sizeof(buf)); },
		     -ESRCH});
	c.push_back({"attest terminated AID",
		     [](World &w) { return co_sys_agent_attest(w.k, 1, 5, buf, sizeof(buf)); },
		     -ESTALE});
	c.push_back({"attest caller 0",
		     [](World &w) { return co_sys_agent_attest(w.k, 0, 2, buf, sizeof(buf)); },
		     -ESRCH});
	c.push_back({"attest terminated caller",
		     [](World &w) { return co_sys_agent_attest(w.k, 5, 2, buf, sizeof(buf)); },
		     -ESTALE});
	c.push_back({"attest by a sibling without audit.query",
		     [](World &w) { return co_sys_agent_attest(w.k, 4, 2, buf, sizeof(buf)); },
		     -ECAPABILITY, DENY});
	// ---- agent_quota --------------------------------------------------------------------
	auto quota = [](World &w, u64 caller, u64 aid, u32 kind, u64 budget, u32 flags,
			u64 *o) { return co_sys_agent_quota(w.k, caller, aid, kind, budget, flags, o); };
	c.push_back({"quota unknown kind",
		     [quota](World &w) { return quota(w, 1, 2, COCONUT_QUOTA_KIND_COUNT, 0, 0, out); },
		     -EINVAL});
	c.push_back({"quota kind ~0",
		     [quota](World &w) { return quota(w, 1, 2, ~0u, 0, 0, out); }, -EINVAL});
	c.push_back({"quota unknown flag",
		     [quota](World &w) { return quota(w, 1, 2, 0, 0, 0x4, out); }, -EINVAL});
	c.push_back({"quota query with a budget",
		     [quota](World &w) { return quota(w, 1, 2, 0, 5, 0, out); }, -EINVAL});
	c.push_back({"quota query with BLOCK",
		     [quota](World &w) { return quota(w, 1, 2, 0, 0, COCONUT_QUOTA_BLOCK, out); },
		     -EINVAL});
	c.push_back({"quota query NULL out",
		     [quota](World &w) { return quota(w, 1, 2, 0, 0, 0, nullptr); }, -EFAULT});
	c.push_back({"quota AID 0", [quota](World &w) { return quota(w, 1, 0, 0, 0, 0, out); },
		     -ESRCH});
	c.push_back({"quota unknown AID",
		     [quota](World &w) { return quota(w, 1, 1u << 20, 0, 0, 0, out); }, -ESRCH});
	c.push_back({"quota terminated AID",
		     [quota](World &w) { return quota(w, 1, 5, 0, 0, 0, out); }, -ESTALE});
	c.push_back({"quota caller 0", [quota](World &w) { return quota(w, 0, 2, 0, 0, 0, out); },
		     -ESRCH});
	c.push_back({"quota set own budget",
		     [quota](World &w) { return quota(w, 2, 2, 0, 9, COCONUT_QUOTA_SET, out); },
		     -EPERM});
	c.push_back({"quota set parent's budget",
		     [quota](World &w) { return quota(w, 3, 2, 0, 9, COCONUT_QUOTA_SET, out); },
		     -EPERM});
	c.push_back({"quota set root's budget",
		     [quota](World &w) { return quota(w, 1, 1, 0, 9, COCONUT_QUOTA_SET, out); },
		     -EPERM});
	c.push_back({"quota query by a sibling",
		     [quota](World &w) { return quota(w, 4, 2, 0, 0, 0, out); }, -EPERM});
	// ---- agent_cap_grant ----------------------------------------------------------------
	auto grant = [](World &w, u64 caller, u64 aid, const std::string &s) {
		return co_sys_agent_cap_grant(w.k, caller, aid, s.data(), s.size());
	};
	c.push_back({"grant NULL, 0",
		     [](World &w) { return co_sys_agent_cap_grant(w.k, 1, 2, nullptr, 0); },
		     -EINVAL});
	c.push_back({"grant NULL, 9",
		     [](World &w) { return co_sys_agent_cap_grant(w.k, 1, 2, nullptr, 9); },
		     -EFAULT});
	c.push_back({"grant over the list limit",
		     [](World &w) {
			     return co_sys_agent_cap_grant(w.k, 1, 2, (const char *)buf,
							   CO_CAP_LIST_BYTES_MAX + 1);
		     },
		     -E2BIG});
	c.push_back({"grant cap too long", [grant](World &w) { return grant(w, 1, 2, kLongCap); },
		     -ENAMETOOLONG});
	c.push_back({"grant cap that does not parse",
		     [grant](World &w) { return grant(w, 1, 2, "fs.read:/a/**/b"); }, -EINVAL});
	c.push_back({"grant empty line",
		     [grant](World &w) { return grant(w, 1, 2, "fs.read:/a\n\nfs.read:/b"); },
		     -EINVAL});
	c.push_back({"grant trailing newline",
		     [grant](World &w) { return grant(w, 1, 2, "fs.read:/a\n"); }, -EINVAL});
	c.push_back({"grant NUL byte",
		     [](World &w) { return co_sys_agent_cap_grant(w.k, 1, 2, "fs.read:/a\0b", 12); },
		     -EINVAL});
	c.push_back({"grant AID 0", [grant](World &w) { return grant(w, 1, 0, "fs.read:/a"); },
		     -ESRCH});
	c.push_back({"grant terminated AID",
		     [grant](World &w) { return grant(w, 1, 5, "fs.read:/a"); }, -ESTALE});
	c.push_back({"grant terminated caller",
		     [grant](World &w) { return grant(w, 5, 2, "fs.read:/a"); }, -ESTALE});
	c.push_back({"grant without cap.grant",
		     [grant](World &w) { return grant(w, 2, 3, "fs.read:/data/b/c"); }, -ECAPABILITY,
		     DENY});
	// ---- agent_cap_revoke ---------------------------------------------------------------
	auto revoke = [](World &w, u64 caller, u64 aid, const std::string &s) {
		return co_sys_agent_cap_revoke(w.k, caller, aid, s.data(), s.size());
	};
	c.push_back({"revoke NULL, 0",
		     [](World &w) { return co_sys_agent_cap_revoke(w.k, 1, 2, nullptr, 0); },
		     -EINVAL});
	c.push_back({"revoke NULL, 5",
		     [](World &w) { return co_sys_agent_cap_revoke(w.k, 1, 2, nullptr, 5); },
		     -EFAULT});
	c.push_back({"revoke cap too long",
		     [revoke](World &w) { return revoke(w, 1, 2, kLongCap); }, -ENAMETOOLONG});
	c.push_back({"revoke huge len",
		     [](World &w) {
			     return co_sys_agent_cap_revoke(w.k, 1, 2, (const char *)buf, (size_t)-1);
		     },
		     -ENAMETOOLONG});
	c.push_back({"revoke two caps",
		     [revoke](World &w) { return revoke(w, 1, 2, "fs.read:/a\nfs.read:/b"); },
		     -EINVAL});
	c.push_back({"revoke cap that does not parse",
		     [revoke](World &w) { return revoke(w, 1, 2, "net.egress:Host:1"); }, -EINVAL});
	c.push_back({"revoke AID 0",
		     [revoke](World &w) { return revoke(w, 1, 0, "fs.read:/data/**"); }, -ESRCH});
	c.push_back({"revoke terminated AID",
		     [revoke](World &w) { return revoke(w, 1, 5, "fs.read:/data/**"); }, -ESTALE});
	c.push_back({"revoke a cap not held",
		     [revoke](World &w) { return revoke(w, 1, 2, "fs.read:/nope"); }, -ENOENT});
	// ---- agent_cap_present --------------------------------------------------------------
	auto present = [](World &w, u64 caller, u64 aid, const std::string &kind,
			  const std::string &obj) {
		return co_sys_agent_cap_present(w.k, caller, aid, kind.data(), kind.size(),
						obj.data(), obj.size());
	};
	c.push_back({"present kind NULL, 0",
		     [](World &w) { return co_sys_agent_cap_present(w.k, 1, 2, nullptr, 0, "/a", 2); },
		     -EINVAL});
	c.push_back({"present kind NULL, 7",
		     [](World &w) { return co_sys_agent_cap_present(w.k, 1, 2, nullptr, 7, "/a", 2); },
		     -EFAULT});
	c.push_back({"present unknown kind",
		     [present](World &w) { return present(w, 1, 2, "fs.exec", "/a"); }, -EINVAL});
	c.push_back({"present kind with the object",
		     [present](World &w) { return present(w, 1, 2, "fs.read:/a", "/a"); }, -EINVAL});
	c.push_back({"present kind name too long",
		     [present](World &w) { return present(w, 1, 2, std::string(40, 'f'), "/a"); },
		     -EINVAL});
	c.push_back({"present object NULL, 4",
		     [](World &w) {
			     return co_sys_agent_cap_present(w.k, 1, 2, "fs.read", 7, nullptr, 4);
		     },
		     -EFAULT});
	c.push_back({"present object missing",
		     [present](World &w) { return present(w, 1, 2, "fs.read", ""); }, -EINVAL});
	c.push_back({"present object where none is",
		     [present](World &w) { return present(w, 1, 2, "agent.spawn", "x"); }, -EINVAL});
	c.push_back({"present object too long",
		     [present](World &w) {
			     return present(w, 1, 2, "fs.read", "/" + std::string(4095, 'a'));
		     },
		     -ENAMETOOLONG});
	c.push_back({"present grant object too long",
		     [present](World &w) { return present(w, 1, 2, "cap.grant", kLongCap); },
		     -ENAMETOOLONG});
	c.push_back({"present malformed path",
		     [present](World &w) { return present(w, 1, 2, "fs.read", "/data/../etc"); },
		     -EINVAL});
	c.push_back({"present malformed tier",
		     [present](World &w) { return present(w, 1, 2, "mem.tier", "vram"); }, -EINVAL});
	c.push_back({"present AID 0",
		     [present](World &w) { return present(w, 1, 0, "fs.read", "/data/a"); }, -ESRCH});
	c.push_back({"present terminated AID",
		     [present](World &w) { return present(w, 1, 5, "fs.read", "/data/a"); },
		     -ESTALE});
	c.push_back({"present by a sibling",
		     [present](World &w) { return present(w, 4, 2, "fs.read", "/data/a"); }, -EPERM});
	c.push_back({"present by a child about its parent",
		     [present](World &w) { return present(w, 3, 2, "fs.read", "/data/a"); }, -EPERM});
	c.push_back({"present not held",
		     [present](World &w) { return present(w, 1, 2, "fs.read", "/etc/passwd"); },
		     -ECAPABILITY, DENY});
	// ---- agent_audit_query --------------------------------------------------------------
	auto query = [](World &w, u64 caller, coconut_audit_filter f, size_t len) {
		static std::vector<u8> qbuf(1u << 20);
		return co_sys_agent_audit_query(w.k, caller, &f, len ? qbuf.data() : nullptr, len);
	};
	auto filter = [] {
		coconut_audit_filter f{};
		f.size = sizeof(f);
		return f;
	};
	c.push_back({"query NULL filter",
		     [](World &w) { return co_sys_agent_audit_query(w.k, 1, nullptr, buf, 64); },
		     -EFAULT});
	c.push_back({"query size 0",
		     [=](World &w) {
			     auto f = filter();
			     f.size = 0;
			     return query(w, 1, f, 4096);
		     },
		     -EINVAL});
	c.push_back({"query size short",
		     [=](World &w) {
			     auto f = filter();
			     f.size = COCONUT_AUDIT_FILTER_SIZE_VER0 - 8;
			     return query(w, 1, f, 4096);
		     },
		     -EINVAL});
	c.push_back({"query size from the future",
		     [=](World &w) {
			     auto f = filter();
			     f.size = COCONUT_AUDIT_FILTER_SIZE_VER0 + 8;
			     return query(w, 1, f, 4096);
		     },
		     -E2BIG});
	c.push_back({"query reserved set",
		     [=](World &w) {
			     auto f = filter();
			     f.reserved = 1;
			     return query(w, 1, f, 4096);
		     },
		     -EINVAL});
	c.push_back({"query unknown type",
		     [=](World &w) {
			     auto f = filter();
			     f.type = COCONUT_EV_TYPE_COUNT;
			     return query(w, 1, f, 4096);
		     },
		     -EINVAL});
	c.push_back({"query cap too long",
		     [=](World &w) {
			     auto f = filter();
			     f.cap_len = COCONUT_CAP_TEXT_MAX + 1;
			     return query(w, 1, f, 4096);
		     },
		     -ENAMETOOLONG});
	c.push_back({"query cap that does not parse",
		     [=](World &w) {
			     auto f = filter();
			     memcpy(f.cap, "fs.read:x", 9);
			     f.cap_len = 9;
			     return query(w, 1, f, 4096);
		     },
		     -EINVAL});
	c.push_back({"query empty time range",
		     [=](World &w) {
			     auto f = filter();
			     f.time_from_ns = 10;
			     f.time_to_ns = 10;
			     return query(w, 1, f, 4096);
		     },
		     -EINVAL});
	c.push_back({"query too many events",
		     [=](World &w) {
			     auto f = filter();
			     f.max_events = CO_AUDIT_SEGMENT_EVENTS_MAX + 1;
			     return query(w, 1, f, 4096);
		     },
		     -EINVAL});
	c.push_back({"query buffer NULL, 0", [=](World &w) { return query(w, 1, filter(), 0); },
		     -EINVAL});
	c.push_back({"query buffer NULL, 64",
		     [=](World &w) {
			     auto f = filter();
			     return co_sys_agent_audit_query(w.k, 1, &f, nullptr, 64);
		     },
		     -EFAULT});
	c.push_back({"query buffer too small", [=](World &w) { return query(w, 1, filter(), 8); },
		     -EMSGSIZE, ALLOW});
	c.push_back({"query caller 0", [=](World &w) { return query(w, 0, filter(), 4096); },
		     -ESRCH});
	c.push_back({"query terminated caller",
		     [=](World &w) { return query(w, 5, filter(), 4096); }, -ESTALE});
	c.push_back({"query without audit.query",
		     [=](World &w) { return query(w, 2, filter(), 4096); }, -ECAPABILITY, DENY});
	// ---- agent_memory_tier --------------------------------------------------------------
	auto tier = [](World &w, u64 caller, u64 aid, u32 t, u64 n) {
		return co_sys_agent_memory_tier(w.k, caller, aid, t, n);
	};
	c.push_back({"tier unknown", [tier](World &w) { return tier(w, 1, 2, 3, 4096); }, -EINVAL});
	c.push_back({"tier ~0", [tier](World &w) { return tier(w, 1, 2, ~0u, 4096); }, -EINVAL});
	c.push_back({"tier 0 bytes", [tier](World &w) { return tier(w, 1, 2, COCONUT_TIER_RAM, 0); },
		     -EINVAL});
	c.push_back({"tier AID 0",
		     [tier](World &w) { return tier(w, 1, 0, COCONUT_TIER_RAM, 4096); }, -ESRCH});
	c.push_back({"tier terminated AID",
		     [tier](World &w) { return tier(w, 1, 5, COCONUT_TIER_RAM, 4096); }, -ESTALE});
	c.push_back({"tier caller 0",
		     [tier](World &w) { return tier(w, 0, 2, COCONUT_TIER_RAM, 4096); }, -ESRCH});
	c.push_back({"tier by a sibling",
		     [tier](World &w) { return tier(w, 4, 2, COCONUT_TIER_RAM, 4096); }, -EPERM});
	c.push_back({"tier not held",
		     [tier](World &w) { return tier(w, 1, 2, COCONUT_TIER_HBM, 4096); }, -ECAPABILITY,
		     DENY});
	c.push_back({"tier beyond the pool",
		     [tier](World &w) { return tier(w, 1, 2, COCONUT_TIER_RAM, ~0ull); }, -ENOMEM,
		     ALLOW});
	// ---- agent_exit ---------------------------------------------------------------------
	c.push_back({"exit flags", [](World &w) { return co_sys_agent_exit(w.k, 2, 2, 1); },
		     -EINVAL});
	c.push_back({"exit caller 0", [](World &w) { return co_sys_agent_exit(w.k, 0, 2, 0); },
		     -ESRCH});
	c.push_back({"exit AID 0", [](World &w) { return co_sys_agent_exit(w.k, 1, 0, 0); },
		     -ESRCH});
	c.push_back({"exit terminated AID",
		     [](World &w) { return co_sys_agent_exit(w.k, 1, 5, 0); }, -ESTALE});
	c.push_back({"exit root", [](World &w) { return co_sys_agent_exit(w.k, 1, 1, 0); },
		     -EPERM});
	c.push_back({"exit by a sibling",
		     [](World &w) { return co_sys_agent_exit(w.k, 4, 2, 0); }, -EPERM});
	return c;
}

TEST(AgentSyscalls, EveryMalformedArgumentGetsItsErrno)
{
	for (const Case &c : malformed_cases()) {
		SCOPED_TRACE(c.what);
		World w;
		// Requests are built before the baseline: only the call itself is measured.
		size_t allocs = w.plat().live_allocations();
		size_t events = w.event_count();
		u64 denies = w.k->lsm_denies;
		s64 r = c.call(w);
		EXPECT_EQ(r, c.want);
		EXPECT_EQ(w.plat().live_allocations(), allocs) << "leak";
		EXPECT_TRUE(w.plat().violations().empty()) << w.plat().violations().front();
		auto evs = w.events_from(events);
		if (c.audit == NONE) {
			EXPECT_TRUE(evs.empty()) << describe(evs);
		} else if (c.audit == ALLOW) {
			ASSERT_FALSE(evs.empty());
			EXPECT_EQ(evs[0].type, (u32)COCONUT_EV_CAP_ALLOW) << describe(evs);
			EXPECT_EQ(w.k->lsm_denies, denies);
		} else {
			ASSERT_FALSE(evs.empty());
			EXPECT_EQ(w.k->lsm_denies, denies + 1);
			size_t deny = 0;
			for (const Event &e : evs)
				deny += e.type == COCONUT_EV_CAP_DENY;
			EXPECT_EQ(deny, 1u) << describe(evs);
		}
		EXPECT_EQ(driver_invariants(w.k), "");
	}
}

TEST(AgentSyscalls, SuccessfulCallsOfEveryKind)
{
	World w;
	// Attest: the agent itself and an ancestor; the answer is the chain's length.
	u8 buf[CO_ATTEST_BYTES_MAX];
	s64 n = co_sys_agent_attest(w.k, 3, 3, buf, sizeof(buf));
	EXPECT_GT(n, 0);
	EXPECT_EQ(co_sys_agent_attest(w.k, 1, 3, buf, (size_t)-1), n) << "a huge length is fine";

	// Quota: an ancestor sets, the agent queries.
	u64 out[2] = {1, 1};
	EXPECT_EQ(co_sys_agent_quota(w.k, 1, 3, COCONUT_QUOTA_HBM, 1 << 20, COCONUT_QUOTA_SET,
				     nullptr),
		  0);
	EXPECT_EQ(co_sys_agent_quota(w.k, 3, 3, COCONUT_QUOTA_HBM, 0, 0, out), 0);
	EXPECT_EQ(out[0], 1u << 20);
	EXPECT_EQ(out[1], 0u);
	EXPECT_EQ(co_sys_agent_quota(w.k, 2, 3, COCONUT_QUOTA_CPU, ~0ull, COCONUT_QUOTA_SET, out),
		  0);
	EXPECT_EQ(out[0], ~0ull);

	// Grant and revoke, then present sees each.
	std::string g = "fs.read:/data/b/extra\nfs.read:/data/b/more";
	EXPECT_EQ(co_sys_agent_cap_grant(w.k, 1, 3, g.data(), g.size()), 0);
	EXPECT_EQ(co_sys_agent_cap_present(w.k, 3, 3, "fs.read", 7, "/data/b/extra", 13), 0);
	std::string r = "fs.read:/data/b/extra";
	EXPECT_EQ(co_sys_agent_cap_revoke(w.k, 1, 3, r.data(), r.size()), 0);
	EXPECT_EQ(co_sys_agent_cap_present(w.k, 2, 3, "fs.read", 7, "/data/b/extra", 13), 0)
		<< "still covered by fs.read:/data/b/**";
	EXPECT_EQ(co_sys_agent_cap_present(w.k, 1, 3, "fs.read", 7, "/data/c", 7), -ECAPABILITY);
	EXPECT_EQ(co_sys_agent_cap_present(w.k, 1, 1, "agent.spawn", 11, nullptr, 0), 0);

	// Audit query: root holds audit.query; a filtered query for AID 3's denies.
	coconut_audit_filter f{};
	f.size = sizeof(f);
	f.aid = 3;
	f.type = COCONUT_EV_CAP_DENY;
	memcpy(f.cap, "fs.read", 7);
	f.cap_len = 7;
	std::vector<u8> qb(1 << 16);
	s64 q = co_sys_agent_audit_query(w.k, 1, &f, qb.data(), qb.size());
	ASSERT_GT(q, 0);
	co_audit_verify_report rep;
	EXPECT_EQ(co_audit_verify_filtered(qb.data(), (size_t)q, w.plat().boot_id(), nullptr, 0,
					   &rep),
		  CO_AUDIT_OK);
	EXPECT_EQ(rep.events_checked, 1u) << "the one deny of /data/c";

	// Memory tier: for itself and by an ancestor; addresses in the RAM range.
	s64 a1 = co_sys_agent_memory_tier(w.k, 2, 2, COCONUT_TIER_RAM, 4096);
	s64 a2 = co_sys_agent_memory_tier(w.k, 1, 2, COCONUT_TIER_RAM, 100);
	EXPECT_GE((u64)a1, CO_TIER_BASE_RAM);
	EXPECT_GT(a2, a1);
	EXPECT_EQ(driver_invariants(w.k), "");
	EXPECT_TRUE(w.plat().violations().empty());
}

// Finding 9 of the security review: a call on another agent's behalf records the caller as the
// event's actor (key 9); a call about oneself, and the kernel's own events, record none. Fails
// with the stamp in co_kernel_audit() taken out (every actor 0).
TEST(AgentSyscalls, ActingForAnotherRecordsTheActor)
{
	World w;
	const u64 before = w.events().size();
	u64 out[2];
	ASSERT_EQ(co_sys_agent_quota(w.k, 2, 3, COCONUT_QUOTA_HBM, 1 << 20, COCONUT_QUOTA_SET,
				     nullptr),
		  0);
	ASSERT_EQ(co_sys_agent_quota(w.k, 3, 3, COCONUT_QUOTA_HBM, 0, 0, out), 0);
	ASSERT_EQ(co_sys_agent_cap_present(w.k, 1, 3, "fs.read", 7, "/data/b/x", 9), 0);
	ASSERT_EQ(co_sys_agent_cap_present(w.k, 3, 3, "fs.read", 7, "/data/b/x", 9), 0);
	ASSERT_GE(co_sys_agent_memory_tier(w.k, 1, 2, COCONUT_TIER_RAM, 4096), (s64)CO_TIER_BASE_RAM);
	ASSERT_GE(co_sys_agent_memory_tier(w.k, 2, 2, COCONUT_TIER_RAM, 4096), (s64)CO_TIER_BASE_RAM);
	ASSERT_EQ(co_agent_quarantine(w.k, 1, 3), 0);
	const std::vector<Event> ev = w.events();
	std::vector<std::tuple<u32, u64, u64>> got; // (type, aid, actor)
	for (size_t i = before; i < ev.size(); i++)
		got.emplace_back(ev[i].type, ev[i].aid, ev[i].actor);
	const std::vector<std::tuple<u32, u64, u64>> want = {
		{ COCONUT_EV_QUOTA, 3, 2 },	// 2 set 3's budget
		{ COCONUT_EV_CAP_ALLOW, 3, 1 }, // root asked about 3
		{ COCONUT_EV_CAP_ALLOW, 3, 0 }, // 3 asked about itself
		{ COCONUT_EV_CAP_ALLOW, 2, 1 }, // root's memory_tier for 2: the check, the extent
		{ COCONUT_EV_MEM_TIER, 2, 1 },
		{ COCONUT_EV_CAP_ALLOW, 2, 0 }, // 2's own
		{ COCONUT_EV_MEM_TIER, 2, 0 },
		{ COCONUT_EV_STATE, 3, 1 },	// root quarantined 3
	};
	EXPECT_EQ(got, want);
	for (const Event &e : ev) {
		if (e.type == COCONUT_EV_SPAWN || e.type == COCONUT_EV_ANCHOR) {
			EXPECT_EQ(e.actor, 0u) << "the kernel's and a spawner's own events name no actor";
		}
	}
	EXPECT_EQ(driver_invariants(w.k), "");
}

// A quarantined caller reads but changes nothing about others.
TEST(AgentSyscalls, QuarantinedCallers)
{
	World w;
	ASSERT_EQ(co_agent_quarantine(w.k, 1, 2), 0);
	u64 out[2];
	u8 buf[CO_ATTEST_BYTES_MAX];
	EXPECT_EQ(co_sys_agent_quota(w.k, 2, 3, 0, 0, 0, out), 0);
	EXPECT_GT(co_sys_agent_attest(w.k, 2, 3, buf, sizeof(buf)), 0);
	EXPECT_EQ(co_sys_agent_quota(w.k, 2, 3, 0, 5, COCONUT_QUOTA_SET, out), -EPERM);
	EXPECT_EQ(co_sys_agent_memory_tier(w.k, 2, 3, COCONUT_TIER_RAM, 4096), -EPERM);
	// On itself, the LSM answers (and the deny is audited).
	size_t before = w.event_count();
	EXPECT_EQ(co_sys_agent_memory_tier(w.k, 2, 2, COCONUT_TIER_RAM, 4096), -ECAPABILITY);
	EXPECT_EQ(w.events_from(before).at(0).type, (u32)COCONUT_EV_CAP_DENY);
	EXPECT_EQ(co_sys_agent_cap_present(w.k, 2, 3, "fs.read", 7, "/data/b/x", 9), 0)
		<< "its child is not quarantined";
}

Bytes fixed_script(uint64_t seed, size_t n)
{
	Bytes b(n);
	for (size_t i = 0; i < n; i++) {
		seed += 0x9e3779b97f4a7c15ull;
		uint64_t z = seed;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		b[i] = (uint8_t)(z ^ (z >> 31));
	}
	return b;
}

TEST(AgentSyscalls, SameCallsSameAuditHead)
{
	for (uint64_t seed : {1ull, 2ull, 3ull}) {
		Bytes script = fixed_script(seed, 4000);
		Kernel a, b;
		DriverResult ra = run_driver(a.k, a.signer, script.data(), script.size(), 400);
		DriverResult rb = run_driver(b.k, b.signer, script.data(), script.size(), 400);
		ASSERT_EQ(ra.error, "");
		ASSERT_EQ(rb.error, "");
		EXPECT_EQ(ra.rets, rb.rets);
		EXPECT_EQ(a.head(), b.head());
		EXPECT_GT(a.event_count(), 50u);
		(void)a.events(); // verifies
	}
	// A different clock gives a different head (time is in every event): the head is a real
	// function of the run, not a constant.
	Bytes script = fixed_script(1, 400);
	Kernel a, b;
	b.plat().set_now_ns(2000);
	run_driver(a.k, a.signer, script.data(), script.size());
	run_driver(b.k, b.signer, script.data(), script.size());
	EXPECT_NE(a.head(), b.head());
}

RC_GTEST_PROP(AgentSyscalls, RandomCallSequencesKeepTheInvariants, (const std::vector<uint8_t> &script))
{
	Kernel t;
	DriverResult r = run_driver(t.k, t.signer, script.data(), script.size());
	RC_ASSERT(r.error == "");
	RC_ASSERT(t.plat().violations().empty());
	size_t allocs_before_destroy = t.plat().live_allocations();
	RC_ASSERT(allocs_before_destroy > 0u);
	co_kernel_destroy(t.k);
	t.k = nullptr;
	RC_ASSERT(t.plat().live_allocations() == 0u);
}

} // namespace
