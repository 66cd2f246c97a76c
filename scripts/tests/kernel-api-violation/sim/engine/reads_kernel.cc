// A planted violation for scripts/check-kernel-api.sh's test: a field read of the instance.
#include "coconut/kernel.h"
unsigned long long allows(struct co_kernel *k) { return k->lsm_allows; }
