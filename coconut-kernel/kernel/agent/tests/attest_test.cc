// Attestation (kernel/agent/attest.c): agent_attest's chain, read back with an independent
// decoder of its own here, the caller rules, and the offline verifier against every tamper
// class: links re-encoded canonically after each change, so each verdict is the one the change
// is about (not a format error).
#include "agent_test_util.h"

#include "coconut/blake3.h"

#include <array>

using namespace agent_test;

namespace {

struct Link {
	u64 aid = 0, parent = 0;
	Bytes signature = Bytes(64), code_digest = Bytes(32), authorizer_key = Bytes(32),
	      manifest_digest = Bytes(32);
};

Bytes encode_chain(const std::vector<Link> &links)
{
	std::vector<Bytes> items;
	for (const Link &l : links)
		items.push_back(cbor::map({
			{cbor::text("aid"), cbor::uint(l.aid)},
			{cbor::text("parent"), cbor::uint(l.parent)},
			{cbor::text("signature"), cbor::bytes(l.signature)},
			{cbor::text("code_digest"), cbor::bytes(l.code_digest)},
			{cbor::text("authorizer_key"), cbor::bytes(l.authorizer_key)},
			{cbor::text("manifest_digest"), cbor::bytes(l.manifest_digest)},
		}));
	return cbor::array(items);
}

std::vector<Link> decode_chain(const Bytes &chain)
{
	std::vector<co_cbor_item> items(CO_ATTEST_ITEMS_MAX);
	co_cbor_doc doc;
	std::vector<Link> out;
	EXPECT_EQ(co_cbor_decode(chain.data(), chain.size(), 0, items.data(), (u32)items.size(),
				 &doc, nullptr),
		  CO_CBOR_OK);
	co_cbor_iter it;
	EXPECT_EQ(co_cbor_array_iter(&doc, 0, &it, nullptr), CO_CBOR_OK);
	u32 m;
	while (co_cbor_array_next(&doc, &it, &m)) {
		Link l;
		u32 v;
		const u8 *p;
		auto bytes = [&](const char *key, size_t n, Bytes &out_b) {
			EXPECT_EQ(co_cbor_map_find(&doc, m, key, strlen(key), &v, nullptr), CO_CBOR_OK);
			EXPECT_EQ(co_cbor_get_bytes_len(&doc, v, n, &p, nullptr), CO_CBOR_OK);
			out_b.assign(p, p + n);
		};
		EXPECT_EQ(co_cbor_map_find(&doc, m, CO_CBOR_STR("aid"), &v, nullptr), CO_CBOR_OK);
		EXPECT_EQ(co_cbor_get_uint(&doc, v, &l.aid, nullptr), CO_CBOR_OK);
		EXPECT_EQ(co_cbor_map_find(&doc, m, CO_CBOR_STR("parent"), &v, nullptr), CO_CBOR_OK);
		EXPECT_EQ(co_cbor_get_uint(&doc, v, &l.parent, nullptr), CO_CBOR_OK);
		bytes("signature", 64, l.signature);
		bytes("code_digest", 32, l.code_digest);
		bytes("authorizer_key", 32, l.authorizer_key);
		bytes("manifest_digest", 32, l.manifest_digest);
		out.push_back(l);
	}
	return out;
}

struct Chain : Kernel {
	// root(1) -> a(2) -> b(3), with their manifests kept.
	Chain()
	{
		Manifest ma;
		ma.name = "a";
		ma.caps = {"agent.spawn", "fs.read:/data/**"};
		ma.code_digest.fill(0xaa);
		SpawnRequest pa = make_spawn_parts(signer, ma, ma.caps);
		Bytes ra = pa.encode();
		EXPECT_EQ(co_sys_agent_spawn(k, 1, ra.data(), ra.size()), 2);
		Manifest mb;
		mb.name = "b";
		mb.caps = {"fs.read:/data/b/**"};
		mb.code_digest.fill(0xbb);
		SpawnRequest pb = make_spawn_parts(signer, mb, mb.caps);
		Bytes rb = pb.encode();
		EXPECT_EQ(co_sys_agent_spawn(k, 2, rb.data(), rb.size()), 3);
		manifests = {pb.manifest, pa.manifest};
		chain = attest(3, 3);
	}

	Bytes attest(u64 caller, u64 aid)
	{
		Bytes buf(CO_ATTEST_BYTES_MAX);
		s64 n = co_sys_agent_attest(k, caller, aid, buf.data(), buf.size());
		EXPECT_GT(n, 0);
		buf.resize(n > 0 ? (size_t)n : 0);
		return buf;
	}

	co_attest_verdict verify(const Bytes &c, bool with_manifests, co_attest_report *rep,
				 std::vector<std::array<u8, 32>> keys = {})
	{
		if (keys.empty())
			keys.push_back(signer.pk);
		std::vector<co_attest_manifest> ms;
		for (const Bytes &m : manifests)
			ms.push_back({m.data(), m.size()});
		auto scratch = std::make_unique<co_attest_scratch>();
		return co_attest_verify(c.data(), c.size(),
					reinterpret_cast<const u8(*)[32]>(keys.data()), (u32)keys.size(),
					with_manifests ? ms.data() : nullptr,
					with_manifests ? (u32)ms.size() : 0, scratch.get(), rep);
	}

	std::vector<Bytes> manifests; // link 0 (b), link 1 (a)
	Bytes chain;
};

TEST(AgentAttest, ChainFromTheAgentToRoot)
{
	Chain t;
	auto links = decode_chain(t.chain);
	ASSERT_EQ(links.size(), 3u);
	EXPECT_EQ(links[0].aid, 3u);
	EXPECT_EQ(links[0].parent, 2u);
	EXPECT_EQ(links[1].aid, 2u);
	EXPECT_EQ(links[1].parent, 1u);
	EXPECT_EQ(links[2].aid, 1u);
	EXPECT_EQ(links[2].parent, 0u);
	EXPECT_EQ(links[2].signature, Bytes(64));
	EXPECT_EQ(links[2].manifest_digest, Bytes(32));
	EXPECT_EQ(links[0].code_digest, Bytes(32, 0xbb));
	EXPECT_EQ(links[1].code_digest, Bytes(32, 0xaa));
	EXPECT_EQ(links[0].authorizer_key, Bytes(t.signer.pk.begin(), t.signer.pk.end()));
	u8 d[32];
	co_blake3_hash(t.manifests[0].data(), t.manifests[0].size(), d);
	EXPECT_EQ(links[0].manifest_digest, Bytes(d, d + 32));
	// The kernel's encoding is exactly the canonical one this test writes.
	EXPECT_EQ(encode_chain(links), t.chain);
}

TEST(AgentAttest, OfflineVerifyWithAndWithoutManifests)
{
	Chain t;
	co_attest_report rep;
	EXPECT_EQ(t.verify(t.chain, false, &rep), CO_ATTEST_OK);
	EXPECT_EQ(rep.links, 3u);
	EXPECT_EQ(rep.signatures_checked, 0u);
	EXPECT_EQ(rep.aid, 3u);
	EXPECT_EQ(rep.first_bad_link, 3u);
	EXPECT_EQ(t.verify(t.chain, true, &rep), CO_ATTEST_OK);
	EXPECT_EQ(rep.signatures_checked, 2u);
	// Root's own chain is one link.
	Bytes rc = t.attest(1, 1);
	EXPECT_EQ(decode_chain(rc).size(), 1u);
	EXPECT_EQ(t.verify(rc, false, &rep), CO_ATTEST_OK);
}

TEST(AgentAttest, EveryTamperClassIsNamed)
{
	Chain t;
	auto base = decode_chain(t.chain);
	struct Case {
		const char *what;
		void (*change)(std::vector<Link> &);
		bool manifests;
		co_attest_verdict verdict;
		u32 link;
	};
	const Case cases[] = {
		{"parent renamed", [](std::vector<Link> &l) { l[0].parent = 1; }, false,
		 CO_ATTEST_BROKEN_LINK, 1},
		{"parent above its child", [](std::vector<Link> &l) { l[0].parent = 5; }, false,
		 CO_ATTEST_BROKEN_LINK, 0},
		{"links swapped", [](std::vector<Link> &l) { std::swap(l[0], l[1]); }, false,
		 CO_ATTEST_BROKEN_LINK, 1},
		{"a link dropped", [](std::vector<Link> &l) { l.erase(l.begin() + 1); }, false,
		 CO_ATTEST_BROKEN_LINK, 1},
		{"root dropped", [](std::vector<Link> &l) { l.pop_back(); }, false,
		 CO_ATTEST_BAD_ROOT, 1},
		{"root with a key", [](std::vector<Link> &l) { l[2].authorizer_key[0] = 1; }, false,
		 CO_ATTEST_BAD_ROOT, 2},
		{"untrusted key", [](std::vector<Link> &l) { l[1].authorizer_key[3] ^= 1; }, false,
		 CO_ATTEST_UNTRUSTED_KEY, 1},
		{"manifest digest", [](std::vector<Link> &l) { l[0].manifest_digest[0] ^= 1; }, true,
		 CO_ATTEST_DIGEST_MISMATCH, 0},
		{"code digest", [](std::vector<Link> &l) { l[1].code_digest[31] ^= 1; }, true,
		 CO_ATTEST_MANIFEST_MISMATCH, 1},
		{"signature", [](std::vector<Link> &l) { l[1].signature[5] ^= 1; }, true,
		 CO_ATTEST_BAD_SIGNATURE, 1},
	};
	for (const Case &c : cases) {
		SCOPED_TRACE(c.what);
		auto links = base;
		c.change(links);
		co_attest_report rep;
		EXPECT_EQ(t.verify(encode_chain(links), c.manifests, &rep), c.verdict)
			<< co_attest_verdict_name(rep.verdict);
		EXPECT_EQ(rep.first_bad_link, c.link);
	}
	// Without the manifests a changed code digest or signature cannot be seen: the verifier
	// says so by counting no signature.
	auto links = base;
	links[1].signature[5] ^= 1;
	co_attest_report rep;
	EXPECT_EQ(t.verify(encode_chain(links), false, &rep), CO_ATTEST_OK);
	EXPECT_EQ(rep.signatures_checked, 0u);
	// Trusting nobody.
	std::vector<std::array<u8, 32>> other = {Signer::from_seed(3).pk};
	EXPECT_EQ(t.verify(t.chain, false, &rep, other), CO_ATTEST_UNTRUSTED_KEY);
	EXPECT_EQ(rep.first_bad_link, 0u);
}

TEST(AgentAttest, MalformedChains)
{
	Chain t;
	co_attest_report rep;
	auto bad = [&](const Bytes &c) { return t.verify(c, false, &rep); };
	EXPECT_EQ(bad(Bytes{}), CO_ATTEST_BAD_FORMAT);
	EXPECT_EQ(bad(Bytes(t.chain.begin(), t.chain.end() - 1)), CO_ATTEST_BAD_FORMAT);
	EXPECT_EQ(bad(cbor::array({})), CO_ATTEST_BAD_FORMAT);
	EXPECT_EQ(bad(cbor::uint(1)), CO_ATTEST_BAD_FORMAT);
	// An extra key in a link; a key missing; a digest of the wrong length.
	Bytes extra = cbor::array({cbor::map({{cbor::text("aid"), cbor::uint(1)},
					       {cbor::text("parent"), cbor::uint(0)},
					       {cbor::text("signature"), cbor::bytes(Bytes(64))},
					       {cbor::text("code_digest"), cbor::bytes(Bytes(32))},
					       {cbor::text("authorizer_key"), cbor::bytes(Bytes(32))},
					       {cbor::text("manifest_digest"), cbor::bytes(Bytes(32))},
					       {cbor::text("x"), cbor::uint(0)}})});
	EXPECT_EQ(bad(extra), CO_ATTEST_BAD_FORMAT);
	auto links = decode_chain(t.chain);
	links[0].code_digest.pop_back();
	EXPECT_EQ(bad(encode_chain(links)), CO_ATTEST_BAD_FORMAT);
	EXPECT_EQ(rep.first_bad_link, 0u);
	// Too many links (CO_AGENT_DEPTH_MAX + 2).
	std::vector<Link> longc;
	for (u64 i = CO_AGENT_DEPTH_MAX + 2; i >= 1; i--) {
		Link l;
		l.aid = i;
		l.parent = i - 1;
		longc.push_back(l);
	}
	EXPECT_EQ(bad(encode_chain(longc)), CO_ATTEST_BAD_FORMAT);
	// A manifest handed for the root link.
	std::vector<co_attest_manifest> ms(3);
	ms[2] = {t.manifests[0].data(), t.manifests[0].size()};
	auto scratch = std::make_unique<co_attest_scratch>();
	const u8(*keys)[32] = reinterpret_cast<const u8(*)[32]>(t.signer.pk.data());
	EXPECT_EQ(co_attest_verify(t.chain.data(), t.chain.size(), keys, 1, ms.data(), 3,
				   scratch.get(), &rep),
		  CO_ATTEST_MANIFEST_MISMATCH);
	EXPECT_EQ(rep.first_bad_link, 2u);
	EXPECT_STREQ(co_attest_verdict_name(CO_ATTEST_BAD_SIGNATURE), "bad_signature");
}

TEST(AgentAttest, CallerRules)
{
	Chain t;
	ASSERT_EQ(t.spawn(1, {"audit.query"}, "auditor"), 4);
	ASSERT_EQ(t.spawn(1, {}, "stranger"), 5);
	Bytes buf(CO_ATTEST_BYTES_MAX);
	auto attest = [&](u64 caller, u64 aid) {
		return co_sys_agent_attest(t.k, caller, aid, buf.data(), buf.size());
	};
	EXPECT_EQ(attest(3, 3), (s64)t.chain.size()) << "itself";
	EXPECT_EQ(attest(2, 3), (s64)t.chain.size()) << "its parent";
	EXPECT_EQ(attest(1, 3), (s64)t.chain.size()) << "root";
	size_t before = t.event_count();
	EXPECT_EQ(attest(4, 3), (s64)t.chain.size()) << "holds audit.query";
	EXPECT_EQ(t.events_from(before).at(0).type, (u32)COCONUT_EV_CAP_ALLOW);
	before = t.event_count();
	EXPECT_EQ(attest(5, 3), -ECAPABILITY) << "neither";
	EXPECT_EQ(t.events_from(before).at(0).type, (u32)COCONUT_EV_CAP_DENY);
	EXPECT_EQ(attest(3, 2), -ECAPABILITY) << "a child may not attest its parent";
	EXPECT_EQ(co_sys_agent_attest(t.k, 3, 3, buf.data(), t.chain.size() - 1), -EMSGSIZE);
	EXPECT_EQ(co_sys_agent_attest(t.k, 3, 3, buf.data(), t.chain.size()),
		  (s64)t.chain.size());
	ASSERT_EQ(co_agent_exit(t.k, 3), 0);
	EXPECT_EQ(attest(2, 3), -ESTALE);
}

TEST(AgentAttest, DeepestChainFitsTheLimit)
{
	Kernel t;
	u64 parent = 1;
	for (u32 d = 1; d <= CO_AGENT_DEPTH_MAX; d++)
		parent = (u64)t.spawn(parent, {"agent.spawn"});
	Bytes buf(CO_ATTEST_BYTES_MAX);
	s64 n = co_sys_agent_attest(t.k, parent, parent, buf.data(), buf.size());
	ASSERT_GT(n, 0);
	buf.resize((size_t)n);
	EXPECT_EQ(decode_chain(buf).size(), CO_AGENT_DEPTH_MAX + 1u);
	std::vector<std::array<u8, 32>> keys = {t.signer.pk};
	auto scratch = std::make_unique<co_attest_scratch>();
	co_attest_report rep;
	EXPECT_EQ(co_attest_verify(buf.data(), buf.size(),
				   reinterpret_cast<const u8(*)[32]>(keys.data()), 1, nullptr, 0,
				   scratch.get(), &rep),
		  CO_ATTEST_OK);
}

} // namespace
