# Deterministic CBOR: the decoder in strict, lax and trailing-bytes modes, checking properties
# (strict acceptance implies exact re-encoding, limits, offsets within the input, modes agree).
# Seeds (corpus/cbor_decode_fuzz/) come from coconut-kernel/lib/tests/cbor_fuzz_corpus.py.
coconut_fuzzer(cbor_decode_fuzz
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cbor_decode_fuzz.cc)
