// Differential property tests: our verifier and libsodium 1.0.18's crypto_sign_verify_detached
// must reach the same accept/reject decision on valid signatures and on every kind of damaged
// or adversarial input we can generate. 11,000 cases in all, counts fixed here (RC_PARAMS may
// still set the seed to replay a failure).
#include <random>

#include "ed25519_test_util.h"

using namespace ed25519_test;

namespace {

// RapidCheck scales integer ranges with its size parameter, which skews choices towards the
// low end; at the nominal size 100 the choice is uniform (and still shrinks towards lo).
template <typename T> T pick(T lo, T hi)
{
	return *rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

rc::Gen<Key> gen_bytes32()
{
	// A 64-bit seed expanded by a PRNG: uniform bytes (RapidCheck's own bytes are small at
	// small sizes) that still shrink, through the seed.
	return rc::gen::map(rc::gen::resize(100, rc::gen::arbitrary<uint64_t>()), [](uint64_t s) {
		std::mt19937_64 rng(s);
		Key k;
		for (auto &b : k)
			b = static_cast<uint8_t>(rng());
		return k;
	});
}

rc::Gen<Bytes> gen_message()
{
	return rc::gen::oneOf(
		rc::gen::arbitrary<Bytes>(),
		rc::gen::container<Bytes>(pick<size_t>(100, 300), rc::gen::arbitrary<uint8_t>()));
}

Sig libsodium_sign(const Key &seed, const Bytes &msg, Key &pk)
{
	uint8_t sk[64];
	Sig sig;
	crypto_sign_seed_keypair(pk.data(), sk, seed.data());
	crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sk);
	return sig;
}

// The decision must match; our reason code must also be one that fits the input.
void check_agree(const Sig &sig, const Bytes &msg, const Key &pk)
{
	const int r = ours(sig, msg, pk);
	const bool ref = ref_accepts(sig, msg, pk);
	RC_LOG() << "sig=" << to_hex(sig) << " pk=" << to_hex(pk) << " msg=" << to_hex(msg)
		 << " ours=" << r << " (" << co_ed25519_result_name(r)
		 << ") libsodium=" << (ref ? "accept" : "reject") << std::endl;
	RC_ASSERT((r == CO_ED25519_OK) == ref);
	RC_ASSERT(r <= 0);
	RC_ASSERT(r >= CO_ED25519_ERR_MISMATCH);
}

enum Mutation {
	FLIP_SIG_BIT,
	FLIP_KEY_BIT,
	FLIP_MSG_BIT,
	S_PLUS_MULTIPLE_OF_L,
	R_NONCANONICAL_Y,
	A_NONCANONICAL_Y,
	R_SMALL_ORDER,
	A_SMALL_ORDER,
	A_RANDOM,
	R_RANDOM,
	S_RANDOM,
	A_RANDOM_VALID_POINT,
	SCATTERED_BYTES,
	MUTATION_COUNT,
};

const char *const mutation_names[MUTATION_COUNT] = {
	"flip signature bit",     "flip key bit",      "flip message bit", "S + mL",
	"R non-canonical y",      "A non-canonical y", "R small-order",    "A small-order",
	"A random bytes",         "R random bytes",    "S random bytes",   "A random valid point",
	"scattered byte changes",
};

Key noncanonical_y(unsigned y, bool sign)
{
	Key k;
	k.fill(0xff);
	k[0] = static_cast<uint8_t>(0xed + y);
	k[31] = sign ? 0xff : 0x7f;
	return k;
}

} // namespace

TEST(Ed25519Differential, LibsodiumSignaturesVerify)
{
	sodium_ready();
	rc_check(2000, [] {
		const Key seed = *gen_bytes32();
		const Bytes msg = *gen_message();
		Key pk;
		const Sig sig = libsodium_sign(seed, msg, pk);
		RC_ASSERT(ours(sig, msg, pk) == CO_ED25519_OK);
		RC_ASSERT(ref_accepts(sig, msg, pk));
	});
}

TEST(Ed25519Differential, MutatedSignaturesKeysAndMessagesAgree)
{
	sodium_ready();
	rc_check(6000, [] {
		const Key seed = *gen_bytes32();
		Bytes msg = *gen_message();
		Key pk;
		Sig sig = libsodium_sign(seed, msg, pk);
		const auto mutation =
			static_cast<Mutation>(pick(0, static_cast<int>(MUTATION_COUNT)));
		const Key noise = *gen_bytes32();
		const auto small = small_order_encodings();

		switch (mutation) {
		case FLIP_SIG_BIT: {
			const int bit = pick(0, 512);
			sig[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
			break;
		}
		case FLIP_KEY_BIT: {
			const int bit = pick(0, 256);
			pk[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
			break;
		}
		case FLIP_MSG_BIT:
			if (msg.empty()) {
				msg.push_back(0);
			} else {
				const size_t bit = pick<size_t>(0, 8 * msg.size());
				msg[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
			}
			break;
		case S_PLUS_MULTIPLE_OF_L: {
			const unsigned m = pick(1u, 16u);
			uint8_t s[32];
			RC_PRE(add_multiple_of_order(s, sig.data() + 32, m));
			std::memcpy(sig.data() + 32, s, 32);
			break;
		}
		case R_NONCANONICAL_Y: {
			const Key r = noncanonical_y(pick(0u, 19u), *rc::gen::arbitrary<bool>());
			std::memcpy(sig.data(), r.data(), 32);
			break;
		}
		case A_NONCANONICAL_Y:
			pk = noncanonical_y(pick(0u, 19u), *rc::gen::arbitrary<bool>());
			break;
		case R_SMALL_ORDER: {
			const Key &r = small[pick<size_t>(0, small.size())];
			std::memcpy(sig.data(), r.data(), 32);
			break;
		}
		case A_SMALL_ORDER:
			pk = small[pick<size_t>(0, small.size())];
			break;
		case A_RANDOM:
			pk = noise;
			break;
		case R_RANDOM:
			std::memcpy(sig.data(), noise.data(), 32);
			break;
		case S_RANDOM:
			std::memcpy(sig.data() + 32, noise.data(), 32);
			break;
		case A_RANDOM_VALID_POINT:
			crypto_core_ed25519_from_uniform(pk.data(), noise.data());
			break;
		case SCATTERED_BYTES: {
			const int n = pick(1, 5);
			for (int i = 0; i < n; i++) {
				const int at = pick(0, 96);
				const auto x = static_cast<uint8_t>(pick(1, 256));
				if (at < 64)
					sig[at] ^= x;
				else
					pk[at - 64] ^= x;
			}
			break;
		}
		case MUTATION_COUNT:
			break;
		}
		RC_TAG(mutation_names[mutation]);
		check_agree(sig, msg, pk);
	});
}

// Keys A + T (T in the 8-torsion, T = identity included) and R shifted by a torsion point,
// signed with A's scalar over the mixed key's encoding: accepted exactly when the torsion
// parts cancel. Also libsodium's own signatures checked under the mixed key, and signatures
// that satisfy the equation but have a small-order key or R.
TEST(Ed25519Differential, MixedOrderKeysAndNoncesAgree)
{
	sodium_ready();
	const auto torsion = torsion_points();
	rc_check(2000, [&torsion] {
		const Signer signer(*gen_bytes32());
		const Bytes msg = *gen_message();
		const Key &t = torsion[pick<size_t>(0, torsion.size())];
		Key mixed;
		RC_ASSERT(crypto_core_ed25519_add(mixed.data(), signer.pk.data(), t.data()) == 0);
		const int shift = pick(-1, static_cast<int>(torsion.size()));
		Sig sig;
		if (shift < 0)
			sig = signer.sign_with(msg, mixed);
		else
			sig = signer.sign_with(msg, mixed, &torsion[static_cast<size_t>(shift)]);
		RC_TAG(ref_accepts(sig, msg, mixed) ? "accepted" : "rejected");
		check_agree(sig, msg, mixed);
		check_agree(signer.sign(msg), msg, mixed);
		// Equations that hold but that the small-order rules refuse: a pure torsion key
		// with R = [S]B, and R = identity with S = k a.
		check_agree(sign_for_small_order_key(*gen_bytes32()), msg, t);
		check_agree(signer.sign_identity_r(msg), msg, signer.pk);
	});
}

TEST(Ed25519Differential, RandomInputsAgree)
{
	sodium_ready();
	rc_check(1000, [] {
		const Key r = *gen_bytes32(), s = *gen_bytes32(), a = *gen_bytes32();
		const Bytes msg = *gen_message();
		Sig sig;
		std::memcpy(sig.data(), r.data(), 32);
		std::memcpy(sig.data() + 32, s.data(), 32);
		// Mostly S >= L: also try it reduced, so the later checks are reached.
		if (*rc::gen::arbitrary<bool>())
			sig[63] &= 0x0f;
		check_agree(sig, msg, a);
	});
}
