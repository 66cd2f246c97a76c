// The request pipeline: a request's cap checks (in-flight tokens through the LSM), then its
// stages through the devices in order, each stage's slowdown, the holds completed as their
// stages end, and the request's one finish.

#include "engine_impl.h"
#include "run_fingerprint.h"

#include "coconut/cap.h"
#include "coconut/errno.h"
#include "coconut/lsm.h"
#include "coconut/syscalls.h"

#include <algorithm>

namespace coconut::engine {

using devices::Stage;
using scenario::WorkloadKind;

Request &Simulation::Impl::new_request(AgentState &a)
{
	Request *r;
	u32 pool_index;
	if (!free_requests.empty()) {
		r = free_requests.back();
		free_requests.pop_back();
		pool_index = r->pool_index;
	} else {
		pool_index = (u32)requests.size();
		requests.emplace_back();
		r = &requests.back();
	}
	*r = Request{};
	r->pool_index = pool_index;
	CO_ASSERT(&requests[pool_index] == r);
	a.open_requests.insert(pool_index);
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
		holds_live++;
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

namespace {

// A request's stages run in this order (the pipeline's, not the enum's).
u32 pipeline_rank(Stage st)
{
	switch (st) {
	case Stage::Ssd:
		return 0;
	case Stage::Cpu:
		return 1;
	case Stage::Pcie:
		return 2;
	case Stage::GpuCompute:
		return 3;
	case Stage::Inference:
		return 4;
	}
	return 5;
}

} // namespace

void Simulation::Impl::next_stage(Request &r)
{
	CO_ASSERT(r.in_use);
	CO_ASSERT(r.stage_at == 0 || r.stage_at >= r.stages.size() ||
		  pipeline_rank(r.stages[r.stage_at - 1]) < pipeline_rank(r.stages[r.stage_at]));
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
		j.membw_bytes = r.membw_bytes;
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
	// The job that ends is the stage its request is at (one job per request at a time).
	CO_ASSERT(r.in_use && r.stage_at < r.stages.size() && r.stages[r.stage_at] == st);
	r.alone_total_ns += j.alone_ns;
	// A request with no CPU demand still runs its syscalls on a core, but the CPU is not a
	// resource it asked for (docs: a zero demand skips its stage): waiting for a core behind
	// 150 ns of syscalls is not a slowdown sample (issue 16 item 6: a 2,523x "slowdown").
	const bool sampled = !(st == Stage::Cpu && r.cpu_ns == 0);
	if (j.rc == 0 && r.measured && sampled) {
		const u64 lat = now - j.submit_ns;
		const u64 slow_milli =
			(u64)((unsigned __int128)lat * 1000 / std::max<u64>(1, j.alone_ns));
		stage_hist(a.tenant, st).record(slow_milli);
		// Memory bandwidth's part: how much longer its work took on the core than alone
		// (waiting for a core is the CPU's part, above).
		if (st == Stage::Cpu && j.membw_bytes)
			membw_hist(a.tenant).record((u64)((unsigned __int128)j.run_ns * 1000 /
							  std::max<u64>(1, j.alone_ns)));
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

namespace {

// Whether cap text a covers cap text b, by the kernel's own parser and rule (coconut/cap.h). An
// unparsable text covers nothing: the kernel wrote both.
bool cap_covers(const std::string &a, const std::string &b)
{
	struct co_cap ca, cb;
	if (co_cap_parse(a.data(), a.size(), &ca, nullptr) != CO_CAP_OK ||
	    co_cap_parse(b.data(), b.size(), &cb, nullptr) != CO_CAP_OK)
		return false;
	return co_cap_covers(&ca, &cb);
}

// Whether revocation rv of agent a (from a, or inherited from an ancestor) took the cap that
// allowed operation h after h began. From a: the same text. From an ancestor: the cascade takes
// every cap derived from the revoked one, so any cap it covers, but a cap granted to a (derived
// from the granter's, not the ancestor's) it does not take.
bool revoked_during(const Revocation &rv, const AgentState &a, const Hold &h)
{
	if (rv.at_ns < h.begin_ns)
		return false;
	if (!rv.inherited)
		return rv.cap == h.auth_cap;
	return cap_covers(rv.cap, h.auth_cap) &&
	       std::find(a.granted.begin(), a.granted.end(), h.auth_cap) == a.granted.end();
}

} // namespace

int Simulation::Impl::complete_hold(Request &r, Hold &h)
{
	int rc = machine->port().inflight_complete(h.token);
	h.token = 0;
	CO_ASSERT(holds_live > 0);
	holds_live--;
	inflight_slot_freed();
	if (rc == -ECAPABILITY && opts.mutations.complete_revoked_ops)
		rc = 0;
	if (rc == -ECAPABILITY) {
		inflight_revoked_failed++;
		// A revoke of an ancestor's cap reached it (the cascade below the target).
		for (const Revocation &rv : r.agent->revoked)
			if (rv.inherited && revoked_during(rv, *r.agent, h)) {
				inflight_revoked_failed_below++;
				break;
			}
		return rc;
	}
	if (rc)
		return rc;
	// The oracle, independent of the kernel's bookkeeping: a cap of this agent with the
	// text that allowed the operation was revoked after the operation began, yet it
	// completed successfully.
	for (const Revocation &rv : r.agent->revoked)
		if (revoked_during(rv, *r.agent, h))
			use_after_revoke++;
	return 0;
}

void Simulation::Impl::finish(Request &r, int rc)
{
	AgentState &a = *r.agent;
	const u64 now = sim::now_ns();
	// Every request finishes exactly once, while its agent and the run count it.
	CO_ASSERT(r.in_use && a.outstanding > 0 && live_requests > 0);
	// Operations begun and not completed are released (they did not complete successfully).
	for (Hold &h : r.holds)
		if (h.token) {
			(void)machine->port().inflight_complete(h.token);
			h.token = 0;
			CO_ASSERT(holds_live > 0);
			holds_live--;
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
			tenant_hist(a.tenant, "slowdown")
				.record((u64)((unsigned __int128)lat * 1000 /
					      std::max<u64>(1, r.alone_total_ns)));
		}
	} else {
		failed++;
		tc.failed++;
	}
	note_completion(trace_fp, r.id, a.aid, r.arrival_ns, now, rc);
	a.outstanding--;
	a.open_requests.erase(r.pool_index);
	a.free_slots.push_back(r.slot);
	live_requests--;
	r.in_use = false;
	free_requests.push_back(&r);
	if (a.spec->workload.kind == WorkloadKind::ClosedLoop)
		schedule(now + a.spec->workload.think_ns, TimerKind::Restart, a.index_in_run, 0);
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
		h = &registry.hist("tenant." + tenants[tenant].name + "." +
				   devices::stage_name(st) + ".slowdown");
	return *h;
}

metrics::LogHistogram &Simulation::Impl::membw_hist(u32 tenant)
{
	if (membw_hists.size() <= tenant)
		membw_hists.resize(tenants.size(), nullptr);
	metrics::LogHistogram *&h = membw_hists[tenant];
	if (!h)
		h = &registry.hist("tenant." + tenants[tenant].name + ".membw.slowdown");
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

} // namespace coconut::engine
