// SHA-512: FIPS 180-4 / NIST known answers, incremental feeding versus one-shot, and libsodium's
// crypto_hash_sha512 on lengths around the padding and block boundaries.
#include <gtest/gtest.h>
#include <sodium.h>

#include <random>
#include <string>
#include <vector>

#include "coconut/sha512.h"

namespace {

std::string hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (size_t i = 0; i < n; i++) {
		s.push_back(digits[p[i] >> 4]);
		s.push_back(digits[p[i] & 15]);
	}
	return s;
}

std::string ours(const std::string &msg)
{
	uint8_t d[CO_SHA512_DIGEST_BYTES];
	co_sha512(reinterpret_cast<const u8 *>(msg.data()), msg.size(), d);
	return hex(d, sizeof(d));
}

std::string ours(const std::vector<uint8_t> &msg)
{
	uint8_t d[CO_SHA512_DIGEST_BYTES];
	co_sha512(msg.data(), msg.size(), d);
	return hex(d, sizeof(d));
}

std::string libsodium_hex(const std::vector<uint8_t> &msg)
{
	uint8_t d[crypto_hash_sha512_BYTES];
	crypto_hash_sha512(d, msg.data(), msg.size());
	return hex(d, sizeof(d));
}

} // namespace

// FIPS 180-4 examples (NIST CSRC "SHA512.pdf") and the NIST long-message test.
TEST(Sha512, KnownAnswers)
{
	EXPECT_EQ(ours(std::string("abc")),
		  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	EXPECT_EQ(ours(std::string("")),
		  "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
		  "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	EXPECT_EQ(ours(std::string("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
		  "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		  "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
	EXPECT_EQ(ours(std::string(1000000, 'a')),
		  "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
		  "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

// The million 'a' fed in a thousand updates, and an empty update anywhere, change nothing.
TEST(Sha512, IncrementalMillionA)
{
	const std::string chunk(1000, 'a');
	co_sha512_ctx ctx;
	uint8_t d[CO_SHA512_DIGEST_BYTES];
	co_sha512_init(&ctx);
	for (int i = 0; i < 1000; i++) {
		co_sha512_update(&ctx, reinterpret_cast<const u8 *>(chunk.data()), chunk.size());
		co_sha512_update(&ctx, nullptr, 0);
	}
	co_sha512_final(&ctx, d);
	EXPECT_EQ(hex(d, sizeof(d)),
		  "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
		  "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

TEST(Sha512, IncrementalRandomPiecesMatchOneShot)
{
	std::mt19937_64 rng(2024);
	for (int round = 0; round < 300; round++) {
		std::vector<uint8_t> msg(rng() % 1200);
		for (auto &b : msg)
			b = static_cast<uint8_t>(rng());
		co_sha512_ctx ctx;
		uint8_t d[CO_SHA512_DIGEST_BYTES];
		co_sha512_init(&ctx);
		size_t at = 0;
		while (at < msg.size()) {
			// Pieces from 0 to 300 bytes: below, at and above the 128-byte block.
			const size_t n = std::min<size_t>(rng() % 301, msg.size() - at);
			co_sha512_update(&ctx, msg.data() + at, n);
			at += n;
		}
		co_sha512_final(&ctx, d);
		EXPECT_EQ(hex(d, sizeof(d)), ours(msg)) << "length " << msg.size();
	}
}

// Lengths where the padding changes shape: 111 bytes is the longest that leaves room for the
// 0x80 byte and the 16-byte length in one block, 112 needs a second block; and multiples of 128.
TEST(Sha512, MatchesLibsodiumAroundBlockBoundaries)
{
	ASSERT_GE(sodium_init(), 0);
	std::mt19937_64 rng(77);
	std::vector<size_t> lengths;
	for (size_t base : { 0, 111, 112, 128, 239, 240, 256, 1024 })
		for (size_t delta = 0; delta < 6; delta++)
			for (size_t len : { base + delta, base >= delta ? base - delta : 0 })
				lengths.push_back(len);
	for (int i = 0; i < 200; i++)
		lengths.push_back(rng() % 4096);
	for (size_t len : lengths) {
		std::vector<uint8_t> msg(len);
		for (auto &b : msg)
			b = static_cast<uint8_t>(rng());
		EXPECT_EQ(ours(msg), libsodium_hex(msg)) << "length " << len;
	}
}

// A context reused after final() and init() starts afresh.
TEST(Sha512, ContextReuse)
{
	co_sha512_ctx ctx;
	uint8_t d[CO_SHA512_DIGEST_BYTES];
	co_sha512_init(&ctx);
	co_sha512_update(&ctx, reinterpret_cast<const u8 *>("xyz"), 3);
	co_sha512_final(&ctx, d);
	co_sha512_init(&ctx);
	co_sha512_update(&ctx, reinterpret_cast<const u8 *>("abc"), 3);
	co_sha512_final(&ctx, d);
	EXPECT_EQ(hex(d, sizeof(d)), ours(std::string("abc")));
}
