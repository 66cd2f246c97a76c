// Tpm (NV writes, injected failures, capacity) and Ssd (one FIFO queue).
#include "ssd.h"
#include "tpm.h"

#include "test_support.h"

#include <cerrno>

namespace coconut::devices::test {
namespace {

using coconut::sim::now_ns;
using coconut::sim::ns;
using coconut::sim::sc_fresh_context;

TEST(Tpm, WritesReadBackFailOnDemandAndRunOutOfIndices)
{
	sc_fresh_context();
	TpmProfile prof;
	prof.name = "tpm-like";
	prof.nv_write_ns = 35000000;
	prof.nv_indices = 2;
	Tpm tpm("tpm", prof);
	EXPECT_EQ(tpm.nv_write_ns(), 35000000u);
	const std::uint8_t a[] = { 1, 2, 3 };
	const std::uint8_t b[] = { 9, 8 };
	EXPECT_TRUE(tpm.nv_read(7).empty());
	EXPECT_EQ(tpm.nv_write(7, a, sizeof a), 0);
	EXPECT_EQ(tpm.nv_read(7), (std::vector<std::uint8_t>{ 1, 2, 3 }));

	tpm.fail_next_writes(2);
	EXPECT_EQ(tpm.nv_write(7, b, sizeof b), -EIO);
	EXPECT_EQ(tpm.nv_write(7, b, sizeof b), -EIO);
	EXPECT_EQ(tpm.nv_read(7), (std::vector<std::uint8_t>{ 1, 2, 3 })); // untouched
	EXPECT_EQ(tpm.nv_write(7, b, sizeof b), 0);
	EXPECT_EQ(tpm.nv_read(7), (std::vector<std::uint8_t>{ 9, 8 }));

	EXPECT_EQ(tpm.nv_write(8, a, 1), 0);
	EXPECT_EQ(tpm.nv_write(9, a, 1), -ENOSPC); // a third index
	EXPECT_EQ(tpm.nv_write(8, nullptr, 0), 0); // an existing index may be rewritten
	EXPECT_TRUE(tpm.nv_read(8).empty());
	EXPECT_EQ(tpm.nv_write(8, nullptr, 4), -EINVAL);
	EXPECT_EQ(tpm.writes(), 4u);
	EXPECT_EQ(tpm.failures(), 4u);
}

TEST(Ssd, ServesOneJobAtATimeInArrivalOrder)
{
	sc_fresh_context();
	SsdProfile prof;
	prof.name = "nvme-like";
	prof.read_bytes_per_s = 7000000000ull;
	prof.write_bytes_per_s = 5000000000ull;
	prof.read_latency_ns = 80000;
	SsdProfile bad = prof;
	bad.read_bytes_per_s = 0;
	EXPECT_THROW(Ssd("bad", bad), std::invalid_argument);
	Ssd ssd("ssd", prof);
	Recorder sink;
	Jobs jobs;
	const u64 bytes[3] = { 4096, 1 << 20, 7000 };
	// 4096 B: 586 ns (585.14 rounded up); 1 MiB: 149797 ns; 7000 B: 1000 ns.
	const u64 service[3] = { 80000 + 586, 80000 + 149797, 80000 + 1000 };
	for (u64 i = 0; i < 3; i++) {
		Job &j = add_job(jobs, i, 1, 1, Stage::Ssd, &sink);
		j.bytes = bytes[i];
		ssd.submit(j);
		EXPECT_EQ(j.alone_ns, service[i]);
	}
	EXPECT_EQ(sink.order.size(), 0u);
	sc_core::sc_start();
	u64 t = 0;
	for (u64 i = 0; i < 3; i++) {
		EXPECT_EQ(jobs[i]->start_ns, t);
		t += service[i];
		EXPECT_EQ(jobs[i]->done_ns, t);
	}
	EXPECT_EQ(sink.order, (std::vector<u64>{ 0, 1, 2 }));
	// An idle SSD starts a new job at once.
	sc_core::sc_start(ns(1000000));
	Job &late = add_job(jobs, 3, 1, 1, Stage::Ssd, &sink);
	late.bytes = 7000;
	u64 t0 = now_ns();
	ssd.submit(late);
	sc_core::sc_start();
	EXPECT_EQ(late.done_ns, t0 + 81000);
	EXPECT_EQ(ssd.completed(), 4u);
}

TEST(Job, StageNames)
{
	EXPECT_STREQ(stage_name(Stage::Cpu), "cpu");
	EXPECT_STREQ(stage_name(Stage::Pcie), "pcie");
	EXPECT_STREQ(stage_name(Stage::GpuCompute), "gpu");
	EXPECT_STREQ(stage_name(Stage::Inference), "inference");
	EXPECT_STREQ(stage_name(Stage::Ssd), "ssd");
}

} // namespace
} // namespace coconut::devices::test
