// Differential fuzzer: co_ed25519_verify against libsodium 1.0.18's crypto_sign_verify_detached.
// Any input on which they disagree (or on which ours crashes or trips a sanitizer) is a bug.
//
// Raw bytes almost never make a valid signature (the fuzzer cannot invert SHA-512), so the first
// byte picks how the rest is read:
//   mode 0, raw:           sig[64] || pk[32] || message
//   mode 1, signed:        seed[32] || edit[4] || message; libsodium signs the message with the
//                          seed's key, then edit = (offset, xor, offset, xor) over sig || pk
//                          (offset 255 = no edit), so valid and nearly valid signatures get in
//   mode 2, adversarial:   seed[32] || kind || arg || message; a valid signature whose S, R or A
//                          is replaced by S + mL, a small-order point, a non-canonical y, or whose
//                          key is shifted by a torsion point and signed with the key's scalar so
//                          that the cofactorless equation may hold (libsodium then accepts too)
#include "coconut/ed25519.h"

#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// Points of order dividing 8, canonical encodings (y = 1, p - 1, 0, 0 with x < 0, and the two
// order-8 y values with either sign).
const uint8_t torsion[8][32] = {
	{ 0x01 },
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	{ 0x00 },
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80 },
	{ 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
	  0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
	  0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 },
	{ 0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
	  0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	  0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
	  0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85 },
	{ 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
	  0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
	  0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a },
	{ 0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
	  0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	  0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
	  0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0xfa },
};

const uint8_t order_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

void check(const uint8_t sig[64], const uint8_t *msg, size_t msg_len, const uint8_t pk[32])
{
	const int ours = co_ed25519_verify(sig, msg, msg_len, pk);
	const int ref = crypto_sign_verify_detached(sig, msg, msg_len, pk);
	if ((ours == CO_ED25519_OK) != (ref == 0) || ours > 0 || ours < CO_ED25519_ERR_MISMATCH) {
		std::fprintf(stderr, "ed25519 disagreement: ours=%d (%s) libsodium=%d\n", ours,
			     co_ed25519_result_name(ours), ref);
		std::abort();
	}
}

// Clamped secret scalar (reduced mod L) and nonce prefix from a seed, as RFC 8032 5.1.5 derives.
void expand(const uint8_t seed[32], uint8_t a[32], uint8_t prefix[32])
{
	uint8_t h[64], wide[64] = {};
	crypto_hash_sha512(h, seed, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	std::memcpy(wide, h, 32);
	crypto_core_ed25519_scalar_reduce(a, wide);
	std::memcpy(prefix, h + 32, 32);
}

// sig = (R, S) with R = [r]B (+ r_shift), S = r + H(R || key || M) a.
bool sign_with(uint8_t sig[64], const uint8_t seed[32], const uint8_t key[32], const uint8_t *msg,
	       size_t msg_len, const uint8_t *r_shift)
{
	uint8_t a[32], prefix[32], h[64], r[32], k[32], ka[32];
	crypto_hash_sha512_state st;

	expand(seed, a, prefix);
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, prefix, 32);
	crypto_hash_sha512_update(&st, msg, msg_len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(r, h);
	if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0)
		return false;
	if (r_shift != nullptr && crypto_core_ed25519_add(sig, sig, r_shift) != 0)
		return false;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, sig, 32);
	crypto_hash_sha512_update(&st, key, 32);
	crypto_hash_sha512_update(&st, msg, msg_len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka);
	return true;
}

// sig = (identity, H(identity || key || M) a): [S]B - [k]A = R holds for A = [a]B.
void sign_identity_r(uint8_t sig[64], const uint8_t seed[32], const uint8_t key[32],
		     const uint8_t *msg, size_t msg_len)
{
	uint8_t a[32], prefix[32], h[64], k[32];
	crypto_hash_sha512_state st;

	expand(seed, a, prefix);
	std::memcpy(sig, torsion[0], 32);
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, sig, 32);
	crypto_hash_sha512_update(&st, key, 32);
	crypto_hash_sha512_update(&st, msg, msg_len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	crypto_core_ed25519_scalar_mul(sig + 32, k, a);
}

void mode_signed(const uint8_t *data, size_t size)
{
	uint8_t pk[32], sk[64], sig[64], buf[96];
	if (size < 36)
		return;
	const uint8_t *seed = data, *edit = data + 32, *msg = data + 36;
	const size_t msg_len = size - 36;

	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, nullptr, msg, msg_len, sk);
	std::memcpy(buf, sig, 64);
	std::memcpy(buf + 64, pk, 32);
	for (int i = 0; i < 4; i += 2) {
		if (edit[i] < 96)
			buf[edit[i]] ^= edit[i + 1];
	}
	check(buf, msg, msg_len, buf + 64);
}

void mode_adversarial(const uint8_t *data, size_t size)
{
	uint8_t pk[32], sk[64], sig[64], key[32];
	if (size < 34)
		return;
	const uint8_t *seed = data, *msg = data + 34;
	const uint8_t kind = data[32], arg = data[33];
	const size_t msg_len = size - 34;

	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, nullptr, msg, msg_len, sk);
	std::memcpy(key, pk, 32);
	switch (kind % 6) {
	case 0: { // S + mL, m = 1..15, when it fits in 32 bytes
		unsigned carry = 0, m = 1 + arg % 15;
		for (int i = 0; i < 32; i++) {
			const unsigned v = sig[32 + i] + m * order_l[i] + carry;
			sig[32 + i] = static_cast<uint8_t>(v);
			carry = v >> 8;
		}
		if (carry != 0)
			return;
		break;
	}
	case 1: // small-order R, either sign
		std::memcpy(sig, torsion[arg % 8], 32);
		sig[31] ^= static_cast<uint8_t>(arg & 0x80);
		break;
	case 2: // small-order key, either sign
		std::memcpy(key, torsion[arg % 8], 32);
		key[31] ^= static_cast<uint8_t>(arg & 0x80);
		break;
	case 3: { // non-canonical y = p + (arg % 19) as R or as A
		uint8_t y[32];
		std::memset(y, 0xff, 32);
		y[0] = static_cast<uint8_t>(0xed + arg % 19);
		y[31] = (arg & 0x40) ? 0xff : 0x7f;
		std::memcpy((arg & 0x80) ? key : sig, y, 32);
		break;
	}
	case 4: // mixed-order key A + T, signed over it with A's scalar; R maybe shifted too
		if (crypto_core_ed25519_add(key, pk, torsion[arg % 8]) != 0)
			return;
		if (!sign_with(sig, seed, key, msg, msg_len,
			       (arg & 0x80) ? torsion[(arg >> 3) % 8] : nullptr))
			return;
		break;
	case 5: // the equation holds with a small-order R (identity, S = k a) or key (R = [S]B)
		if (arg & 1) {
			std::memcpy(key, torsion[(arg >> 1) % 8], 32);
			uint8_t s[32], wide[64] = {};
			std::memcpy(wide, seed, 32);
			crypto_core_ed25519_scalar_reduce(s, wide);
			s[0] |= 1;
			if (crypto_scalarmult_ed25519_base_noclamp(sig, s) != 0)
				return;
			std::memcpy(sig + 32, s, 32);
		} else {
			sign_identity_r(sig, seed, key, msg, msg_len);
		}
		break;
	}
	check(sig, msg, msg_len, key);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	if (sodium_init() < 0)
		std::abort();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0) {
		if (size < 96)
			return 0;
		check(data, data + 96, size - 96, data + 64);
	} else if (mode == 1) {
		mode_signed(data, size);
	} else {
		mode_adversarial(data, size);
	}
	return 0;
}
