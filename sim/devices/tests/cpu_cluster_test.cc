// CpuCluster: exact timing alone, fair sharing between backlogged tenants, fifo order, busy time.
#include "cpu_cluster.h"

#include "test_support.h"

#include <cstdlib>

namespace coconut::devices::test {
namespace {

using coconut::sim::now_ns;
using coconut::sim::ns;
using coconut::sim::sc_fresh_context;

constexpr u64 kMs = 1000000;

TEST(CpuCluster, LoneJobFinishesAtExactlyItsCpuTime)
{
	sc_fresh_context();
	Sched sched(CO_SCHED_RES_CPU, CO_SCHED_FAIR);
	sched.lane(1, 1);
	Recorder sink;
	CpuCluster cpu("cpu", 1, 1 * kMs, sched.get());
	Jobs jobs;
	Job &a = add_job(jobs, 1, 1, 1, Stage::Cpu, &sink);
	a.cpu_ns = 3 * kMs + 500000; // three full slices and a half one
	cpu.submit(a);
	EXPECT_EQ(a.alone_ns, a.cpu_ns);
	sc_core::sc_start(ns(10 * kMs));
	EXPECT_EQ(sink.calls(1), 1u);
	EXPECT_EQ(a.rc, 0);
	EXPECT_EQ(a.start_ns, 0u);
	EXPECT_EQ(a.done_ns, a.cpu_ns);
	EXPECT_EQ(a.cpu_core, 0u);

	// A later job, on an idle cluster, takes exactly its demand from its submit time.
	Job &b = add_job(jobs, 2, 1, 1, Stage::Cpu, &sink);
	b.cpu_ns = 1234567;
	cpu.submit(b);
	EXPECT_EQ(b.submit_ns, 10 * kMs);
	sc_core::sc_start();
	EXPECT_EQ(b.done_ns, 10 * kMs + 1234567);
	EXPECT_EQ(cpu.completed(), 2u);
	EXPECT_EQ(cpu.busy_ns(0), a.cpu_ns + b.cpu_ns);
}

TEST(CpuCluster, ZeroDemandCompletesInADeltaNotInsideSubmit)
{
	sc_fresh_context();
	Sched sched(CO_SCHED_RES_CPU, CO_SCHED_FAIR);
	sched.lane(1, 1);
	Recorder sink;
	CpuCluster cpu("cpu", 2, 1000, sched.get());
	Jobs jobs;
	Job &a = add_job(jobs, 1, 1, 1, Stage::Cpu, &sink);
	cpu.submit(a);
	EXPECT_EQ(sink.calls(1), 0u); // not synchronous
	sc_core::sc_start();
	EXPECT_EQ(sink.calls(1), 1u);
	EXPECT_EQ(a.done_ns, 0u);
}

// Sum of CPU time served so far to each tenant's jobs.
u64 served(const Jobs &jobs, u32 tenant)
{
	u64 s = 0;
	for (const auto &j : jobs)
		if (j->tenant == tenant)
			s += j->served;
	return s;
}

TEST(CpuCluster, FairGivesTwoBackloggedTenantsEqualTimeWithinOneSlice)
{
	for (u32 policy : { CO_SCHED_FAIR, CO_SCHED_FIFO }) {
		sc_fresh_context();
		Sched sched(CO_SCHED_RES_CPU, policy);
		sched.lane(1, 1);
		sched.lane(2, 2);
		Recorder sink;
		const u64 slice = 1 * kMs;
		CpuCluster cpu("cpu", 1, slice, sched.get());
		Jobs jobs;
		// Tenant 1 arrives first with all its work, then tenant 2.
		for (u64 i = 0; i < 10; i++)
			add_job(jobs, i, 1, 1, Stage::Cpu, &sink).cpu_ns = 10 * kMs;
		for (u64 i = 10; i < 20; i++)
			add_job(jobs, i, 2, 2, Stage::Cpu, &sink).cpu_ns = 10 * kMs;
		for (auto &j : jobs)
			cpu.submit(*j);
		u64 max_gap = 0;
		for (u64 t = 1; t <= 60; t++) {
			sc_core::sc_start(ns(kMs));
			u64 a = served(jobs, 1);
			u64 b = served(jobs, 2);
			max_gap = std::max(max_gap, a > b ? a - b : b - a);
		}
		if (policy == CO_SCHED_FAIR) {
			EXPECT_LE(max_gap, slice);
			EXPECT_GE(served(jobs, 2), 29 * kMs);
		} else {
			// fifo: tenant 2 waits behind all of tenant 1's earlier work.
			EXPECT_EQ(served(jobs, 2), 0u);
			// (slices that end at exactly 60 ms run in the next sc_start)
			EXPECT_GE(served(jobs, 1), 59 * kMs);
		}
	}
}

TEST(CpuCluster, FifoRunsJobsToCompletionInArrivalOrder)
{
	sc_fresh_context();
	Sched sched(CO_SCHED_RES_CPU, CO_SCHED_FIFO);
	for (u64 aid = 1; aid <= 5; aid++)
		sched.lane(aid, static_cast<u32>(aid));
	Recorder sink;
	CpuCluster cpu("cpu", 1, 100000, sched.get());
	Jobs jobs;
	const u64 demand[5] = { 350000, 1000000, 50000, 777777, 200000 };
	for (u64 i = 0; i < 5; i++) {
		Job &j = add_job(jobs, 100 + i, i + 1, static_cast<u32>(i + 1), Stage::Cpu, &sink);
		j.cpu_ns = demand[i];
		cpu.submit(j);
	}
	sc_core::sc_start();
	EXPECT_EQ(sink.order, (std::vector<u64>{ 100, 101, 102, 103, 104 }));
	u64 t = 0;
	for (u64 i = 0; i < 5; i++) {
		EXPECT_EQ(jobs[i]->start_ns, t);
		t += demand[i];
		EXPECT_EQ(jobs[i]->done_ns, t);
	}
}

TEST(CpuCluster, BusyTimeCountsRunningSlicesOnEveryCore)
{
	sc_fresh_context();
	Sched sched(CO_SCHED_RES_CPU, CO_SCHED_FIFO);
	sched.lane(1, 1);
	Recorder sink;
	CpuCluster cpu("cpu", 2, 1 * kMs, sched.get());
	EXPECT_EQ(cpu.cores(), 2u);
	Jobs jobs;
	for (u64 i = 0; i < 3; i++) {
		Job &j = add_job(jobs, i, 1, 1, Stage::Cpu, &sink);
		j.cpu_ns = 4 * kMs;
		cpu.submit(j);
	}
	EXPECT_EQ(cpu.queued(), 3u);
	sc_core::sc_start(ns(2 * kMs + 500000)); // mid-slice on both cores
	EXPECT_EQ(cpu.queued(), 1u);
	EXPECT_EQ(cpu.busy_ns(0), 2 * kMs + 500000);
	EXPECT_EQ(cpu.busy_ns(1), 2 * kMs + 500000);
	sc_core::sc_start();
	EXPECT_EQ(cpu.completed(), 3u);
	EXPECT_EQ(cpu.queued(), 0u);
	EXPECT_EQ(cpu.busy_ns(0) + cpu.busy_ns(1), 12 * kMs);
	EXPECT_GE(std::min(cpu.busy_ns(0), cpu.busy_ns(1)), 4 * kMs);
	// fifo on two cores: jobs 0 and 1 side by side, job 2 after them on one core.
	EXPECT_EQ(jobs[0]->done_ns, 4 * kMs);
	EXPECT_EQ(jobs[1]->done_ns, 4 * kMs);
	EXPECT_EQ(jobs[2]->start_ns, 4 * kMs);
	EXPECT_EQ(jobs[2]->done_ns, 8 * kMs);
	EXPECT_EQ(now_ns(), 8 * kMs);
	EXPECT_EQ(cpu.busy_ns(2), 0u); // no such core
}

// Wakeup preemption: both cores run a flooder's long jobs when a victim's short job arrives.
// Under fair (the victim has credit, the flooder has used its share) the victim takes the core
// furthest behind at once, pays the switch, and finishes in its CPU time plus that; the job it
// displaced is charged what it ran and resumes later, nothing lost. fifo and per-process do not
// preempt: the victim waits for the flood (fifo) or its turn behind every flood task.
TEST(CpuCluster, AWakingJobWithCreditPreemptsTheFlood)
{
	constexpr u64 kPreemptNs = 5000;
	for (u32 policy : { CO_SCHED_FAIR, CO_SCHED_FIFO, CO_SCHED_PER_PROCESS }) {
		sc_fresh_context();
		Sched sched(CO_SCHED_RES_CPU, policy);
		ASSERT_EQ(co_sched_set_lag_limit(sched.get(), 50 * kMs), 0);
		sched.lane(1, 1);
		sched.lane(2, 2);
		Recorder sink;
		CpuCluster cpu("cpu", 2, 4 * kMs, sched.get(), kPreemptNs);
		Jobs jobs;
		for (u64 i = 0; i < 6; i++) {
			Job &f = add_job(jobs, 10 + i, 1, 1, Stage::Cpu, &sink);
			f.cpu_ns = 100 * kMs;
			cpu.submit(f);
		}
		sc_core::sc_start(ns(10 * kMs + 1234)); // mid-slice on both cores
		Job &v = add_job(jobs, 1, 2, 2, Stage::Cpu, &sink);
		v.cpu_ns = 2 * kMs;
		cpu.submit(v);
		sc_core::sc_start();
		const char *name = co_sched_policy_name(policy);
		EXPECT_EQ(sink.calls(1), 1u) << name;
		u64 flood_served = 0;
		for (const auto &j : jobs)
			if (j->tenant == 1) {
				EXPECT_EQ(j->rc, 0);
				flood_served += j->served;
			}
		EXPECT_EQ(flood_served, 600 * kMs) << "a preempted job loses nothing: " << name;
		if (policy == CO_SCHED_FAIR) {
			EXPECT_EQ(v.done_ns - v.submit_ns, kPreemptNs + v.cpu_ns) << name;
			EXPECT_EQ(cpu.preemptions(), 1u);
			EXPECT_EQ(cpu.busy_ns(0) + cpu.busy_ns(1), 602 * kMs + kPreemptNs)
				<< "busy: every job's time and the one switch";
		} else {
			// fifo: behind the whole flood; per-process: behind a turn of every task.
			EXPECT_GT(v.done_ns - v.submit_ns,
				  (policy == CO_SCHED_FIFO ? 100 : 5) * v.cpu_ns)
				<< name;
			EXPECT_EQ(cpu.preemptions(), 0u) << name;
		}
	}
}

} // namespace
} // namespace coconut::devices::test
