// The audit chain's hot path: co_audit_append() + co_audit_seal() per event (what every LSM
// decision costs, BLAKE3 and CBOR included, with anchoring every 1024 events into a fake TPM),
// the same in batches of 64 over 4 CPUs, the event encoding alone, and an offline verify of a
// full 512-record segment. No reference pair: there is no outside implementation of this chain
// to compare with. Every benchmark checks its result (the head moved and the chain grew by
// exactly the events appended plus the ANCHOR events, the encoding's length, the verdict) and
// aborts otherwise, so the ctest smoke run means the measured path works.
#include "user_platform.h"

#include "coconut/audit.h"
#include "coconut/cbor.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

void fail(const char *what)
{
	std::fprintf(stderr, "audit_bench: %s\n", what);
	std::abort();
}

// A few realistic events: LSM decisions with a cap text and an object digest.
std::vector<co_audit_event> sample_events()
{
	static const char *const caps[] = {"fs.read:/home/maya/project/**",
					   "net.egress:api.example.com:443", "gpu:0/partition/1",
					   "inference:kvwarden"};
	std::vector<co_audit_event> evs;
	for (int i = 0; i < 16; i++) {
		const bool deny = i % 5 == 4;
		co_audit_event ev;
		co_audit_event_init(&ev, deny ? COCONUT_EV_CAP_DENY : COCONUT_EV_CAP_ALLOW,
				    2 + i % 3, deny ? -ECAPABILITY : 0);
		const char *cap = caps[i % 4];
		co_audit_event_set_cap(&ev, cap, std::strlen(cap));
		const std::string obj = "/home/maya/project/src/file_" + std::to_string(i) + ".c";
		co_audit_event_set_object(&ev, obj.data(), obj.size());
		evs.push_back(ev);
	}
	return evs;
}

// An instance with the default configuration on 4 CPUs, and what it looked like at the start.
struct Instance {
	coconut::UserPlatform plat{4};
	std::unique_ptr<co_audit> a = std::make_unique<co_audit>();
	u8 head0[COCONUT_DIGEST_SIZE];
	struct co_audit_stats st0;

	Instance()
	{
		co_audit_config cfg;
		co_audit_config_default(&cfg, 4);
		// The clock stands still here: no floor between TPM writes, so every K-th event
		// anchors and the seal benchmark measures what an anchor costs.
		cfg.anchor_min_ns = 0;
		const co_plat p = plat.plat();
		if (co_audit_init(a.get(), &p, &cfg) != 0)
			fail("init");
		co_audit_head(a.get(), head0, nullptr);
		co_audit_get_stats(a.get(), &st0);
	}
	~Instance() { co_audit_destroy(a.get()); }

	void append(const co_audit_event &src, u32 cpu)
	{
		co_audit_event ev = src;
		plat.set_cpu(cpu);
		plat.advance_ns(100);
		if (co_audit_append(a.get(), &ev) != 0)
			fail("append");
	}

	// The head moved and the chain grew by the appended events plus the ANCHOR events.
	void check(u64 events)
	{
		u8 head[COCONUT_DIGEST_SIZE];
		u64 sealed = 0;
		struct co_audit_stats st;
		co_audit_head(a.get(), head, &sealed);
		co_audit_get_stats(a.get(), &st);
		if (events > 0 && std::memcmp(head, head0, COCONUT_DIGEST_SIZE) == 0)
			fail("the head did not change");
		if (st.appended - st0.appended != events)
			fail("appended count");
		if (sealed != events + (st.anchors - st0.anchors) || st.anchor_failures != 0)
			fail("sealed count");
		if (events >= 1024 && st.anchors == 0)
			fail("no anchor in 1024 events");
		if (co_audit_pending(a.get()) != 0)
			fail("events left pending");
	}
};

// One event appended and sealed at a time: the latency an event costs end to end.
void BM_AppendSealEvent(benchmark::State &state)
{
	const auto evs = sample_events();
	Instance in;
	u64 n = 0;
	for (auto _ : state) {
		in.append(evs[n % evs.size()], static_cast<u32>(n & 3));
		if (co_audit_seal(in.a.get(), 1) == 0)
			fail("seal");
		n++;
	}
	in.check(n);
	state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_AppendSealEvent)->Name("audit_append_seal/ours/event");

// 64 appends spread over 4 CPUs, then one seal of all 64 (the merge across rings included).
void BM_AppendSealBatch(benchmark::State &state)
{
	const auto evs = sample_events();
	Instance in;
	u64 n = 0;
	for (auto _ : state) {
		for (u32 i = 0; i < 64; i++)
			in.append(evs[(n + i) % evs.size()], i & 3);
		u32 got = 0;
		for (int k = 0; k < 4 && co_audit_pending(in.a.get()) > 0; k++)
			got += co_audit_seal(in.a.get(), 64);
		if (got < 64)
			fail("seal batch");
		n += 64;
	}
	in.check(n);
	state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_AppendSealBatch)->Name("audit_append_seal/ours/batch64");

// The deterministic CBOR encoding alone.
void BM_Encode(benchmark::State &state)
{
	auto evs = sample_events();
	u8 buf[CO_AUDIT_EVENT_ENC_BYTES_MAX];
	u64 n = 0, bytes = 0;
	for (auto _ : state) {
		co_audit_event &ev = evs[n % evs.size()];
		ev.seq = n;
		ev.time_ns = n * 100;
		const int len = co_audit_event_encode(&ev, buf, sizeof(buf));
		if (len <= 0 || buf[0] != 0xa9)
			fail("encode");
		benchmark::DoNotOptimize(buf);
		bytes += static_cast<u64>(len);
		n++;
	}
	state.SetItemsProcessed(static_cast<int64_t>(n));
	state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Encode)->Name("audit_event_encode/ours/event");

// Offline verify of a full segment (CO_AUDIT_SEGMENT_EVENTS_MAX records).
void BM_VerifySegment(benchmark::State &state)
{
	const auto evs = sample_events();
	Instance in;
	for (u32 i = 0; i < CO_AUDIT_SEGMENT_EVENTS_MAX; i++) {
		in.append(evs[i % evs.size()], i & 3);
		if (i % 64 == 63)
			co_audit_seal(in.a.get(), 64);
	}
	co_audit_filter f{};
	std::vector<u8> seg(CO_CBOR_DOC_BYTES_MAX);
	const int len = co_audit_query(in.a.get(), &f, seg.data(), seg.size());
	if (len <= 0)
		fail("query");
	u64 records = 0;
	for (auto _ : state) {
		co_audit_verify_report r;
		if (co_audit_verify(seg.data(), static_cast<size_t>(len), in.plat.boot_id(),
				    nullptr, 0, &r) != CO_AUDIT_OK ||
		    r.events_checked != CO_AUDIT_SEGMENT_EVENTS_MAX)
			fail("verify");
		records += r.events_checked;
	}
	state.SetItemsProcessed(static_cast<int64_t>(records));
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * len);
}
BENCHMARK(BM_VerifySegment)->Name("audit_verify/ours/segment512");

} // namespace

BENCHMARK_MAIN();
