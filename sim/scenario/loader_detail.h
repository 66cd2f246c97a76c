// The parts of the scenario loader, one per top-level section, in the order loader.cc calls
// them: each later part checks its references against what the earlier ones produced.
#ifndef COCONUT_SIM_SCENARIO_LOADER_DETAIL_H
#define COCONUT_SIM_SCENARIO_LOADER_DETAIL_H

#include "profile.h"
#include "scenario.h"
#include "yaml_util.h"

#include <string>
#include <vector>

namespace coconut::scenario::detail {

// machine: (machine.cc). GPU, PCIe, TPM and SSD profile names are checked in `profiles`.
MachineSpec parse_machine(const Field &f, const devices::ProfileLibrary &profiles);

// Partitions of GPU `gpu` (an index over all GPUs of the machine), or 0 when there is no such
// GPU. A GPU without a partition list has one partition.
u32 partitions_of(const MachineSpec &m, u32 gpu);
u32 gpu_count(const MachineSpec &m);

// tenants: (tenants.cc); relative trace paths resolve against base_dir.
std::vector<TenantSpec> parse_tenants(const Field &f, const MachineSpec &machine,
				      const std::string &base_dir, u64 duration_ns);

// A capability text the kernel's parser accepts (tenants.cc); the error quotes its hint.
std::string as_cap(const Field &f);
// A quota budget in the unit of its kind: cpu a duration, tokens a count, the others a size.
u64 as_quota_budget(const Field &f, const std::string &kind);

// events: (timeline.cc), sorted by time, file order breaking ties.
std::vector<TimedEvent> parse_events(const Field &f, const Scenario &s);

// gates: (gates.cc).
std::vector<GateSpec> parse_gates(const Field &f, const Scenario &s);

// Who spawns from spawning group `by` (scenario::spawning_group), for messages: "tenant 'a''s
// root" or "an agent of group 'g'" (tree.cc).
std::string spawner_text(const TenantSpec &t, std::size_t by);

} // namespace coconut::scenario::detail

#endif // COCONUT_SIM_SCENARIO_LOADER_DETAIL_H
