// Text names of the scenario's enums and closed vocabularies (the YAML spellings), in both
// directions. The public *_name() functions of scenario.h live beside these.
#ifndef COCONUT_SIM_SCENARIO_NAMES_DETAIL_H
#define COCONUT_SIM_SCENARIO_NAMES_DETAIL_H

#include "scenario.h"

#include <optional>
#include <string>
#include <string_view>

namespace coconut::scenario::detail {

std::optional<WorkloadKind> parse_workload_kind(std::string_view text); // never None
std::optional<EventKind> parse_event_kind(std::string_view text);
std::optional<GateKind> parse_gate_kind(std::string_view text);
std::optional<CompareOp> parse_compare_op(std::string_view text);
// "hbm" "ram" "ssd" -> enum coconut_mem_tier.
std::optional<u32> parse_mem_tier(std::string_view text);
// "spawn" "state" "cap_allow" ... "anchor" -> enum coconut_audit_type.
std::optional<u32> parse_audit_type(std::string_view text);
// Quota kinds of agent_quota: "cpu" "mem" "hbm" "net" "tokens" "pcie".
bool is_quota_kind(std::string_view text);
// Fair-share resources a fairness gate can name: "cpu" "pcie" "inference".
bool is_fair_resource(std::string_view text);
// "-ECAPABILITY" -> -134: the negated errno of a name the kernel can return.
std::optional<s64> parse_errno_name(std::string_view text);

// The other way, for the writer: nullptr (or "") for a value without a name.
const char *mem_tier_name(u32 tier);
const char *audit_type_name(u32 type);
std::string errno_name(s64 negated); // -134 -> "-ECAPABILITY"

// The lists for messages: "fair, fifo, per-process".
std::string policy_names();
std::string workload_kind_names();
std::string event_kind_names();
std::string gate_kind_names();
std::string compare_op_names();
std::string quota_kind_names();
std::string audit_type_names();
std::string fair_resource_names();

// Whether `name` is a metric the engine provides (docs/scenarios.md, "Metrics"); per-tenant
// names are checked against the scenario's tenants. On false, *why says what is wrong.
bool is_known_metric(std::string_view name, const Scenario &s, std::string *why);

} // namespace coconut::scenario::detail

#endif // COCONUT_SIM_SCENARIO_NAMES_DETAIL_H
