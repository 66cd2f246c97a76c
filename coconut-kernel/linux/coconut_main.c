// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux module's entry points. For now the module only proves that the kernel C of
 * coconut-kernel/ builds and runs as kernel code: on load it hashes a constant with the
 * library's BLAKE3 and checks the published digest. The platform interface (coconut/platform.h),
 * /dev/coconut and the LSM glue come later, here under coconut-kernel/linux/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "coconut/blake3.h"

/* BLAKE3("abc"), as printed by b3sum. */
static const u8 coconut_blake3_abc[CO_BLAKE3_OUT_BYTES] = {
	0x64, 0x37, 0xb3, 0xac, 0x38, 0x46, 0x51, 0x33, 0xff, 0xb6, 0x3b, 0x75, 0x27, 0x3a, 0x8d, 0xb5,
	0x48, 0xc5, 0x58, 0x46, 0x5d, 0x79, 0xdb, 0x03, 0xfd, 0x35, 0x9c, 0x6c, 0xd5, 0xbd, 0x9d, 0x85,
};

static int __init coconut_init(void)
{
	u8 digest[CO_BLAKE3_OUT_BYTES];

	co_blake3_hash("abc", 3, digest);
	if (memcmp(digest, coconut_blake3_abc, sizeof(digest)) != 0) {
		pr_err("self-check failed: BLAKE3(\"abc\") = %*phN\n", (int)sizeof(digest), digest);
		return -EIO;
	}
	pr_info("loaded, BLAKE3 self-check passed\n");
	return 0;
}

static void __exit coconut_exit(void)
{
	pr_info("unloaded\n");
}

module_init(coconut_init);
module_exit(coconut_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Coconut OS agent kernel (library self-check only for now)");
