// A GPU: HBM capacity and bandwidth, compute rate, split into MIG-style partitions. Each
// partition is an executor that runs one thing at a time: a batch iteration of the inference
// broker (broker.h) or a slice of a compute job (stage GpuCompute, scheduled by the
// partition's fair-share scheduler, resource gpu, in slices of slice_ns). When both have work
// they share the partition's time equally (the kind that got less GPU time goes next). A lost partition fails everything queued or
// running on it with -EIO, and every later submit with -EIO.
#ifndef COCONUT_SIM_DEVICES_GPU_H
#define COCONUT_SIM_DEVICES_GPU_H

#include "job.h"
#include "profile.h"

#ifndef SC_INCLUDE_DYNAMIC_PROCESSES // coconut_systemc defines it too
#define SC_INCLUDE_DYNAMIC_PROCESSES
#endif
#include <systemc>

#include <vector>

namespace coconut::devices {

class InferenceBroker;

struct PartitionInfo {
	u64 hbm_bytes = 0;
	u32 compute_share_milli = 1000; // its share of the GPU's compute and bandwidth
	bool lost = false;
};

class Gpu : public sc_core::sc_module {
public:
	// partition_hbm_bytes empty: one partition with the whole HBM. Each partition gets
	// compute and bandwidth in proportion to its HBM. sched_of(p): a CO_SCHED_RES_GPU
	// scheduler per partition, owned by the caller (scheds.size() == partitions).
	Gpu(sc_core::sc_module_name name, u32 index, const GpuProfile &profile,
	    const std::vector<u64> &partition_hbm_bytes, const std::vector<co_sched *> &scheds,
	    u64 slice_ns);
	~Gpu() override;

	u32 index() const;
	const GpuProfile &profile() const;
	u32 partitions() const;
	const PartitionInfo &partition(u32 p) const;

	// A compute job (stage GpuCompute) on job.partition; alone_ns = gpu_ns scaled by the
	// partition's share (gpu_ns is the time on the whole idle GPU).
	void submit(Job &job);
	// Fault: partition p is lost now.
	void lose_partition(u32 p);

	// For the broker: it registers as the inference source of partition p; the partition
	// calls broker->run_iteration(gpu, p) when it picks inference, and the broker answers the
	// iteration's duration (0: nothing to run).
	void attach_broker(u32 p, InferenceBroker *broker);
	// The broker tells the partition it has work (wakes an idle executor).
	void notify_inference_ready(u32 p);

	u64 busy_ns(u32 p) const;
	u64 completed() const;

private:
	struct Impl;
	Impl *impl_;
};

} // namespace coconut::devices

#endif
