/*
 * Stand-in for the kernel's <linux/types.h>, for the kernel-flags check only (-nostdinc finds
 * no system header): the uapi header's fixed-width types, from the compiler's builtins.
 */
#ifndef COCONUT_KFLAGS_LINUX_TYPES_H
#define COCONUT_KFLAGS_LINUX_TYPES_H
typedef __UINT8_TYPE__ __u8;
typedef __UINT16_TYPE__ __u16;
typedef __UINT32_TYPE__ __u32;
typedef __UINT64_TYPE__ __u64;
typedef __INT8_TYPE__ __s8;
typedef __INT16_TYPE__ __s16;
typedef __INT32_TYPE__ __s32;
typedef __INT64_TYPE__ __s64;
#endif
