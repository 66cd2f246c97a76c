# Strict warnings for every target of ours; errors when COCONUT_WERROR is on (always in CI).
set(COCONUT_C_WARNINGS
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wundef
    -Wpointer-arith -Wcast-align -Wwrite-strings -Wconversion -Wno-sign-conversion
    -Wimplicit-fallthrough -Wdeclaration-after-statement)
set(COCONUT_CXX_WARNINGS
    -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpointer-arith -Wundef -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
if(COCONUT_WERROR)
  list(APPEND COCONUT_C_WARNINGS -Werror)
  list(APPEND COCONUT_CXX_WARNINGS -Werror)
endif()

function(coconut_warnings target)
  target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:C>:${COCONUT_C_WARNINGS}>
      $<$<COMPILE_LANGUAGE:CXX>:${COCONUT_CXX_WARNINGS}>)
endfunction()
