// The scenario's timeline: agents' actions (syscalls through the kernel) and injected faults,
// each at its time. An action whose call meets a full audit ring (-EBUSY: the sealer is behind
// or stalled) is retried after the sealer's next pass, as a blocked caller would be; its
// outcome is the call's final return.
#include "engine_impl.h"
#include "run_fingerprint.h"

#include "coconut/errno.h"
#include "coconut/limits.h"
#include "coconut/lsm.h"
#include "coconut/syscalls.h"

#include <algorithm>
#include <cstring>

namespace coconut::engine {

using scenario::EventKind;
using scenario::ScenarioError;

namespace {
// Retries of one action on -EBUSY before its -EBUSY is final (a sealer stalled for longer
// than this many seal intervals).
constexpr u64 kActionRetriesMax = 100000;

// What an action's `expect` is compared with: the calls that answer a size or an address
// (mem.tier, attest, audit.query) succeed with any positive return, which `expect: 0` means.
s64 expect_view(EventKind k, s64 rc)
{
	const bool sized =
		k == EventKind::MemTier || k == EventKind::Attest || k == EventKind::AuditQuery;
	return sized && rc > 0 ? 0 : rc;
}
} // namespace

std::pair<u32, u32> Simulation::Impl::resolve_group(const std::string &target,
						    const scenario::SourceLoc &loc) const
{
	const size_t s1 = target.find('/');
	const std::string tname = target.substr(0, s1);
	for (u32 t = 0; t < sc.tenants.size(); t++) {
		if (sc.tenants[t].name != tname)
			continue;
		if (s1 == std::string::npos)
			break;
		const size_t s2 = target.find('/', s1 + 1);
		const std::string gname =
			target.substr(s1 + 1, s2 == std::string::npos ? s2 : s2 - s1 - 1);
		for (u32 g = 0; g < sc.tenants[t].groups.size(); g++)
			if (sc.tenants[t].groups[g].name == gname)
				return { t, g };
	}
	throw ScenarioError(loc, "target", "'" + target + "' names no group of a tenant");
}

// "t" (the tenant's root: no AgentState, returns empty), "t/g/i", "t/g/*", "t/g".
std::vector<AgentState *> Simulation::Impl::resolve_agents(const std::string &target)
{
	std::vector<AgentState *> out;
	auto it = agent_by_name.find(target);
	if (it != agent_by_name.end()) {
		out.push_back(agents[it->second].get());
		return out;
	}
	if (target.find('/') == std::string::npos)
		return out; // the tenant's root, not every agent of the tenant
	std::string prefix = target;
	if (prefix.size() >= 2 && prefix.compare(prefix.size() - 2, 2, "/*") == 0)
		prefix.resize(prefix.size() - 1);
	else
		prefix += "/";
	for (auto &a : agents)
		if (a->name.compare(0, prefix.size(), prefix) == 0 && a->live)
			out.push_back(a.get());
	return out;
}

void Simulation::Impl::run_event(size_t index, u64 attempt)
{
	const scenario::TimedEvent &ev = sc.events[index];
	const u64 now = sim::now_ns();
	switch (ev.kind) {
	case EventKind::SealerStall:
		machine->stall_sealer(ev.duration_ns);
		return;
	case EventKind::PcieDegrade:
		machine->link(ev.gpu).set_bandwidth_percent(ev.percent);
		if (ev.duration_ns)
			schedule(now + ev.duration_ns, TimerKind::PcieRestore, ev.gpu, 0);
		return;
	case EventKind::GpuPartitionLoss:
		machine->gpu(ev.gpu).lose_partition(ev.partition);
		partitions_lost++;
		return;
	case EventKind::TpmWriteFail:
		machine->fail_tpm_writes(ev.count);
		return;
	case EventKind::Spawn: {
		const auto [t, g] = resolve_group(ev.target, ev.loc);
		u32 spawned = 0;
		for (size_t idx : group_agents[t][g]) {
			AgentState &a = *agents[idx];
			if (a.aid || spawned >= ev.count)
				continue;
			const scenario::AgentGroupSpec &gs = sc.tenants[t].groups[g];
			const s64 aid = spawn(spawner_aid(a), a.name, tenants[t].id,
					      gs.manifest.caps, gs.manifest.weight);
			outcomes.push_back({ index, a.name, aid < 0 ? aid : 0, now });
			note_spawn(trace_fp, aid);
			if (aid > 0) {
				a.aid = (u64)aid;
				a.live = true;
				a.cpu = (u32)(a.aid % sc.machine.cpus);
				start_workload(a);
			}
			spawned++;
		}
		return;
	}
	default:
		break;
	}

	// Actions of (or on) agents.
	std::vector<AgentState *> targets = resolve_agents(ev.target);
	const bool tenant_root = targets.empty() && ev.target.find('/') == std::string::npos;
	if (targets.empty() && !tenant_root) {
		outcomes.push_back({ index, ev.target, -ESRCH, now });
		if (ev.expect && *ev.expect != -ESRCH)
			expectation_failures.push_back(ev.target + ": expected " +
						       errno_name(*ev.expect) +
						       ", no live agent matched");
		return;
	}
	if (tenant_root)
		targets.push_back(nullptr);
	for (AgentState *a : targets) {
		const std::string who = a ? a->name : ev.target;
		const s64 rc = run_action(ev, a);
		if (rc == -EBUSY && attempt < kActionRetriesMax &&
		    ev.kind != EventKind::RingPressure) {
			// Only a lone target is retried (a group action retries as a whole).
			if (targets.size() == 1) {
				schedule(now + sc.machine.audit.seal_interval_ns,
					 TimerKind::Timeline, index, attempt + 1);
				return;
			}
		}
		outcomes.push_back({ index, who, rc, now });
		note_action(trace_fp, scenario::event_kind_name(ev.kind), who, rc, now);
		if (ev.expect && *ev.expect != expect_view(ev.kind, rc))
			expectation_failures.push_back(
				std::string(scenario::event_kind_name(ev.kind)) + " at " +
				std::to_string(ev.at_ns) + " ns on " + who + ": expected " +
				errno_name(*ev.expect) + ", got " +
				errno_name(expect_view(ev.kind, rc)));
	}
}

s64 Simulation::Impl::run_action(const scenario::TimedEvent &ev, AgentState *a)
{
	kmodel::KernelPort &port = machine->port();
	const TenantState *t = nullptr;
	if (a)
		t = &tenants[a->tenant];
	else
		for (const TenantState &x : tenants)
			if (x.name == ev.target)
				t = &x;
	if (!t)
		return -ESRCH;
	const u64 aid = a ? a->aid : t->root_aid;
	machine->on_cpu(a ? a->cpu : (u32)(aid % sc.machine.cpus));
	switch (ev.kind) {
	case EventKind::FsRead:
	case EventKind::FsWrite: {
		const char *kind = ev.kind == EventKind::FsRead ? "fs.read" : "fs.write";
		const s64 rc = port.agent_cap_present(aid, aid, kind, ev.path);
		if (rc == 0)
			vfs_reads++; // only an allowed call reaches the VFS
		return rc;
	}
	case EventKind::CapGrant: {
		const s64 rc = port.agent_cap_grant(t->root_aid, aid, ev.cap);
		if (rc == 0 && a)
			a->granted.push_back(ev.cap);
		return rc;
	}
	case EventKind::CapRevoke: {
		const s64 rc = revoke_whole(t->root_aid, aid, ev.cap);
		if (rc == 0 && a)
			note_revoked(*a, ev.cap);
		return rc;
	}
	case EventKind::MemTier: {
		const s64 rc = port.agent_memory_tier(aid, aid, ev.tier, ev.bytes);
		if (rc == -EDQUOT)
			edquot++;
		if (ev.tier == COCONUT_TIER_HBM) {
			const u64 used = port.counters().tier_used_bytes[COCONUT_TIER_HBM];
			if (used > hbm_used_max)
				hbm_used_max = used;
		}
		return rc;
	}
	case EventKind::QuotaSet: {
		u32 kind = COCONUT_QUOTA_KIND_COUNT;
		for (u32 i = 0; i < COCONUT_QUOTA_KIND_COUNT; i++)
			if (ev.quota_kind == co_quota_kind_name(i))
				kind = i;
		u64 out[2];
		return port.agent_quota(t->root_aid, aid, kind, ev.budget, COCONUT_QUOTA_SET, out);
	}
	case EventKind::Quarantine: {
		// Its pending work fails as a revoke's does (docs/lsm.md, "Quarantine").
		const s64 rc = port.agent_quarantine(COCONUT_AID_NONE, aid);
		if (rc == 0 && a)
			after_revoke(*a);
		return rc;
	}
	case EventKind::Release:
		return port.agent_release(COCONUT_AID_NONE, aid);
	case EventKind::Kill: {
		const s64 rc = port.agent_kill(COCONUT_AID_NONE, aid);
		if (rc == 0)
			mark_terminated();
		return rc;
	}
	case EventKind::Exit: {
		const s64 rc = port.agent_exit(aid);
		if (rc == 0)
			mark_terminated();
		return rc;
	}
	case EventKind::Attest: {
		// The agent asks for its own chain (the caller rule's first case: no LSM decision).
		std::vector<u8> buf(kAttestBufBytes);
		return port.agent_attest(aid, aid, buf.data(), buf.size());
	}
	case EventKind::AuditQuery:
		return act_audit_query(ev, aid);
	case EventKind::RingPressure:
		return act_ring_pressure(ev, a, aid);
	default:
		return -EINVAL;
	}
}

// The agent queries the chain with the event's filter.
s64 Simulation::Impl::act_audit_query(const scenario::TimedEvent &ev, u64 aid)
{
	coconut_audit_filter f;
	std::memset(&f, 0, sizeof(f));
	f.size = COCONUT_AUDIT_FILTER_SIZE_VER0;
	f.type = ev.audit_type;
	f.aid = about_aid(ev.about);
	f.max_events = ev.max_events;
	f.cap_len = (u16)ev.cap.size();
	std::memcpy(f.cap, ev.cap.data(), std::min(ev.cap.size(), sizeof(f.cap)));
	std::vector<u8> buf(kAuditQueryBufBytes);
	return machine->port().agent_audit_query(aid, f, buf.data(), buf.size());
}

// A burst of decisions on one CPU, faster than the sealer drains: the ring fills and further
// appends are refused (-EBUSY), never overwritten.
s64 Simulation::Impl::act_ring_pressure(const scenario::TimedEvent &ev, const AgentState *a,
					u64 aid)
{
	const char *kind = "inference";
	const std::string obj = a ? a->spec->workload.request.broker : "kvwarden";
	s64 last = 0;
	for (u32 i = 0; i < ev.count; i++) {
		last = machine->port().agent_cap_present(aid, aid, kind, obj);
		if (last == -EBUSY)
			ring_pressure_busy++;
	}
	return last == -EBUSY ? 0 : last;
}

// After a kill or exit: the target and every descendant it took with it (the kernel cascades)
// stop. Their workloads make no new arrivals (workload_active); requests already in flight
// fail at their next kernel call (-ESTALE, their tokens were dropped) and end there.
void Simulation::Impl::mark_terminated()
{
	co_kernel *k = machine->kernel();
	for (auto &a : agents) {
		if (!a->live)
			continue;
		int err = 0;
		if (!co_agent_lookup(k, a->aid, &err))
			a->live = false;
	}
}

// The AID an audit.query filter names: an agent "t/g/i" or a tenant's root "t"; 0 (any) when
// empty or not spawned.
u64 Simulation::Impl::about_aid(const std::string &about) const
{
	if (about.empty())
		return 0;
	if (auto it = agent_by_name.find(about); it != agent_by_name.end())
		return agents[it->second]->aid;
	for (const TenantState &t : tenants)
		if (t.name == about)
			return t.root_aid;
	return 0;
}

// A revoke of cap from a returned 0: the oracle's record, on a and on every descendant by the
// engine's own tree (the kernel cascades to what derives from the cap), each of whose queued
// inference the kernel marked is cancelled as a's is.
void Simulation::Impl::note_revoked(AgentState &a, const std::string &cap)
{
	const u64 now = sim::now_ns();
	a.revoked.push_back({ cap, now, false });
	after_revoke(a);
	std::vector<AgentState *> below(a.children.begin(), a.children.end());
	// Each agent is pushed once (a tree): at most every agent of the run.
	for (size_t steps = 0; !below.empty(); steps++) {
		CO_ASSERT(steps < agents.size());
		AgentState *d = below.back();
		below.pop_back();
		below.insert(below.end(), d->children.begin(), d->children.end());
		if (!d->aid || !d->live)
			continue;
		d->revoked.push_back({ cap, now, true });
		after_revoke(*d);
	}
}

// In-flight operations of a whose cap was just revoked, or who was just quarantined: a queued
// inference request is cancelled now with -ECAPABILITY (the broker frees its place); the
// others fail when their stage completes (co_inflight_complete answers -ECAPABILITY).
void Simulation::Impl::after_revoke(AgentState &a)
{
	// Its own requests in pool order (issue 18, item 6: not a walk over every request), copied:
	// a cancel finishes its request through the broker's completions, which must stay free to
	// change the set however they are delivered.
	const std::vector<u32> mine(a.open_requests.begin(), a.open_requests.end());
	for (const u32 i : mine) {
		Request &r = requests[i];
		if (!r.in_use || r.agent != &a || r.stage_at >= r.stages.size() ||
		    r.stages[r.stage_at] != devices::Stage::Inference)
			continue;
		for (const Hold &h : r.holds) {
			if (h.kind != COCONUT_CAP_INFERENCE || !h.token)
				continue;
			kmodel::KernelPort::Inflight f;
			const bool revoked = machine->port().inflight_get(h.token, &f) && f.revoked;
			if (revoked && machine->broker() && !opts.mutations.complete_revoked_ops)
				machine->broker()->cancel(r.job, -ECAPABILITY);
		}
	}
}

// Every sealed CAP_DENY is what the desktop's notification centre shows (the seeds' "Coconut
// Center"), read from the chain, not from the caller: one notification per denied decision up
// to its (agent, cap) rate limit (notify_limit.h), the rest folded and counted.
void Simulation::Impl::on_sealed(const co_audit_event &ev)
{
	if (ev.type != COCONUT_EV_CAP_DENY)
		return;
	const bool shown =
		notify_limit.admit(ev.aid, std::string_view(ev.cap, ev.cap_len), ev.time_ns);
	if (std::string n = notify_limit.take_folded_note(); !n.empty() && fold_log.size() < 10)
		fold_log.push_back(n);
	if (!shown)
		return;
	notifications++;
	if (notification_log.size() < 10)
		notification_log.push_back("aid " + std::to_string(ev.aid) + " denied " +
					   std::string(ev.cap, ev.cap_len) + " at " +
					   std::to_string(ev.time_ns) + " ns");
}

} // namespace coconut::engine
