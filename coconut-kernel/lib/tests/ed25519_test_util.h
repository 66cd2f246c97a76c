// Helpers shared by the Ed25519 tests: hex, libsodium as the reference, signature construction
// with chosen keys and nonces (for keys and R that libsodium's signer would never produce).
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "coconut/ed25519.h"
#include "coconut/sha512.h"
#include "../ed25519_point.h"
#include "../ed25519_scalar.h"

namespace ed25519_test {

using Bytes = std::vector<uint8_t>;
using Key = std::array<uint8_t, 32>;
using Sig = std::array<uint8_t, 64>;

inline Bytes from_hex(const std::string &hex)
{
	Bytes out(hex.size() / 2);
	for (size_t i = 0; i < out.size(); i++)
		out[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
	return out;
}

template <typename C> std::string to_hex(const C &bytes)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (uint8_t b : bytes) {
		s.push_back(digits[b >> 4]);
		s.push_back(digits[b & 15]);
	}
	return s;
}

template <size_t N> std::array<uint8_t, N> to_array(const Bytes &b)
{
	std::array<uint8_t, N> a{};
	EXPECT_EQ(b.size(), N);
	std::memcpy(a.data(), b.data(), std::min(N, b.size()));
	return a;
}

inline void sodium_ready()
{
	static const int rc = sodium_init();
	ASSERT_GE(rc, 0);
}

inline int ours(const Sig &sig, const Bytes &msg, const Key &pk)
{
	return co_ed25519_verify(sig.data(), msg.empty() ? nullptr : msg.data(), msg.size(),
				 pk.data());
}

inline bool ref_accepts(const Sig &sig, const Bytes &msg, const Key &pk)
{
	return crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), pk.data()) == 0;
}

// Encodings of the eight points of order dividing 8, canonical: y = 1 (identity), y = p - 1
// (order 2), y = 0 (order 4, both signs), the two order-8 y values (both signs each).
// ed25519_test.cc checks this list against the 8-torsion computed as [L]P for random P.
inline std::vector<Key> torsion_points()
{
	const char *hex[] = {
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0000000000000000000000000000000000000000000000000000000000000080",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	};
	std::vector<Key> out;
	for (const char *h : hex)
		out.push_back(to_array<32>(from_hex(h)));
	return out;
}

// Every 32-byte string the verifier must treat as small-order (sign bit either way): the
// torsion encodings, the same with the sign bit flipped, and the non-canonical p and p + 1.
inline std::vector<Key> small_order_encodings()
{
	std::vector<Key> out;
	for (Key k : torsion_points()) {
		out.push_back(k);
		k[31] ^= 0x80;
		out.push_back(k);
	}
	for (uint8_t low : { 0xed, 0xee }) {
		Key k;
		k.fill(0xff);
		k[0] = low;
		k[31] = 0x7f;
		out.push_back(k);
		k[31] = 0xff;
		out.push_back(k);
	}
	return out;
}

// Little-endian 256-bit s + m * L; false when it does not fit in 32 bytes.
inline bool add_multiple_of_order(uint8_t out[32], const uint8_t s[32], unsigned m)
{
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned v = s[i] + m * co_ed25519_order[i] + carry;
		out[i] = static_cast<uint8_t>(v);
		carry = v >> 8;
	}
	return carry == 0;
}

// A signer's secrets, derived as RFC 8032 5.1.5 does from a 32-byte seed.
struct Signer {
	Key seed{};
	Key pk{}; // [a]B, as libsodium derives it
	std::array<uint8_t, 32> a{}; // the clamped secret scalar, reduced mod L
	std::array<uint8_t, 32> prefix{};

	explicit Signer(const Key &seed_in) : seed(seed_in)
	{
		uint8_t sk[64], h[64], wide[64] = {};
		crypto_sign_seed_keypair(pk.data(), sk, seed.data());
		crypto_hash_sha512(h, seed.data(), 32);
		h[0] &= 248;
		h[31] &= 127;
		h[31] |= 64;
		std::memcpy(wide, h, 32);
		crypto_core_ed25519_scalar_reduce(a.data(), wide);
		std::memcpy(prefix.data(), h + 32, 32);
	}

	// Signs msg as RFC 8032 does, except that the hash and equation use the given key
	// encoding (which may be pk plus a torsion point) and R may be shifted by a torsion
	// point: R = [r]B + r_shift, S = r + H(R || key || M) a. With key = pk and no shift this
	// is a standard signature.
	Sig sign_with(const Bytes &msg, const Key &key, const Key *r_shift = nullptr) const
	{
		uint8_t h[64], r[32], k[32], ka[32];
		Key big_r{};
		Sig sig{};
		crypto_hash_sha512_state st;

		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, prefix.data(), 32);
		crypto_hash_sha512_update(&st, msg.data(), msg.size());
		crypto_hash_sha512_final(&st, h);
		crypto_core_ed25519_scalar_reduce(r, h);
		EXPECT_EQ(crypto_scalarmult_ed25519_base_noclamp(big_r.data(), r), 0);
		if (r_shift != nullptr) {
			EXPECT_EQ(crypto_core_ed25519_add(big_r.data(), big_r.data(),
							  r_shift->data()),
				  0);
		}

		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, big_r.data(), 32);
		crypto_hash_sha512_update(&st, key.data(), 32);
		crypto_hash_sha512_update(&st, msg.data(), msg.size());
		crypto_hash_sha512_final(&st, h);
		crypto_core_ed25519_scalar_reduce(k, h);
		crypto_core_ed25519_scalar_mul(ka, k, a.data());
		std::memcpy(sig.data(), big_r.data(), 32);
		crypto_core_ed25519_scalar_add(sig.data() + 32, r, ka);
		return sig;
	}

	Sig sign(const Bytes &msg) const
	{
		return sign_with(msg, pk);
	}

	// R = the identity (small-order) and S = H(R || pk || M) a: then [S]B - [k]A = R holds,
	// and only the small-order rule on R refuses it.
	Sig sign_identity_r(const Bytes &msg) const
	{
		static const uint8_t identity[32] = { 1 };
		uint8_t h[64], k[32];
		Sig sig{};
		crypto_hash_sha512_state st;

		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, identity, 32);
		crypto_hash_sha512_update(&st, pk.data(), 32);
		crypto_hash_sha512_update(&st, msg.data(), msg.size());
		crypto_hash_sha512_final(&st, h);
		crypto_core_ed25519_scalar_reduce(k, h);
		std::memcpy(sig.data(), identity, 32);
		crypto_core_ed25519_scalar_mul(sig.data() + 32, k, a.data());
		return sig;
	}
};

// For a small-order key T: R = [S]B with S from the 32 bytes given (reduced mod L). The
// equation [S]B - [k]T = R holds whenever [k]T is the identity (always for T = identity); only
// the small-order rule on A refuses it.
inline Sig sign_for_small_order_key(const Key &s_bytes)
{
	uint8_t wide[64] = {}, s[32];
	Sig sig{};
	std::memcpy(wide, s_bytes.data(), 32);
	crypto_core_ed25519_scalar_reduce(s, wide);
	s[0] |= 1; // never zero, which libsodium's base multiplication refuses
	EXPECT_EQ(crypto_scalarmult_ed25519_base_noclamp(sig.data(), s), 0);
	std::memcpy(sig.data() + 32, s, 32);
	return sig;
}

// Runs a RapidCheck property for exactly `cases` successful cases, whatever RC_PARAMS says about
// the count (its seed is still honoured, so a failure reported with a seed can be replayed).
template <typename Testable> void rc_check(int cases, Testable &&testable)
{
	const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
	rc::detail::TestMetadata metadata;
	metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
	metadata.description = info->name();
	rc::detail::TestParams params = rc::detail::configuration().testParams;
	params.maxSuccess = cases;
	const auto result =
		rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params);
	if (result.template is<rc::detail::SuccessResult>()) {
		// The RC_TAG distribution, to show which input classes were reached.
		if (!result.template get<rc::detail::SuccessResult>().distribution.empty()) {
			rc::detail::printResultMessage(result, std::cout);
			std::cout << std::endl;
		}
	} else {
		std::ostringstream ss;
		rc::detail::printResultMessage(result, ss);
		FAIL() << ss.str();
	}
}

} // namespace ed25519_test
