// In-flight tokens: begin is one audited decision plus a token, tokens increase and are never
// reused, a token completes once, unknown tokens are -ENOENT, the table's bound is -ENOSPC
// before any decision, and exit, quarantine and drop fail the pending operations of an agent.
#include "lsm_test_util.h"

using namespace lsm_test;

namespace {

TEST(Inflight, TokensIncreaseAndCompleteOnce)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "inference:kv" });
	std::vector<u64> tokens;
	for (int i = 0; i < 10; i++) {
		u64 tok = 0;
		ASSERT_EQ(t.begin(a, COCONUT_CAP_INFERENCE, "kv", &tok), 0);
		ASSERT_NE(tok, 0u);
		if (!tokens.empty()) {
			EXPECT_GT(tok, tokens.back());
		}
		tokens.push_back(tok);
	}
	EXPECT_EQ(co_inflight_pending(t.k, a), 10u);
	EXPECT_EQ(co_inflight_pending(t.k, COCONUT_AID_ROOT), 0u);
	for (u64 tok : tokens)
		EXPECT_EQ(t.complete(tok), 0);
	for (u64 tok : tokens)
		EXPECT_EQ(t.complete(tok), -ENOENT);
	EXPECT_EQ(t.complete(0), -ENOENT);
	EXPECT_EQ(t.complete(~0ull), -ENOENT);
	EXPECT_EQ(t.complete(tokens.back() + 1), -ENOENT);
	// A slot that comes round again carries a new token: the old one still names nothing.
	u64 tok = 0;
	ASSERT_EQ(t.begin(a, COCONUT_CAP_INFERENCE, "kv", &tok), 0);
	EXPECT_GT(tok, tokens.back());
	EXPECT_EQ(t.complete(tokens.front()), -ENOENT);
	EXPECT_EQ(t.complete(tok), 0);
	EXPECT_EQ(t.k->lsm_allows, 11u);
}

TEST(Inflight, ADeniedBeginHoldsNothing)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "inference:kv" });
	u64 tok = 42;
	EXPECT_EQ(t.begin(a, COCONUT_CAP_INFERENCE, "vllm", &tok), -ECAPABILITY);
	EXPECT_EQ(tok, 0u);
	EXPECT_EQ(co_inflight_pending(t.k, COCONUT_AID_NONE), 0u);
	EXPECT_EQ(t.k->lsm_denies, 1u);
}

TEST(Inflight, TheTableIsBoundedBeforeTheDecision)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "inference:kv" });
	std::vector<u64> tokens;
	for (u32 i = 0; i < CO_INFLIGHT_MAX; i++) {
		u64 tok = 0;
		ASSERT_EQ(t.begin(a, COCONUT_CAP_INFERENCE, "kv", &tok), 0);
		tokens.push_back(tok);
	}
	std::set<u64> distinct(tokens.begin(), tokens.end());
	EXPECT_EQ(distinct.size(), static_cast<size_t>(CO_INFLIGHT_MAX));
	const u64 allows = t.k->lsm_allows;
	u64 tok = 0;
	EXPECT_EQ(t.begin(a, COCONUT_CAP_INFERENCE, "kv", &tok), -ENOSPC);
	EXPECT_EQ(t.k->lsm_allows, allows); // no decision was made, none audited
	EXPECT_EQ(t.complete(tokens[100]), 0);
	EXPECT_EQ(t.begin(a, COCONUT_CAP_INFERENCE, "kv", &tok), 0);
	EXPECT_EQ(co_inflight_pending(t.k, a), static_cast<u32>(CO_INFLIGHT_MAX));
	for (size_t i = 0; i < tokens.size(); i++) {
		if (i != 100) {
			ASSERT_EQ(t.complete(tokens[i]), 0);
		}
	}
	EXPECT_EQ(t.complete(tok), 0);
	EXPECT_EQ(co_inflight_pending(t.k, COCONUT_AID_NONE), 0u);
}

TEST(Inflight, ExitQuarantineAndDropFailPendingOperations)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, { "inference:kv" });
	u64 child = t.spawn(a, { "inference:kv" });
	u64 q = t.spawn(COCONUT_AID_ROOT, { "inference:kv" });
	u64 d = t.spawn(COCONUT_AID_ROOT, { "inference:kv" });
	u64 keep = t.spawn(COCONUT_AID_ROOT, { "inference:kv" });
	u64 ta, tc, tq, td, tk;
	ASSERT_EQ(t.begin(a, COCONUT_CAP_INFERENCE, "kv", &ta), 0);
	ASSERT_EQ(t.begin(child, COCONUT_CAP_INFERENCE, "kv", &tc), 0);
	ASSERT_EQ(t.begin(q, COCONUT_CAP_INFERENCE, "kv", &tq), 0);
	ASSERT_EQ(t.begin(d, COCONUT_CAP_INFERENCE, "kv", &td), 0);
	ASSERT_EQ(t.begin(keep, COCONUT_CAP_INFERENCE, "kv", &tk), 0);
	// Exit takes the descendants with it (exit.c), and their pending operations fail.
	ASSERT_EQ(co_agent_exit(t.k, a), 0);
	ASSERT_EQ(co_agent_quarantine(t.k, COCONUT_AID_NONE, q), 0);
	t.lock();
	co_inflight_drop_agent(t.k, d);
	co_inflight_drop_agent(t.k, COCONUT_AID_NONE); // names nobody
	t.unlock();
	EXPECT_EQ(co_inflight_pending(t.k, COCONUT_AID_NONE), 5u);
	EXPECT_EQ(t.complete(ta), -ECAPABILITY);
	EXPECT_EQ(t.complete(tc), -ECAPABILITY);
	EXPECT_EQ(t.complete(tq), -ECAPABILITY);
	EXPECT_EQ(t.complete(td), -ECAPABILITY);
	EXPECT_EQ(t.complete(tk), 0);
	EXPECT_EQ(co_inflight_pending(t.k, COCONUT_AID_NONE), 0u);
}

} // namespace

// A revoke marks exactly the pending operations its removed caps authorised, found through the
// by-cap index (issue 18, item 6), not a pass over every slot: the table nearly full, spread
// over 32 (agent, cap) pairs that share chains, caps revoked one at a time, and every
// operation's mark checked against the rule after each revoke, then at completion.
TEST(Inflight, ARevokeMarksExactlyWhatItsRemovedCapsAuthorised)
{
	Kernel t;
	constexpr int kAgents = 8, kCaps = 4;
	std::vector<u64> agents;
	for (int i = 0; i < kAgents; i++)
		agents.push_back(t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/0", "fs.read:/d/1", "fs.read:/d/2", "fs.read:/d/3" }));
	struct Op {
		u64 token;
		int agent, cap;
	};
	std::vector<Op> ops;
	for (u32 i = 0; i + 1 < CO_INFLIGHT_MAX; i++) {
		const int a = static_cast<int>(i % kAgents), c = static_cast<int>(i / kAgents % kCaps);
		u64 tok = 0;
		ASSERT_EQ(t.begin(agents[static_cast<size_t>(a)], COCONUT_CAP_FS_READ, "/d/" + std::to_string(c), &tok), 0);
		ops.push_back({ tok, a, c });
	}
	std::set<std::pair<int, int>> removed;
	const auto check_marks = [&] {
		for (const Op &op : ops) {
			u64 aid = 0;
			bool revoked = false;
			u16 len = 0;
			ASSERT_EQ(co_inflight_get(t.k, op.token, &aid, &revoked, nullptr, 0, &len), 0);
			ASSERT_EQ(revoked, removed.count({ op.agent, op.cap }) == 1) << op.agent << " " << op.cap;
		}
	};
	check_marks();
	for (const auto &[a, c] : std::vector<std::pair<int, int>>{ { 3, 1 }, { 0, 0 }, { 7, 3 }, { 3, 2 }, { 5, 0 } }) {
		ASSERT_EQ(t.revoke(COCONUT_AID_ROOT, agents[static_cast<size_t>(a)], "fs.read:/d/" + std::to_string(c)), 0);
		removed.insert({ a, c });
		check_marks();
	}
	for (const Op &op : ops)
		EXPECT_EQ(t.complete(op.token), removed.count({ op.agent, op.cap }) ? -ECAPABILITY : 0);
	EXPECT_EQ(co_inflight_pending(t.k, COCONUT_AID_NONE), 0u);
}
