/*
 * Force-included in the kernel-flags check: the kernel's compiler_attributes.h/compiler_types.h
 * define these short names as macros, so kernel C must spell attributes with underscores
 * (`__attribute__((__noinline__))`); the plain spelling fails only in the real Kbuild build.
 * Defining them here makes the quick check fail the same way.
 */
#define noinline __attribute__((__noinline__))
#define __always_inline inline __attribute__((__always_inline__))
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __maybe_unused __attribute__((__unused__))
#define __noreturn __attribute__((__noreturn__))
#define fallthrough __attribute__((__fallthrough__))
