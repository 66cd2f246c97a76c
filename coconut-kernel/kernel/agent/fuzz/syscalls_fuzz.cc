// libFuzzer target: the syscall layer of the agent core (see CMakeLists.txt here). The input is
// interpreted by the same driver the determinism test and the RapidCheck property use
// (kernel/agent/tests/syscall_driver.h), so any finding replays there too.
#include "syscall_driver.h"
#include "user_platform.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void fail(const std::string &why)
{
	std::fprintf(stderr, "syscalls_fuzz: %s\n", why.c_str());
	std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const agent_test::Signer signer = agent_test::Signer::from_seed(1);
	static const std::string root_caps =
		"agent.spawn\naudit.query\nfs.read:/**\nfs.write:/data/**\nmem.tier:*\n"
		"inference:*\ngpu:0/**\ncap.grant:fs.read:/**";
	coconut::UserPlatform plat(2);
	co_kernel_config cfg;
	co_kernel_config_default(&cfg, 2);
	cfg.root_caps = root_caps.data();
	cfg.root_caps_len = root_caps.size();
	// The first byte picks small rings sometimes, so backpressure paths run too.
	if (size > 0 && (data[0] & 0x80))
		cfg.audit.ring_slots = 4;
	co_plat p = plat.plat();
	co_kernel *k = co_kernel_create(&p, &cfg);
	if (!k)
		fail("co_kernel_create failed");
	if (co_kernel_add_authorizer(k, signer.pk.data()) != 0)
		fail("add_authorizer failed");
	agent_test::DriverResult r = agent_test::run_driver(k, signer, data, size, 48);
	if (!r.error.empty())
		fail(r.error);
	if (!plat.violations().empty())
		fail("platform rule broken: " + plat.violations().front());
	co_kernel_destroy(k);
	if (plat.live_allocations() != 0)
		fail("leak: " + std::to_string(plat.live_allocations()) + " allocations");
	return 0;
}
