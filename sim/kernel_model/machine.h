// One simulated machine: a coconut-kernel instance (the real kernel C) on the platform of
// sim_platform.h, its fair-share schedulers (one per contended device: the CPU cluster, each
// PCIe link, each GPU partition's compute and its inference tokens), its devices, and the audit
// sealer as a SystemC process. The engine (sim/engine) drives agents' calls into it.
#ifndef COCONUT_SIM_KERNEL_MODEL_MACHINE_H
#define COCONUT_SIM_KERNEL_MODEL_MACHINE_H

#include "chain_follower.h"
#include "kernel_port.h"
#include "sim_platform.h"

#include "broker.h"
#include "cpu_cluster.h"
#include "gpu.h"
#include "pcie_link.h"
#include "profile.h"
#include "scenario.h"
#include "ssd.h"
#include "tpm.h"

#include "coconut/kernel.h"
#include "coconut/sched.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace coconut::kmodel {

class Machine : public sc_core::sc_module {
public:
	SC_HAS_PROCESS(Machine);

	// root_caps: the root agent's caps. authorizer_pk: the key manifests are signed with.
	Machine(sc_core::sc_module_name name, const scenario::MachineSpec &spec,
		scenario::Policy policy, u64 seed, const devices::ProfileLibrary &profiles,
		const std::vector<std::string> &root_caps,
		const u8 authorizer_pk[COCONUT_PUBKEY_SIZE]);
	~Machine() override;

	co_kernel *kernel() { return kernel_; }
	// Every kernel call of the engine and the sealer goes through the port (recordable).
	KernelPort &port() { return *port_; }
	// Starts recording every kernel call into a trace at path (docs/traces.md), beginning
	// with the header that describes this machine. Call before any kernel call after
	// construction. Throws std::runtime_error when the file cannot be written.
	void start_trace(const std::string &path, const std::string &scenario, u64 seed);
	// The TPM fails its next count NV writes (fault injection; recorded in a trace).
	void fail_tpm_writes(u32 count);
	SimPlatform &platform() { return *plat_; }
	const scenario::MachineSpec &spec() const { return spec_; }
	u32 policy() const { return policy_; }

	// ---- Schedulers: every agent has a lane in each (registered when it becomes Active).
	co_sched *cpu_sched() { return cpu_sched_; }
	co_sched *membw_sched() { return membw_sched_; } // nullptr without machine.memory
	co_sched *pcie_sched(u32 gpu) { return pcie_scheds_.at(gpu); }
	co_sched *gpu_sched(u32 gpu, u32 partition) { return gpu_scheds_.at(gpu).at(partition); }
	co_sched *token_sched(u32 gpu, u32 partition)
	{
		return token_scheds_.at(gpu).at(partition);
	}
	// The weight the next agent made Active gets in every scheduler (set before a spawn).
	void set_next_lane_weight(u32 weight) { next_lane_weight_ = weight; }
	// A tenant's weight in every scheduler.
	void set_tenant_weight(u32 tenant, u32 weight);
	// Every scheduler, for statistics.
	std::vector<co_sched *> all_scheds() const;

	// ---- Devices
	devices::CpuCluster &cpus() { return *cpus_; }
	devices::MemoryBus *memory_bus() { return membus_.get(); } // nullptr without machine.memory
	u32 gpu_count() const { return (u32)gpus_.size(); }
	devices::Gpu &gpu(u32 g) { return *gpus_.at(g); }
	devices::PcieLink &link(u32 g) { return *links_.at(g); }
	devices::DmaEngine &dma(u32 g) { return *dmas_.at(g); }
	devices::InferenceBroker *broker() { return broker_.get(); }
	devices::Tpm &tpm() { return *tpm_; }
	devices::Ssd &ssd() { return *ssd_; }

	// ---- Kernel calls run "on" a CPU: the ring their audit events go to.
	void on_cpu(u32 cpu) { plat_->set_cpu(cpu % spec_.cpus); }

	// ---- The sealer
	// Stops sealing for duration_ns from now (the rings fill; appends then get -EBUSY).
	void stall_sealer(u64 duration_ns);
	bool sealer_stalled() const;
	// Seals until nothing is pending (end of run), un-stalling first. Returns events sealed.
	u64 drain_audit();
	ChainFollower &chain() { return *chain_; }
	// Test mutation: the first time the sealer seals something, flip one bit of the first
	// new event in the kernel's window before the follower reads it (audit.verify must fail).
	void corrupt_next_sealed_event() { corrupt_next_ = true; }
	u64 seal_wakes() const { return seal_wakes_; }

private:
	void sealer_tick();
	void on_ready(u64 aid, u32 tenant);
	void on_exit(u64 aid, u32 tenant);
	co_sched *make_sched(u32 resource);
	void set_lag_limits();

	scenario::MachineSpec spec_;
	u32 policy_;
	std::unique_ptr<devices::Tpm> tpm_;
	std::unique_ptr<SimPlatform> plat_;
	co_kernel *kernel_ = nullptr;
	std::unique_ptr<KernelPort> port_;
	std::vector<u8> authorizer_pk_;
	std::unique_ptr<ChainFollower> chain_;

	co_sched *cpu_sched_ = nullptr;
	co_sched *membw_sched_ = nullptr;
	std::vector<co_sched *> pcie_scheds_;
	std::vector<std::vector<co_sched *>> gpu_scheds_;
	std::vector<std::vector<co_sched *>> token_scheds_;
	u32 next_lane_weight_ = 1;
	u64 pcie_bytes_per_s_ = 0;
	std::map<u32, u32> tenant_weights_; // set_tenant_weight's, for the lag limits

	std::unique_ptr<devices::MemoryBus> membus_; // before cpus_, which points at it
	std::unique_ptr<devices::CpuCluster> cpus_;
	std::vector<std::unique_ptr<devices::PcieLink>> links_;
	std::vector<std::unique_ptr<devices::DmaEngine>> dmas_;
	std::vector<std::unique_ptr<devices::Gpu>> gpus_;
	std::unique_ptr<devices::InferenceBroker> broker_;
	std::unique_ptr<devices::Ssd> ssd_;

	sc_core::sc_event seal_event_;
	u64 stalled_until_ns_ = 0;
	bool stalled_ = false;
	u64 seal_wakes_ = 0;
	bool corrupt_next_ = false;
	void follow();
};

} // namespace coconut::kmodel

#endif
