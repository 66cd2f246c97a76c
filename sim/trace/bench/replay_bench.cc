// Replay speed and memory (issue 5's benchmark): writes a valid trace of N records (LSM
// decisions of the root agent, a seal every 32 calls, checkpoints every 1024 records, as a
// recorded audit-heavy run looks), then replays it in this process and prints one JSON line:
// records, seconds, records per second, peak RSS. Peak RSS must stay flat as N grows.
//   trace_replay_bench --records N [--file PATH] [--keep]
#include "recorder.h"
#include "replayer.h"
#include "user_platform.h"

#include "coconut/kernel.h"
#include "coconut/syscalls.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/resource.h>

using namespace coconut;

namespace {

constexpr u32 kCpus = 4;
constexpr u32 kSealEvery = 32;

trace::Header bench_header()
{
	trace::Header h;
	h.kernel = "bench";
	h.cpus = kCpus;
	co_kernel_config cfg;
	co_kernel_config_default(&cfg, kCpus);
	h.ring_slots = 1024;
	h.log_events = cfg.audit.log_events;
	h.anchor_every_events = 4096;
	h.anchor_every_ns = 0;
	h.tpm_nv_index = cfg.audit.tpm_nv_index;
	h.seal_inline = false;
	for (u32 t = 0; t < 3; t++)
		h.tier_capacity_bytes[t] = cfg.tier_capacity_bytes[t];
	h.root_caps = { "inference:kvwarden" };
	h.scenario = "replay-bench";
	return h;
}

// The trace, written by the recorder from a kernel that makes the calls for real.
void generate(const std::string &path, u64 records)
{
	const trace::Header h = bench_header();
	trace::Replayer machine(h); // a kernel built exactly as replay will build it
	co_kernel *k = machine.kernel();
	trace::TraceRecorder rec(path, h, co_kernel_audit_log(k));
	u64 t = 1000;
	for (u64 n = 0; rec.records() < records; n++) {
		trace::Record r;
		r.t = t;
		r.cpu = (u32)(n % kCpus);
		if (n % kSealEvery == kSealEvery - 1) {
			r.call = trace::Call::SEAL;
			r.num[0] = 4096;
		} else {
			r.call = trace::Call::AGENT_CAP_PRESENT;
			r.aid = 1;
			r.num = { 1, 1 };
			r.str[2] = "inference";
			r.str[3] = "kvwarden";
		}
		// Apply through the replayer (it sets the clock and CPU), then record the result.
		r.ret = 0;
		const trace::Replayer::Outcome o = machine.apply(r);
		if (!o.match)
			r.ret = std::strtoll(o.actual.c_str() + 4, nullptr, 10); // "ret N"
		rec.record(r);
		t += 997;
	}
	rec.finish(t);
}

long peak_rss_kb()
{
	rusage ru{};
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

} // namespace

int main(int argc, char **argv)
{
	u64 records = 100000;
	std::string path = "/tmp/coconut-replay-bench.jsonl";
	bool keep = false;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		if (a == "--records" && i + 1 < argc)
			records = std::strtoull(argv[++i], nullptr, 10);
		else if (a == "--file" && i + 1 < argc)
			path = argv[++i];
		else if (a == "--keep")
			keep = true;
		else {
			std::cerr
				<< "usage: trace_replay_bench --records N [--file PATH] [--keep]\n";
			return 2;
		}
	}
	generate(path, records);
	const long rss_before = peak_rss_kb();
	std::ifstream in(path, std::ios::binary);
	std::ostringstream out, err;
	// Wall time is the benchmark's measurement, taken around the replay from outside: the
	// replayed kernel only ever sees the trace's recorded times.
	const auto t0 = std::chrono::steady_clock::now();
	const int rc = trace::replay_stream(in, path, trace::ReplayOptions{}, out, err);
	const auto t1 = std::chrono::steady_clock::now();
	const double s = std::chrono::duration<double>(t1 - t0).count();
	if (!keep)
		std::remove(path.c_str());
	if (rc != 0) {
		std::cerr << "replay failed (" << rc << "): " << out.str() << err.str();
		return 1;
	}
	std::printf("{\"records\": %llu, \"seconds\": %.3f, \"records_per_s\": %.0f, "
		    "\"peak_rss_kb\": %ld, \"peak_rss_kb_before_replay\": %ld}\n",
		    (unsigned long long)records, s, (double)records / s, peak_rss_kb(), rss_before);
	return 0;
}
