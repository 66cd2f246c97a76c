// See simulation.h. The parts: building (this file's constructor), the request pipeline,
// the timeline of actions and faults (timeline.cc), sampling and the end of the run (finish.cc:
// metrics, gates, fingerprint; stage_gates.cc the slowdown gates' arithmetic).
#include "simulation.h"

#include "engine_impl.h"

#include "coconut/blake3.h"
#include "coconut/errno.h"
#include "coconut/lsm.h"
#include "coconut/syscalls.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace coconut::engine {

using devices::Stage;
using scenario::EventKind;
using scenario::ScenarioError;
using scenario::WorkloadKind;

namespace {

constexpr u64 kSampleIntervalNsMin = 1000000; // 1 ms

// The manifest name field holds at most CO_AGENT_NAME_BYTES_MAX bytes.
std::string manifest_name(const std::string &name)
{
	return name.size() <= CO_AGENT_NAME_BYTES_MAX ? name : name.substr(0, CO_AGENT_NAME_BYTES_MAX);
}

u32 quota_kind_of(const std::string &k)
{
	for (u32 i = 0; i < COCONUT_QUOTA_KIND_COUNT; i++)
		if (k == co_quota_kind_name(i))
			return i;
	return COCONUT_QUOTA_KIND_COUNT;
}

} // namespace

// ---- Building ------------------------------------------------------------------------------

Simulation::Impl::Impl(sc_core::sc_module_name name, const scenario::Scenario &scen,
		       const RunOptions &o)
	: sc_module(name), sc(with_overrides(scen, o)), opts(o),
	  profiles(o.profile_dir.empty() ? devices::default_profile_dir() : o.profile_dir),
	  signer(agent_test::Signer::from_seed(0xc0))
{
	if (sc.machine.audit.seal_batch_events > CO_AUDIT_LOG_EVENTS_MAX)
		sc.machine.audit.seal_batch_events = CO_AUDIT_LOG_EVENTS_MAX;

	// Root holds every cap some tenant holds, plus spawning and audit queries.
	std::set<std::string> root_caps = { "agent.spawn", "audit.query" };
	for (const auto &t : sc.tenants)
		for (const auto &c : t.caps)
			root_caps.insert(c);
	machine = std::make_unique<kmodel::Machine>(
		"node", sc.machine, sc.policy, sc.seed, profiles,
		std::vector<std::string>(root_caps.begin(), root_caps.end()), signer.pk.data());
	// Recording starts before the first kernel call after the machine's creation (which
	// replay repeats from the header).
	if (!opts.trace_path.empty())
		machine->start_trace(opts.trace_path, sc.name, sc.seed);
	if (opts.mutations.flip_sealed_bit)
		machine->corrupt_next_sealed_event();
	machine->chain().set_event_hook(
		[this](const co_audit_event &ev, const kmodel::Digest &) { on_sealed(ev); });

	if (!opts.perfetto_path.empty())
		perfetto = std::make_unique<metrics::TraceEventWriter>(opts.perfetto_path,
								       opts.perfetto_events_max);

	build_tenants();
	for (size_t i = 0; i < sc.events.size(); i++)
		schedule(sc.events[i].at_ns, TimerKind::Timeline, i, 0);
	sample_interval_ns = std::max<u64>(kSampleIntervalNsMin, sc.duration_ns / 20000);
	schedule(sample_interval_ns, TimerKind::Sample, 0, 0);

	SC_METHOD(on_timer);
	sensitive << timer_event;
	dont_initialize();
	arm_timer();
}

Simulation::Impl::~Impl() = default;

// Spawns every tenant's root agent (by AID 1) and its groups' agents (by the tenant root), as
// libcoconut would: a manifest signed by the scenario's authorizer, syscall 472.
void Simulation::Impl::build_tenants()
{
	// Agents that timeline `spawn` events add later are created now, unspawned (SystemC
	// builds everything before the simulation starts).
	std::map<std::pair<u32, u32>, u32> extra;
	for (const auto &ev : sc.events) {
		if (ev.kind != EventKind::Spawn)
			continue;
		const auto [t, g] = resolve_group(ev.target, ev.loc);
		extra[{ t, g }] += ev.count;
	}
	group_agents.resize(sc.tenants.size());
	arrival_digests.resize(sc.tenants.size());
	for (u32 ti = 0; ti < sc.tenants.size(); ti++) {
		const scenario::TenantSpec &ts = sc.tenants[ti];
		TenantState t;
		t.name = ts.name;
		t.index = ti;
		t.id = ti + 1;
		t.flooder = ts.flooder;
		machine->set_tenant_weight(t.id, ts.weight);
		std::vector<std::string> caps = ts.caps;
		if (std::find(caps.begin(), caps.end(), "agent.spawn") == caps.end())
			caps.push_back("agent.spawn");
		const s64 aid = spawn(COCONUT_AID_ROOT, ts.name, t.id, caps, 1);
		if (aid < 0)
			throw ScenarioError(ts.loc, "tenants[" + std::to_string(ti) + "].caps",
					    "the kernel refused to spawn tenant '" + ts.name +
						    "' with these caps: " + errno_name(aid));
		t.root_aid = (u64)aid;
		tenants.push_back(t);

		group_agents[ti].resize(ts.groups.size());
		for (u32 gi = 0; gi < ts.groups.size(); gi++) {
			const scenario::AgentGroupSpec &gs = ts.groups[gi];
			const u32 total = gs.count + extra[{ ti, gi }];
			std::vector<TraceRow> rows;
			if (gs.workload.kind == WorkloadKind::Trace)
				rows = trace_rows(gs.workload);
			for (u32 i = 0; i < total; i++) {
				auto a = std::make_unique<AgentState>();
				a->name = ts.name + "/" + gs.name + "/" + std::to_string(i);
				a->tenant = ti;
				a->group = gi;
				a->index = i;
				a->spec = &gs;
				a->rng = metrics::Rng::derive(sc.seed, a->name);
				const size_t idx = agents.size();
				a->index_in_run = idx;
				agent_by_name[a->name] = idx;
				group_agents[ti][gi].push_back(idx);
				agents.push_back(std::move(a));
			}
			// Trace rows are dealt round robin to the group's initial agents.
			if (!rows.empty() && gs.count > 0)
				for (size_t r = 0; r < rows.size(); r++)
					agents[group_agents[ti][gi][r % gs.count]]->rows.push_back(rows[r]);
			for (u32 i = 0; i < gs.count; i++)
				spawn_agent(*agents[group_agents[ti][gi][i]]);
		}
	}
	// Everything spawned at time 0 is in the chain before the run starts.
	machine->drain_audit();
}

std::vector<TraceRow> Simulation::Impl::trace_rows(const scenario::WorkloadSpec &w)
{
	auto it = trace_cache.find(w.trace_path);
	if (it == trace_cache.end())
		it = trace_cache.emplace(w.trace_path, load_azure_csv(w.trace_path)).first;
	std::vector<TraceRow> rows;
	const u32 share = std::max<u32>(1, w.trace_share);
	for (size_t r = w.trace_offset; r < it->second.size(); r += share) {
		TraceRow row = it->second[r];
		row.t_ns = (u64)((unsigned __int128)row.t_ns * 1000 /
				 std::max<u32>(1, w.trace_speedup_milli)) +
			   w.start_ns;
		rows.push_back(row);
		if (w.trace_max_rows && rows.size() >= w.trace_max_rows)
			break;
	}
	return rows;
}

s64 Simulation::Impl::spawn(u64 caller, const std::string &name, u32 tenant_id,
			    const std::vector<std::string> &caps, u32 weight)
{
	agent_test::Manifest mf;
	mf.caps = caps;
	mf.name = manifest_name(name);
	mf.tenant = tenant_id;
	mf.authorizer = signer.pk;
	co_blake3_hash(name.data(), name.size(), mf.code_digest.data());
	const agent_test::Bytes req = agent_test::make_spawn_request(signer, mf, caps);
	machine->set_next_lane_weight(weight);
	s64 rc = -EBUSY;
	// Setup and spawn events run outside a request: a full ring is drained and the call
	// retried (bounded), as a blocking caller would be woken by the sealer.
	for (int tries = 0; tries < 8 && rc == -EBUSY; tries++) {
		machine->on_cpu((u32)(next_spawn_cpu++ % sc.machine.cpus));
		rc = machine->port().agent_spawn(caller, req.data(), req.size());
		if (rc == -EBUSY)
			machine->drain_audit();
	}
	machine->set_next_lane_weight(1);
	return rc;
}

void Simulation::Impl::spawn_agent(AgentState &a)
{
	const scenario::TenantSpec &ts = sc.tenants[a.tenant];
	const scenario::AgentGroupSpec &gs = ts.groups[a.group];
	const s64 aid = spawn(tenants[a.tenant].root_aid, a.name, tenants[a.tenant].id,
			      gs.manifest.caps, gs.manifest.weight);
	if (aid < 0)
		throw ScenarioError(gs.manifest.loc, "manifest.caps",
				    "the kernel refused to spawn '" + a.name + "': " +
					    errno_name(aid) +
					    " (are the group's caps covered by the tenant's?)");
	a.aid = (u64)aid;
	a.live = true;
	a.cpu = (u32)(a.aid % sc.machine.cpus);
	for (const auto &[kind, q] : gs.manifest.quotas) {
		const u32 k = quota_kind_of(kind);
		u64 out[2];
		const u32 flags = COCONUT_QUOTA_SET | (q.block ? COCONUT_QUOTA_BLOCK : 0);
		const u64 budget = q.budget; // a structured binding cannot be captured (clang 14)
		const s64 rc = call_blocking([&] {
			return machine->port().agent_quota(tenants[a.tenant].root_aid, a.aid, k,
							   budget, flags, out);
		});
		if (rc)
			throw ScenarioError(gs.manifest.loc, "manifest.quotas." + kind,
					    "agent_quota refused: " + errno_name(rc));
	}
	start_workload(a);
}

s64 Simulation::Impl::call_blocking(const std::function<s64()> &fn)
{
	s64 rc = -EBUSY;
	for (int tries = 0; tries < 8 && rc == -EBUSY; tries++) {
		rc = fn();
		if (rc == -EBUSY)
			machine->drain_audit();
	}
	return rc;
}

// ---- Timers --------------------------------------------------------------------------------

void Simulation::Impl::schedule(u64 at_ns, TimerKind kind, u64 a, u64 b)
{
	timers.push(Timer{ at_ns, timer_seq++, kind, a, b });
}

void Simulation::Impl::arm_timer()
{
	if (timers.empty())
		return;
	const u64 now = sim::now_ns();
	const u64 at = timers.top().at_ns;
	timer_event.cancel();
	timer_event.notify(sim::ns(at > now ? at - now : 0));
}

void Simulation::Impl::on_timer()
{
	const u64 now = sim::now_ns();
	// Bounded by the timers due now; each handler may add timers for later (or for now:
	// those run in the next delta cycle).
	size_t budget = timers.size();
	while (!timers.empty() && timers.top().at_ns <= now && budget-- > 0) {
		const Timer t = timers.top();
		timers.pop();
		timer_fires++;
		switch (t.kind) {
		case TimerKind::Arrival:
			on_arrival(*agents[t.a]);
			break;
		case TimerKind::Restart:
			on_restart(*agents[t.a]);
			break;
		case TimerKind::Timeline:
			run_event(t.a, t.b);
			break;
		case TimerKind::RequestRetry:
			begin_holds(*reinterpret_cast<Request *>(t.a));
			break;
		case TimerKind::Sample:
			sample();
			if (now + sample_interval_ns <= sc.duration_ns)
				schedule(now + sample_interval_ns, TimerKind::Sample, 0, 0);
			break;
		case TimerKind::PcieRestore:
			machine->link((u32)t.a).set_bandwidth_percent(100);
			break;
		case TimerKind::InflightPoll:
			inflight_poll_armed = false;
			inflight_slot_freed();
			if (!inflight_waiters.empty() && !inflight_poll_armed) {
				inflight_poll_armed = true;
				schedule(now + sc.machine.audit.seal_interval_ns, TimerKind::InflightPoll,
					 0, 0);
			}
			break;
		}
	}
	arm_timer();
}

// ---- Workloads -----------------------------------------------------------------------------

void Simulation::Impl::start_workload(AgentState &a)
{
	// The counterfactual run: a flooder's agents are built and spawned as in every run (the
	// same AIDs, lanes and CPUs), but their workloads never start.
	if (opts.without_flooders && tenants[a.tenant].flooder)
		return;
	const scenario::WorkloadSpec &w = a.spec->workload;
	const u64 now = sim::now_ns();
	const u64 start = std::max(now, w.start_ns);
	const size_t idx = a.index_in_run;
	switch (w.kind) {
	case WorkloadKind::None:
		break;
	case WorkloadKind::Poisson:
	case WorkloadKind::Flooder:
		schedule(start + a.rng.exp_ns(w.mean_gap_ns), TimerKind::Arrival, idx, 0);
		break;
	case WorkloadKind::Bursty:
		a.on = true;
		a.phase_end_ns = start + a.rng.exp_ns(w.on_ns);
		schedule(start + a.rng.exp_ns(w.mean_gap_ns), TimerKind::Arrival, idx, 0);
		break;
	case WorkloadKind::ClosedLoop:
		for (u32 i = 0; i < w.concurrency; i++)
			schedule(start, TimerKind::Restart, idx, 0);
		break;
	case WorkloadKind::Trace:
		while (a.next_row < a.rows.size() && a.rows[a.next_row].t_ns < now)
			a.next_row++; // rows before the agent existed are not replayed
		if (a.next_row < a.rows.size())
			schedule(a.rows[a.next_row].t_ns, TimerKind::Arrival, idx, 0);
		break;
	}
}

bool Simulation::Impl::workload_active(const AgentState &a, u64 now) const
{
	const scenario::WorkloadSpec &w = a.spec->workload;
	return a.live && now >= w.start_ns && (w.stop_ns == 0 || now < w.stop_ns) &&
	       now < sc.duration_ns;
}

void Simulation::Impl::on_arrival(AgentState &a)
{
	const scenario::WorkloadSpec &w = a.spec->workload;
	const u64 now = sim::now_ns();
	if (!workload_active(a, now))
		return;
	const size_t idx = a.index_in_run;
	if (w.kind == WorkloadKind::Trace) {
		const TraceRow row = a.rows[a.next_row++];
		arrive(a, &row);
		if (a.next_row < a.rows.size())
			schedule(std::max(now, a.rows[a.next_row].t_ns), TimerKind::Arrival, idx, 0);
		return;
	}
	u64 next = now + a.rng.exp_ns(w.mean_gap_ns);
	if (w.kind == WorkloadKind::Bursty) {
		if (a.on)
			arrive(a, nullptr);
		// Walk the on/off periods up to the next arrival that falls in an on period
		// (bounded: each step moves past one period).
		for (int steps = 0; steps < 64 && next >= a.phase_end_ns; steps++) {
			const u64 from = a.phase_end_ns;
			a.on = !a.on;
			a.phase_end_ns = from + std::max<u64>(1, a.rng.exp_ns(a.on ? w.on_ns : w.off_ns));
			if (a.on)
				next = from + a.rng.exp_ns(w.mean_gap_ns);
		}
		schedule(next, TimerKind::Arrival, idx, 0);
		return;
	}
	arrive(a, nullptr);
	schedule(next, TimerKind::Arrival, idx, 0);
}

void Simulation::Impl::on_restart(AgentState &a)
{
	if (!workload_active(a, sim::now_ns()))
		return;
	arrive(a, nullptr);
}

// What one arrival asks for, drawn from the agent's own stream whether or not the arrival is
// then dropped: an agent's arrivals (times and demands) never depend on how busy the machine
// is, so the counterfactual run without the flooders sees everyone else's exactly.
Demands Simulation::Impl::draw_demands(AgentState &a, const TraceRow *row)
{
	const scenario::RequestSpec &rs = a.spec->workload.request;
	Demands d;
	d.cpu_ns = a.rng.range(rs.cpu_ns.lo, rs.cpu_ns.hi);
	d.dma_bytes = a.rng.range(rs.dma_bytes.lo, rs.dma_bytes.hi);
	d.gpu_ns = a.rng.range(rs.gpu_ns.lo, rs.gpu_ns.hi);
	if (row) {
		d.prompt_tokens = row->prompt_tokens;
		d.gen_tokens = row->gen_tokens;
	} else {
		d.prompt_tokens = (u32)a.rng.range(rs.prompt_tokens.lo, rs.prompt_tokens.hi);
		d.gen_tokens = (u32)a.rng.range(rs.gen_tokens.lo, rs.gen_tokens.hi);
	}
	if (machine->gpu_count() == 0) {
		d.dma_bytes = 0;
		d.gpu_ns = 0;
		d.prompt_tokens = d.gen_tokens = 0;
	}
	if (d.prompt_tokens + d.gen_tokens > 0 && d.gen_tokens == 0)
		d.gen_tokens = 1; // a request generates at least its first token
	// Files are read round robin over the agent's own arrivals (not the run's request ids,
	// which other tenants' load moves).
	d.nth = a.arrivals++;
	ArrivalDigest &ad = arrival_digests[a.tenant];
	ad.arrivals++;
	for (const u64 v : { (u64)a.index_in_run, sim::now_ns(), d.cpu_ns, d.dma_bytes, d.gpu_ns,
			     (u64)d.prompt_tokens, (u64)d.gen_tokens })
		ad.add(v);
	return d;
}

void Simulation::Impl::arrive(AgentState &a, const TraceRow *row)
{
	const scenario::WorkloadSpec &w = a.spec->workload;
	const Demands d = draw_demands(a, row);
	if (a.outstanding >= w.max_outstanding) {
		dropped++;
		tenant_counts[a.tenant].dropped++;
		if (w.kind == WorkloadKind::ClosedLoop)
			schedule(sim::now_ns() + std::max<u64>(1, w.think_ns), TimerKind::Restart,
				 a.index_in_run, 0);
		return;
	}
	const scenario::RequestSpec &rs = w.request;
	Request &r = new_request(a);
	r.cpu_ns = d.cpu_ns;
	r.dma_bytes = d.dma_bytes;
	r.gpu_ns = d.gpu_ns;
	r.prompt_tokens = d.prompt_tokens;
	r.gen_tokens = d.gen_tokens;
	std::string fs_path;
	if (!rs.fs_read_paths.empty()) {
		fs_path = rs.fs_read_paths[(size_t)(d.nth % rs.fs_read_paths.size())];
		r.ssd_bytes = rs.fs_read_bytes;
		Hold h;
		h.kind = COCONUT_CAP_FS_READ;
		h.object = fs_path;
		h.until = r.ssd_bytes ? Stage::Ssd : Stage::Cpu;
		r.holds.push_back(h);
	}
	if (r.dma_bytes || r.gpu_ns) {
		Hold h;
		h.kind = COCONUT_CAP_GPU;
		h.object = std::to_string(a.spec->gpu) + "/partition/" + std::to_string(a.spec->partition);
		h.until = r.gpu_ns ? Stage::GpuCompute : Stage::Pcie;
		r.holds.push_back(h);
	}
	if (r.prompt_tokens + r.gen_tokens) {
		Hold h;
		h.kind = COCONUT_CAP_INFERENCE;
		h.object = rs.broker;
		h.until = Stage::Inference;
		r.holds.push_back(h);
	}
	if (r.ssd_bytes)
		r.stages.push_back(Stage::Ssd);
	r.stages.push_back(Stage::Cpu); // every request runs on a CPU (at least its syscalls)
	if (r.dma_bytes)
		r.stages.push_back(Stage::Pcie);
	if (r.gpu_ns)
		r.stages.push_back(Stage::GpuCompute);
	if (r.prompt_tokens + r.gen_tokens)
		r.stages.push_back(Stage::Inference);
	begin_holds(r);
}

Request &Simulation::Impl::new_request(AgentState &a)
{
	Request *r;
	if (!free_requests.empty()) {
		r = free_requests.back();
		free_requests.pop_back();
	} else {
		requests.emplace_back();
		r = &requests.back();
	}
	*r = Request{};
	r->in_use = true;
	r->id = next_request_id++;
	r->agent = &a;
	r->arrival_ns = sim::now_ns();
	r->measured = r->arrival_ns >= sc.warmup_ns;
	a.outstanding++;
	if (!a.free_slots.empty()) {
		r->slot = a.free_slots.back();
		a.free_slots.pop_back();
	} else {
		r->slot = a.next_slot++;
	}
	live_requests++;
	return *r;
}

// ---- The request pipeline ------------------------------------------------------------------

void Simulation::Impl::begin_holds(Request &r)
{
	AgentState &a = *r.agent;
	while (r.holds_begun < r.holds.size()) {
		Hold &h = r.holds[r.holds_begun];
		machine->on_cpu(a.cpu);
		r.syscalls++;
		u64 token = 0;
		// The agent's lookup (-ESRCH, -ESTALE: the request fails below), then the decision.
		const int rc = machine->port().inflight_begin(a.aid, h.kind, h.object, &token);
		if (rc == -EBUSY) {
			// Backpressure: the audit ring is full (the chain never drops an event). Try
			// again after the sealer's next pass.
			backpressure_waits++;
			schedule(sim::now_ns() + sc.machine.audit.seal_interval_ns,
				 TimerKind::RequestRetry, reinterpret_cast<u64>(&r), 0);
			return;
		}
		if (rc == -ENOSPC) {
			// Too many operations in flight: wait for one to complete.
			inflight_full_waits++;
			inflight_waiters.push_back(&r);
			if (!inflight_poll_armed) {
				inflight_poll_armed = true;
				schedule(sim::now_ns() + sc.machine.audit.seal_interval_ns,
					 TimerKind::InflightPoll, 0, 0);
			}
			return;
		}
		if (rc) {
			if (rc == -ECAPABILITY) {
				denied++;
				tenant_counts[a.tenant].denied++;
			}
			if (rc == -EAGAIN) // would have been denied: no decision, no event
				throttled++;
			finish(r, rc);
			return;
		}
		h.token = token;
		h.begin_ns = sim::now_ns();
		// The cap that allowed it, as the kernel holds the pending operation.
		kmodel::KernelPort::Inflight f;
		const bool pending = machine->port().inflight_get(token, &f);
		CO_ASSERT(pending && f.aid == a.aid && !f.revoked);
		h.auth_cap = std::move(f.cap);
		r.holds_begun++;
	}
	next_stage(r);
}

// A slot of the in-flight table may be free: the oldest waiter tries again now (through the
// timer queue, so the completing request finishes first). Should it be refused again it
// waits at the back.
void Simulation::Impl::inflight_slot_freed()
{
	if (inflight_waiters.empty())
		return;
	Request *r = inflight_waiters.front();
	inflight_waiters.pop_front();
	schedule(sim::now_ns(), TimerKind::RequestRetry, reinterpret_cast<u64>(r), 0);
}

void Simulation::Impl::next_stage(Request &r)
{
	if (r.stage_at >= r.stages.size()) {
		finish(r, 0);
		return;
	}
	const Stage st = r.stages[r.stage_at];
	AgentState &a = *r.agent;
	devices::Job &j = r.job;
	const u64 keep_id = next_job_id++;
	j = devices::Job{};
	j.entity.job = &j;
	j.id = keep_id;
	j.aid = a.aid;
	j.tenant = tenants[a.tenant].id;
	j.stage = st;
	j.gpu = a.spec->gpu;
	j.partition = a.spec->partition;
	j.sink = this;
	j.user = &r;
	switch (st) {
	case Stage::Ssd:
		j.bytes = r.ssd_bytes;
		machine->ssd().submit(j);
		break;
	case Stage::Cpu:
		// The request's own CPU work plus the entry/exit cost of the syscalls it made.
		j.cpu_ns = r.cpu_ns + (u64)r.syscalls * sc.machine.syscall_entry_ns;
		if (j.cpu_ns == 0)
			j.cpu_ns = 1;
		machine->cpus().submit(j);
		break;
	case Stage::Pcie:
		j.bytes = r.dma_bytes;
		machine->dma(j.gpu).submit(j, machine->link(j.gpu));
		break;
	case Stage::GpuCompute:
		j.gpu_ns = r.gpu_ns;
		machine->gpu(j.gpu).submit(j);
		break;
	case Stage::Inference:
		j.prompt_tokens = r.prompt_tokens;
		j.gen_tokens = r.gen_tokens;
		machine->broker()->submit(j);
		break;
	}
}

void Simulation::Impl::job_done(devices::Job &j)
{
	Request &r = *static_cast<Request *>(j.user);
	AgentState &a = *r.agent;
	const u64 now = sim::now_ns();
	const Stage st = j.stage;
	r.alone_total_ns += j.alone_ns;
	if (j.rc == 0 && r.measured) {
		const u64 lat = now - j.submit_ns;
		const u64 slow_milli = (u64)((unsigned __int128)lat * 1000 / std::max<u64>(1, j.alone_ns));
		stage_hist(a.tenant, st).record(slow_milli);
	}
	// What serving users read: the time to the first token (queueing and prefill) and the
	// time per output token after it (the decode pace), per request.
	if (j.rc == 0 && r.measured && st == Stage::Inference && j.first_token_ns) {
		tenant_hist(a.tenant, "ttft_ns").record(j.first_token_ns - j.submit_ns);
		if (j.gen_tokens >= 2)
			tenant_hist(a.tenant, "tpot_ns")
				.record((now - j.first_token_ns) / (j.gen_tokens - 1));
		if (perfetto)
			perfetto->complete(agent_track(r), "first token", j.first_token_ns, 0,
					   { { "request", std::to_string(r.id) },
					     { "ttft_ns",
					       std::to_string(j.first_token_ns - j.submit_ns) } });
	}
	if (perfetto)
		perfetto->complete(agent_track(r), devices::stage_name(st), j.submit_ns,
				   now - j.submit_ns,
				   { { "request", std::to_string(r.id) },
				     { "alone_ns", std::to_string(j.alone_ns) },
				     { "rc", std::to_string(j.rc) } });
	if (j.rc) {
		if (j.rc == -ECAPABILITY)
			cancelled_on_revoke++;
		finish(r, j.rc);
		return;
	}
	// The operations this stage ends: may they complete? (-ECAPABILITY when revoked.)
	for (Hold &h : r.holds) {
		if (!h.token || h.until != st)
			continue;
		const int rc = complete_hold(r, h);
		if (rc) {
			finish(r, rc);
			return;
		}
	}
	r.stage_at++;
	next_stage(r);
}

int Simulation::Impl::complete_hold(Request &r, Hold &h)
{
	int rc = machine->port().inflight_complete(h.token);
	h.token = 0;
	inflight_slot_freed();
	if (rc == -ECAPABILITY && opts.mutations.complete_revoked_ops)
		rc = 0;
	if (rc == -ECAPABILITY) {
		inflight_revoked_failed++;
		return rc;
	}
	if (rc)
		return rc;
	// The oracle, independent of the kernel's bookkeeping: a cap of this agent with the
	// text that allowed the operation was revoked after the operation began, yet it
	// completed successfully.
	for (const Revocation &rv : r.agent->revoked)
		if (rv.cap == h.auth_cap && rv.at_ns >= h.begin_ns)
			use_after_revoke++;
	return 0;
}

void Simulation::Impl::finish(Request &r, int rc)
{
	AgentState &a = *r.agent;
	const u64 now = sim::now_ns();
	// Operations begun and not completed are released (they did not complete successfully).
	for (Hold &h : r.holds)
		if (h.token) {
			(void)machine->port().inflight_complete(h.token);
			h.token = 0;
			inflight_slot_freed();
		}
	r.rc = rc;
	TenantCounts &tc = tenant_counts[a.tenant];
	if (rc == 0) {
		completed++;
		tc.completed++;
		if (r.measured) {
			const u64 lat = now - r.arrival_ns;
			tenant_hist(a.tenant, "latency_ns").record(lat);
			tenant_hist(a.tenant, "slowdown").record(
				(u64)((unsigned __int128)lat * 1000 / std::max<u64>(1, r.alone_total_ns)));
		}
	} else {
		failed++;
		tc.failed++;
	}
	trace_fp.add_u64(r.id);
	trace_fp.add_u64(a.aid);
	trace_fp.add_u64(r.arrival_ns);
	trace_fp.add_u64(now);
	trace_fp.add_i64(rc);
	a.outstanding--;
	a.free_slots.push_back(r.slot);
	live_requests--;
	r.in_use = false;
	free_requests.push_back(&r);
	if (a.spec->workload.kind == WorkloadKind::ClosedLoop)
		schedule(now + a.spec->workload.think_ns, TimerKind::Restart, a.index_in_run,
			 0);
}

// ---- Simulation::Impl helpers --------------------------------------------------------------

// Called at every stage completion: the registry's histogram is found by name once per
// (tenant, stage) and kept (std::map never moves its elements).
metrics::LogHistogram &Simulation::Impl::stage_hist(u32 tenant, Stage st)
{
	if (stage_hists.size() <= tenant)
		stage_hists.resize(tenants.size());
	metrics::LogHistogram *&h = stage_hists[tenant][(size_t)st];
	if (!h)
		h = &registry.hist("tenant." + tenants[tenant].name + "." + devices::stage_name(st) +
				   ".slowdown");
	return *h;
}

metrics::LogHistogram &Simulation::Impl::tenant_hist(u32 tenant, const char *what)
{
	return registry.hist("tenant." + tenants[tenant].name + "." + what);
}

int Simulation::Impl::agent_track(const Request &r)
{
	const AgentState &a = *r.agent;
	const std::string key = a.name + "#" + std::to_string(r.slot);
	auto it = tracks.find(key);
	if (it != tracks.end())
		return it->second;
	const int id = perfetto->track("tenant " + tenants[a.tenant].name,
				       a.name.substr(tenants[a.tenant].name.size() + 1) + " #" +
					       std::to_string(r.slot));
	tracks.emplace(key, id);
	return id;
}

std::string errno_name(s64 rc)
{
	switch (-rc) {
	case 0:
		return "0";
	case EPERM:
		return "-EPERM";
	case ENOENT:
		return "-ENOENT";
	case ESRCH:
		return "-ESRCH";
	case EIO:
		return "-EIO";
	case EACCES:
		return "-EACCES";
	case EAGAIN:
		return "-EAGAIN";
	case EBUSY:
		return "-EBUSY";
	case EEXIST:
		return "-EEXIST";
	case ENODEV:
		return "-ENODEV";
	case EINVAL:
		return "-EINVAL";
	case ENOSPC:
		return "-ENOSPC";
	case ESTALE:
		return "-ESTALE";
	case EDQUOT:
		return "-EDQUOT";
	case ECAPABILITY:
		return "-ECAPABILITY";
	case ENOMEM:
		return "-ENOMEM";
	case EKEYREJECTED:
		return "-EKEYREJECTED";
	default:
		return std::to_string(rc);
	}
}

// ---- The public face -----------------------------------------------------------------------

scenario::Scenario with_overrides(const scenario::Scenario &sc, const RunOptions &opts)
{
	scenario::Scenario s = sc;
	if (opts.seed)
		s.seed = *opts.seed;
	if (opts.policy)
		s.policy = *opts.policy;
	if (opts.until_ns)
		s.duration_ns = *opts.until_ns;
	return s;
}

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

} // namespace coconut::engine
