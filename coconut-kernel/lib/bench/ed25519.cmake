# Ed25519 verification and SHA-512 against libsodium 1.0.18 (ed25519_verify/{ours,ref}/<size>,
# sha512/{ours,ref}/<size>). The target for verification: ours/ref time <= 1.5.
coconut_benchmark(ed25519_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ed25519_bench.cc
  LIBS PkgConfig::SODIUM)
