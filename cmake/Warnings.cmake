# Strict warnings for every target of ours; errors when COCONUT_WERROR is on (always in CI).
set(COCONUT_C_WARNINGS
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wundef
    -Wpointer-arith -Wcast-align -Wwrite-strings -Wconversion -Wno-sign-conversion
    -Wimplicit-fallthrough -Wdeclaration-after-statement)
set(COCONUT_CXX_WARNINGS
    -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpointer-arith -Wundef -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
# GCC 12 at -O3 (the release preset) reports libstdc++'s own string and vector code as
# overlapping (-Wrestrict: GCC bugs 105329, 105651), over-reading or out of bounds (the same
# inlined memcpy/memcmp with a size it cannot bound): false positives in headers we do not own,
# with sizes near 2^63. Off for C++ under GCC 12's Release builds only; every other build keeps
# them.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND COCONUT_CXX_WARNINGS
       $<$<CONFIG:Release>:-Wno-restrict> $<$<CONFIG:Release>:-Wno-stringop-overread>
       $<$<CONFIG:Release>:-Wno-array-bounds>)
endif()
if(COCONUT_WERROR)
  list(APPEND COCONUT_C_WARNINGS -Werror)
  list(APPEND COCONUT_CXX_WARNINGS -Werror)
endif()

function(coconut_warnings target)
  target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:C>:${COCONUT_C_WARNINGS}>
      $<$<COMPILE_LANGUAGE:CXX>:${COCONUT_CXX_WARNINGS}>)
endfunction()
