// 200 simulations back to back in one process, each on a fresh SystemC context with every
// device: they must give the same results every time and not grow the heap.
#include "broker.h"
#include "cpu_cluster.h"
#include "gpu.h"
#include "pcie_link.h"
#include "ssd.h"
#include "tpm.h"

#include "test_support.h"

#include <malloc.h>

namespace coconut::devices::test {
namespace {

using coconut::sim::ns;
using coconut::sim::sc_fresh_context;

// A closed loop: each job's completion submits the next stage (cpu -> pcie -> inference ->
// ssd), as the engine will. Returns a digest of every completion time.
u64 one_simulation(u64 seed)
{
	sc_fresh_context();
	Sched cpu_s(CO_SCHED_RES_CPU, CO_SCHED_FAIR);
	Sched pcie_s(CO_SCHED_RES_PCIE, CO_SCHED_FAIR);
	Sched gpu_s(CO_SCHED_RES_GPU, CO_SCHED_FAIR);
	Sched tok_s(CO_SCHED_RES_TOKENS, CO_SCHED_FAIR);
	for (u64 aid = 1; aid <= 4; aid++)
		for (Sched *s : { &cpu_s, &pcie_s, &gpu_s, &tok_s })
			s->lane(aid, static_cast<u32>(1 + aid % 2));
	CpuCluster cpu("cpu", 2, 100000, cpu_s.get());
	PcieLink link("link", pcie_like(), pcie_s.get());
	DmaEngine dma("dma");
	dma.initiator.bind(link.target);
	Gpu gpu("gpu", 0, h100_like(20000), {}, { gpu_s.get() }, 500000);
	InferenceBroker broker("broker", BrokerParams{}, { &gpu }, { { tok_s.get() } });
	SsdProfile sp;
	sp.read_bytes_per_s = 7000000000ull;
	sp.read_latency_ns = 80000;
	Ssd ssd("ssd", sp);
	TpmProfile tp;
	tp.nv_write_ns = 1000;
	tp.nv_indices = 1;
	Tpm tpm("tpm", tp);

	struct Pipeline : JobSink {
		CpuCluster *cpu;
		DmaEngine *dma;
		PcieLink *link;
		InferenceBroker *broker;
		Ssd *ssd;
		Tpm *tpm;
		u64 digest = 0;
		void job_done(Job &j) override
		{
			digest = digest * 1000003 + j.done_ns * 31 + j.id;
			std::uint8_t d[8];
			for (int i = 0; i < 8; i++)
				d[i] = static_cast<std::uint8_t>(digest >> (8 * i));
			tpm->nv_write(0, d, sizeof d);
			switch (j.stage) {
			case Stage::Cpu:
				j.stage = Stage::Pcie;
				dma->submit(j, *link);
				break;
			case Stage::Pcie:
				j.stage = Stage::Inference;
				broker->submit(j);
				break;
			case Stage::Inference:
				j.stage = Stage::Ssd;
				ssd->submit(j);
				break;
			default:
				break;
			}
		}
	} pipe;
	pipe.cpu = &cpu;
	pipe.dma = &dma;
	pipe.link = &link;
	pipe.broker = &broker;
	pipe.ssd = &ssd;
	pipe.tpm = &tpm;

	Jobs jobs;
	for (u64 i = 0; i < 12; i++) {
		Job &j = add_job(jobs, i, 1 + i % 4, static_cast<u32>(1 + (1 + i % 4) % 2),
				 Stage::Cpu, &pipe);
		j.cpu_ns = 50000 + 1000 * ((seed + i) % 7);
		j.bytes = 100000 * (1 + i % 5);
		j.prompt_tokens = static_cast<u32>(64 + 32 * (i % 3));
		j.gen_tokens = static_cast<u32>(4 + i % 5);
		cpu.submit(j);
	}
	sc_core::sc_start();
	EXPECT_EQ(ssd.completed(), 12u);
	EXPECT_EQ(tpm.writes(), 48u);
	return pipe.digest;
}

TEST(ManySimulations, TwoHundredFreshContextsAreIdenticalAndDoNotGrowTheHeap)
{
	const u64 first = one_simulation(3);
	std::size_t heap_after_warmup = 0;
	for (int run = 1; run < 200; run++) {
		EXPECT_EQ(one_simulation(3), first) << "run " << run;
		if (run == 20)
			heap_after_warmup = mallinfo2().uordblks;
	}
	EXPECT_NE(one_simulation(4), first); // the digest does see the inputs
	std::size_t heap_end = mallinfo2().uordblks;
#if !defined(__SANITIZE_ADDRESS__)
	// Flat: a leak of even one small object per simulation would show as ~180 x its size.
	EXPECT_LT(heap_end, heap_after_warmup + 64 * 1024)
		<< "heap grew from " << heap_after_warmup << " to " << heap_end;
#else
	(void)heap_end;
	(void)heap_after_warmup;
#endif
}

} // namespace
} // namespace coconut::devices::test
