// See memory_bus.h.
#include "memory_bus.h"

#include "service.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace coconut::devices {

MemoryBus::MemoryBus(const MemoryProfile &profile, u32 channels, co_sched *sched, QuotaOf quota_of)
	: capacity_(profile.channel_bytes_per_s * channels), core_(profile.core_bytes_per_s),
	  step_(profile.throttle_step_bytes_per_s), sched_(sched), quota_of_(std::move(quota_of))
{
	if (channels == 0 || capacity_ == 0 || core_ == 0 || step_ == 0 || step_ > capacity_ ||
	    capacity_ > CO_SCHED_RATE_MAX || !sched ||
	    co_sched_resource_of(sched) != CO_SCHED_RES_MEMBW)
		throw std::invalid_argument("MemoryBus " + profile.name +
					    ": channels, rates and a membw scheduler are required "
					    "(step <= capacity <= 2^44 B/s)");
}

u64 MemoryBus::alone_ns(u64 cpu_ns, u64 membw_bytes) const
{
	return std::max(cpu_ns, membw_bytes ? transfer_ns(membw_bytes, core_) : 0);
}

u64 MemoryBus::demand_of(const Job &job) const
{
	CO_ASSERT(job.membw_bytes > 0 && job.cpu_ns > 0);
	const u64 d = mul_div_ceil(job.membw_bytes, 1000000000ull, job.cpu_ns);
	return std::min(d, core_);
}

void MemoryBus::account(u64 now)
{
	CO_ASSERT(now >= since_ns_);
	moved_ += static_cast<unsigned __int128>(rate_sum_) * (now - since_ns_);
	since_ns_ = now;
}

void MemoryBus::start(Job &job, u64 now)
{
	account(now);
	streams_.push_back(Stream{ &job, demand_of(job) });
	co_sched_stream ks{};
	ks.aid = job.aid;
	ks.demand = streams_.back().demand;
	ks.quota = quota_of_(job.aid);
	ks.lane = ~0u; // no hint yet
	kernel_streams_.push_back(ks);
}

void MemoryBus::stop(Job &job, u64 now)
{
	account(now);
	auto it = std::find_if(streams_.begin(), streams_.end(),
			       [&](const Stream &s) { return s.job == &job; });
	CO_ASSERT(it != streams_.end());
	rate_sum_ -= it->rate;
	job.membw_rate = 0;
	kernel_streams_.erase(kernel_streams_.begin() + (it - streams_.begin()));
	streams_.erase(it);
}

bool MemoryBus::swap(Job &old, Job &next, u64 demand, u64 now)
{
	auto it = std::find_if(streams_.begin(), streams_.end(),
			       [&](const Stream &s) { return s.job == &old; });
	CO_ASSERT(it != streams_.end());
	co_sched_stream &ks = kernel_streams_[static_cast<size_t>(it - streams_.begin())];
	CO_ASSERT(demand == demand_of(next));
	if (old.tenant != next.tenant || it->demand != demand || ks.quota != quota_of_(next.aid))
		return false;
	account(now);
	const u64 rate = it->rate;
	old.membw_rate = 0;
	it->job = &next;
	next.membw_rate = rate;
	if (ks.aid != next.aid) {
		ks.aid = next.aid;
		ks.lane = ~0u; // its lane is found at the next settle
	}
	swaps_++;
	return true;
}

void MemoryBus::settle(u64 now)
{
	account(now);
	settles_++;
	CO_ASSERT(kernel_streams_.size() == streams_.size());
	const int rc = co_sched_throttle(sched_, capacity_, step_, kernel_streams_.data(),
					 static_cast<u32>(kernel_streams_.size()));
	CO_ASSERT(rc == 0); // every streaming AID has a lane (the machine adds them with the CPU's)
	unsigned __int128 asked = 0;
	bool limited = false;
	for (size_t i = 0; i < streams_.size(); i++) {
		asked += kernel_streams_[i].limit;
		limited = limited || kernel_streams_[i].limit < streams_[i].demand;
	}
	throttled_ += limited ? 1 : 0;
	// The controller: what is asked within the limits, scaled down alike when the channels
	// cannot carry it all. At least 1 B/s, so every stream moves.
	rate_sum_ = 0;
	for (size_t i = 0; i < streams_.size(); i++) {
		u64 r = kernel_streams_[i].limit;
		if (asked > capacity_)
			r = static_cast<u64>(static_cast<unsigned __int128>(r) * capacity_ / asked);
		streams_[i].rate = std::max<u64>(1, r);
		streams_[i].job->membw_rate = streams_[i].rate;
		rate_sum_ += streams_[i].rate;
	}
}

u64 MemoryBus::bytes_moved(u64 now) const
{
	const unsigned __int128 m =
		moved_ + static_cast<unsigned __int128>(rate_sum_) * (now - since_ns_);
	return static_cast<u64>(m / 1000000000u);
}

} // namespace coconut::devices
