// The agent table (kernel/agent/table.c): AIDs monotonic and never reused, the direct-mapped
// slots with tombstones evicted when the table comes round, AIDs skipped over live agents,
// lookup's -ESRCH / -ESTALE, ancestry, and the children registry.
#include "agent_test_util.h"

using namespace agent_test;

namespace {

constexpr u32 A = COCONUT_STATE_ACTIVE, TC = COCONUT_STATE_TERMINATED_CLEAN;

// A live agent put straight into the table (stage 3 without the request). Lock held.
co_agent *raw_insert(Kernel &t, co_agent *a, co_agent **evicted)
{
	u64 aid = 0;
	EXPECT_EQ(co_agent_table_reserve(t.k, &aid), 0);
	a->aid = aid;
	a->parent_aid = 1;
	a->depth = 1;
	a->state = A;
	co_agent_table_insert(t.k, a, evicted);
	return a;
}

// Terminates a raw agent as co_agent_transition would (the test's own shortcut).
void raw_terminate(Kernel &t, co_agent *a)
{
	a->state = TC;
	t.k->live_count--;
}

TEST(AgentTable, AidsAreMonotonicFromRoot)
{
	Kernel t;
	for (u64 want = 2; want < 12; want++)
		EXPECT_EQ(t.spawn(1, {}), (s64)want);
	for (u64 aid = 2; aid < 12; aid++)
		ASSERT_EQ(co_agent_exit(t.k, aid), 0);
	EXPECT_EQ(t.spawn(1, {}), 12) << "terminated AIDs are never reused";
	EXPECT_EQ(t.k->agent_count, 12u) << "tombstones stay while there is room";
	EXPECT_EQ(t.k->live_count, 2u);
}

TEST(AgentTable, WrapEvictsTombstonesAndSkipsLiveSlots)
{
	Kernel t;
	std::vector<co_agent *> fresh;
	for (u32 i = 1; i < CO_AGENTS_MAX; i++)
		fresh.push_back(co_agent_alloc(t.k, 0));
	co_kernel_lock(t.k);
	for (co_agent *a : fresh) {
		co_agent *ev = nullptr;
		raw_insert(t, a, &ev);
		ASSERT_EQ(ev, nullptr);
	}
	ASSERT_EQ(t.k->agent_count, (u32)CO_AGENTS_MAX);
	ASSERT_EQ(t.k->next_aid, (u64)CO_AGENTS_MAX + 1);
	u64 aid;
	EXPECT_EQ(co_agent_table_reserve(t.k, &aid), -ENOSPC);

	// Agents 2 and 3 end: the next AID (4097) maps onto root's slot, which is live, so it is
	// skipped; 4098 takes agent 2's slot and evicts its tombstone.
	raw_terminate(t, t.find(2));
	raw_terminate(t, t.find(3));
	ASSERT_EQ(co_agent_table_reserve(t.k, &aid), 0);
	EXPECT_EQ(aid, (u64)CO_AGENTS_MAX + 2);
	co_kernel_unlock(t.k);
	co_agent *a = co_agent_alloc(t.k, 0);
	co_kernel_lock(t.k);
	co_agent *evicted = nullptr;
	raw_insert(t, a, &evicted);
	co_kernel_unlock(t.k);
	ASSERT_NE(evicted, nullptr);
	EXPECT_EQ(evicted->aid, 2u);
	co_agent_free(t.k, evicted);

	int err = 0;
	EXPECT_EQ(t.find(CO_AGENTS_MAX + 2), a);
	EXPECT_EQ(t.find(2), nullptr);
	EXPECT_EQ(co_agent_lookup(t.k, 2, &err), nullptr);
	EXPECT_EQ(err, -ESTALE) << "an evicted tombstone still answers -ESTALE";
	EXPECT_EQ(co_agent_lookup(t.k, CO_AGENTS_MAX + 1, &err), nullptr);
	EXPECT_EQ(err, -ESTALE) << "a skipped AID is below next_aid";
	EXPECT_EQ(co_agent_lookup(t.k, CO_AGENTS_MAX + 3, &err), nullptr);
	EXPECT_EQ(err, -ESRCH);
	ASSERT_NE(t.find(3), nullptr);
	EXPECT_EQ(t.find(3)->state, TC) << "the other tombstone waits for its slot";
	EXPECT_EQ(t.k->agent_count, (u32)CO_AGENTS_MAX);
	EXPECT_EQ(t.k->live_count, (u32)CO_AGENTS_MAX - 1);
}

TEST(AgentTable, Ancestry)
{
	Kernel t;
	ASSERT_EQ(t.spawn(1, {"agent.spawn"}), 2);
	ASSERT_EQ(t.spawn(2, {"agent.spawn"}), 3);
	ASSERT_EQ(t.spawn(3, {}), 4);
	ASSERT_EQ(t.spawn(1, {}), 5);
	auto anc = [&](u64 x, u64 y) { return co_agent_is_ancestor(t.k, t.find(x), t.find(y)); };
	EXPECT_TRUE(anc(1, 4));
	EXPECT_TRUE(anc(2, 4));
	EXPECT_TRUE(anc(3, 4));
	EXPECT_FALSE(anc(4, 4));
	EXPECT_FALSE(anc(4, 3));
	EXPECT_FALSE(anc(5, 4));
	EXPECT_FALSE(anc(2, 5));
	EXPECT_FALSE(anc(1, 1));
	EXPECT_TRUE(co_agent_is_self_or_ancestor(t.k, t.find(4), t.find(4)));
}

TEST(AgentTable, ChildrenRegistryKeepsOrder)
{
	co_agent *p = static_cast<co_agent *>(calloc(1, sizeof(co_agent)));
	for (u64 i = 0; i < CO_AGENT_CHILDREN_MAX; i++)
		ASSERT_EQ(co_agent_child_add(p, 100 + i), 0);
	EXPECT_EQ(co_agent_child_add(p, 999), -ENOSPC);
	co_agent_child_remove(p, 101);
	co_agent_child_remove(p, 100 + CO_AGENT_CHILDREN_MAX - 1);
	ASSERT_EQ(p->child_count, (u32)CO_AGENT_CHILDREN_MAX - 2);
	EXPECT_EQ(p->children[0], 100u);
	EXPECT_EQ(p->children[1], 102u);
	EXPECT_EQ(p->children[p->child_count - 1], 100u + CO_AGENT_CHILDREN_MAX - 2);
	EXPECT_EQ(p->children[p->child_count], 0u);
	free(p);
}

} // namespace
