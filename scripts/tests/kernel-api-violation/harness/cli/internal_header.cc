// Planted violations for scripts/check-kernel-api.sh's test: a kernel-internal header and the
// engine's inside.
#include "agent_int.h"
#include "engine_impl.h"
