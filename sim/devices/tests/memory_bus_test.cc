// MemoryBus with the CpuCluster: work that streams memory runs at the share of bandwidth the
// kernel's throttle and the controller give it; fair keeps a light tenant at full speed where
// fifo lets a flooding one slow it; the quota caps an agent; rates move only at changes.
#include "cpu_cluster.h"
#include "memory_bus.h"

#include "test_support.h"

namespace coconut::devices::test {
namespace {

using coconut::sim::ns;
using coconut::sim::sc_fresh_context;

constexpr u64 kMs = 1000000;
constexpr u64 kGB = 1000000000ull;

// One DDR5-4800 channel (38.4 GB/s), a core streams 19.2 GB/s, steps of 1/8 GB/s.
MemoryProfile profile()
{
	MemoryProfile p;
	p.name = "test";
	p.channel_bytes_per_s = 38400000000ull;
	p.core_bytes_per_s = 19200000000ull;
	p.throttle_step_bytes_per_s = kGB / 8;
	return p;
}

struct Rig {
	Sched cpu_sched, bw_sched;
	std::map<u64, u64> quotas;
	MemoryBus bus;
	CpuCluster cpu;
	Recorder sink;
	Jobs jobs;
	Rig(u32 policy, u32 cores)
		: cpu_sched(CO_SCHED_RES_CPU, policy), bw_sched(CO_SCHED_RES_MEMBW, policy),
		  bus(profile(), 1, bw_sched.get(),
		      [this](u64 aid) { return quotas.count(aid) ? quotas[aid] : 0; }),
		  cpu("cpu", cores, 100 * kMs, cpu_sched.get(), 0, &bus)
	{
	}
	void lane(u64 aid, u32 tenant)
	{
		cpu_sched.lane(aid, tenant);
		bw_sched.lane(aid, tenant);
	}
	Job &stream(u64 id, u64 aid, u32 tenant, u64 cpu_ns, u64 bytes)
	{
		Job &j = add_job(jobs, id, aid, tenant, Stage::Cpu, &sink);
		j.cpu_ns = cpu_ns;
		j.membw_bytes = bytes;
		cpu.submit(j);
		return j;
	}
};

TEST(MemoryBus, AloneAJobStreamsAtItsOwnPaceOrTheCoresLimit)
{
	sc_fresh_context();
	Rig r(CO_SCHED_FAIR, 2);
	r.lane(1, 1);
	Job &a = r.stream(1, 1, 1, 10 * kMs, 96000000); // 9.6 GB/s: within one core's 19.2
	sc_core::sc_start();
	EXPECT_EQ(a.alone_ns, 10 * kMs);
	EXPECT_EQ(a.done_ns, 10 * kMs);
	EXPECT_EQ(a.run_ns, 10 * kMs);
	// 384 MB in 10 ms of CPU is 38.4 GB/s: one core streams half that, so 20 ms alone.
	Job &b = r.stream(2, 1, 1, 10 * kMs, 384000000);
	EXPECT_EQ(b.alone_ns, 20 * kMs);
	sc_core::sc_start();
	EXPECT_EQ(b.done_ns - b.submit_ns, 20 * kMs);
	EXPECT_NEAR((double)r.bus.bytes_moved(b.done_ns), 96e6 + 384e6, 1e3);
}

// Four cores each asking 19.2 GB/s of a 38.4 GB/s channel: each gets half and takes twice as
// long; the core is busy (and the lane charged) the whole time.
TEST(MemoryBus, OversubscribedStreamsShareTheChannel)
{
	sc_fresh_context();
	Rig r(CO_SCHED_FIFO, 4);
	for (u64 a = 1; a <= 4; a++)
		r.lane(a, (u32)a);
	for (u64 a = 1; a <= 4; a++)
		r.stream(a, a, (u32)a, 10 * kMs, 192000000);
	sc_core::sc_start();
	for (const auto &j : r.jobs) {
		EXPECT_NEAR((double)j->done_ns, 20.0 * kMs, 2.0) << j->id;
		EXPECT_EQ(j->run_ns, j->done_ns);
		EXPECT_EQ(j->alone_ns, 10 * kMs);
	}
	EXPECT_NEAR((double)r.cpu.busy_ns(0), 20.0 * kMs, 2.0);
	// Rates are settled when a stream starts or stops, never in between.
	EXPECT_LE(r.bus.settles(), 8u);
}

// Three streams of 19.2 GB/s on a 38.4 GB/s channel get 12.8 each and end at the same ns; the
// first to end frees bandwidth for the other two, whose slices end at that very instant: they
// must not be planned again (their processes are already due; a second notification would run
// them twice, which the cluster asserts against).
TEST(MemoryBus, StreamsEndingAtTheSameInstantEndOnce)
{
	sc_fresh_context();
	Rig r(CO_SCHED_FIFO, 3);
	for (u64 a = 1; a <= 3; a++)
		r.lane(a, (u32)a);
	// Two jobs that do not stream wait; the first core to end takes one, stops its stream,
	// and the rates of the other two (ending now too) rise.
	for (u64 id = 1; id <= 5; id++) {
		const u64 aid = id <= 3 ? id : id - 2;
		r.stream(id, aid, (u32)aid, 10 * kMs, id <= 3 ? 192000000 : 0);
	}
	sc_core::sc_start();
	for (u64 id = 1; id <= 5; id++)
		EXPECT_EQ(r.sink.calls(id), 1u) << id;

	for (const auto &j : r.jobs)
		EXPECT_EQ(j->run_ns, j->id <= 3 ? 15 * kMs + 1 : 10 * kMs) << j->id;
}

// A light tenant (9.6 GB/s) beside a flooding one (three streams of 19.2): fair gives the
// light one all it asks, so its job takes its time alone; fifo leaves the controller to scale
// everyone alike, and it takes 75 % longer.
TEST(MemoryBus, FairKeepsTheLightTenantWholeFifoDoesNot)
{
	u64 light_ns[2] = {};
	const u32 policies[2] = { CO_SCHED_FAIR, CO_SCHED_FIFO };
	for (int i = 0; i < 2; i++) {
		sc_fresh_context();
		Rig r(policies[i], 4);
		r.lane(1, 1);
		for (u64 a = 2; a <= 4; a++)
			r.lane(a, 2);
		Job &light = r.stream(1, 1, 1, 10 * kMs, 96000000);
		for (u64 a = 2; a <= 4; a++)
			r.stream(a, a, 2, 10 * kMs, 192000000);
		sc_core::sc_start();
		light_ns[i] = light.done_ns;
		// fair throttles the flooder; fifo throttles nobody (the controller scales).
		EXPECT_EQ(r.bus.throttled_settles() > 0, i == 0);
	}
	EXPECT_EQ(light_ns[0], 10 * kMs);
	EXPECT_NEAR((double)light_ns[1], 10.0 * kMs * 67.2 / 38.4, 1e3);
}

// An agent's membw quota caps it whoever else streams, under every policy.
TEST(MemoryBus, QuotaCapsAnAgent)
{
	for (u32 policy : { (u32)CO_SCHED_FAIR, (u32)CO_SCHED_PER_PROCESS }) {
		sc_fresh_context();
		Rig r(policy, 1);
		r.lane(1, 1);
		r.quotas[1] = 4800000000ull; // a quarter of what it asks
		Job &a = r.stream(1, 1, 1, 10 * kMs, 192000000);
		sc_core::sc_start();
		EXPECT_NEAR((double)a.done_ns, 40.0 * kMs, 2.0);
	}
}

// Without membw_bytes a job never touches the bus (the model is off for it).
TEST(MemoryBus, WorkThatDoesNotStreamIsUntouched)
{
	sc_fresh_context();
	Rig r(CO_SCHED_FAIR, 1);
	r.lane(1, 1);
	Job &a = r.stream(1, 1, 1, 3 * kMs, 0);
	sc_core::sc_start();
	EXPECT_EQ(a.done_ns, 3 * kMs);
	EXPECT_EQ(r.bus.settles(), 0u);
	EXPECT_EQ(r.bus.bytes_moved(a.done_ns), 0u);
}

} // namespace
} // namespace coconut::devices::test
