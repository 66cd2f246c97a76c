// See kernel_port.h.
#include "kernel_port.h"

#include "sc_context.h"

#include "coconut/blake3.h"
#include "coconut/lsm.h"
#include "coconut/resources.h"
#include "coconut/syscalls.h"

#include <algorithm>
#include <cstring>

namespace coconut::kmodel {

using trace::Call;
using trace::Record;

Record KernelPort::start(Call c, u64 caller) const
{
	Record r;
	r.t = sim::now_ns();
	r.cpu = plat_->cpu();
	r.aid = caller;
	r.call = c;
	return r;
}

void KernelPort::put(Record &r, s64 ret)
{
	r.ret = ret;
	rec_->record(r);
}

int KernelPort::put_operator(Call c, u64 caller, u64 aid, int rc)
{
	if (rec_) {
		Record r = start(c, caller);
		r.num = { caller, aid };
		put(r, rc);
	}
	return rc;
}

void KernelPort::note_output(Record &r, const u8 *buf, s64 rc)
{
	if (rc <= 0)
		return;
	co_blake3_hash(buf, (size_t)rc, r.out.data());
	r.has_out = true;
}

void KernelPort::finish_trace()
{
	if (rec_)
		rec_->finish(sim::now_ns());
}

s64 KernelPort::agent_spawn(u64 caller, const u8 *req, size_t len)
{
	const s64 rc = co_sys_agent_spawn(k_, caller, req, len);
	tally_.note(DecisionTally::Asks::SpawnNarrowed, rc);
	if (rec_) {
		Record r = start(Call::AGENT_SPAWN, caller);
		r.num[0] = caller;
		r.str[1].assign(reinterpret_cast<const char *>(req), len);
		put(r, rc);
	}
	return rc;
}

s64 KernelPort::agent_quota(u64 caller, u64 aid, u32 kind, u64 budget, u32 flags, u64 out[2])
{
	const s64 rc = co_sys_agent_quota(k_, caller, aid, kind, budget, flags, out);
	if (rec_) {
		Record r = start(Call::AGENT_QUOTA, caller);
		r.num = { caller, aid, kind, budget, flags };
		put(r, rc);
	}
	return rc;
}

s64 KernelPort::agent_cap_grant(u64 caller, u64 aid, std::string_view cap)
{
	const s64 rc = co_sys_agent_cap_grant(k_, caller, aid, cap.data(), cap.size());
	tally_.note_grant(cap, rc);
	if (rec_) {
		Record r = start(Call::AGENT_CAP_GRANT, caller);
		r.num = { caller, aid };
		r.str[2] = cap;
		put(r, rc);
	}
	return rc;
}

s64 KernelPort::agent_cap_revoke(u64 caller, u64 aid, std::string_view cap)
{
	const s64 rc = co_sys_agent_cap_revoke(k_, caller, aid, cap.data(), cap.size());
	tally_.note_revoke(rc);
	if (rec_) {
		Record r = start(Call::AGENT_CAP_REVOKE, caller);
		r.num = { caller, aid };
		r.str[2] = cap;
		put(r, rc);
	}
	return rc;
}

s64 KernelPort::agent_cap_present(u64 caller, u64 aid, std::string_view kind,
				  std::string_view object)
{
	const s64 rc = co_sys_agent_cap_present(k_, caller, aid, kind.data(), kind.size(),
						object.data(), object.size());
	tally_.note(DecisionTally::Asks::One, rc);
	if (rec_) {
		Record r = start(Call::AGENT_CAP_PRESENT, caller);
		r.num = { caller, aid };
		r.str[2] = kind;
		r.str[3] = object;
		put(r, rc);
	}
	return rc;
}

s64 KernelPort::agent_memory_tier(u64 caller, u64 aid, u32 tier, u64 bytes)
{
	const s64 rc = co_sys_agent_memory_tier(k_, caller, aid, tier, bytes);
	tally_.note(DecisionTally::Asks::OneThenWork, rc);
	if (rec_) {
		Record r = start(Call::AGENT_MEMORY_TIER, caller);
		r.num = { caller, aid, tier, bytes };
		put(r, rc);
	}
	return rc;
}

s64 KernelPort::agent_attest(u64 caller, u64 aid, u8 *buf, size_t len)
{
	const s64 rc = co_sys_agent_attest(k_, caller, aid, buf, len);
	tally_.note(DecisionTally::Asks::AtMostOne, rc);
	if (rec_) {
		Record r = start(Call::AGENT_ATTEST, caller);
		r.num = { caller, aid, len };
		note_output(r, buf, rc);
		put(r, rc);
	}
	return rc;
}

s64 KernelPort::agent_audit_query(u64 caller, const coconut_audit_filter &f, u8 *buf, size_t len)
{
	const s64 rc = co_sys_agent_audit_query(k_, caller, &f, buf, len);
	tally_.note(DecisionTally::Asks::OneThenWork, rc);
	if (rec_) {
		Record r = start(Call::AGENT_AUDIT_QUERY, caller);
		r.num = { caller,	f.type, f.aid, f.time_from_ns, f.time_to_ns, f.seq_from,
			  f.max_events, 0,	len };
		r.str[7].assign(f.cap, std::min<size_t>(f.cap_len, sizeof(f.cap)));
		note_output(r, buf, rc);
		put(r, rc);
	}
	return rc;
}

int KernelPort::inflight_begin(u64 aid, u32 kind, std::string_view object, u64 *token)
{
	int rc = 0;
	*token = 0;
	co_agent *ag = co_agent_lookup(k_, aid, &rc);
	if (ag)
		rc = co_inflight_begin(k_, ag, kind, object.data(), object.size(), token);
	tally_.note(DecisionTally::Asks::One, rc);
	if (rec_) {
		Record r = start(Call::INFLIGHT_BEGIN, aid);
		r.num = { aid, kind };
		r.str[2] = object;
		r.token = rc == 0 ? *token : 0;
		put(r, rc);
	}
	return rc;
}

int KernelPort::inflight_complete(u64 token)
{
	// The record names the agent the operation belongs to (for a divergence report's agent
	// state); found only while recording.
	Inflight f;
	const u64 owner = rec_ && inflight_get(token, &f) ? f.aid : 0;
	const int rc = co_inflight_complete(k_, token);
	if (rec_) {
		Record r = start(Call::INFLIGHT_COMPLETE, owner);
		r.num[0] = token;
		put(r, rc);
	}
	return rc;
}

bool KernelPort::inflight_get(u64 token, Inflight *out) const
{
	char cap[COCONUT_CAP_TEXT_MAX];
	u16 cap_len = 0;
	co_kernel_lock(k_);
	const int rc =
		co_inflight_get(k_, token, &out->aid, &out->revoked, cap, sizeof(cap), &cap_len);
	co_kernel_unlock(k_);
	CO_ASSERT(rc == 0 || rc == -ENOENT);
	out->cap.assign(cap, rc == 0 ? cap_len : 0);
	return rc == 0;
}

co_kernel_counters KernelPort::counters() const
{
	co_kernel_counters c{};
	co_kernel_get_counters(k_, &c);
	return c;
}

int KernelPort::agentfs_render(u64 aid, u32 file, u8 *buf, size_t len) const
{
	co_kernel_lock(k_);
	const int rc = co_agentfs_render(k_, aid, (co_agentfs_file)file, (char *)buf, len);
	co_kernel_unlock(k_);
	return rc;
}

int KernelPort::audit_segment(u64 seq_from, u32 max_events, u8 *buf, size_t len) const
{
	co_audit_filter f;
	std::memset(&f, 0, sizeof(f));
	f.seq_from = seq_from;
	f.max_events = max_events;
	return co_audit_query(co_kernel_audit_log(k_), &f, buf, len);
}

int KernelPort::agent_quarantine(u64 caller, u64 aid)
{
	return put_operator(Call::AGENT_QUARANTINE, caller, aid,
			    co_agent_quarantine(k_, caller, aid));
}

int KernelPort::agent_release(u64 caller, u64 aid)
{
	return put_operator(Call::AGENT_RELEASE, caller, aid, co_agent_release(k_, caller, aid));
}

int KernelPort::agent_kill(u64 caller, u64 aid)
{
	return put_operator(Call::AGENT_KILL, caller, aid, co_agent_kill(k_, caller, aid));
}

int KernelPort::agent_exit(u64 aid)
{
	const int rc = co_agent_exit(k_, aid);
	if (rec_) {
		Record r = start(Call::AGENT_EXIT, aid);
		r.num[0] = aid;
		put(r, rc);
	}
	return rc;
}

u32 KernelPort::seal(u32 max_events)
{
	const u32 n = co_audit_seal(co_kernel_audit_log(k_), max_events);
	if (rec_) {
		Record r = start(Call::SEAL, 0);
		r.num[0] = max_events;
		put(r, n);
	}
	return n;
}

void KernelPort::set_sealer_stalled(bool on)
{
	co_audit_set_stalled(co_kernel_audit_log(k_), on);
	if (rec_) {
		Record r = start(Call::SEALER_STALL, 0);
		r.num[0] = on;
		put(r, 0);
	}
}

void KernelPort::note_tpm_fail(u32 count)
{
	if (rec_) {
		Record r = start(Call::TPM_FAIL, 0);
		r.num[0] = count;
		put(r, 0);
	}
}

} // namespace coconut::kmodel
