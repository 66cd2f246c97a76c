// What the fair-share tests share: an instance on the deterministic UserPlatform that checks
// its own consistency and leaks on the way out, and entities with stable test ids.
#ifndef COCONUT_SCHED_UTIL_H
#define COCONUT_SCHED_UTIL_H

#include "sched_int.h"
#include "user_platform.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

namespace sched_test {

struct Sched {
	coconut::UserPlatform up;
	co_plat plat;
	co_sched *s = nullptr;

	explicit Sched(u32 policy, u32 lanes_max = 64, u32 tenants_max = 16,
		       u32 resource = CO_SCHED_RES_CPU)
		: plat(up.plat())
	{
		s = co_sched_create(&plat, resource, policy, lanes_max, tenants_max);
		EXPECT_NE(s, nullptr);
	}
	Sched(const Sched &) = delete;
	Sched &operator=(const Sched &) = delete;
	~Sched()
	{
		if (s) {
			// Queued entities may already be gone (declared after this, destroyed first):
			// check only what needs no entity.
			if (stats().queued == 0) {
				EXPECT_TRUE(co_sched_check(s));
			}
			co_sched_destroy(s);
		}
		EXPECT_EQ(up.live_allocations(), 0u);
	}

	co_sched_stats stats() const
	{
		co_sched_stats st;
		co_sched_get_stats(s, &st);
		return st;
	}
	struct co_sched_tenant_info tenant(u32 id) const
	{
		struct co_sched_tenant_info ti{};
		EXPECT_EQ(co_sched_get_tenant_info(s, id, &ti), 0) << "tenant " << id;
		return ti;
	}
};

// Entities with an id (their index), so picks compare by identity, never by address.
struct Entities {
	std::vector<co_sched_entity> e;
	explicit Entities(size_t n) : e(n) {}
	co_sched_entity *at(size_t i) { return &e[i]; }
	int id_of(const co_sched_entity *p) const
	{
		if (!p)
			return -1;
		return (int)(p - e.data());
	}
	// Queues entity i on aid's lane.
	int enqueue(co_sched *s, size_t i, u64 aid)
	{
		e[i].aid = aid;
		return co_sched_enqueue(s, &e[i]);
	}
};

} // namespace sched_test

#endif // COCONUT_SCHED_UTIL_H
