// agent_spawn end to end (see CMakeLists.txt here): spawn/ours/verify_and_register is one
// co_sys_agent_spawn() of a child of root with four caps out of a manifest of eight, sealing
// included; the child's exit between iterations is not timed. spawn/ref/verify_and_register is
// libsodium's crypto_sign_verify_detached() on the same manifest and signature. Every answer
// is checked (a spawn that fails, or a signature libsodium refuses, aborts the run).
#include "spawn_request.h"
#include "user_platform.h"

#include "coconut/kernel.h"
#include "coconut/syscalls.h"

#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using agent_test::Bytes;

void fail(const std::string &what)
{
	std::fprintf(stderr, "spawn_bench: %s\n", what.c_str());
	std::abort();
}

const std::string kRootCaps = "agent.spawn\naudit.query\nfs.read:/**\nfs.write:/data/**\n"
			      "net.egress:*.example.com:443\ninference:*\nmem.tier:*\ngpu:0/**";

agent_test::Manifest manifest()
{
	agent_test::Manifest m;
	m.name = "bench-worker";
	m.tenant = 3;
	m.caps = {"fs.read:/home/maya/project/**", "fs.write:/data/out/**",
		  "net.egress:api.example.com:443", "inference:kvwarden",
		  "mem.tier:ram", "mem.tier:hbm", "gpu:0/partition/1", "fs.read:/usr/share/**"};
	m.code_digest.fill(0x5a);
	return m;
}

const std::vector<std::string> kRequested = {"fs.read:/home/maya/project/src/**",
					     "net.egress:api.example.com:443", "inference:kvwarden",
					     "mem.tier:ram"};

void BM_spawn_ours(benchmark::State &state)
{
	coconut::UserPlatform plat(1);
	co_kernel_config cfg;
	co_kernel_config_default(&cfg, 1);
	cfg.root_caps = kRootCaps.data();
	cfg.root_caps_len = kRootCaps.size();
	co_plat p = plat.plat();
	co_kernel *k = co_kernel_create(&p, &cfg);
	if (!k)
		fail("co_kernel_create");
	agent_test::Signer signer = agent_test::Signer::from_seed(1);
	if (co_kernel_add_authorizer(k, signer.pk.data()))
		fail("add_authorizer");
	Bytes req = agent_test::make_spawn_request(signer, manifest(), kRequested);
	for (auto _ : state) {
		s64 aid = co_sys_agent_spawn(k, COCONUT_AID_ROOT, req.data(), req.size());
		if (aid <= 0)
			fail("spawn returned " + std::to_string(aid));
		state.PauseTiming();
		if (co_agent_exit(k, (u64)aid))
			fail("exit");
		state.ResumeTiming();
	}
	state.SetItemsProcessed(state.iterations());
	co_kernel_destroy(k);
	if (plat.live_allocations())
		fail("leak");
}

void BM_spawn_ref(benchmark::State &state)
{
	agent_test::Signer signer = agent_test::Signer::from_seed(1);
	agent_test::SpawnRequest parts = agent_test::make_spawn_parts(signer, manifest(), kRequested);
	for (auto _ : state) {
		int rc = crypto_sign_verify_detached(parts.signature.data(), parts.manifest.data(),
						     parts.manifest.size(), signer.pk.data());
		if (rc != 0)
			fail("libsodium refused the signature");
		benchmark::DoNotOptimize(rc);
	}
	state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(BM_spawn_ours)->Name("spawn/ours/verify_and_register")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_spawn_ref)->Name("spawn/ref/verify_and_register")->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
