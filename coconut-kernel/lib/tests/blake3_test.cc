// BLAKE3 (coconut-kernel/lib/blake3.c): the official test vectors in every mode, fed whole and
// in pieces, read back in pieces and from offsets; then random inputs against the Debian
// `b3sum` tool as the oracle.
#include "coconut/blake3.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "blake3_b3sum.h"

namespace {

using Bytes = std::vector<uint8_t>;

// splitmix64: tiny, seedable, and the same stream on every platform and library version.
struct SplitMix64 {
	uint64_t state;

	uint64_t next()
	{
		uint64_t z = (state += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}
	// Uniform enough for tests in [0, n); n > 0.
	uint64_t below(uint64_t n) { return next() % n; }
	Bytes bytes(size_t n)
	{
		Bytes b(n);
		for (auto &x : b)
			x = static_cast<uint8_t>(next());
		return b;
	}
};

// BLAKE3_TEST_SEED replays a run with another seed; the seed is printed on failure.
uint64_t test_seed()
{
	const char *s = std::getenv("BLAKE3_TEST_SEED");
	return s ? std::strtoull(s, nullptr, 0) : 0xb1a4e3c0c0ull;
}

Bytes from_hex(const std::string &hex)
{
	auto nibble = [](char c) -> uint8_t {
		if (c >= '0' && c <= '9')
			return static_cast<uint8_t>(c - '0');
		if (c >= 'a' && c <= 'f')
			return static_cast<uint8_t>(c - 'a' + 10);
		ADD_FAILURE() << "bad hex digit " << c;
		return 0;
	};
	Bytes b(hex.size() / 2);
	for (size_t i = 0; i < b.size(); i++)
		b[i] = static_cast<uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
	return b;
}

std::string hex(const Bytes &b)
{
	return blake3_b3sum::to_hex(b.data(), b.size());
}

enum class Mode { hash, keyed, derive };
const Mode kModes[] = {Mode::hash, Mode::keyed, Mode::derive};

const char *mode_name(Mode m)
{
	return m == Mode::hash ? "hash" : m == Mode::keyed ? "keyed_hash" : "derive_key";
}

// What a mode needs besides the input.
struct Params {
	Mode mode = Mode::hash;
	Bytes key = Bytes(CO_BLAKE3_KEY_BYTES);
	std::string context;
};

void init(co_blake3_hasher *h, const Params &p)
{
	switch (p.mode) {
	case Mode::hash:
		co_blake3_init(h);
		break;
	case Mode::keyed:
		co_blake3_init_keyed(h, p.key.data());
		break;
	case Mode::derive:
		co_blake3_init_derive_key(h, p.context.data(), p.context.size());
		break;
	}
}

// The one-shot functions; keyed_hash has no XOF form, so its longer outputs use a hasher.
Bytes oneshot(const Params &p, const Bytes &in, size_t out_len)
{
	Bytes out(out_len);
	switch (p.mode) {
	case Mode::hash:
		if (out_len == CO_BLAKE3_OUT_BYTES)
			co_blake3_hash(in.data(), in.size(), out.data());
		else
			co_blake3_hash_xof(in.data(), in.size(), out.data(), out_len);
		break;
	case Mode::keyed:
		if (out_len == CO_BLAKE3_OUT_BYTES) {
			co_blake3_keyed_hash(p.key.data(), in.data(), in.size(), out.data());
		} else {
			co_blake3_hasher h;
			co_blake3_init_keyed(&h, p.key.data());
			co_blake3_update(&h, in.data(), in.size());
			co_blake3_finalize_seek(&h, 0, out.data(), out_len);
		}
		break;
	case Mode::derive:
		co_blake3_derive_key(p.context.data(), p.context.size(), in.data(), in.size(),
				     out.data(), out_len);
		break;
	}
	return out;
}

// Feeds in to h in pieces whose sizes next_piece() chooses (0 is allowed: an empty update).
void feed(co_blake3_hasher *h, const Bytes &in, const std::function<size_t()> &next_piece)
{
	size_t pos = 0;
	while (pos < in.size()) {
		size_t n = std::min(next_piece(), in.size() - pos);
		co_blake3_update(h, n ? in.data() + pos : nullptr, n);
		pos += n;
	}
}

// The reader's output read back in pieces of sizes next_piece() chooses (at least 1).
Bytes read_pieces(co_blake3_output *o, size_t out_len, const std::function<size_t()> &next_piece)
{
	Bytes out(out_len);
	size_t pos = 0;
	while (pos < out_len) {
		size_t n = std::clamp<size_t>(next_piece(), 1, out_len - pos);
		co_blake3_output_read(o, out.data() + pos, n);
		pos += n;
	}
	return out;
}

struct VectorCase {
	size_t input_len;
	Bytes expected[3]; // indexed like kModes, 131 bytes each
};

struct Vectors {
	Bytes key;
	std::string context;
	std::vector<VectorCase> cases;
};

const Vectors &vectors()
{
	static const Vectors v = [] {
		Vectors r;
		std::ifstream f(COCONUT_TEST_VECTORS_DIR "/blake3_test_vectors.json");
		EXPECT_TRUE(f.good()) << "cannot open blake3_test_vectors.json";
		nlohmann::json j = nlohmann::json::parse(f);
		std::string key = j.at("key");
		r.key.assign(key.begin(), key.end());
		r.context = j.at("context_string");
		for (const auto &c : j.at("cases")) {
			VectorCase vc;
			vc.input_len = c.at("input_len");
			vc.expected[0] = from_hex(c.at("hash"));
			vc.expected[1] = from_hex(c.at("keyed_hash"));
			vc.expected[2] = from_hex(c.at("derive_key"));
			r.cases.push_back(vc);
		}
		return r;
	}();
	return v;
}

// The vectors' input: bytes 0, 1, ..., 250 repeating.
Bytes vector_input(size_t n)
{
	Bytes b(n);
	for (size_t i = 0; i < n; i++)
		b[i] = static_cast<uint8_t>(i % 251);
	return b;
}

Params vector_params(size_t mode_index)
{
	Params p;
	p.mode = kModes[mode_index];
	p.key = vectors().key;
	p.context = vectors().context;
	return p;
}

TEST(Blake3Vectors, Loaded)
{
	const Vectors &v = vectors();
	ASSERT_EQ(v.key.size(), size_t{CO_BLAKE3_KEY_BYTES});
	ASSERT_EQ(v.cases.size(), 35u);
	for (const auto &c : v.cases)
		for (const auto &e : c.expected)
			ASSERT_EQ(e.size(), 131u);
}

TEST(Blake3Vectors, OneShot)
{
	for (const auto &c : vectors().cases) {
		const Bytes in = vector_input(c.input_len);
		for (size_t m = 0; m < 3; m++) {
			SCOPED_TRACE(testing::Message() << "input_len " << c.input_len << " "
							<< mode_name(kModes[m]));
			const Params p = vector_params(m);
			const Bytes &want = c.expected[m];
			EXPECT_EQ(hex(oneshot(p, in, 131)), hex(want));
			EXPECT_EQ(hex(oneshot(p, in, 32)), hex(Bytes(want.begin(), want.begin() + 32)));
		}
	}
}

TEST(Blake3Vectors, IncrementalPieces)
{
	SplitMix64 rng{test_seed()};
	SCOPED_TRACE(testing::Message() << "BLAKE3_TEST_SEED=" << test_seed());
	// Piece sizes around the block (64), chunk (1024) and lane-batch (4 KiB) boundaries;
	// 0 stands for random sizes.
	const size_t fixed[] = {1, 7, 63, 64, 65, 1000, 1023, 1024, 1025, 4095, 4096, 4097, 0};
	for (const auto &c : vectors().cases) {
		const Bytes in = vector_input(c.input_len);
		for (size_t m = 0; m < 3; m++) {
			const Params p = vector_params(m);
			const Bytes &want = c.expected[m];
			for (size_t piece : fixed) {
				SCOPED_TRACE(testing::Message()
					     << "input_len " << c.input_len << " "
					     << mode_name(kModes[m]) << " piece " << piece);
				// One byte at a time only for the small inputs, to keep the run short.
				if (piece == 1 && c.input_len > 8192)
					continue;
				const uint64_t scale = 1 + rng.below(3000);
				auto next = [&]() -> size_t {
					return piece ? piece : static_cast<size_t>(rng.below(scale + 1));
				};
				co_blake3_hasher h;
				init(&h, p);
				feed(&h, in, next);
				Bytes out(131), out32(32);
				co_blake3_finalize_seek(&h, 0, out.data(), out.size());
				co_blake3_finalize(&h, out32.data());
				EXPECT_EQ(hex(out), hex(want));
				EXPECT_EQ(hex(out32), hex(Bytes(want.begin(), want.begin() + 32)));
			}
		}
	}
}

TEST(Blake3Vectors, XofPiecesAndOffsets)
{
	SplitMix64 rng{test_seed() ^ 1};
	for (const auto &c : vectors().cases) {
		const Bytes in = vector_input(c.input_len);
		for (size_t m = 0; m < 3; m++) {
			SCOPED_TRACE(testing::Message() << "input_len " << c.input_len << " "
							<< mode_name(kModes[m]));
			const Params p = vector_params(m);
			const Bytes &want = c.expected[m];
			co_blake3_hasher h;
			init(&h, p);
			co_blake3_update(&h, in.data(), in.size());

			for (size_t piece : {1, 5, 63, 64, 65, 0}) {
				co_blake3_output o;
				co_blake3_finalize_xof(&h, &o);
				auto next = [&]() -> size_t {
					return piece ? piece : static_cast<size_t>(1 + rng.below(70));
				};
				EXPECT_EQ(hex(read_pieces(&o, want.size(), next)), hex(want))
					<< "piece " << piece;
			}
			// Every start offset, through the reader and through finalize_seek.
			for (size_t off = 0; off < want.size(); off++) {
				const Bytes tail(want.begin() + static_cast<ptrdiff_t>(off), want.end());
				co_blake3_output o;
				co_blake3_finalize_xof(&h, &o);
				co_blake3_output_seek(&o, off);
				Bytes got(tail.size());
				co_blake3_output_read(&o, got.data(), got.size());
				EXPECT_EQ(hex(got), hex(tail)) << "offset " << off;
				EXPECT_EQ(o.position_bytes, uint64_t{want.size()});
				co_blake3_finalize_seek(&h, off, got.data(), got.size());
				EXPECT_EQ(hex(got), hex(tail)) << "finalize_seek offset " << off;
			}
		}
	}
}

TEST(Blake3Api, FinalizeLeavesHasherUsable)
{
	// Finalize after every prefix length, then go on: each result is that prefix's hash.
	const Vectors &v = vectors();
	const Bytes in = vector_input(102400);
	co_blake3_hasher h;
	co_blake3_init(&h);
	size_t pos = 0;
	for (const auto &c : v.cases) {
		co_blake3_update(&h, in.data() + pos, c.input_len - pos);
		pos = c.input_len;
		Bytes out(32);
		co_blake3_finalize(&h, out.data());
		co_blake3_finalize(&h, out.data());
		EXPECT_EQ(hex(out), hex(Bytes(c.expected[0].begin(), c.expected[0].begin() + 32)))
			<< "prefix " << c.input_len;
	}
}

TEST(Blake3Api, ReaderAcrossLargeCounters)
{
	// Output block counters beyond 32 bits: reading a range whole and in pieces agrees, and
	// agrees with finalize_seek, around the 2^32-block boundary and at the stream's end.
	co_blake3_hasher h;
	co_blake3_init(&h);
	co_blake3_update(&h, "abc", 3);
	SplitMix64 rng{test_seed() ^ 2};
	const uint64_t starts[] = {(uint64_t{1} << 38) - 70, ~uint64_t{0} - 200};
	for (uint64_t start : starts) {
		SCOPED_TRACE(testing::Message() << "start " << start);
		Bytes whole(201);
		co_blake3_finalize_seek(&h, start, whole.data(), whole.size());
		co_blake3_output o;
		co_blake3_finalize_xof(&h, &o);
		co_blake3_output_seek(&o, start);
		EXPECT_EQ(hex(read_pieces(&o, whole.size(),
					  [&]() { return static_cast<size_t>(1 + rng.below(40)); })),
			  hex(whole));
		// Distinct blocks: the counter's high word is really used.
		Bytes low(64);
		co_blake3_finalize_seek(&h, start % (uint64_t{1} << 32), low.data(), low.size());
		EXPECT_NE(hex(Bytes(whole.begin(), whole.begin() + 64)), hex(low));
	}
	// Reading the very last byte wraps the position to 0.
	co_blake3_output o;
	co_blake3_finalize_xof(&h, &o);
	co_blake3_output_seek(&o, ~uint64_t{0});
	uint8_t last;
	co_blake3_output_read(&o, &last, 1);
	EXPECT_EQ(o.position_bytes, 0u);
}

TEST(Blake3ApiDeathTest, ReadingPastTheStreamEndAsserts)
{
	co_blake3_hasher h;
	co_blake3_init(&h);
	co_blake3_output o;
	co_blake3_finalize_xof(&h, &o);
	co_blake3_output_seek(&o, ~uint64_t{0} - 3);
	uint8_t buf[8];
	EXPECT_DEATH(co_blake3_output_read(&o, buf, sizeof(buf)), "assertion failed");
}

TEST(Blake3Api, HasherSize)
{
	// Kernel callers may keep one on a 16 KiB stack, inside a 2 KiB frame.
	EXPECT_LE(sizeof(co_blake3_hasher), 1900u);
	EXPECT_LE(sizeof(co_blake3_output), 128u);
}

// ---- The b3sum oracle ----

struct OracleCase {
	Params params;
	Bytes input;
	size_t out_len;
	uint64_t piece_max; // update sizes are drawn from [0, piece_max]
};

std::vector<std::string> b3sum_args(const OracleCase &c, const std::string &path)
{
	std::vector<std::string> args{"--no-names", "--length", std::to_string(c.out_len)};
	if (c.params.mode == Mode::keyed)
		args.push_back("--keyed");
	// b3sum's parser takes a separate argument that starts with '-' for an option, and drops
	// a leading '=' from the value in the --derive-key=VALUE form: use the form that is exact.
	if (c.params.mode == Mode::derive) {
		if (!c.params.context.empty() && c.params.context[0] == '-') {
			args.push_back("--derive-key=" + c.params.context);
		} else {
			args.push_back("--derive-key");
			args.push_back(c.params.context);
		}
	}
	args.push_back(path);
	return args;
}

// Our output for the case: hashed in random pieces, read back through a reader in random
// pieces (from a random offset, then the part before it). mutate flips one bit, to check that
// the comparison can fail.
Bytes ours(const OracleCase &c, SplitMix64 &rng, bool mutate)
{
	co_blake3_hasher h;
	init(&h, c.params);
	feed(&h, c.input, [&]() { return static_cast<size_t>(rng.below(c.piece_max + 1)); });
	Bytes out(c.out_len);
	const size_t split = static_cast<size_t>(rng.below(c.out_len + 1));
	co_blake3_output o;
	co_blake3_finalize_xof(&h, &o);
	co_blake3_output_seek(&o, split);
	auto piece = [&]() { return static_cast<size_t>(1 + rng.below(100)); };
	Bytes tail = read_pieces(&o, c.out_len - split, piece);
	co_blake3_output_seek(&o, 0);
	Bytes head = read_pieces(&o, split, piece);
	std::copy(head.begin(), head.end(), out.begin());
	std::copy(tail.begin(), tail.end(), out.begin() + static_cast<ptrdiff_t>(split));
	if (c.out_len == CO_BLAKE3_OUT_BYTES) {
		// The default length also through finalize, and one-shot where the mode has it.
		Bytes fin(CO_BLAKE3_OUT_BYTES);
		co_blake3_finalize(&h, fin.data());
		EXPECT_EQ(hex(fin), hex(out));
		EXPECT_EQ(hex(oneshot(c.params, c.input, CO_BLAKE3_OUT_BYTES)), hex(out));
	}
	if (mutate)
		out[rng.below(out.size())] ^= static_cast<uint8_t>(1u << rng.below(8));
	return out;
}

testing::AssertionResult matches_b3sum(const OracleCase &c, blake3_b3sum::TempFile &file,
				       SplitMix64 &rng, bool mutate = false)
{
	file.reset(c.input);
	const std::string key(c.params.key.begin(), c.params.key.end());
	const auto r = blake3_b3sum::run(b3sum_args(c, file.path()),
					 c.params.mode == Mode::keyed ? key : "");
	if (r.exit_status != 0)
		return testing::AssertionFailure() << "b3sum exited with " << r.exit_status;
	std::string want = r.out;
	if (!want.empty() && want.back() == '\n')
		want.pop_back();
	const std::string got = hex(ours(c, rng, mutate));
	if (want.size() != 2 * c.out_len || got != want)
		return testing::AssertionFailure()
		       << mode_name(c.params.mode) << " input_len " << c.input.size() << " out_len "
		       << c.out_len << " context '" << c.params.context << "'\n  b3sum " << want
		       << "\n  ours  " << got;
	return testing::AssertionSuccess();
}

constexpr size_t kMiB = size_t{1} << 20;

OracleCase random_case(SplitMix64 &rng, size_t input_len, Mode mode)
{
	OracleCase c;
	c.params.mode = mode;
	c.params.key = rng.bytes(CO_BLAKE3_KEY_BYTES);
	if (mode == Mode::derive) {
		const size_t n = static_cast<size_t>(rng.below(3) == 0 ? rng.below(2000) : rng.below(60));
		for (size_t i = 0; i < n; i++)
			c.params.context.push_back(static_cast<char>(' ' + rng.below(95)));
	}
	c.input = rng.bytes(input_len);
	switch (rng.below(4)) {
	case 0:
		c.out_len = static_cast<size_t>(1 + rng.below(200));
		break;
	case 1:
		c.out_len = static_cast<size_t>(1 + rng.below(3000));
		break;
	default:
		c.out_len = CO_BLAKE3_OUT_BYTES;
		break;
	}
	// Small pieces for small inputs; never more than ~2000 update calls per case.
	const uint64_t piece_scale = uint64_t{1} << rng.below(16);
	c.piece_max = std::max<uint64_t>(piece_scale, input_len / 1000);
	return c;
}

TEST(Blake3Oracle, MutatedOutputIsDetected)
{
	SplitMix64 rng{test_seed() ^ 3};
	blake3_b3sum::TempFile file({});
	for (Mode m : kModes) {
		const OracleCase c = random_case(rng, 3000, m);
		EXPECT_TRUE(matches_b3sum(c, file, rng));
		EXPECT_FALSE(matches_b3sum(c, file, rng, /*mutate=*/true)) << mode_name(m);
	}
	// And the oracle really distinguishes the modes.
	OracleCase c = random_case(rng, 100, Mode::hash);
	c.out_len = 32;
	file.reset(c.input);
	const auto plain = blake3_b3sum::run(b3sum_args(c, file.path()));
	c.params.mode = Mode::keyed;
	const auto keyed = blake3_b3sum::run(
		b3sum_args(c, file.path()), std::string(c.params.key.begin(), c.params.key.end()));
	EXPECT_EQ(plain.exit_status, 0);
	EXPECT_EQ(keyed.exit_status, 0);
	EXPECT_NE(plain.out, keyed.out);
}

TEST(Blake3Oracle, BoundaryLengths)
{
	SplitMix64 rng{test_seed() ^ 4};
	SCOPED_TRACE(testing::Message() << "BLAKE3_TEST_SEED=" << test_seed());
	std::vector<size_t> lens{0, 63, 64, 65, 1023, 1024, 1025};
	for (unsigned k = 0; k <= 20; k++) {
		const size_t p = size_t{1} << k;
		lens.insert(lens.end(), {p - 1, p, p + 1});
	}
	std::sort(lens.begin(), lens.end());
	lens.erase(std::unique(lens.begin(), lens.end()), lens.end());
	blake3_b3sum::TempFile file({});
	for (size_t len : lens) {
		for (Mode m : kModes)
			EXPECT_TRUE(matches_b3sum(random_case(rng, len, m), file, rng));
	}
}

TEST(Blake3Oracle, RandomInputs)
{
	SplitMix64 rng{test_seed() ^ 5};
	SCOPED_TRACE(testing::Message() << "BLAKE3_TEST_SEED=" << test_seed());
	blake3_b3sum::TempFile file({});
	for (int i = 0; i < 400; i++) {
		// Log-uniform lengths up to 1 MiB: most are short, a few are long.
		const size_t len = static_cast<size_t>(rng.below((uint64_t{1} << rng.below(21)) + 1));
		const Mode m = kModes[rng.below(3)];
		EXPECT_TRUE(matches_b3sum(random_case(rng, std::min(len, kMiB), m), file, rng))
			<< "case " << i;
	}
}

} // namespace
