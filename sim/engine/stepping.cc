// The public face of a Simulation (simulation.h): running it whole or in pieces, acting as an
// agent between the pieces, reading the kernel, and the end of the run.
#include "engine_impl.h"

#include "format.h"

#include "coconut/errno.h"
#include "coconut/resources.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace coconut::engine {

// ---- Stepping ------------------------------------------------------------------------------

void Simulation::Impl::check_running(const char *what) const
{
	if (finished)
		throw std::logic_error(std::string("Simulation::") + what +
				       ": the run is finished (finish() was called)");
}

// sc_start(d) runs everything scheduled before now + d and leaves what is due at now + d for
// the next call, so pieces that add up to the whole run it exactly as one call would.
void Simulation::Impl::advance_to(u64 t_ns)
{
	const u64 end = sc.duration_ns;
	const u64 to = t_ns < end ? t_ns : end;
	const u64 now = sim::now_ns();
	if (started && to <= now)
		return;
	started = true;
	if (to == now) {
		// The first piece at time 0 only elaborates and runs what is due then; SystemC warns
		// (W571) when that is nothing, which here is no news.
		const sc_core::sc_actions was =
			sc_core::sc_report_handler::set_actions(sc_core::SC_ID_NO_SC_START_ACTIVITY_,
								sc_core::SC_DO_NOTHING);
		sc_core::sc_start(sc_core::SC_ZERO_TIME);
		sc_core::sc_report_handler::set_actions(sc_core::SC_ID_NO_SC_START_ACTIVITY_, was);
		return;
	}
	sc_core::sc_start(sim::ns(to - now));
	CO_ASSERT(sim::now_ns() == to); // SystemC ran exactly to the time asked for
}

bool Simulation::Impl::step()
{
	const u64 end = sc.duration_ns;
	if (!started) {
		advance_to(0); // elaboration and what is due at time 0
		return sim::now_ns() < end;
	}
	const u64 now = sim::now_ns();
	if (now >= end)
		return false;
	if (!sc_core::sc_pending_activity()) {
		advance_to(end);
		return false;
	}
	const u64 gap = sc_core::sc_time_to_pending_activity().value();
	if (gap == 0)
		sc_core::sc_start(sc_core::SC_ZERO_TIME); // one delta cycle now
	else
		advance_to(now + gap);
	return sim::now_ns() < end;
}

const RunResult &Simulation::Impl::finish_run()
{
	if (result_taken)
		throw std::logic_error("Simulation::finish: run() returned the result already");
	if (finished)
		return result;
	if (!started)
		advance_to(0);
	finished = true;
	// Every request still in flight is counted live, and no other is; holds balance: the
	// tokens begun and not completed are exactly those the live requests still hold.
	u64 in_use = 0, held = 0;
	for (const Request &r : requests) {
		in_use += r.in_use ? 1 : 0;
		for (const Hold &h : r.holds)
			held += r.in_use && h.token ? 1 : 0;
	}
	CO_ASSERT(in_use == live_requests && held == holds_live);
	// And each agent's index of its open requests (after_revoke's) holds exactly its own.
	u64 indexed = 0;
	for (const auto &a : agents) {
		indexed += a->open_requests.size();
		for (const u32 i : a->open_requests)
			CO_ASSERT(requests[i].in_use && requests[i].agent == a.get());
	}
	CO_ASSERT(indexed == live_requests);
	RunResult &out = result;
	// Let the sealer catch up with everything appended: gates read the whole chain.
	machine->drain_audit();
	machine->port().finish_trace();
	end_counters = machine->port().counters();
	if (opts.mutations.phantom_decision)
		end_counters.lsm_allows++; // a decision counted that the chain has no event for
	out.sim_end_ns = sim::now_ns();
	out.kernel_peak_bytes = machine->platform().peak_bytes();
	for (u32 p = 0; p < CO_PROBE_COUNT; p++)
		out.probes[co_probe_name(p)] = end_counters.probes[p];
	out.sc_events = sc_core::sc_delta_count();
	collect_metrics(out);
	for (const TenantState &t : tenants)
		out.arrivals[t.name] = arrival_digests[t.index];
	evaluate_gates(out);
	out.fingerprint = fingerprint(out);
	out.audit_head = audit_head_hex();
	out.audit_events = machine->chain().events();
	if (perfetto)
		perfetto->close();
	return out;
}

RunResult Simulation::Impl::run()
{
	check_running("run");
	const u64 end = sc.duration_ns;
	bool interrupted = false; // stopped by RunOptions::stop_requested before the end
	if (!opts.on_progress && !opts.stop_requested) {
		advance_to(end);
	} else {
		// About a thousand pieces whatever the length (1 ms to 1 s each): progress often
		// enough, and a stop lands within one piece.
		const u64 piece = std::clamp<u64>(end / 1000, 1000000, 1000000000);
		for (u64 to = 0, pieces = 0;; pieces++) {
			CO_ASSERT(pieces <= end / piece + 2);
			advance_to(to);
			const u64 now = sim::now_ns();
			if (opts.on_progress)
				opts.on_progress(now, end);
			if (now >= end)
				break;
			if (opts.stop_requested && *opts.stop_requested) {
				interrupted = true;
				break;
			}
			to = std::min(end, now + piece);
		}
	}
	finish_run();
	result.interrupted = interrupted;
	// Moved out, not copied: a big platform's histograms are tens of MiB.
	result_taken = true;
	return std::move(result);
}

// ---- Acting as an agent --------------------------------------------------------------------

u64 Simulation::Impl::aid_named(const std::string &name) const
{
	if (auto it = agent_by_name.find(name); it != agent_by_name.end()) {
		const AgentState &a = *agents[it->second];
		if (a.aid == 0)
			throw std::invalid_argument("agent '" + name + "' is not spawned (yet)");
		return a.aid;
	}
	for (const TenantState &t : tenants)
		if (t.name == name)
			return t.root_aid;
	if (auto it = api_agents.find(name); it != api_agents.end())
		return it->second.aid;
	throw std::invalid_argument(
		"no agent named '" + name +
		"' (expected tenant/group/i, a tenant, or a name given to spawn)");
}

AgentState *Simulation::Impl::agent_with_aid(u64 aid)
{
	for (auto &a : agents)
		if (a->aid == aid)
			return a.get();
	return nullptr;
}

// A call runs on its caller's CPU (the audit ring its events go to), as a timeline action's.
void Simulation::Impl::on_caller_cpu(u64 aid)
{
	const AgentState *a = agent_with_aid(aid);
	machine->on_cpu(a ? a->cpu : (u32)(aid % sc.machine.cpus));
}

// A cascade longer than one call's budget answers -EAGAIN part way (coconut/lsm.h): the
// caller's revoke calls again until it is whole, each call a trace record. The bound is the
// most caps a table holds over one call's removals.
s64 Simulation::Impl::revoke_whole(u64 caller, u64 aid, const std::string &cap)
{
	kmodel::KernelPort &port = machine->port();
	s64 rc = port.agent_cap_revoke(caller, aid, cap);
	for (u32 again = 0;
	     rc == -EAGAIN &&
	     again < CO_AGENTS_MAX * CO_CAP_SET_CAPS_MAX / CO_REVOKE_REMOVALS_MAX + 1;
	     again++)
		rc = port.agent_cap_revoke(caller, aid, cap);
	if (rc == 0)
		revocations++;
	return rc;
}

std::string Simulation::Impl::verify_audit()
{
	const kmodel::ChainFollower &ch = machine->chain();
	u8 head[COCONUT_DIGEST_SIZE];
	u64 n = 0;
	co_audit_head(co_kernel_audit_log(machine->kernel()), head, &n);
	std::string err = ch.first_error();
	if (err.empty() &&
	    (n != ch.events() || std::memcmp(head, ch.head().data(), COCONUT_DIGEST_SIZE)))
		err = "the kernel's head differs from the recomputed one";
	const std::vector<u8> nv = machine->tpm().nv_read((u32)sc.machine.audit.tpm_nv_index);
	if (err.empty() && !nv.empty()) {
		co_audit_anchor an;
		const int rc = co_audit_anchor_decode(nv.data(), nv.size(),
						      machine->platform().boot_id(), &an);
		err = rc ? "the TPM's anchor does not decode: " + errno_name(rc)
			 : ch.check_anchor(an);
	}
	return err;
}

// ---- Simulation ----------------------------------------------------------------------------

namespace {

// A call that writes into a buffer of buf_bytes: its return, and the bytes it wrote.
template <typename Call> CallOutput into_buffer(size_t buf_bytes, Call call)
{
	CallOutput out;
	out.bytes.resize(buf_bytes);
	out.rc = call(out.bytes.data(), out.bytes.size());
	out.bytes.resize(out.rc > 0 ? (size_t)out.rc : 0);
	return out;
}

} // namespace

Simulation::Simulation(const scenario::Scenario &sc, const RunOptions &opts)
	: impl_(std::make_unique<Impl>("sim", sc, opts))
{
}

Simulation::~Simulation() = default;

const scenario::Scenario &Simulation::scenario() const
{
	return impl_->sc;
}

RunResult Simulation::run()
{
	return impl_->run();
}

u64 Simulation::now_ns() const
{
	return sim::now_ns();
}

u64 Simulation::end_ns() const
{
	return impl_->sc.duration_ns;
}

void Simulation::run_until(u64 t_ns)
{
	impl_->check_running("run_until");
	impl_->advance_to(t_ns);
}

bool Simulation::step()
{
	impl_->check_running("step");
	return impl_->step();
}

const RunResult &Simulation::finish()
{
	return impl_->finish_run();
}

bool Simulation::finished() const
{
	return impl_->finished;
}

u64 Simulation::aid_of(const std::string &agent) const
{
	return impl_->aid_named(agent);
}

s64 Simulation::spawn(const std::string &as, const std::string &name,
		      const std::vector<std::string> &caps, u32 weight)
{
	Impl &m = *impl_;
	m.check_running("spawn");
	const u64 caller = m.aid_named(as);
	bool taken = m.api_agents.count(name) > 0 || m.agent_by_name.count(name) > 0;
	for (const TenantState &t : m.tenants)
		taken = taken || t.name == name;
	if (taken)
		throw std::invalid_argument("spawn: the name '" + name + "' is taken");
	// Its tenant is the caller's: the kernel checks the manifest's tenant against it.
	u32 tenant_id = 0;
	if (const AgentState *a = m.agent_with_aid(caller))
		tenant_id = m.tenants[a->tenant].id;
	for (const TenantState &t : m.tenants)
		if (t.root_aid == caller)
			tenant_id = t.id;
	for (const auto &[n, api] : m.api_agents)
		if (api.aid == caller)
			tenant_id = api.tenant_id;
	const s64 aid = m.spawn(caller, name, tenant_id, caps, weight);
	if (aid > 0)
		m.api_agents[name] = { (u64)aid, tenant_id };
	return aid;
}

s64 Simulation::cap_grant(const std::string &as, const std::string &to, const std::string &cap)
{
	Impl &m = *impl_;
	m.check_running("cap_grant");
	const u64 caller = m.aid_named(as), aid = m.aid_named(to);
	m.on_caller_cpu(caller);
	const s64 rc = m.machine->port().agent_cap_grant(caller, aid, cap);
	if (rc == 0)
		if (AgentState *a = m.agent_with_aid(aid))
			a->granted.push_back(cap);
	return rc;
}

s64 Simulation::cap_revoke(const std::string &as, const std::string &from, const std::string &cap)
{
	Impl &m = *impl_;
	m.check_running("cap_revoke");
	const u64 caller = m.aid_named(as), aid = m.aid_named(from);
	m.on_caller_cpu(caller);
	const s64 rc = m.revoke_whole(caller, aid, cap);
	if (rc == 0)
		if (AgentState *a = m.agent_with_aid(aid))
			m.note_revoked(*a, cap);
	return rc;
}

s64 Simulation::cap_present(const std::string &as, const std::string &of, const std::string &kind,
			    const std::string &object)
{
	Impl &m = *impl_;
	m.check_running("cap_present");
	const u64 caller = m.aid_named(as), aid = m.aid_named(of);
	m.on_caller_cpu(caller);
	return m.machine->port().agent_cap_present(caller, aid, kind, object);
}

s64 Simulation::quota(const std::string &as, const std::string &of, u32 kind, u64 budget, u32 flags,
		      u64 out[2])
{
	Impl &m = *impl_;
	m.check_running("quota");
	const u64 caller = m.aid_named(as), aid = m.aid_named(of);
	m.on_caller_cpu(caller);
	return m.machine->port().agent_quota(caller, aid, kind, budget, flags, out);
}

s64 Simulation::memory_tier(const std::string &as, const std::string &of, u32 tier, u64 bytes)
{
	Impl &m = *impl_;
	m.check_running("memory_tier");
	const u64 caller = m.aid_named(as), aid = m.aid_named(of);
	m.on_caller_cpu(caller);
	return m.machine->port().agent_memory_tier(caller, aid, tier, bytes);
}

CallOutput Simulation::attest(const std::string &as, const std::string &of)
{
	Impl &m = *impl_;
	m.check_running("attest");
	const u64 caller = m.aid_named(as), aid = m.aid_named(of);
	m.on_caller_cpu(caller);
	return into_buffer(kAttestBufBytes, [&](u8 *buf, size_t len) {
		return m.machine->port().agent_attest(caller, aid, buf, len);
	});
}

CallOutput Simulation::audit_query(const std::string &as, const coconut_audit_filter &filter)
{
	Impl &m = *impl_;
	m.check_running("audit_query");
	const u64 caller = m.aid_named(as);
	m.on_caller_cpu(caller);
	return into_buffer(kAuditQueryBufBytes, [&](u8 *buf, size_t len) {
		return m.machine->port().agent_audit_query(caller, filter, buf, len);
	});
}

CallOutput Simulation::agentfs_read(const std::string &agent, const std::string &file)
{
	Impl &m = *impl_;
	u32 f = CO_AGENTFS_FILE_COUNT;
	for (u32 i = 0; i < CO_AGENTFS_FILE_COUNT; i++)
		if (file == co_agentfs_file_name((co_agentfs_file)i))
			f = i;
	if (f == CO_AGENTFS_FILE_COUNT)
		throw std::invalid_argument(
			"agentfs: no file '" + file +
			"' (status, caps, attestation, audit_tail, budget, children)");
	const u64 aid = m.aid_named(agent);
	// A page is the most agentfs renders (docs/agentfs.md); twice that is never too small.
	return into_buffer(2 * CO_AGENTFS_PAGE_BYTES, [&](u8 *buf, size_t len) {
		return (s64)m.machine->port().agentfs_render(aid, f, buf, len);
	});
}

CallOutput Simulation::audit_segment(u64 seq_from, u32 max_events)
{
	Impl &m = *impl_;
	return into_buffer(kAuditQueryBufBytes, [&](u8 *buf, size_t len) {
		return (s64)m.machine->port().audit_segment(seq_from, max_events, buf, len);
	});
}

AuditState Simulation::audit()
{
	Impl &m = *impl_;
	AuditState st;
	u8 head[COCONUT_DIGEST_SIZE];
	co_audit *a = co_kernel_audit_log(m.machine->kernel());
	co_audit_head(a, head, &st.sealed_events);
	st.pending_events = co_audit_pending(a);
	st.head_hex = trace::hex_of(head, sizeof(head));
	st.anchors = m.machine->chain().anchored_heads().size();
	st.error = m.verify_audit();
	return st;
}

std::vector<std::uint8_t> Simulation::boot_id() const
{
	const u8 *b = impl_->machine->platform().boot_id();
	return std::vector<std::uint8_t>(b, b + CO_BOOT_ID_SIZE);
}

} // namespace coconut::engine
