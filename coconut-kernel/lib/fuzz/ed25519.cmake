# Ed25519 verification, differential against libsodium 1.0.18: every input must get the same
# accept/reject decision from co_ed25519_verify and crypto_sign_verify_detached. Seeds in
# corpus/ed25519_verify_fuzz/ (RFC 8032 vectors, valid and damaged, and each construction mode).
coconut_fuzzer(ed25519_verify_fuzz
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ed25519_verify_fuzz.cc
  LIBS PkgConfig::SODIUM)

# ed25519_verify.c again, with CO_FUZZ_MARKED_SIGNATURES (coconut/ed25519.h): verify also takes
# the cheap marked signatures. Only syscalls_fuzz links it; its objects come before
# libcoconut_kernel_fuzz_system.a on the link line, so the archive's ed25519_verify.o (no symbol this
# one lacks) is never pulled in, and the fuzzer checks at start that a marked signature passes.
# The differential fuzzer above keeps the real verify alone.
add_library(coconut_kernel_fuzz_marked_signatures OBJECT
            ${PROJECT_SOURCE_DIR}/coconut-kernel/lib/ed25519_verify.c)
target_include_directories(coconut_kernel_fuzz_marked_signatures PUBLIC
                           ${PROJECT_SOURCE_DIR}/coconut-kernel/include)
target_compile_definitions(coconut_kernel_fuzz_marked_signatures PUBLIC CO_FUZZ_MARKED_SIGNATURES)
target_compile_options(coconut_kernel_fuzz_marked_signatures PRIVATE ${COCONUT_FUZZ_FLAGS}
                       -fsanitize-coverage-ignorelist=${COCONUT_FUZZ_CRYPTO_IGNORELIST})
