// Deterministic CBOR on the kernel's hot paths (no reference to pair with):
//  - cbor_decode/ours/spawn_request: strict validation and decode of a typical agent_spawn
//    request, then the dispatcher's field reads (manifest, 64-byte signature, every capability);
//  - cbor_encode/ours/spawn_request: libcoconut's side, writing the same request;
//  - cbor_encode/ours/audit_event: one audit event, as hashed into the chain on every LSM
//    decision.
// Each iteration checks its result and a wrong one makes the program exit 1, so the smoke run
// (--benchmark_min_time=0.001) fails if the code is wrong, not only if it crashes.
#include "coconut/cbor.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

bool g_failed = false; // SkipWithError alone would still let the program exit 0

void fail(benchmark::State &state, const char *what)
{
	g_failed = true;
	state.SkipWithError(what);
}

const char *const kCaps[] = {
	"agent.spawn",
	"audit.query",
	"cap.grant:fs.read:/data/**",
	"fs.read:/data/shared/models/**",
	"fs.read:/home/maya/project/**",
	"fs.write:/home/maya/project/out/**",
	"fs.write:/tmp/agents/kvwarden/*",
	"gpu:0/partition/1",
	"gpu:1/partition/0",
	"inference:kvwarden",
	"mem.tier:hbm",
	"mem.tier:ssd",
	"net.egress:api.example.com:443",
	"net.egress:registry.example.com:443",
	"net.ingress:127.0.0.1:8080",
	"proc.signal:self",
};
constexpr size_t kNumCaps = sizeof(kCaps) / sizeof(kCaps[0]);

void put_str(co_cbor_writer *w, const char *s)
{
	co_cbor_put_text(w, s, std::strlen(s));
}

// The request as libcoconut writes it: keys in canonical order, the manifest as a map of ten
// fields (a quotas map among them), sixteen capabilities and a 64-byte signature.
co_cbor_err write_spawn_request(u8 *buf, size_t cap, size_t *len)
{
	static const u8 digest[32] = {0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65,
				      0x9a, 0x2f, 0xea, 0xa0, 0xc5, 0x5a, 0xd0, 0x15,
				      0xa3, 0xbf, 0x4f, 0x1b, 0x2b, 0x0b, 0x82, 0x2c,
				      0xd1, 0x5d, 0x6c, 0x15, 0xb0, 0xf0, 0x0a, 0x08};
	static const u8 key_id[8] = {'k', 'e', 'y', '-', '0', '0', '0', '1'};
	static u8 signature[64];
	co_cbor_writer w;

	std::memset(signature, 0x5a, sizeof(signature));
	co_cbor_writer_init(&w, buf, cap);
	co_cbor_begin_map(&w, 3);

	co_cbor_put_text(&w, CO_CBOR_STR("cap_set"));
	co_cbor_begin_array(&w, kNumCaps);
	for (const char *c : kCaps)
		put_str(&w, c);

	co_cbor_put_text(&w, CO_CBOR_STR("manifest"));
	co_cbor_begin_map(&w, 10);
	co_cbor_put_text(&w, CO_CBOR_STR("name"));
	co_cbor_put_text(&w, CO_CBOR_STR("kvwarden-summariser"));
	co_cbor_put_text(&w, CO_CBOR_STR("entry"));
	co_cbor_put_text(&w, CO_CBOR_STR("/opt/agents/kvwarden/bin/agent"));
	co_cbor_put_text(&w, CO_CBOR_STR("parent"));
	co_cbor_put_uint(&w, 17);
	co_cbor_put_text(&w, CO_CBOR_STR("quotas"));
	co_cbor_begin_map(&w, 6);
	co_cbor_put_text(&w, CO_CBOR_STR("cpu"));
	co_cbor_put_uint(&w, 250000);
	co_cbor_put_text(&w, CO_CBOR_STR("hbm"));
	co_cbor_put_uint(&w, uint64_t(8) << 30);
	co_cbor_put_text(&w, CO_CBOR_STR("mem"));
	co_cbor_put_uint(&w, uint64_t(2) << 30);
	co_cbor_put_text(&w, CO_CBOR_STR("net"));
	co_cbor_put_uint(&w, 125000000);
	co_cbor_put_text(&w, CO_CBOR_STR("pcie"));
	co_cbor_put_uint(&w, 4000000000);
	co_cbor_put_text(&w, CO_CBOR_STR("tokens"));
	co_cbor_put_uint(&w, 2000000);
	co_cbor_put_text(&w, CO_CBOR_STR("tenant"));
	co_cbor_put_text(&w, CO_CBOR_STR("maya"));
	co_cbor_put_text(&w, CO_CBOR_STR("created"));
	co_cbor_put_uint(&w, 1735689600);
	co_cbor_put_text(&w, CO_CBOR_STR("expires"));
	co_cbor_put_uint(&w, 1767225600);
	co_cbor_put_text(&w, CO_CBOR_STR("version"));
	co_cbor_put_uint(&w, 3);
	co_cbor_put_text(&w, CO_CBOR_STR("authorizer"));
	co_cbor_put_bytes(&w, key_id, sizeof(key_id));
	co_cbor_put_text(&w, CO_CBOR_STR("code_digest"));
	co_cbor_put_bytes(&w, digest, sizeof(digest));

	co_cbor_put_text(&w, CO_CBOR_STR("signature"));
	co_cbor_put_bytes(&w, signature, sizeof(signature));
	return co_cbor_writer_finish(&w, len);
}

std::vector<u8> spawn_request()
{
	std::vector<u8> buf(4096);
	size_t len = 0;
	if (write_spawn_request(buf.data(), buf.size(), &len) != CO_CBOR_OK)
		std::abort();
	buf.resize(len);
	return buf;
}

// The dispatcher's reads: strict decode, then every field it needs, with type checks.
bool read_spawn_request(const std::vector<u8> &req, co_cbor_item *items, u32 items_cap)
{
	co_cbor_doc doc;
	co_cbor_error err;
	co_cbor_iter it;
	u32 m, s, c, e, ncaps = 0;
	const u8 *sig;
	const char *text;
	size_t text_len, total = 0;

	if (co_cbor_decode(req.data(), req.size(), 0, items, items_cap, &doc, &err) ||
	    co_cbor_map_get(&doc, 0, CO_CBOR_STR("manifest"), CO_CBOR_T_MAP, &m, &err) ||
	    co_cbor_map_get(&doc, 0, CO_CBOR_STR("signature"), CO_CBOR_T_BYTES, &s, &err) ||
	    co_cbor_get_bytes_len(&doc, s, 64, &sig, &err) ||
	    co_cbor_map_get(&doc, 0, CO_CBOR_STR("cap_set"), CO_CBOR_T_ARRAY, &c, &err) ||
	    co_cbor_array_iter(&doc, c, &it, &err))
		return false;
	while (co_cbor_array_next(&doc, &it, &e)) {
		if (co_cbor_get_text(&doc, e, &text, &text_len, &err))
			return false;
		total += text_len;
		ncaps++;
	}
	benchmark::DoNotOptimize(sig);
	benchmark::DoNotOptimize(total);
	return ncaps == kNumCaps && co_cbor_at(&doc, m)->value == 10 && sig[0] == 0x5a;
}

void BM_decode_spawn_request(benchmark::State &state)
{
	std::vector<u8> req = spawn_request();
	std::vector<co_cbor_item> items(128);
	for (auto _ : state) {
		if (!read_spawn_request(req, items.data(), u32(items.size()))) {
			fail(state, "spawn request did not decode");
			break;
		}
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(req.size()));
	state.counters["bytes"] = double(req.size());
}
BENCHMARK(BM_decode_spawn_request)->Name("cbor_decode/ours/spawn_request");

void BM_encode_spawn_request(benchmark::State &state)
{
	std::vector<u8> want = spawn_request();
	std::vector<u8> buf(4096);
	for (auto _ : state) {
		size_t len = 0;
		if (write_spawn_request(buf.data(), buf.size(), &len) != CO_CBOR_OK ||
		    len != want.size()) {
			fail(state, "spawn request did not encode");
			break;
		}
		benchmark::DoNotOptimize(buf.data());
		benchmark::ClobberMemory();
	}
	if (std::memcmp(buf.data(), want.data(), want.size()) != 0)
		fail(state, "spawn request encoding changed between runs");
	state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(want.size()));
	state.counters["bytes"] = double(want.size());
}
BENCHMARK(BM_encode_spawn_request)->Name("cbor_encode/ours/spawn_request");

// An audit event {seq, time, cpu, aid, type, cap, object digest, result}, keys in canonical
// order (3-letter keys, then 4-letter, then "result"). The layout is the audit subsystem's to
// fix; this one has the same fields and sizes.
co_cbor_err write_audit_event(u8 *buf, size_t cap, uint64_t seq, size_t *len)
{
	static const u8 object[32] = {0x1c, 0x8e, 0x52, 0x07, 0x33, 0xa1, 0x6f, 0x90,
				      0x4d, 0xe2, 0x18, 0xbb, 0x70, 0x05, 0xc6, 0x3a,
				      0x91, 0x2e, 0x5f, 0xd4, 0x08, 0x67, 0xab, 0x3c,
				      0xf1, 0x42, 0x9d, 0x26, 0x7e, 0x83, 0x15, 0xca};
	co_cbor_writer w;

	co_cbor_writer_init(&w, buf, cap);
	co_cbor_begin_map(&w, 8);
	co_cbor_put_text(&w, CO_CBOR_STR("aid"));
	co_cbor_put_uint(&w, 4242);
	co_cbor_put_text(&w, CO_CBOR_STR("cap"));
	co_cbor_put_text(&w, CO_CBOR_STR("fs.read:/home/maya/project/**"));
	co_cbor_put_text(&w, CO_CBOR_STR("cpu"));
	co_cbor_put_uint(&w, 3);
	co_cbor_put_text(&w, CO_CBOR_STR("obj"));
	co_cbor_put_bytes(&w, object, sizeof(object));
	co_cbor_put_text(&w, CO_CBOR_STR("seq"));
	co_cbor_put_uint(&w, seq);
	co_cbor_put_text(&w, CO_CBOR_STR("time"));
	co_cbor_put_uint(&w, 1735689600123456789ull + seq);
	co_cbor_put_text(&w, CO_CBOR_STR("type"));
	co_cbor_put_uint(&w, 2);
	co_cbor_put_text(&w, CO_CBOR_STR("result"));
	co_cbor_put_int(&w, -134); // -ECAPABILITY
	return co_cbor_writer_finish(&w, len);
}

void BM_encode_audit_event(benchmark::State &state)
{
	u8 buf[256];
	size_t want = 0;
	uint64_t seq = uint64_t(1) << 40; // a long-running chain: 8-byte sequence numbers
	if (write_audit_event(buf, sizeof(buf), seq, &want) != CO_CBOR_OK) {
		fail(state, "audit event did not encode");
		return;
	}
	for (auto _ : state) {
		size_t len = 0;
		if (write_audit_event(buf, sizeof(buf), ++seq, &len) != CO_CBOR_OK || len != want) {
			fail(state, "audit event did not encode");
			break;
		}
		benchmark::DoNotOptimize(buf);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(want));
	state.counters["bytes"] = double(want);
}
BENCHMARK(BM_encode_audit_event)->Name("cbor_encode/ours/audit_event");

} // namespace

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return g_failed ? 1 : 0;
}
