# The committed report regenerates from its results.json byte for byte, and its signature (when
# it has one) verifies with the committed public key.
execute_process(COMMAND ${SIM} report ${COMMITTED}/results.json --out ${W} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "coconut-sim report failed: ${rc}")
endif()
foreach(f index.html report.md junit.xml)
  file(READ ${COMMITTED}/${f} a)
  file(READ ${W}/${f} b)
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "${f}: the committed view differs from the one results.json gives "
                        "(run: coconut-sim report ${COMMITTED}/results.json)")
  endif()
endforeach()
if(EXISTS ${COMMITTED}/results.json.sig)
  execute_process(COMMAND ${SIM} report verify ${COMMITTED}/results.json --key
                          ${COMMITTED}/../release-key.pub RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the committed report's signature does not verify")
  endif()
endif()
message(STATUS "the committed report regenerates byte for byte")
