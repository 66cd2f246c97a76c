// See sc_context.h.
#include "sc_context.h"

namespace coconut::sim {

namespace {
sc_core::sc_simcontext *g_first_context = nullptr;
}

void sc_fresh_context()
{
	sc_core::sc_simcontext *old = sc_core::sc_get_curr_simcontext();
	if (!g_first_context)
		g_first_context = old;
	auto *fresh = new sc_core::sc_simcontext();
	sc_core::sc_curr_simcontext = fresh;
	sc_core::sc_default_global_context = fresh;
	if (old != g_first_context)
		delete old;
	sc_core::sc_set_time_resolution(1, sc_core::SC_NS);
}

} // namespace coconut::sim
