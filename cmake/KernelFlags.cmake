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
            -DALLOWED=${COCONUT_KERNEL_ALLOWED_UNDEFINED} -DSTAMP=${stamp}
            -P ${PROJECT_SOURCE_DIR}/cmake/CheckKernelSymbols.cmake
    DEPENDS $<TARGET_OBJECTS:${target}> ${PROJECT_SOURCE_DIR}/cmake/CheckKernelSymbols.cmake
    VERBATIM
    COMMENT "Checking coconut-kernel/ links against the kernel's symbols only")
  add_custom_target(${target}_symbols ALL DEPENDS ${stamp})
endfunction()
