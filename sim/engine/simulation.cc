// See simulation.h. The engine's parts, each in its file: building the machine, the tenants
// and their agents, and the timers (this file); the workloads' arrivals (workloads.cc); the
// request pipeline through the devices (pipeline.cc); the timeline of actions and faults
// (timeline.cc); stepping, acting as an agent and the end of the run (stepping.cc); sampling,
// metrics and the fingerprint (finish.cc); the gates (gate_eval.cc, stage_gates.cc).
#include "simulation.h"

#include "engine_impl.h"

#include "coconut/blake3.h"
#include "coconut/errno.h"
#include "coconut/lsm.h"
#include "coconut/syscalls.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#ifdef COCONUT_PLANT_ADDRESS_ORDER
#include <unordered_set>
#endif

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
	return name.size() <= CO_AGENT_NAME_BYTES_MAX ? name
						      : name.substr(0, CO_AGENT_NAME_BYTES_MAX);
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
	machine =
		std::make_unique<kmodel::Machine>("node", sc.machine, sc.policy, sc.seed, profiles,
						  std::vector<std::string>(root_caps.begin(),
									   root_caps.end()),
						  signer.pk.data());
	// Recording starts before the first kernel call after the machine's creation (which
	// replay repeats from the header).
	if (!opts.trace_path.empty())
		machine->start_trace(opts.trace_path, sc.name, sc.seed);
	if (opts.mutations.flip_sealed_bit)
		machine->corrupt_next_sealed_event();
	machine->chain().set_event_hook(
		[this](const co_audit_event &ev, const kmodel::Digest &) { on_sealed(ev); });

	if (!opts.perfetto_path.empty())
		perfetto =
			std::make_unique<metrics::TraceEventWriter>(opts.perfetto_path,
								    opts.perfetto_events_max,
								    opts.perfetto_counter_gap_ns);

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
				// Earlier groups are built: the spawning group's agents exist.
				const size_t pg = scenario::spawning_group(ts, gi);
				if (pg != ts.groups.size()) {
					AgentState *p =
						agents[group_agents[ti][pg][scenario::spawning_index(
							       ts, gi, i)]]
							.get();
					a->parent = p;
					p->children.push_back(a.get());
				}
				const size_t idx = agents.size();
				a->index_in_run = idx;
				agent_by_name[a->name] = idx;
				group_agents[ti][gi].push_back(idx);
				agents.push_back(std::move(a));
			}
			// Trace rows are dealt round robin to the group's initial agents.
			if (!rows.empty() && gs.count > 0)
				for (size_t r = 0; r < rows.size(); r++)
					agents[group_agents[ti][gi][r % gs.count]]->rows.push_back(
						rows[r]);
#ifdef COCONUT_PLANT_ADDRESS_ORDER
			// A planted bug for the property suite (harness/props; never in a product
			// build): the group's agents spawn in the order of an unordered set of their
			// addresses, so their AIDs depend on where the heap put them.
			std::unordered_set<AgentState *> by_address;
			for (u32 i = 0; i < gs.count; i++)
				by_address.insert(agents[group_agents[ti][gi][i]].get());
			for (AgentState *a : by_address)
				spawn_agent(*a);
#else
			for (u32 i = 0; i < gs.count; i++)
				spawn_agent(*agents[group_agents[ti][gi][i]]);
#endif
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

// Who spawns a: its parent in the engine's tree, else its tenant's root.
u64 Simulation::Impl::spawner_aid(const AgentState &a) const
{
	return a.parent ? a.parent->aid : tenants[a.tenant].root_aid;
}

void Simulation::Impl::spawn_agent(AgentState &a)
{
	const scenario::TenantSpec &ts = sc.tenants[a.tenant];
	const scenario::AgentGroupSpec &gs = ts.groups[a.group];
	const s64 aid = spawn(spawner_aid(a), a.name, tenants[a.tenant].id, gs.manifest.caps,
			      gs.manifest.weight);
	if (aid < 0) {
		// The loader checks the tree's limits; what is left is mostly the narrowing rule.
		const std::string by =
			a.parent ? "group '" + gs.spawned_by + "''s" : "tenant '" + ts.name + "''s";
		const std::string hint =
			aid == -ENOSPC ? " (no room: the kernel's agent table or an agent's "
					 "children, CO_AGENTS_MAX and CO_AGENT_CHILDREN_MAX)"
				       : " (are the group's caps covered by " + by + "?)";
		throw ScenarioError(gs.manifest.loc, "manifest.caps",
				    "the kernel refused to spawn '" + a.name +
					    "': " + errno_name(aid) + hint);
	}
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
		// Timers fire in time order, never before their time and never into the past.
		CO_ASSERT(t.at_ns <= now && t.at_ns >= last_timer_ns);
		last_timer_ns = t.at_ns;
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
				schedule(now + sc.machine.audit.seal_interval_ns,
					 TimerKind::InflightPoll, 0, 0);
			}
			break;
		}
	}
	arm_timer();
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

} // namespace coconut::engine
