# BLAKE3: official vectors (all modes, incremental and XOF reads) and the b3sum oracle.
coconut_gtest(blake3_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/blake3_test.cc
  LIBS nlohmann_json::nlohmann_json
  LABELS crypto
  TIMEOUT 300)
