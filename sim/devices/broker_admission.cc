// See broker_admission.h.
#include "broker_admission.h"

#include <algorithm>

namespace coconut::devices {

BatchAdmission::BatchAdmission(const BrokerCost &cost, u32 batch_tokens, u32 max_seqs,
			       bool by_share, co_sched *sched)
	: cost_(cost), batch_tokens_(batch_tokens), max_seqs_(max_seqs), by_share_(by_share),
	  sched_(sched)
{
	co_sched_get_stats(sched, &stats_);
	BatchShape full;
	full.add_prefill(batch_tokens, 0);
	full_batch_cost_ns_ = cost.iteration_ns(full) - cost.floor_ns();
	all_cost_ns_ = cost_ns(all_);
}

// An iteration's cost, the floor for an empty one: every iteration pays it, so what a sequence
// adds is measured above it (the first pick of a batch is not charged the floor).
u64 BatchAdmission::cost_ns(const BatchShape &b) const
{
	return b.seqs ? cost_.iteration_ns(b) : cost_.floor_ns();
}

BatchShape BatchAdmission::plus(const BatchShape &b, const SeqStep &s)
{
	BatchShape r = b;
	if (s.prefill)
		r.add_prefill(s.prefill, s.offset);
	else if (s.decode)
		r.add_decode(s.offset);
	return r;
}

// A tenant's budget for this batch: its weight over the weight of every tenant with work
// waiting (taken before any pick), of the slots and of the full batch's cost, per round;
// uncapped with credit or alone (nobody to share with). Found by tenant id (every tenant with
// work may be offered in a round); an id past the index's range is scanned for.
BatchAdmission::Budget &BatchAdmission::budget_of(u32 tenant) const
{
	if (tenant < kBudgetIndexMax) {
		if (tenant < budget_slot_.size() && budget_slot_[tenant])
			return budgets_[budget_slot_[tenant] - 1];
	} else {
		for (Budget &b : budgets_)
			if (b.tenant == tenant)
				return b;
	}
	struct co_sched_tenant_info info {};
	const int rc = co_sched_get_tenant_info(sched_, tenant, &info);
	const u64 w = info.weight, total = stats_.backlogged_weight;
	CO_ASSERT(rc == 0 && w > 0 && total >= w);
	Budget b{ tenant, info.counter < stats_.vtime, 0, 0 };
	if (!b.credit && w < total) {
		b.seqs_share = (u32)std::max<u64>(1, (u64)max_seqs_ * w / total);
		b.cost_share_ns =
			std::max<u64>(1, (u64)((unsigned __int128)full_batch_cost_ns_ * w / total));
	}
	budgets_.push_back(b);
	if (tenant < kBudgetIndexMax) {
		if (budget_slot_.size() <= tenant)
			budget_slot_.resize(tenant + 1, 0);
		budget_slot_[tenant] = (u32)budgets_.size();
	}
	return budgets_.back();
}

bool BatchAdmission::next_round()
{
	const bool again = over_share_ && round_ + 1 < kAdmissionRoundsMax;
	over_share_ = false;
	if (again)
		round_++;
	return again;
}

// Whether adding `marginal_ns` (making the batch `with`) keeps b within its rules; when not,
// notes whether its share (rule 1, which another round raises) was what refused it.
bool BatchAdmission::over_share(const Budget &b, u64 marginal_ns) const
{
	const u64 rounds = round_ + 1;
	return !b.credit && b.capped() &&
	       (b.seqs >= b.seqs_share * rounds ||
		b.cost_ns + marginal_ns > b.cost_share_ns * rounds);
}

u64 BatchAdmission::marginal_ns(const BatchShape &with) const
{
	const u64 t = cost_.iteration_ns(with);
	return t > all_cost_ns_ ? t - all_cost_ns_ : 0;
}

bool BatchAdmission::fits(const Budget &b, const BatchShape &with, u64 marginal_ns) const
{
	if (b.credit)
		return true;
	if (over_share(b, marginal_ns)) {
		over_share_ = true;
		return false;
	}
	if (b.capped() && b.seqs < b.seqs_share &&
	    b.cost_ns + marginal_ns <= b.cost_share_ns / kOwnShareDen)
		return true; // rule 1a: part of its share is its own, whoever has credit
	if (credit_.seqs == 0)
		return true;
	const u64 keep = credit_cost_ns_;
	return cost_.iteration_ns(with) <= keep + keep / kCreditIterationSlackDen;
}

template <typename With> u32 BatchAdmission::largest_chunk(const Budget &b, u32 hi, With with) const
{
	if (hi == 0)
		return 0;
	// fits() is monotone in the chunk (a larger chunk costs at least as much, so each of its
	// rules that refuses one refuses every larger one). When one token does not fit, the
	// search below ends at 0 after probing (hi + 1) / 2 down to 1, and of what those probes
	// note only one thing matters: whether rule 1 refused, which the largest probe answers.
	// Asking that directly keeps the answer and the note and spares the search, which is
	// most of the admission's work when many tenants wait (issue 12: the tenant curve).
	const BatchShape one = with(1);
	if (!fits(b, one, marginal_ns(one))) {
		const u32 top = (hi + 1) / 2;
		if (top > 1 && !over_share_ && over_share(b, marginal_ns(with(top))))
			over_share_ = true;
		return 0;
	}
	u32 lo = 0;
	while (lo < hi) {
		const u32 mid = lo + (hi - lo + 1) / 2;
		const BatchShape w = with(mid);
		if (fits(b, w, marginal_ns(w)))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo; // when cut short, fits() noted why a larger chunk did not fit
}

SeqStep BatchAdmission::offer(const Job &job) const
{
	SeqStep s;
	const u32 tokens_left = batch_tokens_ - (u32)std::min<u64>(all_.tokens, batch_tokens_);
	if (tokens_left == 0 || all_.seqs >= max_seqs_)
		return s;
	const u32 remaining = prefill_target(job) - (u32)job.served;
	if (remaining == 0) {
		s.decode = 1;
		s.offset = job.prompt_tokens + job.phase; // the context its next token reads
	} else {
		s.prefill = std::min(remaining, tokens_left); // chunked prefill
		s.offset = job.served;
	}
	if (!by_share_)
		return s;
	const Budget &b = budget_of(job.tenant);
	const BatchShape with = plus(all_, s);
	if (fits(b, with, marginal_ns(with)))
		return s;
	if (s.decode) // the first pick always goes in: no iteration is empty while work waits
		return all_.seqs == 0 ? s : SeqStep{};
	const u64 offset = s.offset;
	s.prefill = largest_chunk(b, s.prefill, [&](u32 chunk) {
		BatchShape w = all_;
		w.add_prefill(chunk, offset);
		return w;
	});
	if (all_.seqs == 0)
		s.prefill = std::max<u32>(s.prefill, 1);
	return s.prefill ? s : SeqStep{};
}

void BatchAdmission::take(const Job &job, const SeqStep &s)
{
	CO_ASSERT(s.prefill || s.decode);
	const u64 before = all_cost_ns_;
	all_ = plus(all_, s);
	all_cost_ns_ = cost_ns(all_);
	if (!by_share_)
		return;
	Budget &b = budget_of(job.tenant);
	const u64 after = all_cost_ns_;
	b.seqs++;
	b.cost_ns += after > before ? after - before : 0;
	if (b.credit) {
		credit_ = plus(credit_, s);
		credit_cost_ns_ = cost_.iteration_ns(credit_);
	}
}

u32 BatchAdmission::extension(const Job &job, const SeqStep &s) const
{
	CO_ASSERT(s.prefill > 0 && s.offset + s.prefill <= prefill_target(job));
	const u32 tokens_left = batch_tokens_ - (u32)std::min<u64>(all_.tokens, batch_tokens_);
	const u32 hi =
		std::min<u32>(tokens_left, prefill_target(job) - (u32)(s.offset + s.prefill));
	if (hi == 0 || !by_share_)
		return hi;
	// The seq is counted already: fits() must not count it again against the slots.
	Budget b = budget_of(job.tenant);
	b.seqs--;
	return largest_chunk(b, hi, [&](u32 extra) {
		BatchShape w = all_;
		w.grow_prefill(s.prefill, s.offset, extra);
		return w;
	});
}

void BatchAdmission::grow(const Job &job, SeqStep &s, u32 extra)
{
	CO_ASSERT(extra > 0 && s.prefill > 0);
	const u64 before = all_cost_ns_;
	all_.grow_prefill(s.prefill, s.offset, extra);
	all_cost_ns_ = cost_ns(all_);
	if (by_share_) {
		Budget &b = budget_of(job.tenant);
		const u64 after = all_cost_ns_;
		b.cost_ns += after > before ? after - before : 0;
		if (b.credit) {
			credit_.grow_prefill(s.prefill, s.offset, extra);
			credit_cost_ns_ = cost_.iteration_ns(credit_);
		}
	}
	s.prefill += extra;
}

} // namespace coconut::devices
