// Gpu: partitions and their shares, compute jobs sliced by the partition's scheduler,
// alternation with broker iterations, partition loss.
#include "broker.h"
#include "gpu.h"

#include "test_support.h"

#include <cerrno>

namespace coconut::devices::test {
namespace {

using coconut::sim::now_ns;
using coconut::sim::ns;
using coconut::sim::sc_fresh_context;

constexpr u64 kMs = 1000000;
// broker_golden.py: a 1-token prompt with 100 tokens alone, and its first two iterations.
constexpr u64 kAlone1x100Ns = 522395800;
constexpr u64 kFirstTwoNs = 10447916;

TEST(Gpu, PartitionsGetComputeInProportionToTheirHbm)
{
	sc_fresh_context();
	Sched s0(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	Sched s1(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	Sched s2(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	for (Sched *s : { &s0, &s1, &s2 })
		s->lane(1, 1);
	Recorder sink;
	Gpu gpu("gpu", 0, h100_like(), { 40 * kGiB, 20 * kGiB, 20 * kGiB },
		{ s0.get(), s1.get(), s2.get() }, 100000);
	ASSERT_EQ(gpu.partitions(), 3u);
	EXPECT_EQ(gpu.partition(0).compute_share_milli, 500u);
	EXPECT_EQ(gpu.partition(1).compute_share_milli, 250u);
	EXPECT_EQ(gpu.partition(1).hbm_bytes, 20 * kGiB);
	Jobs jobs;
	for (u32 p = 0; p < 3; p++) {
		Job &j = add_job(jobs, p, 1, 1, Stage::GpuCompute, &sink);
		j.partition = p;
		j.gpu_ns = 1 * kMs + 1; // on the whole GPU
		gpu.submit(j);
	}
	EXPECT_EQ(jobs[0]->alone_ns, 2 * kMs + 2);
	EXPECT_EQ(jobs[1]->alone_ns, 4 * kMs + 4);
	sc_core::sc_start();
	for (u32 p = 0; p < 3; p++) {
		EXPECT_EQ(jobs[p]->rc, 0);
		EXPECT_EQ(jobs[p]->done_ns, jobs[p]->alone_ns);
		EXPECT_EQ(gpu.busy_ns(p), jobs[p]->alone_ns);
	}
	EXPECT_EQ(gpu.completed(), 3u);
}

TEST(Gpu, BadConfigurationsAreRejectedWithAReason)
{
	sc_fresh_context();
	Sched s0(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	Sched s1(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	EXPECT_THROW(Gpu("over", 0, h100_like(), { 60 * kGiB, 30 * kGiB }, { s0.get(), s1.get() },
			 1000),
		     std::invalid_argument);
	EXPECT_THROW(Gpu("scheds", 0, h100_like(), { 40 * kGiB, 40 * kGiB }, { s0.get() }, 1000),
		     std::invalid_argument);
	GpuProfile whole = h100_like();
	whole.max_partitions = 1;
	EXPECT_THROW(Gpu("mig", 0, whole, { 40 * kGiB, 40 * kGiB }, { s0.get(), s1.get() }, 1000),
		     std::invalid_argument);
	Gpu ok("ok", 0, whole, {}, { s0.get() }, 1000);
	EXPECT_EQ(ok.partition(0).hbm_bytes, 80 * kGiB);
	EXPECT_EQ(ok.partition(0).compute_share_milli, 1000u);
	EXPECT_THROW(ok.partition(1), std::out_of_range);
}

TEST(Gpu, ExecutorSharesTimeBetweenIterationsAndComputeSlices)
{
	sc_fresh_context();
	Sched gs(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	Sched ts(CO_SCHED_RES_TOKENS, CO_SCHED_FAIR);
	gs.lane(1, 1);
	ts.lane(2, 2);
	Recorder sink;
	Gpu gpu("gpu", 0, h100_like(), {}, { gs.get() }, 1 * kMs);
	InferenceBroker broker("broker", test_params(), { &gpu }, { { ts.get() } });
	Jobs jobs;
	Job &c = add_job(jobs, 1, 1, 1, Stage::GpuCompute, &sink);
	c.gpu_ns = 10 * kMs;
	Job &r = add_job(jobs, 2, 2, 2, Stage::Inference, &sink);
	r.prompt_tokens = 1;
	r.gen_tokens = 100; // decodes for longer than the compute job runs
	gpu.submit(c);
	broker.submit(r);
	sc_core::sc_start();
	// Equal GPU time while both wait: an iteration (5.2 ms), six 1 ms slices (the compute side
	// is then ahead), an iteration, four slices: the compute job is done after two iterations.
	EXPECT_EQ(c.done_ns, kFirstTwoNs + 10 * kMs);
	// The request lost the ten slices to the compute job.
	EXPECT_EQ(r.done_ns, kAlone1x100Ns + 10 * kMs);
	EXPECT_EQ(r.alone_ns, kAlone1x100Ns);
	EXPECT_EQ(gpu.busy_ns(0), r.done_ns);
	EXPECT_EQ(broker.iterations(), 100u);
}

TEST(Gpu, LostPartitionFailsEverythingOnItAtOnce)
{
	sc_fresh_context();
	Sched g0(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	Sched g1(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	Sched t0(CO_SCHED_RES_TOKENS, CO_SCHED_FAIR);
	Sched t1(CO_SCHED_RES_TOKENS, CO_SCHED_FAIR);
	for (Sched *s : { &g0, &g1, &t0, &t1 })
		s->lane(1, 1);
	Recorder sink;
	Gpu gpu("gpu", 0, h100_like(), { 40 * kGiB, 40 * kGiB }, { g0.get(), g1.get() }, kMs);
	BrokerParams bp = test_params();
	bp.max_seqs = 2;
	InferenceBroker broker("broker", bp, { &gpu }, { { t0.get(), t1.get() } });
	Jobs jobs;
	for (u32 p = 0; p < 2; p++) {
		for (u64 i = 0; i < 3; i++) {
			Job &c = add_job(jobs, 10 * p + i, 1, 1, Stage::GpuCompute, &sink);
			c.partition = p;
			c.gpu_ns = 5 * kMs;
			gpu.submit(c);
			Job &r = add_job(jobs, 100 + 10 * p + i, 1, 1, Stage::Inference, &sink);
			r.partition = p;
			r.prompt_tokens = 100;
			r.gen_tokens = 50;
			broker.submit(r);
		}
	}
	const u64 t_loss = 23 * kMs + 17;
	sc_core::sc_start(ns(t_loss));
	u64 done_before = sink.order.size();
	gpu.lose_partition(0);
	EXPECT_TRUE(gpu.partition(0).lost);
	EXPECT_FALSE(gpu.partition(1).lost);
	u64 busy0 = gpu.busy_ns(0);
	EXPECT_EQ(busy0, t_loss);
	// Late submits on the lost partition, and on partitions that do not exist.
	Job &late_c = add_job(jobs, 200, 1, 1, Stage::GpuCompute, &sink);
	late_c.gpu_ns = kMs;
	gpu.submit(late_c);
	Job &late_r = add_job(jobs, 201, 1, 1, Stage::Inference, &sink);
	late_r.prompt_tokens = 1;
	late_r.gen_tokens = 1;
	broker.submit(late_r);
	Job &nodev = add_job(jobs, 202, 1, 1, Stage::Inference, &sink);
	nodev.gpu = 3;
	nodev.prompt_tokens = 1;
	broker.submit(nodev);
	Job &nopart = add_job(jobs, 203, 1, 1, Stage::GpuCompute, &sink);
	nopart.partition = 2;
	nopart.gpu_ns = 1;
	gpu.submit(nopart);
	EXPECT_EQ(sink.order.size(), done_before); // nothing synchronous
	sc_core::sc_start();
	EXPECT_EQ(gpu.busy_ns(0), busy0);
	u32 failed = 0;
	for (const auto &j : jobs) {
		bool on_lost = j->partition == 0 && j->gpu == 0;
		if (j->id == 202 || j->id == 203) {
			EXPECT_EQ(j->rc, -ENODEV) << j->id;
			EXPECT_EQ(j->done_ns, t_loss);
		} else if (on_lost && j->rc != 0) {
			EXPECT_EQ(j->rc, -EIO) << j->id;
			EXPECT_EQ(j->done_ns, t_loss) << j->id;
			failed++;
		} else {
			EXPECT_EQ(j->rc, 0) << j->id;
			EXPECT_LE(j->done_ns, on_lost ? t_loss : UINT64_MAX) << j->id;
		}
		EXPECT_EQ(sink.calls(j->id), 1u) << j->id;
	}
	// 23 ms of alternating work on partition 0 cannot have finished its 3 compute jobs
	// (10 ms each at half the GPU) and 3 requests: most fail.
	EXPECT_GE(failed, 4u);
	EXPECT_EQ(late_c.rc, -EIO);
	EXPECT_EQ(late_r.rc, -EIO);
	EXPECT_EQ(broker.queued(), 0u);
}

} // namespace
} // namespace coconut::devices::test
