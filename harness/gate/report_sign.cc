// See report_sign.h.
#include "report_sign.h"

#include <sodium.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <cassert>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace coconut::gate {

namespace {

void init()
{
	if (sodium_init() < 0)
		throw KeyError("libsodium could not start");
}

std::string to_hex(const unsigned char *p, size_t n)
{
	static const char k[] = "0123456789abcdef";
	std::string s;
	for (size_t i = 0; i < n; i++) {
		s += k[p[i] >> 4];
		s += k[p[i] & 15];
	}
	return s;
}

// Exactly n bytes of hex (surrounding whitespace allowed); false otherwise.
bool from_hex(std::string s, unsigned char *out, size_t n)
{
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.pop_back();
	size_t b = 0;
	while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b])))
		b++;
	s = s.substr(b);
	if (s.size() != 2 * n)
		return false;
	size_t bin_len = 0;
	return sodium_hex2bin(out, n, s.data(), s.size(), nullptr, &bin_len, nullptr) == 0 &&
	       bin_len == n;
}

std::string read_small(const std::string &path, const char *what)
{
	std::ifstream f(path);
	if (!f)
		throw KeyError(path + ": cannot read the " + std::string(what));
	std::string s;
	char c;
	while (s.size() < 4096 && f.get(c))
		s += c;
	return s;
}

PublicKey public_of(const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, pk, crypto_sign_PUBLICKEYBYTES);
	return { to_hex(pk, crypto_sign_PUBLICKEYBYTES), "sha256:" + to_hex(h, 8) };
}

void secret_of(const std::string &path, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
	       unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	init();
	unsigned char seed[crypto_sign_SEEDBYTES];
	if (!from_hex(read_small(path, "secret key"), seed, sizeof seed))
		throw KeyError(path + ": not a secret key (64 hex digits: a 32-byte Ed25519 seed; "
				      "`coconut-sim report keygen --out KEY` makes one)");
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
}

} // namespace

PublicKey generate_key(const std::string &path)
{
	init();
	unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES],
		sk[crypto_sign_SECRETKEYBYTES];
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	// The key's folder is made as --out folders are (keygen --out keys/release.key works).
	std::error_code ec;
	if (const auto dir = std::filesystem::path(path).parent_path(); !dir.empty())
		std::filesystem::create_directories(dir, ec);
	const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		throw KeyError(path + ": cannot create it (" + std::strerror(errno) +
			       "; an existing key is never overwritten)");
	const std::string text = to_hex(seed, sizeof seed) + "\n";
	const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
	close(fd);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	const PublicKey pub = public_of(pk);
	std::ofstream f(path + ".pub");
	f << pub.hex << "\n";
	if (!ok || !f)
		throw KeyError(path + ": could not write the key files");
	return pub;
}

PublicKey public_key_of_secret(const std::string &path)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	secret_of(path, pk, sk);
	sodium_memzero(sk, sizeof sk);
	return public_of(pk);
}

PublicKey read_public_key(const std::string &file_or_hex)
{
	init();
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	if (from_hex(file_or_hex, pk, sizeof pk))
		return public_of(pk);
	if (!from_hex(read_small(file_or_hex, "public key"), pk, sizeof pk))
		throw KeyError(file_or_hex + ": not a public key (64 hex digits)");
	return public_of(pk);
}

std::string sign_text(const std::string &secret_key_path, const std::string &text)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	secret_of(secret_key_path, pk, sk);
	unsigned char sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char *>(text.data()),
			     text.size(), sk);
	sodium_memzero(sk, sizeof sk);
	return to_hex(sig, sizeof sig);
}

bool verify_text(const PublicKey &key, const std::string &text, const std::string &sig_hex)
{
	init();
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	if (!from_hex(key.hex, pk, sizeof pk) || !from_hex(sig_hex, sig, sizeof sig))
		return false;
	return crypto_sign_verify_detached(sig,
					   reinterpret_cast<const unsigned char *>(text.data()),
					   text.size(), pk) == 0;
}

} // namespace coconut::gate
