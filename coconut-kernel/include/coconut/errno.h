/* SPDX-License-Identifier: GPL-2.0 */
/*
 * errno values for kernel C. In the kernel they come from <linux/errno.h>; elsewhere (the
 * userspace library and the kernel-flags check, which sees no system header) they are defined
 * here with Linux's numbers (asm-generic, which x86_64 uses), so a value returned by the
 * simulator is the value the module returns. ECAPABILITY comes from the uapi header.
 */
#ifndef COCONUT_ERRNO_H
#define COCONUT_ERRNO_H

#include "uapi/linux/coconut.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#else
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define EMLINK 31
#define ERANGE 34
#define ENAMETOOLONG 36
#define ENOSYS 38
#define EBADMSG 74
#define EOVERFLOW 75
#define EMSGSIZE 90
#define EOPNOTSUPP 95
#define ETIMEDOUT 110
#define EALREADY 114
#define ESTALE 116
#define EDQUOT 122
#define ECANCELED 125
#define ENOKEY 126
#define EKEYREVOKED 128
#define EKEYREJECTED 129
#endif

#endif /* COCONUT_ERRNO_H */
