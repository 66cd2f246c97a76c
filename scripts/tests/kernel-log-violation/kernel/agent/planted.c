/* A planted violation for check-kernel-log.sh: the message names the module again. */
static const char msg[] = "coconut: planted";
