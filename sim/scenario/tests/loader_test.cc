// The loader on valid input: a file using every field arrives field by field as written, the
// shipped example loads, events come out sorted (stably), defaults fill what is left out.
#include "scenario.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace cs = coconut::scenario;
using u64 = std::uint64_t;

namespace {

const std::string data_dir = std::string(COCONUT_SOURCE_DIR) + "/sim/scenario/tests/data";

cs::Range R(u64 lo, u64 hi)
{
	return cs::Range{ lo, hi };
}
void expect_range(const cs::Range &got, cs::Range want, const char *what)
{
	EXPECT_EQ(got.lo, want.lo) << what;
	EXPECT_EQ(got.hi, want.hi) << what;
}

} // namespace

TEST(Loader, FullExampleEveryField)
{
	const cs::Scenario s = cs::load_scenario_file(data_dir + "/full.yaml");
	EXPECT_EQ(s.file, data_dir + "/full.yaml");
	EXPECT_EQ(s.name, "full-example");
	EXPECT_EQ(s.description, "Every field once.");
	EXPECT_EQ(s.seed, 0xdeadbeefu);
	EXPECT_EQ(s.duration_ns, 2000000000u);
	EXPECT_EQ(s.warmup_ns, 100000000u);
	EXPECT_EQ(s.policy, cs::Policy::PerProcess);

	const cs::MachineSpec &m = s.machine;
	EXPECT_EQ(m.name, "node7");
	EXPECT_EQ(m.cpus, 16u);
	EXPECT_EQ(m.syscall_entry_ns, 200u);
	EXPECT_EQ(m.cpu_slice_ns, 2000000u);
	ASSERT_EQ(m.gpus.size(), 2u);
	EXPECT_EQ(m.gpus[0].profile, "h100-sxm");
	EXPECT_EQ(m.gpus[0].count, 2u);
	EXPECT_EQ(m.gpus[0].partition_hbm_bytes,
		  (std::vector<u64>{ 40ull << 30, 20ull << 30, 10ull << 30 }));
	EXPECT_EQ(m.gpus[0].loc.line, 15);
	EXPECT_EQ(m.gpus[1].profile, "a100-sxm-80gb");
	EXPECT_EQ(m.gpus[1].count, 1u);
	EXPECT_TRUE(m.gpus[1].partition_hbm_bytes.empty());
	EXPECT_EQ(m.pcie_profile, "pcie-gen4-x16");
	EXPECT_EQ(m.tpm_profile, "tpm2-discrete");
	EXPECT_EQ(m.ssd_profile, "nvme-gen4");
	EXPECT_EQ(m.audit.ring_slots, 1024u);
	EXPECT_EQ(m.audit.seal_interval_ns, 500000u);
	EXPECT_EQ(m.audit.seal_batch_events, 2048u);
	EXPECT_EQ(m.audit.anchor_every_events, 512u);
	EXPECT_EQ(m.audit.anchor_every_ns, 250000000u);
	EXPECT_EQ(m.audit.tpm_nv_index, 0x01500000u);
	EXPECT_EQ(m.broker.batch_tokens, 4096u);
	EXPECT_EQ(m.broker.max_seqs, 32u);
	EXPECT_EQ(m.broker.model.name, "llama-3-8b");
	EXPECT_EQ(m.broker.model.params, 8000000000u);
	EXPECT_EQ(m.broker.model.bytes_per_param, 1u);
	EXPECT_EQ(m.broker.prompt_token_weight, 2u);
	EXPECT_EQ(m.broker.gen_token_weight, 3u);

	ASSERT_EQ(s.tenants.size(), 2u);
	const cs::TenantSpec &a = s.tenants[0];
	EXPECT_EQ(a.name, "alpha");
	EXPECT_EQ(a.weight, 3u);
	EXPECT_EQ(a.caps.size(), 4u);
	EXPECT_EQ(a.caps[3], "cap.grant:fs.read:/data/**");
	EXPECT_FALSE(a.flooder); // written out
	ASSERT_EQ(a.groups.size(), 2u);
	const cs::AgentGroupSpec &web = a.groups[0];
	EXPECT_EQ(web.name, "web");
	EXPECT_EQ(web.count, 3u);
	EXPECT_EQ(web.gpu, 1u);
	EXPECT_EQ(web.partition, 2u);
	EXPECT_EQ(web.manifest.caps,
		  (std::vector<std::string>{ "inference:kvwarden", "gpu:1/partition/2" }));
	ASSERT_EQ(web.manifest.quotas.size(), 3u);
	EXPECT_EQ(web.manifest.quotas.at("cpu").budget, 5000000u);
	EXPECT_TRUE(web.manifest.quotas.at("cpu").block);
	EXPECT_EQ(web.manifest.quotas.at("hbm").budget, 2ull << 30);
	EXPECT_FALSE(web.manifest.quotas.at("hbm").block);
	EXPECT_EQ(web.manifest.quotas.at("tokens").budget, 100000u);
	EXPECT_EQ(web.manifest.weight, 4u);
	const cs::WorkloadSpec &w = web.workload;
	EXPECT_EQ(w.kind, cs::WorkloadKind::Bursty);
	EXPECT_EQ(w.mean_gap_ns, 2000000000u);
	EXPECT_EQ(w.on_ns, 20000000u);
	EXPECT_EQ(w.off_ns, 80000000u);
	EXPECT_EQ(w.start_ns, 10000000u);
	EXPECT_EQ(w.stop_ns, 1500000000u);
	EXPECT_EQ(w.max_outstanding, 8u);
	expect_range(w.request.cpu_ns, R(1000000, 2000000), "cpu");
	expect_range(w.request.dma_bytes, R(1572864, 1572864), "dma");
	expect_range(w.request.gpu_ns, R(300000, 300000), "gpu");
	expect_range(w.request.prompt_tokens, R(10, 20), "prompt_tokens");
	expect_range(w.request.gen_tokens, R(5, 5), "gen_tokens");
	EXPECT_EQ(w.request.fs_read_paths, (std::vector<std::string>{ "/data/a", "/data/b" }));
	EXPECT_EQ(w.request.fs_read_bytes, 4096u);
	EXPECT_EQ(w.request.broker, "vllm-0");
	const cs::WorkloadSpec &loop = a.groups[1].workload;
	EXPECT_EQ(loop.kind, cs::WorkloadKind::ClosedLoop);
	EXPECT_EQ(loop.concurrency, 4u);
	EXPECT_EQ(loop.think_ns, 3000000u);
	EXPECT_EQ(loop.request.broker, "kvwarden");

	const cs::TenantSpec &b = s.tenants[1];
	EXPECT_EQ(b.weight, 1u);
	EXPECT_TRUE(b.caps.empty());
	const cs::WorkloadSpec &replay = b.groups[0].workload;
	EXPECT_EQ(b.groups[0].gpu, 2u);
	EXPECT_EQ(replay.kind, cs::WorkloadKind::Trace);
	EXPECT_EQ(replay.trace_path, data_dir + "/trace.csv");
	EXPECT_EQ(replay.trace_share, 3u);
	EXPECT_EQ(replay.trace_offset, 1u);
	EXPECT_EQ(replay.trace_speedup_milli, 2500u);
	EXPECT_EQ(replay.trace_max_rows, 100u);
	EXPECT_EQ(b.groups[1].workload.kind, cs::WorkloadKind::Flooder);
	EXPECT_EQ(b.groups[1].workload.mean_gap_ns, 200000000u);
	EXPECT_TRUE(b.flooder); // left out: it has a flooder group

	// Sorted by time; the two events at 5 ms keep their file order.
	ASSERT_EQ(s.events.size(), 19u);
	for (std::size_t i = 1; i < s.events.size(); ++i)
		EXPECT_LE(s.events[i - 1].at_ns, s.events[i].at_ns);
	EXPECT_EQ(s.events[0].kind, cs::EventKind::FsRead);
	EXPECT_EQ(s.events[0].target, "alpha/web/0");
	EXPECT_EQ(s.events[0].path, "/data/a");
	EXPECT_EQ(s.events[0].expect, 0);
	EXPECT_EQ(s.events[1].kind, cs::EventKind::FsWrite);
	EXPECT_EQ(s.events[1].expect, -134);
	EXPECT_EQ(s.events[2].kind, cs::EventKind::CapGrant);
	EXPECT_EQ(s.events[2].target, "alpha/web/*");
	EXPECT_EQ(s.events[2].cap, "fs.read:/data/a");
	EXPECT_EQ(s.events[3].kind, cs::EventKind::CapRevoke);
	EXPECT_EQ(s.events[3].target, "alpha");
	EXPECT_FALSE(s.events[3].expect.has_value());
	EXPECT_EQ(s.events[4].kind, cs::EventKind::MemTier);
	EXPECT_EQ(s.events[4].tier, 2u);
	EXPECT_EQ(s.events[4].bytes, 1ull << 30);
	EXPECT_EQ(s.events[4].expect, -122);
	EXPECT_EQ(s.events[5].kind, cs::EventKind::QuotaSet);
	EXPECT_EQ(s.events[5].quota_kind, "pcie");
	EXPECT_EQ(s.events[5].budget, 10000000u);
	EXPECT_EQ(s.events[6].kind, cs::EventKind::Spawn);
	EXPECT_EQ(s.events[6].count, 3u);
	// beta/flood had 2 agents; after the spawn, index 4 exists.
	EXPECT_EQ(s.events[7].kind, cs::EventKind::Quarantine);
	EXPECT_EQ(s.events[7].target, "beta/flood/4");
	EXPECT_EQ(s.events[7].expect, -134);
	EXPECT_EQ(s.events[8].kind, cs::EventKind::Release);
	EXPECT_EQ(s.events[9].kind, cs::EventKind::Kill);
	EXPECT_EQ(s.events[10].kind, cs::EventKind::RingPressure);
	EXPECT_EQ(s.events[10].count, 5000u);
	EXPECT_EQ(s.events[11].kind, cs::EventKind::SealerStall);
	EXPECT_EQ(s.events[11].duration_ns, 40000000u);
	EXPECT_EQ(s.events[12].kind, cs::EventKind::PcieDegrade);
	EXPECT_EQ(s.events[12].gpu, 1u);
	EXPECT_EQ(s.events[12].percent, 25u);
	EXPECT_EQ(s.events[12].duration_ns, 100000000u);
	EXPECT_EQ(s.events[13].kind, cs::EventKind::GpuPartitionLoss);
	EXPECT_EQ(s.events[13].partition, 2u);
	EXPECT_EQ(s.events[14].kind, cs::EventKind::Attest);
	EXPECT_EQ(s.events[14].target, "alpha/web/1");
	EXPECT_EQ(s.events[14].expect, 0);
	EXPECT_EQ(s.events[15].kind, cs::EventKind::AuditQuery);
	EXPECT_EQ(s.events[15].target, "alpha");
	EXPECT_EQ(s.events[15].audit_type, 4u);	       // COCONUT_EV_CAP_DENY
	EXPECT_EQ(s.events[15].about, "beta/flood/3"); // exists after the spawn at 10 ms
	EXPECT_EQ(s.events[15].cap, "fs.write");       // a kind's name, as deny events carry
	EXPECT_EQ(s.events[15].max_events, 16u);
	EXPECT_EQ(s.events[15].expect, -134);
	EXPECT_EQ(s.events[16].kind, cs::EventKind::AuditQuery);
	EXPECT_EQ(s.events[16].audit_type, 0u);
	EXPECT_EQ(s.events[16].about, "");
	EXPECT_EQ(s.events[16].cap, "gpu:0/**");
	EXPECT_EQ(s.events[16].max_events, 0u);
	EXPECT_FALSE(s.events[16].expect.has_value());
	EXPECT_EQ(s.events[17].kind, cs::EventKind::Exit);
	EXPECT_EQ(s.events[17].target, "alpha/web/2");
	EXPECT_EQ(s.events[18].kind, cs::EventKind::TpmWriteFail);
	EXPECT_EQ(s.events[18].count, 2u);
	EXPECT_EQ(s.events[18].at_ns, 1000000000u);
	EXPECT_EQ(s.events[18].loc.line, 81); // the first event in the file, sorted last

	ASSERT_EQ(s.gates.size(), 9u);
	EXPECT_EQ(s.gates[0].kind, cs::GateKind::Fairness);
	EXPECT_EQ(s.gates[0].name, "fairness");
	EXPECT_EQ(s.gates[0].bound_milli, 1250u);
	EXPECT_EQ(s.gates[0].p99_max_milli, 4500u);
	EXPECT_EQ(s.gates[0].tenants, (std::vector<std::string>{ "alpha" }));
	EXPECT_EQ(s.gates[0].resources, (std::vector<std::string>{ "cpu", "inference" }));
	EXPECT_EQ(s.gates[1].name, "parity");
	EXPECT_EQ(s.gates[2].name, "audit.verify");
	EXPECT_EQ(s.gates[5].kind, cs::GateKind::Metric);
	EXPECT_EQ(s.gates[5].name, "slow");
	EXPECT_EQ(s.gates[5].metric, "tenant.beta.inference.p99_over_p50_milli");
	EXPECT_EQ(s.gates[5].op, cs::CompareOp::Le);
	EXPECT_EQ(s.gates[5].value, 2000);
	EXPECT_EQ(s.gates[6].op, cs::CompareOp::Ne);
	EXPECT_EQ(s.gates[6].value, -1);
	EXPECT_EQ(s.gates[7].kind, cs::GateKind::Determinism);
	EXPECT_FALSE(s.gates[7].counterfactual());
	const cs::GateSpec &alone = s.gates[8];
	EXPECT_EQ(alone.kind, cs::GateKind::Isolation);
	EXPECT_EQ(alone.name, "alone");
	EXPECT_EQ(alone.bound_milli, 2000u);
	EXPECT_EQ(alone.tenants, (std::vector<std::string>{ "alpha" }));
	EXPECT_TRUE(alone.baseline.empty());
	EXPECT_TRUE(alone.counterfactual());
}

// Loading from text with the same base directory gives the same scenario as from the file.
TEST(Loader, StringAndFileAgree)
{
	const cs::Scenario f = cs::load_scenario_file(data_dir + "/full.yaml");
	std::ifstream in(data_dir + "/full.yaml");
	const std::string text((std::istreambuf_iterator<char>(in)),
			       std::istreambuf_iterator<char>());
	const cs::Scenario s = cs::load_scenario_string(text, "x.yaml", data_dir);
	EXPECT_EQ(s.tenants[1].groups[0].workload.trace_path,
		  f.tenants[1].groups[0].workload.trace_path);
	EXPECT_EQ(s.events.size(), f.events.size());
	EXPECT_EQ(s.tenants[0].loc.line, f.tenants[0].loc.line);
	EXPECT_EQ(s.tenants[0].loc.file, "x.yaml");
}

TEST(Loader, DefaultsFillWhatIsLeftOut)
{
	const cs::Scenario s =
		cs::load_scenario_string("name: d\nduration: 1s\ntenants:\n  - name: t\n", "d.yaml",
					 ".");
	EXPECT_EQ(s.seed, 1u);
	EXPECT_EQ(s.warmup_ns, 0u);
	EXPECT_EQ(s.policy, cs::Policy::Fair);
	EXPECT_EQ(s.machine.cpus, 8u);
	EXPECT_TRUE(s.machine.gpus.empty());
	EXPECT_EQ(s.machine.audit.ring_slots, 256u);
	EXPECT_EQ(s.machine.broker.model.params, 6740000000u);
	EXPECT_EQ(s.machine.broker.model.layers, 32u);
	EXPECT_EQ(s.machine.broker.model.kv_bytes_per_token, 524288u) << "2 x 32 x 4096 x 2 bytes";
	ASSERT_EQ(s.tenants.size(), 1u);
	EXPECT_TRUE(s.tenants[0].groups.empty());
	EXPECT_TRUE(s.events.empty());
	EXPECT_TRUE(s.gates.empty());
}

// `flooder:` overrides what the groups say: a tenant can be the aggressor with poisson groups
// (a noisy neighbour in all but name), or a victim that happens to run a flooder workload.
TEST(Loader, FlooderFieldOverridesTheGroups)
{
	const std::string yaml = R"(name: f
duration: 1s
tenants:
  - name: plain
    groups: [ { name: g, workload: { kind: poisson, rate: 1/s } } ]
  - name: marked
    flooder: true
    groups: [ { name: g, workload: { kind: poisson, rate: 1/s } } ]
  - name: floods
    groups: [ { name: g, workload: { kind: flooder, rate: 1/s } } ]
  - name: cleared
    flooder: false
    groups: [ { name: g, workload: { kind: flooder, rate: 1/s } } ]
)";
	const cs::Scenario s = cs::load_scenario_string(yaml, "f.yaml", ".");
	ASSERT_EQ(s.tenants.size(), 4u);
	EXPECT_FALSE(s.tenants[0].flooder);
	EXPECT_TRUE(s.tenants[1].flooder);
	EXPECT_TRUE(s.tenants[2].flooder);
	EXPECT_FALSE(s.tenants[3].flooder);
}

// An isolation gate with `baseline` compares peers (tenants required); without, each tenant
// with itself alone (tenants and resources optional, a flooder required).
TEST(Loader, IsolationGateModes)
{
	const std::string base = R"(name: i
duration: 1s
tenants:
  - name: a
  - name: b
  - name: m
    groups: [ { name: g, workload: { kind: flooder, rate: 1/s } } ]
gates:
)";
	const cs::Scenario peer = cs::load_scenario_string(
		base + "  - { kind: isolation, tenants: [a], baseline: [b] }\n", "i.yaml", ".");
	EXPECT_FALSE(peer.gates[0].counterfactual());
	EXPECT_EQ(peer.gates[0].baseline, (std::vector<std::string>{ "b" }));
	EXPECT_EQ(peer.gates[0].bound_milli, 1500u);
	const cs::Scenario cf =
		cs::load_scenario_string(base + "  - { kind: isolation }\n", "i.yaml", ".");
	EXPECT_TRUE(cf.gates[0].counterfactual());
	EXPECT_TRUE(cf.gates[0].tenants.empty());   // every tenant not marked flooder
	EXPECT_TRUE(cf.gates[0].resources.empty()); // every contended resource
	EXPECT_FALSE(cf.gates[0].p99_max_milli.has_value());
}

// Without a flooder there is no counterfactual run to compare with: the error names the gate.
TEST(Loader, CounterfactualIsolationNeedsAFlooder)
{
	try {
		cs::load_scenario_string("name: i\nduration: 1s\ntenants:\n  - name: a\ngates:\n"
					 "  - { kind: isolation, name: victims-alone }\n",
					 "i.yaml", ".");
		FAIL() << "accepted";
	} catch (const cs::ScenarioError &e) {
		EXPECT_EQ(e.field(), "gates[0]");
		EXPECT_NE(std::string(e.what()).find("isolation gate 'victims-alone'"),
			  std::string::npos)
			<< e.what();
		EXPECT_NE(std::string(e.what()).find("no tenant is a flooder"), std::string::npos)
			<< e.what();
	}
}

TEST(Loader, ShippedExamplesLoad)
{
	const std::string root = COCONUT_SOURCE_DIR;
	int loaded = 0;
	for (const char *dir : { "/scenarios", "/scenarios/examples" }) {
		std::error_code ec;
		for (const auto &e : std::filesystem::directory_iterator(root + dir, ec)) {
			// gates.yaml is the release-gate suite (docs/gates.md), not a scenario.
			if (e.path().extension() != ".yaml" || e.path().filename() == "gates.yaml")
				continue;
			EXPECT_NO_THROW(cs::load_scenario_file(e.path().string())) << e.path();
			++loaded;
		}
	}
	EXPECT_GE(loaded, 1);
	const cs::Scenario m = cs::load_scenario_file(root + "/scenarios/examples/minimal.yaml");
	EXPECT_EQ(m.name, "minimal");
	EXPECT_EQ(m.events.size(), 2u);
}

TEST(Loader, ErrorCarriesLocation)
{
	try {
		cs::load_scenario_string(
			"name: x\nduration: 1s\ntenants:\n  - name: t\n    weight: 0\n", "w.yaml",
			".");
		FAIL() << "weight 0 accepted";
	} catch (const cs::ScenarioError &e) {
		EXPECT_EQ(e.loc().file, "w.yaml");
		EXPECT_EQ(e.loc().line, 5);
		EXPECT_EQ(e.loc().column, 13);
		EXPECT_EQ(e.field(), "tenants[0].weight");
		EXPECT_EQ(std::string(e.what()).rfind("w.yaml:5:13: tenants[0].weight: ", 0), 0u)
			<< e.what();
	}
}

TEST(Loader, MissingFileIsAScenarioError)
{
	EXPECT_THROW(cs::load_scenario_file("/nonexistent/dir/none.yaml"), cs::ScenarioError);
	EXPECT_THROW(cs::load_scenario_file(COCONUT_SOURCE_DIR), cs::ScenarioError);
}
