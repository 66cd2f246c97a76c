// The spawn dispatcher (kernel/agent/spawn.c): a valid spawn and each stage's failure, with the
// audit chain read back (and verified) after each, AIDs consumed only past allocation, and no
// leak whatever the path (the platform counts allocations).
#include "agent_test_util.h"

#include "coconut/blake3.h"

using namespace agent_test;

namespace {

constexpr u32 S = COCONUT_STATE_SPAWNING, AT = COCONUT_STATE_ATTESTED, A = COCONUT_STATE_ACTIVE,
	      CD = COCONUT_STATE_CAPABILITY_DENIED, TR = COCONUT_STATE_TERMINATED_REVOKED;

s64 spawn_bytes(Kernel &t, u64 caller, const Bytes &req)
{
	return co_sys_agent_spawn(t.k, caller, req.data(), req.size());
}

// A failure before allocation: no event, no AID consumed, nothing held.
void expect_clean_refusal(Kernel &t, u64 caller, const Bytes &req, s64 err)
{
	size_t events = t.event_count();
	size_t allocs = t.plat().live_allocations();
	u64 next = t.k->next_aid;
	EXPECT_EQ(spawn_bytes(t, caller, req), err);
	EXPECT_EQ(t.event_count(), events) << describe(t.events_from(events));
	EXPECT_EQ(t.k->next_aid, next);
	EXPECT_EQ(t.plat().live_allocations(), allocs);
	EXPECT_TRUE(t.plat().violations().empty());
}

TEST(AgentSpawn, ValidSpawnRunsTheSixStages)
{
	Kernel t;
	ASSERT_NE(t.k, nullptr);
	size_t before = t.event_count();
	Manifest m;
	m.name = "indexer";
	m.tenant = 42;
	m.caps = {"fs.read:/home/**", "net.egress:api.example.com:443", "inference:kvwarden"};
	for (size_t i = 0; i < 32; i++)
		m.code_digest[i] = static_cast<uint8_t>(i * 3);
	SpawnRequest parts = make_spawn_parts(t.signer, m, {"fs.read:/home/maya/**",
							    "net.egress:api.example.com:443"});
	Bytes req = parts.encode();

	s64 aid = spawn_bytes(t, COCONUT_AID_ROOT, req);
	ASSERT_EQ(aid, 2);
	co_agent *a = t.find(2);
	ASSERT_NE(a, nullptr);
	EXPECT_EQ(a->state, A);
	EXPECT_EQ(a->parent_aid, COCONUT_AID_ROOT);
	EXPECT_EQ(a->tenant, 42u);
	EXPECT_EQ(a->depth, 1u);
	EXPECT_STREQ(a->name, "indexer");
	EXPECT_EQ(a->spawned_ns, 1000u);

	// The attestation record: what the manifest and the request carried.
	u8 digest[32];
	co_blake3_hash(parts.manifest.data(), parts.manifest.size(), digest);
	EXPECT_EQ(0, memcmp(a->attest.manifest_digest, digest, 32));
	EXPECT_EQ(0, memcmp(a->attest.code_digest, m.code_digest.data(), 32));
	EXPECT_EQ(0, memcmp(a->attest.authorizer_key, t.signer.pk.data(), 32));
	EXPECT_EQ(0, memcmp(a->attest.signature, parts.signature.data(), 64));

	// The cap set, each cap derived from root's covering cap; the ceiling is the manifest's.
	co_agent *root = t.find(COCONUT_AID_ROOT);
	EXPECT_EQ(co_capset_count(&a->caps), 2u);
	for (u32 h = co_capset_next(&a->caps, CO_CAP_HANDLE_NONE); h != CO_CAP_HANDLE_NONE;
	     h = co_capset_next(&a->caps, h)) {
		const co_capset_entry *e = co_capset_get(&a->caps, h);
		EXPECT_EQ(e->derived_from, co_capset_covers(&root->caps, &e->cap));
		EXPECT_NE(e->derived_from, CO_CAP_HANDLE_NONE);
		EXPECT_EQ(e->origin, 0u);
	}
	EXPECT_EQ(std::string(a->ceiling, a->ceiling_len),
		  "fs.read:/home/**\nnet.egress:api.example.com:443\ninference:kvwarden\n");
	EXPECT_EQ(a->ceiling_count, 3u);

	// Registered: in root's children, on the scheduler.
	ASSERT_EQ(root->child_count, 1u);
	EXPECT_EQ(root->children[0], 2u);
	ASSERT_EQ(t.ready.size(), 2u);
	EXPECT_EQ(t.ready[1].aid, 2u);
	EXPECT_EQ(t.ready[1].tenant, 42u);

	// The chain: Spawning -> Attested, the agent.spawn decision, SPAWN, Attested -> Active.
	auto evs = t.events_from(before);
	ASSERT_EQ(evs.size(), 4u) << describe(evs);
	EXPECT_TRUE(is_state(evs[0], 2, S, AT));
	EXPECT_EQ(evs[1].type, (u32)COCONUT_EV_CAP_ALLOW);
	EXPECT_EQ(evs[1].aid, 1u);
	EXPECT_EQ(Kernel::cap_of(evs[1]), "agent.spawn");
	EXPECT_EQ(evs[2].type, (u32)COCONUT_EV_SPAWN);
	EXPECT_EQ(evs[2].aid, 1u);
	EXPECT_EQ(evs[2].arg, 2u);
	EXPECT_EQ(evs[2].result, 0);
	EXPECT_EQ(0, memcmp(evs[2].object_digest, digest, 32));
	EXPECT_TRUE(is_state(evs[3], 2, AT, A));
	EXPECT_TRUE(t.plat().violations().empty());
	EXPECT_EQ(t.k->lsm_allows, 1u);
}

TEST(AgentSpawn, GrandchildrenNarrowFurther)
{
	Kernel t;
	s64 c = t.spawn(1, {"agent.spawn", "fs.read:/data/**"});
	ASSERT_EQ(c, 2);
	s64 g = t.spawn(2, {"fs.read:/data/x/**"});
	ASSERT_EQ(g, 3);
	EXPECT_EQ(t.find(3)->depth, 2u);
	EXPECT_EQ(t.find(3)->parent_aid, 2u);
	const co_capset_entry *e =
		co_capset_get(&t.find(3)->caps, co_capset_next(&t.find(3)->caps, CO_CAP_HANDLE_NONE));
	ASSERT_NE(e, nullptr);
	EXPECT_EQ(e->derived_from, co_capset_covers(&t.find(2)->caps, &e->cap));
	// Not beyond the parent: the parent holds fs.read:/data/** only.
	EXPECT_EQ(t.spawn(2, {"fs.read:/etc/**"}), -ECAPABILITY);
	// A child with no caps at all is fine.
	EXPECT_EQ(t.spawn(2, {}), 5);
}

TEST(AgentSpawn, MalformedRequestsAreRefusedBeforeAllocation)
{
	Kernel t;
	Bytes good = t.request({"fs.read:/a"});
	struct Case {
		const char *what;
		Bytes req;
		s64 err;
	};
	std::vector<Case> cases;
	cases.push_back({"not CBOR", {0xff, 0x00, 0x13}, -EBADMSG});
	cases.push_back({"an integer", cbor::uint(7), -EBADMSG});
	Bytes trunc(good.begin(), good.end() - 1);
	cases.push_back({"truncated", trunc, -EBADMSG});
	Bytes trailing = good;
	trailing.push_back(0);
	cases.push_back({"trailing byte", trailing, -EBADMSG});
	{
		// Not canonical: the map's count 3 in a two-byte head (0xb8 0x03 for 0xa3).
		Bytes nc = good;
		EXPECT_EQ(nc[0], 0xa3);
		nc[0] = 0x03;
		nc.insert(nc.begin(), 0xb8);
		cases.push_back({"non-canonical head", nc, -EBADMSG});
	}
	{
		// Not canonical: the request's keys out of order.
		Bytes sig = cbor::bytes(Bytes(64, 1));
		Bytes bad = {0xa3};
		for (const auto &kv : {std::pair<std::string, Bytes>{"manifest", cbor::bytes(Bytes{0xa0})},
				       {"cap_set", cbor::text_array({})},
				       {"signature", sig}}) {
			Bytes k = cbor::text(kv.first);
			bad.insert(bad.end(), k.begin(), k.end());
			bad.insert(bad.end(), kv.second.begin(), kv.second.end());
		}
		cases.push_back({"keys out of order", bad, -EBADMSG});
	}
	{
		SpawnRequest p = make_spawn_parts(t.signer, Manifest{}, {"fs.read:/a"});
		p.extra.push_back({"priority", cbor::uint(1)});
		cases.push_back({"unknown request key", p.encode(), -EBADMSG});
	}
	{
		SpawnRequest p = make_spawn_parts(t.signer, Manifest{}, {"fs.read:/a"});
		p.omit.push_back("signature");
		cases.push_back({"missing signature", p.encode(), -EBADMSG});
	}
	{
		SpawnRequest p = make_spawn_parts(t.signer, Manifest{}, {"fs.read:/a"});
		p.signature.pop_back();
		cases.push_back({"short signature", p.encode(), -EBADMSG});
	}
	{
		Manifest m;
		m.caps = {"fs.read:/a"};
		m.extra.push_back({"debug", cbor::uint(1)});
		cases.push_back({"unknown manifest key", make_spawn_request(t.signer, m, {}),
				 -EBADMSG});
	}
	{
		Manifest m;
		m.omit.push_back("tenant");
		cases.push_back({"missing tenant", make_spawn_request(t.signer, m, {}), -EBADMSG});
	}
	{
		Manifest m;
		m.v = 2;
		cases.push_back({"version 2", make_spawn_request(t.signer, m, {}), -EBADMSG});
	}
	{
		Manifest m;
		m.tenant = 1ull << 32;
		cases.push_back({"tenant over u32", make_spawn_request(t.signer, m, {}), -EBADMSG});
	}
	{
		Manifest m;
		m.name_value = cbor::uint(3);
		cases.push_back({"name not text", make_spawn_request(t.signer, m, {}), -EBADMSG});
	}
	{
		Manifest m;
		m.name = std::string(64, 'n');
		cases.push_back({"name 64 bytes", make_spawn_request(t.signer, m, {}), -ENAMETOOLONG});
	}
	{
		Manifest m;
		m.name = "";
		cases.push_back({"empty name", make_spawn_request(t.signer, m, {}), -EINVAL});
	}
	{
		Manifest m;
		m.name = "two\nlines";
		cases.push_back({"name with a newline", make_spawn_request(t.signer, m, {}), -EINVAL});
	}
	{
		std::string long_cap = "fs.read:/" + std::string(COCONUT_CAP_TEXT_MAX, 'a');
		Manifest m;
		m.caps = {long_cap};
		cases.push_back({"cap text too long", make_spawn_request(t.signer, m, {long_cap}),
				 -ENAMETOOLONG});
	}
	{
		Manifest m;
		m.caps = {"fs.read:/a"};
		cases.push_back({"cap that does not parse",
				 make_spawn_request(t.signer, m, {"fs.read:relative"}), -EINVAL});
		cases.push_back({"unknown cap kind", make_spawn_request(t.signer, m, {"fs.exec:/a"}),
				 -EINVAL});
		cases.push_back({"duplicate requested cap",
				 make_spawn_request(t.signer, m, {"fs.read:/a", "fs.read:/a"}),
				 -EINVAL});
	}
	{
		Manifest m;
		m.caps = {"fs.read:/a", "fs.read:/a"};
		cases.push_back({"duplicate manifest cap", make_spawn_request(t.signer, m, {}),
				 -EINVAL});
	}
	{
		Manifest m;
		m.caps = {"fs.read:/a/*", "fs.read:/**/b"};
		cases.push_back({"manifest cap that does not parse",
				 make_spawn_request(t.signer, m, {}), -EINVAL});
	}
	{
		std::vector<std::string> many;
		for (int i = 0; i <= CO_CAP_SET_CAPS_MAX; i++)
			many.push_back("fs.read:/f" + std::to_string(i));
		Manifest m;
		m.caps = {"fs.read:/**"};
		cases.push_back({"257 requested caps", make_spawn_request(t.signer, m, many), -E2BIG});
	}
	{
		SpawnRequest p = make_spawn_parts(t.signer, Manifest{}, {});
		p.extra.push_back({"pad", cbor::bytes(Bytes(CO_SPAWN_REQUEST_BYTES_MAX, 0))});
		cases.push_back({"over the size limit", p.encode(), -E2BIG});
	}

	for (const Case &c : cases) {
		SCOPED_TRACE(c.what);
		expect_clean_refusal(t, 1, c.req, c.err);
	}
	// Nothing was consumed: the next good spawn gets AID 2.
	EXPECT_EQ(t.spawn(1, {"fs.read:/a"}), 2);
}

TEST(AgentSpawn, SignatureAndKeyFailures)
{
	Kernel t;
	{
		SCOPED_TRACE("a flipped signature bit");
		SpawnRequest p = make_spawn_parts(t.signer, Manifest{}, {});
		p.signature[10] ^= 0x04;
		expect_clean_refusal(t, 1, p.encode(), -EKEYREJECTED);
	}
	{
		SCOPED_TRACE("a manifest changed after signing");
		Manifest m;
		m.tenant = 1;
		SpawnRequest p = make_spawn_parts(t.signer, m, {});
		m.tenant = 2;
		m.authorizer = t.signer.pk;
		p.manifest = m.encode();
		expect_clean_refusal(t, 1, p.encode(), -EKEYREJECTED);
	}
	{
		SCOPED_TRACE("signed by another key than the manifest names");
		Signer other = Signer::from_seed(9);
		t.trust(other);
		Manifest m;
		m.authorizer = t.signer.pk;
		SpawnRequest p;
		p.manifest = m.encode();
		p.signature = other.sign(p.manifest);
		expect_clean_refusal(t, 1, p.encode(), -EKEYREJECTED);
	}
	{
		SCOPED_TRACE("an authorizer that is not trusted");
		Signer stranger = Signer::from_seed(2);
		expect_clean_refusal(t, 1, make_spawn_request(stranger, Manifest{}, {}), -ENOKEY);
	}
	EXPECT_EQ(t.spawn(1, {}), 2);
}

TEST(AgentSpawn, EscalationBeyondTheManifestIsRefusedBeforeAllocation)
{
	Kernel t;
	std::vector<std::string> declared = {"fs.read:/data/**"};
	Bytes req = t.request({"fs.read:/data/**", "fs.write:/data/**"}, "agent", 7, &declared);
	expect_clean_refusal(t, 1, req, -EACCES);
	// Wider than declared in the same kind, too.
	req = t.request({"fs.read:/**"}, "agent", 7, &declared);
	expect_clean_refusal(t, 1, req, -EACCES);
}

TEST(AgentSpawn, EscalationBeyondTheCallerConsumesTheAidAndIsAudited)
{
	Kernel t;
	size_t before = t.event_count();
	size_t allocs = t.plat().live_allocations();
	// Root holds fs.write:/data/** only; the manifest declares more, the request asks more.
	EXPECT_EQ(t.spawn(1, {"fs.read:/x", "fs.write:/etc/**"}), -ECAPABILITY);
	auto evs = t.events_from(before);
	ASSERT_EQ(evs.size(), 4u) << describe(evs);
	EXPECT_TRUE(is_state(evs[0], 2, S, AT));
	EXPECT_EQ(evs[1].type, (u32)COCONUT_EV_CAP_ALLOW) << "root holds agent.spawn";
	EXPECT_EQ(evs[2].type, (u32)COCONUT_EV_SPAWN);
	EXPECT_EQ(evs[2].aid, 1u);
	EXPECT_EQ(evs[2].arg, 2u);
	EXPECT_EQ(evs[2].result, -ECAPABILITY);
	EXPECT_EQ(Kernel::cap_of(evs[2]), "fs.write:/etc/**");
	EXPECT_TRUE(is_state(evs[3], 2, AT, TR));

	// AID 2 is consumed and gone: -ESTALE, not in the table, nothing held.
	int err = 0;
	EXPECT_EQ(co_agent_lookup(t.k, 2, &err), nullptr);
	EXPECT_EQ(err, -ESTALE);
	EXPECT_EQ(t.find(2), nullptr);
	EXPECT_EQ(t.plat().live_allocations(), allocs);
	EXPECT_EQ(t.find(1)->child_count, 0u);
	EXPECT_EQ(t.find(1)->state, A) << "a narrowing refusal is not an LSM deny";
	EXPECT_EQ(t.k->live_count, 1u);
	EXPECT_EQ(t.ready.size(), 1u) << "never registered";
	EXPECT_EQ(t.spawn(1, {"fs.read:/x"}), 3);
}

TEST(AgentSpawn, CallerWithoutAgentSpawnIsDeniedByTheLsm)
{
	Kernel t;
	ASSERT_EQ(t.spawn(1, {"fs.read:/data/**"}), 2);
	size_t before = t.event_count();
	EXPECT_EQ(t.spawn(2, {"fs.read:/data/a"}), -ECAPABILITY);
	auto evs = t.events_from(before);
	ASSERT_EQ(evs.size(), 4u) << describe(evs);
	EXPECT_TRUE(is_state(evs[0], 3, S, AT));
	EXPECT_EQ(evs[1].type, (u32)COCONUT_EV_CAP_DENY);
	EXPECT_EQ(evs[1].aid, 2u);
	EXPECT_EQ(Kernel::cap_of(evs[1]), "agent.spawn");
	EXPECT_EQ(evs[1].result, -ECAPABILITY);
	EXPECT_TRUE(is_state(evs[2], 2, A, CD)) << "the caller was denied";
	EXPECT_TRUE(is_state(evs[3], 3, AT, TR));
	EXPECT_EQ(t.k->lsm_denies, 1u);
	EXPECT_EQ(t.find(2)->child_count, 0u);
	int err = 0;
	EXPECT_EQ(co_agent_lookup(t.k, 3, &err), nullptr);
	EXPECT_EQ(err, -ESTALE);
}

TEST(AgentSpawn, CallerIdentity)
{
	Kernel t;
	Bytes req = t.request({});
	expect_clean_refusal(t, 0, req, -ESRCH);
	expect_clean_refusal(t, 99, req, -ESRCH);
	ASSERT_EQ(t.spawn(1, {"agent.spawn"}), 2);
	ASSERT_EQ(co_agent_exit(t.k, 2), 0);
	expect_clean_refusal(t, 2, req, -ESTALE);
	// Root's quarantine is impossible; a quarantined caller is denied by the LSM (audited).
	ASSERT_EQ(t.spawn(1, {"agent.spawn"}), 3);
	ASSERT_EQ(co_agent_quarantine(t.k, 1, 3), 0);
	size_t before = t.event_count();
	EXPECT_EQ(spawn_bytes(t, 3, req), -ECAPABILITY);
	auto evs = t.events_from(before);
	ASSERT_EQ(evs.size(), 3u) << describe(evs);
	EXPECT_EQ(evs[1].type, (u32)COCONUT_EV_CAP_DENY);
}

TEST(AgentSpawn, ChildrenRegistryFull)
{
	Kernel t;
	for (u32 i = 0; i < CO_AGENT_CHILDREN_MAX; i++)
		ASSERT_EQ(t.spawn(1, {}), (s64)(2 + i));
	expect_clean_refusal(t, 1, t.request({}), -ENOSPC);
	// One leaves, one comes.
	ASSERT_EQ(co_agent_exit(t.k, 2), 0);
	EXPECT_EQ(t.spawn(1, {}), (s64)(2 + CO_AGENT_CHILDREN_MAX));
}

TEST(AgentSpawn, DepthLimit)
{
	Kernel t;
	u64 parent = 1;
	for (u32 d = 1; d <= CO_AGENT_DEPTH_MAX; d++) {
		s64 c = t.spawn(parent, {"agent.spawn"});
		ASSERT_GT(c, 0) << "depth " << d;
		EXPECT_EQ(t.find((u64)c)->depth, d);
		parent = (u64)c;
	}
	expect_clean_refusal(t, parent, t.request({}), -EMLINK);
	// One level up still works.
	EXPECT_GT(t.spawn(t.find(parent)->parent_aid, {}), 0);
}

TEST(AgentSpawn, TableFull)
{
	Kernel t;
	// Fill the table with live agents put in directly (spawning 4095 would only be slower).
	co_kernel_lock(t.k);
	std::vector<co_agent *> raw;
	while (t.k->live_count < CO_AGENTS_MAX) {
		co_kernel_unlock(t.k);
		co_agent *a = co_agent_alloc(t.k, 0);
		co_kernel_lock(t.k);
		u64 aid;
		ASSERT_EQ(co_agent_table_reserve(t.k, &aid), 0);
		a->aid = aid;
		a->parent_aid = 1;
		a->depth = 1;
		a->state = A;
		co_agent *ev = nullptr;
		co_agent_table_insert(t.k, a, &ev);
		ASSERT_EQ(ev, nullptr);
	}
	u64 aid;
	EXPECT_EQ(co_agent_table_reserve(t.k, &aid), -ENOSPC);
	co_kernel_unlock(t.k);
	expect_clean_refusal(t, 1, t.request({}), -ENOSPC);
}

TEST(AgentSpawn, OutOfMemoryAtEveryAllocation)
{
	for (long n = 0; n < 8; n++) {
		Kernel t;
		size_t allocs = t.plat().live_allocations();
		size_t events = t.event_count();
		Bytes req = t.request({"fs.read:/a"});
		t.plat().fail_allocation_in(n);
		s64 r = co_sys_agent_spawn(t.k, 1, req.data(), req.size());
		t.plat().fail_allocation_in(-1);
		if (r > 0) {
			EXPECT_GE(n, 5) << "a spawn allocates scratch, room, agent, its store and ceiling";
			continue;
		}
		EXPECT_EQ(r, -ENOMEM) << n;
		EXPECT_EQ(t.plat().live_allocations(), allocs);
		EXPECT_EQ(t.event_count(), events);
		EXPECT_EQ(t.spawn(1, {}), 2) << "no AID consumed";
	}
}

TEST(AgentSpawn, AuditBackpressureRefusesTheWholeSpawn)
{
	Kernel t;
	co_audit_set_stalled(&t.k->audit, true);
	co_audit_event ev;
	int rc = 0;
	for (int i = 0; i < 100000 && rc == 0; i++) {
		co_audit_event_init(&ev, COCONUT_EV_QUOTA, 0, 0);
		rc = co_audit_append(&t.k->audit, &ev);
	}
	ASSERT_EQ(rc, -EBUSY);
	size_t allocs = t.plat().live_allocations();
	u64 next = t.k->next_aid;
	EXPECT_EQ(t.spawn(1, {}), -EBUSY);
	EXPECT_EQ(t.k->next_aid, next) << "refused before allocation";
	EXPECT_EQ(t.plat().live_allocations(), allocs);
	co_audit_set_stalled(&t.k->audit, false);
	co_kernel_seal(t.k);
	EXPECT_EQ(t.spawn(1, {}), 2);
}

TEST(AgentSpawn, NullAndEmptyRequests)
{
	Kernel t;
	EXPECT_EQ(co_sys_agent_spawn(t.k, 1, nullptr, 0), -EINVAL);
	EXPECT_EQ(co_sys_agent_spawn(t.k, 1, nullptr, 10), -EFAULT);
	u8 b = 0xa0;
	EXPECT_EQ(co_sys_agent_spawn(t.k, 1, &b, 0), -EINVAL);
	EXPECT_EQ(co_sys_agent_spawn(t.k, 1, &b, 1), -EBADMSG) << "the empty map";
	EXPECT_EQ(co_sys_agent_spawn(t.k, 1, &b, CO_SPAWN_REQUEST_BYTES_MAX + 1), -E2BIG);
}

} // namespace
