// Bytes in, a sequence of syscall-layer calls out: the interpreter the determinism test, the
// RapidCheck property and the libFuzzer target (kernel/agent/fuzz) share. Every call's return
// is checked against the errnos docs/uapi.md allows for it, and after each call the kernel's
// invariants are checked: the agent tree (a live agent's parent is live and lists it), the
// table's counts, and LSM/audit parity (each decision counter equals its event count).
#pragma once

#include "coconut/kernel.h"
#include "coconut/lsm.h"
#include "coconut/syscalls.h"

#include "agent_int.h"
#include "spawn_request.h"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

namespace agent_test {

// Consumes the input a byte at a time; zeros once it is exhausted.
class ByteSource {
public:
	ByteSource(const uint8_t *p, size_t n) : p_(p), n_(n) {}
	bool empty() const { return at_ >= n_; }
	uint8_t u8() { return at_ < n_ ? p_[at_++] : 0; }
	uint32_t u16() { return (uint32_t)u8() | ((uint32_t)u8() << 8); }
	uint64_t u64()
	{
		uint64_t v = 0;
		for (int i = 0; i < 8; i++)
			v |= (uint64_t)u8() << (8 * i);
		return v;
	}
	Bytes take(size_t max)
	{
		size_t want = u8() % (max + 1); // first: it moves at_
		size_t n = std::min<size_t>(want, n_ - std::min(at_, n_));
		Bytes b(p_ + at_, p_ + at_ + n);
		at_ += n;
		return b;
	}

private:
	const uint8_t *p_;
	size_t n_;
	size_t at_ = 0;
};

// The small universes the calls draw from: enough overlap to make grants, narrowing and
// denials happen often.
inline const std::vector<std::string> &driver_caps()
{
	static const std::vector<std::string> v = {
		"agent.spawn",	   "audit.query",	    "fs.read:/**",	"fs.read:/data/**",
		"fs.read:/data/a", "fs.write:/data/**",	    "mem.tier:*",	"mem.tier:ram",
		"inference:*",	   "cap.grant:fs.read:/**", "gpu:0/partition/1", "fs.read:/etc/**",
	};
	return v;
}

inline const std::vector<std::pair<std::string, std::string>> &driver_objects()
{
	static const std::vector<std::pair<std::string, std::string>> v = {
		{"fs.read", "/data/a"},	  {"fs.read", "/etc/passwd"}, {"fs.write", "/data/b"},
		{"agent.spawn", ""},	  {"audit.query", ""},	      {"mem.tier", "hbm"},
		{"inference", "kvwarden"}, {"fs.read", "relative"},    {"fs.exec", "/x"},
		{"gpu", "0/partition/1"},
	};
	return v;
}

inline bool driver_ret_ok(s64 r, std::initializer_list<int> errs, bool positive)
{
	if (r == 0)
		return !positive;
	if (r > 0)
		return positive;
	for (int e : errs)
		if (r == -e)
			return true;
	return false;
}

// The table slots that can hold an agent: every agent's AID is below next_aid and its slot is
// the AID's low bits (co_agent_slot), so until next_aid reaches CO_AGENTS_MAX only the slots
// below it. Scanning all 4096 slots twice a call was about a quarter of the fuzzer's time.
inline u32 driver_slots_used(const co_kernel *k)
{
	return k->next_aid < CO_AGENTS_MAX ? (u32)k->next_aid : (u32)CO_AGENTS_MAX;
}

// The invariants; an empty string when they hold, else what broke. slots_max bounds the scan
// (driver_slots_used); an agent past it still breaks the table counts.
inline std::string driver_invariants(co_kernel *k, u32 slots_max = CO_AGENTS_MAX)
{
	u32 live = 0, present = 0;
	for (u32 i = 0; i < slots_max; i++) {
		co_agent *a = k->agents[i];
		if (!a)
			continue;
		present++;
		if (co_agent_slot(a->aid) != i)
			return "agent in the wrong slot";
		if (co_agent_state_terminal(a->state))
			continue;
		live++;
		if (a->state == COCONUT_STATE_SPAWNING || a->state == COCONUT_STATE_ATTESTED)
			return "a half-spawned agent " + std::to_string(a->aid);
		if (a->aid == COCONUT_AID_ROOT)
			continue;
		co_agent *p = co_agent_find(k, a->parent_aid);
		if (!p || co_agent_state_terminal(p->state))
			return "live agent " + std::to_string(a->aid) + " without a live parent";
		if (a->depth != p->depth + 1 || a->depth > CO_AGENT_DEPTH_MAX)
			return "depth of " + std::to_string(a->aid);
		if (std::count(p->children, p->children + p->child_count, a->aid) != 1)
			return "agent " + std::to_string(a->aid) + " not once in its parent's children";
		for (u32 c = 0; c < a->child_count; c++) {
			co_agent *ch = co_agent_find(k, a->children[c]);
			if (!ch || ch->parent_aid != a->aid || co_agent_state_terminal(ch->state))
				return "bad child entry of " + std::to_string(a->aid);
		}
	}
	if (live != k->live_count || present != k->agent_count)
		return "table counts";
	co_agent *root = co_agent_find(k, COCONUT_AID_ROOT);
	if (!root || co_agent_state_terminal(root->state) ||
	    root->state == COCONUT_STATE_QUARANTINED)
		return "root";
	struct co_audit_stats st;
	co_audit_get_stats(&k->audit, &st);
	if (k->cfg.seal_inline && co_audit_pending(&k->audit) != 0)
		return "events left unsealed";
	if (st.by_type[COCONUT_EV_CAP_ALLOW] != k->lsm_allows ||
	    st.by_type[COCONUT_EV_CAP_DENY] != k->lsm_denies)
		return "LSM/audit parity";
	return "";
}

struct DriverResult {
	std::vector<s64> rets;
	std::string error; // the first broken expectation, empty when none
};

// Runs at most max_calls calls decoded from the input. signer must be trusted by k.
inline DriverResult run_driver(co_kernel *k, const Signer &signer, const uint8_t *data, size_t n,
			       size_t max_calls = 64)
{
	DriverResult res;
	ByteSource in(data, n);
	std::vector<u8> buf(1u << 16);
	const auto &caps = driver_caps();
	const auto &objs = driver_objects();
	std::vector<u64> live;
	auto aid = [&]() -> u64 {
		u8 b = in.u8();
		// Mostly live agents; else any AID so far, 0, one past the end, or a huge one.
		if (b < 192 && !live.empty())
			return live[b % live.size()];
		if (b == 0xff)
			return ~0ull;
		return (u64)(b % (k->next_aid + 2));
	};
	// Operation weights: spawns and decisions often, endings rarely, so trees grow.
	static const u8 ops[] = {0, 0, 0, 0, 1, 2, 3, 3, 4, 4, 5, 6, 6, 6, 7, 8, 9, 10, 11, 12, 13};
	for (size_t call = 0; call < max_calls && !in.empty(); call++) {
		live.clear();
		for (u32 i = 0; i < driver_slots_used(k); i++)
			if (k->agents[i] && !co_agent_state_terminal(k->agents[i]->state))
				live.push_back(k->agents[i]->aid);
		std::sort(live.begin(), live.end());
		u8 op = ops[in.u8() % sizeof(ops)];
		u64 caller = aid();
		s64 r = 0;
		bool ok = true;
		std::string what;
		switch (op) {
		case 0: { // spawn, well-formed
			Manifest m;
			m.name = "a" + std::to_string(call);
			// Mostly the caller's tenant (only root starts tenants: another is -EPERM).
			const co_agent *ca = co_agent_find(k, caller);
			m.tenant = ca && ca->aid != COCONUT_AID_ROOT && in.u8() % 4 ? ca->tenant :
										      in.u8() % 4;
			u16 want = (u16)in.u16(), decl = (u16)(want | in.u16());
			std::vector<std::string> req;
			for (size_t i = 0; i < caps.size(); i++) {
				if (decl & (1u << i))
					m.caps.push_back(caps[i]);
				if (want & (1u << i))
					req.push_back(caps[i]);
			}
			Bytes b = make_spawn_request(signer, m, req);
			r = co_sys_agent_spawn(k, caller, b.data(), b.size());
			what = "spawn";
			ok = driver_ret_ok(r, {EBADMSG, ESRCH, ESTALE, EACCES, EMLINK, ENOSPC,
					       EPERM, EDQUOT, ECAPABILITY, EBUSY, ENOMEM},
					   true);
			break;
		}
		case 1: { // spawn, raw bytes
			Bytes b = in.take(200);
			r = co_sys_agent_spawn(k, caller, b.empty() ? nullptr : b.data(), b.size());
			what = "spawn raw";
			ok = driver_ret_ok(r, {EINVAL, EBADMSG, E2BIG, ENAMETOOLONG, ESRCH, ESTALE,
					       ENOKEY, EKEYREJECTED, EACCES, EMLINK, ENOSPC, EPERM,
					       EDQUOT, ECAPABILITY, EBUSY, ENOMEM},
					   true);
			break;
		}
		case 2: { // attest
			u64 t = aid();
			size_t len = (size_t)(in.u8()) * 40;
			r = co_sys_agent_attest(k, caller, t, len ? buf.data() : nullptr, len);
			what = "attest";
			ok = driver_ret_ok(r, {EINVAL, ESRCH, ESTALE, ECAPABILITY, EMSGSIZE, EBUSY},
					   true);
			break;
		}
		case 3: { // quota
			u64 t = aid();
			u32 kind = in.u8() % 8;
			u32 flags = in.u8() % 5;
			u64 budget = (flags & COCONUT_QUOTA_SET) ? (u64)in.u8() * 1000 : 0;
			u64 out[2];
			r = co_sys_agent_quota(k, caller, t, kind, budget, flags,
					       in.u8() % 8 ? out : nullptr);
			what = "quota";
			ok = driver_ret_ok(r, {EINVAL, EFAULT, ESRCH, ESTALE, EPERM, EBUSY}, false);
			break;
		}
		case 4: { // grant
			u64 t = aid();
			std::string c = caps[in.u8() % caps.size()];
			if (in.u8() % 4 == 0)
				c += "\n" + caps[in.u8() % caps.size()];
			r = co_sys_agent_cap_grant(k, caller, t, c.data(), c.size());
			what = "grant " + c;
			ok = driver_ret_ok(r, {EINVAL, ENAMETOOLONG, ESRCH, ESTALE, EPERM, ENOSPC,
					       ECAPABILITY, EBUSY, ENOMEM},
					   false);
			break;
		}
		case 5: { // revoke
			u64 t = aid();
			const std::string &c = caps[in.u8() % caps.size()];
			r = co_sys_agent_cap_revoke(k, caller, t, c.data(), c.size());
			what = "revoke " + c;
			ok = driver_ret_ok(r, {ESRCH, ESTALE, EPERM, ECAPABILITY, ENOENT, EBUSY}, false);
			break;
		}
		case 6: { // present
			u64 t = aid();
			const auto &o = objs[in.u8() % objs.size()];
			r = co_sys_agent_cap_present(k, caller, t, o.first.data(), o.first.size(),
						     o.second.data(), o.second.size());
			what = "present " + o.first + ":" + o.second;
			ok = driver_ret_ok(r, {EINVAL, ESRCH, ESTALE, EPERM, ECAPABILITY, EBUSY},
					   false);
			break;
		}
		case 7: { // audit query
			coconut_audit_filter f{};
			f.size = sizeof(f);
			f.aid = in.u8() % 2 ? aid() : 0;
			f.type = in.u8() % 12;
			f.max_events = in.u8() % 4 ? 8 : 0;
			size_t len = (size_t)in.u8() * 64;
			r = co_sys_agent_audit_query(k, caller, &f, len ? buf.data() : nullptr, len);
			what = "audit_query";
			ok = driver_ret_ok(r, {EINVAL, ESRCH, ESTALE, ECAPABILITY, EMSGSIZE, EBUSY},
					   true);
			break;
		}
		case 8: { // memory tier
			u64 t = aid();
			u32 tier = in.u8() % 4;
			u64 bytes = (u64)in.u8() << (in.u8() % 40);
			r = co_sys_agent_memory_tier(k, caller, t, tier, bytes);
			what = "memory_tier";
			ok = driver_ret_ok(r, {EINVAL, ESRCH, ESTALE, EPERM, ECAPABILITY, EDQUOT,
					       ENOMEM, EBUSY},
					   true);
			break;
		}
		case 9:
			r = co_agent_exit(k, caller);
			what = "exit";
			ok = driver_ret_ok(r, {ESRCH, ESTALE, EPERM, EBUSY}, false);
			break;
		case 10:
			r = co_agent_quarantine(k, caller, aid());
			what = "quarantine";
			ok = driver_ret_ok(r, {ESRCH, ESTALE, EPERM, EINVAL, EBUSY}, false);
			break;
		case 11:
			r = co_agent_release(k, caller, aid());
			what = "release";
			ok = driver_ret_ok(r, {ESRCH, ESTALE, EPERM, EINVAL, EBUSY}, false);
			break;
		case 13: { // agent_exit: itself or a descendant, sometimes with bad flags
			const u64 t = in.u8() % 2 ? caller : aid();
			r = co_sys_agent_exit(k, caller, t, in.u8() % 16 == 0 ? 1u : 0u);
			what = "agent_exit";
			ok = driver_ret_ok(r, {EINVAL, ESRCH, ESTALE, EPERM, EBUSY}, false);
			break;
		}
		default:
			r = co_agent_kill(k, caller, aid());
			what = "kill";
			ok = driver_ret_ok(r, {ESRCH, ESTALE, EPERM, EBUSY}, false);
			break;
		}
		res.rets.push_back(r);
		if (!ok) {
			res.error = "call " + std::to_string(call) + " (" + what + " by " +
				    std::to_string(caller) + ") returned " + std::to_string(r);
			return res;
		}
		std::string inv = driver_invariants(k, driver_slots_used(k));
		if (!inv.empty()) {
			res.error = "after call " + std::to_string(call) + " (" + what + "): " + inv;
			return res;
		}
	}
	// Once over the whole table: nothing outside the slots the calls' checks scanned.
	std::string inv = driver_invariants(k);
	if (!inv.empty())
		res.error = "at the end: " + inv;
	return res;
}

} // namespace agent_test
