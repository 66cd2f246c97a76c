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

// Work done per ns on a core, in 2^-32: all of it unless the job stalls on memory bandwidth.
constexpr u64 kFullRate = 1ull << 32;

struct Core {
	CoreState state = CoreState::Idle;
	Job *job = nullptr; // running, while state == Running
	u64 slice_start_ns = 0;
	u64 slice_ns = 0;    // length of the running slice, its switch overhead included
	u64 overhead_ns = 0; // the slice's first overhead_ns switch to the job (a preemption)
	u64 busy_ns = 0;     // finished slices
	// The work done in the slice: seg_done before seg_start_ns, then rate_q per ns. Only a
	// stream (a job streaming memory) changes rate; others keep kFullRate, work = time.
	u64 rate_q = kFullRate;
	u64 seg_start_ns = 0;
	u64 seg_done = 0;
	u64 demand = 0;	  // a stream's bytes/s alone (MemoryBus::demand_of)
	u64 rate_bps = 0; // the bus's rate that rate_q was computed from
	bool streaming = false;
	// The pending wake: never later than the slice's end. A stream whose end moves later
	// keeps its earlier wake, which then only arms the new end (arm(), step()): rates change
	// many times in a slice, and re-notifying at each change was most of the model's cost.
	bool wake_pending = false;
	u64 wake_ns = 0;
	sc_core::sc_event wake;

	// Wakes the core at `at` (>= now) unless it wakes no later already.
	void arm(u64 now, u64 at)
	{
		if (wake_pending && wake_ns <= at)
			return;
		if (wake_pending)
			wake.cancel(); // pending and later than at, so not due now: no double run
		wake.notify(ns(at - now));
		wake_pending = true;
		wake_ns = at;
	}

	u64 end_ns() const { return slice_start_ns + slice_ns; }
	u64 run_start_ns() const { return slice_start_ns + overhead_ns; }
	// Work done in the slice by time t (never past the job's remaining work).
	u64 done_at(u64 t) const
	{
		const u64 left = job->cpu_ns - job->served;
		u64 d = seg_done;
		if (t > seg_start_ns)
			d += rate_q == kFullRate
				     ? t - seg_start_ns
				     : static_cast<u64>(
					       (static_cast<unsigned __int128>(t - seg_start_ns) *
						rate_q) >>
					       32);
		return std::min(d, left);
	}
};
} // namespace

struct CpuCluster::Impl {
	u64 slice_ns;
	u64 preempt_ns;
	co_sched *sched;
	MemoryBus *bus;
	std::vector<Core> cores;
	u32 in_sched = 0;
	u64 preemptions = 0;
	Completions done{ "completions" };

	Impl(u32 n, u64 slice, co_sched *s, u64 preempt, MemoryBus *b)
		: slice_ns(slice), preempt_ns(preempt), sched(s), bus(b), cores(n)
	{
	}

	void step(u32 c);
	bool wake_idle_core();
	void preempt(const Job &waking, u64 now);
	// prev_stream: the job whose stream the core's last slice left registered with the bus
	// (end_slice), which the next job's stream replaces or which stops here.
	void start(Core &core, u32 c, u64 now, u64 overhead_ns, Job *prev_stream);
	// Ends core's turn at now: the work done and the core time it took. A stream stays
	// registered: start() replaces or stops it.
	void end_slice(Core &core, u64 now, u64 &work, u64 &ran);
	// The slice's end from now on at its rate: its time budget, or when the work is done.
	void plan(Core &core, u64 now);
	// The bus's rates again after streams started or stopped; moves the ends that change.
	void resettle(u64 now);
	// A streaming core's slice end after its rate changed (or was first given).
	void replan(Core &core, u64 now);
};

CpuCluster::CpuCluster(sc_core::sc_module_name name, u32 cores, u64 slice_ns, co_sched *sched,
		       u64 preempt_ns, MemoryBus *bus)
	: sc_module(name)
{
	if (cores == 0 || slice_ns == 0 || !sched)
		throw std::invalid_argument(std::string("CpuCluster ") + this->name() +
					    ": cores and slice_ns must be >= 1 and sched set");
	impl_ = new Impl(cores, slice_ns, sched, preempt_ns, bus);
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
	if (impl_->bus && job.membw_bytes)
		job.cpu_ns = impl_->bus->alone_ns(job.cpu_ns, job.membw_bytes);
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
			core.arm(now_ns(), now_ns());
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
	u64 work = 0, ran = 0;
	core.wake.cancel();
	core.wake_pending = false;
	core.busy_ns += now - core.slice_start_ns;
	CO_ASSERT(job.served + core.done_at(now) < job.cpu_ns); // the slice would end later
	preemptions++;
	Job *prev_stream = core.streaming ? &job : nullptr;
	end_slice(core, now, work, ran);
	if (end_turn(sched, job, work, ran, job.cpu_ns, in_sched))
		done.at(job, now); // its agent is gone (-ESTALE)
	start(core, worst_c, now, preempt_ns, prev_stream);
}

void CpuCluster::Impl::end_slice(Core &core, u64 now, u64 &work, u64 &ran)
{
	Job &job = *core.job;
	work = core.done_at(now);
	ran = now > core.run_start_ns() ? now - core.run_start_ns() : 0;
	job.run_ns += ran;
	core.streaming = false;
	core.job = nullptr;
}

void CpuCluster::Impl::plan(Core &core, u64 now)
{
	const Job &job = *core.job;
	const u64 from = std::max(now, core.run_start_ns());
	const u64 left = job.cpu_ns - job.served - core.done_at(from);
	const u64 slice_end = core.run_start_ns() + slice_ns; // the turn's time budget
	CO_ASSERT(slice_end >= from);
	u64 end = slice_end;
	if (core.rate_q == kFullRate) {
		end = std::min(slice_end, from + left);
	} else {
		// ceil(left / rate): the first ns at which done_at() reaches left.
		const unsigned __int128 need = static_cast<unsigned __int128>(left) << 32;
		const unsigned __int128 wall = need / core.rate_q + (need % core.rate_q ? 1 : 0);
		if (wall < slice_end - from)
			end = from + static_cast<u64>(wall);
	}
	core.slice_ns = end - core.slice_start_ns;
	core.arm(now, end);
}

void CpuCluster::Impl::resettle(u64 now)
{
	bus->settle(now);
	for (Core &core : cores) // in core order: deterministic
		replan(core, now);
}

void CpuCluster::Impl::replan(Core &core, u64 now)
{
	// A slice that ends now is left alone: its core's process is already due at this
	// instant (a second notification would run it twice), and its work up to now is the old
	// rate's.
	if (core.state != CoreState::Running || !core.streaming || core.end_ns() <= now)
		return;
	const Job &job = *core.job;
	const u64 d = core.demand;
	const u64 r = job.membw_rate;
	CO_ASSERT(r > 0);
	if (r == core.rate_bps)
		return; // same rate, same slice end
	core.rate_bps = r;
	u64 q = kFullRate;
	if (r < d) {
		// r / d in 2^-32, in 64 bits: both lose their low bits alike until r << 32 fits
		// (within 2^-28 of the fraction at DDR rates, below 2^36 B/s).
		u64 rs = r, ds = d;
		while (rs >= (1ull << 31)) {
			rs >>= 1;
			ds >>= 1;
		}
		q = std::max<u64>(1, (rs << 32) / std::max<u64>(1, ds));
	}
	if (q == core.rate_q)
		return;
	const u64 from = std::max(now, core.run_start_ns());
	core.seg_done = core.done_at(from);
	core.seg_start_ns = from;
	core.rate_q = q;
	plan(core, now);
}

// Picks the core's next job (or leaves it idle) and starts its slice after overhead_ns.
void CpuCluster::Impl::start(Core &core, u32 c, u64 now, u64 overhead_ns, Job *prev_stream)
{
	Job *next = pick_job(sched, in_sched, now);
	if (!next) {
		core.state = CoreState::Idle;
		if (prev_stream) { // its bandwidth goes to the others
			bus->stop(*prev_stream, now);
			resettle(now);
		}
		return;
	}
	Job &job = *next;
	job.cpu_core = c;
	core.state = CoreState::Running;
	core.job = &job;
	core.slice_start_ns = now;
	core.overhead_ns = overhead_ns;
	core.rate_q = kFullRate;
	core.seg_start_ns = core.run_start_ns();
	core.seg_done = 0;
	core.streaming = bus && job.membw_bytes;
	if (!core.streaming) {
		core.slice_ns = overhead_ns + std::min(slice_ns, job.cpu_ns - job.served);
		core.arm(now, core.end_ns());
		if (prev_stream) {
			bus->stop(*prev_stream, now);
			resettle(now);
		}
		return;
	}
	core.demand = bus->demand_of(job);
	core.rate_q = 0; // unknown until given: replan() sets it and plans the slice
	core.rate_bps = 0;
	core.slice_ns = overhead_ns + slice_ns; // provisional: ends after now, so it is planned
	// A stream that takes the place of one the kernel would throttle alike (same tenant,
	// demand and quota: most slice ends of a flood) inherits its rate: nothing to settle.
	if (prev_stream && bus->swap(*prev_stream, job, core.demand, now)) {
		replan(core, now);
		return;
	}
	if (prev_stream)
		bus->stop(*prev_stream, now);
	bus->start(job, now);
	resettle(now);
}

void CpuCluster::Impl::step(u32 c)
{
	Core &core = cores[c];
	u64 now = now_ns();
	CO_ASSERT(core.wake_pending && core.wake_ns == now);
	core.wake_pending = false;
	if (core.state == CoreState::Running && now < core.end_ns()) {
		core.arm(now, core.end_ns()); // an early wake: its stream's end moved later
		return;
	}
	Job *prev_stream = nullptr;
	if (core.state == CoreState::Running) {
		Job &job = *core.job;
		CO_ASSERT(now == core.end_ns());
		core.busy_ns += core.slice_ns;
		prev_stream = core.streaming ? &job : nullptr;
		u64 work = 0, ran = 0;
		end_slice(core, now, work, ran);
		// An unfinished job goes back to its lane: the policy decides whether it runs on
		// or yields to a lane that has had less.
		if (end_turn(sched, job, work, ran, job.cpu_ns, in_sched))
			done.at(job, now);
	}
	start(core, c, now, 0, prev_stream);
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
