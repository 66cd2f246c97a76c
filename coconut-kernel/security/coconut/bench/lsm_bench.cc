// co_lsm_check(), the LSM decision every privileged operation pays: present() on the agent's set
// plus its audit event (the covering cap's text, BLAKE3 of the object, the append to the CPU's
// ring) and the counters. lsm_check/ours/{allow,deny}_16 on the 16-cap set of cap_bench (a
// project's files, a few subtrees and a glob), on a real kernel instance with the instance lock
// held as the syscall layer holds it.
//
// Sealing is the sealer's cost, not the decision's: the ring is large and is sealed with the
// timer paused. Every answer is checked; a wrong one aborts, so the smoke run means the measured
// path gives the right answers. No reference pair: nothing outside does the same work.
#include "coconut/kernel.h"
#include "coconut/lsm.h"

#include "user_platform.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

void fail(const char *what, const std::string &detail)
{
	std::fprintf(stderr, "lsm_bench: %s: %s\n", what, detail.c_str());
	std::abort();
}

std::string file(int i)
{
	return "/home/maya/project/src/file_" + std::to_string(i) + ".c";
}

struct Bench {
	coconut::UserPlatform plat;
	std::string root_caps;
	co_kernel *k = nullptr;
	std::vector<std::string> allow, deny;

	Bench()
	{
		std::vector<std::string> caps = { "fs.read:/home/maya/project/docs/**",
						  "fs.read:/usr/lib/gcc/**",
						  "fs.read:/home/maya/.cache/pip/**",
						  "fs.read:/home/maya/project/*.md" };
		for (int i = 0; i < 12; i++)
			caps.push_back("fs.read:" + file(i));
		for (const auto &c : caps)
			root_caps += (root_caps.empty() ? "" : "\n") + c;
		co_kernel_config cfg;
		co_kernel_config_default(&cfg, 1);
		cfg.audit.ring_slots = CO_AUDIT_RING_SLOTS_MAX;
		cfg.audit.log_events = 1024;
		cfg.seal_inline = false;
		// The clock stands still and the deny benchmarks decide thousands of times: no
		// audited-failure bucket, so every deny is the decision being measured.
		cfg.fail_burst = 0;
		cfg.root_caps = root_caps.data();
		cfg.root_caps_len = root_caps.size();
		co_plat p = plat.plat();
		k = co_kernel_create(&p, &cfg);
		if (!k)
			fail("co_kernel_create", "");
		for (int i = 0; i < 12; i++)
			allow.push_back(file(i));
		allow.push_back("/home/maya/project/docs/design/cap.md");
		allow.push_back("/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h");
		allow.push_back("/home/maya/project/README.md");
		allow.push_back("/home/maya/.cache/pip/http/a/b/c/d");
		deny = { "/home/maya/.ssh/id_ed25519", "/home/maya/project/src/file_9999.c",
			 "/etc/shadow", "/home/maya/project/src/secret.h",
			 "/home/maya/project/docsx/a.md", "/home/maya/project/src/sub/file_1.c",
			 "/usr/lib/gcc2/x", "/root/.bash_history", "/home/maya/.cache/pipx/x",
			 "/home/maya/project/notes.txt" };
	}
	~Bench() { co_kernel_destroy(k); }
};

Bench &bench()
{
	static Bench b;
	return b;
}

void ours(benchmark::State &state, bool allow)
{
	Bench &b = bench();
	const auto &objs = allow ? b.allow : b.deny;
	const int want = allow ? 0 : -ECAPABILITY;
	const u64 before = allow ? b.k->lsm_allows : b.k->lsm_denies;
	// Leave room in the ring for a whole batch and seal between batches, untimed.
	const u32 batch = CO_AUDIT_RING_SLOTS_MAX - 16;
	size_t i = 0;
	u32 in_batch = 0;
	u64 asked = 0;
	co_audit_seal(&b.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	co_kernel_lock(b.k);
	for (auto _ : state) {
		const std::string &o = objs[i];
		const int rc = co_lsm_check(b.k, b.k->root, COCONUT_CAP_FS_READ, o.data(), o.size(),
					    nullptr);
		if (rc != want)
			fail("wrong answer", o + " " + std::to_string(rc));
		asked++;
		if (++i == objs.size())
			i = 0;
		if (++in_batch == batch) {
			state.PauseTiming();
			co_kernel_unlock(b.k);
			co_audit_seal(&b.k->audit, CO_AUDIT_RING_EVENTS_MAX);
			co_kernel_lock(b.k);
			in_batch = 0;
			state.ResumeTiming();
		}
	}
	co_kernel_unlock(b.k);
	co_audit_seal(&b.k->audit, CO_AUDIT_RING_EVENTS_MAX);
	if ((allow ? b.k->lsm_allows : b.k->lsm_denies) - before != asked)
		fail("counters", std::to_string(asked));
	struct co_audit_stats s;
	co_audit_get_stats(&b.k->audit, &s);
	if (s.by_type[COCONUT_EV_CAP_ALLOW] != b.k->lsm_allows ||
	    s.by_type[COCONUT_EV_CAP_DENY] != b.k->lsm_denies)
		fail("audit parity", "");
	state.SetItemsProcessed(static_cast<int64_t>(asked));
}

} // namespace

int main(int argc, char **argv)
{
	benchmark::RegisterBenchmark("lsm_check/ours/allow_16",
				     [](benchmark::State &s) { ours(s, true); });
	benchmark::RegisterBenchmark("lsm_check/ours/deny_16",
				     [](benchmark::State &s) { ours(s, false); });
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
