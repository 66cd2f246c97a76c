// See gpu.h. Each partition's executor is one spawned SC_METHOD woken by its own event: when the
// running item (a broker iteration or a compute slice) ends it accounts for it and chooses the
// next: after an iteration a compute slice if one is queued, otherwise an iteration if the
// broker has sequences, otherwise a slice, otherwise it sleeps until a submit or the broker
// wakes it.
#include "gpu.h"

#include "broker.h"
#include "completions.h"
#include "sc_context.h"
#include "service.h"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>

namespace coconut::devices {

using coconut::sim::now_ns;
using coconut::sim::ns;

namespace {
enum class ExecState : std::uint8_t { Idle, Woken, Slice, Iteration };

struct Partition {
	PartitionInfo info;
	// The partition's share of the GPU as a reduced fraction hbm / total_hbm: compute and
	// bandwidth scale with it exactly, without a rounded per-mille in the way.
	u64 share_num = 1;
	u64 share_den = 1;
	co_sched *sched = nullptr;
	InferenceBroker *broker = nullptr;

	ExecState state = ExecState::Idle;
	// GPU time the two kinds of work got (ns), for sharing the partition fairly between the
	// broker's iterations and the compute jobs when both wait: the one behind goes next. A
	// kind that had nothing to do is lifted to the other's count, so idleness is not banked.
	u64 compute_vt_ns = 0;
	u64 infer_vt_ns = 0;
	Job *job = nullptr; // the compute job of the running slice
	u64 item_start_ns = 0;
	u64 item_ns = 0;
	u64 busy_ns = 0;
	u32 in_sched = 0;
	sc_core::sc_event wake;
};
} // namespace

struct Gpu::Impl {
	u32 index;
	GpuProfile profile;
	u64 slice_ns;
	std::vector<std::unique_ptr<Partition>> parts;
	Completions done{ "completions" };

	Impl(u32 i, const GpuProfile &p, u64 slice) : index(i), profile(p), slice_ns(slice) {}

	void step(u32 p);
	void start_slice(Partition &part, u64 now);
	void wake(Partition &part);
	void fail(Job &job, int rc, u64 now)
	{
		job.rc = rc;
		done.at(job, now);
	}
};

Gpu::Gpu(sc_core::sc_module_name name, u32 index, const GpuProfile &profile,
	 const std::vector<u64> &partition_hbm_bytes, const std::vector<co_sched *> &scheds,
	 u64 slice_ns)
	: sc_module(name)
{
	std::string who = std::string("Gpu ") + this->name() + " (profile " + profile.name + ")";
	std::vector<u64> hbm = partition_hbm_bytes;
	if (hbm.empty())
		hbm.push_back(profile.hbm_bytes);
	if (profile.hbm_bytes == 0)
		throw std::invalid_argument(who + ": hbm_bytes must be > 0");
	if (slice_ns == 0)
		throw std::invalid_argument(who + ": slice_ns must be >= 1");
	if (hbm.size() > std::max<u32>(profile.max_partitions, 1))
		throw std::invalid_argument(who + ": " + std::to_string(hbm.size()) +
					    " partitions, the profile allows max_partitions " +
					    std::to_string(profile.max_partitions));
	if (scheds.size() != hbm.size())
		throw std::invalid_argument(who + ": one scheduler per partition needed, got " +
					    std::to_string(scheds.size()) + " for " +
					    std::to_string(hbm.size()));
	u64 sum = 0;
	for (u64 h : hbm) {
		if (h == 0)
			throw std::invalid_argument(who + ": a partition has hbm_bytes 0");
		if (h > profile.hbm_bytes - std::min(sum, profile.hbm_bytes))
			throw std::invalid_argument(
				who +
				": partition hbm_bytes add up to more than the GPU's hbm_bytes " +
				std::to_string(profile.hbm_bytes));
		sum += h;
	}
	for (co_sched *s : scheds)
		if (!s)
			throw std::invalid_argument(who + ": a partition has no scheduler");

	impl_ = new Impl(index, profile, slice_ns);
	for (std::size_t p = 0; p < hbm.size(); p++) {
		auto part = std::make_unique<Partition>();
		u64 g = std::gcd(hbm[p], profile.hbm_bytes);
		part->share_num = hbm[p] / g;
		part->share_den = profile.hbm_bytes / g;
		part->info.hbm_bytes = hbm[p];
		part->info.compute_share_milli = static_cast<u32>(
			static_cast<unsigned __int128>(hbm[p]) * 1000 / profile.hbm_bytes);
		part->sched = scheds[p];
		impl_->parts.push_back(std::move(part));
	}
	for (u32 p = 0; p < impl_->parts.size(); p++) {
		Impl *impl = impl_;
		spawn_method(("partition" + std::to_string(p)).c_str(), impl_->parts[p]->wake,
			     [impl, p] { impl->step(p); });
	}
}

Gpu::~Gpu()
{
	delete impl_;
}

u32 Gpu::index() const
{
	return impl_->index;
}

const GpuProfile &Gpu::profile() const
{
	return impl_->profile;
}

u32 Gpu::partitions() const
{
	return static_cast<u32>(impl_->parts.size());
}

const PartitionInfo &Gpu::partition(u32 p) const
{
	if (p >= impl_->parts.size())
		throw std::out_of_range(std::string("Gpu ") + name() + ": no partition " +
					std::to_string(p));
	return impl_->parts[p]->info;
}

void Gpu::submit(Job &job)
{
	u64 now = now_ns();
	begin_job(job, now);
	if (job.gpu != impl_->index || job.partition >= impl_->parts.size()) {
		impl_->fail(job, -ENODEV, now);
		return;
	}
	Partition &part = *impl_->parts[job.partition];
	// gpu_ns is time on the whole GPU; a partition has share_num/share_den of its compute.
	job.alone_ns = mul_div_ceil(job.gpu_ns, part.share_den, part.share_num);
	if (part.info.lost) {
		impl_->fail(job, -EIO, now);
		return;
	}
	if (job.alone_ns == 0) {
		impl_->done.at(job, now);
		return;
	}
	job.entity.ent.cost = std::min(job.alone_ns, impl_->slice_ns);
	if (int rc = co_sched_enqueue(part.sched, &job.entity.ent); rc != 0) {
		impl_->fail(job, rc, now); // no lane for this AID
		return;
	}
	part.in_sched++;
	impl_->wake(part);
}

void Gpu::Impl::wake(Partition &part)
{
	if (part.state != ExecState::Idle || part.info.lost)
		return;
	part.state = ExecState::Woken;
	part.wake.notify(sc_core::SC_ZERO_TIME);
}

void Gpu::Impl::start_slice(Partition &part, u64 now)
{
	Job *next = pick_job(part.sched, part.in_sched, now);
	CO_ASSERT(next != nullptr);
	Job &job = *next;
	part.state = ExecState::Slice;
	part.job = &job;
	part.item_start_ns = now;
	part.item_ns = std::min(slice_ns, job.alone_ns - job.served);
	part.wake.notify(ns(part.item_ns));
}

void Gpu::Impl::step(u32 p)
{
	Partition &part = *parts[p];
	u64 now = now_ns();
	CO_ASSERT(!part.info.lost);
	if (part.state == ExecState::Slice || part.state == ExecState::Iteration) {
		CO_ASSERT(now == part.item_start_ns + part.item_ns);
		part.busy_ns += part.item_ns;
	}
	if (part.state == ExecState::Slice) {
		Job &job = *part.job;
		part.job = nullptr;
		if (end_turn(part.sched, job, part.item_ns, job.alone_ns, part.in_sched))
			done.at(job, now);
	}
	if (part.state == ExecState::Slice)
		part.compute_vt_ns += part.item_ns;
	else if (part.state == ExecState::Iteration)
		part.infer_vt_ns += part.item_ns;

	const bool compute = part.in_sched > 0;
	if (compute && part.compute_vt_ns < part.infer_vt_ns) {
		start_slice(part, now);
		return;
	}
	u64 d = part.broker ? part.broker->run_iteration(index, p) : 0;
	if (d > 0) {
		if (!compute && part.compute_vt_ns < part.infer_vt_ns)
			part.compute_vt_ns = part.infer_vt_ns;
		part.state = ExecState::Iteration;
		part.item_start_ns = now;
		part.item_ns = d;
		part.wake.notify(ns(d));
	} else if (compute) {
		if (part.infer_vt_ns < part.compute_vt_ns)
			part.infer_vt_ns = part.compute_vt_ns;
		start_slice(part, now);
	} else {
		part.infer_vt_ns = part.compute_vt_ns =
			std::max(part.infer_vt_ns, part.compute_vt_ns);
		part.state = ExecState::Idle;
	}
}

void Gpu::lose_partition(u32 p)
{
	if (p >= impl_->parts.size())
		throw std::out_of_range(std::string("Gpu ") + name() + ": no partition " +
					std::to_string(p) + " to lose");
	Partition &part = *impl_->parts[p];
	if (part.info.lost)
		return;
	u64 now = now_ns();
	part.info.lost = true;
	part.wake.cancel();
	if (part.state == ExecState::Slice || part.state == ExecState::Iteration)
		part.busy_ns += now - part.item_start_ns;
	if (part.state == ExecState::Slice) {
		impl_->fail(*part.job, -EIO, now);
		part.job = nullptr;
	}
	part.state = ExecState::Idle;
	// Everything still queued fails now, in the order the policy would have served it.
	while (co_sched_entity *e = co_sched_pick(part.sched)) {
		part.in_sched--;
		impl_->fail(*job_of(e), -EIO, now);
	}
	CO_ASSERT(part.in_sched == 0);
	if (part.broker)
		part.broker->partition_lost(impl_->index, p);
}

void Gpu::attach_broker(u32 p, InferenceBroker *broker)
{
	if (p >= impl_->parts.size())
		throw std::out_of_range(std::string("Gpu ") + name() + ": no partition " +
					std::to_string(p) + " for the broker");
	impl_->parts[p]->broker = broker;
}

void Gpu::notify_inference_ready(u32 p)
{
	if (p < impl_->parts.size())
		impl_->wake(*impl_->parts[p]);
}

u64 Gpu::busy_ns(u32 p) const
{
	if (p >= impl_->parts.size())
		return 0;
	const Partition &part = *impl_->parts[p];
	u64 busy = part.busy_ns;
	if (part.state == ExecState::Slice || part.state == ExecState::Iteration)
		busy += now_ns() - part.item_start_ns;
	return busy;
}

u64 Gpu::completed() const
{
	return impl_->done.delivered();
}

} // namespace coconut::devices
