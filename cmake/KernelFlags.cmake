# The flags Kbuild uses for x86_64 that matter for portability of our C (Linux 6.12,
# arch/x86/Makefile and the top Makefile), plus -nostdinc so no libc header can be found.
set(COCONUT_KERNEL_CFLAGS
    -std=gnu11 -O2 -ffreestanding -nostdinc -fno-common -fno-strict-aliasing -fno-pic
    -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables
    -fno-stack-protector -Wframe-larger-than=2048 -Wvla -Wall -Wextra -Wundef
    -Wstrict-prototypes -Wmissing-prototypes -Wdeclaration-after-statement
    -Wimplicit-fallthrough -Werror -Werror=implicit-function-declaration
    -include ${PROJECT_SOURCE_DIR}/cmake/kflags-include/kernel-macros.h)

# Undefined symbols the kernel (or our platform interface) provides; anything else is a bug.
set(COCONUT_KERNEL_ALLOWED_UNDEFINED "^(memcpy|memset|memmove|memcmp|co_assert_fail|co_plat_[a-z0-9_]+)$")

# Defined symbols no kernel build may have: fuzz-only code (coconut/ed25519.h, co_fuzz_*).
set(COCONUT_KERNEL_FORBIDDEN_DEFINED "^co_fuzz_")

function(coconut_kernel_flags_check target sources include_dir)
  add_library(${target} OBJECT ${sources})
  target_include_directories(${target} PRIVATE ${include_dir}
                             ${PROJECT_SOURCE_DIR}/cmake/kflags-include)
  target_compile_options(${target} PRIVATE ${COCONUT_KERNEL_CFLAGS})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  # COCONUT_SANITIZE must not reach the kernel compile.
  set_property(TARGET ${target} PROPERTY COMPILE_OPTIONS ${COCONUT_KERNEL_CFLAGS})
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${target}.symbols-ok)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} "-DOBJECTS=$<JOIN:$<TARGET_OBJECTS:${target}>,$<SEMICOLON>>"
            -DALLOWED=${COCONUT_KERNEL_ALLOWED_UNDEFINED}
            -DFORBIDDEN=${COCONUT_KERNEL_FORBIDDEN_DEFINED} -DSTAMP=${stamp}
            -P ${PROJECT_SOURCE_DIR}/cmake/CheckKernelSymbols.cmake
    DEPENDS $<TARGET_OBJECTS:${target}> ${PROJECT_SOURCE_DIR}/cmake/CheckKernelSymbols.cmake
    VERBATIM
    COMMENT "Checking coconut-kernel/ links against the kernel's symbols only")
  add_custom_target(${target}_symbols ALL DEPENDS ${stamp})
endfunction()

# The twins of the fuzz-only checks: `source` compiled as the kernel would but with
# CO_FUZZ_MARKED_SIGNATURES set must fail both the kernel-flags symbol check and
# scripts/check-fuzz-only-symbols.sh, each naming the symbol; so neither check can pass by
# looking at nothing.
function(coconut_kernel_flags_fuzz_twin target source include_dir)
  add_library(${target} OBJECT ${source})
  target_include_directories(${target} PRIVATE ${include_dir}
                             ${PROJECT_SOURCE_DIR}/cmake/kflags-include)
  set_property(TARGET ${target} PROPERTY COMPILE_OPTIONS ${COCONUT_KERNEL_CFLAGS})
  target_compile_definitions(${target} PRIVATE CO_FUZZ_MARKED_SIGNATURES)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  set(twin_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}.check)
  file(MAKE_DIRECTORY ${twin_dir})
  add_test(NAME kernel_flags_catches_fuzz_only_code
           COMMAND sh -c "out=$(\"$0\" -DOBJECTS=\"$1\" -DALLOWED=\"$2\" -DFORBIDDEN=\"$3\" -DSTAMP=\"$4\" -P \"$5\" 2>&1); rc=$?; echo \"$out\"; [ $rc -ne 0 ] && echo \"$out\" | grep -q 'fuzz-only symbols in a kernel build' && echo \"$out\" | grep -q 'co_fuzz_marked_sign'"
                   ${CMAKE_COMMAND} $<TARGET_OBJECTS:${target}> ${COCONUT_KERNEL_ALLOWED_UNDEFINED}
                   ${COCONUT_KERNEL_FORBIDDEN_DEFINED} ${twin_dir}/planted.symbols-ok
                   ${PROJECT_SOURCE_DIR}/cmake/CheckKernelSymbols.cmake)
  add_test(NAME fuzz_only_symbols_catches_planted
           COMMAND sh -c "out=$(\"$0\" \"$1\" 2>&1); rc=$?; echo \"$out\"; [ $rc -eq 1 ] && echo \"$out\" | grep -q 'fuzz-only symbol in a shipped build: .*co_fuzz_marked_sign'"
                   ${PROJECT_SOURCE_DIR}/scripts/check-fuzz-only-symbols.sh
                   $<TARGET_OBJECTS:${target}>)
  set_tests_properties(kernel_flags_catches_fuzz_only_code fuzz_only_symbols_catches_planted
                       PROPERTIES LABELS "unit;lint")
endfunction()
