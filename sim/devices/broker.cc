// See broker.h. One replica per (gpu, partition). The partition's executor asks for an
// iteration (run_iteration); the replica builds the batch from its token scheduler, charges
// each pick, and returns the roofline time. At the iteration's end (the replica's own timer,
// or lazily at the next run_iteration/cancel/loss at that same ns, whichever runs first) the
// tokens are applied, finished sequences complete, and the rest go back to their lanes.
#include "broker.h"

#include "broker_admission.h"
#include "broker_cost.h"
#include "broker_kv.h"

#include "completions.h"
#include "sc_context.h"
#include "service.h"

#include <algorithm>
#include <functional>
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>

namespace coconut::devices {

using coconut::sim::now_ns;
using coconut::sim::ns;

namespace {

struct Pick {
	Job *job; // nullptr once cancelled
	u32 prefill_tokens;
	u32 decode_tokens;
	u64 offset; // the chunk's offset (prefill) or the context read (decode)
};

struct Replica {
	Gpu *gpu = nullptr;
	u32 g = 0;
	u32 p = 0;
	co_sched *sched = nullptr;
	bool lost = false;
	u32 in_sched = 0;
	std::unique_ptr<BrokerCost> cost; // the partition's iteration cost
	std::unique_ptr<KvCache> kv;	  // the partition's KV cache
	bool in_iteration = false;
	u64 iter_end_ns = 0;
	u64 iter_tokens = 0;
	std::vector<Pick> batch; // capacity reused across iterations
	sc_core::sc_event end;
};

// The context job's step needs held: a prefill holds its whole target from its first chunk
// on (vLLM allocates a prompt's blocks when it admits it), a decode the token it appends.
u64 kv_tokens_for(const Job &job, const SeqStep &step)
{
	return step.prefill ? prefill_target(job) : step.offset + 1;
}

} // namespace

struct InferenceBroker::Impl {
	BrokerParams params;
	std::vector<Gpu *> gpus;
	std::vector<std::vector<std::unique_ptr<Replica>>> replicas;
	Completions done{ "completions" };
	u64 iterations = 0;
	u64 tokens_processed = 0;
	u64 preemptions = 0;
	u64 kv_waits = 0; // steps that waited for KV blocks

	Replica *find(u32 g, u32 p) const
	{
		if (g >= replicas.size() || p >= replicas[g].size())
			return nullptr;
		return replicas[g][p].get();
	}
	bool is_lost(const Replica &r) const { return r.lost || r.gpu->partition(r.p).lost; }
	u64 alone_ns(const Replica &r, u32 prompt, u32 gen) const;
	void finalize_if_due(Replica &r);
	void pick_round(Replica &r, BatchAdmission &admit, bool by_share, u64 now);
	void grow_cut_chunks(Replica &r, BatchAdmission &admit);
	SeqStep fit_kv(Replica &r, const Job &job, SeqStep step, bool by_share);
	Job *preemption_victim(const Replica &r, const Job &for_job, bool by_share) const;
	void preempt(Replica &r, Job &victim);
	// Completes a job now (its KV cache freed): with rc 0 it finished, else it failed.
	void finish(Job &job, u64 now)
	{
		if (Replica *r = find(job.gpu, job.partition))
			r->kv->release(job);
		done.at(job, now);
	}
	void fail(Job &job, int rc, u64 now)
	{
		job.rc = rc;
		finish(job, now);
	}
};

InferenceBroker::InferenceBroker(sc_core::sc_module_name name, const BrokerParams &params,
				 const std::vector<Gpu *> &gpus,
				 const std::vector<std::vector<co_sched *>> &token_scheds)
	: sc_module(name)
{
	std::string who = std::string("InferenceBroker ") + this->name();
	if (params.memory_percent == 0 || params.memory_percent > 100)
		throw std::invalid_argument(who + ": memory_percent must be 1..100");
	if (params.batch_tokens == 0 || params.max_seqs == 0 || params.model.params == 0 ||
	    params.model.bytes_per_param == 0 || params.model.layers == 0 ||
	    params.model.hidden == 0)
		throw std::invalid_argument(who +
					    ": batch_tokens, max_seqs and the model's params, "
					    "bytes per param, layers and hidden size must be >= 1");
	if (token_scheds.size() != gpus.size())
		throw std::invalid_argument(who + ": token_scheds needs one row per GPU");
	for (std::size_t g = 0; g < gpus.size(); g++) {
		const Gpu *gpu = gpus[g];
		if (!gpu || gpu->index() != g)
			throw std::invalid_argument(who + ": gpus[" + std::to_string(g) +
						    "] must be the GPU with index " +
						    std::to_string(g));
		if (token_scheds[g].size() != gpu->partitions())
			throw std::invalid_argument(who + ": token_scheds[" + std::to_string(g) +
						    "] needs one scheduler per partition");
		for (co_sched *s : token_scheds[g])
			if (!s)
				throw std::invalid_argument(who +
							    ": a partition has no token scheduler");
	}

	impl_ = new Impl;
	impl_->params = params;
	impl_->gpus = gpus;
	impl_->replicas.resize(gpus.size());
	for (u32 g = 0; g < gpus.size(); g++) {
		for (u32 p = 0; p < gpus[g]->partitions(); p++) {
			auto r = std::make_unique<Replica>();
			r->gpu = gpus[g];
			r->g = g;
			r->p = p;
			r->sched = token_scheds[g][p];
			r->batch.reserve(params.max_seqs);
			// The partition's share of the GPU is its HBM over the GPU's.
			r->cost = std::make_unique<BrokerCost>(gpus[g]->profile(), params.model,
							       gpus[g]->partition(p).hbm_bytes,
							       gpus[g]->profile().hbm_bytes,
							       params.batch_tokens);
			// The KV cache: the engine's share of the partition's HBM less the weights
			// (none when the weights do not fit: every request there fails -E2BIG; the
			// scenario loader refuses such a broker when the scenario sets one).
			const u64 engine_bytes =
				(u64)((unsigned __int128)gpus[g]->partition(p).hbm_bytes *
				      params.memory_percent / 100);
			const u64 weights_bytes =
				params.model.params * params.model.bytes_per_param;
			r->kv = std::make_unique<KvCache>(
				engine_bytes > weights_bytes
					? (engine_bytes - weights_bytes) /
						  params.model.kv_bytes_per_token
					: 0);
			Replica *rp = r.get();
			Impl *impl = impl_;
			spawn_method(("replica_g" + std::to_string(g) + "p" + std::to_string(p))
					     .c_str(),
				     rp->end, [impl, rp] { impl->finalize_if_due(*rp); });
			impl_->replicas[g].push_back(std::move(r));
			gpus[g]->attach_broker(p, this);
		}
	}
}

InferenceBroker::~InferenceBroker()
{
	delete impl_;
}

// A lone sequence: prefill in chunks of up to batch_tokens at growing offsets, the last chunk
// yields the first generated token, then one decode iteration per further token, each reading
// the context so far. Without a prompt every generated token takes a decode iteration.
u64 InferenceBroker::Impl::alone_ns(const Replica &r, u32 prompt, u32 gen) const
{
	u64 t = 0;
	for (u32 filled = 0; filled < prompt;) {
		const u32 chunk = std::min(prompt - filled, params.batch_tokens);
		BatchShape b;
		b.add_prefill(chunk, filled);
		t += r.cost->iteration_ns(b);
		filled += chunk;
	}
	u32 generated = 0;
	if (prompt > 0 && gen > 0)
		generated = 1;
	for (; generated < gen; generated++) { // bounded by gen
		BatchShape b;
		b.add_decode(static_cast<u64>(prompt) + generated);
		t += r.cost->iteration_ns(b);
	}
	return t;
}

u64 InferenceBroker::full_rate_units_per_s(u32 gpu, u32 partition) const
{
	const Replica *r = impl_->find(gpu, partition);
	if (!r)
		return 0;
	const BrokerParams &bp = impl_->params;
	BatchShape full;
	full.add_prefill(bp.batch_tokens, 0);
	return mul_div_ceil((u64)bp.batch_tokens * bp.prompt_token_weight, 1000000000ull,
			    r->cost->iteration_ns(full));
}

u64 InferenceBroker::alone_ns(u32 gpu, u32 partition, u32 prompt_tokens, u32 gen_tokens) const
{
	const Replica *r = impl_->find(gpu, partition);
	return r ? impl_->alone_ns(*r, prompt_tokens, gen_tokens) : 0;
}

void InferenceBroker::submit(Job &job)
{
	u64 now = now_ns();
	begin_job(job, now); // served: prompt tokens prefilled; phase: tokens generated
	Replica *r = impl_->find(job.gpu, job.partition);
	if (!r) {
		impl_->fail(job, -ENODEV, now);
		return;
	}
	if (job.prompt_tokens == 0 && job.gen_tokens == 0) {
		impl_->fail(job, -EINVAL, now);
		return;
	}
	job.alone_ns = impl_->alone_ns(*r, job.prompt_tokens, job.gen_tokens);
	if (impl_->is_lost(*r)) {
		impl_->fail(job, -EIO, now);
		return;
	}
	if (!r->kv->fits(static_cast<u64>(job.prompt_tokens) + job.gen_tokens)) {
		impl_->fail(job, -E2BIG, now); // longer than the whole KV cache: it could never run
		return;
	}
	const BrokerParams &bp = impl_->params;
	job.entity.ent.cost =
		job.prompt_tokens > 0
			? static_cast<u64>(std::min(job.prompt_tokens, bp.batch_tokens)) *
				  bp.prompt_token_weight
			: bp.gen_token_weight;
	if (int rc = co_sched_enqueue(r->sched, &job.entity.ent); rc != 0) {
		impl_->fail(job, rc, now); // no lane for this AID
		return;
	}
	r->in_sched++;
	r->gpu->notify_inference_ready(r->p);
}

void InferenceBroker::Impl::finalize_if_due(Replica &r)
{
	u64 now = now_ns();
	if (!r.in_iteration || r.iter_end_ns > now)
		return;
	CO_ASSERT(r.iter_end_ns == now);
	r.in_iteration = false;
	iterations++;
	tokens_processed += r.iter_tokens;
	// Apply in pick order (completions at the same ns keep that order), then put the
	// unfinished back in reverse pick order so each lane's head is its oldest again.
	std::size_t unfinished = 0;
	for (Pick &pk : r.batch) {
		if (!pk.job)
			continue;
		Job &job = *pk.job;
		if (pk.prefill_tokens > 0) {
			job.served += pk.prefill_tokens;
			if (job.served == prefill_target(job) && job.phase < job.gen_tokens)
				job.phase++; // the last prefill chunk yields the next token
		}
		job.phase += pk.decode_tokens;
		if (job.phase > 0 && job.first_token_ns == 0)
			job.first_token_ns = now;
		if (job.served >= prefill_target(job) && job.phase >= job.gen_tokens) {
			pk.job = nullptr;
			finish(job, now);
		} else {
			unfinished++;
		}
	}
	for (auto it = r.batch.rbegin(); unfinished > 0 && it != r.batch.rend(); ++it) {
		if (!it->job)
			continue;
		int rc = co_sched_putback(r.sched, &it->job->entity.ent);
		unfinished--;
		if (rc == -ENOENT) {
			// Its agent terminated during the iteration (exit, kill): no lane to go
			// back to, the sequence ends here.
			fail(*it->job, -ESTALE, now);
			continue;
		}
		CO_ASSERT(rc == 0);
		r.in_sched++;
	}
	r.batch.clear();
}

// One round of picks: each pick goes in (as much as the admission allows) or is put back and
// its tenant held (fair) or ends the batch (fifo, per-process: it is full). Releases the holds
// at the end. Bounded: each pass takes a sequence into the
// batch or holds a tenant (at most max_seqs of the first and, since a held tenant's picks
// stop, as many of the second).
void InferenceBroker::Impl::pick_round(Replica &r, BatchAdmission &admit, bool by_share, u64 now)
{
	for (u32 passes = 0; !admit.full() && passes < 2 * params.max_seqs + CO_SCHED_TENANTS_MAX;
	     passes++) {
		co_sched_entity *e = co_sched_pick(r.sched);
		if (!e)
			break;
		r.in_sched--;
		Job &job = *job_of(e);
		SeqStep step = admit.offer(job);
		if (step.prefill || step.decode)
			step = fit_kv(r, job, step, by_share);
		if (!step.prefill && !step.decode) {
			const int rc = co_sched_putback(r.sched, e);
			CO_ASSERT(rc == 0);
			r.in_sched++;
			if (!by_share)
				break; // fifo, per-process: the batch is full
			const int hrc = co_sched_tenant_hold(r.sched, job.tenant);
			CO_ASSERT(hrc == 0);
			continue;
		}
		if (job.served == 0 && job.phase == 0)
			job.start_ns = now;
		co_sched_charge(r.sched, job.aid,
				static_cast<u64>(step.prefill) * params.prompt_token_weight +
					static_cast<u64>(step.decode) * params.gen_token_weight);
		admit.take(job, step);
		r.kv->grow(job, kv_tokens_for(job, step));
		r.batch.push_back(Pick{ &job, step.prefill, step.decode, step.offset });
	}
	if (by_share)
		co_sched_release_holds(r.sched);
}

// A later round: chunks cut short by their tenant's share grow by what the new share allows.
void InferenceBroker::Impl::grow_cut_chunks(Replica &r, BatchAdmission &admit)
{
	for (Pick &pk : r.batch) { // bounded by max_seqs
		if (admit.full())
			return;
		if (pk.prefill_tokens == 0 ||
		    pk.offset + pk.prefill_tokens >= prefill_target(*pk.job))
			continue;
		SeqStep step{ pk.prefill_tokens, 0, pk.offset };
		const u32 extra = admit.extension(*pk.job, step); // its blocks are held already
		if (extra == 0)
			continue;
		co_sched_charge(r.sched, pk.job->aid,
				static_cast<u64>(extra) * params.prompt_token_weight);
		admit.grow(*pk.job, step, extra);
		pk.prefill_tokens = step.prefill;
	}
}

// Makes room in the KV cache for job's step: from the free blocks, else by preempting the
// sequences the policy lets it take from (preemption_victim). A sequence that holds nothing yet
// starts only with its whole prompt's blocks free and the watermark left for the running
// sequences' next tokens; otherwise it waits, and so does a decode that finds no block.
// Bounded: each preemption frees a holder's blocks, and there are finitely many holders.
SeqStep InferenceBroker::Impl::fit_kv(Replica &r, const Job &job, SeqStep step, bool by_share)
{
	const u64 more = r.kv->more_needed(job, kv_tokens_for(job, step));
	const u64 want = more + (job.kv_blocks == 0 && more > 0 ? r.kv->watermark_blocks() : 0);
	// The first pick goes in with what it needs (the watermark is for later picks' sake):
	// preempting for the watermark too would throw away work for nothing.
	const u64 target = r.batch.empty() ? more : want;
	for (std::size_t i = 0, n = r.kv->holders().size(); target > r.kv->free_blocks() && i < n;
	     i++) {
		Job *victim = preemption_victim(r, job, by_share);
		if (!victim)
			break;
		preempt(r, *victim);
	}
	if (more <= r.kv->free_blocks() && (want <= r.kv->free_blocks() || r.batch.empty()))
		return step;
	kv_waits++;
	return SeqStep{};
}

// Whose KV cache job may take: never a sequence in the batch being formed (or itself). The
// first pick of a batch may take anyone's: no iteration is empty while work waits (every
// request fits the cache alone, checked at submit). Otherwise, as vLLM orders its running
// queue, a running sequence takes from its own tenant's later arrivals (all of them one
// tenant's under fifo and per-process); under fair a tenant with credit (under its share) also
// takes from the tenants without, the one most over its share (the highest counter) first.
// Among equals, the latest arrival.
Job *InferenceBroker::Impl::preemption_victim(const Replica &r, const Job &for_job,
					      bool by_share) const
{
	const bool first = r.batch.empty();
	co_sched_stats st{};
	co_sched_get_stats(r.sched, &st);
	const auto counter = [&](const Job &j) {
		co_sched_tenant_info info{};
		const int rc = co_sched_get_tenant_info(r.sched, j.tenant, &info);
		CO_ASSERT(rc == 0);
		return info.counter;
	};
	const auto later = [](const Job &a, const Job &b) {
		return a.submit_ns != b.submit_ns ? a.submit_ns > b.submit_ns : a.id > b.id;
	};
	const bool credit = by_share && counter(for_job) < st.vtime;
	const bool running = for_job.kv_blocks > 0;
	// The batch's jobs, sorted once: each holder is looked up in it (a scan per holder made
	// this O(holders x batch), the broker's largest cost with many tenants waiting).
	std::vector<const Job *> in_batch;
	in_batch.reserve(r.batch.size());
	for (const Pick &pk : r.batch)
		in_batch.push_back(pk.job);
	std::sort(in_batch.begin(), in_batch.end(), std::less<const Job *>());
	Job *best = nullptr;
	u64 best_counter = 0;
	for (Job *h : r.kv->holders()) { // bounded by the holders
		if (h == &for_job || std::binary_search(in_batch.begin(), in_batch.end(), h,
							std::less<const Job *>()))
			continue;
		const u64 c = by_share ? counter(*h) : 0;
		const bool own_later =
			running && later(*h, for_job) && (!by_share || h->tenant == for_job.tenant);
		const bool over_share = credit && c >= st.vtime;
		if (!first && !own_later && !over_share)
			continue;
		if (!best || c > best_counter || (c == best_counter && later(*h, *best))) {
			best = h;
			best_counter = c;
		}
	}
	return best;
}

// Takes victim's KV cache: it stays queued where it is, and its next turn prefills its prompt
// and the tokens it had generated again (vLLM's recompute preemption; swapping to host memory
// is not modelled).
void InferenceBroker::Impl::preempt(Replica &r, Job &victim)
{
	r.kv->release(victim);
	victim.recompute = victim.phase;
	victim.served = 0;
	victim.preemptions++;
	preemptions++;
}

// Forms the batch: sequences in the policy's order while BatchAdmission lets them in (the
// batch limits; under fair, the tenant rules of broker_admission.h). A sequence it refuses waits
// in place (no charge) and its tenant is held for the rest of the round. Under fair, when the
// round ends with room left because tenants reached their shares, the next round grows the
// chunks it cut short, then picks again with each tenant's share added once more.
u64 InferenceBroker::run_iteration(u32 gpu, u32 partition)
{
	Replica *r = impl_->find(gpu, partition);
	CO_ASSERT(r != nullptr);
	if (impl_->is_lost(*r))
		return 0;
	impl_->finalize_if_due(*r);
	CO_ASSERT(!r->in_iteration); // the executor runs one item at a time
	const BrokerParams &bp = impl_->params;
	const u64 now = now_ns();
	const bool by_share = co_sched_policy_of(r->sched) == CO_SCHED_FAIR;
	BatchAdmission admit(*r->cost, bp.batch_tokens, bp.max_seqs, by_share, r->sched);
	// Bounded: kAdmissionRoundsMax rounds at most (in practice one to three).
	for (u32 round = 0; round < kAdmissionRoundsMax; round++) {
		if (round > 0)
			impl_->grow_cut_chunks(*r, admit);
		impl_->pick_round(*r, admit, by_share, now);
		if (!by_share || admit.full() || !admit.next_round())
			break;
	}
	if (r->batch.empty())
		return 0;
	const u64 d = r->cost->iteration_ns(admit.shape());
	r->in_iteration = true;
	r->iter_end_ns = now + d;
	r->iter_tokens = admit.shape().tokens;
	r->end.notify(ns(d));
	return d;
}

bool InferenceBroker::cancel(Job &job, int rc)
{
	if (job.stage != Stage::Inference)
		return false;
	Replica *r = impl_->find(job.gpu, job.partition);
	if (!r)
		return false;
	u64 now = now_ns();
	impl_->finalize_if_due(*r); // a sequence that finishes exactly now is not cancelled
	if (co_sched_cancel(r->sched, &job.entity.ent) == 0) {
		r->in_sched--;
		impl_->fail(job, rc, now); // frees the KV cache it may hold
		return true;
	}
	if (r->in_iteration) {
		for (Pick &pk : r->batch) {
			if (pk.job == &job) {
				// Its tokens in this iteration are wasted work: the batch runs on.
				pk.job = nullptr;
				impl_->fail(job, rc, now);
				return true;
			}
		}
	}
	return false;
}

void InferenceBroker::partition_lost(u32 gpu, u32 partition)
{
	Replica *r = impl_->find(gpu, partition);
	if (!r || r->lost)
		return;
	u64 now = now_ns();
	impl_->finalize_if_due(*r);
	r->lost = true;
	r->end.cancel();
	if (r->in_iteration) {
		for (Pick &pk : r->batch)
			if (pk.job)
				impl_->fail(*pk.job, -EIO, now);
		r->batch.clear();
		r->in_iteration = false;
	}
	while (co_sched_entity *e = co_sched_pick(r->sched)) {
		r->in_sched--;
		impl_->fail(*job_of(e), -EIO, now);
	}
	CO_ASSERT(r->in_sched == 0);
}

u64 InferenceBroker::iterations() const
{
	return impl_->iterations;
}

u64 InferenceBroker::tokens_processed() const
{
	return impl_->tokens_processed;
}

u32 InferenceBroker::cut_in_batch(u32 gpu, u32 partition, u32 tenant) const
{
	const Replica *r = impl_->find(gpu, partition);
	u32 n = 0;
	if (r && r->in_iteration)
		for (const Pick &pk : r->batch) // bounded by max_seqs
			n += pk.job && pk.job->tenant == tenant && pk.prefill_tokens > 0 &&
			     pk.offset + pk.prefill_tokens < prefill_target(*pk.job);
	return n;
}

u64 InferenceBroker::preemptions() const
{
	return impl_->preemptions;
}

u64 InferenceBroker::kv_waits() const
{
	return impl_->kv_waits;
}

u64 InferenceBroker::kv_capacity_tokens() const
{
	u64 n = 0;
	for (const auto &row : impl_->replicas)
		for (const auto &r : row)
			n += r->kv->capacity_blocks() * kKvBlockTokens;
	return n;
}

u64 InferenceBroker::kv_peak_used_tokens() const
{
	u64 n = 0;
	for (const auto &row : impl_->replicas)
		for (const auto &r : row)
			n = std::max(n, r->kv->peak_used_blocks() * kKvBlockTokens);
	return n;
}

u64 InferenceBroker::completed() const
{
	return impl_->done.delivered();
}

u32 InferenceBroker::queued() const
{
	u32 n = 0;
	for (const auto &row : impl_->replicas)
		for (const auto &r : row)
			n += r->in_sched;
	return n;
}

} // namespace coconut::devices
