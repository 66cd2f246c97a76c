// See pcie_link.h. The link's wire is one spawned SC_METHOD: at the end of each turn it charges
// the turn's bytes to the lane, puts an unfinished transfer back in its place, and picks again.
// An arrival may end a turn early (rearbitrate()). A transfer's demand on the wire is its bytes
// plus the per-copy overhead (copy_overhead_ns, in the bytes the link moves in that time): the
// copy engine is busy with it, so a stream of small copies runs far below the bandwidth, and the
// overhead is charged to the tenant like bytes (a flood of tiny copies pays for the wire time it
// takes). A transfer whose last byte has left completes latency_ns later; the latency is
// pipelined (the wire is free for the next turn meanwhile). Completion is a BEGIN_RESP on the backward path, sent by the link's completion
// queue at exactly done_ns.
#include "pcie_link.h"

#include "completions.h"
#include "sc_context.h"
#include "service.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace coconut::devices {

using coconut::sim::now_ns;
using coconut::sim::ns;

namespace {

// The Job a transfer belongs to, carried in the payload (both ends of the socket are ours).
struct JobExtension : tlm::tlm_extension<JobExtension> {
	Job *job = nullptr;
	tlm::tlm_extension_base *clone() const override
	{
		auto *e = new JobExtension;
		e->job = job;
		return e;
	}
	void copy_from(const tlm::tlm_extension_base &other) override
	{
		job = static_cast<const JobExtension &>(other).job;
	}
};

Job &job_in(tlm::tlm_generic_payload &trans)
{
	JobExtension *ext = nullptr;
	trans.get_extension(ext);
	CO_ASSERT(ext && ext->job);
	return *ext->job;
}

// A DMA descriptor points at data the link never reads (timing only): one small buffer serves
// every payload.
unsigned char g_scratch[64];

constexpr u64 kNsPerS = 1000000000ull;

enum class WireState : std::uint8_t { Idle, Woken, Busy };

} // namespace

struct PcieLink::Impl {
	PcieLink &link;
	PcieProfile profile;
	co_sched *sched;
	u32 percent = 100;
	u32 in_sched = 0;
	u64 busy_ns = 0;
	u64 bytes_moved = 0;
	u64 turns = 0;
	u64 preemptions = 0;

	WireState state = WireState::Idle;
	Job *chunk_job = nullptr;
	u64 turn_units = 0; // the turn on the wire: overhead and bytes
	u64 chunk_start_ns = 0;
	u64 chunk_ns = 0;
	u32 chunk_percent = 100; // the rate the turn on the wire runs at
	sc_core::sc_event wire;

	// Payload of every transfer between its BEGIN_REQ and its BEGIN_RESP; looked up, never
	// iterated.
	std::unordered_map<const Job *, tlm::tlm_generic_payload *> in_flight;
	Completions done;

	// The per-copy overhead in wire units (bytes at the nominal rate), rounded up.
	const u64 overhead_units;

	Impl(PcieLink &l, const PcieProfile &p, co_sched *s)
		: link(l), profile(p), sched(s), done("completions", &Impl::respond, this),
		  overhead_units(mul_div_ceil(p.copy_overhead_ns, p.bytes_per_s, kNsPerS))
	{
	}
	// A transfer's demand on the wire: its bytes and the copy's overhead.
	u64 demand(const Job &job) const { return job.bytes + overhead_units; }
	// Of `units` served from `served_before` on, how many were the transfer's bytes (the
	// overhead comes first: the engine sets the copy up before it moves data).
	u64 data_bytes(u64 served_before, u64 units) const
	{
		const u64 after = served_before + units;
		const u64 data_after = after > overhead_units ? after - overhead_units : 0;
		const u64 data_before =
			served_before > overhead_units ? served_before - overhead_units : 0;
		return data_after - data_before;
	}

	// Duration of `bytes` on the wire at `pct` % of nominal bandwidth, rounded up.
	u64 wire_ns(u64 bytes, u32 pct) const
	{
		return div_ceil_u128(static_cast<unsigned __int128>(bytes) * kNsPerS * 100u,
				     static_cast<unsigned __int128>(profile.bytes_per_s) * pct);
	}
	void step();
	void start(u64 now);
	void end_chunk(u64 now, u64 bytes, u64 elapsed_ns);
	void rearbitrate(const Job &arrived, u64 now);
	void cut_turn(u64 now);
	void kick();
	static void respond(void *ctx, Job &job, void *tag);
};

PcieLink::PcieLink(sc_core::sc_module_name name, const PcieProfile &profile, co_sched *sched)
	: sc_module(name), target("target")
{
	if (profile.bytes_per_s == 0 || profile.chunk_bytes == 0 || !sched)
		throw std::invalid_argument(
			std::string("PcieLink ") + this->name() + " (profile " + profile.name +
			"): bytes_per_s and chunk_bytes must be > 0 and sched set");
	impl_ = new Impl(*this, profile, sched);
	target.register_nb_transport_fw(this, &PcieLink::nb_transport_fw);
	Impl *impl = impl_;
	spawn_method("wire", impl_->wire, [impl] { impl->step(); });
}

PcieLink::~PcieLink()
{
	delete impl_;
}

tlm::tlm_sync_enum PcieLink::nb_transport_fw(tlm::tlm_generic_payload &trans, tlm::tlm_phase &phase,
					     sc_core::sc_time &delay)
{
	CO_ASSERT(phase == tlm::BEGIN_REQ);
	(void)delay;
	Job &job = job_in(trans);
	u64 now = now_ns();
	trans.acquire();
	CO_ASSERT(impl_->in_flight.find(&job) == impl_->in_flight.end());
	impl_->in_flight.emplace(&job, &trans);
	// (the DmaEngine has reset the job: begin_job)
	job.entity.ent.cost = std::min(impl_->demand(job), impl_->profile.chunk_bytes);
	if (job.bytes == 0) {
		impl_->done.at(job, now + impl_->profile.latency_ns, &trans);
	} else if (int rc = co_sched_enqueue(impl_->sched, &job.entity.ent); rc != 0) {
		job.rc = rc; // no lane for this AID: the caller's mistake, reported on the job
		impl_->done.at(job, now, &trans);
	} else {
		impl_->in_sched++;
		impl_->kick();
		impl_->rearbitrate(job, now);
	}
	// Accept the request at once (END_REQ): the link queues without limit, so the next
	// transfer may be sent right away without breaking the base protocol's request rule.
	phase = tlm::END_REQ;
	return tlm::TLM_UPDATED;
}

void PcieLink::Impl::kick()
{
	if (state != WireState::Idle)
		return;
	state = WireState::Woken;
	wire.notify(sc_core::SC_ZERO_TIME);
}

void PcieLink::Impl::step()
{
	u64 now = now_ns();
	if (state == WireState::Busy) {
		CO_ASSERT(now == chunk_start_ns + chunk_ns);
		end_chunk(now, turn_units, chunk_ns);
	}
	start(now);
}

// Ends the turn on the wire after it served `units` (overhead first, then bytes) in elapsed_ns:
// charges them, completes the transfer or puts the rest back.
void PcieLink::Impl::end_chunk(u64 now, u64 units, u64 elapsed_ns)
{
	Job &job = *chunk_job;
	bytes_moved += data_bytes(job.served, units);
	busy_ns += elapsed_ns;
	chunk_job = nullptr;
	state = WireState::Idle;
	if (end_turn(sched, job, units, demand(job), in_sched))
		done.at(job, now + profile.latency_ns, in_flight.at(&job));
}

// Picks the next transfer and starts its turn: to its end when nobody else could be served
// meanwhile (an arrival re-arbitrates), else one chunk.
void PcieLink::Impl::start(u64 now)
{
	Job *next = pick_job(sched, in_sched, now);
	if (!next) {
		state = WireState::Idle;
		return;
	}
	Job &job = *next;
	const u64 rest = demand(job) - job.served;
	state = WireState::Busy;
	chunk_job = &job;
	turn_units = co_sched_contended(sched, &job.entity.ent)
			     ? std::min(profile.chunk_bytes, rest)
			     : rest;
	chunk_start_ns = now;
	chunk_percent = percent; // a turn runs at the rate it started with
	chunk_ns = wire_ns(turn_units, chunk_percent);
	turns++;
	wire.notify(ns(chunk_ns));
}

// A transfer arrived while the wire is busy. The turn on the wire ends now when the arrival
// would preempt it, or when it was an uncontended turn longer than a chunk (it is contended
// now); the bytes it moved so far (at the turn's rate, rounded down) are charged.
void PcieLink::Impl::rearbitrate(const Job &arrived, u64 now)
{
	if (state != WireState::Busy || now >= chunk_start_ns + chunk_ns)
		return; // idle, or the turn ends now anyway
	const Job &on_wire = *chunk_job;
	const bool preempts = co_sched_wakeup_preempts(sched, arrived.aid, on_wire.aid);
	if (!preempts && turn_units <= profile.chunk_bytes)
		return;
	if (!preempts && !co_sched_contended(sched, &on_wire.entity.ent))
		return;
	preemptions += preempts;
	cut_turn(now);
}

// Ends the turn on the wire now (before its end): the units it served so far (overhead, then
// bytes), at the turn's rate and rounded down, are charged; the policy picks again.
void PcieLink::Impl::cut_turn(u64 now)
{
	CO_ASSERT(state == WireState::Busy && now < chunk_start_ns + chunk_ns);
	const u64 elapsed = now - chunk_start_ns;
	const u64 units = (u64)((unsigned __int128)elapsed * profile.bytes_per_s * chunk_percent /
				(kNsPerS * 100u));
	CO_ASSERT(units < turn_units); // the turn's end is later than now
	wire.cancel();
	end_chunk(now, units, elapsed);
	start(now);
}

// The response goes back on the backward path; the initiator hands the job to its sink.
void PcieLink::Impl::respond(void *ctx, Job &job, void *tag)
{
	Impl &impl = *static_cast<Impl *>(ctx);
	auto &trans = *static_cast<tlm::tlm_generic_payload *>(tag);
	// Forget the job before the callback: its sink may submit the same Job object again.
	impl.in_flight.erase(&job);
	trans.set_response_status(job.rc == 0 ? tlm::TLM_OK_RESPONSE
					      : tlm::TLM_GENERIC_ERROR_RESPONSE);
	tlm::tlm_phase phase = tlm::BEGIN_RESP;
	sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
	tlm::tlm_sync_enum status = impl.link.target->nb_transport_bw(trans, phase, delay);
	CO_ASSERT(status == tlm::TLM_COMPLETED);
	trans.release();
}

void PcieLink::set_bandwidth_percent(u32 percent)
{
	if (percent < 1 || percent > 100)
		throw std::invalid_argument(std::string("PcieLink ") + name() +
					    ": bandwidth percent must be 1..100, got " +
					    std::to_string(percent));
	impl_->percent = percent;
	// A long turn would run at the old rate to its end: the new rate applies from now.
	const u64 now = now_ns();
	if (impl_->state == WireState::Busy && now < impl_->chunk_start_ns + impl_->chunk_ns)
		impl_->cut_turn(now);
}

u32 PcieLink::bandwidth_percent() const
{
	return impl_->percent;
}

// Alone, a transfer is uncontended: one turn, as the wire moves it, so it equals the simulated
// time exactly.
u64 PcieLink::alone_ns(u64 bytes) const
{
	return impl_->profile.latency_ns +
	       (bytes ? impl_->wire_ns(bytes + impl_->overhead_units, 100) : 0);
}

u64 PcieLink::busy_ns() const
{
	u64 busy = impl_->busy_ns;
	if (impl_->state == WireState::Busy)
		busy += now_ns() - impl_->chunk_start_ns;
	return busy;
}

u64 PcieLink::bytes_moved() const
{
	return impl_->bytes_moved;
}

u64 PcieLink::completed() const
{
	return impl_->done.delivered();
}

u32 PcieLink::queued() const
{
	return impl_->in_sched;
}

u64 PcieLink::turns() const
{
	return impl_->turns;
}

u64 PcieLink::preemptions() const
{
	return impl_->preemptions;
}

// ---- DmaEngine ---------------------------------------------------------------------------

struct DmaEngine::Impl : tlm::tlm_mm_interface {
	// Payloads are recycled: one per transfer in flight at most, never one per transfer.
	std::vector<std::unique_ptr<tlm::tlm_generic_payload>> owned;
	std::vector<tlm::tlm_generic_payload *> free_list;

	tlm::tlm_generic_payload *take()
	{
		if (free_list.empty()) {
			owned.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
			owned.back()->set_extension(new JobExtension);
			return owned.back().get();
		}
		tlm::tlm_generic_payload *t = free_list.back();
		free_list.pop_back();
		return t;
	}
	void free(tlm::tlm_generic_payload *trans) override { free_list.push_back(trans); }
};

DmaEngine::DmaEngine(sc_core::sc_module_name name)
	: sc_module(name), initiator("initiator"), impl_(new Impl)
{
	initiator.register_nb_transport_bw(this, &DmaEngine::nb_transport_bw);
}

DmaEngine::~DmaEngine()
{
	delete impl_;
}

void DmaEngine::submit(Job &job, const PcieLink &link)
{
	begin_job(job, now_ns());
	job.alone_ns = link.alone_ns(job.bytes);

	tlm::tlm_generic_payload *trans = impl_->take();
	JobExtension *ext = nullptr;
	trans->get_extension(ext);
	ext->job = &job;
	trans->set_command(tlm::TLM_WRITE_COMMAND);
	trans->set_address(0);
	trans->set_data_ptr(g_scratch);
	// The descriptor's length (the job carries the full 64-bit size).
	auto len = static_cast<unsigned int>(std::min<u64>(job.bytes, UINT_MAX));
	trans->set_data_length(len);
	trans->set_streaming_width(len);
	trans->set_byte_enable_ptr(nullptr);
	trans->set_dmi_allowed(false);
	trans->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
	trans->acquire();

	tlm::tlm_phase phase = tlm::BEGIN_REQ;
	sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
	tlm::tlm_sync_enum status = initiator->nb_transport_fw(*trans, phase, delay);
	CO_ASSERT(status == tlm::TLM_ACCEPTED ||
		  (status == tlm::TLM_UPDATED && phase == tlm::END_REQ));
}

tlm::tlm_sync_enum DmaEngine::nb_transport_bw(tlm::tlm_generic_payload &trans,
					      tlm::tlm_phase &phase, sc_core::sc_time &delay)
{
	CO_ASSERT(phase == tlm::BEGIN_RESP);
	(void)delay;
	JobExtension *ext = nullptr;
	trans.get_extension(ext);
	CO_ASSERT(ext && ext->job);
	Job &job = *ext->job;
	ext->job = nullptr;
	CO_ASSERT(job.sink != nullptr);
	job.sink->job_done(job);
	trans.release();
	phase = tlm::END_RESP;
	return tlm::TLM_COMPLETED;
}

} // namespace coconut::devices
