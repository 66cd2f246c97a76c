// The manifest and request decoders and the cap-list parser (kernel/agent/manifest.c), called
// directly: the canonical key order, the fields they yield, the ceiling, and their limits.
#include "agent_test_util.h"

#include <memory>
#include <string>
#include <vector>

using namespace agent_test;

namespace {

struct Scratch {
	std::unique_ptr<co_spawn_scratch> s = std::make_unique<co_spawn_scratch>();
	std::vector<u64> room; // co_spawn_room_fill()'s memory, 8-byte aligned

	void fill(const co_spawn_request &req)
	{
		const size_t bytes = co_spawn_room_bytes(&req);
		room.assign((bytes + 7) / 8, 0xa5a5a5a5a5a5a5a5ull);
		s->room = nullptr;
		co_spawn_room_fill(s.get(), &req, room.data());
		EXPECT_EQ(s->room, room.data());
	}
};

TEST(AgentManifest, KeyOrderIsBytewiseCanonical)
{
	// The order the header names is the order of the keys' encodings.
	const std::vector<std::string> keys = {CO_MANIFEST_KEY_V,	   CO_MANIFEST_KEY_CAPS,
					       CO_MANIFEST_KEY_NAME,	   CO_MANIFEST_KEY_TENANT,
					       CO_MANIFEST_KEY_AUTHORIZER, CO_MANIFEST_KEY_CODE_DIGEST};
	EXPECT_EQ(keys, (std::vector<std::string>{"v", "caps", "name", "tenant", "authorizer",
						  "code_digest"}));
	for (size_t i = 1; i < keys.size(); i++)
		EXPECT_LT(cbor::text(keys[i - 1]), cbor::text(keys[i])) << keys[i];
	const std::vector<std::string> req = {CO_SPAWN_KEY_CAP_SET, CO_SPAWN_KEY_MANIFEST,
					      CO_SPAWN_KEY_SIGNATURE};
	for (size_t i = 1; i < req.size(); i++)
		EXPECT_LT(cbor::text(req[i - 1]), cbor::text(req[i])) << req[i];
	// And the test encoder writes them in that order.
	Manifest m;
	Bytes b = m.encode();
	size_t at = 0;
	for (const std::string &k : keys) {
		Bytes enc = cbor::text(k);
		auto it = std::search(b.begin() + (long)at, b.end(), enc.begin(), enc.end());
		ASSERT_NE(it, b.end()) << k;
		at = (size_t)(it - b.begin());
	}
}

TEST(AgentManifest, DecodeYieldsTheFields)
{
	Manifest m;
	m.name = "planner";
	m.tenant = 0xfffffffful;
	m.caps = {"fs.read:/a/**", "agent.spawn", "net.egress:*.example.com:443"};
	m.authorizer.fill(7);
	m.code_digest.fill(9);
	Bytes b = m.encode();
	Scratch sc;
	co_manifest out;
	ASSERT_EQ(co_manifest_decode(b.data(), b.size(), sc.s->items, CO_SPAWN_REQUEST_ITEMS_MAX,
				     &out),
		  0);
	EXPECT_EQ(std::string(out.name, out.name_len), "planner");
	EXPECT_EQ(out.tenant, 0xffffffffu);
	EXPECT_EQ(out.cap_count, 3u);
	EXPECT_EQ(out.caps_text_bytes, 13u + 11u + 28u);
	EXPECT_EQ(out.authorizer[0], 7);
	EXPECT_EQ(out.code_digest[31], 9);
	EXPECT_EQ(out.bytes, b.data());
	EXPECT_EQ(out.len, b.size());
	co_capset_full ceiling;
	co_capset_init_full(&ceiling);
	co_manifest_ceiling_insert(&out, &ceiling.set);
	EXPECT_EQ(co_capset_count(&ceiling.set), 3u);
	std::string blob(out.caps_text_bytes + out.cap_count, '?');
	co_manifest_ceiling_write(&out, blob.data(), (u32)blob.size());
	EXPECT_EQ(blob, "fs.read:/a/**\nagent.spawn\nnet.egress:*.example.com:443\n");

	// Too few items for it.
	EXPECT_EQ(co_manifest_decode(b.data(), b.size(), sc.s->items, 8, &out), -E2BIG);
	EXPECT_EQ(co_manifest_decode(nullptr, 0, sc.s->items, 8, &out), -EBADMSG);
}

TEST(AgentManifest, RequestDecode)
{
	Signer s = Signer::from_seed(4);
	Manifest m;
	m.caps = {"fs.read:/**"};
	Bytes req = make_spawn_request(s, m, {"fs.read:/a", "fs.read:/b/**"});
	Scratch sc;
	co_spawn_request out;
	ASSERT_EQ(co_spawn_request_decode(req.data(), req.size(), sc.s.get(), &out), 0);
	EXPECT_EQ(out.cap_count, 2u);
	EXPECT_EQ(out.manifest.cap_count, 1u);
	// Room sized by the counts: the ceiling's store for one cap (the minimum capacity), then
	// two parsed caps; the 256-entry sizes of before were 160 KiB of it.
	EXPECT_EQ(co_spawn_room_bytes(&out),
		  CO_CAPSET_STORE_BYTES(CO_CAP_SET_CAPACITY_MIN) + 2 * sizeof(co_cap));
	EXPECT_LT(sizeof(co_spawn_scratch) + co_spawn_room_bytes(&out), 32u * 1024);
	sc.fill(out);
	EXPECT_EQ(sc.s->caps[1].kind, COCONUT_CAP_FS_READ);
	EXPECT_EQ(co_capset_count(&sc.s->ceiling), 1u);
	char text[COCONUT_CAP_TEXT_MAX + 1];
	size_t n = co_cap_format(&sc.s->caps[1], text, sizeof(text));
	EXPECT_EQ(std::string(text, n), "fs.read:/b/**");
	EXPECT_EQ(0, memcmp(out.manifest.authorizer, s.pk.data(), 32));
	// Ed25519 is deterministic: the request carries the signature of the manifest's bytes.
	Bytes signed_bytes(out.manifest.bytes, out.manifest.bytes + out.manifest.len);
	EXPECT_EQ(0, memcmp(out.signature, s.sign(signed_bytes).data(), 64));
}

TEST(AgentManifest, CapListParse)
{
	struct Case {
		std::string text;
		int err;
	};
	std::vector<Case> cases = {
		{"agent.spawn", 0},
		{"agent.spawn\nfs.read:/a", 0},
		{"", -EINVAL},
		{"\n", -EINVAL},
		{"agent.spawn\n", -EINVAL},
		{"\nagent.spawn", -EINVAL},
		{"agent.spawn\n\nfs.read:/a", -EINVAL},
		{"fs.read:a", -EINVAL},
		{"fs.read:/" + std::string(300, 'x'), -ENAMETOOLONG},
	};
	std::vector<std::string> many;
	for (int i = 0; i <= CO_CAP_SET_CAPS_MAX; i++)
		many.push_back("fs.read:/" + std::to_string(i));
	cases.push_back({join_lines(many), -E2BIG});
	many.pop_back();
	cases.push_back({join_lines(many), 0});
	for (const Case &c : cases)
		EXPECT_EQ(co_cap_list_parse(c.text.data(), c.text.size(), nullptr, nullptr), c.err)
			<< c.text.substr(0, 40);

	// The callback sees each entry and its error stops the walk.
	std::vector<std::string> seen;
	auto fn = [](void *ctx, const co_cap *, const char *text, u32 len) {
		auto *v = static_cast<std::vector<std::string> *>(ctx);
		v->emplace_back(text, len);
		return v->size() == 2 ? -ENOSPC : 0;
	};
	std::string three = "agent.spawn\naudit.query\nmem.tier:hbm";
	EXPECT_EQ(co_cap_list_parse(three.data(), three.size(), fn, &seen), -ENOSPC);
	EXPECT_EQ(seen, (std::vector<std::string>{"agent.spawn", "audit.query"}));
}

TEST(AgentManifest, CeilingCovers)
{
	Kernel t;
	ASSERT_EQ(t.spawn(1, {"fs.read:/data/a"}), 2);
	co_agent *a = t.find(2);
	co_cap c;
	ASSERT_EQ(co_cap_parse(CO_CBOR_STR("fs.read:/data/a"), &c, nullptr), CO_CAP_OK);
	EXPECT_TRUE(co_agent_ceiling_covers(a, &c));
	ASSERT_EQ(co_cap_parse(CO_CBOR_STR("fs.read:/data/b"), &c, nullptr), CO_CAP_OK);
	EXPECT_FALSE(co_agent_ceiling_covers(a, &c));
	// Root's ceiling is its configured caps.
	ASSERT_EQ(co_cap_parse(CO_CBOR_STR("fs.read:/anything/at/all"), &c, nullptr), CO_CAP_OK);
	EXPECT_TRUE(co_agent_ceiling_covers(t.find(1), &c));
}

} // namespace
