// Whole-system cases for the property suite (system_props, docs/properties.md): a small machine
// (1..8 CPUs, 1..2 GPUs of 1..2 partitions, gen4 or gen5 links, audit rings of 8..256 slots),
// 1..4 tenants of 1..2 groups (at most 8 agents in all) running poisson or closed-loop work
// over CPU, PCIe, GPU, inference and reads, and a timeline of actions and faults. Faults are
// switched on and off per case (swarm testing, after TigerBeetle's VOPR): each kind is on with
// probability 1/2, so rare combinations are reached that "every fault at once" would drown.
//
// A case is a RapidCheck value, so RapidCheck's shrinking works on it (fewer tenants, groups,
// agents and events, shorter runs, smaller numbers); to_yaml renders it as an ordinary scenario
// that `coconut-sim run` takes.
#ifndef COCONUT_HARNESS_PROPS_CASE_GEN_H
#define COCONUT_HARNESS_PROPS_CASE_GEN_H

#include <rapidcheck.h>

#include <cstdint>
#include <string>
#include <vector>

namespace coconut::props {

using u32 = std::uint32_t;
using u64 = std::uint64_t;

// The timeline's kinds, each a swarm switch.
enum class Fault : u32 {
	Revoke,	       // cap.revoke of one of an agent's caps, racing its in-flight work
	Grant,	       // cap.grant back of a cap (after a revoke it restores the agent)
	Quarantine,    // quarantine (and a release later)
	Kill,	       // kill mid-operation
	Exit,	       // the agent's task ends
	RingPressure,  // count cap checks back to back on one CPU
	SealerStall,   // the sealer stops
	TpmWriteFail,  // TPM NV writes fail
	PcieDegrade,   // a link slows
	PartitionLoss, // a GPU partition is lost
	Spawn,	       // more agents mid-run
	Count
};

struct GroupCase {
	u32 count = 1;	// agents
	u32 weight = 1; // lane weight
	bool closed_loop = false;
	u32 rate_per_s = 20; // poisson
	u32 concurrency = 1; // closed-loop
	u32 cpu_us = 100;
	u32 dma_kib = 0;
	u32 gpu_us = 0;
	u32 prompt_tokens = 0; // 0: no inference
	u32 gen_tokens = 0;
	bool fs_read = false;
	u32 gpu = 0;	   // index, < the machine's GPUs
	u32 partition = 0; // < partitions
};

struct TenantCase {
	std::vector<GroupCase> groups;
	u32 weight = 1; // the tenant's weight (backlog cases)
};

struct EventCase {
	Fault kind = Fault::Revoke;
	u32 at_permille = 0; // of the duration
	u32 tenant = 0;	     // indexes, taken modulo what exists
	u32 group = 0;
	u32 agent = 0;
	u32 arg = 0; // the kind's number: which cap, count, percent, stall ms, ...
};

struct CaseSpec {
	u64 seed = 1;
	u32 cpus = 2;
	u32 gpus = 1;
	u32 partitions = 1;
	bool gen5 = true;
	u32 ring_slots_log2 = 8;
	u32 duration_ms = 200;
	std::vector<TenantCase> tenants;
	std::vector<EventCase> events;
	u32 swarm = ~0u; // bit Fault: the kind is on (events of kinds off are not rendered)
	// A backlog case (one in four): one CPU, every agent keeps 8 CPU-only requests of 1..4 ms
	// outstanding, tenants weigh 1..4, no lag credit and no timeline, so every tenant is
	// backlogged on the CPU from start to end and the weighted-share property applies
	// (system_check.h).
	bool backlog = false;
};

// The generator: at most agents_max agents and duration_ms_max of simulated time.
rc::Gen<CaseSpec> gen_case(u32 agents_max, u32 duration_ms_max);

// The case as a scenario (YAML text) with the suite's gates: audit.parity, audit.verify,
// no.use.after.revoke, and metrics use_after_revoke == 0 and audit.pending_at_end == 0.
// A backlog case's scenario is named "backlog-case".
std::string to_yaml(const CaseSpec &c);

} // namespace coconut::props

#endif
