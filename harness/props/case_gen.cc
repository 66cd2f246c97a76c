// See case_gen.h.
#include "case_gen.h"

#include <cassert>
#include <sstream>

namespace coconut::props {

rc::Gen<CaseSpec> gen_case(u32 agents_max, u32 duration_ms_max)
{
	assert(agents_max >= 1 && duration_ms_max >= 20);
	return rc::gen::exec([agents_max, duration_ms_max] {
		CaseSpec c;
		c.seed = *rc::gen::inRange<u64>(1, 1u << 20);
		c.cpus = *rc::gen::inRange<u32>(1, 9);
		c.gpus = *rc::gen::inRange<u32>(1, 3);
		c.partitions = *rc::gen::inRange<u32>(1, 3);
		c.gen5 = *rc::gen::arbitrary<bool>();
		c.ring_slots_log2 = *rc::gen::inRange<u32>(3, 9);
		c.duration_ms = *rc::gen::inRange<u32>(20, duration_ms_max + 1);
		const u32 tenants = *rc::gen::inRange<u32>(1, 5);
		u32 agents = 0;
		for (u32 t = 0; t < tenants && agents < agents_max; t++) {
			TenantCase tc;
			const u32 groups = *rc::gen::inRange<u32>(1, 3);
			for (u32 g = 0; g < groups && agents < agents_max; g++) {
				GroupCase gc;
				gc.count =
					std::min(*rc::gen::inRange<u32>(1, 4), agents_max - agents);
				agents += gc.count;
				gc.weight = *rc::gen::inRange<u32>(1, 5);
				gc.closed_loop = *rc::gen::arbitrary<bool>();
				gc.rate_per_s = *rc::gen::inRange<u32>(5, 400);
				gc.concurrency = *rc::gen::inRange<u32>(1, 4);
				gc.cpu_us = *rc::gen::inRange<u32>(10, 4000);
				gc.dma_kib = *rc::gen::element<u32>(0, 0, 64, 512, 4096, 32768);
				gc.gpu_us = *rc::gen::element<u32>(0, 0, 100, 1000, 5000);
				gc.prompt_tokens = *rc::gen::element<u32>(0, 0, 16, 128, 1024);
				gc.gen_tokens = *rc::gen::inRange<u32>(1, 64);
				gc.fs_read = *rc::gen::arbitrary<bool>();
				gc.gpu = *rc::gen::inRange<u32>(0, c.gpus);
				gc.partition = *rc::gen::inRange<u32>(0, c.partitions);
				tc.groups.push_back(gc);
			}
			tc.weight = *rc::gen::inRange<u32>(1, 5);
			c.tenants.push_back(tc);
		}
		c.swarm = *rc::gen::inRange<u32>(0, 1u << static_cast<u32>(Fault::Count));
		c.backlog = *rc::gen::inRange<u32>(0, 4) == 0;
		const u32 events = *rc::gen::inRange<u32>(0, 13);
		for (u32 i = 0; i < events; i++) {
			EventCase e;
			e.kind = static_cast<Fault>(
				*rc::gen::inRange<u32>(0, static_cast<u32>(Fault::Count)));
			e.at_permille = *rc::gen::inRange<u32>(0, 1000);
			e.tenant = *rc::gen::inRange<u32>(0, 4);
			e.group = *rc::gen::inRange<u32>(0, 2);
			e.agent = *rc::gen::inRange<u32>(0, 3);
			e.arg = *rc::gen::inRange<u32>(0, 1000);
			c.events.push_back(e);
		}
		return c;
	});
}

namespace {

std::string caps_of(u32 t, const GroupCase &g)
{
	return "[\"inference:kvwarden\", \"gpu:" + std::to_string(g.gpu) + "/partition/" +
	       std::to_string(g.partition) + "\", \"fs.read:/data/t" + std::to_string(t) + "/**\"]";
}

std::string cap_n(u32 t, const GroupCase &g, u32 n)
{
	switch (n % 3) {
	case 0:
		return "inference:kvwarden";
	case 1:
		return "gpu:" + std::to_string(g.gpu) + "/partition/" + std::to_string(g.partition);
	default:
		return "fs.read:/data/t" + std::to_string(t) + "/**";
	}
}

} // namespace

std::string to_yaml(const CaseSpec &c)
{
	std::ostringstream y;
	y << "# A generated whole-system case (harness/props/case_gen.cc).\n"
	  << "name: " << (c.backlog ? "backlog-case" : "case") << "\nseed: " << c.seed
	  << "\nduration: " << c.duration_ms
	  << "ms\n"
	  // A backlog case has one CPU: an agent runs one job at a time, so on more cores than a
	  // heavy tenant has agents its share could not be used and weights could not hold.
	  << "policy: fair\nmachine:\n  cpus: " << (c.backlog ? 1 : c.cpus) << "\n  gpus:\n";
	for (u32 g = 0; g < c.gpus; g++) {
		y << "    - profile: h100-sxm\n";
		if (c.partitions > 1)
			y << "      partitions: [40GiB, 40GiB]\n";
	}
	y << "  pcie: " << (c.gen5 ? "pcie-gen5-x16" : "pcie-gen4-x16")
	  << "\n  tpm: tpm2-discrete\n  ssd: nvme-gen4\n  audit: { ring_slots: "
	  << (1u << c.ring_slots_log2) << " }\n"
	  << (c.backlog ? "  sched_lag: 0s\n" : "") << "tenants:\n";
	for (u32 t = 0; t < c.tenants.size(); t++) {
		// The root holds what its groups use and may grant it back (cap.grant:<cap>).
		y << "  - name: t" << t
		  << (c.backlog ? "\n    weight: " + std::to_string(c.tenants[t].weight) : "")
		  << "\n    caps: [\"inference:kvwarden\", \"cap.grant:inference:kvwarden\"";
		for (u32 g = 0; g < c.gpus; g++)
			y << ", \"gpu:" << g << "/**\", \"cap.grant:gpu:" << g << "/**\"";
		y << ", \"fs.read:/data/t" << t << "/**\", \"cap.grant:fs.read:/data/t" << t
		  << "/**\"]\n    groups:\n";
		for (u32 gi = 0; gi < c.tenants[t].groups.size(); gi++) {
			const GroupCase &g = c.tenants[t].groups[gi];
			y << "      - name: g" << gi << "\n        count: " << g.count
			  << "\n        gpu: " << g.gpu << "\n        partition: " << g.partition
			  << "\n        manifest: { caps: " << caps_of(t, g)
			  << ", weight: " << g.weight << " }\n        workload:\n";
			if (c.backlog) {
				// Jobs of 1..4 ms, longer than the 1 ms slice: the CPU is the
				// bottleneck (shorter ones leave it idle behind the requests' other
				// steps, and nobody is backlogged long enough for weights to show).
				y << "          kind: closed-loop\n          concurrency: 8\n"
				  << "          request:\n            cpu: "
				  << 1000 + g.cpu_us % 3000 << "us\n";
				continue;
			}
			if (g.closed_loop)
				y << "          kind: closed-loop\n          concurrency: "
				  << g.concurrency << "\n          think: 1ms\n";
			else
				y << "          kind: poisson\n          rate: " << g.rate_per_s
				  << "/s\n";
			y << "          request:\n            cpu: " << g.cpu_us << "us\n";
			if (g.dma_kib)
				y << "            dma: " << g.dma_kib << "KiB\n";
			if (g.gpu_us)
				y << "            gpu: " << g.gpu_us << "us\n";
			if (g.prompt_tokens)
				y << "            prompt_tokens: " << g.prompt_tokens
				  << "\n            gen_tokens: " << g.gen_tokens << "\n";
			if (g.fs_read)
				y << "            fs_read: { paths: [\"/data/t" << t
				  << "/f\"], bytes: 64KiB }\n";
		}
	}
	std::ostringstream ev; // the events, "events: []" when the swarm left none
	u32 rendered = 0;
	const u64 dur_us = static_cast<u64>(c.duration_ms) * 1000;
	for (const EventCase &e : c.events) {
		if (!(c.swarm >> static_cast<u32>(e.kind) & 1u) || c.tenants.empty() || c.backlog)
			continue;
		const u32 t = e.tenant % c.tenants.size();
		const TenantCase &tc = c.tenants[t];
		const u32 gi = e.group % tc.groups.size();
		const GroupCase &g = tc.groups[gi];
		const std::string agent = "t" + std::to_string(t) + "/g" + std::to_string(gi) +
					  "/" + std::to_string(e.agent % g.count);
		const u64 at_us = dur_us * e.at_permille / 1000;
		ev << "  - { at: " << at_us << "us, kind: ";
		switch (e.kind) {
		case Fault::Revoke:
			// One in five takes the cap from the tenant's root: what it granted from
			// it goes too (the cascade).
			if (e.arg % 5 == 4)
				ev << "cap.revoke, target: \"t" << t << "\", cap: \""
				   << (e.arg % 2 ? "inference:kvwarden"
						 : "fs.read:/data/t" + std::to_string(t) + "/**")
				   << "\"";
			else
				ev << "cap.revoke, target: \"" << agent << "\", cap: \""
				   << cap_n(t, g, e.arg) << "\"";
			break;
		case Fault::Grant:
			ev << "cap.grant, target: \"" << agent << "\", cap: \""
			   << cap_n(t, g, e.arg) << "\"";
			break;
		case Fault::Quarantine:
			ev << "quarantine, target: \"" << agent << "\" }\n";
			// Released again after 1..50 ms when arg is odd (if the run lasts).
			if (e.arg % 2 && at_us + (1 + e.arg % 50) * 1000 < dur_us)
				ev << "  - { at: " << at_us + (1 + e.arg % 50) * 1000
				   << "us, kind: release, target: \"" << agent << "\"";
			else // a release the state machine must refuse: the agent is not quarantined
				ev << "  - { at: " << at_us << "us, kind: release, target: \""
				   << agent << "\" }\n  - { at: " << at_us
				   << "us, kind: release, target: \"" << agent << "\"";
			break;
		case Fault::Kill:
			ev << "kill, target: \""
			   << (e.arg % 4 == 0 ? "t" + std::to_string(t) : agent) << "\"";
			break;
		case Fault::Exit:
			ev << "exit, target: \"" << agent << "\"";
			break;
		case Fault::RingPressure:
			ev << "ring.pressure, target: \"" << agent
			   << "\", count: " << 1 + e.arg % 512;
			break;
		case Fault::SealerStall:
			ev << "sealer.stall, duration: " << 1 + e.arg % 50 << "ms";
			break;
		case Fault::TpmWriteFail:
			ev << "tpm.write.fail, count: " << 1 + e.arg % 3;
			break;
		case Fault::PcieDegrade:
			ev << "pcie.degrade, gpu: " << e.arg % c.gpus
			   << ", percent: " << 10 + e.arg % 80 << ", duration: "
			   << (e.arg % 3 ? std::to_string(1 + e.arg % 40) + "ms" : "0s");
			break;
		case Fault::PartitionLoss:
			ev << "gpu.partition.loss, gpu: " << e.arg % c.gpus
			   << ", partition: " << (e.arg / 2) % c.partitions;
			break;
		case Fault::Spawn:
			ev << "spawn, target: \"t" << t << "/g" << gi << "/*\", count: 1";
			break;
		case Fault::Count:
			assert(false);
			break;
		}
		ev << " }\n";
		rendered++;
	}
	y << (rendered ? "events:\n" + ev.str() : std::string("events: []\n"));
	y << "gates:\n"
	  << "  - { kind: audit.parity }\n"
	  << "  - { kind: audit.verify }\n"
	  << "  - { kind: no.use.after.revoke }\n"
	  << "  - { kind: metric, name: no.unsealed.at.end, metric: audit.pending_at_end, "
	     "op: \"==\", value: 0 }\n"
	  << "  - { kind: metric, name: no.use.after.revoke.metric, metric: use_after_revoke, "
	     "op: \"==\", value: 0 }\n";
	return y.str();
}

} // namespace coconut::props
