# BLAKE3 throughput against /usr/bin/b3sum --num-threads 1 (blake3_hash/{ours,ref}/<size>).
coconut_benchmark(blake3_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/blake3_bench.cc)
target_include_directories(blake3_bench PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../tests)
