// The YAML spellings of the scenario's enums, one table per enum, used both ways.
#include "names_detail.h"

#include "coconut/errno.h"
#include "uapi/linux/coconut.h"

#include <array>
#include <utility>

namespace coconut::scenario {
namespace {

template <typename E, std::size_t N> using Table = std::array<std::pair<E, const char *>, N>;

constexpr Table<Policy, 3> policies{ {
	{ Policy::Fair, "fair" },
	{ Policy::Fifo, "fifo" },
	{ Policy::PerProcess, "per-process" },
} };

constexpr Table<WorkloadKind, 6> workload_kinds{ {
	{ WorkloadKind::None, "none" },
	{ WorkloadKind::Poisson, "poisson" },
	{ WorkloadKind::Bursty, "bursty" },
	{ WorkloadKind::ClosedLoop, "closed-loop" },
	{ WorkloadKind::Flooder, "flooder" },
	{ WorkloadKind::Trace, "trace" },
} };

constexpr Table<EventKind, 18> event_kinds{ {
	{ EventKind::FsRead, "fs.read" },
	{ EventKind::FsWrite, "fs.write" },
	{ EventKind::CapGrant, "cap.grant" },
	{ EventKind::CapRevoke, "cap.revoke" },
	{ EventKind::MemTier, "mem.tier" },
	{ EventKind::QuotaSet, "quota.set" },
	{ EventKind::Spawn, "spawn" },
	{ EventKind::Attest, "attest" },
	{ EventKind::AuditQuery, "audit.query" },
	{ EventKind::Quarantine, "quarantine" },
	{ EventKind::Release, "release" },
	{ EventKind::Kill, "kill" },
	{ EventKind::Exit, "exit" },
	{ EventKind::RingPressure, "ring.pressure" },
	{ EventKind::SealerStall, "sealer.stall" },
	{ EventKind::PcieDegrade, "pcie.degrade" },
	{ EventKind::GpuPartitionLoss, "gpu.partition.loss" },
	{ EventKind::TpmWriteFail, "tpm.write.fail" },
} };

constexpr Table<GateKind, 8> gate_kinds{ {
	{ GateKind::Fairness, "fairness" },
	{ GateKind::AuditParity, "audit.parity" },
	{ GateKind::AuditVerify, "audit.verify" },
	{ GateKind::NoUseAfterRevoke, "no.use.after.revoke" },
	{ GateKind::Expectations, "expectations" },
	{ GateKind::Metric, "metric" },
	{ GateKind::Determinism, "determinism" },
	{ GateKind::Isolation, "isolation" },
} };

constexpr Table<CompareOp, 6> compare_ops{ {
	{ CompareOp::Eq, "==" },
	{ CompareOp::Ne, "!=" },
	{ CompareOp::Lt, "<" },
	{ CompareOp::Le, "<=" },
	{ CompareOp::Gt, ">" },
	{ CompareOp::Ge, ">=" },
} };

constexpr Table<u32, 3> mem_tiers{ {
	{ COCONUT_TIER_HBM, "hbm" },
	{ COCONUT_TIER_RAM, "ram" },
	{ COCONUT_TIER_SSD, "ssd" },
} };

// Audit event types an audit.query filter names (as agentfs's audit_tail spells them).
constexpr Table<u32, COCONUT_EV_TYPE_COUNT - 1> audit_types{ {
	{ COCONUT_EV_SPAWN, "spawn" },
	{ COCONUT_EV_STATE, "state" },
	{ COCONUT_EV_CAP_ALLOW, "cap_allow" },
	{ COCONUT_EV_CAP_DENY, "cap_deny" },
	{ COCONUT_EV_GRANT, "grant" },
	{ COCONUT_EV_REVOKE, "revoke" },
	{ COCONUT_EV_QUOTA, "quota" },
	{ COCONUT_EV_MEM_TIER, "mem_tier" },
	{ COCONUT_EV_EXIT, "exit" },
	{ COCONUT_EV_ANCHOR, "anchor" },
} };

constexpr std::array<const char *, COCONUT_QUOTA_KIND_COUNT> quota_kinds{ "cpu",  "mem",    "hbm",
									  "net",  "tokens", "pcie",
									  "membw" };

constexpr std::array<const char *, 5> fair_resources{ "cpu", "pcie", "gpu", "inference", "membw" };

// The errno values the kernel returns (coconut/errno.h, Linux's numbers) and ECAPABILITY.
constexpr Table<s64, 31> errnos{ {
	{ EPERM, "EPERM" },
	{ ENOENT, "ENOENT" },
	{ ESRCH, "ESRCH" },
	{ EINTR, "EINTR" },
	{ EIO, "EIO" },
	{ E2BIG, "E2BIG" },
	{ EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" },
	{ EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },
	{ EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" },
	{ EMLINK, "EMLINK" },
	{ ERANGE, "ERANGE" },
	{ ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" },
	{ EBADMSG, "EBADMSG" },
	{ EOVERFLOW, "EOVERFLOW" },
	{ EMSGSIZE, "EMSGSIZE" },
	{ EOPNOTSUPP, "EOPNOTSUPP" },
	{ ETIMEDOUT, "ETIMEDOUT" },
	{ ESTALE, "ESTALE" },
	{ EDQUOT, "EDQUOT" },
	{ ECANCELED, "ECANCELED" },
	{ ENOKEY, "ENOKEY" },
	{ EKEYREVOKED, "EKEYREVOKED" },
	{ EKEYREJECTED, "EKEYREJECTED" },
	{ ECAPABILITY, "ECAPABILITY" },
} };

// The table's name of value, or nullptr.
template <typename E, std::size_t N> const char *name_or_null(const Table<E, N> &table, E value)
{
	for (const auto &[v, name] : table)
		if (v == value)
			return name;
	return nullptr;
}

template <typename E, std::size_t N> const char *name_of(const Table<E, N> &table, E value)
{
	const char *name = name_or_null(table, value);
	return name ? name : "?";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const Table<E, N> &table, std::string_view text)
{
	for (const auto &[v, name] : table)
		if (text == name)
			return v;
	return std::nullopt;
}

template <typename Range> std::string join_names(const Range &names)
{
	std::string out;
	for (const auto &n : names) {
		if (!out.empty())
			out += ", ";
		out += n;
	}
	return out;
}

template <typename E, std::size_t N>
std::string join_table(const Table<E, N> &table, std::size_t skip_first = 0)
{
	std::string out;
	for (std::size_t i = skip_first; i < N; ++i) {
		if (!out.empty())
			out += ", ";
		out += table[i].second;
	}
	return out;
}

template <std::size_t N>
bool contains(const std::array<const char *, N> &names, std::string_view text)
{
	for (const char *n : names)
		if (text == n)
			return true;
	return false;
}

// Metrics the engine provides for the whole machine (docs/scenarios.md, "Metrics").
constexpr std::array<const char *, 53> global_metrics{
	"requests.throughput_milli_per_s",
	"requests.completed",
	"requests.failed",
	"requests.dropped",
	"requests.denied",
	"requests.throttled",
	"requests.in_flight_at_end",
	"lsm.allows",
	"lsm.denies",
	"lsm.fail_limited",
	"audit.events",
	"audit.cap_allow",
	"audit.cap_deny",
	"audit.sealed",
	"audit.anchors",
	"audit.backpressure",
	"audit.pending_at_end",
	"notifications",
	"notifications.folded",
	"revocations",
	"inflight.revoked_failed",
	"inflight.cancelled",
	"inflight.revoked_failed_below",
	"use_after_revoke",
	"quota.edquot",
	"tier.hbm_used_max",
	"gpu.partitions_lost",
	"tpm.write_failures",
	"vfs.reads",
	"ring_pressure.busy",
	"backpressure.waits",
	"inflight.full_waits",
	"service_difference.cpu.max_milli",
	"service_difference.pcie.max_milli",
	"service_difference.inference.max_milli",
	"jain.cpu_milli",
	"jain.pcie_milli",
	"service_difference.cpu.worst_at_ns",
	"service_difference.pcie.worst_at_ns",
	"service_difference.inference.worst_at_ns",
	"jain.inference_milli",
	"cpu.utilisation_milli",
	"pcie0.utilisation_milli",
	"pcie0.bytes",
	"broker.iterations",
	"broker.tokens",
	"broker.preemptions",
	"broker.kv_capacity_tokens",
	"broker.kv_peak_tokens",
	"broker.kv_waits",
	"pcie0.turns",
	"pcie0.preemptions",
	"cpu.preemptions",
};

// tenant.<name>.<suffix>
constexpr std::array<const char *, 11> tenant_metric_suffixes{ "completed",
							       "failed",
							       "denied",
							       "dropped",
							       "throughput_milli_per_s",
							       "slowdown_p50_milli",
							       "slowdown_p99_milli",
							       "ttft_p50_ns",
							       "ttft_p99_ns",
							       "tpot_p50_ns",
							       "tpot_p99_ns" };
// tenant.<name>.<resource>.<suffix>
constexpr std::array<const char *, 2> tenant_resource_metric_suffixes{ "p99_over_p50_milli",
								       "served_units" };

} // namespace

const char *policy_name(Policy p)
{
	return name_of(policies, p);
}
std::optional<Policy> parse_policy(std::string_view text)
{
	return value_of(policies, text);
}
const char *workload_kind_name(WorkloadKind k)
{
	return name_of(workload_kinds, k);
}
const char *event_kind_name(EventKind k)
{
	return name_of(event_kinds, k);
}
const char *gate_kind_name(GateKind k)
{
	return name_of(gate_kinds, k);
}
const char *compare_op_name(CompareOp op)
{
	return name_of(compare_ops, op);
}

namespace detail {

std::optional<WorkloadKind> parse_workload_kind(std::string_view text)
{
	const auto k = value_of(workload_kinds, text);
	if (k == WorkloadKind::None)
		return std::nullopt; // "none" is what an absent workload means, not a spelling
	return k;
}

std::optional<EventKind> parse_event_kind(std::string_view text)
{
	return value_of(event_kinds, text);
}

std::optional<GateKind> parse_gate_kind(std::string_view text)
{
	return value_of(gate_kinds, text);
}

std::optional<CompareOp> parse_compare_op(std::string_view text)
{
	return value_of(compare_ops, text);
}

std::optional<u32> parse_mem_tier(std::string_view text)
{
	return value_of(mem_tiers, text);
}
std::optional<u32> parse_audit_type(std::string_view text)
{
	return value_of(audit_types, text);
}

bool is_quota_kind(std::string_view text)
{
	return contains(quota_kinds, text);
}
bool is_fair_resource(std::string_view text)
{
	return contains(fair_resources, text);
}

std::optional<s64> parse_errno_name(std::string_view text)
{
	if (text.size() < 2 || text[0] != '-')
		return std::nullopt;
	const auto v = value_of(errnos, text.substr(1));
	if (!v)
		return std::nullopt;
	return -*v;
}

const char *mem_tier_name(u32 tier)
{
	return name_or_null(mem_tiers, tier);
}
const char *audit_type_name(u32 type)
{
	return name_or_null(audit_types, type);
}

std::string errno_name(s64 negated)
{
	for (const auto &[value, name] : errnos)
		if (-value == negated)
			return std::string("-") + name;
	return "";
}

std::string policy_names()
{
	return join_table(policies);
}
std::string workload_kind_names()
{
	return join_table(workload_kinds, 1);
}
std::string event_kind_names()
{
	return join_table(event_kinds);
}
std::string gate_kind_names()
{
	return join_table(gate_kinds);
}
std::string compare_op_names()
{
	return join_table(compare_ops);
}
std::string quota_kind_names()
{
	return join_names(quota_kinds);
}
std::string audit_type_names()
{
	return join_table(audit_types);
}
std::string fair_resource_names()
{
	return join_names(fair_resources);
}

bool is_known_metric(std::string_view name, const Scenario &s, std::string *why)
{
	if (contains(global_metrics, name))
		return true;
	constexpr std::string_view tenant_prefix = "tenant.";
	if (name.substr(0, tenant_prefix.size()) != tenant_prefix) {
		*why = "unknown metric '" + std::string(name) +
		       "' (known: " + join_names(global_metrics) + ", and tenant.<name>.<...>)";
		return false;
	}
	// Tenant names hold no '.', so the next '.' ends the name.
	const std::string_view rest = name.substr(tenant_prefix.size());
	const std::size_t dot = rest.find('.');
	const std::string_view tenant = rest.substr(0, dot);
	bool tenant_known = false;
	for (const TenantSpec &t : s.tenants)
		tenant_known = tenant_known || t.name == tenant;
	if (dot == std::string_view::npos || !tenant_known) {
		*why = "metric '" + std::string(name) + "' names no tenant of this scenario";
		return false;
	}
	const std::string_view suffix = rest.substr(dot + 1);
	if (contains(tenant_metric_suffixes, suffix))
		return true;
	const std::size_t dot2 = suffix.find('.');
	if (dot2 != std::string_view::npos && is_fair_resource(suffix.substr(0, dot2)) &&
	    contains(tenant_resource_metric_suffixes, suffix.substr(dot2 + 1)))
		return true;
	*why = "unknown per-tenant metric '" + std::string(name) + "' (known: tenant.<name>." +
	       join_names(tenant_metric_suffixes) + ", tenant.<name>.<" +
	       join_names(fair_resources) + ">." + join_names(tenant_resource_metric_suffixes) +
	       ")";
	return false;
}

} // namespace detail
} // namespace coconut::scenario
