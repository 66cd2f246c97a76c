# SHA-512 and Ed25519 verification (coconut-kernel/lib/sha512.c, ed25519_*.c): known answers,
# one test per rejection class, and differential tests against libsodium 1.0.18.
coconut_gtest(sha512_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sha512_test.cc
  LIBS PkgConfig::SODIUM
  LABELS crypto
  TIMEOUT 120)

coconut_gtest(ed25519_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ed25519_test.cc ${CMAKE_CURRENT_LIST_DIR}/ed25519_prop_test.cc
  LIBS PkgConfig::SODIUM rapidcheck rapidcheck_gtest nlohmann_json::nlohmann_json
  LABELS crypto
  TIMEOUT 300)
