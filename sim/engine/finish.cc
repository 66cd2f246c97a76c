// Sampling during a run (service difference, device queues for the trace view), and at its
// end the metrics, the snapshot the gates are judged from (gate_eval.h) and the fingerprint.
#include "engine_impl.h"
#include "run_fingerprint.h"

#include "gate_eval.h"

#include "gate_result.h"
#include "report.h"
#include "stage_gates.h"

#include "coconut/errno.h"

#include <algorithm>

namespace coconut::engine {

using devices::Stage;
using scenario::GateKind;

namespace {

bool stage_of(const std::string &resource, Stage &out)
{
	if (resource == "cpu")
		out = Stage::Cpu;
	else if (resource == "pcie")
		out = Stage::Pcie;
	else if (resource == "gpu")
		out = Stage::GpuCompute;
	else if (resource == "inference")
		out = Stage::Inference;
	else
		return false;
	return true;
}

} // namespace

// A tenant's slowdown histogram on a resource of kStageResources: a stage's (made if it was
// never recorded: the registry lists every stage of every tenant), or membw's when recorded.
const metrics::LogHistogram *Simulation::Impl::resource_hist(u32 tenant, const char *res)
{
	Stage st = Stage::Cpu;
	if (stage_of(res, st))
		return &stage_hist(tenant, st);
	return registry.find_hist("tenant." + tenants[tenant].name + "." + res + ".slowdown");
}

void Simulation::Impl::sample()
{
	// Service difference between backlogged tenants, per contended resource kind: the CPU
	// cluster, the first PCIe link and the first partition's token scheduler.
	std::vector<co_sched *> scheds = { machine->cpu_sched() };
	if (machine->gpu_count()) {
		scheds.push_back(machine->pcie_sched(0));
		scheds.push_back(machine->token_sched(0, 0));
	}
	if (service_diff.size() < scheds.size())
		service_diff.resize(scheds.size());
	if (service_series.size() < scheds.size())
		service_series.resize(scheds.size());
	const u64 now = sim::now_ns();
	for (size_t i = 0; i < scheds.size(); i++) {
		std::vector<metrics::TenantSample> samples;
		for (const TenantState &t : tenants) {
			struct co_sched_tenant_info info {};
			metrics::TenantSample s{};
			if (co_sched_get_tenant_info(scheds[i], t.id, &info) == 0) {
				s.served_units = info.served_units;
				s.weight = info.weight;
				// A tenant whose prompt the running iteration prefills only in part is
				// waiting for service though nothing of it is queued meanwhile.
				s.backlogged =
					info.backlogged ||
					(i == 2 && machine->broker()->cut_in_batch(0, 0, t.id) > 0);
			} else {
				s.weight = 1;
			}
			samples.push_back(s);
		}
		service_diff[i].sample(now, samples);
		std::vector<u64> served;
		for (const metrics::TenantSample &x : samples)
			served.push_back(x.served_units);
		service_series[i].sample(now, served);
	}
	if (perfetto) {
		// Device tracks: each CPU core's, PCIe link's and GPU partition's busy share over the
		// last interval (thousandths), and the queues in front of them.
		const u64 dt = std::max<u64>(1, sample_interval_ns);
		auto busy = [&](const std::string &process, const std::string &what, u64 busy_ns) {
			u64 &last = last_busy_ns[what];
			const u64 d = busy_ns >= last ? busy_ns - last : 0;
			last = busy_ns;
			perfetto->counter(perfetto->track(process, what), what + ".busy_milli", now,
					  (s64)std::min<u64>(1000, d * 1000 / dt));
		};
		for (u32 c = 0; c < sc.machine.cpus; c++)
			busy("cpus", "cpu" + std::to_string(c), machine->cpus().busy_ns(c));
		for (u32 g = 0; g < machine->gpu_count(); g++) {
			busy("pcie", "pcie" + std::to_string(g), machine->link(g).busy_ns());
			for (u32 p = 0; p < machine->gpu(g).partitions(); p++)
				busy("gpus", "gpu" + std::to_string(g) + "." + std::to_string(p),
				     machine->gpu(g).busy_ns(p));
		}
		perfetto->counter(perfetto->track("cpus", "queue"), "cpu.queued", now,
				  machine->cpus().queued());
		for (u32 g = 0; g < machine->gpu_count(); g++)
			perfetto->counter(perfetto->track("pcie", "queue"),
					  "pcie" + std::to_string(g) + ".queued", now,
					  machine->link(g).queued());
		if (machine->broker())
			perfetto->counter(perfetto->track("gpus", "broker"), "broker.queued", now,
					  machine->broker()->queued());
		for (const TenantState &t : tenants) {
			u64 outstanding = 0;
			for (size_t gi = 0; gi < group_agents[t.index].size(); gi++)
				for (size_t idx : group_agents[t.index][gi])
					outstanding += agents[idx]->outstanding;
			perfetto->counter(perfetto->track("tenant " + t.name, "outstanding"),
					  "outstanding", now, outstanding);
		}
	}
}

void Simulation::Impl::set_metric(const std::string &name, u64 v)
{
	registry.set(name, (s64)v);
}

// Every metric of the run (docs/scenarios.md "Metrics"), in the registry and in out, and the
// summary notes; the order of the parts is the order of the notes.
void Simulation::Impl::collect_metrics(RunResult &out)
{
	collect_run_metrics();
	collect_tenant_metrics(out);
	collect_fairness_metrics(out);
	collect_device_metrics(out);
	out.metrics = registry;
	add_tenant_notes(out);
}

// Requests, the LSM, the audit chain, revocation and the faults.
void Simulation::Impl::collect_run_metrics()
{
	co_kernel *k = machine->kernel();
	co_audit_stats ast;
	co_audit_get_stats(co_kernel_audit_log(k), &ast);
	const kmodel::ChainFollower &ch = machine->chain();
	auto set = [&](const std::string &name, u64 v) { set_metric(name, v); };
	set("requests.completed", completed);
	set("requests.failed", failed);
	set("requests.dropped", dropped);
	set("requests.denied", denied);
	set("requests.throttled", throttled);
	set("lsm.fail_limited", end_counters.fail_limited);
	set("requests.in_flight_at_end", live_requests);
	set("lsm.allows", end_counters.lsm_allows);
	set("lsm.denies", end_counters.lsm_denies);
	set("audit.events", ch.events());
	set("audit.cap_allow", ch.count_of(COCONUT_EV_CAP_ALLOW));
	set("audit.cap_deny", ch.count_of(COCONUT_EV_CAP_DENY));
	set("audit.sealed", ast.sealed);
	set("audit.anchors", ast.anchors);
	set("audit.backpressure", ast.backpressure);
	set("audit.pending_at_end", co_audit_pending(co_kernel_audit_log(k)));
	set("notifications", notifications);
	set("notifications.folded", notify_limit.folded());
	set("revocations", revocations);
	set("inflight.revoked_failed", inflight_revoked_failed);
	set("inflight.revoked_failed_below", inflight_revoked_failed_below);
	set("inflight.cancelled", cancelled_on_revoke);
	set("use_after_revoke", use_after_revoke);
	set("quota.edquot", edquot);
	set("tier.hbm_used_max", hbm_used_max);
	set("gpu.partitions_lost", partitions_lost);
	set("tpm.write_failures", ast.anchor_failures);
	set("vfs.reads", vfs_reads);
	set("ring_pressure.busy", ring_pressure_busy);
	set("backpressure.waits", backpressure_waits);
	set("inflight.full_waits", inflight_full_waits);
}

// Per tenant: counts, throughput, slowdown and serving quantiles, each resource's p99/p50.
void Simulation::Impl::collect_tenant_metrics(const RunResult &out)
{
	auto set = [&](const std::string &name, u64 v) { set_metric(name, v); };
	// Throughput over the measured span (after warm-up), in requests per 1000 s.
	const u64 measured_ns =
		std::max<u64>(1, out.sim_end_ns > sc.warmup_ns ? out.sim_end_ns - sc.warmup_ns : 1);
	auto per_ks = [&](u64 n) {
		return (u64)((unsigned __int128)n * 1000000000000ull / measured_ns);
	};
	u64 measured_completed = 0;
	for (const TenantState &t : tenants) {
		const TenantCounts &c = tenant_counts[t.index];
		const std::string p = "tenant." + t.name + ".";
		set(p + "completed", c.completed);
		set(p + "failed", c.failed);
		set(p + "denied", c.denied);
		set(p + "dropped", c.dropped);
		const metrics::LogHistogram &h = tenant_hist(t.index, "slowdown");
		set(p + "throughput_milli_per_s", per_ks(h.count()));
		measured_completed += h.count();
		if (h.count()) {
			set(p + "slowdown_p50_milli", h.value_at_quantile_milli(500));
			set(p + "slowdown_p99_milli", h.value_at_quantile_milli(990));
		}
		for (const char *what : { "ttft_ns", "tpot_ns" }) {
			const metrics::LogHistogram *lh =
				registry.find_hist("tenant." + t.name + "." + what);
			if (!lh || lh->count() == 0)
				continue;
			const std::string base = std::string(what).substr(0, 4); // ttft, tpot
			set(p + base + "_p50_ns", lh->value_at_quantile_milli(500));
			set(p + base + "_p99_ns", lh->value_at_quantile_milli(990));
		}
		for (const char *res : kStageResources) {
			const metrics::LogHistogram *rh = resource_hist(t.index, res);
			if (!rh || rh->count() == 0)
				continue;
			const metrics::LogHistogram &sh = *rh;
			const u64 p50 = std::max<u64>(1, sh.value_at_quantile_milli(500));
			set(p + res + ".p99_over_p50_milli",
			    (u64)((unsigned __int128)sh.value_at_quantile_milli(990) * 1000 / p50));
		}
	}
	set("requests.throughput_milli_per_s", per_ks(measured_completed));
}

// Fairness: the service series and service difference per sampled scheduler, Jain's index.
void Simulation::Impl::collect_fairness_metrics(RunResult &out)
{
	auto set = [&](const std::string &name, u64 v) { set_metric(name, v); };
	// Jain's index over the tenants' weighted service, per sampled scheduler.
	const char *const sampled[] = { "cpu", "pcie", "inference" };
	std::vector<std::string> tenant_names;
	for (const TenantState &t : tenants)
		tenant_names.push_back(t.name);
	for (size_t i = 0; i < service_series.size() && i < 3; i++)
		out.series[sampled[i]] = service_series[i].to_json(tenant_names);
	for (size_t i = 0; i < service_diff.size() && i < 3; i++) {
		const metrics::ServiceDifference &d = service_diff[i];
		set(std::string("service_difference.") + sampled[i] + ".max_milli",
		    d.max_difference_milli());
		set(std::string("service_difference.") + sampled[i] + ".worst_at_ns",
		    d.worst_at_ns());
		// Which pair: names are not metrics, so the note says it.
		if (d.max_difference_milli() > 0 && d.worst_j() < tenants.size())
			out.notes.push_back(std::string("service difference ") + sampled[i] + ": " +
					    metrics::format_milli(d.max_difference_milli()) +
					    " units between " + tenants[d.worst_i()].name +
					    " and " + tenants[d.worst_j()].name + " at " +
					    std::to_string(d.worst_at_ns() / 1000000) + " ms");
	}
	std::vector<co_sched *> scheds = { machine->cpu_sched() };
	if (machine->gpu_count()) {
		scheds.push_back(machine->pcie_sched(0));
		scheds.push_back(machine->token_sched(0, 0));
	}
	for (size_t i = 0; i < scheds.size(); i++) {
		std::vector<u64> x;
		for (const TenantState &t : tenants) {
			struct co_sched_tenant_info info {};
			if (co_sched_get_tenant_info(scheds[i], t.id, &info) != 0 ||
			    !info.served_units)
				continue;
			x.push_back(info.served_units / std::max<u32>(1, info.weight));
			set("tenant." + t.name + "." + sampled[i] + ".served_units",
			    info.served_units);
		}
		if (!x.empty())
			set(std::string("jain.") + sampled[i] + "_milli",
			    metrics::jain_index_milli(x));
	}
}

// The devices: utilisation, bytes, turns, preemptions, the broker's work and KV cache.
void Simulation::Impl::collect_device_metrics(const RunResult &out)
{
	auto set = [&](const std::string &name, u64 v) { set_metric(name, v); };
	u64 busy = 0;
	for (u32 c = 0; c < sc.machine.cpus; c++)
		busy += machine->cpus().busy_ns(c);
	const u64 span = std::max<u64>(1, out.sim_end_ns);
	set("cpu.utilisation_milli",
	    (u64)((unsigned __int128)busy * 1000 / (span * sc.machine.cpus)));
	for (u32 g = 0; g < machine->gpu_count(); g++) {
		set("pcie" + std::to_string(g) + ".utilisation_milli",
		    (u64)((unsigned __int128)machine->link(g).busy_ns() * 1000 / span));
		set("pcie" + std::to_string(g) + ".bytes", machine->link(g).bytes_moved());
		set("pcie" + std::to_string(g) + ".turns", machine->link(g).turns());
		set("pcie" + std::to_string(g) + ".preemptions", machine->link(g).preemptions());
	}
	set("cpu.preemptions", machine->cpus().preemptions());
	if (const devices::MemoryBus *bus = machine->memory_bus()) {
		// What the channels carried over the run, per mille of what they could.
		const u64 bytes = bus->bytes_moved(sim::now_ns());
		set("memory.bytes", bytes);
		set("memory.capacity_bytes_per_s", bus->capacity_bytes_per_s());
		set("memory.utilisation_milli",
		    (u64)((unsigned __int128)bytes * 1000 * 1000000000u /
			  ((unsigned __int128)bus->capacity_bytes_per_s() * span)));
		set("memory.settles", bus->settles());
		set("memory.throttled_settles", bus->throttled_settles());
		set("memory.swaps", bus->swaps());
	}
	if (machine->broker()) {
		set("broker.iterations", machine->broker()->iterations());
		set("broker.tokens", machine->broker()->tokens_processed());
		set("broker.preemptions", machine->broker()->preemptions());
		set("broker.kv_waits", machine->broker()->kv_waits());
		set("broker.kv_capacity_tokens", machine->broker()->kv_capacity_tokens());
		set("broker.kv_peak_tokens", machine->broker()->kv_peak_used_tokens());
	}
}

// The per-tenant summary the CLI prints: where the spike shows.
void Simulation::Impl::add_tenant_notes(RunResult &out)
{
	for (const TenantState &t : tenants) {
		for (const char *res : kStageResources) {
			const metrics::LogHistogram *rh = resource_hist(t.index, res);
			if (!rh || rh->count() == 0)
				continue;
			const metrics::LogHistogram &sh = *rh;
			const u64 p50 = sh.value_at_quantile_milli(500);
			const u64 p99 = sh.value_at_quantile_milli(990);
			out.notes.push_back(
				t.name + (t.flooder ? " (flooder)" : "") + " " + res +
				": n=" + std::to_string(sh.count()) +
				" slowdown p50=" + metrics::format_milli(p50) +
				" p99=" + metrics::format_milli(p99) + " p99/p50=" +
				metrics::format_milli((u64)((unsigned __int128)p99 * 1000 /
							    std::max<u64>(1, p50))));
		}
	}
}

// The gates are judged from a snapshot of the finished run (gate_eval.h).
void Simulation::Impl::evaluate_gates(RunResult &out)
{
	const kmodel::ChainFollower &ch = machine->chain();
	RunSnapshot s;
	s.sc = &sc;
	s.registry = &registry;
	s.stages = stage_table(sc, registry);
	s.lsm_allows = end_counters.lsm_allows;
	s.lsm_denies = end_counters.lsm_denies;
	const kmodel::DecisionTally &seen = machine->port().decisions();
	s.seen_allows_min = seen.allows().min;
	s.seen_allows_max = seen.allows().max;
	s.seen_denies_min = seen.denies().min;
	s.seen_denies_max = seen.denies().max;
	s.chain_allows = ch.count_of(COCONUT_EV_CAP_ALLOW);
	s.chain_denies = ch.count_of(COCONUT_EV_CAP_DENY);
	s.chain_events = ch.events();
	s.chain_anchors = ch.anchored_heads().size();
	s.pending_events = co_audit_pending(co_kernel_audit_log(machine->kernel()));
	for (const scenario::GateSpec &g : sc.gates)
		if (g.kind == GateKind::AuditVerify && s.audit_error.empty())
			s.audit_error = verify_audit();
	s.use_after_revoke = use_after_revoke;
	s.revocations = revocations;
	s.inflight_failed_on_revoke = inflight_revoked_failed + cancelled_on_revoke;
	for (const ActionOutcome &o : outcomes)
		if (sc.events[o.event].expect)
			s.expected_actions++;
	s.expectation_failures = expectation_failures;
	out.gates = engine::evaluate_gates(s, opts.skip_determinism_gate);
	for (const std::string &n : notification_log)
		out.notes.push_back("notification: " + n);
	for (const std::string &n : fold_log)
		out.notes.push_back("notification: " + n);
}

std::string Simulation::Impl::fingerprint(const RunResult &out)
{
	(void)out;
	const kmodel::ChainFollower &ch = machine->chain();
	static_assert(sizeof(ChainSummary::head) == sizeof(kmodel::Digest));
	ChainSummary chain;
	chain.events = ch.events();
	chain.head = ch.head();
	for (const auto &[seq, head] : ch.anchored_heads())
		chain.anchored_heads.emplace(seq, head);
	return run_fingerprint(trace_fp, registry, chain);
}

std::string Simulation::Impl::audit_head_hex() const
{
	static const char kHex[] = "0123456789abcdef";
	std::string out;
	for (const auto b : machine->chain().head()) {
		out += kHex[static_cast<u8>(b) >> 4];
		out += kHex[static_cast<u8>(b) & 15];
	}
	return out;
}

void complete_determinism_gate(RunResult &result, const std::string &other, const std::string &why)
{
	for (metrics::GateResult &g : result.gates) {
		if (g.kind != scenario::gate_kind_name(scenario::GateKind::Determinism))
			continue;
		g.pass = !other.empty() && other == result.fingerprint;
		g.measured = other.empty() ? "second run failed" + (why.empty() ? "" : ": " + why)
					   : other.substr(0, 16) + "...";
		g.detail = g.pass ? "" : "first run " + result.fingerprint + ", second " + other;
		if (other.empty())
			g.detail = g.measured;
	}
	// The fingerprint covers the metrics, not the gates: completing a gate changes nothing.
}

} // namespace coconut::engine
