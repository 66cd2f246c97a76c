// co_cap_revoke(): the cascade to descendants' derived caps and only to those (a cap held twice
// through two grants keeps the copy whose source stays), in-flight operations of removed caps
// completing with -ECAPABILITY while others complete, who may revoke, every error, a partial
// revocation under audit backpressure that a second call finishes, and a property over random
// trees, grants, revocations and operations against a model of the derivation links.
#include "lsm_test_util.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

using namespace lsm_test;

namespace {

std::vector<co_audit_event> of_type(const std::vector<co_audit_event> &evs, u32 type)
{
	std::vector<co_audit_event> out;
	for (const auto &ev : evs)
		if (ev.type == type)
			out.push_back(ev);
	return out;
}

TEST(Revoke, CascadesToDerivedCapsOnly)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/**", "inference:kv", "fs.read:/e" });
	u64 b = t.spawn(a, { "fs.read:/d/x/**", "inference:kv", "fs.read:/e" });
	u64 c = t.spawn(b, { "fs.read:/d/x/y", "inference:kv" });
	u64 sib = t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/**" });
	u64 from = t.sealed();
	ASSERT_EQ(t.revoke(COCONUT_AID_ROOT, a, "fs.read:/d/**"), 0);
	EXPECT_EQ(t.caps(a), (std::vector<std::string>{ "fs.read:/e", "inference:kv" }));
	EXPECT_EQ(t.caps(b), (std::vector<std::string>{ "fs.read:/e", "inference:kv" }));
	EXPECT_EQ(t.caps(c), (std::vector<std::string>{ "inference:kv" }));
	EXPECT_EQ(t.caps(sib), (std::vector<std::string>{ "fs.read:/d/**" }));
	EXPECT_EQ(t.check(c, COCONUT_CAP_FS_READ, "/d/x/y"), -ECAPABILITY);
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/d/x/q"), -ECAPABILITY);
	EXPECT_EQ(t.check(c, COCONUT_CAP_INFERENCE, "kv"), 0);
	EXPECT_EQ(t.check(sib, COCONUT_CAP_FS_READ, "/d/x/y"), 0);

	// One REVOKE per removed cap, deepest first, naming the owner; root needed no decision.
	auto evs = t.events(from);
	auto revokes = of_type(evs, COCONUT_EV_REVOKE);
	ASSERT_EQ(revokes.size(), 3u);
	EXPECT_EQ(revokes[0].arg, c);
	EXPECT_EQ(cap_of(revokes[0]), "fs.read:/d/x/y");
	EXPECT_EQ(revokes[1].arg, b);
	EXPECT_EQ(cap_of(revokes[1]), "fs.read:/d/x/**");
	EXPECT_EQ(revokes[2].arg, a);
	EXPECT_EQ(cap_of(revokes[2]), "fs.read:/d/**");
	for (const auto &ev : revokes) {
		EXPECT_EQ(ev.aid, COCONUT_AID_ROOT);
		EXPECT_EQ(ev.result, 0);
	}
	EXPECT_EQ(evs.front().type, static_cast<u32>(COCONUT_EV_REVOKE));
}

TEST(Revoke, ACapHeldTwiceByTwoGrantsSurvivesTheRevocationOfOne)
{
	Kernel t;
	// The second grant derives from a's literal cap, which present() prefers when a set has
	// few literal caps (coconut/cap.h): the assertion on the sources checks that setup.
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/data/**" });
	u64 b = t.spawn(a, {});
	ASSERT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/data/x"), 0); // from a's subtree cap
	ASSERT_EQ(t.grant(COCONUT_AID_ROOT, a, "fs.read:/data/x"), 0);
	ASSERT_EQ(t.grant(COCONUT_AID_ROOT, b, "fs.read:/data/x"), 0); // from a's literal cap
	ASSERT_EQ(t.caps(b), (std::vector<std::string>{ "fs.read:/data/x", "fs.read:/data/x" }));
	std::set<u64> sources;
	const co_agent *B = t.agent(b);
	for (u32 h = co_capset_next(&B->caps, 0); h; h = co_capset_next(&B->caps, h))
		sources.insert(co_capset_get(&B->caps, h)->derived_from);
	ASSERT_EQ(sources, (std::set<u64>{ t.handle_of(a, "fs.read:/data/x"),
					   t.handle_of(a, "fs.read:/data/**") }));

	ASSERT_EQ(t.revoke(COCONUT_AID_ROOT, a, "fs.read:/data/x"), 0);
	EXPECT_EQ(t.caps(b), std::vector<std::string>{ "fs.read:/data/x" });
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/data/x"), 0);
	ASSERT_EQ(t.revoke(COCONUT_AID_ROOT, a, "fs.read:/data/**"), 0);
	EXPECT_TRUE(t.caps(b).empty());
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/data/x"), -ECAPABILITY);
	// Left without caps, b is not terminated: what it may do is nothing, which the LSM says.
	EXPECT_EQ(t.state(b), static_cast<u32>(COCONUT_STATE_CAPABILITY_DENIED));
}

TEST(Revoke, InFlightOperationsOfRemovedCapsFail)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/**", "inference:kv", "gpu:0/**" });
	u64 b = t.spawn(a, { "fs.read:/d/**", "inference:kv", "gpu:0/partition/1" });
	u64 dma = 0, io = 0, infer = 0, other_gpu = 0;
	ASSERT_EQ(t.begin(b, COCONUT_CAP_GPU, "0/partition/1", &dma), 0);
	ASSERT_EQ(t.begin(b, COCONUT_CAP_FS_READ, "/d/f", &io), 0);
	ASSERT_EQ(t.begin(b, COCONUT_CAP_INFERENCE, "kv", &infer), 0);
	ASSERT_EQ(t.begin(a, COCONUT_CAP_GPU, "0/partition/2", &other_gpu), 0);
	EXPECT_EQ(co_inflight_pending(t.k, b), 3u);
	EXPECT_EQ(co_inflight_pending(t.k, COCONUT_AID_NONE), 4u);

	// a's gpu:0/** goes, and b's gpu cap derived from it: the queued DMA must not finish.
	ASSERT_EQ(t.revoke(COCONUT_AID_ROOT, a, "gpu:0/**"), 0);
	EXPECT_EQ(t.complete(dma), -ECAPABILITY);
	EXPECT_EQ(t.complete(other_gpu), -ECAPABILITY);
	EXPECT_EQ(t.complete(io), 0);
	EXPECT_EQ(t.complete(infer), 0);
	EXPECT_EQ(t.complete(io), -ENOENT);
	EXPECT_EQ(co_inflight_pending(t.k, COCONUT_AID_NONE), 0u);
	// And new operations are refused.
	u64 again = 0;
	EXPECT_EQ(t.begin(b, COCONUT_CAP_GPU, "0/partition/1", &again), -ECAPABILITY);
	EXPECT_EQ(again, 0u);
}

TEST(Revoke, WhoMayRevoke)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/**", "inference:kv", "agent.spawn",
					    "cap.grant:inference:*" });
	u64 b = t.spawn(a, { "fs.read:/d/**", "inference:kv", "cap.grant:inference:kv" });
	u64 sib = t.spawn(COCONUT_AID_ROOT, { "fs.read:/**" });
	u64 granter = t.spawn(COCONUT_AID_ROOT, { "cap.grant:inference:*" });
	// Outside the caller's subtree, right or not: an identity refusal, no decision audited.
	u64 denies = t.k->lsm_denies;
	EXPECT_EQ(t.revoke(sib, b, "fs.read:/d/**"), -EPERM);
	EXPECT_EQ(t.revoke(granter, b, "inference:kv"), -EPERM);
	EXPECT_EQ(t.revoke(granter, b, "inference:vllm"), -EPERM);
	EXPECT_EQ(t.k->lsm_denies, denies);
	// Not upwards, not sideways.
	EXPECT_EQ(t.revoke(b, a, "inference:kv"), -EPERM);
	EXPECT_EQ(t.caps(b).size(), 3u);
	// Itself: only with the right to grant the cap (an audited decision).
	EXPECT_EQ(t.revoke(b, b, "fs.read:/d/**"), -ECAPABILITY);
	EXPECT_EQ(t.k->lsm_denies, denies + 1);
	EXPECT_EQ(t.revoke(b, b, "inference:kv"), 0);
	EXPECT_EQ(t.caps(b), (std::vector<std::string>{ "cap.grant:inference:kv", "fs.read:/d/**" }));
	// A parent may; the answer about a cap the target lacks comes after the right.
	EXPECT_EQ(t.revoke(sib, b, "fs.read:/nope"), -EPERM);
	EXPECT_EQ(t.revoke(a, b, "fs.read:/nope"), -ENOENT);
	// A quarantined ancestor may not.
	ASSERT_EQ(co_agent_quarantine(t.k, COCONUT_AID_NONE, a), 0);
	EXPECT_EQ(t.revoke(a, b, "fs.read:/d/**"), -ECAPABILITY);
	EXPECT_EQ(t.revoke(COCONUT_AID_ROOT, b, "fs.read:/d/**"), 0);
	EXPECT_EQ(t.caps(b), std::vector<std::string>{ "cap.grant:inference:kv" });
}

TEST(Revoke, Errors)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/**" });
	const u64 r = COCONUT_AID_ROOT;
	EXPECT_EQ(t.revoke(r, a, ""), -EINVAL);
	EXPECT_EQ(t.revoke(r, a, "fs.read:/d/**\n"), -EINVAL);
	EXPECT_EQ(t.revoke(r, a, "fs.read:d"), -EINVAL);
	EXPECT_EQ(t.revoke(r, a, "fs.read:/" + std::string(300, 'd')), -ENAMETOOLONG);
	t.lock();
	EXPECT_EQ(co_cap_revoke(t.k, t.agent(r), t.agent(a), nullptr, 3), -EINVAL);
	t.unlock();
	// Revocation is exact: a narrower text is not the cap held.
	EXPECT_EQ(t.revoke(r, a, "fs.read:/d/x"), -ENOENT);
	ASSERT_EQ(co_agent_exit(t.k, a), 0);
	EXPECT_EQ(t.revoke(r, a, "fs.read:/d/**"), -ESTALE);
}

// The authority rule (docs/lsm.md, "Who may grant and revoke"): an agent acts on caps only in its
// own subtree, and root's caps are no target. Before it, a cap.grant holder anywhere could revoke
// root's cap and the cascade took every cap derived from it in every tenant.
TEST(Revoke, NoCallerReachesRootOrAnotherSubtree)
{
	Kernel t;
	u64 acme = t.spawn(COCONUT_AID_ROOT, { "inference:*", "agent.spawn", "cap.grant:inference:*" },
			   nullptr, "acme", 1);
	u64 acme_w = t.spawn(acme, { "inference:*" }, nullptr, "acme-worker", 1);
	u64 zeta = t.spawn(COCONUT_AID_ROOT, { "inference:*", "agent.spawn" }, nullptr, "zeta", 2);
	u64 zeta_w = t.spawn(zeta, { "inference:*" }, nullptr, "zeta-worker", 2);
	const auto root_caps = t.caps(COCONUT_AID_ROOT);
	const u64 denies = t.k->lsm_denies, allows = t.k->lsm_allows, sealed = t.sealed();

	// Root as the target: from another tenant, from its own holder of the right, from itself.
	EXPECT_EQ(t.revoke(acme, COCONUT_AID_ROOT, "inference:*"), -EPERM);
	EXPECT_EQ(t.revoke(acme_w, COCONUT_AID_ROOT, "inference:*"), -EPERM);
	EXPECT_EQ(t.revoke(COCONUT_AID_ROOT, COCONUT_AID_ROOT, "inference:*"), -EPERM);
	// Another tenant's agents, though acme holds cap.grant:inference:*.
	EXPECT_EQ(t.revoke(acme, zeta_w, "inference:*"), -EPERM);
	EXPECT_EQ(t.revoke(acme, zeta, "inference:*"), -EPERM);
	// Upwards within a tenant: a worker on its parent.
	EXPECT_EQ(t.revoke(acme_w, acme, "inference:*"), -EPERM);

	// The identity refusals are no LSM decisions and append nothing; nothing moved anywhere.
	EXPECT_EQ(t.k->lsm_denies, denies);
	EXPECT_EQ(t.k->lsm_allows, allows);
	EXPECT_EQ(t.sealed(), sealed);
	EXPECT_EQ(t.caps(COCONUT_AID_ROOT), root_caps);
	for (u64 x : { acme, acme_w, zeta, zeta_w })
		EXPECT_EQ(t.check(x, COCONUT_CAP_INFERENCE, "kv"), 0) << x;
	// Within its subtree acme still may: the right to take back what its line handed down.
	EXPECT_EQ(t.revoke(acme, acme_w, "inference:*"), 0);
	EXPECT_EQ(t.check(acme_w, COCONUT_CAP_INFERENCE, "kv"), -ECAPABILITY);
	EXPECT_EQ(t.check(zeta_w, COCONUT_CAP_INFERENCE, "kv"), 0);
}

// The ring fills part way: what is removed was doomed, what stays is consistent, and calling
// again finishes, every removal audited once.
// Issue 17, finding 8: one call's work is bounded. A cascade of more than
// CO_REVOKE_REMOVALS_MAX caps stops with -EAGAIN after that many, deepest first and consistent
// (every cap left derives from a cap left, the target keeps its cap), and calling again
// finishes. A revocation that dooms nothing below the target skips the subtrees (the walk is
// the bench's, crafted/revoke_whole_tree). Fails with the budget taken out (one call, 0).
TEST(Revoke, OneCallsWorkIsBoundedAndCallingAgainFinishes)
{
	Kernel t(Options::single_tenant());
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/**", "fs.read:/only-a", "agent.spawn" });
	std::vector<std::string> many;
	for (int i = 0; i < CO_CAP_SET_CAPS_MAX - 1; i++)
		many.push_back("fs.read:/d/" + std::to_string(i));
	std::vector<u64> kids;
	const u32 n_kids = CO_REVOKE_REMOVALS_MAX / (CO_CAP_SET_CAPS_MAX - 1) + 2;
	for (u32 i = 0; i < n_kids; i++)
		kids.push_back(t.spawn(a, many));
	const u64 doomed = (u64)n_kids * many.size() + 1;
	ASSERT_GT(doomed, (u64)CO_REVOKE_REMOVALS_MAX);

	EXPECT_EQ(t.revoke(COCONUT_AID_ROOT, a, "fs.read:/only-a"), 0) << "nothing below: one call";
	u64 left = 0;
	for (u64 x : kids)
		left += t.caps(x).size();
	EXPECT_EQ(left, (u64)n_kids * many.size());

	int rc = -EAGAIN, calls = 0;
	while (rc == -EAGAIN && calls < 10) {
		rc = t.revoke(COCONUT_AID_ROOT, a, "fs.read:/d/**");
		calls++;
		u64 now_left = 0;
		for (u64 x : kids) {
			const co_agent *X = t.agent(x);
			now_left += t.caps(x).size();
			for (u32 h = co_capset_next(&X->caps, 0); h; h = co_capset_next(&X->caps, h))
				EXPECT_NE(co_capset_get(&t.agent(a)->caps,
							(u32)co_capset_get(&X->caps, h)->derived_from),
					  nullptr);
		}
		if (rc == -EAGAIN) {
			EXPECT_EQ(left - now_left, (u64)CO_REVOKE_REMOVALS_MAX) << "call " << calls;
			EXPECT_EQ(t.caps(a).size(), 2u) << "the target keeps its cap until the last call";
		}
		left = now_left;
	}
	EXPECT_EQ(rc, 0);
	EXPECT_EQ(calls, (int)((doomed + CO_REVOKE_REMOVALS_MAX - 1) / CO_REVOKE_REMOVALS_MAX));
	EXPECT_EQ(left, 0u);
	EXPECT_EQ(t.caps(a), std::vector<std::string>{ "agent.spawn" });
}

TEST(Revoke, PartialUnderBackpressureFinishesOnRetry)
{
	Options o;
	o.ring_slots = 8;
	o.seal_inline = false;
	Kernel t(o);
	auto seal = [&] { co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX); };
	seal();
	u64 a = t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/**", "inference:kv" });
	seal();
	// b: six caps derived from a's fs.read:/d/**; c: four derived from b's. 11 removals.
	std::vector<std::string> six = { "inference:kv" }, four = { "inference:kv" };
	for (int i = 0; i < 6; i++) {
		six.push_back("fs.read:/d/" + std::to_string(i));
		if (i < 4)
			four.push_back(six.back());
	}
	u64 b = t.spawn(a, six);
	seal();
	u64 c = t.spawn(b, four);
	seal();
	u64 tok = 0;
	ASSERT_EQ(t.begin(c, COCONUT_CAP_FS_READ, "/d/0", &tok), 0);
	seal();

	int rc = -EBUSY, calls = 0;
	while (rc == -EBUSY && calls < 10) {
		rc = t.revoke(COCONUT_AID_ROOT, a, "fs.read:/d/**");
		calls++;
		// Whatever happened so far, every cap left derives from a cap left.
		for (u64 x : { b, c }) {
			const co_agent *X = t.agent(x);
			const co_agent *P = t.agent(X->parent_aid);
			for (u32 h = co_capset_next(&X->caps, 0); h; h = co_capset_next(&X->caps, h))
				EXPECT_NE(co_capset_get(&P->caps, (u32)co_capset_get(&X->caps, h)->derived_from),
					  nullptr);
		}
		if (rc == -EBUSY) {
			// The first partial call already took c's caps: its operation is failed.
			EXPECT_EQ(t.caps(a).size(), 2u);
			seal();
		}
	}
	EXPECT_EQ(rc, 0);
	EXPECT_GE(calls, 2);
	EXPECT_EQ(t.caps(a), std::vector<std::string>{ "inference:kv" });
	EXPECT_EQ(t.caps(b), std::vector<std::string>{ "inference:kv" });
	EXPECT_EQ(t.caps(c), std::vector<std::string>{ "inference:kv" });
	EXPECT_EQ(t.complete(tok), -ECAPABILITY);
	seal();
	auto revokes = of_type(t.events(), COCONUT_EV_REVOKE);
	EXPECT_EQ(revokes.size(), 11u);
}

// ---- Property: random trees, grants, revocations and operations against a model ------------

const char *const kPool[] = {
	"fs.read:/d/**", "fs.read:/d/a", "fs.read:/d/a/**", "fs.read:/d/*.txt", "fs.read:/e",
	"inference:kv",	 "inference:*",	 "gpu:0/**",	    "gpu:0/partition/1",
	// Delegation rights, so callers other than ancestors hold some (and lose them).
	"cap.grant:inference:*", "cap.grant:fs.read:/d/**",
};

const std::pair<u32, const char *> kObjects[] = {
	{ COCONUT_CAP_FS_READ, "/d/a" },	  { COCONUT_CAP_FS_READ, "/d/a/b" },
	{ COCONUT_CAP_FS_READ, "/d/x.txt" },	  { COCONUT_CAP_FS_READ, "/d/q" },
	{ COCONUT_CAP_FS_READ, "/e" },		  { COCONUT_CAP_INFERENCE, "kv" },
	{ COCONUT_CAP_INFERENCE, "vllm" },	  { COCONUT_CAP_GPU, "0/partition/1" },
	{ COCONUT_CAP_GPU, "0/partition/3" },
};

bool parse(const std::string &text, co_cap *c)
{
	return co_cap_parse(text.data(), text.size(), c, nullptr) == CO_CAP_OK;
}

bool covers_text(const std::vector<std::string> &holder, const std::string &text)
{
	co_cap c, p;
	if (!parse(text, &c))
		return false;
	for (const auto &h : holder)
		if (parse(h, &p) && co_cap_covers(&p, &c))
			return true;
	return false;
}

struct Entry {
	u32 handle;
	std::string text;
	u64 derived_from;
	bool operator<(const Entry &o) const { return handle < o.handle; }
	bool operator==(const Entry &o) const
	{
		return handle == o.handle && text == o.text && derived_from == o.derived_from;
	}
};
using Snapshot = std::map<u64, std::vector<Entry>>;

Snapshot snapshot(Kernel &t, const std::vector<u64> &aids)
{
	Snapshot s;
	for (u64 aid : aids) {
		const co_agent *a = t.agent(aid);
		if (!a || co_agent_state_terminal(a->state))
			continue;
		auto &v = s[aid];
		for (u32 h = co_capset_next(&a->caps, 0); h; h = co_capset_next(&a->caps, h)) {
			const co_capset_entry *e = co_capset_get(&a->caps, h);
			v.push_back(Entry{ h, Kernel::text(&e->cap), e->derived_from });
		}
	}
	return s;
}

// The model of the cascade: the target's entries with the text, then, generation by generation,
// the entries of live children derived from a removed entry of their parent.
std::set<std::pair<u64, u32>> doomed(Kernel &t, const Snapshot &s, u64 target, const std::string &text)
{
	std::set<std::pair<u64, u32>> out;
	std::map<u64, std::set<u64>> removed;
	for (const auto &e : s.at(target))
		if (e.text == text) {
			out.insert({ target, e.handle });
			removed[target].insert(e.handle);
		}
	std::vector<u64> queue = { target };
	for (size_t i = 0; i < queue.size(); i++) {
		const co_agent *p = t.agent(queue[i]);
		for (u32 j = 0; j < p->child_count; j++) {
			u64 c = p->children[j];
			if (!s.count(c))
				continue;
			for (const auto &e : s.at(c))
				if (removed[queue[i]].count(e.derived_from)) {
					out.insert({ c, e.handle });
					removed[c].insert(e.handle);
				}
			queue.push_back(c);
		}
	}
	return out;
}

struct Op {
	u64 token;
	u64 aid;
	u32 handle;
};

RC_GTEST_PROP(RevokeProp, NothingAuthorisedByARevokedCapIsAllowedAfterwards, ())
{
	const auto seed = *rc::gen::arbitrary<uint64_t>();
	const auto steps = *rc::gen::inRange(1, 80);
	Rng rng(seed);
	Kernel t;
	std::vector<u64> aids = { COCONUT_AID_ROOT };
	std::vector<Op> ops;
	std::set<std::pair<u64, u32>> gone; // (aid, handle) removed by a revocation
	u32 tenants = 0;
	const u32 pool = CO_ARRAY_SIZE(kPool);
	auto pick = [&](const std::vector<u64> &v) { return v[rng.below(static_cast<u32>(v.size()))]; };
	auto live = [&](u64 aid) {
		const co_agent *a = t.agent(aid);
		return a && !co_agent_state_terminal(a->state);
	};

	for (int step = 0; step < steps; step++) {
		const u32 what = rng.below(100);
		u64 x = pick(aids);
		if (what < 15 && aids.size() < 10 && live(x) && t.agent(x)->depth < 5) {
			const auto mine = t.caps(x);
			std::vector<std::string> caps;
			for (u32 i = 0; i < pool; i++)
				if (rng.chance(40) && covers_text(mine, kPool[i]))
					caps.push_back(kPool[i]);
			// Root's children start tenants 1, 2, ...; everyone else is in its parent's.
			const u32 tenant = x == COCONUT_AID_ROOT ? ++tenants : t.agent(x)->tenant;
			aids.push_back(t.spawn(x, caps, nullptr, "agent", tenant));
		} else if (what < 35) {
			if (!live(x))
				continue;
			// Mostly root, sometimes any agent of any tenant; any target, root included.
			const u64 caller = rng.chance(60) ? COCONUT_AID_ROOT : pick(aids);
			if (!live(caller))
				continue;
			const std::string c = kPool[rng.below(pool)];
			const bool in_subtree = x != COCONUT_AID_ROOT &&
						(caller == x || strict_ancestor(t, caller, x));
			const bool ok = in_subtree && covers_text(t.caps(caller), "cap.grant:" + c) &&
					covers_text(t.caps(t.agent(x)->parent_aid), c);
			const Snapshot before = snapshot(t, aids);
			const int rc = t.grant(caller, x, c);
			RC_ASSERT((rc == 0) == ok);
			if (!in_subtree) {
				RC_ASSERT(rc == -EPERM);
				RC_ASSERT(snapshot(t, aids) == before);
			}
		} else if (what < 55) {
			if (!live(x))
				continue;
			const auto &o = kObjects[rng.below(CO_ARRAY_SIZE(kObjects))];
			u64 token = 0;
			if (t.begin(x, o.first, o.second, &token) == 0)
				ops.push_back(Op{ token, x, t.k->inflight[token & (CO_INFLIGHT_MAX - 1)].cap_handle });
		} else if (what < 65) {
			if (ops.empty())
				continue;
			const size_t i = rng.below(static_cast<u32>(ops.size()));
			const Op op = ops[i];
			ops.erase(ops.begin() + static_cast<long>(i));
			const bool ok = live(op.aid) && !gone.count({ op.aid, op.handle });
			RC_ASSERT(t.complete(op.token) == (ok ? 0 : -ECAPABILITY));
		} else if (what < 68) {
			if (x != COCONUT_AID_ROOT && live(x))
				RC_ASSERT(co_agent_exit(t.k, x) == 0);
		} else {
			// Any live target, root included (refused), and callers across tenants.
			if (!live(x))
				continue;
			// The caller: mostly an ancestor, sometimes anyone.
			u64 caller = COCONUT_AID_ROOT;
			if (rng.chance(30)) {
				caller = pick(aids);
			} else {
				for (const co_agent *y = t.agent(x); y->parent_aid && rng.chance(50);
				     y = t.agent(y->parent_aid))
					caller = y->parent_aid;
			}
			if (!live(caller))
				continue;
			const auto held = t.caps(x);
			const std::string text = !held.empty() && rng.chance(80) ?
							 held[rng.below(static_cast<u32>(held.size()))] :
							 kPool[rng.below(pool)];
			const Snapshot before = snapshot(t, aids);
			const auto doom = doomed(t, before, x, text);
			// The authority rule (docs/lsm.md): the caller's own subtree, root never.
			const bool in_subtree = x != COCONUT_AID_ROOT &&
						(caller == x || strict_ancestor(t, caller, x));
			const bool caller_acts = t.state(caller) != COCONUT_STATE_QUARANTINED;
			const bool authorised =
				(strict_ancestor(t, caller, x) && caller_acts) ||
				(caller_acts && covers_text(t.caps(caller), "cap.grant:" + text));
			const int want = !in_subtree ? -EPERM :
					 !authorised ? -ECAPABILITY :
					 doom.empty() ? -ENOENT : 0;
			RC_ASSERT(t.revoke(caller, x, text) == want);
			Snapshot expect = before;
			for (auto &kv : expect) {
				auto &v = kv.second;
				v.erase(std::remove_if(v.begin(), v.end(),
						       [&](const Entry &e) {
							       return doom.count({ kv.first, e.handle }) > 0;
						       }),
					v.end());
			}
			if (want == 0)
				gone.insert(doom.begin(), doom.end());
			RC_ASSERT(snapshot(t, aids) == (want == 0 ? expect : before));
			// What each live agent may do now is exactly what its remaining caps match.
			for (u64 aid : aids) {
				if (!live(aid))
					continue;
				std::vector<std::string> texts;
				for (const auto &e : (want == 0 ? expect : before).at(aid))
					texts.push_back(e.text);
				const bool may_act = t.state(aid) != COCONUT_STATE_QUARANTINED;
				for (const auto &o : kObjects) {
					co_cap c;
					bool allow = false;
					for (const auto &tx : texts)
						allow = allow || (parse(tx, &c) && c.kind == o.first &&
								  co_cap_matches(&c, o.second, std::strlen(o.second)));
					RC_ASSERT(t.check(aid, o.first, o.second) ==
						  (may_act && allow ? 0 : -ECAPABILITY));
				}
			}
		}
	}
	for (const Op &op : ops) {
		const bool ok = live(op.aid) && !gone.count({ op.aid, op.handle });
		RC_ASSERT(t.complete(op.token) == (ok ? 0 : -ECAPABILITY));
	}
	RC_ASSERT(co_inflight_pending(t.k, COCONUT_AID_NONE) == 0u);
	struct co_audit_stats st = t.stats();
	RC_ASSERT(st.by_type[COCONUT_EV_CAP_ALLOW] == t.k->lsm_allows);
	RC_ASSERT(st.by_type[COCONUT_EV_CAP_DENY] == t.k->lsm_denies);
}

} // namespace
