// The KV cache of one inference replica (private to sim/devices): what the partition's memory
// holds of every sequence's context, in blocks of kKvBlockTokens tokens (paged attention, as
// vLLM allocates it). Capacity is what the engine's share of the partition's HBM leaves after the
// weights. A sequence holds blocks for the tokens computed for it (prompt chunks prefilled,
// tokens generated); they are freed when it completes, fails or is preempted. The broker decides
// whom to preempt (broker.cc); this class keeps the books.
#ifndef COCONUT_SIM_DEVICES_BROKER_KV_H
#define COCONUT_SIM_DEVICES_BROKER_KV_H

#include "job.h"

#include <vector>

namespace coconut::devices {

constexpr u32 kKvBlockTokens = 16; // vLLM's default block size

class KvCache {
public:
	// capacity_tokens rounded down to whole blocks; 0 is valid (nothing fits: every request
	// is refused at submit).
	explicit KvCache(u64 capacity_tokens);

	static u64 blocks_for(u64 tokens) { return (tokens + kKvBlockTokens - 1) / kKvBlockTokens; }

	u64 capacity_blocks() const { return capacity_; }
	u64 free_blocks() const { return free_; }
	u64 peak_used_blocks() const { return peak_used_; }
	// Blocks a starting sequence must leave free for the running ones' next tokens (vLLM's
	// watermark: 1 % of the cache), so a new prompt does not force a preemption at once.
	u64 watermark_blocks() const { return capacity_ / 100; }
	// Whether a sequence of this many tokens in all could ever fit.
	bool fits(u64 tokens) const { return blocks_for(tokens) <= capacity_; }
	// Blocks job needs beyond what it holds to hold `tokens` tokens of context.
	u64 more_needed(const Job &job, u64 tokens) const;
	// Grows job's holding to `tokens` tokens of context; the blocks must be free.
	void grow(Job &job, u64 tokens);
	// Frees everything job holds (no-op when it holds nothing).
	void release(Job &job);
	// Every sequence holding blocks (order: unspecified; callers choose by key).
	const std::vector<Job *> &holders() const { return holders_; }

private:
	u64 capacity_ = 0;
	u64 free_ = 0;
	u64 peak_used_ = 0;
	std::vector<Job *> holders_;
};

} // namespace coconut::devices

#endif
