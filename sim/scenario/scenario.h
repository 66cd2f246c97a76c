// A scenario, as loaded from scenarios/*.yaml (docs/scenarios.md is the user's reference,
// scenarios/schema/scenario.schema.json the machine-checkable one). Everything is validated and
// converted to integers at load time: durations in ns, sizes in bytes, rates as mean gaps in
// ns, ratios in thousandths. The simulator never sees text it must still check, and no float
// enters a simulation (determinism across machines).
#ifndef COCONUT_SIM_SCENARIO_H
#define COCONUT_SIM_SCENARIO_H

#include "coconut/limits.h"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coconut::devices {
class ProfileLibrary; // sim/devices/profile.h
} // namespace coconut::devices

namespace coconut::scenario {

using u32 = std::uint32_t;
using u64 = std::uint64_t;
using s64 = std::int64_t;

// Where a value came from, for messages: "scenarios/x.yaml:12:5: tenants[1].workload.rate: ...".
struct SourceLoc {
	std::string file;
	int line = 0;	// 1-based; 0 = not from a file (a default)
	int column = 0; // 1-based
};

// Where a part of a scenario came from: a SourceLoc that is not part of the value. The same
// scenario loaded from two files, or built in C++, compares equal, so every Origin equals
// every other. (SourceLoc itself has no ==: a test comparing an error's place must compare
// file, line and column, not get a silent true.)
struct Origin : SourceLoc {
	Origin() = default;
	Origin(SourceLoc at) : SourceLoc(std::move(at)) {} // implicit: `x.loc = f.loc()`
	friend bool operator==(const Origin &, const Origin &) { return true; }
};

// A user error in a scenario or profile: the loader's only exception. what() is the full
// message "FILE:LINE:COL: FIELD: what is wrong and what is expected".
class ScenarioError : public std::runtime_error {
public:
	ScenarioError(SourceLoc loc, std::string field, const std::string &message);
	const SourceLoc &loc() const { return loc_; }
	const std::string &field() const { return field_; }

private:
	SourceLoc loc_;
	std::string field_;
};

enum class Policy { Fair, Fifo, PerProcess };
const char *policy_name(Policy p); // "fair", "fifo", "per-process"
std::optional<Policy> parse_policy(std::string_view text);

// An integer drawn uniformly from [lo, hi] per request (lo == hi: fixed).
struct Range {
	u64 lo = 0;
	u64 hi = 0;
	bool fixed() const { return lo == hi; }

	bool operator==(const Range &) const = default;
};

// ---- Machine --------------------------------------------------------------------------------

struct AuditSpec {
	u32 ring_slots = 256;		  // per CPU ring (<= CO_AUDIT_RING_SLOTS_MAX)
	u64 seal_interval_ns = 1000000;	  // the sealer process wakes this often
	u32 seal_batch_events = 4096;	  // at most this many events per wake
	u32 anchor_every_events = 1024;	  // TPM anchor every K events ...
	u64 anchor_every_ns = 1000000000; // ... or T ns
	u64 anchor_min_ns = CO_AUDIT_ANCHOR_MIN_NS_DEFAULT; // never two TPM writes closer
	u32 fail_burst = CO_FAIL_BURST_DEFAULT;		    // audited failures per agent: a bucket
	u64 fail_refill_ns = CO_FAIL_REFILL_NS_DEFAULT;	    // ... refilled one every this
	u64 tpm_nv_index = 0x0100c0c0;

	bool operator==(const AuditSpec &) const = default;
};

struct GpuSpec {
	std::string profile; // a name in sim/devices/profiles/ (e.g. "h100-sxm")
	u32 count = 1;
	// MIG-style partitions of each GPU; empty = one partition with the whole HBM. Each entry is
	// its HBM in bytes; the sum must fit the profile's HBM. Compute is split in proportion.
	std::vector<u64> partition_hbm_bytes;
	Origin loc;

	bool operator==(const GpuSpec &) const = default;
};

// The served model: its weights are read once per decode iteration (the memory-bound floor),
// and it costs 2 * params FLOPs per token (the compute-bound part).
// The served model's shape (the broker's cost needs every part; defaults: LLaMA-2-7B fp16).
struct ModelSpec {
	std::string name = "llama-2-7b";
	u64 params = 6740000000ull;
	u32 bytes_per_param = 2;
	u32 layers = 32;
	u32 hidden = 4096;
	// Left out of a scenario: 2 (K and V) * layers * hidden * bytes_per_param.
	u64 kv_bytes_per_token = 524288;

	bool operator==(const ModelSpec &) const = default;
};

struct BrokerSpec {
	u32 batch_tokens =
		8192;	   // tokens per iteration (prefill chunks + one per decoding sequence)
	u32 max_seqs = 64; // sequences per iteration
	ModelSpec model;
	// Inference-token weights for fair-share charges (VTC: prompt 1, generated 2).
	u32 prompt_token_weight = 1;
	u32 gen_token_weight = 2;
	// The share of each partition's HBM the serving engine takes (vLLM's
	// gpu_memory_utilization): the weights, and the KV cache in the rest.
	u32 memory_percent = 90;

	bool operator==(const BrokerSpec &) const = default;
};

struct MachineSpec {
	std::string name = "node0";
	u32 cpus = 8;
	u64 syscall_entry_ns = 150; // entry + exit cost of one syscall, charged to the caller's CPU
	u64 cpu_slice_ns = 1000000; // the CPU scheduler's time slice
	u64 cpu_preempt_ns = 5000;  // a wakeup preemption's switch (docs/devices.md: why 5 us)
	// The fair policy's lag limit, as time of every tenant's share of each resource
	// (docs/sched.md): how much service one that was under its share may claim ahead of the
	// others when it returns.
	u64 sched_lag_ns = 5000000000ull;
	std::vector<GpuSpec> gpus;		    // may be empty (no GPU, no broker)
	std::string pcie_profile = "pcie-gen5-x16"; // one link per GPU
	std::string tpm_profile = "tpm2-discrete";
	std::string ssd_profile = "nvme-gen4";
	// Host memory bandwidth (docs/devices.md, "Memory bandwidth"): a memory profile and the
	// channels that serve the cores. No profile: memory bandwidth is not modelled (never
	// contended), and a request's membw is refused.
	std::string memory_profile;
	u32 memory_channels = 0;
	AuditSpec audit;
	BrokerSpec broker;
	Origin loc;

	bool operator==(const MachineSpec &) const = default;
};

// ---- Tenants, agents, workloads -------------------------------------------------------------

struct QuotaSpec {
	u64 budget = 0;	    // 0 = unlimited
	bool block = false; // over budget blocks (Inference-blocked) instead of -EDQUOT

	bool operator==(const QuotaSpec &) const = default;
};

// What the agents of a group are spawned with: one signed manifest for the whole group.
struct ManifestSpec {
	std::vector<std::string> caps; // canonical texts, checked by the kernel's parser
	std::map<std::string, QuotaSpec>
		quotas; // key: "cpu" "mem" "hbm" "net" "tokens" "pcie" "membw"
	u32 weight = 1; // lane weight in every fair-share scheduler
	Origin loc;

	bool operator==(const ManifestSpec &) const = default;
};

// What one request of a workload asks for. Stages run in order CPU -> PCIe (DMA host to GPU)
// -> GPU compute (kernels on the agent's partition) -> inference broker; a zero demand skips
// its stage. Each request first calls
// agent_cap_present for what it uses (inference:<broker>, gpu:<g>/partition/<p>, the fs path).
struct RequestSpec {
	Range cpu_ns;
	Range dma_bytes;
	// Bytes its CPU work streams from host memory (machine.memory): the CPU stage is slowed by
	// the bandwidth it gets (docs/devices.md, "Memory bandwidth").
	Range membw_bytes;
	Range gpu_ns;
	Range prompt_tokens;
	Range gen_tokens;
	// File reads before the CPU stage: each request reads one path, round robin; an LSM deny
	// fails the request with -ECAPABILITY before any other stage.
	std::vector<std::string> fs_read_paths;
	u64 fs_read_bytes = 0;		 // > 0: the read goes to the SSD model
	std::string broker = "kvwarden"; // the object of the inference cap check

	bool operator==(const RequestSpec &) const = default;
};

enum class WorkloadKind { None, Poisson, Bursty, ClosedLoop, Flooder, Trace };
const char *workload_kind_name(WorkloadKind k);

struct WorkloadSpec {
	WorkloadKind kind = WorkloadKind::None;
	// poisson, flooder, bursty (during on periods): exponential gaps with this mean.
	u64 mean_gap_ns = 0;
	// bursty: on/off periods (exponentially distributed with these means).
	u64 on_ns = 0;
	u64 off_ns = 0;
	// closed-loop: this many requests outstanding per agent, each reissued after think time.
	u32 concurrency = 1;
	u64 think_ns = 0;
	// trace: arrivals and token counts from a CSV (TIMESTAMP, ContextTokens, GeneratedTokens),
	// resolved to an absolute path at load. Rows are dealt to the group's agents round robin;
	// `trace_share` keeps every n-th row for this group starting at `trace_offset` (so several
	// tenants can split one trace), `trace_speedup_milli` scales time (2000 = twice as fast).
	std::string trace_path;
	u32 trace_share = 1;
	u32 trace_offset = 0;
	u32 trace_speedup_milli = 1000;
	u64 trace_max_rows = 0; // 0 = all
	// All kinds: active in [start_ns, stop_ns) (stop 0 = until the end); arrivals beyond
	// max_outstanding requests in flight per agent are dropped at the client and counted.
	u64 start_ns = 0;
	u64 stop_ns = 0;
	u32 max_outstanding = 256;
	RequestSpec request;
	Origin loc;

	bool operator==(const WorkloadSpec &) const = default;
};

// `count` agents spawned by the tenant's root agent from one manifest, all running `workload`.
// Agent i of group g in tenant t is named "t/g/i" (0-based) in events and metrics.
struct AgentGroupSpec {
	std::string name;
	u32 count = 1;
	ManifestSpec manifest;
	WorkloadSpec workload;
	u32 gpu = 0;	   // the GPU (index over all GPUs of the machine) its DMA and inference use
	u32 partition = 0; // the partition of that GPU
	// Empty: the tenant root spawns the group's agents. Otherwise an earlier group of the same
	// tenant whose agents spawn these: agent i by agent i % (its initial count) of that group,
	// so the tenant's tree has grandchildren (their caps narrow from the spawning agent's).
	std::string spawned_by;
	Origin loc;

	bool operator==(const AgentGroupSpec &) const = default;
};

struct TenantSpec {
	std::string name;
	u32 weight = 1; // tenant weight in every fair-share scheduler
	// The tenant's root agent (spawned by AID 1) holds these caps; groups narrow from them.
	std::vector<std::string> caps;
	std::vector<AgentGroupSpec> groups;
	// The aggressor of its scenario: left out of the default fairness and isolation tenants,
	// and silenced in the counterfactual run (engine RunOptions::without_flooders). `flooder:`
	// in the file; left out, true when one of its groups runs a flooder workload.
	bool flooder = false;
	Origin loc;

	bool operator==(const TenantSpec &) const = default;
};

// ---- Timeline: actions and faults -----------------------------------------------------------

enum class EventKind {
	// actions of agents (syscalls through the kernel)
	FsRead,	    // target reads path (an LSM check of fs.read; then the SSD)
	FsWrite,    // fs.write on path
	CapGrant,   // the target's tenant root grants cap to target
	CapRevoke,  // the target's tenant root revokes cap from target (and what derives from it)
	MemTier,    // agent_memory_tier(target, tier, bytes)
	QuotaSet,   // agent_quota set on target: quota kind, budget
	Spawn,	    // the tenant root spawns `count` more agents into target's group
	Attest,	    // the target attests itself: agent_attest(target) as the target
	AuditQuery, // the target queries the audit chain (needs audit.query), with a filter
	// faults
	Quarantine, // operator quarantines target (kernel as caller)
	Release,
	Kill,
	Exit,		  // the target's task ends: co_agent_exit (Terminated-clean, cascades)
	RingPressure,	  // target issues `count` cap checks back to back on one CPU
	SealerStall,	  // the sealer stops for duration_ns
	PcieDegrade,	  // link of gpu: bandwidth to percent % for duration_ns (0: for good)
	GpuPartitionLoss, // gpu/partition lost: its queued and running work fails with -EIO
	TpmWriteFail,	  // the next `count` TPM NV writes fail
};
const char *event_kind_name(EventKind k);

// The tenant's agent tree (tree.cc): who spawns whom, as the engine spawns and the loader checks.
// The group whose agents spawn group g's agents; t.groups.size() for the tenant root.
std::size_t spawning_group(const TenantSpec &t, std::size_t g);
// The agent of that group that spawns agent i of group g (0 for the tenant root).
u32 spawning_index(const TenantSpec &t, std::size_t g, u32 i);
// Generations below AID 1 of group g's agents: 2 for a top-level group (tenant roots are 1).
u32 group_depth(const TenantSpec &t, std::size_t g);
// Given each group's size, the most children one agent has: [k] for an agent of group k, and
// [t.groups.size()] for the tenant root.
std::vector<u64> children_most(const TenantSpec &t, const std::vector<u64> &sizes);

struct TimedEvent {
	u64 at_ns = 0;
	EventKind kind = EventKind::FsRead;
	// An agent "tenant/group/index", every agent of a group "tenant/group/*", or a tenant's
	// root "tenant". Empty for machine-wide faults.
	std::string target;
	std::string cap;	// CapGrant, CapRevoke
	std::string path;	// FsRead, FsWrite
	u32 tier = 0;		// MemTier: enum coconut_mem_tier
	u64 bytes = 0;		// MemTier
	std::string quota_kind; // QuotaSet
	u64 budget = 0;		// QuotaSet
	u32 count = 1;		// Spawn, RingPressure, TpmWriteFail
	u64 duration_ns = 0;	// SealerStall, PcieDegrade
	u32 percent = 100;	// PcieDegrade
	u32 gpu = 0;		// PcieDegrade, GpuPartitionLoss
	u32 partition = 0;	// GpuPartitionLoss
	// AuditQuery's filter (cap above is its exact cap text or kind name; empty: any).
	u32 audit_type = 0; // enum coconut_audit_type; 0: any
	std::string about;  // events by this agent (a target name, not a group); empty: any
	u32 max_events = 0; // 0: the kernel's segment maximum
	// Actions: the return code the scenario expects (0 or -errno); checked by the
	// `expectations` gate.
	std::optional<s64> expect;
	Origin loc;

	bool operator==(const TimedEvent &) const = default;
};

// ---- Gates ----------------------------------------------------------------------------------

enum class GateKind {
	Fairness,    // every listed tenant's p99/p50 slowdown <= bound on every listed resource
	AuditParity, // LSM allow/deny counts == the chain's CAP_ALLOW/CAP_DENY events, exactly
	AuditVerify, // the sealed chain verifies from head_0 to the head, anchors included
	NoUseAfterRevoke, // no operation completed successfully after its cap was revoked
	Expectations,	  // every action with `expect` returned exactly that
	Metric,		  // a named metric compared with a value
	Determinism,	  // a second run with the same seed prints the same fingerprint
	Isolation, // p99 slowdown <= bound x a reference: the baseline's, or the tenant's own alone
};
const char *gate_kind_name(GateKind k);

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge };
const char *compare_op_name(CompareOp op); // "==", "!=", "<", "<=", ">", ">="

struct GateSpec {
	GateKind kind = GateKind::AuditParity;
	std::string name; // defaults to the kind's name
	// Fairness and isolation
	u64 bound_milli = 1500;		  // p99/p50 bound in thousandths (1.5)
	std::vector<std::string> tenants; // empty: every tenant not marked flooder
	// of "cpu" "pcie" "gpu" "inference" "membw"; empty: all contended
	std::vector<std::string> resources;
	// Fairness: also every listed tenant's p99 slowdown itself <= this (thousandths).
	std::optional<u64> p99_max_milli;
	// Isolation, peer mode: the tenants compared with (tenants = the exposed ones);
	// bound_milli is the largest allowed ratio of the two groups' pooled p99 slowdowns, per
	// resource. Empty: counterfactual mode, each tenant's p99 against its own in the same run
	// without the flooders (engine::run_scenario runs that).
	std::vector<std::string> baseline;
	// Metric
	std::string metric; // a name from docs/scenarios.md "Metrics"
	CompareOp op = CompareOp::Eq;
	s64 value = 0;
	Origin loc;

	bool counterfactual() const { return kind == GateKind::Isolation && baseline.empty(); }

	bool operator==(const GateSpec &) const = default;
};

// ---- The whole scenario ---------------------------------------------------------------------

struct Scenario {
	std::string file; // as given to the loader
	std::string name;
	std::string description;
	u64 seed = 1;
	u64 duration_ns = 0;
	u64 warmup_ns = 0; // requests arriving before this are not in the latency metrics
	Policy policy = Policy::Fair;
	MachineSpec machine;
	std::vector<TenantSpec> tenants;
	std::vector<TimedEvent> events; // sorted by at_ns, stable (file order breaks ties)
	std::vector<GateSpec> gates;
};

// A scenario is a value: two are equal when every field but `file` (where each was loaded
// from) is, the parts' Origins aside (see Origin). write_scenario_yaml (writer.h) writes any
// valid one as text that loads back equal.
bool operator==(const Scenario &a, const Scenario &b);
// The first field in which a and b differ, as "tenants[1].groups[0].workload.mean_gap_ns: 5
// vs 6", or "" when a == b: what a failed round trip prints.
std::string first_difference(const Scenario &a, const Scenario &b);

// Loads and validates a scenario. Throws ScenarioError (never anything else for bad input):
// YAML syntax, unknown or missing fields, wrong types, out-of-range numbers, bad units,
// references to unknown tenants/groups/agents/GPUs/partitions/profiles, trace files that do not
// exist. Relative trace paths resolve against the scenario file's directory.
Scenario load_scenario_file(const std::string &path);
// The same from text; `name` stands for the file in messages, `base_dir` resolves trace paths.
Scenario load_scenario_string(std::string_view yaml, const std::string &name,
			      const std::string &base_dir);
// The same against a profile library the caller loaded (the two above load
// devices::default_profile_dir() on every call): the fuzzer loads it once per process.
Scenario load_scenario_string(std::string_view yaml, const std::string &name,
			      const std::string &base_dir, const devices::ProfileLibrary &profiles);

// Unit parsers, shared with the CLI (--until 10s). nullopt on bad text.
std::optional<u64>
parse_duration_ns(std::string_view text);		    // "250ns" "10us" "5ms" "2s" "1min" "1h"
std::optional<u64> parse_size_bytes(std::string_view text); // "512" "4KiB" "1.5MiB" "2GB" "80GiB"
std::optional<u64> parse_unsigned(std::string_view text);   // "42" "0x2a": a scenario's integer
// "5/s" "0.5/s" "300/min": the mean gap in ns (1e9 / rate), rounded to the nearest ns. A count
// per a duration, "1/250us" "3/2s", divides that duration: "1/<gap>ns" is any gap exactly.
std::optional<u64> parse_rate_gap_ns(std::string_view text);

} // namespace coconut::scenario

#endif // COCONUT_SIM_SCENARIO_H
