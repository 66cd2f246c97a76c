# Deterministic CBOR (coconut/cbor.h).
# cbor_test: RFC 8949 Appendix A, one test per rejection class (code and offset), the writer,
# the reader as the spawn dispatcher uses it, and RapidCheck properties (round trips both ways,
# non-canonical variants refused where they go wrong, truncation at every offset).
coconut_gtest(cbor_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cbor_test.cc ${CMAKE_CURRENT_LIST_DIR}/cbor_prop_test.cc
  LIBS rapidcheck rapidcheck_gtest
  LABELS "cbor;property")

# cbor_cbor2_test: differential test against Debian's python3-cbor2 in canonical mode, both
# directions, fixed seeds; runs cbor_cbor2_diff.py with /usr/bin/python3 (not a pyenv python).
coconut_gtest(cbor_cbor2_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cbor_cbor2_test.cc
  LABELS "cbor;differential"
  TIMEOUT 120)
