// The engine's view of tenants, agents and their requests.
#ifndef COCONUT_SIM_ENGINE_AGENTS_H
#define COCONUT_SIM_ENGINE_AGENTS_H

#include "job.h"
#include "rng.h"
#include "scenario.h"
#include "trace_csv.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace coconut::engine {

using u32 = std::uint32_t;
using u64 = std::uint64_t;
using s64 = std::int64_t;

struct TenantState {
	std::string name;
	u32 index = 0; // in the scenario
	u32 id = 0;    // the manifest's tenant id: index + 1 (0 is the root agent's)
	u64 root_aid = 0;
	bool flooder = false; // TenantSpec::flooder: silenced in the counterfactual run
};

struct Revocation {
	std::string cap;
	u64 at_ns;
	// Revoked from an ancestor: what the agent holds derived from it goes too (the cascade),
	// so any cap the revoked one covers counts, not only the same text.
	bool inherited = false;
};

struct AgentState {
	std::string name; // "tenant/group/index"
	u32 tenant = 0;	  // index into tenants
	u32 group = 0;	  // index into the tenant's groups
	u32 index = 0;
	size_t index_in_run = 0; // in Simulation's agents (timers name agents by it)
	u64 aid = 0;		 // 0 until spawned
	bool live = false;
	u32 cpu = 0; // where its calls run (audit ring)
	const scenario::AgentGroupSpec *spec = nullptr;
	// The engine's own record of the tree (scenario::spawning_group): who spawns this agent
	// (nullptr: the tenant root) and whom it spawns. The revocation oracle walks it.
	AgentState *parent = nullptr;
	std::vector<AgentState *> children;
	metrics::Rng rng{ 0 }; // replaced by Rng::derive(seed, name) at build
	u32 outstanding = 0;
	u64 arrivals = 0;	     // its workload's arrivals so far, dropped ones included
	std::vector<u32> free_slots; // trace-view track slots of finished requests
	u32 next_slot = 0;
	// Trace workloads: rows dealt to this agent, in order.
	std::vector<TraceRow> rows;
	size_t next_row = 0;
	// Bursty: the end of the current on or off period.
	bool on = true;
	u64 phase_end_ns = 0;
	std::vector<Revocation> revoked; // caps revoked from it, for the use-after-revoke oracle
	// Caps granted to it (cap.grant returned 0): derived from the granter's, not from its
	// ancestors', so an ancestor's revoke does not take them (the oracle leaves them out).
	std::vector<std::string> granted;
	// Its requests in flight, by their place in the engine's pool (the pool's order, which
	// after_revoke keeps): a revoke or quarantine looks at these, not at every request.
	std::set<u32> open_requests;
};

// What one arrival asks for (Simulation::Impl::draw_demands), before it becomes a Request.
struct Demands {
	u64 cpu_ns = 0, dma_bytes = 0, gpu_ns = 0;
	u64 membw_bytes = 0; // drawn only when the workload asks for it (keeps other streams)
	u32 prompt_tokens = 0, gen_tokens = 0;
	u64 nth = 0; // the agent's arrival number: picks its file, round robin
};

// One cap check a request holds while it runs (an in-flight token of the kernel).
struct Hold {
	u32 kind = 0;	      // enum coconut_cap_kind
	std::string object;   // what was checked
	u64 token = 0;	      // 0: not yet begun
	std::string auth_cap; // the cap that allowed it (the LSM event's text)
	u64 begin_ns = 0;
	devices::Stage until = devices::Stage::Cpu; // completed after this stage
};

struct Request {
	u64 id = 0;
	u32 pool_index = 0; // its place in the engine's pool (std::deque), fixed for its life
	AgentState *agent = nullptr;
	u64 arrival_ns = 0;
	bool measured = false;
	u32 slot = 0;
	// Demands.
	u64 cpu_ns = 0, dma_bytes = 0, gpu_ns = 0, ssd_bytes = 0;
	u64 membw_bytes = 0; // streamed by its CPU stage
	u32 prompt_tokens = 0, gen_tokens = 0;
	std::vector<devices::Stage> stages;
	u32 stage_at = 0;
	std::vector<Hold> holds;
	u32 holds_begun = 0;
	u32 syscalls = 0;
	u64 alone_total_ns = 0;
	int rc = 0;
	devices::Job job;
	bool in_use = false;
};

} // namespace coconut::engine

#endif
