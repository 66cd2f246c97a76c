// coconut_selftest: the main job until the simulator lands. Runs the kernel library against the
// published known answers (every BLAKE3 vector in all three modes, every RFC 8032 Ed25519
// vector, accepted and with its signature damaged) and a canonical CBOR round trip of a spawn
// request, and prints one line per family and the closing "N passed, N failed" line.
// Exit 0 only when every check holds.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern "C" {
#include "coconut/blake3.h"
#include "coconut/cbor.h"
#include "coconut/ed25519.h"
}

namespace {

std::vector<u8> from_hex(const std::string &hex)
{
	std::vector<u8> out(hex.size() / 2);
	for (size_t i = 0; i < out.size(); i++)
		out[i] = static_cast<u8>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
	return out;
}

nlohmann::json load(const std::string &name)
{
	std::ifstream in(std::string(COCONUT_TEST_VECTORS_DIR) + "/" + name);
	if (!in) {
		std::fprintf(stderr, "selftest: cannot open %s/%s\n", COCONUT_TEST_VECTORS_DIR, name.c_str());
		std::exit(2);
	}
	return nlohmann::json::parse(in);
}

struct tally {
	int passed = 0;
	int failed = 0;
	void check(bool ok, const std::string &what)
	{
		if (ok) {
			passed++;
		} else {
			failed++;
			std::printf("  FAILED: %s\n", what.c_str());
		}
	}
};

void blake3_vectors(tally &t)
{
	const nlohmann::json v = load("blake3_test_vectors.json");
	const std::string key = v["key"];
	const std::string context = v["context_string"];
	int cases = 0;
	for (const auto &c : v["cases"]) {
		const size_t len = c["input_len"];
		std::vector<u8> input(len);
		for (size_t i = 0; i < len; i++)
			input[i] = static_cast<u8>(i % 251);
		const std::vector<u8> want_hash = from_hex(c["hash"]);
		const std::vector<u8> want_keyed = from_hex(c["keyed_hash"]);
		const std::vector<u8> want_derive = from_hex(c["derive_key"]);
		std::vector<u8> out(want_hash.size());
		const std::string label = "blake3 len=" + std::to_string(len);

		co_blake3_hash_xof(input.data(), len, out.data(), out.size());
		t.check(out == want_hash, label + " hash");

		struct co_blake3_hasher h;
		struct co_blake3_output o;
		co_blake3_init_keyed(&h, reinterpret_cast<const u8 *>(key.data()));
		co_blake3_update(&h, input.data(), len);
		co_blake3_finalize_xof(&h, &o);
		co_blake3_output_read(&o, out.data(), out.size());
		t.check(out == want_keyed, label + " keyed_hash");

		co_blake3_derive_key(context.data(), context.size(), input.data(), len, out.data(), out.size());
		t.check(out == want_derive, label + " derive_key");
		cases++;
	}
	std::printf("blake3: %d official vectors x 3 modes (131-byte outputs)\n", cases);
}

void ed25519_vectors(tally &t)
{
	const nlohmann::json v = load("rfc8032_ed25519_vectors.json");
	int cases = 0;
	for (const auto &c : v["ed25519"]) {
		const std::vector<u8> pk = from_hex(c["public_key"]);
		const std::vector<u8> msg = from_hex(c["message"]);
		std::vector<u8> sig = from_hex(c["signature"]);
		const std::string name = c["name"];
		t.check(co_ed25519_verify(sig.data(), msg.data(), msg.size(), pk.data()) == CO_ED25519_OK,
			"ed25519 " + name + " verifies");
		sig[sig.size() / 2] ^= 0x01; // a damaged signature must be refused
		t.check(co_ed25519_verify(sig.data(), msg.data(), msg.size(), pk.data()) != CO_ED25519_OK,
			"ed25519 " + name + " damaged is refused");
		cases++;
	}
	std::printf("ed25519: %d RFC 8032 vectors, each accepted and refused when damaged\n", cases);
}

void cbor_round_trip(tally &t)
{
	static const char *caps[] = {"fs.read:/home/maya/project/**", "inference:kvwarden", "agent.spawn"};
	u8 buf[512];
	struct co_cbor_writer w;
	co_cbor_writer_init(&w, buf, sizeof(buf));
	co_cbor_begin_map(&w, 3);
	co_cbor_put_text(&w, "cap_set", 7);
	co_cbor_begin_array(&w, 3);
	for (const char *cap : caps)
		co_cbor_put_text(&w, cap, std::char_traits<char>::length(cap));
	co_cbor_put_text(&w, "manifest", 8);
	co_cbor_put_bytes(&w, reinterpret_cast<const u8 *>("name: maya-agent"), 16);
	co_cbor_put_text(&w, "signature", 9);
	u8 sig[64] = {};
	co_cbor_put_bytes(&w, sig, sizeof(sig));
	size_t len = 0;
	t.check(co_cbor_writer_finish(&w, &len) == CO_CBOR_OK, "cbor encode spawn request");

	struct co_cbor_item items[32];
	struct co_cbor_doc doc;
	struct co_cbor_error err;
	const bool decoded = co_cbor_decode(buf, len, 0, items, 32, &doc, &err) == CO_CBOR_OK;
	t.check(decoded, "cbor strict decode of our own encoding");
	if (decoded) {
		u32 sig_idx = 0;
		t.check(co_cbor_map_get(&doc, 0, CO_CBOR_STR("signature"), CO_CBOR_T_BYTES, &sig_idx, &err) ==
				CO_CBOR_OK && co_cbor_at(&doc, sig_idx)->value == 64,
			"cbor reads the signature field back");
	}
	buf[len] = 0x00; // one trailing byte must be refused in strict mode, at its offset
	t.check(co_cbor_decode(buf, len + 1, 0, items, 32, &doc, &err) == CO_CBOR_E_TRAILING && err.offset == len,
		"cbor refuses trailing bytes at the right offset");
	std::printf("cbor: spawn request round trip and a strict rejection\n");
}

} // namespace

int main()
{
	tally t;
	blake3_vectors(t);
	ed25519_vectors(t);
	cbor_round_trip(t);
	std::printf("selftest: %d passed, %d failed\n", t.passed, t.failed);
	return t.failed == 0 ? 0 : 1;
}
