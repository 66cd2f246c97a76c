// The reference model of the agent kernel for agent_model_test (model_test.cc): agents (AID,
// parent, state, caps as canonical texts with the parent cap each derives from), pending
// operations with the cap that authorised them, tier extents, budgets and the LSM decision
// counters. It is written from docs (coconut/syscalls.h, lsm.h, kernel.h, resources.h, agent.h)
// and knows nothing of the kernel's data structures: the capability language is restricted to
// a small universe whose covering relation is written out here independently of cap_cover.c.
//
// The one thing it cannot decide is which of several covering parent caps the kernel picks as
// a new cap's derivation link (coconut/lsm.h leaves it open); the test observes that choice when
// the cap is bound, checks that it is a covering cap of the parent, and records it here. From
// then on every prediction (revocation cascades included) is the model's own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace agent_model {

// ---- The capability universe ------------------------------------------------------------------

// Kind of a canonical text: the part before the first ':' (or the whole text).
inline std::string cap_kind(const std::string &t)
{
	size_t c = t.find(':');
	return c == std::string::npos ? t : t.substr(0, c);
}

inline std::string cap_object(const std::string &t)
{
	size_t c = t.find(':');
	return c == std::string::npos ? std::string() : t.substr(c + 1);
}

// Exact inclusion for the universe's shapes: literal objects, `P/**` subtrees (fs, gpu) and a
// lone `*` (mem.tier, inference); cap.grant:X covers cap.grant:Y iff X covers Y.
inline bool covers(const std::string &a, const std::string &b)
{
	std::string ka = cap_kind(a), kb = cap_kind(b);
	if (ka != kb)
		return false;
	std::string oa = cap_object(a), ob = cap_object(b);
	if (ka == "cap.grant")
		return cap_kind(oa) != "cap.grant" && cap_kind(ob) != "cap.grant" && covers(oa, ob);
	if (oa == ob)
		return true;
	if (oa == "*")
		return ka == "mem.tier" || ka == "inference";
	if (oa.size() >= 3 && oa.compare(oa.size() - 3, 3, "/**") == 0) {
		std::string p = oa.substr(0, oa.size() - 3);
		std::string bp = ob;
		if (bp.size() >= 3 && bp.compare(bp.size() - 3, 3, "/**") == 0)
			bp = bp.substr(0, bp.size() - 3);
		if (p.empty())
			return true; // `/**`: every path
		return bp == p || bp.rfind(p + "/", 0) == 0;
	}
	return false;
}

// Whether cap text a matches the concrete object of kind (objects hold no `*`). For cap.grant
// the object is a capability text.
inline bool matches(const std::string &a, const std::string &kind, const std::string &object)
{
	if (kind == "agent.spawn" || kind == "audit.query")
		return a == kind;
	if (kind == "cap.grant")
		return covers(a, "cap.grant:" + object);
	return covers(a, kind + ":" + object);
}

// Caps the commands draw from: some root holds, some narrower, some nobody holds.
inline const std::vector<std::string> &universe()
{
	static const std::vector<std::string> u = {
		"agent.spawn",		 "audit.query",		 "fs.read:/**",
		"fs.read:/data/**",	 "fs.read:/data/a",	 "fs.read:/data/b/**",
		"fs.read:/etc/**",	 "fs.write:/data/**",	 "fs.write:/data/x",
		"mem.tier:*",		 "mem.tier:ram",	 "mem.tier:hbm",
		"inference:*",		 "inference:kvwarden",	 "gpu:0/**",
		"gpu:0/partition/1",	 "cap.grant:fs.read:/**", "cap.grant:fs.read:/data/**",
		"cap.grant:mem.tier:*",	 "cap.grant:fs.write:/data/**",
		// escalations: root holds nothing covering these
		"fs.write:/etc/**",	 "gpu:1/**",		 "net.egress:api.example.com:443",
		"cap.grant:gpu:0/**",
	};
	return u;
}

inline const std::vector<std::string> &root_caps()
{
	static const std::vector<std::string> r = {
		"agent.spawn", "audit.query",	    "fs.read:/**",	      "fs.write:/data/**",
		"mem.tier:*",  "inference:*",	    "gpu:0/**",		      "cap.grant:fs.read:/**",
		"cap.grant:mem.tier:*", "cap.grant:fs.write:/data/**",
	};
	return r;
}

// A concrete object only the given cap (among the universe's narrower ones) is sure to match:
// the revocation probes ask for it.
inline std::pair<std::string, std::string> probe_object(const std::string &t)
{
	static const std::map<std::string, std::pair<std::string, std::string>> m = {
		{"agent.spawn", {"agent.spawn", ""}},
		{"audit.query", {"audit.query", ""}},
		{"fs.read:/**", {"fs.read", "/zz/q"}},
		{"fs.read:/data/**", {"fs.read", "/data/zz"}},
		{"fs.read:/data/a", {"fs.read", "/data/a"}},
		{"fs.read:/data/b/**", {"fs.read", "/data/b/zz"}},
		{"fs.read:/etc/**", {"fs.read", "/etc/zz"}},
		{"fs.write:/data/**", {"fs.write", "/data/zz"}},
		{"fs.write:/data/x", {"fs.write", "/data/x"}},
		{"fs.write:/etc/**", {"fs.write", "/etc/zz"}},
		{"mem.tier:*", {"mem.tier", "ssd"}},
		{"mem.tier:ram", {"mem.tier", "ram"}},
		{"mem.tier:hbm", {"mem.tier", "hbm"}},
		{"inference:*", {"inference", "zzbroker"}},
		{"inference:kvwarden", {"inference", "kvwarden"}},
		{"gpu:0/**", {"gpu", "0/partition/7"}},
		{"gpu:0/partition/1", {"gpu", "0/partition/1"}},
		{"gpu:1/**", {"gpu", "1/partition/0"}},
		{"net.egress:api.example.com:443", {"net.egress", "api.example.com:443"}},
	};
	auto it = m.find(t);
	if (it != m.end())
		return it->second;
	if (cap_kind(t) == "cap.grant")
		return {"cap.grant", cap_object(t)};
	return {"", ""};
}

// ---- States (enum coconut_agent_state) ----------------------------------------------------------

enum : uint32_t {
	S_SPAWNING = 0,
	S_ATTESTED = 1,
	S_ACTIVE = 2,
	S_BLOCKED = 3,
	S_DENIED = 4,
	S_QUARANTINED = 5,
	S_CLEAN = 6,
	S_REVOKED = 7,
};

inline bool terminal(uint32_t s) { return s == S_CLEAN || s == S_REVOKED; }
inline bool may_act(uint32_t s) { return s != S_QUARANTINED && !terminal(s); }

// ---- The model ------------------------------------------------------------------------------------

struct MCap {
	std::string text;
	uint64_t id = 0;	// model-wide unique
	uint64_t from = 0;	// id of the parent's cap it derives from (0: none, root's)
	uint32_t handle = 0;	// the kernel's handle (to map observed derivation links)
};

struct MAgent {
	uint64_t aid = 0;
	uint64_t parent = 0;
	uint32_t state = S_SPAWNING;
	uint32_t depth = 0;
	uint32_t tenant = 0;	// from the manifest; root's is 0
	bool in_table = true;	// false for a spawn that failed after its AID was consumed
	std::vector<MCap> caps;
	std::vector<std::string> ceiling;
	std::vector<uint64_t> children;	// live children, in spawn order
	uint64_t budget[COCONUT_QUOTA_KIND_COUNT] = {};
	bool block[COCONUT_QUOTA_KIND_COUNT] = {};
	uint64_t used[COCONUT_QUOTA_KIND_COUNT] = {};
};

struct MPending {
	uint64_t token;
	uint64_t aid;
	uint64_t cap_id;
	bool revoked = false;
	bool quarantined = false; // its agent was quarantined while it was pending
};

struct MExtent {
	uint64_t off, size, aid;
};

struct Model {
	std::map<uint64_t, MAgent> agents;	// every AID handed out
	uint64_t next_aid = 2;
	uint64_t next_cap_id = 1;
	uint64_t allows = 0, denies = 0;
	std::vector<MPending> pending;
	std::vector<MExtent> tiers[3];
	uint64_t tier_capacity[3] = {80ull << 30, 256ull << 30, 2ull << 40};
	uint64_t tier_base[3] = {0x0000100000000000ull, 0x0000200000000000ull,
				 0x0000300000000000ull};

	MAgent *find(uint64_t aid)
	{
		auto it = agents.find(aid);
		return it == agents.end() ? nullptr : &it->second;
	}

	// co_agent_lookup: 0 and the agent, or -ESRCH / -ESTALE.
	int lookup(uint64_t aid, MAgent **out)
	{
		*out = nullptr;
		MAgent *a = find(aid);
		if (!a)
			return aid != 0 && aid < next_aid ? -116 /* ESTALE */ : -3 /* ESRCH */;
		if (terminal(a->state))
			return -116;
		*out = a;
		return 0;
	}

	bool strict_ancestor(const MAgent &anc, const MAgent &a)
	{
		uint64_t p = a.parent;
		for (int i = 0; p != 0 && i < 64; i++) {
			if (p == anc.aid)
				return true;
			MAgent *x = find(p);
			p = x ? x->parent : 0;
		}
		return false;
	}
	// Live agents of a tenant (root counts in its tenant, 0).
	size_t tenant_agents(uint32_t tenant) const
	{
		size_t n = 0;
		for (const auto &[aid, a] : agents)
			n += a.in_table && a.tenant == tenant && !terminal(a.state);
		return n;
	}

	bool self_or_ancestor(const MAgent &anc, const MAgent &a)
	{
		return anc.aid == a.aid || strict_ancestor(anc, a);
	}

	// The cap of a matching the object, if any (the model does not pick among several: any).
	bool holds_match(const MAgent &a, const std::string &kind, const std::string &obj) const
	{
		for (const MCap &c : a.caps)
			if (matches(c.text, kind, obj))
				return true;
		return false;
	}

	bool holds_cover(const MAgent &a, const std::string &text) const
	{
		for (const MCap &c : a.caps)
			if (covers(c.text, text))
				return true;
		return false;
	}

	// One LSM decision about a (co_lsm_check): counters and the Active <-> Denied rule.
	bool decide(MAgent &a, const std::string &kind, const std::string &obj)
	{
		bool allowed = may_act(a.state) && holds_match(a, kind, obj);
		if (allowed) {
			allows++;
			if (a.state == S_DENIED)
				a.state = S_ACTIVE;
		} else {
			denies++;
			if (a.state == S_ACTIVE)
				a.state = S_DENIED;
		}
		return allowed;
	}

	std::vector<uint64_t> live_descendants_postorder(uint64_t aid)
	{
		std::vector<uint64_t> out;
		MAgent *a = find(aid);
		if (!a)
			return out;
		for (uint64_t c : a->children) {
			auto sub = live_descendants_postorder(c);
			out.insert(out.end(), sub.begin(), sub.end());
		}
		out.push_back(aid);
		return out;
	}

	// An agent and its live descendants go terminal (exit, kill).
	void terminate(uint64_t aid, uint32_t to)
	{
		for (uint64_t x : live_descendants_postorder(aid)) {
			MAgent *a = find(x);
			a->state = to;
			for (MPending &p : pending)
				if (p.aid == x)
					p.revoked = true;
			for (auto &t : tiers)
				t.erase(std::remove_if(t.begin(), t.end(),
						       [&](const MExtent &e) { return e.aid == x; }),
					t.end());
			MAgent *par = find(a->parent);
			if (par)
				par->children.erase(std::remove(par->children.begin(),
								 par->children.end(), x),
						    par->children.end());
		}
	}

	// The revocation cascade: removes text from target and every cap derived from a removed
	// one below; returns the ids removed.
	std::set<uint64_t> revoke(uint64_t target, const std::string &text)
	{
		std::set<uint64_t> removed;
		// Preorder: a parent's doomed ids are known before its children are looked at.
		std::vector<uint64_t> order;
		std::vector<uint64_t> stack = {target};
		while (!stack.empty()) {
			uint64_t x = stack.back();
			stack.pop_back();
			order.push_back(x);
			MAgent *a = find(x);
			for (auto it = a->children.rbegin(); it != a->children.rend(); ++it)
				stack.push_back(*it);
		}
		for (uint64_t x : order) {
			MAgent *a = find(x);
			for (const MCap &c : a->caps)
				if ((x == target && c.text == text) || (x != target && removed.count(c.from)))
					removed.insert(c.id);
		}
		for (uint64_t x : order) {
			MAgent *a = find(x);
			a->caps.erase(std::remove_if(a->caps.begin(), a->caps.end(),
						     [&](const MCap &c) { return removed.count(c.id) > 0; }),
				      a->caps.end());
		}
		return removed;
	}

	// What complete() of a pending op answers now.
	bool op_ok(const MPending &p)
	{
		if (p.revoked)
			return false;
		MAgent *a = find(p.aid);
		if (!a || !may_act(a->state))
			return false;
		for (const MCap &c : a->caps)
			if (c.id == p.cap_id)
				return true;
		return false;
	}
};

} // namespace agent_model
