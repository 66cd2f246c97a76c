# BLAKE3: one-shot against incremental (random pieces) and the XOF reader, in every mode.
coconut_fuzzer(blake3_incremental_fuzz
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/blake3_fuzz.cc)
