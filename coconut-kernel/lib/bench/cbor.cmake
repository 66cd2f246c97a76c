# Deterministic CBOR on the kernel's hot paths: strict decode of a spawn request with the
# dispatcher's field reads, encoding the same request, and encoding one audit event. There is no
# reference implementation to pair with (cbor_{decode,encode}/ours/<case> only).
coconut_benchmark(cbor_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cbor_bench.cc)
