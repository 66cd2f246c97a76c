// See cpu_cluster.h. Each core is a spawned SC_METHOD woken by its own event: at the end of a
// slice it charges the slice to the job's lane, completes or puts back the job, then picks
// again. An idle core sleeps until a submit wakes it (lowest-numbered idle core first). A
// submit that finds no idle core may preempt a running slice at once (preempt()).
#include "cpu_cluster.h"

#include "completions.h"
#include "sc_context.h"
#include "service.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>

namespace coconut::devices {

using coconut::sim::now_ns;
using coconut::sim::ns;

namespace {
enum class CoreState : std::uint8_t { Idle, Woken, Running };

struct Core {
	CoreState state = CoreState::Idle;
	Job *job = nullptr; // running, while state == Running
	u64 slice_start_ns = 0;
	u64 slice_ns = 0;    // length of the running slice, its switch overhead included
	u64 overhead_ns = 0; // the slice's first overhead_ns switch to the job (a preemption)
	u64 busy_ns = 0;     // finished slices
	sc_core::sc_event wake;
};
} // namespace

struct CpuCluster::Impl {
	u64 slice_ns;
	u64 preempt_ns;
	co_sched *sched;
	std::vector<Core> cores;
	u32 in_sched = 0;
	u64 preemptions = 0;
	Completions done{ "completions" };

	Impl(u32 n, u64 slice, co_sched *s, u64 preempt)
		: slice_ns(slice), preempt_ns(preempt), sched(s), cores(n)
	{
	}

	void step(u32 c);
	bool wake_idle_core();
	void preempt(const Job &waking, u64 now);
	void start(Core &core, u32 c, u64 now, u64 overhead_ns);
};

CpuCluster::CpuCluster(sc_core::sc_module_name name, u32 cores, u64 slice_ns, co_sched *sched,
		       u64 preempt_ns)
	: sc_module(name)
{
	if (cores == 0 || slice_ns == 0 || !sched)
		throw std::invalid_argument(std::string("CpuCluster ") + this->name() +
					    ": cores and slice_ns must be >= 1 and sched set");
	impl_ = new Impl(cores, slice_ns, sched, preempt_ns);
	for (u32 c = 0; c < cores; c++) {
		Impl *impl = impl_;
		spawn_method(("core" + std::to_string(c)).c_str(), impl_->cores[c].wake,
			     [impl, c] { impl->step(c); });
	}
}

CpuCluster::~CpuCluster()
{
	delete impl_;
}

void CpuCluster::submit(Job &job)
{
	begin_job(job, now_ns());
	job.alone_ns = job.cpu_ns;
	if (job.cpu_ns == 0) {
		impl_->done.at(job, job.submit_ns);
		return;
	}
	job.entity.ent.cost = std::min(job.cpu_ns, impl_->slice_ns);
	int rc = co_sched_enqueue(impl_->sched, &job.entity.ent);
	if (rc != 0) { // no lane for this AID: the caller's mistake, reported on the job
		job.rc = rc;
		impl_->done.at(job, job.submit_ns);
		return;
	}
	impl_->in_sched++;
	if (!impl_->wake_idle_core())
		impl_->preempt(job, job.submit_ns);
}

bool CpuCluster::Impl::wake_idle_core()
{
	for (Core &core : cores) {
		if (core.state == CoreState::Idle) {
			core.state = CoreState::Woken;
			core.wake.notify(sc_core::SC_ZERO_TIME);
			return true;
		}
	}
	return false;
}

// Every core is busy (or about to pick). The running job furthest behind (the one every other
// running job would preempt) gives way if the waking job would preempt it; a slice ending now
// is left alone (its core picks again in this same instant anyway).
void CpuCluster::Impl::preempt(const Job &waking, u64 now)
{
	Core *worst = nullptr;
	u32 worst_c = 0;
	for (u32 c = 0; c < cores.size(); c++) {
		Core &core = cores[c];
		if (core.state == CoreState::Woken)
			return; // a core is about to pick: the policy chooses there
		if (core.slice_start_ns + core.slice_ns <= now)
			continue;
		if (!worst || co_sched_wakeup_preempts(sched, worst->job->aid, core.job->aid)) {
			worst = &core;
			worst_c = c;
		}
	}
	if (!worst || !co_sched_wakeup_preempts(sched, waking.aid, worst->job->aid))
		return;
	Core &core = *worst;
	Job &job = *core.job;
	const u64 elapsed = now - core.slice_start_ns;
	const u64 ran = elapsed > core.overhead_ns ? elapsed - core.overhead_ns : 0;
	CO_ASSERT(job.served + ran < job.cpu_ns); // the slice would have ended later
	core.wake.cancel();
	core.busy_ns += elapsed;
	core.job = nullptr;
	preemptions++;
	if (end_turn(sched, job, ran, job.cpu_ns, in_sched))
		done.at(job, now); // its agent is gone (-ESTALE)
	start(core, worst_c, now, preempt_ns);
}

// Picks the core's next job (or leaves it idle) and starts its slice after overhead_ns.
void CpuCluster::Impl::start(Core &core, u32 c, u64 now, u64 overhead_ns)
{
	Job *next = pick_job(sched, in_sched, now);
	if (!next) {
		core.state = CoreState::Idle;
		return;
	}
	Job &job = *next;
	job.cpu_core = c;
	core.state = CoreState::Running;
	core.job = &job;
	core.slice_start_ns = now;
	core.overhead_ns = overhead_ns;
	core.slice_ns = overhead_ns + std::min(slice_ns, job.cpu_ns - job.served);
	core.wake.notify(ns(core.slice_ns));
}

void CpuCluster::Impl::step(u32 c)
{
	Core &core = cores[c];
	u64 now = now_ns();
	if (core.state == CoreState::Running) {
		Job &job = *core.job;
		CO_ASSERT(now == core.slice_start_ns + core.slice_ns);
		core.busy_ns += core.slice_ns;
		core.job = nullptr;
		// An unfinished job goes back to its lane: the policy decides whether it runs on
		// or yields to a lane that has had less.
		if (end_turn(sched, job, core.slice_ns - core.overhead_ns, job.cpu_ns, in_sched))
			done.at(job, now);
	}
	start(core, c, now, 0);
}

u32 CpuCluster::cores() const
{
	return static_cast<u32>(impl_->cores.size());
}

u64 CpuCluster::busy_ns(u32 core) const
{
	if (core >= impl_->cores.size())
		return 0;
	const Core &c = impl_->cores[core];
	u64 busy = c.busy_ns;
	if (c.state == CoreState::Running)
		busy += now_ns() - c.slice_start_ns; // the running slice so far
	return busy;
}

u64 CpuCluster::completed() const
{
	return impl_->done.delivered();
}

u32 CpuCluster::queued() const
{
	return impl_->in_sched;
}

u64 CpuCluster::preemptions() const
{
	return impl_->preemptions;
}

} // namespace coconut::devices
