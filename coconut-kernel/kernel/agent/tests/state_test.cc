// The state machine (kernel/agent/state.c): every (from, to) pair against the specification
// written out here independently, guards, terminal absorption, the Capability-denied rule, and
// a transition the audit chain refuses.
#include "agent_test_util.h"

#include <set>
#include <utility>

using namespace agent_test;

namespace {

constexpr u32 S = COCONUT_STATE_SPAWNING, AT = COCONUT_STATE_ATTESTED, A = COCONUT_STATE_ACTIVE,
	      IB = COCONUT_STATE_INFERENCE_BLOCKED, CD = COCONUT_STATE_CAPABILITY_DENIED,
	      Q = COCONUT_STATE_QUARANTINED, TC = COCONUT_STATE_TERMINATED_CLEAN,
	      TR = COCONUT_STATE_TERMINATED_REVOKED;

// The specification (docs/uapi.md, "Agent states"), written out again on purpose.
const std::set<std::pair<u32, u32>> &spec()
{
	static const std::set<std::pair<u32, u32>> s = {
		{S, AT},  {S, TR},  {AT, A},  {AT, TR}, {A, IB},  {IB, A},  {A, CD},
		{CD, A},  {A, Q},   {IB, Q},  {CD, Q},  {Q, A},   {Q, IB},  {A, TC},
		{IB, TC}, {CD, TC}, {Q, TC},  {A, TR},  {IB, TR}, {CD, TR}, {Q, TR},
	};
	return s;
}

// An agent of the table (a child of root, not in root's registry) put straight into `state`,
// with what every guard of a transition from it to `to` needs to pass.
co_agent *raw_agent(Kernel &t, u32 state, u32 to)
{
	co_agent *a = co_agent_alloc(t.k, 0);
	co_agent *evicted = nullptr;
	u64 aid = 0;
	EXPECT_EQ(co_agent_table_reserve(t.k, &aid), 0);
	a->aid = aid;
	a->parent_aid = COCONUT_AID_ROOT;
	a->depth = 1;
	a->flags = CO_AGENT_F_VERIFIED | CO_AGENT_F_REGISTERED;
	co_agent_table_insert(t.k, a, &evicted);
	EXPECT_EQ(evicted, nullptr);
	if (to == IB && state == A)
		a->quota[COCONUT_QUOTA_TOKENS].block = true;
	if (to == IB && state == Q)
		a->quota[COCONUT_QUOTA_TOKENS].waiting = 10;
	a->state = (u8)state; // the test's own setup: the kernel writes state only by transition
	if (co_agent_state_terminal(state))
		t.k->live_count--;
	return a;
}

TEST(AgentState, EveryPairFollowsTheSpecification)
{
	for (u32 from = 0; from < COCONUT_STATE_COUNT; from++) {
		for (u32 to = 0; to <= COCONUT_STATE_COUNT; to++) {
			Kernel t;
			ASSERT_NE(t.k, nullptr);
			co_agent *a = raw_agent(t, from, to);
			size_t before = t.event_count();
			bool allowed = spec().count({from, to}) > 0;
			EXPECT_EQ(co_agent_transition_allowed(from, to), allowed)
				<< from << "->" << to;

			co_kernel_lock(t.k);
			int rc = co_agent_transition(t.k, a, to);
			co_kernel_unlock(t.k);
			co_kernel_seal(t.k);
			SCOPED_TRACE(std::string(co_agent_state_name(from)) + " -> " +
				     co_agent_state_name(to));
			if (allowed) {
				EXPECT_EQ(rc, 0);
				EXPECT_EQ(a->state, to);
				EXPECT_EQ(a->prev_state, from);
				auto evs = t.events_from(before);
				ASSERT_EQ(evs.size(), 1u) << describe(evs);
				EXPECT_TRUE(is_state(evs[0], a->aid, from, to)) << describe(evs[0]);
				EXPECT_EQ(evs[0].result, 0);
			} else {
				EXPECT_EQ(rc, -EINVAL);
				EXPECT_EQ(a->state, from);
				EXPECT_EQ(t.event_count(), before);
			}
		}
	}
}

TEST(AgentState, TableMatchesSpecificationBothWays)
{
	std::set<std::pair<u32, u32>> table;
	u32 from, to;
	for (u32 i = 0; co_agent_transition_at(i, &from, &to); i++) {
		EXPECT_TRUE(table.insert({from, to}).second) << "duplicate entry " << i;
		EXPECT_NE(from, to) << "no self transition";
	}
	EXPECT_EQ(table.size(), co_agent_transition_count());
	EXPECT_EQ(table, spec());
}

TEST(AgentState, PredecessorsAreDerivedFromTheTable)
{
	for (u32 to = 0; to < COCONUT_STATE_COUNT; to++) {
		u32 mask = 0;
		for (const auto &e : spec())
			if (e.second == to)
				mask |= 1u << e.first;
		EXPECT_EQ(co_agent_state_predecessors(to), mask) << co_agent_state_name(to);
	}
	EXPECT_EQ(co_agent_state_predecessors(S), 0u) << "nothing leads back to Spawning";
}

TEST(AgentState, TerminalStatesAbsorb)
{
	for (u32 term : {TC, TR}) {
		EXPECT_TRUE(co_agent_state_terminal(term));
		for (u32 to = 0; to < COCONUT_STATE_COUNT; to++)
			EXPECT_FALSE(co_agent_transition_allowed(term, to));
	}
	for (u32 s = 0; s < TC; s++)
		EXPECT_FALSE(co_agent_state_terminal(s));
}

TEST(AgentState, Names)
{
	const char *names[] = {"spawning", "attested", "active", "inference-blocked",
			       "capability-denied", "quarantined", "terminated-clean",
			       "terminated-revoked"};
	for (u32 s = 0; s < COCONUT_STATE_COUNT; s++)
		EXPECT_STREQ(co_agent_state_name(s), names[s]);
	EXPECT_STREQ(co_agent_state_name(COCONUT_STATE_COUNT), "unknown");
}

// Each guard refuses when its condition is missing, with nothing changed and nothing audited.
TEST(AgentState, GuardsRefuseWithoutTheirCondition)
{
	struct Case {
		u32 from, to;
		void (*undo)(co_agent *);
		const char *why;
	};
	const Case cases[] = {
		{S, AT, [](co_agent *a) { a->flags &= ~CO_AGENT_F_VERIFIED; }, "not verified"},
		{AT, A, [](co_agent *a) { a->flags &= ~CO_AGENT_F_REGISTERED; }, "not registered"},
		{A, IB, [](co_agent *a) { a->quota[COCONUT_QUOTA_TOKENS].block = false; },
		 "no blocking budget"},
		{Q, IB, [](co_agent *a) { a->quota[COCONUT_QUOTA_TOKENS].waiting = 0; },
		 "no waiting charge"},
		{Q, A, [](co_agent *a) { a->quota[COCONUT_QUOTA_MEM].waiting = 1; },
		 "a charge still waits"},
	};
	for (const Case &c : cases) {
		Kernel t;
		co_agent *a = raw_agent(t, c.from, c.to);
		c.undo(a);
		size_t before = t.event_count();
		co_kernel_lock(t.k);
		EXPECT_EQ(co_agent_transition(t.k, a, c.to), -EINVAL) << c.why;
		co_kernel_unlock(t.k);
		co_kernel_seal(t.k);
		EXPECT_EQ(a->state, c.from) << c.why;
		EXPECT_EQ(t.event_count(), before) << c.why;
	}
}

TEST(AgentState, RootIsNeverQuarantinedOrTerminated)
{
	Kernel t;
	co_agent *root = t.find(COCONUT_AID_ROOT);
	ASSERT_NE(root, nullptr);
	EXPECT_EQ(root->state, A);
	co_kernel_lock(t.k);
	for (u32 to : {Q, TC, TR})
		EXPECT_EQ(co_agent_transition(t.k, root, to), -EINVAL);
	co_kernel_unlock(t.k);
	EXPECT_EQ(root->state, A);
}

TEST(AgentState, CapabilityDeniedIsEnteredOnDenyAndLeftOnAllow)
{
	Kernel t;
	co_agent *a = raw_agent(t, A, A);
	size_t before = t.event_count();
	co_kernel_lock(t.k);
	EXPECT_EQ(co_agent_note_decision(t.k, a, true), 0);
	EXPECT_EQ(a->state, A) << "an allow leaves Active alone";
	EXPECT_EQ(co_agent_note_decision(t.k, a, false), 0);
	EXPECT_EQ(a->state, CD);
	EXPECT_EQ(co_agent_note_decision(t.k, a, false), 0);
	EXPECT_EQ(a->state, CD) << "a second deny changes nothing";
	EXPECT_EQ(co_agent_note_decision(t.k, a, true), 0);
	EXPECT_EQ(a->state, A);
	co_kernel_unlock(t.k);
	co_kernel_seal(t.k);
	auto evs = t.events_from(before);
	ASSERT_EQ(evs.size(), 2u) << describe(evs);
	EXPECT_TRUE(is_state(evs[0], a->aid, A, CD));
	EXPECT_TRUE(is_state(evs[1], a->aid, CD, A));

	// Blocked and quarantined agents keep their state whatever the decision.
	for (u32 s : {IB, Q}) {
		co_agent *b = raw_agent(t, s, s);
		co_kernel_lock(t.k);
		EXPECT_EQ(co_agent_note_decision(t.k, b, false), 0);
		EXPECT_EQ(co_agent_note_decision(t.k, b, true), 0);
		co_kernel_unlock(t.k);
		EXPECT_EQ(b->state, s);
	}
}

// A transition the chain cannot record (sealer stalled, ring full) is not made.
TEST(AgentState, RefusedByTheAuditChainChangesNothing)
{
	Kernel t;
	co_agent *a = raw_agent(t, A, Q);
	co_audit_set_stalled(&t.k->audit, true);
	co_audit_event ev;
	int rc = 0;
	for (int i = 0; i < 100000 && rc == 0; i++) {
		co_audit_event_init(&ev, COCONUT_EV_QUOTA, 0, 0);
		rc = co_audit_append(&t.k->audit, &ev);
	}
	ASSERT_EQ(rc, -EBUSY);
	size_t live = t.k->live_count;
	co_kernel_lock(t.k);
	EXPECT_EQ(co_agent_transition(t.k, a, Q), -EBUSY);
	EXPECT_EQ(co_agent_transition(t.k, a, TR), -EBUSY);
	co_kernel_unlock(t.k);
	EXPECT_EQ(a->state, A);
	EXPECT_EQ(t.k->live_count, live);

	co_audit_set_stalled(&t.k->audit, false);
	co_kernel_lock(t.k);
	EXPECT_EQ(co_agent_transition(t.k, a, Q), 0) << "the ring drains on the first retry";
	co_kernel_unlock(t.k);
	EXPECT_EQ(a->state, Q);
}

} // namespace
