/*
 * Userspace landing point for CO_ASSERT in coconut-kernel/: a broken invariant prints where it
 * broke and aborts, so a test or a simulation run fails loudly (and the seed can be replayed).
 */
#include <stdio.h>
#include <stdlib.h>

#include "coconut/compiler.h"

void co_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "coconut-kernel assertion failed: %s at %s:%d\n", expr, file, line);
	abort();
}
