// See service.h.
#include "service.h"

#include <cerrno>

namespace coconut::devices {

void begin_job(Job &job, u64 now)
{
	job.entity.job = &job;
	job.entity.ent.aid = job.aid;
	job.submit_ns = now;
	job.start_ns = now;
	job.served = 0;
	job.phase = 0;
	job.kv_blocks = 0;
	job.recompute = 0;
	job.preemptions = 0;
	job.first_token_ns = 0;
	job.run_ns = 0;
	job.rc = 0;
	job.alone_ns = 0;
}

Job *pick_job(co_sched *sched, u32 &in_sched, u64 now)
{
	co_sched_entity *e = co_sched_pick(sched);
	if (!e)
		return nullptr;
	CO_ASSERT(in_sched > 0);
	in_sched--;
	Job *job = job_of(e);
	if (job->served == 0)
		job->start_ns = now;
	return job;
}

bool end_turn(co_sched *sched, Job &job, u64 units, u64 demand, u32 &in_sched)
{
	return end_turn(sched, job, units, units, demand, in_sched);
}

bool end_turn(co_sched *sched, Job &job, u64 units, u64 charged_units, u64 demand, u32 &in_sched)
{
	job.served += units;
	co_sched_charge(sched, job.aid, charged_units);
	if (job.served >= demand)
		return true;
	int rc = co_sched_putback(sched, &job.entity.ent);
	if (rc == -ENOENT) {
		// Its agent terminated during the turn (exit, kill): the lane went with the agent,
		// and the job ends here, failed.
		job.rc = -ESTALE;
		return true;
	}
	CO_ASSERT(rc == 0);
	in_sched++;
	return false;
}

u64 div_ceil_u128(unsigned __int128 n, unsigned __int128 d)
{
	CO_ASSERT(d != 0);
	// Most operands fit 64 bits (an iteration's femtoseconds, a copy's ns x 100): a 64-bit
	// division is several times cheaper than the 128-bit library call and gives the same.
	if ((n >> 64) == 0 && (d >> 64) == 0) {
		const u64 a = static_cast<u64>(n), b = static_cast<u64>(d);
		return a / b + (a % b != 0 ? 1 : 0);
	}
	unsigned __int128 q = n / d + (n % d != 0 ? 1 : 0);
	CO_ASSERT(q <= static_cast<unsigned __int128>(UINT64_MAX));
	return static_cast<u64>(q);
}

} // namespace coconut::devices
