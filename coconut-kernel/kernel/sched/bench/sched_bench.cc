// One scheduling decision as the simulator makes it: pick the next entity, charge what it was
// served (1..64 units, varying), queue it again. Every lane holds two entities, so all lanes
// stay backlogged and each pick chooses among all of them. Tenants: one per lane up to 200,
// then 200 tenants sharing the lanes (4096 lanes: ~20 per tenant, the 200-tenant scenario).
// Weights vary (1..4) so the fair heaps really reorder. Every call's answer is checked.
#include "user_platform.h"

#include "coconut/sched.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

void fail(const char *what)
{
	std::fprintf(stderr, "sched_bench: %s\n", what);
	std::abort();
}

void BM_sched_cycle(benchmark::State &state)
{
	const u32 policy = (u32)state.range(0);
	const u32 lanes = (u32)state.range(1);
	const u32 tenants = lanes < 200 ? lanes : 200;
	coconut::UserPlatform up;
	co_plat plat = up.plat();
	co_sched *s = co_sched_create(&plat, CO_SCHED_RES_GPU, policy, lanes, tenants);
	if (!s)
		fail("create");
	std::vector<co_sched_entity> es(2 * (size_t)lanes);
	for (u32 i = 0; i < lanes; i++) {
		u64 aid = 1000 + 3 * (u64)i;
		if (co_sched_lane_add(s, aid, i % tenants, 1 + i % 4) != 0)
			fail("lane_add");
		for (u32 j = 0; j < 2; j++) {
			es[2 * i + j].aid = aid;
			if (co_sched_enqueue(s, &es[2 * i + j]) != 0)
				fail("enqueue");
		}
	}
	for (u32 t = 0; t < tenants; t++)
		if (co_sched_tenant_set_weight(s, t, 1 + t % 3) != 0)
			fail("tenant_set_weight");
	u64 x = 0x9e3779b97f4a7c15ull;
	for (auto _ : state) {
		co_sched_entity *e = co_sched_pick(s);
		if (!e)
			fail("pick");
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if (co_sched_charge(s, e->aid, 1 + (x >> 58)) != 0 || co_sched_enqueue(s, e) != 0)
			fail("charge/enqueue");
	}
	state.SetLabel(co_sched_policy_name(policy));
	state.SetItemsProcessed((int64_t)state.iterations());
	co_sched_destroy(s);
}

BENCHMARK(BM_sched_cycle)
	->Name("sched/cycle")
	->ArgNames({ "policy", "lanes" })
	->ArgsProduct({ { CO_SCHED_FAIR, CO_SCHED_FIFO, CO_SCHED_PER_PROCESS }, { 4, 200, 4096 } });

} // namespace

BENCHMARK_MAIN();
