// co_cap_grant(): derivation from the parent's covering cap, all or nothing (a batch with one bad
// cap grants nothing and appends no GRANT), escalation refused (the caller's cap.grant, the
// parent's narrowing, the target's ceiling), every error, audit backpressure, and the narrowing
// invariant over random trees and grant sequences (RapidCheck).
#include "lsm_test_util.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

using namespace lsm_test;

namespace {

size_t count_events(const std::vector<co_audit_event> &evs, u32 type, int result = 1)
{
	size_t n = 0;
	for (const auto &ev : evs)
		if (ev.type == type && (result == 1 || ev.result == result))
			n++;
	return n;
}

TEST(Grant, EachCapDerivesFromTheParentsCoveringCap)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**", "cap.grant:fs.read:/data/**" });
	u64 b = t.spawn(a, {});
	u64 from = t.sealed();
	ASSERT_EQ(t.grant(a, b, "fs.read:/data/x\nfs.read:/data/y/**"), 0);
	EXPECT_EQ(t.caps(b), (std::vector<std::string>{ "fs.read:/data/x", "fs.read:/data/y/**" }));
	const u32 parent_cap = t.handle_of(a, "fs.read:/data/**");
	const co_capset_entry *x = co_capset_get(&t.agent(b)->caps, t.handle_of(b, "fs.read:/data/x"));
	const co_capset_entry *y =
		co_capset_get(&t.agent(b)->caps, t.handle_of(b, "fs.read:/data/y/**"));
	EXPECT_EQ(x->derived_from, parent_cap);
	EXPECT_EQ(y->derived_from, parent_cap);
	EXPECT_NE(x->origin, 0u);
	EXPECT_EQ(x->origin, y->origin); // one grant id per call
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/data/y/z"), 0);
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/data/z"), -ECAPABILITY);

	auto evs = t.events(from);
	std::vector<co_audit_event> grants;
	for (const auto &ev : evs)
		if (ev.type == COCONUT_EV_GRANT)
			grants.push_back(ev);
	ASSERT_EQ(grants.size(), 2u);
	EXPECT_EQ(grants[0].aid, a);
	EXPECT_EQ(grants[0].arg, b);
	EXPECT_EQ(grants[0].result, 0);
	EXPECT_EQ(cap_of(grants[0]), "fs.read:/data/x");
	EXPECT_EQ(cap_of(grants[1]), "fs.read:/data/y/**");
	// The caller's right was asked once per cap, as an audited decision.
	ASSERT_GE(evs.size(), 2u);
	EXPECT_EQ(evs[0].type, static_cast<u32>(COCONUT_EV_CAP_ALLOW));
	EXPECT_EQ(cap_of(evs[0]), "cap.grant:fs.read:/data/**");
	EXPECT_EQ(std::vector<u8>(evs[0].object_digest, evs[0].object_digest + 32),
		  blake3("fs.read:/data/x"));

	// A second grant: a new id, and the same cap again is a second entry.
	ASSERT_EQ(t.grant(a, b, "fs.read:/data/x"), 0);
	EXPECT_EQ(t.caps(b).size(), 3u);
	std::set<u32> origins;
	const co_capset *set = &t.agent(b)->caps;
	for (u32 h = co_capset_next(set, CO_CAP_HANDLE_NONE); h; h = co_capset_next(set, h)) {
		if (Kernel::text(&co_capset_get(set, h)->cap) == "fs.read:/data/x")
			origins.insert(co_capset_get(set, h)->origin);
	}
	EXPECT_EQ(origins.size(), 2u);
}

TEST(Grant, ABatchWithOneBadCapGrantsNothing)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT,
			{ "fs.read:/data/**", "fs.write:/data/**", "cap.grant:fs.read:/data/**" });
	u64 b = t.spawn(a, {});
	struct co_audit_stats s0 = t.stats();

	// A line that does not parse: refused before any decision or event.
	EXPECT_EQ(t.grant(a, b, "fs.read:/data/x\nfs.read:data/y"), -EINVAL);
	struct co_audit_stats s1 = t.stats();
	EXPECT_EQ(s1.appended, s0.appended);

	// The caller may grant the first but not the second: two decisions, nothing granted.
	EXPECT_EQ(t.grant(a, b, "fs.read:/data/x\nfs.write:/data/x"), -ECAPABILITY);
	struct co_audit_stats s2 = t.stats();
	EXPECT_EQ(s2.by_type[COCONUT_EV_CAP_ALLOW] - s1.by_type[COCONUT_EV_CAP_ALLOW], 1u);
	EXPECT_EQ(s2.by_type[COCONUT_EV_CAP_DENY] - s1.by_type[COCONUT_EV_CAP_DENY], 1u);
	EXPECT_EQ(s2.by_type[COCONUT_EV_GRANT], s1.by_type[COCONUT_EV_GRANT]);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_CAPABILITY_DENIED));

	// Root may grant both, but b's parent (a) does not cover the second: one refusal event.
	u64 from = t.sealed();
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/data/x\nfs.read:/etc/x"), -ECAPABILITY);
	auto evs = t.events(from);
	EXPECT_EQ(count_events(evs, COCONUT_EV_CAP_ALLOW), 2u);
	ASSERT_EQ(count_events(evs, COCONUT_EV_GRANT), 1u);
	for (const auto &ev : evs)
		if (ev.type == COCONUT_EV_GRANT) {
			EXPECT_EQ(ev.result, -ECAPABILITY);
			EXPECT_EQ(cap_of(ev), "fs.read:/etc/x");
			EXPECT_EQ(ev.arg, b);
		}
	EXPECT_TRUE(t.caps(b).empty());
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/data/x"), -ECAPABILITY);
}

TEST(Grant, EscalationIsRefused)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**" });
	u64 b = t.spawn(a, {});
	u64 c = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**", "cap.grant:fs.read:/**" });
	u64 d = t.spawn(c, {});
	// No cap.grant at all.
	EXPECT_EQ(t.grant(a, b, "fs.read:/data/x"), -ECAPABILITY);
	// Nor to itself, though its parent covers it.
	EXPECT_EQ(t.grant(a, a, "fs.read:/data/x"), -ECAPABILITY);
	// The right to grant does not lift the parent's bound.
	EXPECT_EQ(t.grant(c, d, "fs.read:/home/x"), -ECAPABILITY);
	EXPECT_EQ(t.grant(c, d, "fs.read:/**"), -ECAPABILITY);
	// cap.grant:fs.read:/** does not cover another kind.
	EXPECT_EQ(t.grant(c, d, "inference:kv"), -ECAPABILITY);
	EXPECT_TRUE(t.caps(d).empty());
	// What the parent covers, a holder of the right may grant, in its own subtree only.
	EXPECT_EQ(t.grant(c, d, "fs.read:/data/x"), 0);
	EXPECT_EQ(t.caps(d), std::vector<std::string>{ "fs.read:/data/x" });
	EXPECT_EQ(t.grant(c, b, "fs.read:/data/x"), -EPERM);
	EXPECT_TRUE(t.caps(b).empty());
}

// The authority rule (docs/lsm.md, "Who may grant and revoke"): a cap.grant holder grants only
// in its own subtree. Before it, any holder could push caps onto another tenant's agents up to
// their ceiling.
TEST(Grant, NoCallerPushesCapsIntoAnotherSubtree)
{
	Kernel t;
	u64 acme = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**", "agent.spawn", "cap.grant:fs.read:/**" },
			   nullptr, "acme", 1);
	u64 acme_w = t.spawn(acme, {}, nullptr, "acme-worker", 1);
	u64 zeta = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**", "agent.spawn" }, nullptr, "zeta", 2);
	u64 zeta_w = t.spawn(zeta, {}, nullptr, "zeta-worker", 2);
	const u64 denies = t.k->lsm_denies, allows = t.k->lsm_allows, sealed = t.sealed();

	EXPECT_EQ(t.grant(acme, zeta_w, "fs.read:/secrets/x"), -EPERM);
	EXPECT_EQ(t.grant(acme, zeta, "fs.read:/secrets/x"), -EPERM);
	EXPECT_EQ(t.grant(acme_w, acme, "fs.read:/x"), -EPERM);
	EXPECT_EQ(t.grant(acme, COCONUT_AID_ROOT, "fs.read:/x"), -EPERM);
	EXPECT_TRUE(t.caps(zeta_w).empty());
	EXPECT_EQ(t.caps(zeta).size(), 2u);
	EXPECT_EQ(t.k->lsm_denies, denies);
	EXPECT_EQ(t.k->lsm_allows, allows);
	EXPECT_EQ(t.sealed(), sealed);
	// In its own subtree the right works as before.
	EXPECT_EQ(t.grant(acme, acme_w, "fs.read:/data/x"), 0);
	EXPECT_EQ(t.caps(acme_w), std::vector<std::string>{ "fs.read:/data/x" });
}

TEST(Grant, TheTargetsCeilingBoundsIt)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**", "fs.write:/data/**" });
	const std::vector<std::string> ceiling = { "fs.read:/data/**" };
	u64 b = t.spawn(a, {}, &ceiling);
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/data/x\nfs.write:/data/x"), -ECAPABILITY);
	EXPECT_TRUE(t.caps(b).empty());
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/data/x"), 0);
}

TEST(Grant, Errors)
{
	Options o;
	o.ring_slots = 16;
	Kernel t(o);
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**" });
	u64 b = t.spawn(a, {});
	const u64 r = COCONUT_AID_ROOT;
	EXPECT_EQ(t.grant(r, b, ""), -EINVAL);
	EXPECT_EQ(t.grant(r, b, "\n"), -EINVAL);
	EXPECT_EQ(t.grant(r, b, "fs.read:/a\n"), -EINVAL);
	EXPECT_EQ(t.grant(r, b, "fs.read:/a\n\nfs.read:/b"), -EINVAL);
	EXPECT_EQ(t.grant(r, b, "fs.read:/a/"), -EINVAL);
	EXPECT_EQ(t.grant(r, b, "fs.read:/" + std::string(300, 'a')), -ENAMETOOLONG);
	EXPECT_EQ(t.grant(r, b, "fs.read:/a\nfs.read:/" + std::string(300, 'a')), -ENAMETOOLONG);
	t.lock();
	EXPECT_EQ(co_cap_grant(t.k, t.agent(r), t.agent(b), nullptr, 0, nullptr), -EINVAL);
	t.unlock();
	// Root has no parent to narrow from.
	EXPECT_EQ(t.grant(r, r, "fs.read:/a"), -EPERM);
	// Too many for one audit ring (2n + 2 events > 16 slots), though the set has room.
	std::vector<std::string> batch;
	for (int i = 0; i < 8; i++)
		batch.push_back("fs.read:/f" + std::to_string(i));
	EXPECT_EQ(t.grant(r, b, join(batch)), -ENOSPC);
	batch.pop_back();
	EXPECT_EQ(t.grant(r, b, join(batch)), 0);
	// More lines than one call grants (the work per call is bounded), and than a set holds.
	std::vector<std::string> many(CO_GRANT_CAPS_MAX + 1, "fs.read:/x");
	EXPECT_EQ(t.grant(r, b, join(many)), -E2BIG);
	many.resize(CO_CAP_SET_CAPS_MAX + 1, "fs.read:/x");
	EXPECT_EQ(t.grant(r, b, join(many)), -E2BIG);
	EXPECT_EQ(t.caps(b).size(), 7u);
	// Quarantined, then terminated targets.
	ASSERT_EQ(co_agent_quarantine(t.k, COCONUT_AID_NONE, b), 0);
	EXPECT_EQ(t.grant(r, b, "fs.read:/a"), -EPERM);
	ASSERT_EQ(co_agent_exit(t.k, b), 0);
	EXPECT_EQ(t.grant(r, b, "fs.read:/a"), -ESTALE);
	EXPECT_EQ(t.caps(b).size(), 7u);
}

TEST(Grant, AFullSetGetsNothing)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**" });
	std::vector<std::string> caps;
	for (int i = 0; i < CO_CAP_SET_CAPS_MAX - 2; i++)
		caps.push_back("fs.read:/f" + std::to_string(i));
	u64 b = t.spawn(a, caps);
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/x\nfs.read:/y\nfs.read:/z"), -ENOSPC);
	EXPECT_EQ(t.caps(b).size(), caps.size());
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/x\nfs.read:/y"), 0);
	EXPECT_EQ(t.caps(b).size(), static_cast<size_t>(CO_CAP_SET_CAPS_MAX));
}

// Issue 17, finding 7: room is the calling CPU's ring. A flood that fills CPU 0's ring (its
// agent's checks) leaves a grant and a quota set on CPU 1 alone; on CPU 0 they wait (-EBUSY).
// Before, room compared every ring's pending events with one ring's size, so the flood on
// CPU 0 refused them on every CPU.
TEST(Grant, AnotherCpusFullRingRefusesNothingHere)
{
	Options o;
	o.cpus = 2;
	o.ring_slots = 16;
	o.seal_inline = false;
	Kernel t(o);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	u64 flood = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**" }, nullptr, "flood", 7);
	u64 b = t.spawn(COCONUT_AID_ROOT, {}, nullptr, "b", 8);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	t.plat.set_cpu(0);
	int filled = 0;
	while (t.check(flood, COCONUT_CAP_FS_READ, "/x") == 0)
		filled++;
	ASSERT_EQ(filled, 16) << "CPU 0's ring is full";
	t.plat.set_cpu(1);
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/x\nfs.read:/y"), 0);
	t.lock();
	EXPECT_EQ(co_quota_set(t.k, t.agent(b), COCONUT_QUOTA_CPU, 5, COCONUT_QUOTA_SET), 0);
	t.unlock();
	t.plat.set_cpu(0);
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/z"), -EBUSY) << "the full ring waits";
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/z"), 0);
}

TEST(Grant, BackpressureGrantsNothing)
{
	Options o;
	o.ring_slots = 16;
	o.seal_inline = false;
	Kernel t(o);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**" });
	u64 b = t.spawn(a, {});
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	// Leave room for 5 events: a batch of 2 needs 6.
	for (int i = 0; i < 11; i++)
		ASSERT_EQ(t.check(a, COCONUT_CAP_FS_READ, "/x"), 0);
	const u64 allows = t.k->lsm_allows;
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/x\nfs.read:/y"), -EBUSY);
	EXPECT_EQ(t.k->lsm_allows, allows);
	EXPECT_TRUE(t.caps(b).empty());
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/x"), 0);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	EXPECT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/y"), 0);
	EXPECT_EQ(t.caps(b).size(), 2u);
}

// ---- Property: the narrowing invariant over random trees and grants -------------------------

const char *const kPool[] = {
	"fs.read:/d/**",   "fs.read:/d/a",    "fs.read:/d/a/**", "fs.read:/d/*.txt",
	"fs.read:/e",	   "fs.write:/d/**",  "fs.write:/d/a",	 "inference:kv",
	"inference:*",	   "gpu:0/**",	      "gpu:0/partition/1", "cap.grant:fs.read:/d/**",
	"cap.grant:fs.read:/d/a", "cap.grant:inference:*", "cap.grant:gpu:0/**",
};

bool covers_text(const std::vector<std::string> &holder, const std::string &text)
{
	co_cap c;
	if (co_cap_parse(text.data(), text.size(), &c, nullptr) != CO_CAP_OK)
		return false;
	for (const auto &h : holder) {
		co_cap p;
		if (co_cap_parse(h.data(), h.size(), &p, nullptr) == CO_CAP_OK && co_cap_covers(&p, &c))
			return true;
	}
	return false;
}

// Every cap of every live agent below root derives from a live cap of its parent covering it.
void check_narrowing(Kernel &t, const std::vector<u64> &aids)
{
	for (u64 aid : aids) {
		const co_agent *x = t.agent(aid);
		if (!x || co_agent_state_terminal(x->state) || aid == COCONUT_AID_ROOT)
			continue;
		const co_agent *p = t.agent(x->parent_aid);
		RC_ASSERT(p != nullptr);
		for (u32 h = co_capset_next(&x->caps, CO_CAP_HANDLE_NONE); h;
		     h = co_capset_next(&x->caps, h)) {
			const co_capset_entry *e = co_capset_get(&x->caps, h);
			const co_capset_entry *pe = co_capset_get(&p->caps, (u32)e->derived_from);
			RC_ASSERT(pe != nullptr);
			RC_ASSERT(co_cap_covers(&pe->cap, &e->cap));
		}
	}
}

RC_GTEST_PROP(GrantProp, NarrowingHoldsAfterRandomGrants, ())
{
	const auto seed = *rc::gen::arbitrary<uint64_t>();
	const auto steps = *rc::gen::inRange(1, 60);
	Rng rng(seed);
	Kernel t;
	std::vector<u64> aids = { COCONUT_AID_ROOT };
	const size_t pool = CO_ARRAY_SIZE(kPool);
	for (int s = 0; s < steps; s++) {
		if (aids.size() < 8 && rng.chance(30)) {
			// A child with a random part of what its parent covers.
			u64 parent = aids[rng.below(static_cast<u32>(aids.size()))];
			if (t.agent(parent)->depth >= 4)
				continue;
			const std::vector<std::string> mine = t.caps(parent);
			std::vector<std::string> caps;
			for (size_t i = 0; i < pool; i++)
				if (rng.chance(30) && covers_text(mine, kPool[i]))
					caps.push_back(kPool[i]);
			aids.push_back(t.spawn(parent, caps));
			continue;
		}
		u64 caller = aids[rng.below(static_cast<u32>(aids.size()))];
		u64 target = aids[rng.below(static_cast<u32>(aids.size()))];
		std::vector<std::string> batch;
		const u32 n = 1 + rng.below(3);
		for (u32 i = 0; i < n; i++)
			batch.push_back(kPool[rng.below(static_cast<u32>(pool))]);
		const auto before = t.caps(target);
		const u64 parent = t.agent(target)->parent_aid;
		// The authority rule: the caller's own subtree, never root.
		bool expect = target != COCONUT_AID_ROOT &&
			      (caller == target || strict_ancestor(t, caller, target));
		for (const auto &c : batch) {
			expect = expect && covers_text(t.caps(caller), "cap.grant:" + c) &&
				 covers_text(t.caps(parent), c);
		}
		const int rc = t.grant(caller, target, join(batch));
		RC_ASSERT((rc == 0) == expect);
		auto after = t.caps(target);
		if (rc == 0) {
			auto want = before;
			want.insert(want.end(), batch.begin(), batch.end());
			std::sort(want.begin(), want.end());
			RC_ASSERT(after == want);
		} else {
			RC_ASSERT(after == before);
		}
		check_narrowing(t, aids);
	}
	struct co_audit_stats st = t.stats();
	RC_ASSERT(st.by_type[COCONUT_EV_CAP_ALLOW] == t.k->lsm_allows);
	RC_ASSERT(st.by_type[COCONUT_EV_CAP_DENY] == t.k->lsm_denies);
}

} // namespace
