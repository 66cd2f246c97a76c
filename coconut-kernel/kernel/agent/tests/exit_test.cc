// Exit and kill cascades, quarantine and release (kernel/agent/exit.c): the order of the
// cascade and its audit events, what a terminated agent leaves behind (pending operations
// failed, tiers released, out of its parent and the scheduler), the authority rules, and a
// cascade the audit chain interrupts.
#include "agent_test_util.h"

using namespace agent_test;

namespace {

constexpr u32 A = COCONUT_STATE_ACTIVE, IB = COCONUT_STATE_INFERENCE_BLOCKED,
	      Q = COCONUT_STATE_QUARANTINED, TC = COCONUT_STATE_TERMINATED_CLEAN,
	      TR = COCONUT_STATE_TERMINATED_REVOKED;

// root(1) -> a(2) -> {b(3) -> d(5), c(4)}, plus a sibling s(6) of a.
struct Tree : Kernel {
	Tree()
	{
		EXPECT_EQ(spawn(1, {"agent.spawn", "fs.read:/**", "mem.tier:*"}, "a"), 2);
		EXPECT_EQ(spawn(2, {"agent.spawn", "fs.read:/data/**", "mem.tier:ram"}, "b"), 3);
		EXPECT_EQ(spawn(2, {"fs.read:/tmp/**"}, "c"), 4);
		EXPECT_EQ(spawn(3, {"fs.read:/data/d/**"}, "d"), 5);
		EXPECT_EQ(spawn(1, {"agent.spawn"}, "s"), 6);
	}
};

TEST(AgentExit, LeafExitsCleanly)
{
	Tree t;
	size_t before = t.event_count();
	ASSERT_EQ(co_agent_exit(t.k, 4), 0);
	EXPECT_EQ(t.state(4), TC);
	int err = 0;
	EXPECT_EQ(co_agent_lookup(t.k, 4, &err), nullptr);
	EXPECT_EQ(err, -ESTALE);
	ASSERT_NE(t.find(4), nullptr) << "a tombstone stays";
	EXPECT_EQ(t.find(4)->exited_ns, 1000u);
	co_agent *a = t.find(2);
	ASSERT_EQ(a->child_count, 1u);
	EXPECT_EQ(a->children[0], 3u);
	ASSERT_EQ(t.exited.size(), 1u);
	EXPECT_EQ(t.exited[0].aid, 4u);
	auto evs = t.events_from(before);
	ASSERT_EQ(evs.size(), 2u) << describe(evs);
	EXPECT_EQ(evs[0].type, (u32)COCONUT_EV_EXIT);
	EXPECT_EQ(evs[0].aid, 4u);
	EXPECT_EQ(evs[0].arg, TC);
	EXPECT_TRUE(is_state(evs[1], 4, A, TC));
	EXPECT_EQ(t.k->live_count, 5u);
}

TEST(AgentExit, CleanExitCascadesLeavesFirst)
{
	Tree t;
	size_t before = t.event_count();
	ASSERT_EQ(co_agent_exit(t.k, 2), 0);
	for (u64 aid : {2, 3, 4, 5})
		EXPECT_EQ(t.state(aid), TC) << aid;
	EXPECT_EQ(t.state(6), A) << "the sibling lives on";
	auto evs = t.events_from(before);
	ASSERT_EQ(evs.size(), 5u) << describe(evs);
	EXPECT_EQ(evs[0].type, (u32)COCONUT_EV_EXIT);
	EXPECT_EQ(evs[0].aid, 2u);
	// The last child's subtree first (c), then b's (d, then b), then a.
	EXPECT_TRUE(is_state(evs[1], 4, A, TC));
	EXPECT_TRUE(is_state(evs[2], 5, A, TC));
	EXPECT_TRUE(is_state(evs[3], 3, A, TC));
	EXPECT_TRUE(is_state(evs[4], 2, A, TC));
	co_agent *root = t.find(1);
	ASSERT_EQ(root->child_count, 1u);
	EXPECT_EQ(root->children[0], 6u);
	EXPECT_EQ(t.exited.size(), 4u);
	EXPECT_EQ(t.k->live_count, 2u);
}

TEST(AgentExit, KillCascadesAsRevoked)
{
	Tree t;
	ASSERT_EQ(co_agent_kill(t.k, 1, 3), 0);
	EXPECT_EQ(t.state(3), TR);
	EXPECT_EQ(t.state(5), TR);
	EXPECT_EQ(t.state(2), A);
	EXPECT_EQ(t.state(4), A);
	// The kernel itself (AID 0) may kill too.
	ASSERT_EQ(co_agent_kill(t.k, 0, 2), 0);
	EXPECT_EQ(t.state(2), TR);
	EXPECT_EQ(t.state(4), TR);
}

TEST(AgentExit, PendingOperationsFailAndTiersAreReleased)
{
	Tree t;
	u64 token = 0;
	co_kernel_lock(t.k);
	co_agent *d = t.find(5);
	ASSERT_EQ(co_inflight_begin(t.k, d, COCONUT_CAP_FS_READ, "/data/d/x", 9, &token), 0);
	co_kernel_unlock(t.k);
	s64 addr = co_sys_agent_memory_tier(t.k, 3, 3, COCONUT_TIER_RAM, 1 << 20);
	ASSERT_GT(addr, 0);
	EXPECT_GT(t.k->tiers[COCONUT_TIER_RAM].used_bytes, 0u);

	ASSERT_EQ(co_agent_exit(t.k, 3), 0);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_RAM].used_bytes, 0u);
	co_kernel_lock(t.k);
	EXPECT_EQ(co_inflight_complete(t.k, token), -ECAPABILITY);
	co_kernel_unlock(t.k);
}

TEST(AgentExit, ErrorsAndRoot)
{
	Tree t;
	EXPECT_EQ(co_agent_exit(t.k, 1), -EPERM) << "root lives as long as the instance";
	EXPECT_EQ(co_agent_exit(t.k, 0), -ESRCH);
	EXPECT_EQ(co_agent_exit(t.k, 77), -ESRCH);
	ASSERT_EQ(co_agent_exit(t.k, 4), 0);
	EXPECT_EQ(co_agent_exit(t.k, 4), -ESTALE);
	EXPECT_EQ(co_agent_kill(t.k, 1, 4), -ESTALE);
	EXPECT_EQ(co_agent_kill(t.k, 1, 1), -EPERM);
	EXPECT_EQ(co_agent_kill(t.k, 0, 1), -EPERM);
	co_kernel_lock(t.k);
	EXPECT_EQ(co_agent_terminate(t.k, t.find(2), A), -EINVAL) << "not a terminal state";
	EXPECT_EQ(co_agent_terminate(t.k, t.find(4), TC), -EINVAL) << "already terminated";
	EXPECT_EQ(co_agent_terminate(t.k, t.find(1), TR), -EINVAL) << "root";
	co_kernel_unlock(t.k);
}

TEST(AgentExit, AuthorityOfKernelApiCallers)
{
	Tree t;
	struct Case {
		u64 caller, target;
		int err;
		const char *why;
	};
	const Case cases[] = {
		{3, 3, -EPERM, "not over itself"},
		{3, 2, -EPERM, "not over its parent"},
		{6, 3, -EPERM, "not over a cousin"},
		{4, 5, -EPERM, "not over a sibling's child"},
		{2, 1, -EPERM, "root is never a target"},
		{99, 3, -ESRCH, "unknown caller"},
		{1, 99, -ESRCH, "unknown target"},
	};
	for (const Case &c : cases) {
		EXPECT_EQ(co_agent_quarantine(t.k, c.caller, c.target), c.err) << c.why;
		EXPECT_EQ(co_agent_release(t.k, c.caller, c.target), c.err) << c.why;
		EXPECT_EQ(co_agent_kill(t.k, c.caller, c.target), c.err) << c.why;
	}
	for (u64 aid = 1; aid <= 6; aid++)
		EXPECT_EQ(t.state(aid), A);
}

TEST(AgentExit, QuarantineAndRelease)
{
	Tree t;
	size_t before = t.event_count();
	ASSERT_EQ(co_agent_quarantine(t.k, 2, 5), 0) << "a grandparent may";
	EXPECT_EQ(t.state(5), Q);
	EXPECT_EQ(co_agent_quarantine(t.k, 1, 5), -EINVAL) << "already quarantined";
	EXPECT_EQ(co_agent_release(t.k, 1, 4), -EINVAL) << "not quarantined";

	// The LSM denies a quarantined agent everything it holds (audited).
	EXPECT_EQ(co_sys_agent_cap_present(t.k, 5, 5, "fs.read", 7, "/data/d/x", 9), -ECAPABILITY);
	// Its parent keeps running; a quarantined agent has no authority over others.
	ASSERT_EQ(co_agent_quarantine(t.k, 1, 3), 0);
	EXPECT_EQ(t.state(3), Q);
	EXPECT_EQ(co_agent_release(t.k, 3, 5), -EPERM);

	ASSERT_EQ(co_agent_release(t.k, 0, 5), 0) << "the kernel may";
	EXPECT_EQ(t.state(5), A);
	ASSERT_EQ(co_agent_release(t.k, 1, 3), 0);
	EXPECT_EQ(co_sys_agent_cap_present(t.k, 5, 5, "fs.read", 7, "/data/d/x", 9), 0);

	auto evs = t.events_from(before);
	EXPECT_TRUE(is_state(evs[0], 5, A, Q)) << describe(evs);
	// A quarantined agent still exits cleanly.
	ASSERT_EQ(co_agent_quarantine(t.k, 1, 4), 0);
	ASSERT_EQ(co_agent_exit(t.k, 4), 0);
	EXPECT_EQ(t.state(4), TC);
}

// Quarantine fails what the agent had pending (docs/lsm.md, "Quarantine"): a release before
// the operation completes does not let it finish; one begun after the release does. Its
// parent's pending work is untouched. (Before the fix: quarantine, release, complete gave 0.)
TEST(AgentExit, QuarantineFailsPendingWorkEvenAfterRelease)
{
	Tree t;
	u64 before_q = 0, parent_op = 0, after_release = 0;
	co_kernel_lock(t.k);
	ASSERT_EQ(co_inflight_begin(t.k, t.find(5), COCONUT_CAP_FS_READ, "/data/d/x", 9, &before_q),
		  0);
	ASSERT_EQ(co_inflight_begin(t.k, t.find(3), COCONUT_CAP_FS_READ, "/data/d/x", 9, &parent_op),
		  0);
	co_kernel_unlock(t.k);

	ASSERT_EQ(co_agent_quarantine(t.k, 1, 5), 0);
	ASSERT_EQ(co_agent_release(t.k, 1, 5), 0);
	EXPECT_EQ(t.state(5), A);

	co_kernel_lock(t.k);
	ASSERT_EQ(co_inflight_begin(t.k, t.find(5), COCONUT_CAP_FS_READ, "/data/d/x", 9,
				    &after_release),
		  0);
	EXPECT_EQ(co_inflight_complete(t.k, before_q), -ECAPABILITY) << "begun before the quarantine";
	EXPECT_EQ(co_inflight_complete(t.k, after_release), 0) << "begun after the release";
	EXPECT_EQ(co_inflight_complete(t.k, parent_op), 0) << "the parent was not quarantined";
	co_kernel_unlock(t.k);
}

TEST(AgentExit, ReleaseReturnsToBlockedWhileAChargeWaits)
{
	Tree t;
	u64 out[2];
	ASSERT_EQ(co_sys_agent_quota(t.k, 1, 4, COCONUT_QUOTA_TOKENS, 100,
				     COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK, out),
		  0);
	co_kernel_lock(t.k);
	EXPECT_EQ(co_quota_charge(t.k, t.find(4), COCONUT_QUOTA_TOKENS, 500), -EAGAIN);
	co_kernel_unlock(t.k);
	co_kernel_seal(t.k);
	ASSERT_EQ(t.state(4), IB);
	ASSERT_EQ(co_agent_quarantine(t.k, 2, 4), 0);
	ASSERT_EQ(co_agent_release(t.k, 2, 4), 0);
	EXPECT_EQ(t.state(4), IB) << "still waiting on its budget";
	// The budget raised: it runs again.
	ASSERT_EQ(co_sys_agent_quota(t.k, 1, 4, COCONUT_QUOTA_TOKENS, 1000,
				     COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK, out),
		  0);
	EXPECT_EQ(t.state(4), A);
}

// A cascade the chain refuses part way: what was terminated stays so, the rest stays live with
// live ancestors, and calling again finishes it.
TEST(AgentExit, CascadeInterruptedByAuditBackpressure)
{
	Tree t;
	co_audit_set_stalled(&t.k->audit, true);
	co_audit_event ev;
	// Leave room for exactly three events: EXIT, then c and d.
	u32 slots = t.k->audit.cfg.ring_slots;
	for (u32 i = 0; i + 3 < slots; i++) {
		co_audit_event_init(&ev, COCONUT_EV_QUOTA, 0, 0);
		ASSERT_EQ(co_audit_append(&t.k->audit, &ev), 0);
	}
	EXPECT_EQ(co_agent_exit(t.k, 2), -EBUSY);
	EXPECT_EQ(t.state(4), TC);
	EXPECT_EQ(t.state(5), TC);
	EXPECT_EQ(t.state(3), A);
	EXPECT_EQ(t.state(2), A);
	EXPECT_EQ(t.find(2)->child_count, 1u);
	EXPECT_EQ(t.find(3)->child_count, 0u);
	co_audit_set_stalled(&t.k->audit, false);
	co_kernel_seal(t.k);
	ASSERT_EQ(co_agent_exit(t.k, 2), 0);
	EXPECT_EQ(t.state(3), TC);
	EXPECT_EQ(t.state(2), TC);
	(void)t.events(); // the chain still verifies
}

TEST(AgentExit, NoLeaksAfterDestroy)
{
	coconut::UserPlatform *plat = nullptr;
	{
		Tree t;
		plat = &t.plat();
		ASSERT_EQ(co_agent_exit(t.k, 2), 0);
		co_kernel_destroy(t.k);
		t.k = nullptr;
		EXPECT_EQ(plat->live_allocations(), 0u);
		EXPECT_EQ(plat->live_locks(), 0u);
		EXPECT_TRUE(plat->violations().empty());
	}
}

} // namespace
