// The workloads: when each agent's requests arrive (poisson, bursty, closed-loop, flooder, a
// trace's rows) and what each asks for, up to the request the pipeline (pipeline.cc) takes over.

#include "engine_impl.h"

#include "coconut/errno.h"
#include "coconut/lsm.h"
#include "coconut/syscalls.h"

#include <algorithm>

namespace coconut::engine {

using devices::Stage;
using scenario::WorkloadKind;

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
			schedule(std::max(now, a.rows[a.next_row].t_ns), TimerKind::Arrival, idx,
				 0);
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
			a.phase_end_ns =
				from + std::max<u64>(1, a.rng.exp_ns(a.on ? w.on_ns : w.off_ns));
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
	// Drawn last and only when asked for: a scenario without membw keeps every stream.
	if (rs.membw_bytes.hi > 0)
		d.membw_bytes = a.rng.range(rs.membw_bytes.lo, rs.membw_bytes.hi);
	// Files are read round robin over the agent's own arrivals (not the run's request ids,
	// which other tenants' load moves).
	d.nth = a.arrivals++;
	ArrivalDigest &ad = arrival_digests[a.tenant];
	ad.arrivals++;
	for (const u64 v : { (u64)a.index_in_run, sim::now_ns(), d.cpu_ns, d.dma_bytes, d.gpu_ns,
			     (u64)d.prompt_tokens, (u64)d.gen_tokens })
		ad.add(v);
	if (rs.membw_bytes.hi > 0)
		ad.add(d.membw_bytes);
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
	r.membw_bytes = d.membw_bytes;
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
		h.object = std::to_string(a.spec->gpu) + "/partition/" +
			   std::to_string(a.spec->partition);
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

} // namespace coconut::engine
