// Shared fixtures of the device tests: a sink that checks the completion contract, schedulers
// on a deterministic platform, and H100-like profiles written out in C++ (the YAML loader is
// tested elsewhere).
#ifndef COCONUT_SIM_DEVICES_TESTS_TEST_SUPPORT_H
#define COCONUT_SIM_DEVICES_TESTS_TEST_SUPPORT_H

#include "broker.h"
#include "job.h"
#include "profile.h"
#include "sc_context.h"
#include "user_platform.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

namespace coconut::devices::test {

// Records completions; fails the test when a job completes twice or at a time other than its
// done_ns.
class Recorder : public JobSink {
public:
	void job_done(Job &job) override
	{
		EXPECT_EQ(job.done_ns, coconut::sim::now_ns()) << "job " << job.id;
		EXPECT_EQ(++calls_[job.id], 1) << "job " << job.id << " completed twice";
		order.push_back(job.id);
		if (on_done)
			on_done(job);
	}
	u32 calls(u64 id) const
	{
		auto it = calls_.find(id);
		return it == calls_.end() ? 0 : it->second;
	}
	std::vector<u64> order; // job ids in completion order
	void (*on_done)(Job &) = nullptr;

private:
	std::map<u64, u32> calls_;
};

// A scheduler on a test platform, destroyed with the fixture.
class Sched {
public:
	Sched(u32 resource, u32 policy, u32 lanes_max = 16, u32 tenants_max = 8)
	{
		co_plat plat = platform_.plat();
		s_ = co_sched_create(&plat, resource, policy, lanes_max, tenants_max);
		EXPECT_NE(s_, nullptr);
	}
	~Sched() { co_sched_destroy(s_); }
	Sched(const Sched &) = delete;
	Sched &operator=(const Sched &) = delete;
	co_sched *get() const { return s_; }
	void lane(u64 aid, u32 tenant) { ASSERT_EQ(co_sched_lane_add(s_, aid, tenant, 1), 0); }

private:
	UserPlatform platform_;
	co_sched *s_ = nullptr;
};

inline Job make_job(u64 id, u64 aid, u32 tenant, Stage stage, JobSink *sink)
{
	Job j;
	j.id = id;
	j.aid = aid;
	j.tenant = tenant;
	j.stage = stage;
	j.sink = sink;
	return j;
}

// Jobs keep their address while submitted: hold them in a vector of unique_ptrs.
using Jobs = std::vector<std::unique_ptr<Job>>;
inline Job &add_job(Jobs &jobs, u64 id, u64 aid, u32 tenant, Stage stage, JobSink *sink)
{
	jobs.push_back(std::make_unique<Job>(make_job(id, aid, tenant, stage, sink)));
	return *jobs.back();
}

constexpr u64 kGiB = 1024ull * 1024 * 1024;

// NVIDIA H100 SXM5 datasheet: 80 GB HBM3 at 3.35 TB/s, 989 TFLOPS dense FP16/BF16 tensor.
// Round rates for golden values (broker_golden.py): the weights read at 80 % of HBM
// (2.68 TB/s), the linear layers at 50 % of peak (494.5 TFLOP/s).
inline GpuProfile h100_like(u64 overhead_ns = 0)
{
	GpuProfile p;
	p.name = "h100-like";
	p.hbm_bytes = 80 * kGiB;
	p.hbm_bytes_per_s = 3350000000000ull;
	p.dense_fp16_flops_per_s = 989000000000000ull;
	p.max_partitions = 7;
	p.weights_read_bytes_per_s = 2680000000000ull;
	p.linear_flops_per_s = 494500000000000ull;
	// So fast that attention costs under a nanosecond at these tests' contexts: the golden
	// values are the linear layers'. broker_cost_test covers the attention terms.
	p.kv_read_bytes_per_s = 1ull << 62;
	p.attention_flops_per_s = 1ull << 62;
	p.attention_layer_overhead_ns = 0;
	p.iteration_overhead_ns = overhead_ns;
	return p;
}

// PCIe Gen5 x16: ~64 GB/s per direction raw; 50 GB/s sustained is a round stand-in.
// The broker's defaults with a 7e9-parameter model (round numbers for the golden values).
inline BrokerParams test_params()
{
	BrokerParams bp;
	bp.model.params = 7000000000ull;
	return bp;
}

inline PcieProfile pcie_like()
{
	PcieProfile p;
	p.name = "pcie-like";
	p.bytes_per_s = 50000000000ull;
	p.copy_overhead_ns = 0; // the tests of arbitration; PcieLink.CopyOverhead* set one
	p.latency_ns = 2000;
	p.chunk_bytes = 262144;
	return p;
}

} // namespace coconut::devices::test

#endif
