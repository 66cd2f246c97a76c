// Malformed scenarios: each must fail with a ScenarioError whose message starts with
// "case.yaml:LINE" and names the field. The expected line is the one marked `#<` in the case
// (line 1 when no line is marked), so the table stays right when a case is edited.
#include "scenario.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace cs = coconut::scenario;

namespace {

// A valid scenario the cases below vary: one H100 split in two, tenant `a` with a group of 2.
const std::string head = R"(name: t
duration: 1s
machine:
  gpus:
    - profile: h100-sxm
      partitions: [40GiB, 30GiB]
tenants:
  - name: a
    caps: ["inference:kvwarden"]
    groups:
      - name: g
        count: 2
        workload: { kind: poisson, rate: 5/s }
)";

struct Case {
	const char *label;
	std::string yaml;
	const char *field; // a substring of the field path in the message
};

std::vector<Case> cases()
{
	const std::string b = head;
	const std::string big(10u << 20, 'x');
	return {
		{ "yaml syntax error", "name: t\nduration: [1s\ntenants: x #<\n", "(yaml syntax)" },
		{ "tab indentation", "name: t\n\tduration: 1s #<\n", "(yaml syntax)" },
		{ "empty file", "", "(top level)" },
		{ "only a comment", "# nothing here\n", "(top level)" },
		{ "top level is a list", "- a\n- b\n", "(top level)" },
		{ "two documents", b + "--- #<\nname: u\n", "(top level)" },
		{ "unknown top-level key", b + "tenents: [] #<\n", "tenents" },
		{ "unknown nested key", b + "        cuont: 3 #<\n", "tenants[0].groups[0].cuont" },
		{ "duplicate key", b + "        count: 3 #<\n", "tenants[0].groups[0].count" },
		{ "missing name", "duration: 1s #<\ntenants: [{name: a}]\n", "name" },
		{ "missing duration", "name: t #<\ntenants: [{name: a}]\n", "duration" },
		{ "missing tenants", "name: t #<\nduration: 1s\n", "tenants" },
		{ "no tenants", "name: t\nduration: 1s\ntenants: [] #<\n", "tenants" },
		{ "tenants not a list", "name: t\nduration: 1s\ntenants: abc #<\n", "tenants" },
		{ "duration is a list", "name: t\nduration: [1] #<\ntenants: [{name: a}]\n",
		  "duration" },
		{ "bad duration unit", "name: t\nduration: 5parsec #<\ntenants: [{name: a}]\n",
		  "duration" },
		{ "duration without unit", "name: t\nduration: 5 #<\ntenants: [{name: a}]\n",
		  "duration" },
		{ "duration zero", "name: t\nduration: 0s #<\ntenants: [{name: a}]\n", "duration" },
		{ "negative seed", "name: t\nseed: -1 #<\nduration: 1s\ntenants: [{name: a}]\n",
		  "seed" },
		{ "overflowing seed",
		  "name: t\nseed: 99999999999999999999999 #<\nduration: 1s\ntenants: [{name: a}]\n",
		  "seed" },
		{ "overflowing duration",
		  "name: t\nduration: 99999999999h #<\ntenants: [{name: a}]\n", "duration" },
		{ "warmup not before end",
		  "name: t\nduration: 1s\nwarmup: 1s #<\ntenants: [{name: a}]\n", "warmup" },
		{ "unknown policy",
		  "name: t\nduration: 1s\npolicy: lottery #<\ntenants: [{name: a}]\n", "policy" },
		{ "10 MB string",
		  "name: t\nduration: 1s\ndescription: " + big + " #<\ntenants: [{name: a}]\n",
		  "description" },
		{ "bad tenant name", "name: t\nduration: 1s\ntenants:\n  - name: A B #<\n",
		  "tenants[0].name" },
		{ "duplicate tenant", b + "  - name: a #<\n", "tenants[1].name" },
		{ "duplicate group", b + "      - name: g #<\n", "tenants[0].groups[1].name" },
		{ "group count 0", b + "      - name: h\n        count: 0 #<\n",
		  "tenants[0].groups[1].count" },
		{ "negative group count", b + "      - name: h\n        count: -2 #<\n",
		  "tenants[0].groups[1].count" },
		{ "tenant weight wrong type", b + "  - name: b\n    weight: [1] #<\n",
		  "tenants[1].weight" },
		{ "bad cap", b + "  - name: b\n    caps: [\"fs.read:relative/path\"] #<\n",
		  "tenants[1].caps[0]" },
		{ "flooder not a bool", b + "  - name: b\n    flooder: maybe #<\n",
		  "tenants[1].flooder" },
		{ "unknown workload kind",
		  b + "      - name: h\n        workload: { kind: zipf, rate: 1/s } #<\n",
		  "tenants[0].groups[1].workload.kind" },
		{ "rate zero",
		  b + "      - name: h\n        workload: { kind: poisson, rate: 0/s } #<\n",
		  "tenants[0].groups[1].workload.rate" },
		{ "rate without unit",
		  b + "      - name: h\n        workload: { kind: flooder, rate: 5 } #<\n",
		  "tenants[0].groups[1].workload.rate" },
		{ "rate on closed-loop",
		  b + "      - name: h\n        workload: { kind: closed-loop, rate: 5/s } #<\n",
		  "tenants[0].groups[1].workload.rate" },
		{ "bursty without on",
		  b + "      - name: h\n        workload:\n          kind: bursty #<\n"
		      "          rate: 1/s\n          off: 1ms\n",
		  "tenants[0].groups[1].workload.on" },
		{ "range min above max",
		  b + "      - name: h\n        workload:\n          kind: poisson\n          "
		      "rate: 1/s\n"
		      "          request:\n            cpu: { min: 2ms, max: 1ms } #<\n",
		  "tenants[0].groups[1].workload.request.cpu" },
		{ "trace file missing",
		  b + "      - name: h\n        workload:\n          kind: trace\n"
		      "          trace: { file: no-such-trace.csv } #<\n",
		  "tenants[0].groups[1].workload.trace.file" },
		{ "membw without a memory model",
		  b + "      - name: h\n        workload:\n          kind: poisson\n"
		      "          rate: 1/s\n          request:\n"
		      "            membw: 1MiB #<\n",
		  "tenants[0].groups[1].workload.request.membw" },
		{ "membw quota that blocks",
		  b + "      - name: h\n        manifest:\n          quotas:\n            membw: { "
		      "budget: 4GB/s, block: true } #<\n",
		  "tenants[0].groups[1].manifest.quotas.membw" },
		{ "membw quota not a rate",
		  b + "      - name: h\n        manifest:\n          quotas:\n            membw: { "
		      "budget: fast } #<\n",
		  "tenants[0].groups[1].manifest.quotas.membw.budget" },
		{ "memory profile of another kind",
		  "name: t\nduration: 1s\nmachine:\n  memory: { profile: pcie-gen5-x16, channels: "
		  "1 } #<\ntenants: [{name: a}]\n",
		  "machine.memory.profile" },
		{ "memory without channels",
		  "name: t\nduration: 1s\nmachine:\n  memory: { profile: ddr5-4800 } #<\n"
		  "tenants: [{name: a}]\n",
		  "machine.memory" },
		{ "memory channels out of range",
		  "name: t\nduration: 1s\nmachine:\n  memory: { profile: ddr5-4800, channels: "
		  "0 } #<\ntenants: [{name: a}]\n",
		  "machine.memory.channels" },
		{ "unknown quota kind",
		  b + "      - name: h\n        manifest:\n          quotas:\n            disk: { "
		      "budget: 1 } #<\n",
		  "tenants[0].groups[1].manifest.quotas.disk" },
		{ "stop before start",
		  b + "      - name: h\n        workload:\n          kind: poisson\n          "
		      "rate: 1/s\n"
		      "          start: 5ms\n          stop: 2ms #<\n",
		  "tenants[0].groups[1].workload.stop" },
		{ "gpu index out of range", b + "      - name: h\n        gpu: 1 #<\n",
		  "tenants[0].groups[1].gpu" },
		{ "partition index out of range", b + "      - name: h\n        partition: 2 #<\n",
		  "tenants[0].groups[1].partition" },
		{ "gpu without gpus",
		  "name: t\nduration: 1s\ntenants:\n  - name: a\n    groups:\n      - name: g\n"
		  "        gpu: 0 #<\n",
		  "tenants[0].groups[0].gpu" },
		{ "unknown gpu profile",
		  "name: t\nduration: 1s\nmachine:\n  gpus:\n    - profile: h200-nvl #<\n"
		  "tenants: [{name: a}]\n",
		  "machine.gpus[0].profile" },
		{ "profile name climbs out",
		  "name: t\nduration: 1s\nmachine:\n  gpus:\n    - profile: ../profiles/h100-sxm "
		  "#<\n"
		  "tenants: [{name: a}]\n",
		  "machine.gpus[0].profile" },
		{ "pcie profile of another kind",
		  "name: t\nduration: 1s\nmachine:\n  pcie: h100-sxm #<\ntenants: [{name: a}]\n",
		  "machine.pcie" },
		{ "partitions exceed HBM",
		  "name: t\nduration: 1s\nmachine:\n  gpus:\n    - profile: h100-sxm\n"
		  "      partitions:\n        - 60GiB\n        - 30GiB #<\ntenants: [{name: a}]\n",
		  "machine.gpus[0].partitions[1]" },
		{ "too many partitions",
		  "name: t\nduration: 1s\nmachine:\n  gpus:\n    - profile: rtx-4090\n"
		  "      partitions: [8GiB, 8GiB] #<\ntenants: [{name: a}]\n",
		  "machine.gpus[0].partitions" },
		{ "ring slots not a power of two",
		  "name: t\nduration: 1s\nmachine:\n  audit:\n    ring_slots: 300 #<\ntenants: "
		  "[{name: a}]\n",
		  "machine.audit.ring_slots" },
		{ "tpm nv index out of range",
		  "name: t\nduration: 1s\nmachine:\n  audit:\n    tpm_nv_index: 0x81000000 #<\n"
		  "tenants: [{name: a}]\n",
		  "machine.audit.tpm_nv_index" },
		{ "zero cpus",
		  "name: t\nduration: 1s\nmachine:\n  cpus: 0 #<\ntenants: [{name: a}]\n",
		  "machine.cpus" },
		{ "unknown event kind", b + "events:\n  - { at: 1ms, kind: reboot } #<\n",
		  "events[0].kind" },
		{ "event at beyond duration",
		  b + "events:\n  - { at: 2s, kind: kill, target: a } #<\n", "events[0].at" },
		{ "event field of another kind",
		  b + "events:\n  - { at: 1ms, kind: sealer.stall, duration: 1ms, path: /x } #<\n",
		  "events[0].path" },
		{ "event missing target", b + "events:\n  - { at: 1ms, kind: kill } #<\n",
		  "events[0].target" },
		{ "target unknown tenant",
		  b + "events:\n  - { at: 1ms, kind: kill, target: z } #<\n", "events[0].target" },
		{ "target unknown group",
		  b + "events:\n  - { at: 1ms, kind: kill, target: a/nope/0 } #<\n",
		  "events[0].target" },
		{ "agent index out of range",
		  b + "events:\n  - { at: 1ms, kind: kill, target: a/g/2 } #<\n",
		  "events[0].target" },
		{ "agent index before its spawn",
		  b + "events:\n  - { at: 5ms, kind: spawn, target: a/g/* }\n"
		      "  - { at: 1ms, kind: kill, target: a/g/2 } #<\n",
		  "events[1].target" },
		{ "agent index with leading zero",
		  b + "events:\n  - { at: 1ms, kind: kill, target: a/g/01 } #<\n",
		  "events[0].target" },
		{ "spawn of one agent",
		  b + "events:\n  - { at: 1ms, kind: spawn, target: a/g/0 } #<\n",
		  "events[0].target" },
		{ "unknown errno name",
		  b + "events:\n  - { at: 1ms, kind: kill, target: a, expect: -EWHATEVER } #<\n",
		  "events[0].expect" },
		{ "bad revoke cap",
		  b + "events:\n  - { at: 1ms, kind: cap.revoke, target: a, cap: \"gpu:x\" } #<\n",
		  "events[0].cap" },
		{ "unknown tier",
		  b + "events:\n  - { at: 1ms, kind: mem.tier, target: a, tier: nvram, bytes: 1 } "
		      "#<\n",
		  "events[0].tier" },
		{ "event gpu out of range",
		  b + "events:\n  - { at: 1ms, kind: gpu.partition.loss, gpu: 3 } #<\n",
		  "events[0].gpu" },
		{ "degrade percent 0",
		  b + "events:\n  - { at: 1ms, kind: pcie.degrade, percent: 0 } #<\n",
		  "events[0].percent" },
		{ "audit.query unknown type",
		  b + "events:\n  - { at: 1ms, kind: audit.query, target: a, type: vibes } #<\n",
		  "events[0].type" },
		{ "audit.query about a group",
		  b + "events:\n  - { at: 1ms, kind: audit.query, target: a, about: a/g/* } #<\n",
		  "events[0].about" },
		{ "audit.query about out of range",
		  b + "events:\n  - { at: 1ms, kind: audit.query, target: a, about: a/g/2 } #<\n",
		  "events[0].about" },
		{ "audit.query bad cap",
		  b + "events:\n  - { at: 1ms, kind: audit.query, target: a, cap: \"fs.nope\" } "
		      "#<\n",
		  "events[0].cap" },
		{ "audit.query max_events over the segment",
		  b + "events:\n  - { at: 1ms, kind: audit.query, target: a, max_events: 513 } "
		      "#<\n",
		  "events[0].max_events" },
		{ "attest takes no cap",
		  b + "events:\n  - { at: 1ms, kind: attest, target: a, cap: \"gpu:0/**\" } #<\n",
		  "events[0].cap" },
		{ "exit missing target", b + "events:\n  - { at: 1ms, kind: exit } #<\n",
		  "events[0].target" },
		{ "unknown gate kind", b + "gates:\n  - { kind: vibes } #<\n", "gates[0].kind" },
		{ "fairness bound 0", b + "gates:\n  - { kind: fairness, bound: 0 } #<\n",
		  "gates[0].bound" },
		{ "fairness bound not a number",
		  b + "gates:\n  - { kind: fairness, bound: fast } #<\n", "gates[0].bound" },
		{ "fairness unknown tenant",
		  b + "gates:\n  - kind: fairness\n    tenants: [a, b] #<\n",
		  "gates[0].tenants[1]" },
		{ "fairness unknown resource",
		  b + "gates:\n  - kind: fairness\n    resources: [disk] #<\n",
		  "gates[0].resources[0]" },
		{ "metric unknown",
		  b + "gates:\n  - { kind: metric, metric: vibes.total, value: 0 } #<\n",
		  "gates[0].metric" },
		{ "metric of unknown tenant",
		  b + "gates:\n  - { kind: metric, metric: tenant.z.completed, value: 0 } #<\n",
		  "gates[0].metric" },
		{ "metric bad op",
		  b + "gates:\n  - { kind: metric, metric: lsm.denies, op: \"=<\", value: 0 } #<\n",
		  "gates[0].op" },
		{ "metric missing value",
		  b + "gates:\n  - { kind: metric, metric: lsm.denies } #<\n", "gates[0].value" },
		{ "bound on a parity gate", b + "gates:\n  - { kind: audit.parity, bound: 2 } #<\n",
		  "gates[0].bound" },
		{ "fairness p99_max below 1",
		  b + "gates:\n  - { kind: fairness, p99_max: 0.5 } #<\n", "gates[0].p99_max" },
		{ "fairness p99_max not a ratio",
		  b + "gates:\n  - { kind: fairness, p99_max: 2x } #<\n", "gates[0].p99_max" },
		{ "p99_max on an isolation gate",
		  b + "  - name: c\ngates:\n  - { kind: isolation, tenants: [a], baseline: [c], "
		      "p99_max: 2 } #<\n",
		  "gates[0].p99_max" },
		{ "isolation baseline without tenants",
		  b + "  - name: c\ngates:\n  - { kind: isolation, baseline: [c] } #<\n",
		  "gates[0].tenants" },
		{ "isolation baseline empty",
		  b + "gates:\n  - { kind: isolation, tenants: [a], baseline: [] } #<\n",
		  "gates[0].baseline" },
		{ "counterfactual isolation without a flooder",
		  b + "gates:\n  - { kind: isolation } #<\n", "gates[0]" },
		{ "counterfactual isolation of a flooder",
		  b + "  - name: m\n    flooder: true\ngates:\n  - kind: isolation\n    tenants: "
		      "[a, m] #<\n",
		  "gates[0].tenants[1]" },
		{ "duration past 30 days", "name: t\nduration: 876600h #<\ntenants: [{name: a}]\n",
		  "duration" },
		{ "syscall_entry past 100us",
		  "name: t\nduration: 1s\nmachine:\n  syscall_entry: 876600h #<\ntenants: [{name: "
		  "a}]\n",
		  "machine.syscall_entry" },
		{ "spawned_by an unknown group", b + "      - name: h\n        spawned_by: x #<\n",
		  "tenants[0].groups[1].spawned_by" },
		{ "spawned_by a later group",
		  b + "      - name: h\n        spawned_by: i #<\n      - name: i\n",
		  "tenants[0].groups[1].spawned_by" },
		{ "spawned_by a group without agent.spawn",
		  b + "      - name: h\n        spawned_by: g #<\n",
		  "tenants[0].groups[1].spawned_by" },
		{ "root children past CO_AGENT_CHILDREN_MAX",
		  b + "      - name: h #<\n        count: 255\n", "tenants[0].groups[1].count" },
		{ "a spawner's children past CO_AGENT_CHILDREN_MAX",
		  b + "      - name: p\n        manifest: { caps: [agent.spawn] }\n"
		      "      - name: h #<\n        spawned_by: p\n        count: 257\n",
		  "tenants[0].groups[2].count" },
		{ "spawn events past CO_AGENT_CHILDREN_MAX",
		  b + "events:\n  - { at: 1ms, kind: spawn, target: a/g/*, count: 254 }\n"
		      "  - { at: 2ms, kind: spawn, target: a/g/* } #<\n",
		  "events[1].target" },
		{ "duplicate gate names",
		  b + "gates:\n  - { kind: audit.verify }\n  - { kind: audit.verify } #<\n",
		  "gates[1]" },
	};
}

// The line marked `#<`, 1-based; 1 when no line is marked.
int marked_line(const std::string &yaml)
{
	const std::size_t at = yaml.find("#<");
	if (at == std::string::npos)
		return 1;
	int line = 1;
	for (std::size_t i = 0; i < at; ++i)
		line += yaml[i] == '\n';
	return line;
}

// The text does not load, and the message says `says`.
void expect_refused(const std::string &yaml, const std::string &file, const std::string &says)
{
	try {
		cs::load_scenario_string(yaml, file, ".");
		ADD_FAILURE() << file << ": accepted, want: " << says;
	} catch (const cs::ScenarioError &e) {
		EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
	}
}

} // namespace

TEST(Malformed, EveryCaseNamesFileLineAndField)
{
	const auto all = cases();
	ASSERT_GE(all.size(), 40u);
	for (const Case &c : all) {
		SCOPED_TRACE(c.label);
		try {
			cs::load_scenario_string(c.yaml, "case.yaml", ".");
			ADD_FAILURE() << "accepted: " << c.label;
		} catch (const cs::ScenarioError &e) {
			const std::string msg = e.what();
			const std::string where =
				"case.yaml:" + std::to_string(marked_line(c.yaml)) + ":";
			EXPECT_EQ(msg.rfind(where, 0), 0u) << "want " << where << " in: " << msg;
			EXPECT_NE(e.field().find(c.field), std::string::npos)
				<< "want field " << c.field << " in: " << msg;
			EXPECT_NE(msg.find(c.field), std::string::npos) << msg;
			EXPECT_LT(msg.size(), 2000u) << "messages stay short";
			if (std::getenv("COCONUT_SHOW_MESSAGES") != nullptr)
				std::printf("%-32s %s\n", c.label, msg.c_str());
		}
	}
}

// The base the cases vary is itself valid, so each case fails for its own reason.
TEST(Malformed, BaseIsValid)
{
	EXPECT_NO_THROW(cs::load_scenario_string(head, "case.yaml", "."));
	EXPECT_NO_THROW(cs::load_scenario_string(
		head + "events:\n  - { at: 5ms, kind: spawn, target: a/g/* }\n"
		       "  - { at: 5ms, kind: kill, target: a/g/2 }\n",
		"case.yaml", "."));
}

// The agent tree's limits as run meets them: 256 children per agent (a kill or exit earlier in
// the tenant may free slots, so spawns after one are the kernel's to judge), depth 16.
TEST(Malformed, AgentTreeWithinTheKernelsLimits)
{
	// 2 + 254 children of the root: exactly the kernel's 256.
	EXPECT_NO_THROW(cs::load_scenario_string(
		head + "events:\n  - { at: 1ms, kind: spawn, target: a/g/*, count: 254 }\n",
		"case.yaml", "."));
	EXPECT_NO_THROW(cs::load_scenario_string(
		head + "events:\n  - { at: 1ms, kind: spawn, target: a/g/*, count: 254 }\n"
		       "  - { at: 2ms, kind: exit, target: a/g/0 }\n"
		       "  - { at: 3ms, kind: spawn, target: a/g/* }\n",
		"case.yaml", "."));
	// Two spawners share a group of 512: 256 children each.
	EXPECT_NO_THROW(cs::load_scenario_string(
		head + "      - name: p\n        count: 2\n        manifest: { caps: [agent.spawn] "
		       "}\n"
		       "      - name: h\n        spawned_by: p\n        count: 512\n",
		"case.yaml", "."));
	// A chain of spawning groups: group k's agents are at depth k + 2; 16 is the deepest.
	std::string chain = head;
	for (int k = 0; k < 15; k++) {
		chain += "      - name: c" + std::to_string(k) + "\n";
		chain += "        manifest: { caps: [agent.spawn] }\n";
		if (k > 0)
			chain += "        spawned_by: c" + std::to_string(k - 1) + "\n";
	}
	const cs::Scenario deepest = cs::load_scenario_string(chain, "case.yaml", ".");
	EXPECT_EQ(cs::group_depth(deepest.tenants[0], deepest.tenants[0].groups.size() - 1), 16u);
	expect_refused(chain + "      - name: c15\n        spawned_by: c14\n", "case.yaml",
		       "spawn depth 17 is past the kernel's 16");
}

// A file within the size limit but with millions of nodes is refused by counting them, before
// yaml-cpp builds its tree (issue 16 item 3: 8.4 M list items took 3.9 GB and 23 s, and under
// a 2 GB address-space limit ended in std::bad_alloc). Block and flow lists alike; the line is
// where the count ran out.
TEST(Malformed, TooManyNodesRefusedBeforeTheTree)
{
	const std::string top = "name: t\nduration: 1s\ntenants: [{name: a}]\njunk:\n";
	std::string block = top, flow = top + "  [";
	for (int i = 0; i < 300000; i++) {
		block += "- 1\n";
		flow += "1,";
	}
	flow += "1]\n";
	for (const std::string &yaml : { block, flow })
		expect_refused(yaml, "many.yaml", "more than 250000 YAML nodes");
	// Under the limit, the same list is only an unknown key.
	std::string fewer = top;
	for (int i = 0; i < 1000; i++)
		fewer += "- 1\n";
	expect_refused(fewer, "fewer.yaml", "unknown key 'junk'");
}

// Messages say what is expected, not only what is wrong.
TEST(Malformed, MessagesListTheChoices)
{
	try {
		cs::load_scenario_string(head + "tenents: []\n", "case.yaml", ".");
		FAIL();
	} catch (const cs::ScenarioError &e) {
		EXPECT_NE(std::string(e.what()).find(
				  "unknown key 'tenents' (expected one of: name, "
				  "description, seed, duration, warmup, policy, "
				  "machine, tenants, events, gates)"),
			  std::string::npos)
			<< e.what();
	}
}

// Nesting yaml-cpp refuses (near 500 levels) is reported as too deep, not as yaml-cpp's "bad
// file"; block and flow alike. A deep but accepted file is not refused for its depth.
TEST(Malformed, NestingTooDeepSaysSo)
{
	std::string block = "name: t\nx:\n";
	for (int i = 0; i < 600; i++)
		block += std::string((size_t)i + 1, ' ') + "a" + std::to_string(i) + ":\n";
	const std::string flow = "name: t\nx: " + std::string(600, '[') + std::string(600, ']');
	for (const std::string &yaml : { block, flow })
		expect_refused(yaml, "deep.yaml", "nesting too deep: ");
	try {
		cs::load_scenario_string("name: t\nx: " + std::string(20, '[') +
						 std::string(20, ']'),
					 "shallow.yaml", ".");
		ADD_FAILURE() << "accepted";
	} catch (const cs::ScenarioError &e) {
		EXPECT_EQ(std::string(e.what()).find("nesting"), std::string::npos) << e.what();
	}
}
