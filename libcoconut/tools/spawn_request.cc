#include "spawn_request.h"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

namespace agent_test {
namespace cbor {

static void head(Bytes &out, uint8_t major, uint64_t v)
{
	uint8_t m = static_cast<uint8_t>(major << 5);
	if (v < 24) {
		out.push_back(static_cast<uint8_t>(m | v));
		return;
	}
	int n = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffull ? 4 : 8;
	out.push_back(static_cast<uint8_t>(m | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27)));
	for (int i = n - 1; i >= 0; i--)
		out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

Bytes uint(uint64_t v)
{
	Bytes out;
	head(out, 0, v);
	return out;
}

Bytes bytes(const uint8_t *p, size_t n)
{
	Bytes out;
	head(out, 2, n);
	out.insert(out.end(), p, p + n);
	return out;
}

Bytes bytes(const Bytes &b)
{
	return bytes(b.data(), b.size());
}

Bytes text(const std::string &s)
{
	Bytes out;
	head(out, 3, s.size());
	out.insert(out.end(), s.begin(), s.end());
	return out;
}

Bytes array(const std::vector<Bytes> &items)
{
	Bytes out;
	head(out, 4, items.size());
	for (const Bytes &i : items)
		out.insert(out.end(), i.begin(), i.end());
	return out;
}

Bytes text_array(const std::vector<std::string> &texts)
{
	std::vector<Bytes> items;
	for (const std::string &t : texts)
		items.push_back(text(t));
	return array(items);
}

Bytes map(std::vector<std::pair<Bytes, Bytes>> pairs)
{
	std::sort(pairs.begin(), pairs.end(),
		  [](const auto &a, const auto &b) { return a.first < b.first; });
	Bytes out;
	head(out, 5, pairs.size());
	for (const auto &kv : pairs) {
		out.insert(out.end(), kv.first.begin(), kv.first.end());
		out.insert(out.end(), kv.second.begin(), kv.second.end());
	}
	return out;
}

} // namespace cbor

Signer Signer::from_seed(uint8_t seed_byte)
{
	if (sodium_init() < 0)
		throw std::runtime_error("sodium_init failed");
	Signer s;
	uint8_t seed[crypto_sign_SEEDBYTES];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = static_cast<uint8_t>(seed_byte + 7 * i);
	crypto_sign_seed_keypair(s.pk.data(), s.sk.data(), seed);
	return s;
}

Bytes Signer::sign(const Bytes &msg) const
{
	return sign_fn != nullptr ? sign_fn(*this, msg) : sign_ed25519(msg);
}

Bytes Signer::sign_ed25519(const Bytes &msg) const
{
	Bytes sig(crypto_sign_BYTES);
	crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sk.data());
	return sig;
}

static bool omitted(const std::vector<std::string> &omit, const std::string &key)
{
	return std::find(omit.begin(), omit.end(), key) != omit.end();
}

static void add(std::vector<std::pair<Bytes, Bytes>> &pairs, const std::vector<std::string> &omit,
		const std::string &key, Bytes value)
{
	if (!omitted(omit, key))
		pairs.emplace_back(cbor::text(key), std::move(value));
}

Bytes Manifest::encode() const
{
	std::vector<std::pair<Bytes, Bytes>> pairs;
	add(pairs, omit, "v", cbor::uint(v));
	add(pairs, omit, "caps", cbor::text_array(caps));
	add(pairs, omit, "name", name_value ? *name_value : cbor::text(name));
	add(pairs, omit, "tenant", cbor::uint(tenant));
	add(pairs, omit, "authorizer", cbor::bytes(authorizer.data(), authorizer.size()));
	add(pairs, omit, "code_digest", cbor::bytes(code_digest.data(), code_digest.size()));
	for (const auto &kv : extra)
		pairs.emplace_back(cbor::text(kv.first), kv.second);
	return cbor::map(pairs);
}

Bytes SpawnRequest::encode() const
{
	std::vector<std::pair<Bytes, Bytes>> pairs;
	add(pairs, omit, "cap_set", cbor::text_array(cap_set));
	add(pairs, omit, "manifest", cbor::bytes(manifest));
	add(pairs, omit, "signature", cbor::bytes(signature));
	for (const auto &kv : extra)
		pairs.emplace_back(cbor::text(kv.first), kv.second);
	return cbor::map(pairs);
}

SpawnRequest make_spawn_parts(const Signer &signer, Manifest m,
			      const std::vector<std::string> &cap_set)
{
	m.authorizer = signer.pk;
	SpawnRequest r;
	r.cap_set = cap_set;
	r.manifest = m.encode();
	r.signature = signer.sign(r.manifest);
	return r;
}

Bytes make_spawn_request(const Signer &signer, Manifest m, const std::vector<std::string> &cap_set)
{
	return make_spawn_parts(signer, std::move(m), cap_set).encode();
}

} // namespace agent_test
