// See broker_kv.h.
#include "broker_kv.h"

#include <algorithm>

namespace coconut::devices {

KvCache::KvCache(u64 capacity_tokens)
	: capacity_(capacity_tokens / kKvBlockTokens), free_(capacity_tokens / kKvBlockTokens)
{
}

u64 KvCache::more_needed(const Job &job, u64 tokens) const
{
	const u64 want = blocks_for(tokens);
	return want > job.kv_blocks ? want - job.kv_blocks : 0;
}

void KvCache::grow(Job &job, u64 tokens)
{
	const u64 more = more_needed(job, tokens);
	if (more == 0)
		return;
	CO_ASSERT(more <= free_);
	if (job.kv_blocks == 0)
		holders_.push_back(&job);
	job.kv_blocks += static_cast<u32>(more);
	free_ -= more;
	peak_used_ = std::max(peak_used_, capacity_ - free_);
}

void KvCache::release(Job &job)
{
	if (job.kv_blocks == 0)
		return;
	free_ += job.kv_blocks;
	CO_ASSERT(free_ <= capacity_);
	job.kv_blocks = 0;
	auto it = std::find(holders_.begin(), holders_.end(), &job);
	CO_ASSERT(it != holders_.end());
	*it = holders_.back(); // order does not matter: see holders()
	holders_.pop_back();
}

} // namespace coconut::devices
