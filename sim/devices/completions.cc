// See completions.h.
#include "completions.h"

#include "sc_context.h"
#include "service.h"

#include <algorithm>

namespace coconut::devices {

using coconut::sim::now_ns;
using coconut::sim::ns;

namespace {
void deliver_to_sink(void *, Job &job, void *)
{
	CO_ASSERT(job.sink != nullptr);
	job.sink->job_done(job);
}
} // namespace

Completions::Completions(const char *name, Deliver deliver, void *ctx)
	: deliver_(deliver ? deliver : deliver_to_sink), ctx_(ctx)
{
	spawn_method(name, due_, [this] { fire(); });
}

bool Completions::later(const Due &a, const Due &b)
{
	return a.done_ns != b.done_ns ? a.done_ns > b.done_ns : a.seq > b.seq;
}

void Completions::at(Job &job, u64 done_ns, void *tag)
{
	CO_ASSERT(done_ns >= now_ns());
	job.done_ns = done_ns;
	heap_.push_back(Due{ done_ns, seq_++, &job, tag });
	std::push_heap(heap_.begin(), heap_.end(), later);
	arm();
}

// Notifies for the earliest due job; an earlier pending notification wins over a later one
// (sc_event semantics), and fire() re-arms for whatever is left.
void Completions::arm()
{
	if (heap_.empty())
		return;
	u64 now = now_ns();
	u64 first = heap_.front().done_ns;
	if (first <= now)
		due_.notify(sc_core::SC_ZERO_TIME);
	else
		due_.notify(ns(first - now));
}

void Completions::fire()
{
	u64 now = now_ns();
	// A job_done callback may schedule more work here (at() from a re-entrant submit): pop
	// before delivering, and look at the heap afresh each turn.
	while (!heap_.empty() && heap_.front().done_ns <= now) {
		std::pop_heap(heap_.begin(), heap_.end(), later);
		Due d = heap_.back();
		heap_.pop_back();
		CO_ASSERT(d.done_ns == now);
		delivered_++;
		deliver_(ctx_, *d.job, d.tag);
	}
	arm();
}

} // namespace coconut::devices
