/* A planted violation for check-kernel-log.sh: pr_fmt already says coconut:. */
static void f(void) { pr_err("coconut: planted\n"); }
