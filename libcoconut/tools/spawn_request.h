// What libcoconut does for agent_spawn, for the tests: the manifest as canonical CBOR, signed
// with Ed25519 by libsodium, wrapped with the requested cap set into the spawn request
// (docs/uapi.md, "agent_spawn"). The CBOR here is written by a small encoder of its own, not by
// lib/cbor, so the kernel's decoder is checked against an independent writer; every knob that
// makes a request wrong (an extra or a missing key, a wrong type, a bad signature) is explicit.
#ifndef COCONUT_AGENT_TESTS_SPAWN_REQUEST_H
#define COCONUT_AGENT_TESTS_SPAWN_REQUEST_H

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agent_test {

using Bytes = std::vector<uint8_t>;

// Canonical CBOR items (RFC 8949 4.2.1: shortest heads, definite lengths).
namespace cbor {
Bytes uint(uint64_t v);
Bytes bytes(const uint8_t *p, size_t n);
Bytes bytes(const Bytes &b);
Bytes text(const std::string &s);
Bytes array(const std::vector<Bytes> &items);
Bytes text_array(const std::vector<std::string> &texts);
// A map from already encoded keys and values, written in canonical key order (bytewise order
// of the encoded keys, whatever the order given).
Bytes map(std::vector<std::pair<Bytes, Bytes>> pairs);
} // namespace cbor

// An Ed25519 key pair from a 32-byte seed (crypto_sign_seed_keypair): deterministic.
struct Signer {
	std::array<uint8_t, 32> pk{};
	std::array<uint8_t, 64> sk{};

	// Signs in place of Ed25519 when set: the syscall fuzzer's marked signatures, which only
	// its build of the kernel accepts (coconut/ed25519.h, CO_FUZZ_MARKED_SIGNATURES).
	Bytes (*sign_fn)(const Signer &signer, const Bytes &msg) = nullptr;

	static Signer from_seed(uint8_t seed_byte);
	Bytes sign(const Bytes &msg) const; // sign_fn when set, else sign_ed25519
	Bytes sign_ed25519(const Bytes &msg) const;
};

// The manifest's fields; encode() writes them in canonical order.
struct Manifest {
	uint64_t v = 1;
	std::vector<std::string> caps;
	std::string name = "agent";
	uint64_t tenant = 0;
	std::array<uint8_t, 32> authorizer{};
	std::array<uint8_t, 32> code_digest{};
	// Knobs for malformed manifests.
	std::vector<std::pair<std::string, Bytes>> extra;	// extra text keys, encoded values
	std::vector<std::string> omit;				// keys to leave out
	std::optional<Bytes> name_value;			// replaces the name's encoding

	Bytes encode() const;
};

struct SpawnRequest {
	std::vector<std::string> cap_set;
	Bytes manifest;
	Bytes signature;
	// Knobs for malformed requests.
	std::vector<std::pair<std::string, Bytes>> extra;
	std::vector<std::string> omit;

	Bytes encode() const;
};

// The usual path: the manifest (authorizer = signer.pk) signed by signer, with cap_set.
Bytes make_spawn_request(const Signer &signer, Manifest m, const std::vector<std::string> &cap_set);
// The same, returning the pieces (to tamper with before encoding).
SpawnRequest make_spawn_parts(const Signer &signer, Manifest m,
			      const std::vector<std::string> &cap_set);

} // namespace agent_test

#endif // COCONUT_AGENT_TESTS_SPAWN_REQUEST_H
