// Memory tiers (kernel/agent/tier.c): first fit with page rounding, addresses fixed per tier and
// identical across instances, exhaustion of bytes and of extents (-ENOMEM), budgets (-EDQUOT;
// RAM and SSD share the memory budget), release on exit, the MEM_TIER events, and a property
// against a model allocator with two tenants' limits over random allocate/exit sequences.
#include "lsm_test_util.h"

#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

using namespace lsm_test;

namespace {

constexpr u64 kPage = CO_TIER_ALIGN_BYTES;

int alloc(Kernel &t, u64 aid, u32 tier, u64 size, u64 *addr)
{
	t.lock();
	int rc = co_tier_alloc(t.k, t.agent(aid), tier, size, addr);
	t.unlock();
	return rc;
}

u64 alloc_ok(Kernel &t, u64 aid, u32 tier, u64 size)
{
	u64 addr = 0;
	EXPECT_EQ(alloc(t, aid, tier, size, &addr), 0) << size;
	return addr;
}

int set_budget(Kernel &t, u64 aid, u32 kind, u64 budget)
{
	t.lock();
	int rc = co_quota_set(t.k, t.agent(aid), kind, budget, COCONUT_QUOTA_SET);
	t.unlock();
	return rc;
}

TEST(Tier, Names)
{
	EXPECT_STREQ(co_tier_name(COCONUT_TIER_HBM), "hbm");
	EXPECT_STREQ(co_tier_name(COCONUT_TIER_RAM), "ram");
	EXPECT_STREQ(co_tier_name(COCONUT_TIER_SSD), "ssd");
	EXPECT_EQ(co_tier_name(COCONUT_TIER_COUNT), nullptr);
}

TEST(Tier, FirstFitWithPageRoundingAtFixedBases)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	u64 b = t.spawn(COCONUT_AID_ROOT, {});
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_HBM, 1), CO_TIER_BASE_HBM);
	EXPECT_EQ(alloc_ok(t, b, COCONUT_TIER_HBM, kPage), CO_TIER_BASE_HBM + kPage);
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_HBM, kPage + 1), CO_TIER_BASE_HBM + 2 * kPage);
	EXPECT_EQ(alloc_ok(t, b, COCONUT_TIER_HBM, 3 * kPage), CO_TIER_BASE_HBM + 4 * kPage);
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_RAM, 10), CO_TIER_BASE_RAM);
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_SSD, 10), CO_TIER_BASE_SSD);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_HBM].used_bytes, 7 * kPage);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_HBM].extent_count, 4u);
	// a's extents go: the first gap that fits is taken, lowest first.
	ASSERT_EQ(co_agent_exit(t.k, a), 0);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_HBM].used_bytes, 4 * kPage);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_RAM].used_bytes, 0u);
	EXPECT_EQ(alloc_ok(t, b, COCONUT_TIER_HBM, 2 * kPage), CO_TIER_BASE_HBM + 2 * kPage);
	EXPECT_EQ(alloc_ok(t, b, COCONUT_TIER_HBM, kPage), CO_TIER_BASE_HBM);
	EXPECT_EQ(alloc_ok(t, b, COCONUT_TIER_HBM, kPage), CO_TIER_BASE_HBM + 7 * kPage);
}

TEST(Tier, TheSameCallsGiveTheSameAddresses)
{
	std::vector<u64> runs[2];
	std::vector<u8> heads[2];
	for (int r = 0; r < 2; r++) {
		Kernel t;
		u64 a = t.spawn(COCONUT_AID_ROOT, {});
		u64 b = t.spawn(COCONUT_AID_ROOT, {});
		Rng rng(99);
		for (int i = 0; i < 200; i++) {
			u64 addr = 0;
			alloc(t, rng.chance(50) ? a : b, rng.below(COCONUT_TIER_COUNT),
			      1 + rng.below(5 * kPage), &addr);
			runs[r].push_back(addr);
		}
		heads[r].resize(COCONUT_DIGEST_SIZE);
		co_audit_head(&t.k->audit, heads[r].data(), nullptr);
	}
	EXPECT_EQ(runs[0], runs[1]);
	EXPECT_EQ(heads[0], heads[1]);
}

TEST(Tier, ExhaustionIsNoMemory)
{
	Options o = Options::single_tenant();
	o.tier_capacity[COCONUT_TIER_RAM] = 16 * kPage + 100; // a partial page at the end
	Kernel t(o);
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	u64 addr = 7;
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_RAM, 17 * kPage, &addr), -ENOMEM);
	EXPECT_EQ(addr, 0u);
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_RAM, ~0ull, &addr), -ENOMEM); // no rounding overflow
	for (u64 i = 0; i < 16; i++)
		EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_RAM, kPage), CO_TIER_BASE_RAM + i * kPage);
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_RAM, 1, &addr), -ENOMEM);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_RAM].used_bytes, 16 * kPage);
	EXPECT_EQ(t.agent(a)->quota[COCONUT_QUOTA_MEM].used, 16 * kPage);
	// Other tiers are untouched by one's exhaustion.
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_SSD, 1), CO_TIER_BASE_SSD);
}

TEST(Tier, EveryExtentInUseIsNoMemory)
{
	// Four tenants at their default limit (a quarter each) hold every extent of the tier.
	Kernel t;
	std::vector<u64> aids;
	for (u32 tenant = 1; tenant <= 4; tenant++)
		aids.push_back(t.spawn(COCONUT_AID_ROOT, {}, nullptr, "agent", tenant));
	u64 addr, next = CO_TIER_BASE_HBM;
	for (u64 a : aids) {
		for (u32 i = 0; i < CO_TENANT_EXTENTS_DEFAULT; i++, next += kPage)
			ASSERT_EQ(alloc_ok(t, a, COCONUT_TIER_HBM, 1), next);
		EXPECT_EQ(alloc(t, a, COCONUT_TIER_HBM, 1, &addr), -EDQUOT); // its tenant's answer
	}
	ASSERT_EQ(t.k->tiers[COCONUT_TIER_HBM].extent_count, static_cast<u32>(CO_TIER_EXTENTS_MAX));
	// A fifth tenant meets the machine's limit.
	const u64 e = t.spawn(COCONUT_AID_ROOT, {}, nullptr, "agent", 5);
	EXPECT_EQ(alloc(t, e, COCONUT_TIER_HBM, 1, &addr), -ENOMEM);
	for (u64 a : aids)
		ASSERT_EQ(co_agent_exit(t.k, a), 0);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_HBM].extent_count, 0u);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_HBM].used_bytes, 0u);
	EXPECT_EQ(alloc_ok(t, e, COCONUT_TIER_HBM, 1), CO_TIER_BASE_HBM);
}

TEST(Tier, BudgetsAreDiskQuota)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	ASSERT_EQ(set_budget(t, a, COCONUT_QUOTA_HBM, 2 * kPage), 0);
	ASSERT_EQ(set_budget(t, a, COCONUT_QUOTA_MEM, 3 * kPage), 0);
	u64 addr;
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_HBM, kPage), CO_TIER_BASE_HBM);
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_HBM, kPage + 1, &addr), -EDQUOT); // rounds to 2 pages
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_HBM, kPage), CO_TIER_BASE_HBM + kPage);
	EXPECT_EQ(t.agent(a)->quota[COCONUT_QUOTA_HBM].used, 2 * kPage);
	// RAM and SSD draw on the one memory budget.
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_RAM, 2 * kPage), CO_TIER_BASE_RAM);
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_SSD, 2 * kPage, &addr), -EDQUOT);
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_SSD, kPage), CO_TIER_BASE_SSD);
	EXPECT_EQ(t.agent(a)->quota[COCONUT_QUOTA_MEM].used, 3 * kPage);
	// A blocking budget does not make an allocation wait: still -EDQUOT.
	t.lock();
	ASSERT_EQ(co_quota_set(t.k, t.agent(a), COCONUT_QUOTA_MEM, 3 * kPage,
			       COCONUT_QUOTA_SET | COCONUT_QUOTA_BLOCK), 0);
	t.unlock();
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_RAM, 1, &addr), -EDQUOT);
	EXPECT_EQ(t.state(a), static_cast<u32>(COCONUT_STATE_ACTIVE));
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_RAM].used_bytes, 2 * kPage);
}

TEST(Tier, ErrorsAndEvents)
{
	Kernel t;
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	u64 addr = 5;
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_HBM, 0, &addr), -EINVAL);
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_COUNT, 1, &addr), -EINVAL);
	EXPECT_EQ(addr, 0u);
	ASSERT_EQ(set_budget(t, a, COCONUT_QUOTA_HBM, kPage), 0);
	u64 from = t.sealed();
	EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_HBM, 5), CO_TIER_BASE_HBM);
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_HBM, 5, &addr), -EDQUOT);
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_RAM, 1ull << 40, &addr), -ENOMEM);
	auto evs = t.events(from);
	std::vector<co_audit_event> mem;
	for (const auto &ev : evs)
		if (ev.type == COCONUT_EV_MEM_TIER)
			mem.push_back(ev);
	ASSERT_EQ(mem.size(), 3u);
	EXPECT_EQ(mem[0].aid, a);
	EXPECT_EQ(mem[0].arg, CO_TIER_BASE_HBM);
	EXPECT_EQ(mem[0].result, 0);
	EXPECT_EQ(std::vector<u8>(mem[0].object_digest, mem[0].object_digest + 32), blake3("hbm"));
	EXPECT_EQ(mem[1].result, -EDQUOT);
	EXPECT_EQ(mem[1].arg, 0u);
	EXPECT_EQ(mem[2].result, -ENOMEM);
	EXPECT_EQ(std::vector<u8>(mem[2].object_digest, mem[2].object_digest + 32), blake3("ram"));
	ASSERT_EQ(co_agent_exit(t.k, a), 0);
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_HBM, 1, &addr), -ESTALE);
	EXPECT_EQ(t.agent(a)->quota[COCONUT_QUOTA_HBM].used, 0u);
}

TEST(Tier, BackpressureAllocatesNothing)
{
	Options o;
	o.ring_slots = 4;
	o.seal_inline = false;
	Kernel t(o);
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	u64 a = t.spawn(COCONUT_AID_ROOT, {});
	co_audit_seal(&t.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(alloc_ok(t, a, COCONUT_TIER_HBM, 1), CO_TIER_BASE_HBM + i * kPage);
	u64 addr = 9;
	EXPECT_EQ(alloc(t, a, COCONUT_TIER_HBM, 1, &addr), -EBUSY);
	EXPECT_EQ(addr, 0u);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_HBM].extent_count, 4u);
	EXPECT_EQ(t.agent(a)->quota[COCONUT_QUOTA_HBM].used, 4 * kPage);
}

// ---- Property: the allocator against a model (first fit over a sorted list) ----------------

struct ModelExtent {
	u64 off, size, aid;
};

RC_GTEST_PROP(TierProp, MatchesAFirstFitModel, ())
{
	const auto seed = *rc::gen::arbitrary<uint64_t>();
	const auto steps = *rc::gen::inRange(1, 150);
	Rng rng(seed);
	Options o;
	const u64 cap = 64 * kPage + 123;
	o.tier_capacity[COCONUT_TIER_SSD] = cap;
	// Two tenants, each allowed half the bytes and 24 extents: the limits bind often.
	o.tenant_tier_percent = 50;
	o.tenant_extents_max = 24;
	const u64 tenant_bytes_max = (cap * 50 / 100 + kPage - 1) / kPage * kPage; // page up
	Kernel t(o);
	std::vector<u64> aids;
	std::map<u64, u32> tenant_of;
	auto spawn = [&](u32 tenant) {
		const u64 aid = t.spawn(COCONUT_AID_ROOT, {}, nullptr, "agent", tenant);
		tenant_of[aid] = tenant;
		aids.push_back(aid);
	};
	for (u32 i = 0; i < 4; i++)
		spawn(1 + i % 2);
	std::vector<ModelExtent> model;
	for (int s = 0; s < steps; s++) {
		u64 aid = aids[rng.below(static_cast<u32>(aids.size()))];
		if (rng.chance(10)) {
			if (co_agent_state_terminal(t.state(aid)))
				continue;
			RC_ASSERT(co_agent_exit(t.k, aid) == 0);
			model.erase(std::remove_if(model.begin(), model.end(),
						   [&](const ModelExtent &e) { return e.aid == aid; }),
				    model.end());
			spawn(tenant_of[aid]);
			continue;
		}
		if (co_agent_state_terminal(t.state(aid)))
			continue;
		const u64 size = 1 + rng.below(static_cast<u32>(8 * kPage));
		const u64 rounded = (size + kPage - 1) / kPage * kPage;
		// The model: the lowest gap between sorted extents that holds the rounded size.
		u64 cursor = 0, want = ~0ull;
		size_t at = model.size();
		for (size_t i = 0; i < model.size(); i++) {
			if (model[i].off - cursor >= rounded) {
				at = i;
				break;
			}
			cursor = model[i].off + model[i].size;
		}
		if (at < model.size() || cap - cursor >= rounded)
			want = cursor;
		// The tenant's limits come before the pool: -EDQUOT whatever the pool holds.
		u64 tenant_bytes = 0, tenant_extents = 0;
		for (const auto &e : model)
			if (tenant_of[e.aid] == tenant_of[aid]) {
				tenant_bytes += e.size;
				tenant_extents++;
			}
		u64 addr = 0;
		const int rc = alloc(t, aid, COCONUT_TIER_SSD, size, &addr);
		if (tenant_extents >= 24 || tenant_bytes + rounded > tenant_bytes_max) {
			RC_ASSERT(rc == -EDQUOT);
			continue;
		}
		if (want == ~0ull) {
			RC_ASSERT(rc == -ENOMEM);
			continue;
		}
		RC_ASSERT(rc == 0);
		RC_ASSERT(addr == CO_TIER_BASE_SSD + want);
		model.insert(model.begin() + static_cast<long>(at), ModelExtent{ want, rounded, aid });
	}
	u64 used = 0;
	for (const auto &e : model)
		used += e.size;
	RC_ASSERT(t.k->tiers[COCONUT_TIER_SSD].used_bytes == used);
	RC_ASSERT(t.k->tiers[COCONUT_TIER_SSD].extent_count == model.size());
	for (u64 aid : aids) {
		u64 mine = 0;
		for (const auto &e : model)
			if (e.aid == aid)
				mine += e.size;
		RC_ASSERT(t.agent(aid)->quota[COCONUT_QUOTA_MEM].used == mine);
	}
}

} // namespace
