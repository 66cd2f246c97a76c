// See machine.h.
#include "machine.h"

#include "sc_context.h"

#include "coconut/errno.h"

#include <algorithm>
#include <stdexcept>

namespace coconut::kmodel {

namespace {
u32 to_sched_policy(scenario::Policy p)
{
	switch (p) {
	case scenario::Policy::Fair:
		return CO_SCHED_FAIR;
	case scenario::Policy::Fifo:
		return CO_SCHED_FIFO;
	case scenario::Policy::PerProcess:
		return CO_SCHED_PER_PROCESS;
	}
	return CO_SCHED_FAIR;
}

std::string join_lines(const std::vector<std::string> &lines)
{
	std::string s;
	for (size_t i = 0; i < lines.size(); i++) {
		if (i)
			s += '\n';
		s += lines[i];
	}
	return s;
}

// GPU compute jobs are time-sliced at this granularity (a typical GPU time-slice quantum is
// of the order of a millisecond).
constexpr u64 kGpuSliceNs = 1000000;
} // namespace

Machine::Machine(sc_core::sc_module_name name, const scenario::MachineSpec &spec,
		 scenario::Policy policy, u64 seed, const devices::ProfileLibrary &profiles,
		 const std::vector<std::string> &root_caps,
		 const u8 authorizer_pk[COCONUT_PUBKEY_SIZE])
	: sc_module(name), spec_(spec), policy_(to_sched_policy(policy))
{
	tpm_ = std::make_unique<devices::Tpm>("tpm", profiles.tpm(spec.tpm_profile));
	devices::Tpm *tpm = tpm_.get();
	plat_ = std::make_unique<SimPlatform>(spec.cpus, seed,
					      [tpm](u32 idx, const u8 *data, size_t len) {
						      return tpm->nv_write(idx, data, len);
					      });

	// Schedulers first: the kernel registers the root agent's lanes while it is created.
	cpu_sched_ = make_sched(CO_SCHED_RES_CPU);
	if (!spec.memory_profile.empty())
		membw_sched_ = make_sched(CO_SCHED_RES_MEMBW);
	std::vector<devices::GpuProfile> gpu_profiles;
	std::vector<std::vector<u64>> partitions;
	for (const scenario::GpuSpec &g : spec.gpus) {
		const devices::GpuProfile prof = profiles.gpu(g.profile);
		for (u32 i = 0; i < g.count; i++) {
			gpu_profiles.push_back(prof);
			partitions.push_back(g.partition_hbm_bytes);
		}
	}
	u64 hbm_total = 0;
	for (size_t g = 0; g < gpu_profiles.size(); g++) {
		const u32 parts = partitions[g].empty() ? 1u : (u32)partitions[g].size();
		pcie_scheds_.push_back(make_sched(CO_SCHED_RES_PCIE));
		gpu_scheds_.emplace_back();
		token_scheds_.emplace_back();
		for (u32 p = 0; p < parts; p++) {
			gpu_scheds_.back().push_back(make_sched(CO_SCHED_RES_GPU));
			token_scheds_.back().push_back(make_sched(CO_SCHED_RES_TOKENS));
		}
		hbm_total += gpu_profiles[g].hbm_bytes;
	}

	co_kernel_config cfg;
	co_kernel_config_default(&cfg, spec.cpus);
	cfg.seal_inline = false; // the sealer process below drains the rings on simulated time
	cfg.audit.ring_slots = spec.audit.ring_slots;
	cfg.audit.log_events = CO_AUDIT_LOG_EVENTS_MAX;
	cfg.audit.anchor_every_events = spec.audit.anchor_every_events;
	cfg.audit.anchor_every_ns = spec.audit.anchor_every_ns;
	cfg.audit.anchor_min_ns = spec.audit.anchor_min_ns;
	cfg.fail_burst = spec.audit.fail_burst;
	cfg.fail_refill_ns = spec.audit.fail_refill_ns;
	cfg.audit.tpm_nv_index = (u32)spec.audit.tpm_nv_index;
	if (hbm_total)
		cfg.tier_capacity_bytes[COCONUT_TIER_HBM] = hbm_total;
	const std::string root_text = join_lines(root_caps);
	cfg.root_caps = root_text.data();
	cfg.root_caps_len = root_text.size();
	cfg.sched_ctx = this;
	cfg.on_agent_ready = [](void *ctx, u64 aid, u32 tenant) {
		static_cast<Machine *>(ctx)->on_ready(aid, tenant);
	};
	cfg.on_agent_exit = [](void *ctx, u64 aid, u32 tenant) {
		static_cast<Machine *>(ctx)->on_exit(aid, tenant);
	};
	co_plat plat = plat_->plat();
	kernel_ = co_kernel_create(&plat, &cfg);
	if (!kernel_) {
		std::string why = "co_kernel_create failed";
		for (const std::string &l : plat_->log_lines())
			why += ": " + l;
		throw std::runtime_error(why);
	}
	int rc = co_kernel_add_authorizer(kernel_, authorizer_pk);
	if (rc)
		throw std::runtime_error("co_kernel_add_authorizer: " + std::to_string(rc));
	authorizer_pk_.assign(authorizer_pk, authorizer_pk + COCONUT_PUBKEY_SIZE);
	port_ = std::make_unique<KernelPort>(kernel_, plat_.get());
	chain_ = std::make_unique<ChainFollower>(plat_->boot_id());

	// Devices.
	if (membw_sched_) {
		co_kernel *k = kernel_;
		membus_ = std::make_unique<devices::MemoryBus>(
			profiles.memory(spec.memory_profile), spec.memory_channels, membw_sched_,
			[k](u64 aid) {
				// The agent's membw quota, as the module's throttle reads it.
				const co_agent *a = co_agent_find(k, aid);
				co_quota q{};
				return a && co_quota_get(k, a, COCONUT_QUOTA_MEMBW, &q) == 0
					       ? q.budget
					       : 0;
			});
	}
	cpus_ = std::make_unique<devices::CpuCluster>("cpus", spec.cpus, spec.cpu_slice_ns,
						      cpu_sched_, spec.cpu_preempt_ns,
						      membus_.get());
	const devices::PcieProfile pcie = profiles.pcie(spec.pcie_profile);
	std::vector<devices::Gpu *> gpu_ptrs;
	for (size_t g = 0; g < gpu_profiles.size(); g++) {
		const std::string idx = std::to_string(g);
		links_.push_back(std::make_unique<devices::PcieLink>(("pcie" + idx).c_str(), pcie,
								     pcie_scheds_[g]));
		dmas_.push_back(std::make_unique<devices::DmaEngine>(("dma" + idx).c_str()));
		dmas_.back()->initiator.bind(links_.back()->target);
		gpus_.push_back(std::make_unique<devices::Gpu>(("gpu" + idx).c_str(), (u32)g,
							       gpu_profiles[g], partitions[g],
							       gpu_scheds_[g], kGpuSliceNs));
		gpu_ptrs.push_back(gpus_.back().get());
	}
	if (!gpus_.empty()) {
		devices::BrokerParams bp;
		bp.batch_tokens = spec.broker.batch_tokens;
		bp.max_seqs = spec.broker.max_seqs;
		bp.model.params = spec.broker.model.params;
		bp.model.bytes_per_param = spec.broker.model.bytes_per_param;
		bp.model.layers = spec.broker.model.layers;
		bp.model.hidden = spec.broker.model.hidden;
		bp.model.kv_bytes_per_token = spec.broker.model.kv_bytes_per_token;
		bp.prompt_token_weight = spec.broker.prompt_token_weight;
		bp.gen_token_weight = spec.broker.gen_token_weight;
		bp.memory_percent = spec.broker.memory_percent;
		broker_ = std::make_unique<devices::InferenceBroker>("broker", bp, gpu_ptrs,
								     token_scheds_);
	}
	ssd_ = std::make_unique<devices::Ssd>("ssd", profiles.ssd(spec.ssd_profile));
	pcie_bytes_per_s_ = pcie.bytes_per_s;
	set_lag_limits();

	SC_METHOD(sealer_tick);
	sensitive << seal_event_;
	dont_initialize();
	seal_event_.notify(sim::ns(spec.audit.seal_interval_ns));
}

Machine::~Machine()
{
	// Devices hold pointers into the schedulers: they go first.
	broker_.reset();
	gpus_.clear();
	dmas_.clear();
	links_.clear();
	cpus_.reset();
	membus_.reset();
	ssd_.reset();
	port_.reset();
	if (kernel_)
		co_kernel_destroy(kernel_);
	for (co_sched *s : all_scheds())
		co_sched_destroy(s);
}

// The fair policy's lag limit is given in time (machine.sched_lag): a tenant may bank its
// share of each resource for that long. The kernel takes the credit of a weight-1 tenant in
// the resource's units, so each scheduler gets the window times its full rate (every core's
// CPU time, the link's bytes, a partition's GPU time, a replica's weighted tokens at a full
// batch) over the tenants' total weight: all of them together can bank the window's worth of
// the resource, no more. Set again whenever a tenant's weight is (build_tenants).
void Machine::set_lag_limits()
{
	u64 weights = 0;
	for (const auto &[tenant, w] : tenant_weights_)
		weights += w;
	weights = std::max<u64>(1, weights);
	const u64 lag_ns = spec_.sched_lag_ns;
	auto set_rate = [lag_ns, weights](co_sched *s, unsigned __int128 units_per_s) {
		const unsigned __int128 units = units_per_s * lag_ns / 1000000000u / weights;
		const int rc = co_sched_set_lag_limit(
			s, (u64)std::min<unsigned __int128>(units, CO_SCHED_LAG_UNITS_MAX));
		CO_ASSERT(rc == 0);
	};
	set_rate(cpu_sched_, (unsigned __int128)spec_.cpus * 1000000000u);
	for (co_sched *s : pcie_scheds_)
		set_rate(s, pcie_bytes_per_s_);
	for (size_t g = 0; g < gpu_scheds_.size(); g++)
		for (size_t p = 0; p < gpu_scheds_[g].size(); p++) {
			set_rate(gpu_scheds_[g][p], 1000000000u);
			if (broker_)
				set_rate(token_scheds_[g][p],
					 broker_->full_rate_units_per_s((u32)g, (u32)p));
		}
}

co_sched *Machine::make_sched(u32 resource)
{
	co_plat plat = plat_->plat();
	co_sched *s =
		co_sched_create(&plat, resource, policy_, CO_SCHED_LANES_MAX, CO_SCHED_TENANTS_MAX);
	if (!s)
		throw std::runtime_error("co_sched_create failed for resource " +
					 std::string(co_sched_resource_name(resource)));
	return s;
}

std::vector<co_sched *> Machine::all_scheds() const
{
	std::vector<co_sched *> all;
	if (cpu_sched_)
		all.push_back(cpu_sched_);
	if (membw_sched_)
		all.push_back(membw_sched_);
	for (co_sched *s : pcie_scheds_)
		all.push_back(s);
	for (const auto &v : gpu_scheds_)
		for (co_sched *s : v)
			all.push_back(s);
	for (const auto &v : token_scheds_)
		for (co_sched *s : v)
			all.push_back(s);
	return all;
}

void Machine::set_tenant_weight(u32 tenant, u32 weight)
{
	for (co_sched *s : all_scheds()) {
		const int rc = co_sched_tenant_set_weight(s, tenant, weight);
		if (rc)
			throw std::runtime_error("co_sched_tenant_set_weight: " +
						 std::to_string(rc));
	}
	tenant_weights_[tenant] = weight;
	set_lag_limits();
}

void Machine::on_ready(u64 aid, u32 tenant)
{
	for (co_sched *s : all_scheds()) {
		const int rc = co_sched_lane_add(s, aid, tenant, next_lane_weight_);
		// -ENOSPC would mean more live agents than lanes: the limits say it cannot happen.
		if (rc)
			throw std::runtime_error("co_sched_lane_add(" + std::to_string(aid) +
						 "): " + std::to_string(rc));
	}
	next_lane_weight_ = 1;
}

void Machine::on_exit(u64 aid, u32)
{
	// A lane with queued work stays until the engine has cancelled or finished that work;
	// the engine removes it then (lanes are cheap, and AIDs are never reused).
	for (co_sched *s : all_scheds())
		(void)co_sched_lane_remove(s, aid);
}

void Machine::stall_sealer(u64 duration_ns)
{
	stalled_ = true;
	const u64 until = sim::now_ns() + duration_ns;
	if (until > stalled_until_ns_)
		stalled_until_ns_ = until;
	port_->set_sealer_stalled(true);
}

bool Machine::sealer_stalled() const
{
	return stalled_;
}

void Machine::sealer_tick()
{
	seal_wakes_++;
	const u64 now = sim::now_ns();
	if (stalled_ && now >= stalled_until_ns_) {
		stalled_ = false;
		port_->set_sealer_stalled(false);
	}
	u64 busy_ns = 0;
	if (!stalled_) {
		co_audit_stats st;
		co_audit_get_stats(co_kernel_audit_log(kernel_), &st);
		const u64 anchors_before = st.anchors + st.anchor_failures;
		(void)port_->seal(spec_.audit.seal_batch_events);
		follow();
		co_audit_get_stats(co_kernel_audit_log(kernel_), &st);
		const u64 writes = st.anchors + st.anchor_failures - anchors_before;
		busy_ns = writes * tpm_->nv_write_ns();
	}
	seal_event_.notify(sim::ns(spec_.audit.seal_interval_ns + busy_ns));
}

u64 Machine::drain_audit()
{
	if (stalled_) {
		stalled_ = false;
		port_->set_sealer_stalled(false);
	}
	u64 total = 0;
	// Bounded: each round drains up to seal_batch events; the rings hold at most
	// cpus * ring_slots, plus one ANCHOR per K events.
	const u64 rounds_max = 2 + (u64)spec_.cpus * spec_.audit.ring_slots;
	for (u64 r = 0; r < rounds_max && co_audit_pending(co_kernel_audit_log(kernel_)) > 0; r++) {
		total += port_->seal(spec_.audit.seal_batch_events);
		follow();
	}
	follow();
	return total;
}

void Machine::start_trace(const std::string &path, const std::string &scenario, u64 seed)
{
	trace::Header h;
	h.kernel = std::string("coconut-kernel uapi ") + std::to_string(COCONUT_UAPI_VERSION);
	std::copy(plat_->boot_id(), plat_->boot_id() + CO_BOOT_ID_SIZE, h.boot_id.begin());
	const co_kernel_config &cfg = kernel_->cfg;
	h.cpus = cfg.cpu_count;
	h.ring_slots = cfg.audit.ring_slots;
	h.log_events = cfg.audit.log_events;
	h.anchor_every_events = cfg.audit.anchor_every_events;
	h.anchor_every_ns = cfg.audit.anchor_every_ns;
	h.anchor_min_ns = cfg.audit.anchor_min_ns;
	h.tpm_nv_index = cfg.audit.tpm_nv_index;
	h.seal_inline = cfg.seal_inline;
	h.fail_burst = cfg.fail_burst;
	h.fail_refill_ns = cfg.fail_refill_ns;
	for (u32 t = 0; t < COCONUT_TIER_COUNT; t++)
		h.tier_capacity_bytes[t] = cfg.tier_capacity_bytes[t];
	const std::string caps(cfg.root_caps, cfg.root_caps_len);
	for (size_t at = 0; at < caps.size();) {
		size_t nl = caps.find('\n', at);
		if (nl == std::string::npos)
			nl = caps.size();
		h.root_caps.push_back(caps.substr(at, nl - at));
		at = nl + 1;
	}
	std::array<u8, 32> pk{};
	std::copy(authorizer_pk_.begin(), authorizer_pk_.end(), pk.begin());
	h.authorizers.push_back(pk);
	h.scenario = scenario;
	h.seed = seed;
	port_->attach(
		std::make_unique<trace::TraceRecorder>(path, h, co_kernel_audit_log(kernel_)));
}

void Machine::fail_tpm_writes(u32 count)
{
	tpm_->fail_next_writes(count);
	port_->note_tpm_fail(count);
}

void Machine::follow()
{
	co_audit &a = kernel_->audit;
	if (corrupt_next_ && a.sealed > chain_->events()) {
		const u64 first = a.sealed - a.log_count;
		const u32 slot =
			(u32)((a.log_start + (chain_->events() - first)) % a.cfg.log_events);
		a.log[slot].ev.arg ^= 1; // one bit of one sealed event
		corrupt_next_ = false;
	}
	chain_->catch_up(&a);
}

} // namespace coconut::kmodel
