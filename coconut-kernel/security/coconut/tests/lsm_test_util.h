// The fixture of the LSM-layer and resource tests (security/coconut/tests, kernel/agent/tests:
// lsm, grant, revoke, in-flight, quota, tier, agentfs): a real kernel instance (co_kernel_create)
// on the deterministic UserPlatform (sim/platform), and agents put into its table the way spawn
// stages 3-6 do (each cap derived_from the parent's covering cap, Spawning -> Attested ->
// Active), minus the manifest and its signature, which none of these tests is about.
//
// Every call into the kernel goes through a wrapper that takes the instance lock (as the
// syscall layer does) and seals the audit rings after, so events can be read back at once.
#pragma once

#include "coconut/blake3.h"
#include "coconut/kernel.h"
#include "coconut/lsm.h"
#include "coconut/resources.h"

#include "agent_int.h"
#include "user_platform.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace lsm_test {

// SplitMix64: the same stream on every platform (no std::*_distribution).
struct Rng {
	uint64_t state;

	explicit Rng(uint64_t seed) : state(seed) {}
	uint64_t next()
	{
		uint64_t z = (state += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
	bool chance(uint32_t percent) { return below(100) < percent; }
};

// Root's caps in the fixture: a little of every kind, and the right to grant most of it.
inline const std::vector<std::string> &default_root_caps()
{
	static const std::vector<std::string> caps = {
		"fs.read:/**",
		"fs.write:/**",
		"net.egress:*.*:*",
		"net.egress:*.*.*:*",
		"gpu:0/**",
		"gpu:1/**",
		"inference:*",
		"agent.spawn",
		"audit.query",
		"mem.tier:*",
		"cap.grant:fs.read:/**",
		"cap.grant:fs.write:/**",
		"cap.grant:net.egress:*.*:*",
		"cap.grant:gpu:0/**",
		"cap.grant:inference:*",
		"cap.grant:mem.tier:*",
		"cap.grant:agent.spawn",
	};
	return caps;
}

inline std::string join(const std::vector<std::string> &v, const char *sep = "\n")
{
	std::string s;
	for (size_t i = 0; i < v.size(); i++) {
		if (i)
			s += sep;
		s += v[i];
	}
	return s;
}

struct Options {
	u32 cpus = 1; // audit rings, one per CPU (plat.set_cpu picks the caller's)
	u32 ring_slots = 256;
	u32 log_events = 4096;
	bool seal_inline = true;
	std::vector<std::string> root_caps = default_root_caps();
	u64 tier_capacity[COCONUT_TIER_COUNT] = { 1ull << 30, 4ull << 30, 16ull << 30 };
	// Per-tenant limits (coconut/limits.h): the kernel's defaults unless a test sets them.
	u32 tenant_agents_max = CO_TENANT_AGENTS_DEFAULT;
	u32 tenant_extents_max = CO_TENANT_EXTENTS_DEFAULT;
	u32 tenant_tier_percent = CO_TENANT_TIER_PERCENT_DEFAULT;

	// One tenant may hold the whole machine: for tests of machine-wide exhaustion.
	static Options single_tenant()
	{
		Options o;
		o.tenant_agents_max = CO_AGENTS_MAX;
		o.tenant_extents_max = CO_TIER_EXTENTS_MAX;
		o.tenant_tier_percent = 100;
		return o;
	}
};

inline std::vector<co_audit_event> decode_segment(const std::vector<u8> &seg);

class Kernel {
public:
	explicit Kernel(const Options &o = Options()) : plat(o.cpus)
	{
		co_kernel_config cfg;
		co_kernel_config_default(&cfg, o.cpus);
		cfg.audit.ring_slots = o.ring_slots;
		cfg.audit.log_events = o.log_events;
		cfg.seal_inline = o.seal_inline;
		for (u32 t = 0; t < COCONUT_TIER_COUNT; t++)
			cfg.tier_capacity_bytes[t] = o.tier_capacity[t];
		cfg.tenant_agents_max = o.tenant_agents_max;
		cfg.tenant_extents_max = o.tenant_extents_max;
		cfg.tenant_tier_percent = o.tenant_tier_percent;
		root_caps_ = join(o.root_caps);
		cfg.root_caps = root_caps_.data();
		cfg.root_caps_len = root_caps_.size();
		plat.set_now_ns(1000);
		co_plat p = plat.plat();
		k = co_kernel_create(&p, &cfg);
		if (!k)
			ADD_FAILURE() << "co_kernel_create failed";
	}
	Kernel(const Kernel &) = delete;
	Kernel &operator=(const Kernel &) = delete;
	~Kernel()
	{
		co_kernel_destroy(k);
		EXPECT_EQ(plat.live_allocations(), 0u) << "the kernel leaked";
		EXPECT_TRUE(plat.violations().empty()) << plat.violations().front();
	}

	coconut::UserPlatform plat;
	co_kernel *k = nullptr;

	co_agent *agent(u64 aid) const { return co_agent_find(k, aid); }
	void lock() { co_kernel_lock(k); }
	void unlock()
	{
		co_kernel_unlock(k);
		co_kernel_seal(k);
	}

	// A child of parent holding caps (each covered by one of parent's caps: else the test is
	// wrong), with the given ceiling (default: root's caps, so grants meet only narrowing).
	u64 spawn(u64 parent_aid, const std::vector<std::string> &caps,
		  const std::vector<std::string> *ceiling = nullptr, const char *name = "agent",
		  u32 tenant = 7)
	{
		const std::vector<std::string> &ceil = ceiling ? *ceiling : default_root_caps();
		co_agent *child = co_agent_alloc(k, static_cast<u32>(caps.size()));
		std::string blob;
		for (const auto &c : ceil)
			blob += c + "\n";
		child->ceiling = static_cast<char *>(co_plat_alloc(&k->plat, blob.size()));
		std::memcpy(child->ceiling, blob.data(), blob.size());
		child->ceiling_len = static_cast<u32>(blob.size());
		child->ceiling_count = static_cast<u32>(ceil.size());

		lock();
		co_agent *parent = agent(parent_aid);
		EXPECT_TRUE(parent && !co_agent_state_terminal(parent->state));
		u64 aid = 0;
		EXPECT_EQ(co_agent_table_reserve(k, &aid), 0);
		child->aid = aid;
		child->parent_aid = parent_aid;
		child->tenant = tenant;
		child->depth = parent->depth + 1;
		child->spawned_ns = plat.now_ns();
		std::snprintf(child->name, sizeof(child->name), "%s", name);
		child->flags |= CO_AGENT_F_VERIFIED;
		co_agent *evicted = nullptr;
		co_agent_table_insert(k, child, &evicted);
		EXPECT_EQ(co_agent_transition(k, child, COCONUT_STATE_ATTESTED), 0);
		for (const auto &text : caps) {
			co_cap cap;
			EXPECT_EQ(co_cap_parse(text.data(), text.size(), &cap, nullptr), CO_CAP_OK) << text;
			u32 from = co_capset_covers(&parent->caps, &cap), h;
			EXPECT_NE(from, CO_CAP_HANDLE_NONE) << "parent does not cover " << text;
			EXPECT_EQ(co_capset_insert(&child->caps, &cap, from, 0, &h), CO_CAP_OK);
		}
		co_audit_event ev;
		co_audit_event_init(&ev, COCONUT_EV_SPAWN, parent_aid, 0);
		ev.arg = aid;
		EXPECT_EQ(co_kernel_audit(k, &ev), 0);
		EXPECT_EQ(co_agent_child_add(parent, aid), 0);
		child->flags |= CO_AGENT_F_REGISTERED;
		EXPECT_EQ(co_tenant_admit(k, tenant), 0);
		co_tenant_enter(k, tenant);
		EXPECT_EQ(co_agent_transition(k, child, COCONUT_STATE_ACTIVE), 0);
		unlock();
		if (evicted)
			co_agent_free(k, evicted);
		return aid;
	}

	// ---- Wrappers, as the syscall layer would call (lock held, sealed after) ----
	int check(u64 aid, u32 kind, const std::string &object, u32 *handle = nullptr)
	{
		lock();
		int rc = co_lsm_check(k, agent(aid), kind, object.data(), object.size(), handle);
		unlock();
		return rc;
	}
	int grant(u64 caller, u64 target, const std::string &caps)
	{
		// As co_sys_agent_cap_grant does: a store the target's set may need, found unlocked.
		co_grant_room room = {nullptr, 0, 0};
		int rc = CO_GRANT_NEEDS_ROOM;
		for (int round = 0; round < 3 && rc == CO_GRANT_NEEDS_ROOM; round++) {
			if (round > 0) {
				co_agent_caps_store_free(k, room.store, room.capacity);
				room.capacity = room.want;
				room.store = co_agent_caps_store_alloc(k, room.capacity);
			}
			lock();
			rc = co_cap_grant(k, agent(caller), agent(target), caps.data(), caps.size(),
					  &room);
			unlock();
		}
		EXPECT_NE(rc, CO_GRANT_NEEDS_ROOM);
		co_agent_caps_store_free(k, room.store, room.capacity);
		return rc;
	}
	int revoke(u64 caller, u64 target, const std::string &cap)
	{
		lock();
		int rc = co_cap_revoke(k, agent(caller), agent(target), cap.data(), cap.size());
		unlock();
		return rc;
	}
	int begin(u64 aid, u32 kind, const std::string &object, u64 *token)
	{
		lock();
		int rc = co_inflight_begin(k, agent(aid), kind, object.data(), object.size(), token);
		unlock();
		return rc;
	}
	int complete(u64 token)
	{
		lock();
		int rc = co_inflight_complete(k, token);
		unlock();
		return rc;
	}
	u32 state(u64 aid) const { return agent(aid)->state; }

	// Texts of aid's caps, sorted (a multiset).
	std::vector<std::string> caps(u64 aid) const
	{
		std::vector<std::string> out;
		const co_agent *a = agent(aid);
		for (u32 h = co_capset_next(&a->caps, CO_CAP_HANDLE_NONE); h != CO_CAP_HANDLE_NONE;
		     h = co_capset_next(&a->caps, h))
			out.push_back(text(&co_capset_get(&a->caps, h)->cap));
		std::sort(out.begin(), out.end());
		return out;
	}
	static std::string text(const co_cap *cap)
	{
		char buf[CO_CAP_TEXT_BYTES_MAX];
		size_t n = co_cap_format(cap, buf, sizeof(buf));
		return std::string(buf, n);
	}
	// The handle of aid's first cap with this text, or NONE.
	u32 handle_of(u64 aid, const std::string &t) const
	{
		const co_agent *a = agent(aid);
		for (u32 h = co_capset_next(&a->caps, CO_CAP_HANDLE_NONE); h != CO_CAP_HANDLE_NONE;
		     h = co_capset_next(&a->caps, h))
			if (text(&co_capset_get(&a->caps, h)->cap) == t)
				return h;
		return CO_CAP_HANDLE_NONE;
	}

	struct co_audit_stats stats()
	{
		co_audit_seal(&k->audit, CO_AUDIT_RING_EVENTS_MAX);
		struct co_audit_stats s;
		co_audit_get_stats(&k->audit, &s);
		return s;
	}
	u64 sealed()
	{
		u8 head[COCONUT_DIGEST_SIZE];
		u64 n = 0;
		co_audit_head(&k->audit, head, &n);
		return n;
	}
	// Every sealed event of the window from seq `from` on (paged queries, decoded).
	std::vector<co_audit_event> events(u64 from = 0)
	{
		std::vector<co_audit_event> all;
		for (int guard = 0; guard < 100000; guard++) {
			co_audit_filter f{};
			f.seq_from = from;
			std::vector<u8> buf(1u << 20);
			int n = co_audit_query(&k->audit, &f, buf.data(), buf.size());
			EXPECT_GT(n, 0);
			if (n <= 0)
				break;
			buf.resize(static_cast<size_t>(n));
			auto page = decode_segment(buf);
			all.insert(all.end(), page.begin(), page.end());
			if (page.size() < CO_AUDIT_SEGMENT_EVENTS_MAX)
				break;
			from = page.back().seq + 1;
		}
		return all;
	}

private:
	std::string root_caps_;
};

// Whether anc is a strict ancestor of aid, by walking parent links (the model of the kernel's
// co_agent_is_ancestor(), which walks depths).
inline bool strict_ancestor(const Kernel &t, u64 anc, u64 aid)
{
	for (const co_agent *x = t.agent(aid); x && x->parent_aid;) {
		if (x->parent_aid == anc)
			return true;
		x = t.agent(x->parent_aid);
	}
	return false;
}

inline std::vector<co_audit_event> decode_segment(const std::vector<u8> &seg)
{
	std::vector<co_cbor_item> items(CO_CBOR_DOC_ITEMS_MAX);
	co_cbor_doc doc;
	std::vector<co_audit_event> out;
	if (co_cbor_decode(seg.data(), seg.size(), 0, items.data(), CO_CBOR_DOC_ITEMS_MAX, &doc,
			   nullptr) != CO_CBOR_OK) {
		ADD_FAILURE() << "segment does not decode";
		return out;
	}
	co_cbor_iter it;
	u32 key, val, records = 0;
	co_cbor_map_iter(&doc, 0, &it, nullptr);
	while (co_cbor_map_next(&doc, &it, &key, &val)) {
		u64 kv;
		if (co_cbor_get_uint(&doc, key, &kv, nullptr) == CO_CBOR_OK &&
		    kv == CO_AUDIT_SEG_RECORDS)
			records = val;
	}
	co_cbor_iter rit;
	u32 rec;
	co_cbor_array_iter(&doc, records, &rit, nullptr);
	while (co_cbor_array_next(&doc, &rit, &rec)) {
		size_t len;
		const u8 *enc = co_cbor_encoded(&doc, rec + 1, &len);
		co_audit_event ev;
		EXPECT_EQ(co_audit_event_decode(enc, len, &ev), 0);
		out.push_back(ev);
	}
	return out;
}

inline std::string cap_of(const co_audit_event &ev)
{
	return std::string(ev.cap, ev.cap_len);
}

inline std::vector<u8> blake3(const std::string &s)
{
	std::vector<u8> d(COCONUT_DIGEST_SIZE);
	co_blake3_hash(s.data(), s.size(), d.data());
	return d;
}

} // namespace lsm_test
