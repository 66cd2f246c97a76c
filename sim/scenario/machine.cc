// machine: the node's CPUs, GPUs (by profile, with MIG-style partitions), the PCIe, TPM and
// SSD profiles, the audit pipeline and the inference broker.
#include "loader_detail.h"
#include "scenario_limits.h"

#include "coconut/limits.h"

namespace coconut::scenario::detail {
namespace {

// A profile name that exists in the library with the expected kind.
std::string profile_name(const Field &f, const devices::ProfileLibrary &profiles, const char *kind)
{
	const std::string name = as_name(f);
	if (!profiles.has(name))
		f.fail("unknown " + std::string(kind) + " profile " + quote(name) + " (no file " +
		       profiles.dir() + "/" + name + ".yaml)");
	const std::string actual = profiles.kind_of(name);
	if (actual != kind)
		f.fail("profile " + quote(name) + " is a " + actual + " profile, not a " + kind +
		       " profile");
	return name;
}

GpuSpec parse_gpu(const Field &f, const devices::ProfileLibrary &profiles)
{
	const MapReader m(f, { "profile", "count", "partitions" });
	GpuSpec g;
	g.loc = f.loc();
	const Field profile_field = m.need("profile");
	g.profile = profile_name(profile_field, profiles, "gpu");
	if (auto v = m.get("count"))
		g.count = as_u32(*v, 1, limits::gpus_total_max);
	if (auto v = m.get("partitions")) {
		const devices::GpuProfile p = profiles.gpu(g.profile);
		const auto parts = as_list(*v, CO_CAP_GPU_PARTITION_MAX + 1u);
		if (parts.empty())
			v->fail("an empty list; leave `partitions` out for one whole-GPU "
				"partition");
		if (parts.size() > p.max_partitions)
			v->fail(std::to_string(parts.size()) + " partitions, but " + g.profile +
				" has at most " + std::to_string(p.max_partitions));
		u64 sum = 0;
		for (const Field &e : parts) {
			const u64 bytes = as_size(e, 1);
			sum += bytes; // cannot wrap: at most 256 values each checked below
			if (bytes > p.hbm_bytes || sum > p.hbm_bytes)
				e.fail("partitions add up to " + std::to_string(sum) +
				       " bytes, more than the " + std::to_string(p.hbm_bytes) +
				       " bytes of HBM of " + g.profile);
			g.partition_hbm_bytes.push_back(bytes);
		}
	}
	return g;
}

AuditSpec parse_audit(const Field &f, u32 cpus)
{
	const MapReader m(f, { "ring_slots", "seal_interval", "seal_batch", "anchor_every_events",
			       "anchor_every", "anchor_min_interval", "fail_burst", "fail_refill",
			       "tpm_nv_index" });
	AuditSpec a;
	if (auto v = m.get("ring_slots")) {
		a.ring_slots = as_u32(*v, 2, CO_AUDIT_RING_SLOTS_MAX);
		if ((a.ring_slots & (a.ring_slots - 1)) != 0)
			v->fail(std::to_string(a.ring_slots) + " is not a power of two");
	}
	if (u64{ cpus } * a.ring_slots > CO_AUDIT_RING_EVENTS_MAX)
		f.fail(std::to_string(cpus) + " CPUs x " + std::to_string(a.ring_slots) +
		       " ring slots is more than the kernel's " +
		       std::to_string(CO_AUDIT_RING_EVENTS_MAX) + " ring events; lower ring_slots");
	if (auto v = m.get("seal_interval"))
		a.seal_interval_ns = as_duration(*v, 1);
	if (auto v = m.get("seal_batch"))
		a.seal_batch_events = as_u32(*v, 1, 1u << 24);
	if (auto v = m.get("anchor_every_events"))
		a.anchor_every_events = as_u32(*v, 1, 1u << 31);
	if (auto v = m.get("anchor_every"))
		a.anchor_every_ns = as_duration(*v, 1);
	if (auto v = m.get("anchor_min_interval"))
		a.anchor_min_ns = as_duration(*v, 0);
	if (auto v = m.get("fail_burst"))
		a.fail_burst = as_u32(*v, 0, 1u << 24);
	if (auto v = m.get("fail_refill"))
		a.fail_refill_ns = as_duration(*v, 1);
	// TPM 2.0 NV index handles are 0x01xxxxxx (TPM_HT_NV_INDEX, TPM 2.0 Part 2, 7.1).
	if (auto v = m.get("tpm_nv_index"))
		a.tpm_nv_index = as_uint(*v, 0x01000000, 0x01ffffff);
	return a;
}

BrokerSpec parse_broker(const Field &f)
{
	const MapReader m(f, { "batch_tokens", "max_seqs", "model", "prompt_token_weight",
			       "gen_token_weight", "memory_percent" });
	BrokerSpec b;
	if (auto v = m.get("batch_tokens"))
		b.batch_tokens = as_u32(*v, 1, 1u << 20);
	if (auto v = m.get("max_seqs"))
		b.max_seqs = as_u32(*v, 1, 1u << 16);
	if (b.max_seqs > b.batch_tokens)
		f.fail("max_seqs (" + std::to_string(b.max_seqs) + ") exceeds batch_tokens (" +
		       std::to_string(b.batch_tokens) +
		       "): every decoding sequence needs one token of the batch");
	if (auto v = m.get("model")) {
		const MapReader mm(*v, { "name", "params", "bytes_per_param", "layers", "hidden",
					 "kv_bytes_per_token" });
		if (auto n = mm.get("name"))
			b.model.name = as_string(*n, limits::name_bytes_max);
		if (auto n = mm.get("params"))
			b.model.params = as_uint(*n, 1, u64{ 1 } << 50);
		if (auto n = mm.get("bytes_per_param"))
			b.model.bytes_per_param = as_u32(*n, 1, limits::bytes_per_param_max);
		if (auto n = mm.get("layers"))
			b.model.layers = as_u32(*n, 1, limits::model_layers_max);
		if (auto n = mm.get("hidden"))
			b.model.hidden = as_u32(*n, 1, limits::model_hidden_max);
		if (auto n = mm.get("kv_bytes_per_token"))
			b.model.kv_bytes_per_token = as_size(*n, 1);
		else
			b.model.kv_bytes_per_token =
				2ull * b.model.layers * b.model.hidden * b.model.bytes_per_param;
	}
	if (auto v = m.get("prompt_token_weight"))
		b.prompt_token_weight = as_u32(*v, 1, 1000);
	if (auto v = m.get("gen_token_weight"))
		b.gen_token_weight = as_u32(*v, 1, 1000);
	if (auto v = m.get("memory_percent"))
		b.memory_percent = as_u32(*v, 1, 100);
	return b;
}

// A broker the scenario sets must leave its model a KV cache on every GPU partition.
void check_broker_fits(const Field &f, const MachineSpec &mach,
		       const devices::ProfileLibrary &profiles)
{
	const BrokerSpec &b = mach.broker;
	const u64 weights = b.model.params * b.model.bytes_per_param;
	for (const GpuSpec &g : mach.gpus) {
		std::vector<u64> parts = g.partition_hbm_bytes;
		if (parts.empty())
			parts.push_back(profiles.gpu(g.profile).hbm_bytes);
		for (std::size_t p = 0; p < parts.size(); p++) {
			const u64 engine =
				(u64)((unsigned __int128)parts[p] * b.memory_percent / 100);
			if (engine <= weights)
				f.fail("the model's weights (" + std::to_string(weights) +
				       " bytes) leave no KV cache in " +
				       std::to_string(b.memory_percent) + " % of " + g.profile +
				       (g.partition_hbm_bytes.empty()
						? std::string()
						: " partition " + std::to_string(p)) +
				       " (" + std::to_string(parts[p]) +
				       " bytes): a smaller model, more memory_percent or a larger "
				       "partition");
		}
	}
}

} // namespace

u32 gpu_count(const MachineSpec &m)
{
	u32 n = 0;
	for (const GpuSpec &g : m.gpus)
		n += g.count;
	return n;
}

u32 partitions_of(const MachineSpec &m, u32 gpu)
{
	for (const GpuSpec &g : m.gpus) {
		if (gpu < g.count)
			return g.partition_hbm_bytes.empty()
				       ? 1u
				       : static_cast<u32>(g.partition_hbm_bytes.size());
		gpu -= g.count;
	}
	return 0;
}

MachineSpec parse_machine(const Field &f, const devices::ProfileLibrary &profiles)
{
	const MapReader m(f, { "name", "cpus", "syscall_entry", "cpu_slice", "cpu_preempt",
			       "sched_lag", "gpus", "pcie", "tpm", "ssd", "memory", "audit",
			       "broker" });
	MachineSpec mach;
	mach.loc = f.loc();
	if (auto v = m.get("name"))
		mach.name = as_name(*v);
	if (auto v = m.get("cpus"))
		mach.cpus = as_u32(*v, 1, CO_AUDIT_CPUS_MAX);
	if (auto v = m.get("syscall_entry")) {
		mach.syscall_entry_ns = as_duration(*v);
		if (mach.syscall_entry_ns > limits::syscall_entry_ns_max)
			v->fail("a syscall's entry and exit cost at most 100us (measured: 0.1-2 us "
				"with mitigations; a bigger value is a typo for another unit)");
	}
	if (auto v = m.get("cpu_slice"))
		mach.cpu_slice_ns = as_duration(*v, 1);
	if (auto v = m.get("cpu_preempt")) {
		mach.cpu_preempt_ns = as_duration(*v);
		if (mach.cpu_preempt_ns > limits::cpu_preempt_ns_max)
			v->fail("a preemption costs at most 1ms (a context switch is "
				"microseconds)");
	}
	if (auto v = m.get("sched_lag")) {
		mach.sched_lag_ns = as_duration(*v);
		if (mach.sched_lag_ns > limits::sched_lag_ns_max)
			v->fail("the lag limit is at most 60s of a tenant's share");
	}
	if (auto v = m.get("gpus")) {
		for (const Field &e : as_list(*v, limits::gpu_entries_max)) {
			mach.gpus.push_back(parse_gpu(e, profiles));
			if (gpu_count(mach) > limits::gpus_total_max)
				e.fail("more than " + std::to_string(limits::gpus_total_max) +
				       " GPUs in all");
		}
	}
	// The default profile names are checked as well: a library without them is an error here,
	// not a crash when the devices are built.
	if (auto v = m.get("pcie"))
		mach.pcie_profile = profile_name(*v, profiles, "pcie");
	else if (!mach.gpus.empty())
		profile_name(m.self().member("pcie", YAML::Node(mach.pcie_profile), f.loc()),
			     profiles, "pcie");
	if (auto v = m.get("tpm"))
		mach.tpm_profile = profile_name(*v, profiles, "tpm");
	else
		profile_name(m.self().member("tpm", YAML::Node(mach.tpm_profile), f.loc()),
			     profiles, "tpm");
	if (auto v = m.get("ssd"))
		mach.ssd_profile = profile_name(*v, profiles, "ssd");
	else
		profile_name(m.self().member("ssd", YAML::Node(mach.ssd_profile), f.loc()),
			     profiles, "ssd");
	if (auto v = m.get("memory")) {
		const MapReader mem(*v, { "profile", "channels" });
		mach.memory_profile = profile_name(mem.need("profile"), profiles, "memory");
		mach.memory_channels = as_u32(mem.need("channels"), 1, limits::memory_channels_max);
	}
	if (auto v = m.get("audit"))
		mach.audit = parse_audit(*v, mach.cpus);
	else
		parse_audit(m.self().member("audit", YAML::Node(YAML::NodeType::Map), f.loc()),
			    mach.cpus);
	if (auto v = m.get("broker")) {
		mach.broker = parse_broker(*v);
		check_broker_fits(*v, mach, profiles);
	}
	return mach;
}

} // namespace coconut::scenario::detail
