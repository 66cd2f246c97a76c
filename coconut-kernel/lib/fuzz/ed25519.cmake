# Ed25519 verification, differential against libsodium 1.0.18: every input must get the same
# accept/reject decision from co_ed25519_verify and crypto_sign_verify_detached. Seeds in
# corpus/ed25519_verify_fuzz/ (RFC 8032 vectors, valid and damaged, and each construction mode).
coconut_fuzzer(ed25519_verify_fuzz
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ed25519_verify_fuzz.cc
  LIBS PkgConfig::SODIUM)
