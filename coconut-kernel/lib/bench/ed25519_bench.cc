// Ed25519 verification and SHA-512, ours against libsodium on the same inputs in the same run.
// Every verification benchmark checks its result and aborts on a wrong answer, so the smoke
// run (a ctest) also proves that the measured path accepts a valid signature.
#include "coconut/ed25519.h"
#include "coconut/sha512.h"

#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Signed {
	std::vector<uint8_t> msg;
	uint8_t pk[32];
	uint8_t sig[64];
};

Signed make_signed(size_t msg_bytes)
{
	if (sodium_init() < 0)
		std::abort();
	Signed s;
	uint8_t seed[32], sk[64];
	for (int i = 0; i < 32; i++)
		seed[i] = static_cast<uint8_t>(i * 7 + 1);
	s.msg.resize(msg_bytes);
	for (size_t i = 0; i < msg_bytes; i++)
		s.msg[i] = static_cast<uint8_t>(i * 31 + 5);
	crypto_sign_seed_keypair(s.pk, sk, seed);
	crypto_sign_detached(s.sig, nullptr, s.msg.data(), s.msg.size(), sk);
	return s;
}

void check(bool ok, const char *what)
{
	if (!ok) {
		std::fprintf(stderr, "ed25519_bench: %s\n", what);
		std::abort();
	}
}

void verify_ours(benchmark::State &state, size_t msg_bytes)
{
	const Signed s = make_signed(msg_bytes);
	uint8_t bad_sig[64];
	std::copy(s.sig, s.sig + 64, bad_sig);
	bad_sig[0] ^= 1;
	check(co_ed25519_verify(bad_sig, s.msg.data(), s.msg.size(), s.pk) != CO_ED25519_OK,
	      "ours accepted a damaged signature");
	for (auto _ : state) {
		const int r = co_ed25519_verify(s.sig, s.msg.data(), s.msg.size(), s.pk);
		benchmark::DoNotOptimize(r);
		check(r == CO_ED25519_OK, "ours rejected a valid signature");
	}
}

void verify_ref(benchmark::State &state, size_t msg_bytes)
{
	const Signed s = make_signed(msg_bytes);
	for (auto _ : state) {
		const int r = crypto_sign_verify_detached(s.sig, s.msg.data(), s.msg.size(), s.pk);
		benchmark::DoNotOptimize(r);
		check(r == 0, "libsodium rejected a valid signature");
	}
}

void sha512_ours(benchmark::State &state, size_t msg_bytes)
{
	const Signed s = make_signed(msg_bytes);
	uint8_t d[64], d_ref[64];
	co_sha512(s.msg.data(), s.msg.size(), d);
	crypto_hash_sha512(d_ref, s.msg.data(), s.msg.size());
	check(std::equal(d, d + 64, d_ref), "SHA-512 digests differ");
	for (auto _ : state) {
		co_sha512(s.msg.data(), s.msg.size(), d);
		benchmark::DoNotOptimize(d);
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg_bytes));
}

void sha512_ref(benchmark::State &state, size_t msg_bytes)
{
	const Signed s = make_signed(msg_bytes);
	uint8_t d[64];
	for (auto _ : state) {
		crypto_hash_sha512(d, s.msg.data(), s.msg.size());
		benchmark::DoNotOptimize(d);
	}
	state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg_bytes));
}

} // namespace

// Registered by hand so the names are exactly <group>/{ours,ref}/<case> (scripts/bench_ratios.py).
int main(int argc, char **argv)
{
	struct Case {
		const char *group;
		const char *size;
		size_t bytes;
		void (*ours)(benchmark::State &, size_t);
		void (*ref)(benchmark::State &, size_t);
	};
	const Case cases[] = {
		{ "ed25519_verify", "64B", 64, verify_ours, verify_ref },
		{ "ed25519_verify", "1KiB", 1024, verify_ours, verify_ref },
		{ "sha512", "1KiB", 1024, sha512_ours, sha512_ref },
	};
	for (const Case &c : cases) {
		benchmark::RegisterBenchmark((std::string(c.group) + "/ours/" + c.size).c_str(),
					     c.ours, c.bytes);
		benchmark::RegisterBenchmark((std::string(c.group) + "/ref/" + c.size).c_str(),
					     c.ref, c.bytes);
	}
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
