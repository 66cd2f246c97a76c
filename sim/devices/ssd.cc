// See ssd.h. One FIFO queue served one job at a time, so a job's times are known at submit:
// it starts when the previous one is done (or now) and takes latency + bytes / bandwidth.
// Only the delivery needs the simulation (the completion queue).
#include "ssd.h"

#include "completions.h"
#include "sc_context.h"
#include "service.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace coconut::devices {

using coconut::sim::now_ns;

struct Ssd::Impl {
	SsdProfile profile;
	u64 free_at_ns = 0; // when the job last queued will be done
	Completions done{ "completions" };

	explicit Impl(const SsdProfile &p) : profile(p) {}
};

Ssd::Ssd(sc_core::sc_module_name name, const SsdProfile &profile) : sc_module(name)
{
	if (profile.read_bytes_per_s == 0)
		throw std::invalid_argument(std::string("Ssd ") + this->name() + " (profile " +
					    profile.name + "): read_bytes_per_s must be > 0");
	impl_ = new Impl(profile);
}

Ssd::~Ssd()
{
	delete impl_;
}

void Ssd::submit(Job &job)
{
	u64 now = now_ns();
	begin_job(job, now);
	job.alone_ns = impl_->profile.read_latency_ns +
		       transfer_ns(job.bytes, impl_->profile.read_bytes_per_s);
	job.start_ns = std::max(now, impl_->free_at_ns);
	impl_->free_at_ns = job.start_ns + job.alone_ns;
	impl_->done.at(job, impl_->free_at_ns);
}

u64 Ssd::completed() const
{
	return impl_->done.delivered();
}

} // namespace coconut::devices
