// Memory of a kernel instance as agents are added (issue 18, item 3): each agent's cap set is
// sized by what it holds, so the 200-tenant platform (root, 200 tenant agents, 200 apps, two
// caps each) fits in 16 MiB with the module's default audit memory for 64 CPUs, and 4,096
// agents are reported. A fixed 256-cap set (~88 KiB an agent) made the same 400 agents 35 MiB.
// Sizes are the platform's own count of live bytes: every allocation the kernel makes. And a
// grant that needs a larger store: grown outside the lock, or refused whole when it cannot be.
#include "lsm_test_util.h"

#include "coconut/syscalls.h"

#include <cstdio>

using namespace lsm_test;

namespace {

constexpr size_t kMiB = 1024 * 1024;
// An agent's ceiling: its manifest's texts, here the fixture's root caps (18 texts, ~330 bytes).
constexpr size_t kCeilingBytes = 512;

Options platform_options()
{
	Options o;
	o.cpus = 64; // platform-200-tenants' machine
	o.ring_slots = 256; // the module's defaults (co_kernel_config_default)
	o.log_events = CO_AUDIT_LOG_EVENTS_DEFAULT;
	return o;
}

// What the audit layer allocates for o (audit.c: rings, ring events, the log window).
size_t audit_bytes(const Options &o)
{
	return o.cpus * (sizeof(co_audit_ring) + o.ring_slots * sizeof(co_audit_event)) +
	       o.log_events * sizeof(co_audit_log_entry);
}

TEST(Memory, TwoHundredTenantsFitSixteenMiB)
{
	const Options o = platform_options();
	Kernel t(o);
	const size_t base = t.plat.live_bytes();
	for (u32 i = 0; i < 200; i++) {
		const std::string gpu = "gpu:" + std::to_string(i % 2) + "/**";
		const u64 tenant = t.spawn(COCONUT_AID_ROOT, { "inference:kvwarden", gpu }, nullptr, "tenant", i + 1);
		t.spawn(tenant, { "inference:kvwarden", gpu }, nullptr, "app", i + 1);
	}
	const size_t total = t.plat.live_bytes();
	const size_t per_agent = (total - base) / 400;
	std::printf("200 tenants (401 agents, 64 CPUs): instance %.2f MiB = audit %.2f MiB + "
		    "the rest %.2f MiB; %zu bytes an agent\n",
		    (double)total / kMiB, (double)audit_bytes(o) / kMiB,
		    (double)(total - audit_bytes(o)) / kMiB, per_agent);
	EXPECT_LE(total, 16 * kMiB);
	// An agent with two caps: its struct, the smallest store and its ceiling, no more.
	EXPECT_LE(per_agent, sizeof(co_agent) + CO_CAPSET_STORE_BYTES(CO_CAP_SET_CAPACITY_MIN) + kCeilingBytes);
}

TEST(Memory, FourThousandAgentsAreReported)
{
	Options o = Options::single_tenant();
	o.cpus = 64;
	Kernel t(o);
	const size_t base = t.plat.live_bytes();
	u32 agents = 1;
	// Root holds at most CO_AGENT_CHILDREN_MAX children: 16 of them, each a parent of many.
	for (u32 m = 0; m < 16 && agents < CO_AGENTS_MAX; m++) {
		const u64 mid = t.spawn(COCONUT_AID_ROOT, { "fs.read:/d/**", "inference:kv" }, nullptr, "mid", 1);
		agents++;
		for (u32 c = 0; c + 1 < CO_AGENT_CHILDREN_MAX && agents < CO_AGENTS_MAX; c++, agents++)
			t.spawn(mid, { "fs.read:/d/" + std::to_string(c) + "/**", "inference:kv" }, nullptr, "leaf", 1);
	}
	ASSERT_EQ(agents, static_cast<u32>(CO_AGENTS_MAX));
	const size_t total = t.plat.live_bytes();
	const size_t per_agent = (total - base) / (agents - 1);
	std::printf("%u agents (64 CPUs): instance %.2f MiB = audit %.2f MiB + the rest %.2f MiB; "
		    "%zu bytes an agent\n",
		    agents, (double)total / kMiB, (double)audit_bytes(o) / kMiB,
		    (double)(total - audit_bytes(o)) / kMiB, per_agent);
	EXPECT_LE(per_agent, sizeof(co_agent) + CO_CAPSET_STORE_BYTES(CO_CAP_SET_CAPACITY_MIN) + kCeilingBytes);
}

// A grant that needs a larger store grows the set (co_sys_agent_cap_grant's unlocked
// allocation), and everything the set held keeps its handle.
TEST(Memory, GrantsGrowTheSetAndKeepItsHandles)
{
	Kernel t;
	const u64 a = t.spawn(COCONUT_AID_ROOT, { "cap.grant:fs.read:/**", "fs.read:/x/**" });
	const u64 b = t.spawn(a, { "fs.read:/x/0" });
	co_agent *ag = t.agent(b);
	ASSERT_EQ(co_capset_capacity(&ag->caps), static_cast<u32>(CO_CAP_SET_CAPACITY_MIN));
	const u32 first = co_capset_next(&ag->caps, CO_CAP_HANDLE_NONE);
	for (u32 i = 1; i < 40; i++)
		ASSERT_EQ(t.grant(a, b, "fs.read:/x/" + std::to_string(i)), 0) << i;
	EXPECT_EQ(co_capset_count(&ag->caps), 40u);
	EXPECT_EQ(co_capset_capacity(&ag->caps), 64u);
	EXPECT_EQ(co_capset_next(&ag->caps, CO_CAP_HANDLE_NONE), first);
	for (u32 i = 0; i < 40; i++)
		EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/x/" + std::to_string(i)), 0) << i;
}

}

namespace {

// Through the syscall: a grant whose target needs a larger store allocates it unlocked and
// calls again; when that allocation fails the answer is -ENOMEM with nothing decided, audited
// or granted, and the same grant then succeeds.
TEST(Memory, AGrantThatCannotGetRoomDecidesNothing)
{
	Kernel t;
	const u64 a = t.spawn(COCONUT_AID_ROOT, { "cap.grant:fs.read:/**", "fs.read:/x/**" });
	const u64 b = t.spawn(a, { "fs.read:/x/0" });
	const std::string three = "fs.read:/x/1\nfs.read:/x/2\nfs.read:/x/3";
	ASSERT_EQ(co_sys_agent_cap_grant(t.k, a, b, three.data(), three.size()), 0);
	co_agent *ag = t.agent(b);
	ASSERT_EQ(co_capset_count(&ag->caps), 4u);
	ASSERT_EQ(co_capset_capacity(&ag->caps), 4u);
	const u64 allows = t.k->lsm_allows, denies = t.k->lsm_denies;
	const std::string more = "fs.read:/x/4";
	t.plat.fail_allocation_in(0);
	EXPECT_EQ(co_sys_agent_cap_grant(t.k, a, b, more.data(), more.size()), -ENOMEM);
	EXPECT_EQ(t.k->lsm_allows, allows);
	EXPECT_EQ(t.k->lsm_denies, denies);
	EXPECT_EQ(co_capset_count(&ag->caps), 4u);
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/x/4"), -ECAPABILITY);
	ASSERT_EQ(co_sys_agent_cap_grant(t.k, a, b, more.data(), more.size()), 0);
	EXPECT_EQ(co_capset_capacity(&ag->caps), 8u);
	EXPECT_EQ(t.check(b, COCONUT_CAP_FS_READ, "/x/4"), 0);
}

}
