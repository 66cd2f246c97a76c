// See broker.h. One replica per (gpu, partition). The partition's executor asks for an
// iteration (run_iteration); the replica builds the batch from its token scheduler, charges
// each pick, and returns the roofline time. At the iteration's end (the replica's own timer,
// or lazily at the next run_iteration/cancel/loss at that same ns, whichever runs first) the
// tokens are applied, finished sequences complete, and the rest go back to their lanes.
#include "broker.h"

#include "completions.h"
#include "sc_context.h"
#include "service.h"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>

namespace coconut::devices {

using coconut::sim::now_ns;
using coconut::sim::ns;

namespace {

using u128 = unsigned __int128;
constexpr u64 kNsPerS = 1000000000ull;

u128 mul_checked(u128 a, u128 b)
{
	u128 r;
	CO_ASSERT(!__builtin_mul_overflow(a, b, &r));
	return r;
}

struct Pick {
	Job *job; // nullptr once cancelled
	u32 prefill_tokens;
	u32 decode_tokens;
};

// A tenant's share of one iteration's batch (fair admission): at most `seqs` sequences and
// `tokens` tokens, by its weight among the tenants with work waiting when the batch is formed;
// the whole batch for a tenant with credit (docs/devices.md).
struct TenantBudget {
	u32 tenant;
	bool credit; // used less than its share: not capped, and others may not slow it
	u32 seqs_cap;
	u32 tokens_cap;
	u32 seqs = 0;
	u32 tokens = 0;
};

struct Replica {
	Gpu *gpu = nullptr;
	u32 g = 0;
	u32 p = 0;
	co_sched *sched = nullptr;
	bool lost = false;
	u32 in_sched = 0;

	// The iteration cost's parts, fixed for the replica (Impl::cost_of): t(n) = overhead_ns +
	// max(mem_ns, ceil(n * cmp_per_token / cmp_den)).
	u64 overhead_ns = 0;
	u64 mem_ns = 0;
	unsigned __int128 cmp_per_token = 0;
	unsigned __int128 cmp_den = 1;
	u32 ridge_tokens = 0; // tokens the memory floor hides
	bool in_iteration = false;
	u64 iter_end_ns = 0;
	u64 iter_tokens = 0;
	std::vector<Pick> batch; // capacity reused across iterations
	std::vector<TenantBudget> budgets; // this iteration's, fair admission only; reused
	sc_core::sc_event end;
};

} // namespace

struct InferenceBroker::Impl {
	BrokerParams params;
	std::vector<Gpu *> gpus;
	std::vector<std::vector<std::unique_ptr<Replica>>> replicas;
	Completions done{ "completions" };
	u64 iterations = 0;
	u64 tokens_processed = 0;

	Replica *find(u32 g, u32 p) const
	{
		if (g >= replicas.size() || p >= replicas[g].size())
			return nullptr;
		return replicas[g][p].get();
	}
	bool is_lost(const Replica &r) const { return r.lost || r.gpu->partition(r.p).lost; }
	void cost_of(Replica &r) const;
	u64 iteration_ns(const Replica &r, u64 tokens) const;
	u32 tokens_within(const Replica &r, u64 ns) const;
	u32 admission_room(const Replica &r, const TenantBudget &b, u64 tokens, u64 credit_tokens) const;
	u64 alone_ns(const Replica &r, u32 prompt, u32 gen) const;
	void finalize_if_due(Replica &r);
	TenantBudget &budget_of(Replica &r, u32 tenant, const co_sched_stats &st) const;
	void fail(Job &job, int rc, u64 now)
	{
		job.rc = rc;
		done.at(job, now);
	}
};

InferenceBroker::InferenceBroker(sc_core::sc_module_name name, const BrokerParams &params,
				 const std::vector<Gpu *> &gpus,
				 const std::vector<std::vector<co_sched *>> &token_scheds)
	: sc_module(name)
{
	std::string who = std::string("InferenceBroker ") + this->name();
	if (params.batch_tokens == 0 || params.max_seqs == 0 || params.model_params == 0 ||
	    params.bytes_per_param == 0)
		throw std::invalid_argument(who + ": batch_tokens, max_seqs, model_params and "
						  "bytes_per_param must be >= 1");
	if (token_scheds.size() != gpus.size())
		throw std::invalid_argument(who + ": token_scheds needs one row per GPU");
	for (std::size_t g = 0; g < gpus.size(); g++) {
		const Gpu *gpu = gpus[g];
		if (!gpu || gpu->index() != g)
			throw std::invalid_argument(who + ": gpus[" + std::to_string(g) +
						    "] must be the GPU with index " +
						    std::to_string(g));
		const GpuProfile &prof = gpu->profile();
		if (prof.hbm_bytes_per_s == 0 || prof.dense_fp16_flops_per_s == 0 ||
		    prof.compute_efficiency_pct == 0 || prof.compute_efficiency_pct > 100 ||
		    prof.mem_efficiency_pct == 0 || prof.mem_efficiency_pct > 100)
			throw std::invalid_argument(
				who + ": GPU profile " + prof.name +
				" needs hbm_bytes_per_s and dense_fp16_flops_per_s > 0 and "
				"efficiencies in 1..100 %");
		if (token_scheds[g].size() != gpu->partitions())
			throw std::invalid_argument(who + ": token_scheds[" + std::to_string(g) +
						    "] needs one scheduler per partition");
		for (co_sched *s : token_scheds[g])
			if (!s)
				throw std::invalid_argument(who + ": a partition has no token scheduler");
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
			impl_->cost_of(*r);
			Replica *rp = r.get();
			Impl *impl = impl_;
			spawn_method(("replica_g" + std::to_string(g) + "p" + std::to_string(p)).c_str(),
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

// Roofline: an iteration streams every weight once from HBM (memory floor) and does
// 2 * params FLOPs per token (compute floor); the partition has share_num/share_den of both.
// Integer ns, rounded up, 128-bit intermediates. The parts are fixed for a replica, so they
// are computed once (every batch asks for several iteration times).
void InferenceBroker::Impl::cost_of(Replica &r) const
{
	const GpuProfile &prof = r.gpu->profile();
	const PartitionInfo &info = r.gpu->partition(r.p);
	// share = info.hbm_bytes / prof.hbm_bytes: multiply by hbm_bytes(GPU), divide by
	// hbm_bytes(partition).
	u128 model_bytes = mul_checked(params.model_params, params.bytes_per_param);
	u128 mem_num = mul_checked(mul_checked(model_bytes, kNsPerS * 100u), prof.hbm_bytes);
	u128 mem_den = mul_checked(mul_checked(prof.hbm_bytes_per_s, prof.mem_efficiency_pct),
				   info.hbm_bytes);
	r.overhead_ns = prof.iteration_overhead_ns;
	r.mem_ns = div_ceil_u128(mem_num, mem_den);
	r.cmp_per_token = mul_checked(mul_checked(2u * static_cast<u128>(params.model_params),
						  prof.hbm_bytes),
				      kNsPerS * 100u);
	r.cmp_den = mul_checked(mul_checked(prof.dense_fp16_flops_per_s,
					    prof.compute_efficiency_pct),
				info.hbm_bytes);
	r.ridge_tokens = std::max<u32>(1, tokens_within(r, iteration_ns(r, 1)));
}

u64 InferenceBroker::Impl::iteration_ns(const Replica &r, u64 tokens) const
{
	return r.overhead_ns +
	       std::max(r.mem_ns, div_ceil_u128(mul_checked(r.cmp_per_token, tokens), r.cmp_den));
}

// A lone sequence: prefill in chunks of up to batch_tokens, the last chunk yields the first
// generated token, then one decode iteration (1 token) per further generated token. Without
// a prompt every generated token takes a decode iteration.
u64 InferenceBroker::Impl::alone_ns(const Replica &r, u32 prompt, u32 gen) const
{
	u64 t = 0;
	if (prompt > 0) {
		u32 b = params.batch_tokens;
		t += static_cast<u64>(prompt / b) * iteration_ns(r, b);
		if (prompt % b)
			t += iteration_ns(r, prompt % b);
		if (gen > 0)
			gen--;
	}
	return t + static_cast<u64>(gen) * iteration_ns(r, 1);
}

u64 InferenceBroker::full_rate_units_per_s(u32 gpu, u32 partition) const
{
	const Replica *r = impl_->find(gpu, partition);
	if (!r)
		return 0;
	const BrokerParams &bp = impl_->params;
	return mul_div_ceil((u64)bp.batch_tokens * bp.prompt_token_weight, kNsPerS,
			    impl_->iteration_ns(*r, bp.batch_tokens));
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
			if (job.served == job.prompt_tokens && job.gen_tokens > 0)
				job.phase++; // the last prefill chunk yields the first token
		}
		job.phase += pk.decode_tokens;
		if (job.served >= job.prompt_tokens && job.phase >= job.gen_tokens) {
			pk.job = nullptr;
			done.at(job, now);
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

// The batch share of tenant this iteration: max_seqs and batch_tokens times its weight over the
// weight of every tenant with work waiting (at least one of each, so nobody waits for a
// rounding). A tenant with credit (its counter below the scheduler's virtual time: it used
// less than its share) is not capped: it is picked first and takes what it needs, as it would
// alone; the caps keep those that used their share from filling the rest. Found by a scan: a
// batch holds at most max_seqs tenants.
TenantBudget &InferenceBroker::Impl::budget_of(Replica &r, u32 tenant,
					       const co_sched_stats &st) const
{
	for (TenantBudget &b : r.budgets)
		if (b.tenant == tenant)
			return b;
	struct co_sched_tenant_info info {};
	const int rc = co_sched_get_tenant_info(r.sched, tenant, &info);
	const u64 weight_sum = st.backlogged_weight;
	CO_ASSERT(rc == 0 && weight_sum >= info.weight && info.weight > 0);
	const bool credit = info.counter < st.vtime;
	auto share = [&](u32 total) {
		return credit ? total
			      : (u32)std::max<u64>(1, (u64)total * info.weight / weight_sum);
	};
	r.budgets.push_back(
		TenantBudget{ tenant, credit, share(params.max_seqs), share(params.batch_tokens) });
	return r.budgets.back();
}

// The most tokens an iteration can hold and still take at most ns (0 when even an empty one
// takes longer): t(n) <= ns when the memory floor fits and ceil(n * per_token / den) <= x, that
// is n * per_token <= x * den, with x = ns - overhead. One division, exact.
u32 InferenceBroker::Impl::tokens_within(const Replica &r, u64 ns) const
{
	if (ns < r.overhead_ns || ns - r.overhead_ns < r.mem_ns)
		return 0;
	const u128 n = mul_checked(ns - r.overhead_ns, r.cmp_den) / r.cmp_per_token;
	return static_cast<u32>(std::min<u128>(n, params.batch_tokens));
}

// How many tokens tenant b may add to a batch that holds `tokens` (credit_tokens of them from
// tenants with credit); 0 holds it. Up to the ridge the compute hides under the memory floor
// and costs nobody anything, so anyone may add it; past it, a tenant's share of slots and
// tokens; and never, for a tenant without credit, past what the credit tenants' own tokens
// would take.
u32 InferenceBroker::Impl::admission_room(const Replica &r, const TenantBudget &b, u64 tokens,
					  u64 credit_tokens) const
{
	const u32 free = r.ridge_tokens > tokens ? r.ridge_tokens - (u32)tokens : 0;
	const u32 share = b.seqs < b.seqs_cap && b.tokens < b.tokens_cap ? b.tokens_cap - b.tokens
									    : 0;
	u32 room = std::max(share, free);
	if (!b.credit && credit_tokens > 0) {
		const u32 keep = tokens_within(r, iteration_ns(r, credit_tokens));
		room = keep > tokens ? std::min<u32>(room, keep - (u32)tokens) : 0;
	}
	return room;
}

// Forms the batch: sequences in the policy's order until max_seqs or batch_tokens. Under fair,
// admission is by tenant too (admission_room): past what the memory floor hides, a tenant that
// has its share of slots or tokens is held for the rest of the batch, so a flooder cannot
// fill the batch and lengthen the iterations everyone in it waits for; and while tenants with
// credit are in the batch (picked first: their counters are the lowest), the others may add
// only tokens that do not make the iteration longer than the credit tenants' own would.
// docs/devices.md has the computation of what this allows.
u64 InferenceBroker::run_iteration(u32 gpu, u32 partition)
{
	Replica *r = impl_->find(gpu, partition);
	CO_ASSERT(r != nullptr);
	if (impl_->is_lost(*r))
		return 0;
	impl_->finalize_if_due(*r);
	CO_ASSERT(!r->in_iteration); // the executor runs one item at a time
	const BrokerParams &bp = impl_->params;
	u64 now = now_ns();
	u32 tokens_left = bp.batch_tokens;
	u64 tokens = 0;
	const bool by_share = co_sched_policy_of(r->sched) == CO_SCHED_FAIR;
	co_sched_stats st{}; // before any pick changes it
	co_sched_get_stats(r->sched, &st);
	r->budgets.clear();
	u64 credit_tokens = 0; // of tenants with credit, in this batch so far
	// Bounded: each pass takes a sequence into the batch or holds a tenant (at most
	// max_seqs of the first and, since a held tenant's picks stop, as many of the second).
	for (u32 passes = 0; r->batch.size() < bp.max_seqs && tokens_left > 0 &&
			     passes < 2 * bp.max_seqs + CO_SCHED_TENANTS_MAX;
	     passes++) {
		co_sched_entity *e = co_sched_pick(r->sched);
		if (!e)
			break;
		r->in_sched--;
		Job &job = *job_of(e);
		u32 room = tokens_left;
		TenantBudget *b = by_share ? &impl_->budget_of(*r, job.tenant, st) : nullptr;
		if (b)
			room = std::min(room, impl_->admission_room(*r, *b, tokens, credit_tokens));
		if (room == 0) {
			// Nothing it may add: it waits in place (no charge) for the next iteration.
			const int rc = co_sched_putback(r->sched, e);
			CO_ASSERT(rc == 0);
			r->in_sched++;
			const int hrc = co_sched_tenant_hold(r->sched, job.tenant);
			CO_ASSERT(hrc == 0);
			continue;
		}
		u32 prefill = 0;
		u32 decode = 0;
		if (job.served < job.prompt_tokens)
			prefill = std::min(job.prompt_tokens - static_cast<u32>(job.served),
					   room); // chunked prefill
		else
			decode = 1;
		if (job.served == 0 && job.phase == 0)
			job.start_ns = now;
		co_sched_charge(r->sched, job.aid,
				static_cast<u64>(prefill) * bp.prompt_token_weight +
					static_cast<u64>(decode) * bp.gen_token_weight);
		r->batch.push_back(Pick{ &job, prefill, decode });
		tokens_left -= prefill + decode;
		tokens += prefill + decode;
		if (b) {
			b->seqs++;
			b->tokens += prefill + decode;
			if (b->credit)
				credit_tokens += prefill + decode;
		}
	}
	if (by_share)
		co_sched_release_holds(r->sched);
	if (r->batch.empty())
		return 0;
	u64 d = impl_->iteration_ns(*r, tokens);
	r->in_iteration = true;
	r->iter_end_ns = now + d;
	r->iter_tokens = tokens;
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
		impl_->fail(job, rc, now);
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
