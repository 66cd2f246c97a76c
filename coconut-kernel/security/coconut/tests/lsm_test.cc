// co_lsm_check(): allow and deny for every kind, exactly one audit event per decision (the
// chain's per-type counts equal the counters, always), the event's fields, quarantined and
// terminated agents, malformed objects, the Capability-denied transitions, and audit
// backpressure, which must never produce a decision without its event.
#include "lsm_test_util.h"

#include "coconut/syscalls.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

using namespace lsm_test;

namespace {

struct KindCase {
	u32 kind;
	const char *cap;
	const char *allowed;
	const char *denied;
};

const KindCase kKinds[] = {
	{ COCONUT_CAP_FS_READ, "fs.read:/data/**", "/data/a/b.txt", "/etc/passwd" },
	{ COCONUT_CAP_FS_WRITE, "fs.write:/data/out/*.log", "/data/out/x.log", "/data/out/x.txt" },
	{ COCONUT_CAP_NET_EGRESS, "net.egress:api.example.com:443", "api.example.com:443",
	  "api.example.com:80" },
	{ COCONUT_CAP_GPU, "gpu:0/partition/1", "0/partition/1", "0/partition/2" },
	{ COCONUT_CAP_INFERENCE, "inference:kvwarden", "kvwarden", "vllm" },
	{ COCONUT_CAP_AGENT_SPAWN, "agent.spawn", "", nullptr },
	{ COCONUT_CAP_CAP_GRANT, "cap.grant:fs.read:/data/**", "fs.read:/data/x/**", "fs.read:/etc" },
	{ COCONUT_CAP_AUDIT_QUERY, "audit.query", "", nullptr },
	{ COCONUT_CAP_MEM_TIER, "mem.tier:hbm", "hbm", "ram" },
};

std::vector<std::string> kind_caps()
{
	std::vector<std::string> v;
	for (const auto &c : kKinds)
		v.push_back(c.cap);
	return v;
}

// The counters against the chain: the parity a release depends on.
void expect_parity(Kernel &t)
{
	struct co_audit_stats s = t.stats();
	EXPECT_EQ(s.by_type[COCONUT_EV_CAP_ALLOW], t.k->lsm_allows);
	EXPECT_EQ(s.by_type[COCONUT_EV_CAP_DENY], t.k->lsm_denies);
}

TEST(LsmCheck, AllowsAndDeniesEveryKind)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, kind_caps());
	u64 none = t.spawn(COCONUT_AID_ROOT, {});
	for (const auto &c : kKinds) {
		SCOPED_TRACE(c.cap);
		u32 h = 12345;
		EXPECT_EQ(t.check(a, c.kind, c.allowed, &h), 0);
		EXPECT_EQ(h, t.handle_of(a, c.cap));
		EXPECT_EQ(t.check(none, c.kind, c.allowed, &h), -ECAPABILITY);
		EXPECT_EQ(h, CO_CAP_HANDLE_NONE);
		if (c.denied) {
			EXPECT_EQ(t.check(a, c.kind, c.denied), -ECAPABILITY);
		}
	}
	EXPECT_EQ(t.k->lsm_allows, CO_ARRAY_SIZE(kKinds));
	EXPECT_EQ(t.k->lsm_denies, 2 * CO_ARRAY_SIZE(kKinds) - 2);
	expect_parity(t);
}

TEST(LsmCheck, EventNamesTheCoveringCapOrTheKind)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**", "fs.read:/data/x" });
	u64 from = t.sealed();
	ASSERT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/data/x/y"), 0);
	ASSERT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc/shadow"), -ECAPABILITY);
	ASSERT_EQ(t.check(a, COCONUT_CAP_NET_EGRESS, "bad host:1"), -ECAPABILITY);
	auto evs = t.events(from);
	std::vector<co_audit_event> decisions;
	for (const auto &ev : evs)
		if (ev.type == COCONUT_EV_CAP_ALLOW || ev.type == COCONUT_EV_CAP_DENY)
			decisions.push_back(ev);
	ASSERT_EQ(decisions.size(), 3u);
	EXPECT_EQ(decisions[0].type, static_cast<u32>(COCONUT_EV_CAP_ALLOW));
	EXPECT_EQ(decisions[0].aid, a);
	EXPECT_EQ(decisions[0].result, 0);
	EXPECT_EQ(cap_of(decisions[0]), "fs.read:/data/**");
	EXPECT_EQ(std::vector<u8>(decisions[0].object_digest, decisions[0].object_digest + 32),
		  blake3("/data/x/y"));
	EXPECT_EQ(decisions[1].type, static_cast<u32>(COCONUT_EV_CAP_DENY));
	EXPECT_EQ(decisions[1].result, -ECAPABILITY);
	EXPECT_EQ(cap_of(decisions[1]), "fs.read");
	EXPECT_EQ(std::vector<u8>(decisions[1].object_digest, decisions[1].object_digest + 32),
		  blake3("/etc/shadow"));
	EXPECT_EQ(cap_of(decisions[2]), "net.egress");
}

// net.egress objects are decided in their canonical spelling (issue 18, item 5): a host name
// in any case meets its lower-case cap through every index of the set (literal, `host:*`
// prefix, glob scan), an IPv6 address in any spelling meets its RFC 5952 cap, and the audit
// row's object digest is of the canonical text.
TEST(LsmCheck, NetObjectsAreDecidedInTheirCanonicalSpelling)
{
	Options o;
	o.root_caps.push_back("net.egress:*.*.*.*:*");
	o.root_caps.push_back("net.egress:[2001:db8::1]:*");
	Kernel t(o);
	u64 a = t.spawn(COCONUT_AID_ROOT,
			{ "net.egress:api.example.com:443", "net.egress:db.example.com:*",
			  "net.egress:*.cdn.example.com:443", "net.egress:[2001:db8::1]:443" });
	u64 from = t.sealed();
	EXPECT_EQ(t.check(a, COCONUT_CAP_NET_EGRESS, "API.Example.COM:443"), 0) << "literal";
	EXPECT_EQ(t.check(a, COCONUT_CAP_NET_EGRESS, "DB.example.com:5432"), 0) << "host:*";
	EXPECT_EQ(t.check(a, COCONUT_CAP_NET_EGRESS, "X.CDN.example.com:443"), 0) << "glob";
	EXPECT_EQ(t.check(a, COCONUT_CAP_NET_EGRESS, "[2001:DB8:0:0::0001]:443"), 0) << "IPv6";
	EXPECT_EQ(t.check(a, COCONUT_CAP_NET_EGRESS, "[2001:db8::2]:443"), -ECAPABILITY);
	EXPECT_EQ(t.check(a, COCONUT_CAP_NET_EGRESS, "API.example.ORG:443"), -ECAPABILITY);
	std::vector<co_audit_event> decisions;
	for (const auto &ev : t.events(from))
		if (ev.type == COCONUT_EV_CAP_ALLOW || ev.type == COCONUT_EV_CAP_DENY)
			decisions.push_back(ev);
	ASSERT_EQ(decisions.size(), 6u);
	EXPECT_EQ(std::vector<u8>(decisions[0].object_digest, decisions[0].object_digest + 32),
		  blake3("api.example.com:443"));
	EXPECT_EQ(std::vector<u8>(decisions[3].object_digest, decisions[3].object_digest + 32),
		  blake3("[2001:db8::1]:443"));
	EXPECT_EQ(cap_of(decisions[3]), "net.egress:[2001:db8::1]:443");
	expect_parity(t);
}

TEST(LsmCheck, QuarantinedAndTerminatedAgentsAreAlwaysDenied)
{
	Kernel t;
	u64 q = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**", "agent.spawn" });
	u64 x = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**" });
	ASSERT_EQ(t.check(q, COCONUT_CAP_FS_READ, "/a"), 0);
	ASSERT_EQ(co_agent_quarantine(t.k, COCONUT_AID_NONE, q), 0);
	u64 denies = t.k->lsm_denies;
	EXPECT_EQ(t.check(q, COCONUT_CAP_FS_READ, "/a"), -ECAPABILITY);
	EXPECT_EQ(t.check(q, COCONUT_CAP_AGENT_SPAWN, ""), -ECAPABILITY);
	EXPECT_EQ(t.state(q), static_cast<u32>(COCONUT_STATE_QUARANTINED));
	ASSERT_EQ(co_agent_exit(t.k, x), 0);
	ASSERT_NE(t.agent(x), nullptr); // a tombstone
	EXPECT_EQ(t.check(x, COCONUT_CAP_FS_READ, "/a"), -ECAPABILITY);
	EXPECT_EQ(t.k->lsm_denies, denies + 3);
	expect_parity(t);
}

TEST(LsmCheck, MalformedObjectsAreAuditedDenies)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, default_root_caps());
	const std::string huge(10000, 'a');
	const std::pair<u32, std::string> bad[] = {
		{ COCONUT_CAP_FS_READ, "" },
		{ COCONUT_CAP_FS_READ, "relative/path" },
		{ COCONUT_CAP_FS_READ, "/a/../etc/passwd" },
		{ COCONUT_CAP_FS_READ, "/a//b" },
		{ COCONUT_CAP_FS_READ, "/a/./b" },
		{ COCONUT_CAP_FS_READ, std::string("/a\0b", 4) },
		{ COCONUT_CAP_FS_READ, "/" + huge },
		{ COCONUT_CAP_FS_WRITE, "/a/" },
		{ COCONUT_CAP_NET_EGRESS, "api.example.com" },
		{ COCONUT_CAP_NET_EGRESS, "api.example.com:0" },
		{ COCONUT_CAP_NET_EGRESS, "api.example.com:65536" },
		{ COCONUT_CAP_NET_EGRESS, "api..com:443" },
		{ COCONUT_CAP_GPU, "0/partition/" },
		{ COCONUT_CAP_GPU, "256" },
		{ COCONUT_CAP_GPU, "00" },
		{ COCONUT_CAP_INFERENCE, "" },
		{ COCONUT_CAP_INFERENCE, "a b" },
		{ COCONUT_CAP_AGENT_SPAWN, "x" },
		{ COCONUT_CAP_AUDIT_QUERY, "x" },
		{ COCONUT_CAP_MEM_TIER, "vram" },
		{ COCONUT_CAP_CAP_GRANT, "fs.read" },
		{ COCONUT_CAP_CAP_GRANT, "cap.grant:fs.read:/a" },
		{ COCONUT_CAP_CAP_GRANT, huge },
		{ 0, "/a" },
		{ COCONUT_CAP_KIND_COUNT, "/a" },
		{ 0xffffffffu, "/a" },
	};
	for (const auto &b : bad)
		EXPECT_EQ(t.check(a, b.first, b.second), -ECAPABILITY)
			<< b.first << " " << b.second.substr(0, 40);
	// No object pointer with a length: a deny, not a dereference.
	t.lock();
	EXPECT_EQ(co_lsm_check(t.k, t.agent(a), COCONUT_CAP_FS_READ, nullptr, 5, nullptr),
		  -ECAPABILITY);
	t.unlock();
	EXPECT_EQ(t.k->lsm_denies, CO_ARRAY_SIZE(bad) + 1);
	EXPECT_EQ(t.k->lsm_allows, 0u);
	expect_parity(t);
	// An unknown kind's deny carries no kind name.
	auto evs = t.events();
	size_t unnamed = 0;
	for (const auto &ev : evs)
		if (ev.type == COCONUT_EV_CAP_DENY && ev.cap_len == 0)
			unnamed++;
	EXPECT_EQ(unnamed, 3u);
}

TEST(LsmCheck, CapabilityDeniedComesAndGoesWithDecisions)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**" });
	struct co_audit_stats before = t.stats();
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc"), -ECAPABILITY);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_CAPABILITY_DENIED));
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc"), -ECAPABILITY);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_CAPABILITY_DENIED));
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/data/f"), 0);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/data/f"), 0);
	struct co_audit_stats after = t.stats();
	EXPECT_EQ(after.by_type[COCONUT_EV_STATE] - before.by_type[COCONUT_EV_STATE], 2u);
	EXPECT_EQ(after.by_type[COCONUT_EV_CAP_DENY] - before.by_type[COCONUT_EV_CAP_DENY], 2u);
	EXPECT_EQ(after.by_type[COCONUT_EV_CAP_ALLOW] - before.by_type[COCONUT_EV_CAP_ALLOW], 2u);
}

// A full ring with nothing to seal it: -EBUSY, no event, no count, no state change.
TEST(LsmCheck, BackpressureIsNotADecision)
{
	Options o;
	o.ring_slots = 8;
	o.seal_inline = false;
	Kernel t(o);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**" });
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	int rc = 0, decided = 0;
	for (int i = 0; i < 20 && rc == 0; i++) {
		rc = t.check(a, COCONUT_CAP_FS_READ, "/data/x");
		decided += rc == 0;
	}
	EXPECT_EQ(rc, -EBUSY);
	EXPECT_EQ(decided, 8);
	EXPECT_EQ(t.k->lsm_allows, 8u);
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc"), -EBUSY);
	EXPECT_EQ(t.k->lsm_denies, 0u);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));

	// One slot free: a plain decision fits, a decision with a transition (2 events) does not.
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	for (int i = 0; i < 7; i++)
		ASSERT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/data/x"), 0);
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc"), -EBUSY);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/data/x"), 0);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc"), -ECAPABILITY);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_CAPABILITY_DENIED));
	expect_parity(t);
}

// Issue 17, finding 7: an agent's refused calls cannot flood the audit path. Its first
// CO_FAIL_BURST_DEFAULT denies are decisions (audited); beyond them a call that would be
// denied answers -EAGAIN with no decision, no event and no counter, while its allowed calls
// still pass; the bucket refills one deny every CO_FAIL_REFILL_NS_DEFAULT; another agent's
// denies are its own; a call made for another agent is charged to its caller. Fails with the
// bucket taken out of co_kernel_audit().
TEST(LsmCheck, AnAgentsRefusalsCannotFloodTheChain)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**" });
	u64 b = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**" });
	u64 c = t.spawn(a, { "fs.read:/data/**" });
	int denied = 0, limited = 0;
	for (u32 i = 0; i < CO_FAIL_BURST_DEFAULT + 100; i++) {
		const int rc = t.check(a, COCONUT_CAP_FS_READ, "/etc/passwd");
		denied += rc == -ECAPABILITY;
		limited += rc == -EAGAIN;
	}
	EXPECT_EQ(denied, (int)CO_FAIL_BURST_DEFAULT);
	EXPECT_EQ(limited, 100);
	EXPECT_EQ(t.k->lsm_denies, (u64)CO_FAIL_BURST_DEFAULT);
	EXPECT_EQ(t.k->fail_limited, 100u);
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/data/x"), 0) << "allowed calls are never limited";
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/etc/passwd"), -ECAPABILITY) << "b's own bucket";

	t.plat.advance_ns(CO_FAIL_REFILL_NS_DEFAULT - 1);
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc/passwd"), -EAGAIN);
	t.plat.advance_ns(1);
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc/passwd"), -ECAPABILITY) << "one back";
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc/passwd"), -EAGAIN);

	// On another's behalf: a's calls about its child c are a's failures, not c's.
	EXPECT_EQ(co_sys_agent_cap_present(t.k, a, c, "fs.read", 7, "/etc/x", 6), -EAGAIN);
	EXPECT_EQ(co_sys_agent_cap_present(t.k, c, c, "fs.read", 7, "/etc/x", 6), -ECAPABILITY);
	t.plat.advance_ns(CO_FAIL_BURST_DEFAULT * CO_FAIL_REFILL_NS_DEFAULT);
	EXPECT_EQ(co_sys_agent_cap_present(t.k, a, c, "fs.read", 7, "/etc/x", 6), -ECAPABILITY)
		<< "a full bucket again";
	expect_parity(t);
}

// A refusal that backpressure kept out of the chain (-EBUSY: no decision) takes no token from
// the agent's bucket: only audited failures count. Fails when the token is taken before the
// append.
TEST(LsmCheck, BackpressureTakesNoFailureToken)
{
	Options o;
	o.ring_slots = 8;
	o.seal_inline = false;
	Kernel t(o);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**" });
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	// Capability-denied first, so later denies append one event each with no room check
	// before: the append itself meets the full ring.
	ASSERT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc"), -ECAPABILITY);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	int taken = 1;
	while (t.check(a, COCONUT_CAP_FS_READ, "/etc") == -ECAPABILITY)
		taken++;
	ASSERT_EQ(taken, 9) << "the transition's two events, then 8 denies fill the ring";
	for (u32 i = 0; i < CO_FAIL_BURST_DEFAULT; i++)
		ASSERT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc"), -EBUSY);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	EXPECT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/etc"), -ECAPABILITY) << "the bucket is full";
	EXPECT_EQ(t.k->fail_limited, 0u);
	expect_parity(t);
}

TEST(LsmCheck, StalledSealerWithInlineSealingRefusesToo)
{
	Options o;
	o.ring_slots = 4;
	Kernel t(o);
	u64 a = t.spawn(COCONUT_AID_ROOT, { "inference:*" });
	co_audit_set_stalled(&t.k->audit, true);
	int rc = 0, decided = 0;
	for (int i = 0; i < 10 && rc == 0; i++) {
		rc = t.check(a, COCONUT_CAP_INFERENCE, "kvwarden");
		decided += rc == 0;
	}
	EXPECT_EQ(rc, -EBUSY);
	EXPECT_EQ(decided, 4);
	co_audit_set_stalled(&t.k->audit, false);
	EXPECT_EQ(t.check(a, COCONUT_CAP_INFERENCE, "kvwarden"), 0);
	EXPECT_EQ(t.k->lsm_allows, 5u);
	expect_parity(t);
}

// ---- Property: answers against an oracle, and the parity, over random sets and objects ----

const char *const kPoolCaps[] = {
	"fs.read:/a/**",     "fs.read:/a/b",	   "fs.read:/a/*.txt",	   "fs.read:/b/*/c",
	"fs.read:/b/**",     "fs.write:/a/b",	   "fs.write:/**",	   "net.egress:a.b:80",
	"net.egress:*.b:*",  "gpu:0/partition/1", "gpu:0/**",		   "inference:kv*",
	"mem.tier:hbm",	     "agent.spawn",	   "cap.grant:fs.read:/a/**",
};

const std::pair<u32, const char *> kPoolObjects[] = {
	{ COCONUT_CAP_FS_READ, "/a" },
	{ COCONUT_CAP_FS_READ, "/a/b" },
	{ COCONUT_CAP_FS_READ, "/a/x.txt" },
	{ COCONUT_CAP_FS_READ, "/b/q/c" },
	{ COCONUT_CAP_FS_READ, "/b" },
	{ COCONUT_CAP_FS_READ, "/c" },
	{ COCONUT_CAP_FS_READ, "/a/../c" },
	{ COCONUT_CAP_FS_WRITE, "/a/b" },
	{ COCONUT_CAP_FS_WRITE, "/z" },
	{ COCONUT_CAP_NET_EGRESS, "a.b:80" },
	{ COCONUT_CAP_NET_EGRESS, "c.b:443" },
	{ COCONUT_CAP_NET_EGRESS, "a.c:80" },
	{ COCONUT_CAP_GPU, "0/partition/1" },
	{ COCONUT_CAP_GPU, "0" },
	{ COCONUT_CAP_GPU, "1/partition/1" },
	{ COCONUT_CAP_INFERENCE, "kvwarden" },
	{ COCONUT_CAP_INFERENCE, "vllm" },
	{ COCONUT_CAP_MEM_TIER, "hbm" },
	{ COCONUT_CAP_MEM_TIER, "ssd" },
	{ COCONUT_CAP_AGENT_SPAWN, "" },
	{ COCONUT_CAP_AUDIT_QUERY, "" },
	{ COCONUT_CAP_CAP_GRANT, "fs.read:/a/b" },
	{ COCONUT_CAP_CAP_GRANT, "fs.read:/b" },
	{ 0, "" },
};

// The oracle: the pure matcher over the texts, not the set's index.
bool oracle(const std::vector<std::string> &caps, u32 kind, const std::string &obj)
{
	for (const auto &text : caps) {
		co_cap cap;
		if (co_cap_parse(text.data(), text.size(), &cap, nullptr) != CO_CAP_OK)
			continue;
		if (cap.kind == kind && co_cap_matches(&cap, obj.data(), obj.size()))
			return true;
	}
	return false;
}

RC_GTEST_PROP(LsmCheckProp, AnswersMatchTheOracleAndEveryDecisionIsAudited, ())
{
	const auto ncaps = *rc::gen::inRange<size_t>(0, CO_ARRAY_SIZE(kPoolCaps) + 1);
	const auto picks = *rc::gen::container<std::vector<size_t>>(
		ncaps, rc::gen::inRange<size_t>(0, CO_ARRAY_SIZE(kPoolCaps)));
	const auto ops = *rc::gen::container<std::vector<size_t>>(
		rc::gen::inRange<size_t>(0, CO_ARRAY_SIZE(kPoolObjects)));
	const bool quarantine_at_half = *rc::gen::arbitrary<bool>();

	Kernel t;
	std::vector<std::string> caps;
	for (size_t i : picks)
		caps.push_back(kPoolCaps[i]);
	u64 a = t.spawn(COCONUT_AID_ROOT, caps);
	u64 allows = 0, denies = 0;
	for (size_t n = 0; n < ops.size(); n++) {
		if (quarantine_at_half && n == ops.size() / 2)
			RC_ASSERT(co_agent_quarantine(t.k, COCONUT_AID_NONE, a) == 0);
		const auto &o = kPoolObjects[ops[n]];
		const bool live = t.state(a) != COCONUT_STATE_QUARANTINED;
		const bool expect = live && oracle(caps, o.first, o.second);
		RC_ASSERT(t.check(a, o.first, o.second) == (expect ? 0 : -ECAPABILITY));
		(expect ? allows : denies)++;
	}
	RC_ASSERT(t.k->lsm_allows == allows);
	RC_ASSERT(t.k->lsm_denies == denies);
	struct co_audit_stats s = t.stats();
	RC_ASSERT(s.by_type[COCONUT_EV_CAP_ALLOW] == allows);
	RC_ASSERT(s.by_type[COCONUT_EV_CAP_DENY] == denies);
}

} // namespace
