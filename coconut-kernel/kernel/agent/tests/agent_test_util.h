// The fixture of the agent-core tests (kernel, state, table, manifest, spawn, exit, attest,
// syscalls): a real kernel instance on the deterministic UserPlatform (sim/platform), a trusted
// authorizer whose requests spawn_request.h builds and signs with libsodium, and readers for
// the audit chain through its public query (every read also verifies the chain offline).
#pragma once

#include "coconut/attest.h"
#include "coconut/audit.h"
#include "coconut/kernel.h"
#include "coconut/lsm.h"
#include "coconut/resources.h"
#include "coconut/syscalls.h"

#include "agent_int.h"
#include "spawn_request.h"
#include "user_platform.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agent_test {

// Root's caps in these tests: some of every kind, the right to spawn and query, and grants.
inline const std::vector<std::string> &default_root_caps()
{
	static const std::vector<std::string> caps = {
		"agent.spawn",
		"audit.query",
		"fs.read:/**",
		"fs.write:/data/**",
		"net.egress:*.example.com:443",
		"gpu:0/**",
		"inference:*",
		"mem.tier:*",
		"cap.grant:fs.read:/**",
	};
	return caps;
}

inline std::string join_lines(const std::vector<std::string> &lines)
{
	std::string s;
	for (size_t i = 0; i < lines.size(); i++) {
		if (i)
			s += '\n';
		s += lines[i];
	}
	return s;
}

// One decoded event of the chain, with its seq.
using Event = co_audit_event;

class Kernel {
public:
	explicit Kernel(const std::vector<std::string> &root_caps = default_root_caps(),
			u32 cpus = 2, bool seal_inline = true)
		: plat_(cpus), root_caps_text_(join_lines(root_caps))
	{
		co_kernel_config cfg;
		co_kernel_config_default(&cfg, cpus);
		cfg.root_caps = root_caps_text_.data();
		cfg.root_caps_len = root_caps_text_.size();
		cfg.seal_inline = seal_inline;
		cfg.on_agent_ready = [](void *ctx, u64 aid, u32 tenant) {
			static_cast<Kernel *>(ctx)->ready.push_back({aid, tenant});
		};
		cfg.on_agent_exit = [](void *ctx, u64 aid, u32 tenant) {
			static_cast<Kernel *>(ctx)->exited.push_back({aid, tenant});
		};
		cfg.sched_ctx = this;
		plat_.set_now_ns(1000);
		co_plat p = plat_.plat();
		k = co_kernel_create(&p, &cfg);
		if (k)
			trust(signer);
	}
	Kernel(const Kernel &) = delete;
	Kernel &operator=(const Kernel &) = delete;
	~Kernel() { co_kernel_destroy(k); }

	void trust(const Signer &s) { EXPECT_EQ(co_kernel_add_authorizer(k, s.pk.data()), 0); }

	// A spawn request from the fixture's signer: the manifest declares manifest_caps (by
	// default the requested caps).
	Bytes request(const std::vector<std::string> &caps, const std::string &name = "agent",
		      u32 tenant = 7,
		      const std::vector<std::string> *manifest_caps = nullptr) const
	{
		Manifest m;
		m.name = name;
		m.tenant = tenant;
		m.caps = manifest_caps ? *manifest_caps : caps;
		for (size_t i = 0; i < m.code_digest.size(); i++)
			m.code_digest[i] = static_cast<uint8_t>(0xc0 + i + name.size());
		return make_spawn_request(signer, m, caps);
	}

	s64 spawn(u64 parent, const std::vector<std::string> &caps,
		  const std::string &name = "agent", u32 tenant = 7)
	{
		Bytes req = request(caps, name, tenant);
		return co_sys_agent_spawn(k, parent, req.data(), req.size());
	}

	co_agent *find(u64 aid) const { return co_agent_find(k, aid); }
	u32 state(u64 aid) const
	{
		co_agent *a = find(aid);
		return a ? a->state : 0xff;
	}

	// Every sealed event of the chain (the window), checked by co_audit_verify on the way.
	std::vector<Event> events() const
	{
		std::vector<Event> out;
		u64 seq = 0;
		std::vector<u8> buf(1u << 20);
		for (int page = 0; page < 256; page++) {
			co_audit_filter f{};
			f.seq_from = seq;
			int n = co_audit_query(&k->audit, &f, buf.data(), buf.size());
			EXPECT_GT(n, 0);
			if (n <= 0)
				break;
			co_audit_verify_report rep;
			EXPECT_EQ(co_audit_verify(buf.data(), (size_t)n, plat_.boot_id(), nullptr, 0,
						  &rep),
				  CO_AUDIT_OK)
				<< "first bad index " << rep.first_bad_index;
			size_t before = out.size();
			decode_segment(buf.data(), (size_t)n, out);
			if (out.size() == before)
				break;
			seq = out.back().seq + 1;
		}
		return out;
	}

	// Events after the first `from` of the chain.
	std::vector<Event> events_from(size_t from) const
	{
		std::vector<Event> all = events();
		return std::vector<Event>(all.begin() + (long)std::min(from, all.size()), all.end());
	}

	size_t event_count() const
	{
		u64 n = 0;
		u8 h[COCONUT_DIGEST_SIZE];
		co_audit_head(&k->audit, h, &n);
		return (size_t)n;
	}

	std::vector<u8> head() const
	{
		std::vector<u8> h(COCONUT_DIGEST_SIZE);
		co_audit_head(&k->audit, h.data(), nullptr);
		return h;
	}

	static std::string cap_of(const Event &e) { return std::string(e.cap, e.cap_len); }

	coconut::UserPlatform &plat() { return plat_; }
	const coconut::UserPlatform &plat() const { return plat_; }

	struct Hook {
		u64 aid;
		u32 tenant;
	};
	std::vector<Hook> ready;
	std::vector<Hook> exited;
	Signer signer = Signer::from_seed(1);

private:
	static void decode_segment(const u8 *buf, size_t len, std::vector<Event> &out)
	{
		std::vector<co_cbor_item> items(CO_CBOR_DOC_ITEMS_MAX);
		co_cbor_doc doc;
		ASSERT_EQ(co_cbor_decode(buf, len, 0, items.data(), (u32)items.size(), &doc, nullptr),
			  CO_CBOR_OK);
		// The segment's keys are integers: walk the map to key 4 (records).
		co_cbor_iter it;
		ASSERT_EQ(co_cbor_map_iter(&doc, 0, &it, nullptr), CO_CBOR_OK);
		u32 key, value, records = 0;
		while (co_cbor_map_next(&doc, &it, &key, &value)) {
			u64 kv;
			if (co_cbor_get_uint(&doc, key, &kv, nullptr) == CO_CBOR_OK &&
			    kv == CO_AUDIT_SEG_RECORDS)
				records = value;
		}
		ASSERT_NE(records, 0u);
		co_cbor_iter ri;
		ASSERT_EQ(co_cbor_array_iter(&doc, records, &ri, nullptr), CO_CBOR_OK);
		u32 rec;
		while (co_cbor_array_next(&doc, &ri, &rec)) {
			co_cbor_iter ei;
			u32 evi;
			ASSERT_EQ(co_cbor_array_iter(&doc, rec, &ei, nullptr), CO_CBOR_OK);
			ASSERT_TRUE(co_cbor_array_next(&doc, &ei, &evi));
			size_t elen;
			const u8 *enc = co_cbor_encoded(&doc, evi, &elen);
			Event ev;
			ASSERT_EQ(co_audit_event_decode(enc, elen, &ev), 0);
			out.push_back(ev);
		}
	}

	coconut::UserPlatform plat_;
	std::string root_caps_text_;

public:
	co_kernel *k = nullptr;
};

// Event matchers for readable expectations.
inline bool is_state(const Event &e, u64 aid, u32 from, u32 to)
{
	return e.type == COCONUT_EV_STATE && e.aid == aid && e.arg == ((u64)from << 8 | to);
}

inline std::string describe(const Event &e)
{
	static const char *const types[] = {"?", "spawn", "state", "allow", "deny", "grant",
					    "revoke", "quota", "mem_tier", "exit", "anchor"};
	std::string s = std::string(e.type < COCONUT_EV_TYPE_COUNT ? types[e.type] : "?") +
			" aid=" + std::to_string(e.aid);
	if (e.type == COCONUT_EV_STATE)
		s += std::string(" ") + co_agent_state_name((u32)(e.arg >> 8)) + "->" +
		     co_agent_state_name((u32)(e.arg & 0xff));
	else
		s += " arg=" + std::to_string(e.arg);
	if (e.cap_len)
		s += " cap=" + std::string(e.cap, e.cap_len);
	s += " result=" + std::to_string(e.result);
	return s;
}

inline std::string describe(const std::vector<Event> &evs)
{
	std::string s;
	for (const Event &e : evs)
		s += describe(e) + "\n";
	return s;
}

} // namespace agent_test
