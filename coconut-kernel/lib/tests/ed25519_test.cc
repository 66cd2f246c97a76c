// Ed25519 verification: RFC 8032 known answers, one test per rejection class (each checked
// against libsodium 1.0.18's decision too), the small-order blocklist against the 8-torsion
// computed independently, and unit tests of the field, scalar and point layers.
#include <nlohmann/json.hpp>

#include <fstream>
#include <random>
#include <set>

#include "ed25519_test_util.h"

using namespace ed25519_test;

namespace {

class Ed25519 : public ::testing::Test {
protected:
	void SetUp() override
	{
		sodium_ready();
	}
};

nlohmann::json load_vectors()
{
	std::ifstream in(COCONUT_TEST_VECTORS_DIR "/rfc8032_ed25519_vectors.json");
	EXPECT_TRUE(in.good()) << "missing " COCONUT_TEST_VECTORS_DIR
				  "/rfc8032_ed25519_vectors.json";
	return nlohmann::json::parse(in);
}

// A fixed valid signature to mutate.
struct Fixture {
	Signer signer{ Key{ 7, 1, 2, 3 } };
	Bytes msg{ 'c', 'o', 'c', 'o', 'n', 'u', 't' };
	Sig sig = signer.sign(msg);
};

Key y_plus_p(unsigned y)
{
	// p + y for y < 19: low byte 0xed + y, the rest all ones below bit 255.
	Key k;
	k.fill(0xff);
	k[0] = static_cast<uint8_t>(0xed + y);
	k[31] = 0x7f;
	return k;
}

// Little-endian 32-byte integer from a small value.
Key small_int(unsigned v)
{
	Key k{};
	k[0] = static_cast<uint8_t>(v);
	k[1] = static_cast<uint8_t>(v >> 8);
	return k;
}

std::string encode(const co_ge_proj &p)
{
	uint8_t b[32];
	co_ge_to_bytes(b, &p);
	return to_hex(std::to_array(b));
}

co_ge_proj scalarmult(const uint8_t a[32], const co_ge_ext &point, const uint8_t b[32])
{
	co_ge_proj r;
	co_ed25519_double_scalarmult(&r, a, &point, b);
	return r;
}

const uint8_t zero32[32] = {};

} // namespace

// ---------------------------------------------------------------- RFC 8032 known answers

TEST_F(Ed25519, Rfc8032VectorsVerify)
{
	const auto vectors = load_vectors();
	ASSERT_EQ(vectors["ed25519"].size(), 5u);
	for (const auto &v : vectors["ed25519"]) {
		SCOPED_TRACE(v["name"].get<std::string>());
		const Key seed = to_array<32>(from_hex(v["secret_key"]));
		const Key pk = to_array<32>(from_hex(v["public_key"]));
		const Sig sig = to_array<64>(from_hex(v["signature"]));
		const Bytes msg = from_hex(v["message"]);
		ASSERT_EQ(msg.size(), v["message_len"].get<size_t>());

		// The vector is self-consistent as libsodium (and RFC 8032 signing) sees it.
		Signer signer(seed);
		EXPECT_EQ(to_hex(signer.pk), to_hex(pk));
		EXPECT_EQ(to_hex(signer.sign(msg)), to_hex(sig));

		EXPECT_EQ(ours(sig, msg, pk), CO_ED25519_OK);
		EXPECT_TRUE(ref_accepts(sig, msg, pk));
	}
}

TEST_F(Ed25519, Rfc8032VectorsRejectEveryBitFlip)
{
	const auto vectors = load_vectors();
	for (const auto &v : vectors["ed25519"]) {
		SCOPED_TRACE(v["name"].get<std::string>());
		const Key pk = to_array<32>(from_hex(v["public_key"]));
		const Sig sig = to_array<64>(from_hex(v["signature"]));
		const Bytes msg = from_hex(v["message"]);

		for (size_t bit = 0; bit < 512; bit++) {
			Sig bad = sig;
			bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
			EXPECT_NE(ours(bad, msg, pk), CO_ED25519_OK) << "signature bit " << bit;
			EXPECT_FALSE(ref_accepts(bad, msg, pk)) << "signature bit " << bit;
		}
		for (size_t bit = 0; bit < 256; bit++) {
			Key bad = pk;
			bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
			EXPECT_NE(ours(sig, msg, bad), CO_ED25519_OK) << "key bit " << bit;
			EXPECT_FALSE(ref_accepts(sig, msg, bad)) << "key bit " << bit;
		}
		// Every bit of short messages; the first and last 32 bytes of long ones (the hash
		// mixes the rest the same way).
		for (size_t bit = 0; bit < 8 * msg.size(); bit++) {
			if (msg.size() > 64 && bit >= 256 && bit < 8 * msg.size() - 256)
				continue;
			Bytes bad = msg;
			bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
			EXPECT_EQ(ours(sig, bad, pk), CO_ED25519_ERR_MISMATCH)
				<< "message bit " << bit;
			EXPECT_FALSE(ref_accepts(sig, bad, pk)) << "message bit " << bit;
		}
		Bytes longer = msg;
		longer.push_back(0);
		EXPECT_EQ(ours(sig, longer, pk), CO_ED25519_ERR_MISMATCH);
		if (!msg.empty()) {
			Bytes shorter(msg.begin(), msg.end() - 1);
			EXPECT_EQ(ours(sig, shorter, pk), CO_ED25519_ERR_MISMATCH);
		}
	}
}

// Ed25519ctx and Ed25519ph (RFC 8032 7.2, 7.3) hash a domain prefix; pure Ed25519 must not
// accept their signatures.
TEST_F(Ed25519, Rfc8032CtxAndPhSignaturesDoNotVerifyAsPure)
{
	const auto vectors = load_vectors();
	for (const char *variant : { "ed25519ctx", "ed25519ph" }) {
		for (const auto &v : vectors[variant]) {
			SCOPED_TRACE(v["name"].get<std::string>());
			const Key pk = to_array<32>(from_hex(v["public_key"]));
			const Sig sig = to_array<64>(from_hex(v["signature"]));
			const Bytes msg = from_hex(v["message"]);
			EXPECT_EQ(ours(sig, msg, pk), CO_ED25519_ERR_MISMATCH);
			EXPECT_FALSE(ref_accepts(sig, msg, pk));
		}
	}
}

// ---------------------------------------------------------------- one test per rejection class

TEST_F(Ed25519, RejectsNonCanonicalS)
{
	Fixture f;
	ASSERT_EQ(ours(f.sig, f.msg, f.signer.pk), CO_ED25519_OK);
	for (unsigned m = 1; m < 16; m++) {
		Sig bad = f.sig;
		if (!add_multiple_of_order(bad.data() + 32, f.sig.data() + 32, m))
			continue;
		EXPECT_EQ(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_S_NONCANONICAL)
			<< "S + " << m << "L";
		EXPECT_FALSE(ref_accepts(bad, f.msg, f.signer.pk)) << "S + " << m << "L";
	}
	// S = L exactly, and the largest 32-byte value.
	Sig bad = f.sig;
	std::memcpy(bad.data() + 32, co_ed25519_order, 32);
	EXPECT_EQ(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_S_NONCANONICAL);
	EXPECT_FALSE(ref_accepts(bad, f.msg, f.signer.pk));
	std::memset(bad.data() + 32, 0xff, 32);
	EXPECT_EQ(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_S_NONCANONICAL);
	EXPECT_FALSE(ref_accepts(bad, f.msg, f.signer.pk));
	// S = L - 1 is canonical: the check is strict, not off by one.
	std::memcpy(bad.data() + 32, co_ed25519_order, 32);
	bad[32] = static_cast<uint8_t>(bad[32] - 1);
	EXPECT_EQ(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_MISMATCH);
}

TEST_F(Ed25519, RejectsSmallOrderR)
{
	Fixture f;
	for (const Key &r : small_order_encodings()) {
		Sig bad = f.sig;
		std::memcpy(bad.data(), r.data(), 32);
		EXPECT_EQ(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_R_SMALL_ORDER) << to_hex(r);
		EXPECT_FALSE(ref_accepts(bad, f.msg, f.signer.pk)) << to_hex(r);
	}
	// R = identity with S = k a satisfies [S]B - [k]A = R: still refused, by both.
	const Sig sig = f.signer.sign_identity_r(f.msg);
	EXPECT_EQ(ours(sig, f.msg, f.signer.pk), CO_ED25519_ERR_R_SMALL_ORDER);
	EXPECT_FALSE(ref_accepts(sig, f.msg, f.signer.pk));
}

TEST_F(Ed25519, RejectsNonCanonicalA)
{
	Fixture f;
	// Every y >= p, sign bit clear and set. p and p + 1 (y = 0, 1) are small-order too, but
	// the canonical check comes first, as in libsodium.
	for (unsigned y = 0; y < 19; y++) {
		for (uint8_t sign : { 0x00, 0x80 }) {
			Key pk = y_plus_p(y);
			pk[31] |= sign;
			EXPECT_EQ(ours(f.sig, f.msg, pk), CO_ED25519_ERR_A_NONCANONICAL)
				<< to_hex(pk);
			EXPECT_FALSE(ref_accepts(f.sig, f.msg, pk)) << to_hex(pk);
		}
	}
	// The same y values encoded canonically pass the canonical check (and then decode or
	// not), so the rejection above is about the encoding, not the point.
	for (unsigned y = 2; y < 19; y++) {
		const int r = ours(f.sig, f.msg, small_int(y));
		EXPECT_TRUE(r == CO_ED25519_ERR_A_NOT_ON_CURVE || r == CO_ED25519_ERR_MISMATCH)
			<< y;
	}
}

TEST_F(Ed25519, RejectsSmallOrderA)
{
	Fixture f;
	for (const Key &pk : small_order_encodings()) {
		// p and p + 1 fail the canonical check, which comes first.
		const int expected = co_fe_bytes_canonical(pk.data()) ?
					     CO_ED25519_ERR_A_SMALL_ORDER :
					     CO_ED25519_ERR_A_NONCANONICAL;
		EXPECT_EQ(ours(f.sig, f.msg, pk), expected) << to_hex(pk);
		EXPECT_FALSE(ref_accepts(f.sig, f.msg, pk)) << to_hex(pk);
	}
	// A = identity: any R = [S]B satisfies the equation for every message; refused by both.
	const Key identity = torsion_points()[0];
	const Sig sig = sign_for_small_order_key(Key{ 42 });
	EXPECT_EQ(ours(sig, f.msg, identity), CO_ED25519_ERR_A_SMALL_ORDER);
	EXPECT_FALSE(ref_accepts(sig, f.msg, identity));
}

TEST_F(Ed25519, RejectsKeyNotOnCurve)
{
	Fixture f;
	// Small y for which (y^2 - 1)/(d y^2 + 1) has no square root mod p.
	int found = 0;
	for (unsigned y = 2; y < 200 && found < 10; y++) {
		Key pk = small_int(y);
		co_ge_ext point;
		if (co_ge_from_bytes(&point, pk.data()) == 0)
			continue;
		found++;
		EXPECT_EQ(ours(f.sig, f.msg, pk), CO_ED25519_ERR_A_NOT_ON_CURVE) << y;
		EXPECT_FALSE(ref_accepts(f.sig, f.msg, pk)) << y;
		EXPECT_EQ(crypto_core_ed25519_is_valid_point(pk.data()), 0) << y;
	}
	EXPECT_EQ(found, 10);
}

TEST_F(Ed25519, RejectsMismatch)
{
	Fixture f;
	Bytes other = f.msg;
	other[0] ^= 1;
	EXPECT_EQ(ours(f.sig, other, f.signer.pk), CO_ED25519_ERR_MISMATCH);
	EXPECT_FALSE(ref_accepts(f.sig, other, f.signer.pk));
	// Another key.
	Signer s2(Key{ 9 });
	EXPECT_EQ(ours(f.sig, f.msg, s2.pk), CO_ED25519_ERR_MISMATCH);
	EXPECT_FALSE(ref_accepts(f.sig, f.msg, s2.pk));
	// R with the sign bit flipped: a different point, never the computed one.
	Sig bad = f.sig;
	bad[31] ^= 0x80;
	EXPECT_EQ(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_MISMATCH);
	EXPECT_FALSE(ref_accepts(bad, f.msg, f.signer.pk));
}

// A non-canonical R (y >= p) can never equal the canonical encoding the verifier computes.
TEST_F(Ed25519, RejectsNonCanonicalR)
{
	Fixture f;
	for (unsigned y = 2; y < 19; y++) {
		for (uint8_t sign : { 0x00, 0x80 }) {
			Sig bad = f.sig;
			Key r = y_plus_p(y);
			r[31] |= sign;
			std::memcpy(bad.data(), r.data(), 32);
			EXPECT_EQ(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_MISMATCH)
				<< to_hex(r);
			EXPECT_FALSE(ref_accepts(bad, f.msg, f.signer.pk)) << to_hex(r);
		}
	}
}

// Mixed-order keys A + T are accepted when the cofactorless equation holds, which for a
// signature made with the key's own scalar means [k]T = identity, k = H(R || A + T || M) mod L.
TEST_F(Ed25519, AcceptsMixedOrderKeyWhenEquationHolds)
{
	Fixture f;
	const auto torsion = torsion_points();
	int accepted = 0, rejected = 0;
	for (size_t t = 1; t < torsion.size(); t++) {
		Key mixed;
		ASSERT_EQ(crypto_core_ed25519_add(mixed.data(), f.signer.pk.data(),
						  torsion[t].data()),
			  0);
		for (unsigned i = 0; i < 64; i++) {
			Bytes msg = f.msg;
			msg.push_back(static_cast<uint8_t>(i));
			const Sig sig = f.signer.sign_with(msg, mixed);
			const bool ref = ref_accepts(sig, msg, mixed);
			const int r = ours(sig, msg, mixed);
			EXPECT_EQ(r == CO_ED25519_OK, ref) << "torsion " << t << " message " << i;
			EXPECT_TRUE(r == CO_ED25519_OK || r == CO_ED25519_ERR_MISMATCH);
			(ref ? accepted : rejected)++;
		}
	}
	// Orders 2, 4 and 8 accept about 1/2, 1/4 and 1/8 of the messages.
	EXPECT_GT(accepted, 20);
	EXPECT_GT(rejected, 20);
}

// A mixed-order R (prime-order point plus torsion) under a mixed-order key: accepted when the
// torsion parts cancel, R = [r]B + T' with T' = -[k]T.
TEST_F(Ed25519, AcceptsMixedOrderRWhenEquationHolds)
{
	Fixture f;
	const auto torsion = torsion_points();
	const Key &t8 = torsion[4]; // order 8
	Key mixed;
	ASSERT_EQ(crypto_core_ed25519_add(mixed.data(), f.signer.pk.data(), t8.data()), 0);
	int accepted = 0;
	for (unsigned i = 0; i < 256 && accepted < 4; i++) {
		Bytes msg = f.msg;
		msg.push_back(static_cast<uint8_t>(i));
		for (size_t s = 1; s < torsion.size(); s++) {
			const Sig sig = f.signer.sign_with(msg, mixed, &torsion[s]);
			const bool ref = ref_accepts(sig, msg, mixed);
			EXPECT_EQ(ours(sig, msg, mixed) == CO_ED25519_OK, ref);
			accepted += ref;
		}
	}
	EXPECT_GE(accepted, 4);
}

TEST_F(Ed25519, NullMessageWithZeroLength)
{
	Signer s(Key{ 3 });
	const Sig sig = s.sign(Bytes{});
	EXPECT_EQ(co_ed25519_verify(sig.data(), nullptr, 0, s.pk.data()), CO_ED25519_OK);
}

TEST_F(Ed25519, ResultNames)
{
	EXPECT_STREQ(co_ed25519_result_name(CO_ED25519_OK), "ok");
	for (int r = CO_ED25519_ERR_MISMATCH; r < 0; r++)
		EXPECT_STRNE(co_ed25519_result_name(r), "unknown") << r;
	EXPECT_STREQ(co_ed25519_result_name(-100), "unknown");
}

// ---------------------------------------------------------------- the small-order blocklist

// The 8-torsion subgroup, computed as { [L]P } for random points P (the prime-order component
// vanishes, the torsion component survives), must be exactly torsion_points(); and the verifier
// must refuse exactly the encodings of those points, as R and as A.
TEST_F(Ed25519, SmallOrderBlocklistIsTheEightTorsion)
{
	std::set<std::string> computed;
	std::mt19937_64 rng(12345);
	for (int i = 0; i < 2000 && computed.size() < 8; i++) {
		Key y;
		for (auto &b : y)
			b = static_cast<uint8_t>(rng());
		co_ge_ext p;
		if (co_ge_from_bytes(&p, y.data()) != 0)
			continue;
		const co_ge_proj q = scalarmult(co_ed25519_order, p, zero32);
		// [8]([L]P) is the identity: its order divides 8.
		uint8_t eight[32] = { 8 };
		uint8_t qb[32];
		co_ge_to_bytes(qb, &q);
		co_ge_ext qe;
		ASSERT_EQ(co_ge_from_bytes(&qe, qb), 0);
		EXPECT_EQ(encode(scalarmult(eight, qe, zero32)), to_hex(torsion_points()[0]));
		computed.insert(encode(q));
	}
	std::set<std::string> listed;
	for (const Key &k : torsion_points())
		listed.insert(to_hex(k));
	EXPECT_EQ(computed, listed);

	// Those encodings (either sign bit), plus p and p + 1, are refused as small-order...
	Fixture f;
	for (const Key &k : small_order_encodings()) {
		Sig bad = f.sig;
		std::memcpy(bad.data(), k.data(), 32);
		EXPECT_EQ(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_R_SMALL_ORDER);
		EXPECT_EQ(ours(f.sig, f.msg, k), co_fe_bytes_canonical(k.data()) ?
							 CO_ED25519_ERR_A_SMALL_ORDER :
							 CO_ED25519_ERR_A_NONCANONICAL);
	}
	// ...and nothing next to them is: the neighbours of each y (those not in the list
	// themselves: 0 and 1, p - 1, p and p + 1 are adjacent) are not small-order.
	std::set<std::string> blocked;
	for (const Key &k : small_order_encodings())
		blocked.insert(to_hex(k));
	for (const Key &k : small_order_encodings()) {
		for (int delta : { -1, 1 }) {
			Key n = k;
			n[0] = static_cast<uint8_t>(n[0] + delta);
			if ((delta < 0 && k[0] == 0) || (delta > 0 && k[0] == 0xff))
				continue; // would borrow or carry into byte 1
			if (blocked.count(to_hex(n)))
				continue;
			Sig bad = f.sig;
			std::memcpy(bad.data(), n.data(), 32);
			EXPECT_NE(ours(bad, f.msg, f.signer.pk), CO_ED25519_ERR_R_SMALL_ORDER)
				<< to_hex(n);
			EXPECT_NE(ours(f.sig, f.msg, n), CO_ED25519_ERR_A_SMALL_ORDER) << to_hex(n);
		}
	}
}

// ---------------------------------------------------------------- field, scalar, point layers

TEST(Ed25519Field, EncodingIsCanonical)
{
	// Values around p and 2^255 reduce to the canonical encoding.
	struct Case {
		Key in;
		Key out;
	};
	std::vector<Case> cases;
	for (unsigned y = 0; y < 19; y++)
		cases.push_back({ y_plus_p(y), small_int(y) });
	Key p_minus_1 = y_plus_p(0);
	p_minus_1[0] = 0xec;
	cases.push_back({ p_minus_1, p_minus_1 });
	for (const auto &c : cases) {
		co_fe a;
		uint8_t out[32];
		co_fe_from_bytes(&a, c.in.data());
		co_fe_to_bytes(out, &a);
		EXPECT_EQ(to_hex(std::to_array(out)), to_hex(c.out)) << to_hex(c.in);
		EXPECT_EQ(co_fe_bytes_canonical(c.in.data()), c.in == c.out) << to_hex(c.in);
	}
	// Limbs at the top of the allowed range (< 2^54 each) still encode canonically.
	co_fe big;
	for (auto &v : big.v)
		v = (1ULL << 54) - 1;
	uint8_t out[32];
	co_fe_to_bytes(out, &big);
	co_fe carried;
	co_fe_carry(&carried, &big);
	uint8_t out2[32];
	co_fe_to_bytes(out2, &carried);
	EXPECT_EQ(to_hex(std::to_array(out)), to_hex(std::to_array(out2)));
	EXPECT_LT(out[31], 0x80);
}

TEST(Ed25519Field, ArithmeticIdentities)
{
	std::mt19937_64 rng(99);
	for (int i = 0; i < 200; i++) {
		co_fe a, b, c, t1, t2, one, inv;
		for (auto *x : { &a, &b, &c })
			for (auto &v : x->v)
				v = rng() & ((1ULL << 51) - 1);
		co_fe_one(&one);
		// (a + b) c = a c + b c
		co_fe_add(&t1, &a, &b);
		co_fe_mul(&t1, &t1, &c);
		co_fe_mul(&t2, &a, &c);
		co_fe_mul(&c, &b, &c);
		co_fe_add(&t2, &t2, &c);
		co_fe_carry(&t2, &t2);
		EXPECT_TRUE(co_fe_equal(&t1, &t2));
		// a^2 = a a; (a b) b^-1 = a
		co_fe_sq(&t1, &a);
		co_fe_mul(&t2, &a, &a);
		EXPECT_TRUE(co_fe_equal(&t1, &t2));
		co_fe_invert(&inv, &b);
		co_fe_mul(&t1, &a, &b);
		co_fe_mul(&t1, &t1, &inv);
		co_fe_carry(&t2, &a);
		EXPECT_TRUE(co_fe_equal(&t1, &t2));
		co_fe_mul(&t1, &b, &inv);
		EXPECT_TRUE(co_fe_equal(&t1, &one));
		// a - a = 0 via both subtractions
		co_fe_sub(&t1, &a, &t2);
		EXPECT_TRUE(co_fe_is_zero(&t1));
		co_fe_sub_wide(&t1, &a, &t2);
		EXPECT_TRUE(co_fe_is_zero(&t1));
	}
	// sqrt(-1)^2 = -1
	co_fe t, zero, one, minus_one;
	co_fe_zero(&zero);
	co_fe_one(&one);
	co_fe_sub(&minus_one, &zero, &one);
	co_fe_carry(&minus_one, &minus_one);
	co_fe_sq(&t, &co_fe_sqrtm1);
	EXPECT_TRUE(co_fe_equal(&t, &minus_one));
}

TEST_F(Ed25519, ScalarReduceMatchesLibsodium)
{
	std::mt19937_64 rng(7);
	std::vector<std::array<uint8_t, 64>> inputs;
	std::array<uint8_t, 64> in{};
	inputs.push_back(in);
	in.fill(0xff);
	inputs.push_back(in);
	for (unsigned m = 1; m < 16; m++) {
		in.fill(0);
		add_multiple_of_order(in.data(), in.data(), m);
		inputs.push_back(in);
		in[0]--; // m L - 1
		inputs.push_back(in);
	}
	for (int i = 0; i < 2000; i++) {
		for (auto &b : in)
			b = static_cast<uint8_t>(rng());
		inputs.push_back(in);
	}
	for (const auto &x : inputs) {
		uint8_t ours_r[32], ref_r[32];
		co_sc_reduce512(ours_r, x.data());
		crypto_core_ed25519_scalar_reduce(ref_r, x.data());
		EXPECT_EQ(to_hex(std::to_array(ours_r)), to_hex(std::to_array(ref_r))) << to_hex(x);
		EXPECT_TRUE(co_sc_is_canonical(ours_r));
	}
}

TEST(Ed25519Scalar, CanonicalBoundary)
{
	uint8_t s[32];
	std::memcpy(s, co_ed25519_order, 32);
	EXPECT_FALSE(co_sc_is_canonical(s)); // L
	s[0]--;
	EXPECT_TRUE(co_sc_is_canonical(s)); // L - 1
	s[0] = static_cast<uint8_t>(s[0] + 2);
	EXPECT_FALSE(co_sc_is_canonical(s)); // L + 1
	std::memset(s, 0, 32);
	EXPECT_TRUE(co_sc_is_canonical(s));
	s[31] = 0x10;
	EXPECT_TRUE(co_sc_is_canonical(s)); // 2^252 < L
	s[31] = 0x20;
	EXPECT_FALSE(co_sc_is_canonical(s)); // 2^253
}

TEST(Ed25519Scalar, WnafReconstructsTheScalar)
{
	std::mt19937_64 rng(5);
	for (unsigned width = 2; width <= 8; width++) {
		for (int i = 0; i < 300; i++) {
			uint8_t s[32];
			for (auto &b : s)
				b = static_cast<uint8_t>(rng());
			if (i == 0)
				std::memset(s, 0xff, 32); // the largest allowed value, 2^255 - 1
			if (i == 1)
				std::memset(s, 0, 32);
			s[31] &= 0x7f;
			co_wnaf_digit digits[CO_WNAF_DIGITS_MAX(2)];
			const unsigned n =
				co_ed25519_wnaf(digits, CO_WNAF_DIGITS_MAX(width), s, width);
			// Sum value * 2^pos in 64-bit signed limbs, then normalise.
			int64_t acc[33] = {};
			for (unsigned j = 0; j < n; j++) {
				const int d = digits[j].value;
				EXPECT_EQ(d & 1, 1) << "odd";
				EXPECT_LT(std::abs(d), 1 << (width - 1));
				if (j > 0) {
					EXPECT_GE(digits[j].pos - digits[j - 1].pos,
						  static_cast<int>(width));
				}
				acc[digits[j].pos / 8] +=
					static_cast<int64_t>(d) * (1 << (digits[j].pos % 8));
			}
			int64_t carry = 0;
			uint8_t back[33];
			for (int j = 0; j < 33; j++) {
				const int64_t v = acc[j] + carry;
				back[j] = static_cast<uint8_t>(v & 0xff);
				carry = (v - (v & 0xff)) / 256;
			}
			EXPECT_EQ(carry, 0);
			EXPECT_EQ(back[32], 0);
			EXPECT_EQ(0, std::memcmp(back, s, 32)) << "width " << width;
		}
	}
}

// [a]P + [b]B against libsodium's scalar multiplications and addition, for random prime-order
// P and scalars below L, including a = 0 or b = 0.
TEST_F(Ed25519, DoubleScalarMultMatchesLibsodium)
{
	for (int i = 0; i < 100; i++) {
		Key p;
		uint8_t a[32], b[32], ap[32], bb[32], sum[32];
		crypto_core_ed25519_random(p.data());
		crypto_core_ed25519_scalar_random(a);
		crypto_core_ed25519_scalar_random(b);
		if (i == 0)
			std::memset(a, 0, 32);
		if (i == 1)
			std::memset(b, 0, 32);
		co_ge_ext point;
		ASSERT_EQ(co_ge_from_bytes(&point, p.data()), 0);
		const std::string got = encode(scalarmult(a, point, b));
		if (i == 0) {
			ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(sum, b), 0);
		} else if (i == 1) {
			ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(sum, a, p.data()), 0);
		} else {
			ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(ap, a, p.data()), 0);
			ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(bb, b), 0);
			ASSERT_EQ(crypto_core_ed25519_add(sum, ap, bb), 0);
		}
		EXPECT_EQ(got, to_hex(std::to_array(sum)));
	}
	// [0]P + [0]B is the identity.
	co_ge_ext point;
	Key p;
	crypto_core_ed25519_random(p.data());
	ASSERT_EQ(co_ge_from_bytes(&point, p.data()), 0);
	EXPECT_EQ(encode(scalarmult(zero32, point, zero32)), to_hex(torsion_points()[0]));
}

// Decoding then encoding any valid point gives its bytes back; the sign bit selects x.
TEST_F(Ed25519, PointEncodingRoundTrips)
{
	for (int i = 0; i < 200; i++) {
		Key p;
		crypto_core_ed25519_random(p.data());
		for (uint8_t flip : { 0x00, 0x80 }) {
			Key q = p;
			q[31] ^= flip;
			co_ge_ext e;
			ASSERT_EQ(co_ge_from_bytes(&e, q.data()), 0);
			co_ge_proj pr;
			co_ge_ext_to_proj(&pr, &e);
			EXPECT_EQ(encode(pr), to_hex(q));
		}
	}
	// x = 0 with the sign bit set is refused (RFC 8032 5.1.3 step 4).
	Key one = torsion_points()[0];
	co_ge_ext e;
	EXPECT_EQ(co_ge_from_bytes(&e, one.data()), 0);
	one[31] |= 0x80;
	EXPECT_EQ(co_ge_from_bytes(&e, one.data()), -1);
}
