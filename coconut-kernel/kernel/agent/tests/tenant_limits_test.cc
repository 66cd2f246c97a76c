// What one tenant can deny the others (issue 17, finding 2): a tenant that spawns or allocates
// until the kernel refuses meets its own limit (-EDQUOT), and every other tenant can still spawn
// and allocate. Before the limits, a flooding tenant filled the 4,096-slot table and all 1,024
// extents (or every byte) of a tier, and every tenant got -ENOSPC / -ENOMEM until reload.
// Also: only root starts tenants (a child's manifest names its parent's tenant), and
// agent_exit gives back what an agent held, so a tenant at its limit can go on.
#include "agent_test_util.h"

using namespace agent_test;

namespace {

constexpr u32 kFlood = 1;
constexpr u32 kVictim = 2;

// Spawns under `top` (breadth first, every agent may spawn) until the kernel refuses; the
// agents made and the refusal.
struct Flood {
	std::vector<u64> aids;
	s64 refusal = 0;
};

Flood spawn_until_refused(Kernel &t, u64 top, u32 tenant)
{
	Flood f;
	const Bytes req = t.request({ "agent.spawn", "mem.tier:*" }, "flood", tenant);
	std::vector<u64> parents = { top };
	// The table has CO_AGENTS_MAX slots: a bounded loop whatever the kernel does.
	for (size_t p = 0; p < parents.size() && f.aids.size() <= CO_AGENTS_MAX; p++) {
		for (u32 c = 0; c < CO_AGENT_CHILDREN_MAX; c++) {
			const s64 r = co_sys_agent_spawn(t.k, parents[p], req.data(), req.size());
			if (r < 0) {
				f.refusal = r;
				return f;
			}
			f.aids.push_back(static_cast<u64>(r));
			parents.push_back(static_cast<u64>(r));
		}
	}
	return f;
}

const std::vector<std::string> kTop = { "agent.spawn", "mem.tier:*" };

// The top agents of the flooding and the victim tenant, both children of root.
struct TwoTenants {
	Kernel t;
	u64 flood = 0, victim = 0;

	TwoTenants()
	{
		const s64 f = t.spawn(COCONUT_AID_ROOT, kTop, "flood", kFlood);
		const s64 v = t.spawn(COCONUT_AID_ROOT, kTop, "victim", kVictim);
		EXPECT_GT(f, 0);
		EXPECT_GT(v, 0);
		flood = static_cast<u64>(f);
		victim = static_cast<u64>(v);
	}
	s64 tier(u64 aid, u32 which, u64 bytes)
	{
		return co_sys_agent_memory_tier(t.k, COCONUT_AID_ROOT, aid, which, bytes);
	}
};

TEST(TenantLimits, AFloodingTenantCannotTakeTheAgentTable)
{
	TwoTenants w;
	const Flood f = spawn_until_refused(w.t, w.flood, kFlood);
	// The flood meets its tenant's limit, not the machine's.
	EXPECT_EQ(f.refusal, -EDQUOT) << f.aids.size() << " agents spawned";
	EXPECT_LT(f.aids.size() + 1, static_cast<size_t>(CO_AGENTS_MAX));
	// The victim tenant still spawns.
	EXPECT_GT(w.t.spawn(w.victim, kTop, "victim-worker", kVictim), 0);
}

TEST(TenantLimits, AFloodingTenantCannotTakeEveryExtentOfATier)
{
	TwoTenants w;
	s64 r = 0;
	u32 extents = 0;
	for (; extents <= CO_TIER_EXTENTS_MAX; extents++) {
		r = w.tier(w.flood, COCONUT_TIER_RAM, 4096);
		if (r < 0)
			break;
	}
	EXPECT_EQ(r, -EDQUOT) << extents << " extents taken";
	EXPECT_LT(extents, static_cast<u32>(CO_TIER_EXTENTS_MAX));
	EXPECT_GT(w.tier(w.victim, COCONUT_TIER_RAM, 4096), 0);
}

TEST(TenantLimits, AFloodingTenantCannotTakeEveryByteOfATier)
{
	TwoTenants w;
	const u64 capacity = CO_TIER_CAPACITY_HBM_DEFAULT;
	EXPECT_EQ(w.tier(w.flood, COCONUT_TIER_HBM, capacity), -EDQUOT);
	// Half the tier in one call, then what is left in another: the second meets the limit.
	const s64 half = w.tier(w.flood, COCONUT_TIER_HBM, capacity / 2);
	const s64 rest = w.tier(w.flood, COCONUT_TIER_HBM, capacity / 2);
	EXPECT_TRUE(half < 0 || rest < 0) << "the flood took the whole tier";
	EXPECT_GT(w.tier(w.victim, COCONUT_TIER_HBM, capacity / 8), 0);
}

} // namespace

namespace {

TEST(TenantLimits, OnlyRootStartsTenants)
{
	Kernel t;
	const s64 top = t.spawn(COCONUT_AID_ROOT, kTop, "flood", kFlood);
	ASSERT_GT(top, 0);
	const u64 next = t.k->next_aid;
	const size_t events = t.event_count();
	// A manifest naming another tenant, below root: refused before an AID is consumed.
	EXPECT_EQ(t.spawn(static_cast<u64>(top), kTop, "escape", kVictim), -EPERM);
	EXPECT_EQ(t.k->next_aid, next);
	EXPECT_EQ(t.event_count(), events);
	// Its own tenant is fine; root may start any.
	EXPECT_GT(t.spawn(static_cast<u64>(top), kTop, "worker", kFlood), 0);
	EXPECT_GT(t.spawn(COCONUT_AID_ROOT, kTop, "victim", kVictim), 0);
}

TEST(TenantLimits, AgentExitGivesBackWhatATenantHeld)
{
	Kernel t;
	const s64 top = t.spawn(COCONUT_AID_ROOT, kTop, "flood", kFlood);
	ASSERT_GT(top, 0);
	const Flood f = spawn_until_refused(t, static_cast<u64>(top), kFlood);
	ASSERT_EQ(f.refusal, -EDQUOT);
	ASSERT_EQ(f.aids.size() + 1, static_cast<size_t>(CO_TENANT_AGENTS_DEFAULT));
	// The top kills its first child (and the child's subtree): the tenant may spawn again.
	const u64 first = f.aids.front();
	const co_agent *fc = t.find(first);
	ASSERT_NE(fc, nullptr);
	const u32 subtree = 1 + fc->child_count; // breadth first: its children are leaves here
	EXPECT_EQ(co_sys_agent_exit(t.k, static_cast<u64>(top), first, 0), 0);
	EXPECT_EQ(t.state(first), static_cast<u32>(COCONUT_STATE_TERMINATED_REVOKED));
	// Under two leaves (a parent holds at most CO_AGENT_CHILDREN_MAX children).
	const u64 leaves[2] = { f.aids[f.aids.size() - 2], f.aids[f.aids.size() - 3] };
	for (u32 i = 0; i < subtree; i++)
		EXPECT_GT(t.spawn(leaves[i % 2], kTop, "again", kFlood), 0) << i;
	EXPECT_EQ(t.spawn(leaves[0], kTop, "again", kFlood), -EDQUOT);

	// Extents: an agent at the tenant's extent limit exits; another of the tenant allocates.
	const u64 w = f.aids.back();
	s64 r = 0;
	for (u32 i = 0; i <= CO_TENANT_EXTENTS_DEFAULT && r >= 0; i++)
		r = co_sys_agent_memory_tier(t.k, w, w, COCONUT_TIER_SSD, 4096);
	ASSERT_EQ(r, -EDQUOT);
	EXPECT_EQ(co_sys_agent_exit(t.k, w, w, 0), 0);
	EXPECT_EQ(t.state(w), static_cast<u32>(COCONUT_STATE_TERMINATED_CLEAN));
	EXPECT_EQ(co_sys_agent_memory_tier(t.k, static_cast<u64>(top), static_cast<u64>(top),
					   COCONUT_TIER_SSD, 4096),
		  static_cast<s64>(CO_TIER_BASE_SSD));
}

TEST(AgentExit, WhoMayEndWhom)
{
	Kernel t;
	const s64 a = t.spawn(COCONUT_AID_ROOT, kTop, "a", kFlood);
	const s64 b = t.spawn(a, kTop, "b", kFlood);
	const s64 c = t.spawn(b, kTop, "c", kFlood);
	const s64 other = t.spawn(COCONUT_AID_ROOT, kTop, "other", kVictim);
	ASSERT_GT(a, 0);
	ASSERT_GT(b, 0);
	ASSERT_GT(c, 0);
	ASSERT_GT(other, 0);
	const auto A = static_cast<u64>(a), B = static_cast<u64>(b), C = static_cast<u64>(c),
		   O = static_cast<u64>(other);
	EXPECT_EQ(co_sys_agent_exit(t.k, A, B, 1), -EINVAL);
	EXPECT_EQ(co_sys_agent_exit(t.k, 0, B, 0), -ESRCH);
	EXPECT_EQ(co_sys_agent_exit(t.k, A, 999, 0), -ESRCH);
	// Not root, not upwards, not sideways or across tenants.
	EXPECT_EQ(co_sys_agent_exit(t.k, A, COCONUT_AID_ROOT, 0), -EPERM);
	EXPECT_EQ(co_sys_agent_exit(t.k, COCONUT_AID_ROOT, COCONUT_AID_ROOT, 0), -EPERM);
	EXPECT_EQ(co_sys_agent_exit(t.k, C, B, 0), -EPERM);
	EXPECT_EQ(co_sys_agent_exit(t.k, O, B, 0), -EPERM);
	EXPECT_EQ(co_sys_agent_exit(t.k, A, O, 0), -EPERM);
	// A quarantined ancestor kills nothing, but may still exit itself.
	ASSERT_EQ(co_agent_quarantine(t.k, COCONUT_AID_NONE, B), 0);
	EXPECT_EQ(co_sys_agent_exit(t.k, B, C, 0), -EPERM);
	EXPECT_EQ(t.state(C), static_cast<u32>(COCONUT_STATE_ACTIVE));
	const size_t from = t.event_count();
	EXPECT_EQ(co_sys_agent_exit(t.k, B, B, 0), 0);
	// EXIT for B, then its subtree leaves deepest first.
	const auto evs = t.events_from(from);
	ASSERT_GE(evs.size(), 3u) << describe(evs);
	EXPECT_EQ(evs[0].type, static_cast<u32>(COCONUT_EV_EXIT));
	EXPECT_EQ(evs[0].aid, B);
	EXPECT_EQ(evs[0].arg, static_cast<u64>(COCONUT_STATE_TERMINATED_CLEAN));
	EXPECT_TRUE(is_state(evs[1], C, COCONUT_STATE_ACTIVE, COCONUT_STATE_TERMINATED_CLEAN))
		<< describe(evs);
	EXPECT_TRUE(is_state(evs[2], B, COCONUT_STATE_QUARANTINED,
			     COCONUT_STATE_TERMINATED_CLEAN))
		<< describe(evs);
	EXPECT_EQ(co_sys_agent_exit(t.k, A, B, 0), -ESTALE);
	EXPECT_EQ(co_sys_agent_exit(t.k, C, C, 0), -ESTALE);
	// Root may end a tenant's top agent.
	EXPECT_EQ(co_sys_agent_exit(t.k, COCONUT_AID_ROOT, O, 0), 0);
	EXPECT_EQ(t.state(O), static_cast<u32>(COCONUT_STATE_TERMINATED_REVOKED));
}

} // namespace
