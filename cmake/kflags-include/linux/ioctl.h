/*
 * Stand-in for <linux/ioctl.h>, for the kernel-flags check only (-nostdinc finds no system
 * header): the kernel C never expands the uapi header's COCONUT_IOC_* numbers, only the
 * module's ioctl glue does, and it builds against the real headers.
 */
#ifndef COCONUT_KFLAGS_LINUX_IOCTL_H
#define COCONUT_KFLAGS_LINUX_IOCTL_H
#endif
