// Forming one batch of the inference broker (private to sim/devices): how much of each picked
// sequence goes into the iteration. Under fifo and per-process a sequence takes what it needs
// (its prompt's next chunk, or one decode token) while the batch has room. Under fair, admission
// is by tenant too, in terms of the iteration's cost (BrokerCost), so it holds however the cost
// grows (with tokens, with every sequence's context). What a sequence adds is measured above
// the floor (the cheapest iteration, which every iteration pays):
//
//  0. The first sequence of a batch always goes in: no iteration is empty while work waits.
//  1. A tenant without credit (its scheduler counter at or above the virtual time: it has had
//     its share) adds at most its weight's share of the batch's slots, and of the cost a full
//     batch adds above the floor, unless it is the only tenant with work waiting. A division,
//     not a limit: when every tenant has reached its share and the batch has room, another
//     round gives each another share (next_round), so the batch fills as it would without it.
//  2. A tenant with credit is not capped; it is picked first (its counter is the lowest).
//  3. While tenants with credit are in the batch, the others may add only what keeps the
//     iteration within 1/kCreditIterationSlackDen of what the credit tenants' own work takes,
//  1a. except the first 1/kOwnShareDen of each one's share (of rule 1's first round), which is
//     its own whoever has credit: a tenant without credit that is not flooding (one that has
//     merely used more than its share lately, while others arrive with credit) keeps moving,
//     and the virtual time with it, so credit does run out.
//
// docs/devices.md ("Fair admission by tenant") has the reasoning and the measurements behind
// the two constants.
#ifndef COCONUT_SIM_DEVICES_BROKER_ADMISSION_H
#define COCONUT_SIM_DEVICES_BROKER_ADMISSION_H

#include "broker_cost.h"
#include "job.h"

#include <vector>

namespace coconut::devices {

// Rule 3's tolerance: others may make an iteration with credit tenants in it at most 1/4
// longer than their own work. Rule 1a: half of a tenant's share is its own. Measured on the
// generated mixes (docs/devices.md): 1/16 with no rule 1a starves tenants that are not
// flooding; 1/16 with all of the share 36 % of mixes fail; 1/4 with half 0 of seeds 1..25 and
// 3 of 200 held-out seeds fail (docs/devices.md: "a light tenant with credit can collapse the
// batch").
constexpr u64 kCreditIterationSlackDen = 4;
constexpr u64 kOwnShareDen = 2;
// Rounds of rule 1 per batch at most: a sequence whose step costs more than this many shares
// of a full batch waits for credit (or for its tenant to be alone) instead.
constexpr u32 kAdmissionRoundsMax = 64;

// A sequence's part in one iteration.
struct SeqStep {
	u32 prefill =
		0; // prompt tokens prefilled now (a chunk at offset = tokens already prefilled)
	u32 decode = 0; // 1 when it generates a token now
	u64 offset = 0; // prefill: the chunk's offset; decode: the context it reads
};

class BatchAdmission {
public:
	// by_share: the fair policy's rules; stats: the token scheduler's, before any pick.
	BatchAdmission(const BrokerCost &cost, u32 batch_tokens, u32 max_seqs, bool by_share,
		       co_sched *sched);

	// How much of job goes into the batch now; prefill 0 and decode 0 when none (hold its
	// tenant). Does not change the batch: take() does.
	SeqStep offer(const Job &job) const;
	void take(const Job &job, const SeqStep &step);

	// Rule 1 is a division, not a limit: when every tenant is held and the batch still has
	// room, the next round gives each capped tenant another share (of the slots and the cost).
	// False when no sequence was refused or cut short by its share this round (another round
	// would admit nothing new), or after kAdmissionRoundsMax rounds.
	bool next_round();
	// How many more prompt tokens the sequence whose chunk `step` is in the batch may add to
	// it now (a chunk cut short by its tenant's share in an earlier round); grow() adds them.
	u32 extension(const Job &job, const SeqStep &step) const;
	void grow(const Job &job, SeqStep &step, u32 extra);

	const BatchShape &shape() const { return all_; }
	u32 seqs() const { return all_.seqs; }
	bool full() const { return all_.seqs >= max_seqs_ || all_.tokens >= batch_tokens_; }

private:
	struct Budget {
		u32 tenant;
		bool credit;
		u32 seqs_share;	   // per round (no credit, not alone)
		u64 cost_share_ns; // the marginal cost it may add per round (no credit, not alone)
		u32 seqs = 0;
		u64 cost_ns = 0;
		bool capped() const { return seqs_share != 0; }
	};
	Budget &budget_of(u32 tenant) const;
	bool fits(const Budget &b, const BatchShape &with, u64 marginal_ns) const;
	// Rule 1 alone: b's share (this round's) would be exceeded by adding marginal_ns.
	bool over_share(const Budget &b, u64 marginal_ns) const;
	// What adding `with` costs above the batch as it stands.
	u64 marginal_ns(const BatchShape &with) const;
	u64 cost_ns(const BatchShape &b) const;
	// The largest chunk in [0, hi] for which fits(b, with(chunk)) holds: the cost grows with the
	// chunk, so a binary search (at most log2(batch_tokens) + 1 steps).
	template <typename With> u32 largest_chunk(const Budget &b, u32 hi, With with) const;
	static BatchShape plus(const BatchShape &b, const SeqStep &s);

	const BrokerCost &cost_;
	u32 batch_tokens_, max_seqs_;
	bool by_share_;
	co_sched *sched_;
	co_sched_stats stats_{};
	u64 full_batch_cost_ns_ = 0; // what a full prefill batch adds above the floor
	u32 round_ = 0;
	mutable bool over_share_ = false; // a step was refused or cut by rule 1 this round
	BatchShape all_, credit_;
	// cost_ns(all_) and the credit tenants' own iteration, kept as the batch grows: fits() and
	// offer() ask for them at every candidate and every step of a chunk's binary search.
	u64 all_cost_ns_ = 0, credit_cost_ns_ = 0;
	mutable std::vector<Budget> budgets_; // found once per tenant per batch
	// budgets_'s index + 1 of each tenant id below kBudgetIndexMax (0: none yet): every
	// tenant with work is offered in a round, so a scan of budgets_ would cost O(tenants).
	static constexpr u32 kBudgetIndexMax = 4096;
	mutable std::vector<u32> budget_slot_;
};

} // namespace coconut::devices

#endif
