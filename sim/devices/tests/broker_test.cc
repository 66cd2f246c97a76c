// InferenceBroker: roofline iteration times (golden values for an H100-like GPU and a 7B fp16
// model), exact alone time, batching, the batch token limit, cancel, fair vs fifo admission.
#include "broker.h"

#include "test_support.h"

#include <cerrno>
#include <cstdio>

namespace coconut::devices::test {
namespace {

using coconut::sim::now_ns;
using coconut::sim::ns;
using coconut::sim::sc_fresh_context;

// Golden values, computed by hand (exact fractions, rounded up) for 7e9 params * 2 B on
// 3.35e12 B/s * 80 % and 989e12 FLOP/s * 50 %:
constexpr u64 kDecodeNs = 5223881;	   // 14e9 / 2.68e12 s: the memory floor
constexpr u64 kPrefill184Ns = 5209303;	   // 2 * 7e9 * 184 / 4.945e14 s: still under it
constexpr u64 kPrefill186Ns = 5265926;	   // just over it (compute-bound from 185 tokens)
constexpr u64 kPrefill512Ns = 14495450;
constexpr u64 kPrefill1808Ns = 51187058;
constexpr u64 kPrefill8192Ns = 231927200; // a full 8192-token batch
constexpr u64 kDecodeEighthNs = 41791045; // the memory floor on a 10 GiB (1/8) partition

// One GPU (optionally partitioned), one token scheduler per partition, one broker.
struct Rig {
	explicit Rig(u32 policy, BrokerParams bp = BrokerParams{}, u64 overhead_ns = 0,
		     std::vector<u64> parts = {})
		: gs(parts.empty() ? 1 : parts.size()), ts(parts.empty() ? 1 : parts.size())
	{
		std::vector<co_sched *> g;
		std::vector<co_sched *> t;
		for (std::size_t p = 0; p < gs.size(); p++) {
			gs[p] = std::make_unique<Sched>(CO_SCHED_RES_GPU, policy);
			ts[p] = std::make_unique<Sched>(CO_SCHED_RES_TOKENS, policy);
			g.push_back(gs[p]->get());
			t.push_back(ts[p]->get());
		}
		gpu = std::make_unique<Gpu>("gpu", 0, h100_like(overhead_ns), parts, g, 1000000);
		broker = std::make_unique<InferenceBroker>("broker", bp, std::vector<Gpu *>{ gpu.get() },
							   std::vector<std::vector<co_sched *>>{ t });
	}
	void lane(u64 aid, u32 tenant)
	{
		for (auto &s : ts)
			s->lane(aid, tenant);
	}
	Job &request(u64 id, u64 aid, u32 tenant, u32 prompt, u32 gen, u32 partition = 0)
	{
		Job &j = add_job(jobs, id, aid, tenant, Stage::Inference, &sink);
		j.prompt_tokens = prompt;
		j.gen_tokens = gen;
		j.partition = partition;
		broker->submit(j);
		return j;
	}
	std::vector<std::unique_ptr<Sched>> gs;
	std::vector<std::unique_ptr<Sched>> ts;
	Recorder sink;
	Jobs jobs;
	std::unique_ptr<Gpu> gpu;
	std::unique_ptr<InferenceBroker> broker;
};

TEST(Broker, IterationTimesMatchTheRooflineGoldenValues)
{
	sc_fresh_context();
	Rig rig(CO_SCHED_FAIR);
	InferenceBroker &b = *rig.broker;
	// One-iteration requests: a prompt and the one token its last prefill chunk yields.
	EXPECT_EQ(b.alone_ns(0, 0, 1, 1), kDecodeNs);
	EXPECT_EQ(b.alone_ns(0, 0, 0, 1), kDecodeNs);
	EXPECT_EQ(b.alone_ns(0, 0, 184, 1), kDecodeNs);
	EXPECT_EQ(b.alone_ns(0, 0, 184, 0), kDecodeNs);
	EXPECT_GT(kDecodeNs, kPrefill184Ns);
	EXPECT_EQ(b.alone_ns(0, 0, 186, 1), kPrefill186Ns);
	EXPECT_EQ(b.alone_ns(0, 0, 512, 1), kPrefill512Ns);
	EXPECT_EQ(b.alone_ns(0, 0, 8192, 1), kPrefill8192Ns);
	// Chunked prefill (8192 + 1808), then two decode iterations.
	EXPECT_EQ(b.alone_ns(0, 0, 10000, 3), kPrefill8192Ns + kPrefill1808Ns + 2 * kDecodeNs);
	EXPECT_EQ(b.alone_ns(0, 0, 0, 7), 7 * kDecodeNs);
	EXPECT_EQ(b.alone_ns(1, 0, 1, 1), 0u); // no such GPU
	std::printf("h100-like, 7B fp16: decode iteration %.3f ms, 512-token prefill %.3f ms, "
		    "8192-token iteration %.3f ms\n",
		    kDecodeNs / 1e6, kPrefill512Ns / 1e6, kPrefill8192Ns / 1e6);
}

TEST(Broker, IterationTimeScalesWithPartitionShareAndAddsOverhead)
{
	sc_fresh_context();
	Rig rig(CO_SCHED_FAIR, BrokerParams{}, 150000, { 10 * kGiB, 70 * kGiB });
	EXPECT_EQ(rig.broker->alone_ns(0, 0, 1, 1), 150000 + kDecodeEighthNs);
	EXPECT_EQ(rig.broker->alone_ns(0, 0, 0, 3), 3 * (150000 + kDecodeEighthNs));
	EXPECT_EQ(rig.broker->alone_ns(0, 2, 1, 1), 0u);
}

TEST(Broker, LoneRequestTakesExactlyItsAloneTime)
{
	struct Case {
		u32 prompt, gen;
	} cases[] = { { 1000, 50 }, { 20000, 0 }, { 0, 5 }, { 8192, 2 }, { 7, 1 } };
	for (const Case &c : cases) {
		sc_fresh_context();
		Rig rig(CO_SCHED_FAIR, BrokerParams{}, 40000);
		rig.lane(1, 1);
		sc_core::sc_start(ns(12345));
		Job &j = rig.request(1, 1, 1, c.prompt, c.gen);
		EXPECT_EQ(rig.sink.calls(1), 0u);
		sc_core::sc_start();
		EXPECT_EQ(j.rc, 0);
		EXPECT_EQ(j.start_ns, 12345u);
		EXPECT_EQ(j.done_ns - j.submit_ns, j.alone_ns) << c.prompt << "/" << c.gen;
		EXPECT_EQ(j.alone_ns, rig.broker->alone_ns(0, 0, c.prompt, c.gen));
		EXPECT_EQ(rig.broker->completed(), 1u);
	}
}

TEST(Broker, FourIdenticalRequestsShareTheIterationsOfOne)
{
	sc_fresh_context();
	Rig rig(CO_SCHED_FAIR);
	for (u64 a = 1; a <= 4; a++)
		rig.lane(a, 1);
	for (u64 a = 1; a <= 4; a++)
		rig.request(a, a, 1, 128, 64);
	sc_core::sc_start();
	const u64 alone = rig.jobs[0]->alone_ns;
	// One 512-token prefill iteration instead of four 128-token ones, then 63 shared decodes.
	EXPECT_EQ(rig.broker->iterations(), 64u);
	EXPECT_LT(rig.broker->iterations(), 4u * 64u);
	EXPECT_EQ(rig.broker->tokens_processed(), 4u * 128u + 4u * 63u);
	for (const auto &j : rig.jobs) {
		EXPECT_EQ(j->rc, 0);
		EXPECT_EQ(j->done_ns, rig.jobs[0]->done_ns); // same batch all along
	}
	EXPECT_EQ(rig.jobs[0]->done_ns, kPrefill512Ns + 63 * kDecodeNs);
	EXPECT_LT(rig.jobs[0]->done_ns, 4 * alone);
	EXPECT_EQ(rig.sink.order, (std::vector<u64>{ 1, 2, 3, 4 }));
}

TEST(Broker, EveryIterationRespectsTheBatchLimits)
{
	sc_fresh_context();
	BrokerParams bp;
	bp.batch_tokens = 2048;
	bp.max_seqs = 8;
	// fifo: the batch limits alone (fair also divides them by tenant: the next test).
	Rig rig(CO_SCHED_FIFO, bp);
	for (u64 a = 1; a <= 3; a++)
		rig.lane(a, static_cast<u32>(a));
	for (u64 i = 0; i < 30; i++)
		rig.request(i, 1 + i % 3, static_cast<u32>(1 + i % 3), static_cast<u32>(100 + 97 * i),
			    static_cast<u32>(5 + i % 7));
	// Sample the broker's counters every 100 us: iterations take >= 5.2 ms, so each one is
	// seen alone and its tokens are the difference.
	u64 seen_iterations = 0, full = 0, max_tokens = 0, prev_it = 0, prev_tok = 0;
	sc_core::sc_spawn_options opts;
	opts.spawn_method();
	InferenceBroker *b = rig.broker.get();
	sc_core::sc_spawn(
		[&] {
			u64 it = b->iterations();
			u64 tok = b->tokens_processed();
			if (it == prev_it + 1) {
				u64 d = tok - prev_tok;
				seen_iterations++;
				max_tokens = std::max(max_tokens, d);
				EXPECT_LE(d, 2048u);
				full += d == 2048;
			} else {
				EXPECT_EQ(it, prev_it);
			}
			prev_it = it;
			prev_tok = tok;
			if (b->completed() < 30)
				sc_core::next_trigger(ns(100000));
		},
		"sampler", &opts);
	sc_core::sc_start();
	EXPECT_EQ(b->completed(), 30u);
	EXPECT_EQ(seen_iterations, b->iterations());
	EXPECT_GT(full, 0u); // the limit was reached, not just never approached
	EXPECT_EQ(max_tokens, 2048u);
	u64 prompt_total = 0, gen_total = 0;
	for (const auto &j : rig.jobs) {
		EXPECT_EQ(j->rc, 0);
		prompt_total += j->prompt_tokens;
		gen_total += j->gen_tokens - 1; // the first comes out of the last prefill chunk
	}
	EXPECT_EQ(b->tokens_processed(), prompt_total + gen_total);
}

TEST(Broker, CancelCompletesAQueuedOrRunningRequestNow)
{
	sc_fresh_context();
	BrokerParams bp;
	bp.max_seqs = 1; // one sequence per iteration: the second request waits
	Rig rig(CO_SCHED_FIFO, bp);
	rig.lane(1, 1);
	Job &running = rig.request(1, 1, 1, 10, 100);
	Job &waiting = rig.request(2, 1, 1, 10, 100);
	Job &other = rig.request(3, 1, 1, 10, 2);
	sc_core::sc_start(ns(3 * kDecodeNs + 1000)); // mid fourth iteration of request 1
	EXPECT_EQ(rig.broker->queued(), 2u);
	EXPECT_TRUE(rig.broker->cancel(waiting, -EKEYREVOKED));
	EXPECT_EQ(rig.broker->queued(), 1u);
	EXPECT_TRUE(rig.broker->cancel(running, -ECANCELED));
	EXPECT_FALSE(rig.broker->cancel(running, -ECANCELED)); // already gone
	EXPECT_EQ(rig.sink.calls(1), 0u);
	const u64 t_cancel = now_ns();
	sc_core::sc_start();
	EXPECT_EQ(running.rc, -ECANCELED);
	EXPECT_EQ(running.done_ns, t_cancel);
	EXPECT_EQ(waiting.rc, -EKEYREVOKED);
	EXPECT_EQ(waiting.done_ns, t_cancel);
	// The iteration in flight runs to its end; then request 3 runs alone.
	EXPECT_EQ(other.rc, 0);
	EXPECT_EQ(other.done_ns, 4 * kDecodeNs + other.alone_ns);
	EXPECT_FALSE(rig.broker->cancel(other, -ECANCELED));
	EXPECT_EQ(rig.broker->completed(), 3u);
}

// A flooder tenant queues 500 requests; a victim in another tenant arrives a second later.
// Returns the victim's slowdown (latency / alone time).
double victim_slowdown(u32 policy, u64 *latency_ns, u64 *alone_ns, u64 lag_units = 0,
		       u32 batch_tokens = 8192, u32 flood_prompt = 128, u32 flood_gen = 256)
{
	sc_fresh_context();
	BrokerParams bp;
	bp.batch_tokens = batch_tokens;
	Rig rig(policy, bp);
	EXPECT_EQ(co_sched_set_lag_limit(rig.ts[0]->get(), lag_units), 0);
	rig.lane(1, 1);
	rig.lane(2, 2);
	for (u64 i = 0; i < 500; i++)
		rig.request(i, 1, 1, flood_prompt, flood_gen);
	sc_core::sc_start(ns(1000000000));
	Job &v = rig.request(1000, 2, 2, 128, 32);
	sc_core::sc_start();
	EXPECT_EQ(rig.broker->completed(), 501u);
	EXPECT_EQ(v.rc, 0);
	*latency_ns = v.done_ns - v.submit_ns;
	*alone_ns = v.alone_ns;
	return static_cast<double>(*latency_ns) / static_cast<double>(*alone_ns);
}

TEST(Broker, FairAdmissionKeepsAVictimCloseToItsAloneTime)
{
	u64 fair_lat, fair_alone, fifo_lat, fifo_alone;
	double fair = victim_slowdown(CO_SCHED_FAIR, &fair_lat, &fair_alone);
	double fifo = victim_slowdown(CO_SCHED_FIFO, &fifo_lat, &fifo_alone);
	std::printf("broker victim (128+32 behind 500 x 128+256): alone %.1f ms, fair %.1f ms "
		    "(x%.2f), fifo %.1f ms (x%.1f)\n",
		    fair_alone / 1e6, fair_lat / 1e6, fair, fifo_lat / 1e6, fifo);
	EXPECT_LT(fair, 3.0);
	EXPECT_GT(fifo, 20.0);
}

// With credit (a lag limit, as the simulator sets) and the release scenario's 512-token
// budget, behind a flood of long prompts whose batches are compute-bound: the victim is picked
// first and the flood may add only what the memory floor hides, so every iteration the victim
// is in costs what it would alone; it waits only for the iteration in flight when it arrives
// (at most a full 512-token one). Without credit it pays the flood's share of each batch.
TEST(Broker, AVictimWithCreditRunsAsIfAlone)
{
	u64 lat, alone, share_lat, share_alone;
	victim_slowdown(CO_SCHED_FAIR, &lat, &alone, 2000, 512, 2048, 16);
	victim_slowdown(CO_SCHED_FAIR, &share_lat, &share_alone, 0, 512, 2048, 16);
	std::printf("broker victim with credit: alone %.1f ms, with the flood %.1f ms; without "
		    "credit %.1f ms\n",
		    alone / 1e6, lat / 1e6, share_lat / 1e6);
	EXPECT_EQ(alone, share_alone);
	EXPECT_GE(lat, alone);
	EXPECT_LE(lat, alone + kPrefill512Ns) << "one iteration in flight at most";
	EXPECT_GT(share_lat, lat) << "the flood's share of each batch costs the victim";
}

// Fair admission divides each batch by tenant weight among the tenants with work waiting, past
// what the memory floor hides: tenant 1 (weight 1) and tenant 2 (weight 3) both queue long
// prompts; while both wait, an iteration of 2048 tokens holds at most 512 of 1's and 1536 of
// 2's; once 2 is done, 1 fills it. Without the division (fifo) 1's earlier requests fill the
// batch and 2 waits for them.
TEST(Broker, FairAdmissionDividesEachBatchByTenantWeight)
{
	for (u32 policy : { CO_SCHED_FAIR, CO_SCHED_FIFO }) {
		sc_fresh_context();
		BrokerParams bp;
		bp.batch_tokens = 2048;
		bp.max_seqs = 8;
		Rig rig(policy, bp);
		rig.lane(1, 1);
		rig.lane(2, 2);
		ASSERT_EQ(co_sched_tenant_set_weight(rig.ts[0]->get(), 2, 3), 0);
		for (u64 i = 0; i < 6; i++)
			rig.request(i, 1, 1, 4096, 1);
		for (u64 i = 0; i < 6; i++)
			rig.request(100 + i, 2, 2, 4096, 1);
		// Per iteration, each tenant's tokens (a prefill token is charged 1 unit), sampled
		// every 100 us as in the batch-limits test (iterations take milliseconds).
		co_sched *ts = rig.ts[0]->get();
		auto served = [ts](u32 t) {
			struct co_sched_tenant_info info {};
			EXPECT_EQ(co_sched_get_tenant_info(ts, t, &info), 0);
			return info.served_units;
		};
		u64 prev1 = 0, prev2 = 0, most1_both = 0, most2_both = 0, most1_alone = 0;
		std::pair<u64, u64> first{ 0, 0 };
		InferenceBroker *b = rig.broker.get();
		sc_core::sc_spawn_options opts;
		opts.spawn_method();
		sc_core::sc_spawn(
			[&] {
				const u64 s1 = served(1), s2 = served(2);
				if (s1 != prev1 || s2 != prev2) { // a batch was formed since
					const u64 n1 = s1 - prev1, n2 = s2 - prev2;
					EXPECT_LE(n1 + n2, 2048u);
					if (first.first + first.second == 0)
						first = { n1, n2 };
					if (n2) {
						most1_both = std::max(most1_both, n1);
						most2_both = std::max(most2_both, n2);
					} else {
						most1_alone = std::max(most1_alone, n1);
					}
				}
				prev1 = s1;
				prev2 = s2;
				if (b->completed() < 12)
					sc_core::next_trigger(ns(100000));
			},
			"sampler", &opts);
		sc_core::sc_start();
		EXPECT_EQ(b->completed(), 12u);
		if (policy == CO_SCHED_FAIR) {
			EXPECT_EQ(first, (std::pair<u64, u64>{ 512, 1536 })) << "1:3 by weight";
			EXPECT_EQ(most1_both, 512u) << "a quarter of the tokens while both wait";
			EXPECT_EQ(most2_both, 1536u);
			EXPECT_EQ(most1_alone, 2048u) << "all of them alone";
		} else {
			EXPECT_EQ(first, (std::pair<u64, u64>{ 2048, 0 }))
				<< "fifo: its earlier requests fill the batch";
		}
	}
}

} // namespace
} // namespace coconut::devices::test
