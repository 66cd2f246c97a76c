// PcieLink + DmaEngine: exact alone time, per-chunk fair arbitration against a flooder,
// degradation, and the TLM-2.0 path (a pass-through spy between initiator and target).
#include "pcie_link.h"

#include "test_support.h"

#include <cstdio>

namespace coconut::devices::test {
namespace {

using coconut::sim::now_ns;
using coconut::sim::ns;
using coconut::sim::sc_fresh_context;

constexpr u64 kMiB = 1024 * 1024;
constexpr u64 kChunkNs = 5243; // ceil(262144 B / 50 GB/s)

// Forwards both paths unchanged and counts the calls and phases it sees.
struct Spy : sc_core::sc_module {
	tlm_utils::simple_target_socket<Spy> in;
	tlm_utils::simple_initiator_socket<Spy> out;
	u64 fw_begin_req = 0;
	u64 bw_begin_resp = 0;
	u64 other = 0;
	std::vector<u64> lengths;

	explicit Spy(sc_core::sc_module_name n) : sc_module(n), in("in"), out("out")
	{
		in.register_nb_transport_fw(this, &Spy::fw);
		out.register_nb_transport_bw(this, &Spy::bw);
	}
	tlm::tlm_sync_enum fw(tlm::tlm_generic_payload &t, tlm::tlm_phase &ph, sc_core::sc_time &d)
	{
		(ph == tlm::BEGIN_REQ ? fw_begin_req : other)++;
		lengths.push_back(t.get_data_length());
		return out->nb_transport_fw(t, ph, d);
	}
	tlm::tlm_sync_enum bw(tlm::tlm_generic_payload &t, tlm::tlm_phase &ph, sc_core::sc_time &d)
	{
		(ph == tlm::BEGIN_RESP ? bw_begin_resp : other)++;
		EXPECT_EQ(t.get_response_status(), tlm::TLM_OK_RESPONSE);
		return in->nb_transport_bw(t, ph, d);
	}
};

// A fresh simulation with one link, its DMA engine bound to it (unless through a spy), and
// lanes for AIDs 1 (tenant 1) and 2 (tenant 2).
struct LinkRig {
	explicit LinkRig(u32 policy, bool bind = true, const PcieProfile &profile = pcie_like())
		: fresh((sc_fresh_context(), 0)), sched(CO_SCHED_RES_PCIE, policy),
		  link("link", profile, sched.get()), dma("dma")
	{
		sched.lane(1, 1);
		sched.lane(2, 2);
		if (bind)
			dma.initiator.bind(link.target);
	}
	Job &transfer(u64 id, u64 aid, u64 bytes)
	{
		Job &j = add_job(jobs, id, aid, static_cast<u32>(aid), Stage::Pcie, &sink);
		j.bytes = bytes;
		dma.submit(j, link);
		return j;
	}
	int fresh;
	Sched sched;
	Recorder sink;
	PcieLink link;
	DmaEngine dma;
	Jobs jobs;
};

// Transfers of AID aid completed so far.
u64 done_of(const LinkRig &rig, u64 aid)
{
	u64 n = 0;
	for (const auto &j : rig.jobs)
		n += j->aid == aid && rig.sink.calls(j->id) == 1;
	return n;
}

// The per-copy overhead holds the wire (it is not pipelined like the latency): 2.5 us at
// 50 GB/s is 125,000 bytes of wire time before each copy's data.
PcieProfile with_overhead()
{
	PcieProfile p = pcie_like();
	p.copy_overhead_ns = 2500;
	return p;
}
constexpr u64 kOverheadUnits = 125000;

TEST(PcieLink, CopyOverheadHoldsTheWireForEachCopy)
{
	LinkRig rig(CO_SCHED_FIFO, true, with_overhead());
	constexpr u64 kCopy = 4096, kCopies = 100;
	const u64 turn_ns = (kOverheadUnits + kCopy + 49) / 50; // ceil(units / 50 B/ns)
	EXPECT_EQ(rig.link.alone_ns(kCopy), 2000 + turn_ns);
	for (u64 i = 0; i < kCopies; i++)
		rig.transfer(i + 1, 1, kCopy);
	sc_core::sc_start();
	EXPECT_EQ(done_of(rig, 1), kCopies);
	// Back to back: one overhead per copy on the wire, the latency once at the end.
	EXPECT_EQ(rig.jobs.back()->done_ns, kCopies * turn_ns + 2000);
	EXPECT_EQ(rig.link.busy_ns(), kCopies * turn_ns);
	EXPECT_EQ(rig.link.bytes_moved(), kCopies * kCopy) << "the overhead moves no data";
	const double gb_per_s = static_cast<double>(kCopies * kCopy) /
				static_cast<double>(rig.jobs.back()->done_ns - 2000);
	std::printf("pcie: 4 KiB copies back to back at 50 GB/s with 2.5 us each: %.2f GB/s\n",
		    gb_per_s);
	EXPECT_LT(gb_per_s, 2.0) << "small copies run far below the link's bandwidth";
}

// Fair sharing counts the overhead as wire time: a tenant sending 4 KiB copies and one sending
// 4 MiB copies, both backlogged, get the wire about equally (not equal bytes), and each copy
// is charged its overhead.
TEST(PcieLink, CopyOverheadIsChargedToTheTenant)
{
	LinkRig rig(CO_SCHED_FAIR, true, with_overhead());
	for (u64 i = 0; i < 2000; i++)
		rig.transfer(i + 1, 1, 4096);
	for (u64 i = 0; i < 50; i++)
		rig.transfer(10000 + i, 2, 4 * kMiB);
	sc_core::sc_start(ns(2000000)); // 2 ms, both tenants backlogged throughout
	co_sched_tenant_info small{}, large{};
	ASSERT_EQ(co_sched_get_tenant_info(rig.sched.get(), 1, &small), 0);
	ASSERT_EQ(co_sched_get_tenant_info(rig.sched.get(), 2, &large), 0);
	const u64 small_copies = done_of(rig, 1);
	ASSERT_GT(small_copies, 100u);
	ASSERT_LT(small_copies, 2000u) << "still backlogged";
	// Whole copies were served, each charged its bytes and its overhead.
	EXPECT_GE(small.served_units, small_copies * (4096 + kOverheadUnits));
	const double ratio =
		static_cast<double>(small.served_units) / static_cast<double>(large.served_units);
	EXPECT_NEAR(ratio, 1.0, 0.1) << "wire time split evenly between the tenants";
}

TEST(PcieLink, AloneTransferTimeIsExact)
{
	LinkRig rig(CO_SCHED_FAIR);
	PcieLink &link = rig.link;
	Recorder &sink = rig.sink;
	// latency + four full chunks + 100 bytes (2 ns at 50 GB/s)
	const u64 bytes = 4 * 262144 + 100;
	EXPECT_EQ(link.alone_ns(bytes), 2000 + 4 * kChunkNs + 2);
	sc_core::sc_start(ns(777));
	Job &a = rig.transfer(1, 1, bytes);
	EXPECT_EQ(sink.calls(1), 0u);
	EXPECT_EQ(a.alone_ns, link.alone_ns(bytes));
	sc_core::sc_start();
	EXPECT_EQ(sink.calls(1), 1u);
	EXPECT_EQ(a.rc, 0);
	EXPECT_EQ(a.start_ns, 777u);
	EXPECT_EQ(a.done_ns, 777 + a.alone_ns);
	EXPECT_EQ(link.bytes_moved(), bytes);
	EXPECT_EQ(link.busy_ns(), 4 * kChunkNs + 2); // the latency does not hold the wire
	EXPECT_EQ(link.completed(), 1u);
}

struct FloodResult {
	u64 victim_latency_ns;
	u64 victim_alone_ns;
	u64 last_flooder_done_ns;
	u64 victim_done_ns;
};

FloodResult flood(u32 policy)
{
	LinkRig rig(policy);
	Jobs &jobs = rig.jobs;
	PcieLink &link = rig.link;
	for (u64 i = 0; i < 100; i++)
		rig.transfer(i, 1, 4 * kMiB);
	sc_core::sc_start(ns(1000000)); // 1 ms in: the flooder is well into its backlog
	Job &v = rig.transfer(1000, 2, 262144);
	sc_core::sc_start();
	EXPECT_EQ(link.completed(), 101u);
	EXPECT_EQ(link.bytes_moved(), 100 * 4 * kMiB + 262144);
	FloodResult r{ v.done_ns - v.submit_ns, v.alone_ns, 0, v.done_ns };
	for (u64 i = 0; i < 100; i++)
		r.last_flooder_done_ns = std::max(r.last_flooder_done_ns, jobs[i]->done_ns);
	return r;
}

TEST(PcieLink, FairServesAVictimWithinAFewChunksOfAFlooder)
{
	FloodResult fair = flood(CO_SCHED_FAIR);
	FloodResult fifo = flood(CO_SCHED_FIFO);
	std::printf("pcie victim (256 KiB behind 100 x 4 MiB): alone %llu ns, fair %llu ns, "
		    "fifo %llu ns\n",
		    (unsigned long long)fair.victim_alone_ns,
		    (unsigned long long)fair.victim_latency_ns,
		    (unsigned long long)fifo.victim_latency_ns);
	// fair: at most the chunk on the wire and one flooder turn before it.
	EXPECT_LE(fair.victim_latency_ns, fair.victim_alone_ns + 2 * kChunkNs);
	// fifo: after every byte the flooder queued before it.
	EXPECT_GT(fifo.victim_done_ns, fifo.last_flooder_done_ns);
	EXPECT_GT(fifo.victim_latency_ns, 100 * fifo.victim_alone_ns);
}

TEST(PcieLink, DegradationHalvesThroughputFromNow)
{
	LinkRig rig(CO_SCHED_FAIR);
	PcieLink &link = rig.link;
	Job &a = rig.transfer(1, 1, 2 * 262144);
	sc_core::sc_start(ns(1000)); // 1 us into its one turn (alone: uncontended)
	link.set_bandwidth_percent(50);
	EXPECT_EQ(link.bandwidth_percent(), 50u);
	sc_core::sc_start();
	// 50,000 bytes moved at 50 GB/s in the first microsecond, the other 474,288 at 25 GB/s
	// (18,971.52 ns, rounded up), then the latency.
	EXPECT_EQ(a.done_ns, 1000u + 18972 + 2000);

	// Throughput over a long transfer: half of nominal (to rounding).
	u64 t0 = now_ns();
	Job &b = rig.transfer(2, 1, 64 * kMiB);
	sc_core::sc_start();
	u64 degraded = b.done_ns - t0 - 2000;
	u64 nominal = link.alone_ns(b.bytes) - 2000;
	EXPECT_GE(degraded, 2 * nominal - 256);
	EXPECT_LE(degraded, 2 * nominal + 256);
	EXPECT_THROW(link.set_bandwidth_percent(0), std::invalid_argument);
	EXPECT_THROW(link.set_bandwidth_percent(101), std::invalid_argument);
}

// Arbitration costs events only where it decides something: a flood alone is one turn on the
// wire per transfer however big. A victim with credit arriving mid-flood takes the wire at once
// (the turn on it is cut, its bytes so far charged: a preemption) and finishes within a
// nanosecond per chunk of its time alone (its turns are chunks while the flood waits); the
// flood then goes on. Under fifo nothing is cut and the victim waits for the whole flood.
TEST(PcieLink, AnArrivalWithCreditCutsTheTurnOnTheWire)
{
	for (u32 policy : { CO_SCHED_FAIR, CO_SCHED_FIFO }) {
		LinkRig rig(policy);
		ASSERT_EQ(co_sched_set_lag_limit(rig.sched.get(), 64 * kMiB), 0);
		Job &first = rig.transfer(1, 1, 1024 * kMiB);
		for (u64 i = 0; i < 3; i++)
			rig.transfer(10 + i, 1, 256 * kMiB); // more of the flood, same lane
		sc_core::sc_start(
			ns(30000000)); // the GiB (21.5 ms) and one more done, a third going
		EXPECT_GT(now_ns(), first.done_ns);
		EXPECT_EQ(rig.link.turns(), 3u) << "alone: one turn per transfer";
		Job &v = rig.transfer(2, 2, 8 * kMiB);
		sc_core::sc_start();
		const bool fair = policy == CO_SCHED_FAIR;
		EXPECT_EQ(rig.link.preemptions(), fair ? 1u : 0u) << co_sched_policy_name(policy);
		if (fair) {
			EXPECT_GE(v.done_ns - v.submit_ns, v.alone_ns);
			EXPECT_LE(v.done_ns - v.submit_ns, v.alone_ns + 32) << "no wait at all";
		} else {
			for (const auto &j : rig.jobs)
				EXPECT_LE(j->done_ns, v.done_ns);
		}
		EXPECT_EQ(rig.link.bytes_moved(), 1792 * kMiB + 8 * kMiB);
	}
}

TEST(PcieLink, TransfersTravelAsTlmTransactions)
{
	LinkRig rig(CO_SCHED_FAIR, false);
	Spy spy("spy");
	rig.dma.initiator.bind(spy.in);
	spy.out.bind(rig.link.target);
	for (u64 i = 0; i < 20; i++)
		rig.transfer(i, 1 + i % 2, 1000 * (i + 1));
	EXPECT_EQ(spy.fw_begin_req, 20u);
	EXPECT_EQ(spy.bw_begin_resp, 0u);
	sc_core::sc_start();
	EXPECT_EQ(spy.fw_begin_req, 20u);
	EXPECT_EQ(spy.bw_begin_resp, 20u);
	EXPECT_EQ(spy.other, 0u);
	ASSERT_EQ(spy.lengths.size(), 20u);
	for (u64 i = 0; i < 20; i++)
		EXPECT_EQ(spy.lengths[i], 1000 * (i + 1));
	EXPECT_EQ(rig.sink.order.size(), 20u);

	// A second wave reuses the payloads of the first (the pool does not grow): same counts.
	for (u64 i = 0; i < 20; i++)
		rig.transfer(100 + i, 1 + i % 2, 4096);
	sc_core::sc_start();
	EXPECT_EQ(spy.bw_begin_resp, 40u);
	EXPECT_EQ(rig.link.completed(), 40u);
}

} // namespace
} // namespace coconut::devices::test
