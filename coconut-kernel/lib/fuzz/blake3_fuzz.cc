// Differential fuzz of BLAKE3: the same input hashed one-shot and incrementally in
// fuzzer-chosen pieces must agree, in every mode, and the output read through a reader in
// pieces from an offset must match finalize_seek.
//
// Input layout: byte 0 mode (% 3), byte 1 repeat count (the message is repeated up to 64
// times, so short fuzz inputs still reach multi-chunk trees), bytes 2..3 output length
// (% 2048), bytes 4..11 seed for piece sizes, then for keyed mode 32 key bytes, for
// derive-key mode a length byte and that many context bytes; the rest is the message.
#include "coconut/blake3.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Reader {
	const uint8_t *p;
	size_t n;

	size_t take(uint8_t *out, size_t want)
	{
		const size_t k = want < n ? want : n;
		if (k)
			std::memcpy(out, p, k);
		p += k;
		n -= k;
		return k;
	}
	uint8_t byte()
	{
		uint8_t b = 0;
		take(&b, 1);
		return b;
	}
};

uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reader r{data, size};
	const unsigned mode = r.byte() % 3;
	const unsigned repeat = 1 + r.byte() % 64;
	uint8_t len_bytes[2] = {0, 0};
	r.take(len_bytes, 2);
	const size_t out_len = 1 + ((size_t{len_bytes[0]} | size_t{len_bytes[1]} << 8) % 2048);
	uint64_t seed = 0;
	uint8_t seed_bytes[8] = {0};
	r.take(seed_bytes, 8);
	std::memcpy(&seed, seed_bytes, 8);
	uint8_t key[CO_BLAKE3_KEY_BYTES] = {0};
	std::vector<char> context;
	if (mode == 1) {
		r.take(key, sizeof(key));
	} else if (mode == 2) {
		context.resize(r.byte());
		context.resize(r.take(reinterpret_cast<uint8_t *>(context.data()), context.size()));
	}
	std::vector<uint8_t> msg;
	msg.reserve(r.n * repeat);
	for (unsigned i = 0; i < repeat; i++)
		msg.insert(msg.end(), r.p, r.p + r.n);

	// One-shot.
	std::vector<uint8_t> want(out_len);
	co_blake3_hasher h;
	if (mode == 0) {
		co_blake3_hash_xof(msg.data(), msg.size(), want.data(), out_len);
		co_blake3_init(&h);
	} else if (mode == 1) {
		co_blake3_hasher k;
		co_blake3_init_keyed(&k, key);
		co_blake3_update(&k, msg.data(), msg.size());
		co_blake3_finalize_seek(&k, 0, want.data(), out_len);
		co_blake3_init_keyed(&h, key);
	} else {
		co_blake3_derive_key(context.data(), context.size(), msg.data(), msg.size(),
				     want.data(), out_len);
		co_blake3_init_derive_key(&h, context.data(), context.size());
	}

	// Incremental, with piece sizes from tiny to several chunks.
	size_t pos = 0;
	for (size_t step = 0; pos < msg.size(); step++) {
		const uint64_t x = splitmix64(&seed);
		const size_t cap = size_t{1} << (x % 15);
		size_t n = static_cast<size_t>((x >> 8) % (cap + 1));
		if (n == 0 && (step & 1)) // empty updates, but progress every other step
			n = 1;
		if (n > msg.size() - pos)
			n = msg.size() - pos;
		co_blake3_update(&h, n ? msg.data() + pos : nullptr, n);
		pos += n;
	}
	std::vector<uint8_t> got(out_len);
	co_blake3_finalize_seek(&h, 0, got.data(), out_len);
	if (got != want)
		std::abort();
	if (out_len >= CO_BLAKE3_OUT_BYTES) {
		uint8_t short_out[CO_BLAKE3_OUT_BYTES];
		co_blake3_finalize(&h, short_out);
		if (std::memcmp(short_out, want.data(), sizeof(short_out)) != 0)
			std::abort();
		if (mode == 0) {
			co_blake3_hash(msg.data(), msg.size(), short_out);
			if (std::memcmp(short_out, want.data(), sizeof(short_out)) != 0)
				std::abort();
		} else if (mode == 1) {
			co_blake3_keyed_hash(key, msg.data(), msg.size(), short_out);
			if (std::memcmp(short_out, want.data(), sizeof(short_out)) != 0)
				std::abort();
		}
	}

	// The reader, from an offset, in pieces.
	const size_t off = static_cast<size_t>(splitmix64(&seed) % out_len);
	co_blake3_output o;
	co_blake3_finalize_xof(&h, &o);
	co_blake3_output_seek(&o, off);
	std::vector<uint8_t> tail(out_len - off);
	for (size_t p = 0; p < tail.size();) {
		size_t n = 1 + static_cast<size_t>(splitmix64(&seed) % 130);
		if (n > tail.size() - p)
			n = tail.size() - p;
		co_blake3_output_read(&o, tail.data() + p, n);
		p += n;
	}
	if (std::memcmp(tail.data(), want.data() + off, tail.size()) != 0)
		std::abort();
	return 0;
}
