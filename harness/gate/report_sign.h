// Signing the release report (docs/gates.md): Ed25519 (libsodium) over results.json's canonical
// text (report_render.h canonical_text), so the signature covers every gate's verdict, value,
// command, fingerprint and audit-chain head. Keys are files of hex: KEY holds the 32-byte seed
// (keep it secret), KEY.pub the 32-byte public key.
#ifndef COCONUT_HARNESS_GATE_REPORT_SIGN_H
#define COCONUT_HARNESS_GATE_REPORT_SIGN_H

#include <stdexcept>
#include <string>

namespace coconut::gate {

class KeyError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct PublicKey {
	std::string hex;	 // 64 hex
	std::string fingerprint; // "sha256:" + the first 16 hex of SHA-256(key)
};

// Writes KEY (mode 0600) and KEY.pub from a fresh random seed; the public key. Refuses to
// overwrite an existing KEY.
PublicKey generate_key(const std::string &path);
// Reads KEY (a seed) and derives its public key; KeyError names the file and what is wrong.
PublicKey public_key_of_secret(const std::string &path);
// Reads a public key: a KEY.pub file, or the 64 hex themselves.
PublicKey read_public_key(const std::string &file_or_hex);

// The detached signature of text, 128 hex.
std::string sign_text(const std::string &secret_key_path, const std::string &text);
// True when sig_hex is key's signature of text.
bool verify_text(const PublicKey &key, const std::string &text, const std::string &sig_hex);

} // namespace coconut::gate

#endif
