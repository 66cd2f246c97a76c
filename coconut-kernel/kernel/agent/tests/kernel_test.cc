// The kernel instance (kernel/agent/kernel.c): creation and every way it can fail (bad configs,
// each allocation failing) without a leak, the root agent and its audited birth, authorizer
// keys, the audit plumbing (backpressure retries, inline sealing off).
#include "agent_test_util.h"

#include "coconut/blake3.h"

#include <algorithm>

using namespace agent_test;

namespace {

constexpr u32 S = COCONUT_STATE_SPAWNING, AT = COCONUT_STATE_ATTESTED, A = COCONUT_STATE_ACTIVE;

TEST(AgentKernel, RootAgentAndItsBirth)
{
	Kernel t;
	ASSERT_NE(t.k, nullptr);
	co_agent *root = t.find(COCONUT_AID_ROOT);
	ASSERT_NE(root, nullptr);
	EXPECT_EQ(t.k->root, root);
	EXPECT_EQ(root->state, A);
	EXPECT_EQ(root->parent_aid, 0u);
	EXPECT_EQ(root->depth, 0u);
	EXPECT_STREQ(root->name, "root");
	EXPECT_EQ(co_capset_count(&root->caps), default_root_caps().size());
	EXPECT_EQ(std::string(root->ceiling, root->ceiling_len),
		  join_lines(default_root_caps()) + "\n");
	EXPECT_EQ(t.k->next_aid, 2u);
	EXPECT_EQ(t.k->live_count, 1u);
	EXPECT_EQ(t.k->agent_count, 1u);
	ASSERT_EQ(t.ready.size(), 1u);
	EXPECT_EQ(t.ready[0].aid, 1u);

	auto evs = t.events();
	ASSERT_EQ(evs.size(), 3u) << describe(evs);
	EXPECT_TRUE(is_state(evs[0], 1, S, AT));
	EXPECT_EQ(evs[1].type, (u32)COCONUT_EV_SPAWN);
	EXPECT_EQ(evs[1].aid, 0u);
	EXPECT_EQ(evs[1].arg, 1u);
	EXPECT_TRUE(is_state(evs[2], 1, AT, A));
	EXPECT_EQ(co_audit_pending(&t.k->audit), 0u) << "sealed at create";

	// The tier pools the synthetic addresses come from.
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_HBM].base_addr, CO_TIER_BASE_HBM);
	EXPECT_EQ(t.k->tiers[COCONUT_TIER_SSD].capacity_bytes, CO_TIER_CAPACITY_SSD_DEFAULT);
	EXPECT_TRUE(t.plat().violations().empty());
}

TEST(AgentKernel, RootWithoutCaps)
{
	Kernel t(std::vector<std::string>{});
	ASSERT_NE(t.k, nullptr);
	EXPECT_EQ(co_capset_count(&t.find(1)->caps), 0u);
	EXPECT_EQ(t.find(1)->ceiling_len, 0u);
	EXPECT_EQ(t.spawn(1, {}), -ECAPABILITY) << "root cannot even spawn";
}

struct BadConfig {
	const char *what;
	void (*change)(co_kernel_config &cfg, co_plat_ops &ops);
};

TEST(AgentKernel, BadConfigsCreateNothing)
{
	static const std::string too_many = [] {
		std::vector<std::string> v;
		for (int i = 0; i <= CO_CAP_SET_CAPS_MAX; i++)
			v.push_back("fs.read:/f" + std::to_string(i));
		return join_lines(v);
	}();
	const BadConfig cases[] = {
		{"no CPU", [](co_kernel_config &c, co_plat_ops &) { c.cpu_count = 0; }},
		{"fewer audit rings than CPUs",
		 [](co_kernel_config &c, co_plat_ops &) { c.audit.cpu_count = 1; }},
		{"ring slots not a power of two",
		 [](co_kernel_config &c, co_plat_ops &) { c.audit.ring_slots = 3; }},
		{"root caps NULL with a length",
		 [](co_kernel_config &c, co_plat_ops &) { c.root_caps = nullptr; }},
		{"an empty root cap line",
		 [](co_kernel_config &c, co_plat_ops &) {
			 c.root_caps = "agent.spawn\n\naudit.query";
			 c.root_caps_len = strlen(c.root_caps);
		 }},
		{"a trailing newline",
		 [](co_kernel_config &c, co_plat_ops &) {
			 c.root_caps = "agent.spawn\n";
			 c.root_caps_len = strlen(c.root_caps);
		 }},
		{"a root cap that does not parse",
		 [](co_kernel_config &c, co_plat_ops &) {
			 c.root_caps = "fs.read:nope";
			 c.root_caps_len = strlen(c.root_caps);
		 }},
		{"257 root caps",
		 [](co_kernel_config &c, co_plat_ops &) {
			 c.root_caps = too_many.data();
			 c.root_caps_len = too_many.size();
		 }},
		{"a platform without alloc", [](co_kernel_config &, co_plat_ops &o) { o.alloc = nullptr; }},
		{"a platform with half the locks",
		 [](co_kernel_config &, co_plat_ops &o) { o.unlock = nullptr; }},
		// Issue 18, item 2: inline sealing would write the TPM under a spinlock.
		{"seal_inline where the lock is atomic",
		 [](co_kernel_config &c, co_plat_ops &o) {
			 o.lock_is_atomic = true;
			 c.seal_inline = true;
		 }},
	};
	for (const BadConfig &c : cases) {
		SCOPED_TRACE(c.what);
		coconut::UserPlatform plat(2);
		co_kernel_config cfg;
		co_kernel_config_default(&cfg, 2);
		std::string caps = join_lines(default_root_caps());
		cfg.root_caps = caps.data();
		cfg.root_caps_len = caps.size();
		co_plat_ops ops = plat.ops();
		c.change(cfg, ops);
		co_plat p{&ops, &plat};
		EXPECT_EQ(co_kernel_create(&p, &cfg), nullptr);
		EXPECT_EQ(plat.live_allocations(), 0u);
		EXPECT_EQ(plat.live_locks(), 0u);
		if (ops.log) {
			EXPECT_FALSE(plat.log_lines().empty()) << "the reason is logged";
		}
	}
	EXPECT_EQ(co_kernel_create(nullptr, nullptr), nullptr);
}

TEST(AgentKernel, EveryAllocationFailureIsCleanedUp)
{
	bool created = false;
	for (long n = 0; n < 32 && !created; n++) {
		coconut::UserPlatform plat(2);
		co_kernel_config cfg;
		co_kernel_config_default(&cfg, 2);
		std::string caps = join_lines(default_root_caps());
		cfg.root_caps = caps.data();
		cfg.root_caps_len = caps.size();
		co_plat p = plat.plat();
		plat.fail_allocation_in(n);
		co_kernel *k = co_kernel_create(&p, &cfg);
		if (k) {
			created = true;
			EXPECT_GT(n, 3) << "instance, caps copy, audit rings, root...";
			co_kernel_destroy(k);
		}
		EXPECT_EQ(plat.live_allocations(), 0u) << n;
		EXPECT_EQ(plat.live_locks(), 0u) << n;
		EXPECT_TRUE(plat.violations().empty()) << n;
	}
	EXPECT_TRUE(created);
}

// The test platform's two allocations: plain memory is garbage (kernel code must not read what
// it did not write), zeroed memory is zeros (calloc, as kvzalloc), and both count and can fail.
TEST(AgentKernel, TestPlatformAllocations)
{
	coconut::UserPlatform plat(1);
	co_plat p = plat.plat();
	ASSERT_NE(p.ops->alloc_zeroed, nullptr);
	constexpr size_t kBytes = 256 * 1024;
	auto *garbage = static_cast<u8 *>(co_plat_alloc(&p, kBytes));
	auto *zeros = static_cast<u8 *>(co_plat_zalloc(&p, kBytes));
	ASSERT_NE(garbage, nullptr);
	ASSERT_NE(zeros, nullptr);
	EXPECT_EQ(garbage[0], 0xa5);
	EXPECT_EQ(garbage[kBytes - 1], 0xa5);
	EXPECT_EQ(std::count(zeros, zeros + kBytes, 0), (long)kBytes);
	EXPECT_EQ(plat.live_allocations(), 2u);
	plat.fail_allocation_in(0);
	EXPECT_EQ(co_plat_zalloc(&p, 16), nullptr);
	co_plat_free(&p, garbage, kBytes);
	co_plat_free(&p, zeros, kBytes);
	EXPECT_EQ(plat.live_allocations(), 0u);
	EXPECT_TRUE(plat.violations().empty());
}

TEST(AgentKernel, Authorizers)
{
	Kernel t;
	// The fixture trusts its signer already.
	EXPECT_EQ(co_kernel_add_authorizer(t.k, t.signer.pk.data()), -EEXIST);
	const co_authorizer *a = co_kernel_authorizer_find(t.k, t.signer.pk.data());
	ASSERT_NE(a, nullptr);
	u8 id[32];
	co_blake3_hash(t.signer.pk.data(), 32, id);
	EXPECT_EQ(0, memcmp(a->key_id, id, 32));
	for (int i = 1; i < CO_AUTHORIZERS_MAX; i++)
		EXPECT_EQ(co_kernel_add_authorizer(t.k, Signer::from_seed((u8)(100 + i)).pk.data()),
			  0);
	EXPECT_EQ(co_kernel_add_authorizer(t.k, Signer::from_seed(99).pk.data()), -ENOSPC);
	EXPECT_EQ(co_kernel_authorizer_find(t.k, Signer::from_seed(99).pk.data()), nullptr);
}

TEST(AgentKernel, LookupAnswers)
{
	Kernel t;
	int err = 1;
	EXPECT_EQ(co_agent_lookup(t.k, 0, &err), nullptr);
	EXPECT_EQ(err, -ESRCH);
	EXPECT_EQ(co_agent_lookup(t.k, 2, &err), nullptr);
	EXPECT_EQ(err, -ESRCH) << "never allocated";
	EXPECT_EQ(co_agent_lookup(t.k, ~0ull, &err), nullptr);
	EXPECT_EQ(err, -ESRCH);
	EXPECT_EQ(co_agent_lookup(t.k, 1, &err), t.find(1));
	EXPECT_EQ(err, 0);
	EXPECT_EQ(co_agent_lookup(t.k, 1, nullptr), t.find(1));
	ASSERT_EQ(t.spawn(1, {}), 2);
	ASSERT_EQ(co_agent_exit(t.k, 2), 0);
	EXPECT_EQ(co_agent_lookup(t.k, 2, &err), nullptr);
	EXPECT_EQ(err, -ESTALE);
}

// One CPU, audit rings of `slots`, root holding caps_text (which must outlive the config).
co_kernel_config one_cpu_config(u32 slots, const std::string &caps_text)
{
	co_kernel_config cfg;
	co_kernel_config_default(&cfg, 1);
	cfg.audit.ring_slots = slots;
	cfg.root_caps = caps_text.data();
	cfg.root_caps_len = caps_text.size();
	return cfg;
}

// Rings of two slots: every multi-event call meets a full ring and seals its way through.
TEST(AgentKernel, BackpressureIsAbsorbedByInlineSealing)
{
	coconut::UserPlatform plat(1);
	const std::string caps = join_lines(default_root_caps());
	co_kernel_config cfg = one_cpu_config(2, caps);
	co_plat p = plat.plat();
	co_kernel *k = co_kernel_create(&p, &cfg);
	ASSERT_NE(k, nullptr);
	Signer s = Signer::from_seed(1);
	ASSERT_EQ(co_kernel_add_authorizer(k, s.pk.data()), 0);
	u64 parent = 1;
	for (int i = 0; i < 6; i++) {
		Manifest m;
		m.caps = {"agent.spawn"};
		Bytes req = make_spawn_request(s, m, m.caps);
		s64 aid = co_sys_agent_spawn(k, parent, req.data(), req.size());
		ASSERT_GT(aid, 0) << i;
		parent = (u64)aid;
	}
	ASSERT_EQ(co_agent_exit(k, 2), 0);
	struct co_audit_stats st;
	co_audit_get_stats(&k->audit, &st);
	EXPECT_GT(st.backpressure, 0u);
	EXPECT_EQ(st.appended, st.sealed - st.by_type[COCONUT_EV_ANCHOR]);
	EXPECT_EQ(st.by_type[COCONUT_EV_CAP_ALLOW], k->lsm_allows);
	co_kernel_destroy(k);
	EXPECT_EQ(plat.live_allocations(), 0u);
}

// Why the module may not seal inline (issue 18, item 2): with an anchor every event, a full
// ring makes an append seal, and the seal writes the TPM, while the instance lock is held. The
// user platform (whose lock is not atomic) records it as a broken platform rule; on the
// module's spinlock it would be a sleep in atomic context.
TEST(AgentKernel, InlineSealingWritesTheTpmUnderTheInstanceLock)
{
	coconut::UserPlatform plat(1);
	const std::string caps = join_lines(default_root_caps());
	co_kernel_config cfg = one_cpu_config(2, caps);
	cfg.audit.anchor_every_events = 1;
	cfg.audit.anchor_min_ns = 0;
	co_plat p = plat.plat();
	co_kernel *k = co_kernel_create(&p, &cfg);
	ASSERT_NE(k, nullptr);
	Signer s = Signer::from_seed(1);
	ASSERT_EQ(co_kernel_add_authorizer(k, s.pk.data()), 0);
	plat.clear_violations();
	// A spawn appends four events: the third meets the full ring and seals under the lock.
	Manifest m;
	Bytes req = make_spawn_request(s, m, m.caps);
	ASSERT_EQ(co_sys_agent_spawn(k, 1, req.data(), req.size()), 2);
	bool under_lock = false;
	for (const std::string &v : plat.violations())
		under_lock = under_lock || v == "lock held across tpm_nv_write";
	EXPECT_TRUE(under_lock) << "the hazard the refusal exists for";
	co_kernel_destroy(k);
}

// The module's configuration (an atomic lock, no inline sealing): a full ring refuses the
// call (-EBUSY) instead of sealing under the lock, the TPM is written only by a seal outside
// it (the sealer thread), and no platform rule is broken on the way.
TEST(AgentKernel, AnAtomicLockNeverSeesATpmWrite)
{
	coconut::UserPlatform plat(1);
	co_plat_ops ops = plat.ops();
	ops.lock_is_atomic = true;
	const std::string caps = join_lines(default_root_caps());
	co_kernel_config cfg = one_cpu_config(4, caps);
	cfg.seal_inline = false;
	cfg.audit.anchor_every_events = 1;
	cfg.audit.anchor_min_ns = 0;
	co_plat p{&ops, &plat};
	co_kernel *k = co_kernel_create(&p, &cfg);
	ASSERT_NE(k, nullptr);
	EXPECT_GT(co_audit_seal(&k->audit, CO_AUDIT_RING_EVENTS_MAX), 0u) << "root's birth";
	int busy = 0;
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 6; i++)
			busy += co_sys_agent_cap_present(k, 1, 1, "fs.read", 7, "/a", 2) == -EBUSY;
		EXPECT_GT(co_audit_seal(&k->audit, CO_AUDIT_RING_EVENTS_MAX), 0u);
	}
	EXPECT_GT(busy, 0) << "the rings filled";
	EXPECT_GT(plat.nv_writes().size(), 0u) << "the sealer anchored";
	EXPECT_TRUE(plat.violations().empty()) << plat.violations().front();
	co_kernel_destroy(k);
}

TEST(AgentKernel, WithoutInlineSealingEventsWaitForTheSealer)
{
	Kernel t(default_root_caps(), 2, false);
	ASSERT_NE(t.k, nullptr);
	EXPECT_EQ(t.event_count(), 0u);
	EXPECT_EQ(co_audit_pending(&t.k->audit), 3u);
	ASSERT_EQ(t.spawn(1, {}), 2);
	EXPECT_EQ(co_audit_pending(&t.k->audit), 7u);
	co_audit_seal(&t.k->audit, 1000);
	EXPECT_EQ(t.event_count(), 7u);
	(void)t.events();
}

TEST(AgentKernel, EventsCarryTheCallingCpu)
{
	Kernel t;
	t.plat().set_cpu(1);
	t.plat().set_now_ns(5000);
	size_t before = t.event_count();
	ASSERT_EQ(t.spawn(1, {}), 2);
	for (const Event &e : t.events_from(before)) {
		EXPECT_EQ(e.cpu, 1u);
		EXPECT_EQ(e.time_ns, 5000u);
	}
}

TEST(AgentKernel, DestroyNullIsANoop)
{
	co_kernel_destroy(nullptr);
}

} // namespace
