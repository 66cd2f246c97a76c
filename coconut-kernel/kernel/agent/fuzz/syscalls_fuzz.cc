// libFuzzer target: the syscall layer of the agent core (see CMakeLists.txt here). The input is
// interpreted by the same driver the determinism test and the RapidCheck property use
// (kernel/agent/tests/syscall_driver.h), so any finding replays there too.
//
// Speed: spawns are signed with marked signatures (coconut/ed25519.h, CO_FUZZ_MARKED_SIGNATURES,
// linked into this target only), a hash the kernel checks in place of the curve, which is slow
// under coverage and sanitizers. One manifest in kRealSignatureEvery (chosen by its
// marked signature, so the same input always signs the same way) is signed with Ed25519, so
// the real verify still runs. A finding that needs a marked signature replays only here.
// The crypto primitives carry no coverage instrumentation here (lib/fuzz/
// crypto_coverage.ignorelist). What still costs, per input (perf, clang 14): libFuzzer's
// entropic feature bookkeeping when it is on (clang 14's UpdateFeatureFrequency scans the rare
// features; LLVM 18 made it a bitset lookup; scripts/fuzz.sh turns it off for this target), the
// test driver's C++ encoding of each request, and trace-cmp callbacks spread over the kernel C.
#include "syscall_driver.h"
#include "user_platform.h"

#include "coconut/ed25519.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#ifndef CO_FUZZ_MARKED_SIGNATURES
#error "syscalls_fuzz is built with CO_FUZZ_MARKED_SIGNATURES (kernel/agent/fuzz/CMakeLists.txt)"
#endif

namespace {

constexpr unsigned kRealSignatureEvery = 32;

void fail(const std::string &why)
{
	std::fprintf(stderr, "syscalls_fuzz: %s\n", why.c_str());
	std::abort();
}

agent_test::Bytes marked_sign(const agent_test::Signer &signer, const agent_test::Bytes &msg)
{
	agent_test::Bytes sig(CO_ED25519_SIGNATURE_BYTES);
	co_fuzz_marked_sign(sig.data(), msg.data(), msg.size(), signer.pk.data());
	if (sig.back() % kRealSignatureEvery == 0)
		return signer.sign_ed25519(msg);
	return sig;
}

int verify(const agent_test::Bytes &sig, const agent_test::Bytes &msg, const uint8_t *pk)
{
	return co_ed25519_verify(sig.data(), msg.data(), msg.size(), pk);
}

// Once per process: the verify linked here takes marked signatures (else every spawn would
// fail and the fuzzer would learn nothing), refuses a marked one with a wrong tail, message or
// key, and still decides real signatures.
void check_signatures(const agent_test::Signer &signer)
{
	const agent_test::Signer other = agent_test::Signer::from_seed(2);
	const agent_test::Bytes msg = { 'm', 'a', 'n', 'i', 'f', 'e', 's', 't' };
	agent_test::Bytes marked(CO_ED25519_SIGNATURE_BYTES);
	co_fuzz_marked_sign(marked.data(), msg.data(), msg.size(), signer.pk.data());
	if (verify(marked, msg, signer.pk.data()) != CO_ED25519_OK)
		fail("a marked signature is refused: is the marked verify linked?");
	agent_test::Bytes bad_tail = marked, bad_msg = msg;
	bad_tail.back() ^= 1;
	bad_msg[0] ^= 1;
	if (verify(bad_tail, msg, signer.pk.data()) != CO_ED25519_ERR_MISMATCH ||
	    verify(marked, bad_msg, signer.pk.data()) != CO_ED25519_ERR_MISMATCH ||
	    verify(marked, msg, other.pk.data()) != CO_ED25519_ERR_MISMATCH)
		fail("a wrong marked signature is accepted");
	agent_test::Bytes real = signer.sign_ed25519(msg);
	if (verify(real, msg, signer.pk.data()) != CO_ED25519_OK)
		fail("a real signature is refused");
	real[40] ^= 1;
	if (verify(real, msg, signer.pk.data()) == CO_ED25519_OK)
		fail("a damaged real signature is accepted");
}

agent_test::Signer make_signer()
{
	agent_test::Signer signer = agent_test::Signer::from_seed(1);
	signer.sign_fn = marked_sign;
	check_signatures(signer);
	return signer;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const agent_test::Signer signer = make_signer();
	static const std::string root_caps =
		"agent.spawn\naudit.query\nfs.read:/**\nfs.write:/data/**\nmem.tier:*\n"
		"inference:*\ngpu:0/**\ncap.grant:fs.read:/**";
	coconut::UserPlatform plat(2);
	co_kernel_config cfg;
	co_kernel_config_default(&cfg, 2);
	cfg.root_caps = root_caps.data();
	cfg.root_caps_len = root_caps.size();
	// Audit memory sized for one input (at most 48 calls, a few events each), not the
	// defaults' 1.7 MB that every input allocated, filled and faulted in; a window smaller than
	// an input's events also runs the log's wrap. The first byte picks tiny rings sometimes,
	// so backpressure paths run too.
	cfg.audit.ring_slots = 32;
	cfg.audit.log_events = 128;
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
