// Drives one scheduler instance and the reference model (sched_model.h) through the same calls
// and compares everything a caller can observe after each one. Shared by the RapidCheck
// property (sched_prop_test.cc) and the fuzzer (../fuzz/sched_fuzz.cc), so both explore the
// same call language: an op is four numbers, decoded into one call (or a few picks put back).
//
// A mismatch is returned as text naming the op and what differed; empty means all agreed.
#ifndef COCONUT_SCHED_DRIVER_H
#define COCONUT_SCHED_DRIVER_H

#include "sched_int.h"
#include "sched_model.h"
#include "user_platform.h"

#include <string>
#include <tuple>

namespace sched_driver {

// Small on purpose: 8 lanes over 14 AIDs and 4 tenants over 6 ids keep -ENOSPC, -EEXIST and
// -ENOENT frequent, and 24 entities keep lanes several deep.
constexpr u32 kLanesMax = 8, kTenantsMax = 4, kAids = 14, kTenantIds = 6, kEntities = 24;

using Op = std::tuple<uint8_t, uint16_t, uint16_t, uint16_t>;

inline u32 weight_of(u16 c)
{
	if (c % 23 == 0)
		return c % 2 ? 0 : CO_SCHED_WEIGHT_MAX + 1; // out of range now and then
	if (c % 17 == 0)
		return CO_SCHED_WEIGHT_MAX;
	return 1 + c % 8;
}

// Lag limits from none to a few turns' worth, and now and then past the limit (-EINVAL).
inline u64 lag_of(u16 b, u16 c)
{
	if (c % 29 == 0)
		return CO_SCHED_LAG_UNITS_MAX + 1 + b;
	return (c % 3 == 0) ? 0 : (u64)(b % 300);
}

inline u64 units_of(u16 b, u16 c)
{
	if (c % 31 == 0)
		return UINT64_MAX / (1 + b % 3); // saturation
	return c % 100;
}

class Driver {
public:
	explicit Driver(u32 policy)
		: plat_(up_.plat()), m_(policy, kLanesMax, kTenantsMax, kEntities), es_(kEntities)
	{
		s_ = co_sched_create(&plat_, CO_SCHED_RES_TOKENS, policy, kLanesMax, kTenantsMax);
	}
	Driver(const Driver &) = delete;
	Driver &operator=(const Driver &) = delete;
	~Driver() { co_sched_destroy(s_); }

	bool created() const { return s_ != nullptr; }
	const coconut::UserPlatform &platform() const { return up_; }

	// Runs op on both and compares; "" when everything agrees.
	std::string step(const Op &op)
	{
		const auto &[k, a, b, c] = op;
		u64 aid = a % (kAids + 1);
		u32 tenant = b % kTenantIds;
		size_t ent = a % kEntities;
		std::string err;
		auto same = [&err](int got, int want, const char *call) {
			if (err.empty() && got != want)
				err = std::string(call) + ": got " + std::to_string(got) + ", model " +
				      std::to_string(want);
		};
		switch (k % 21) {
		case 0:
		case 1:
			same(co_sched_lane_add(s_, aid, tenant, weight_of(c)),
			     m_.lane_add(aid, tenant, weight_of(c)), "lane_add");
			break;
		case 2:
			same(co_sched_lane_remove(s_, aid), m_.lane_remove(aid), "lane_remove");
			break;
		case 3:
			same(co_sched_lane_set_weight(s_, aid, weight_of(c)),
			     m_.lane_set_weight(aid, weight_of(c)), "lane_set_weight");
			break;
		case 4:
			same(co_sched_tenant_set_weight(s_, tenant, weight_of(c)),
			     m_.tenant_set_weight(tenant, weight_of(c)), "tenant_set_weight");
			break;
		case 5:
		case 6:
		case 7:
		case 8:
			// A queued entity keeps its lane (the scheduler owns it); else a new one.
			if (!m_.ents[ent].queued) {
				es_[ent].aid = 1 + b % kAids;
				m_.ents[ent].aid = es_[ent].aid;
			}
			same(co_sched_enqueue(s_, &es_[ent]), m_.enqueue((int)ent), "enqueue");
			break;
		case 9:
		case 10:
		case 11: {
			co_sched_entity *e = pick(err);
			if (e && c % 2)
				same(co_sched_charge(s_, e->aid, units_of(b, c)),
				     m_.charge(e->aid, units_of(b, c)), "charge");
			break;
		}
		case 12:
			if (!picked_.empty() && b % 4) {
				same(co_sched_putback(s_, &es_[picked_.back()]), m_.putback(picked_.back()),
				     "putback");
				picked_.pop_back();
			} else {
				// Any entity: queued ones answer -EALREADY.
				same(co_sched_putback(s_, &es_[ent]), m_.putback((int)ent), "putback");
			}
			break;
		case 13:
			same(co_sched_cancel(s_, &es_[ent]), m_.cancel((int)ent), "cancel");
			break;
		case 14:
			same(co_sched_charge(s_, aid, units_of(b, c)), m_.charge(aid, units_of(b, c)),
			     "charge");
			break;
		case 16:
			same(co_sched_set_lag_limit(s_, lag_of(b, c)), m_.set_lag(lag_of(b, c)),
			     "set_lag_limit");
			break;
		case 17:
			same(co_sched_tenant_hold(s_, tenant), m_.hold(tenant), "tenant_hold");
			break;
		case 18:
			co_sched_release_holds(s_);
			m_.release();
			break;
		case 19:
			same(co_sched_wakeup_preempts(s_, aid, 1 + c % kAids),
			     m_.wakeup_preempts(aid, 1 + c % kAids), "wakeup_preempts");
			break;
		case 20:
			// Contention as a device asks it: about an entity it picked and serves now.
			if (!picked_.empty() && !m_.ents[picked_.back()].queued)
				same(co_sched_contended(s_, &es_[picked_.back()]),
				     m_.contended(picked_.back()), "contended");
			break;
		default: {
			// Several picks put back at once, in reverse: the next picks repeat them.
			size_t n = 1 + c % 4, before = picked_.size();
			for (size_t i = 0; i < n; i++)
				pick(err);
			for (size_t i = picked_.size(); i > before; i--) {
				same(co_sched_putback(s_, &es_[picked_.back()]), m_.putback(picked_.back()),
				     "putback");
				picked_.pop_back();
			}
			break;
		}
		}
		if (err.empty())
			err = compare();
		if (!err.empty())
			err = "op (" + std::to_string(k % 21) + ", " + std::to_string(a) + ", " +
			      std::to_string(b) + ", " + std::to_string(c) + "): " + err;
		return err;
	}

	// Picks until both are empty, comparing each pick.
	std::string drain()
	{
		std::string err;
		co_sched_release_holds(s_);
		m_.release();
		for (u32 i = 0; i <= kEntities && err.empty(); i++)
			pick(err);
		return err.empty() ? compare() : err;
	}

	// Everything a caller can observe, and the instance's own consistency.
	std::string compare() const
	{
		if (!co_sched_check(s_))
			return "co_sched_check failed";
		for (u64 aid = 0; aid <= kAids; aid++)
			if (co_sched_lane_queued(s_, aid) != m_.lane_queued(aid))
				return "lane_queued(" + std::to_string(aid) + ")";
		for (u32 id = 0; id < kTenantIds; id++) {
			struct co_sched_tenant_info ti {};
			int rc = co_sched_get_tenant_info(s_, id, &ti);
			auto it = m_.tenants.find(id);
			if (it == m_.tenants.end()) {
				if (rc != -ENOENT)
					return "tenant_info of an unseen tenant " + std::to_string(id);
				continue;
			}
			const auto &t = it->second;
			if (rc != 0 || ti.tenant != id || ti.weight != t.weight ||
			    ti.counter != t.counter || ti.raw_counter != t.raw ||
			    ti.served_units != t.served ||
			    ti.queued != m_.tenant_queued(id) || ti.lanes != m_.tenant_lanes(id) ||
			    ti.backlogged != (ti.queued > 0) || ti.held != t.held)
				return "tenant_info(" + std::to_string(id) + ")";
		}
		co_sched_stats st;
		co_sched_get_stats(s_, &st);
		const co_sched_stats &w = m_.st;
		if (st.enqueues != w.enqueues || st.picks != w.picks || st.putbacks != w.putbacks ||
		    st.charged_units != w.charged_units || st.lanes != w.lanes ||
		    st.tenants != w.tenants || st.queued != w.queued ||
		    st.max_backlogged_spread != w.max_backlogged_spread || st.vtime != w.vtime ||
		    st.backlogged_weight != w.backlogged_weight ||
		    st.backlogged_lanes != w.backlogged_lanes)
			return "stats";
		if (co_sched_lag_limit(s_) != m_.lag)
			return "lag limit";
		for (size_t i = 0; i < kEntities; i++) {
			if ((es_[i].queued != 0) != m_.ents[i].queued)
				return "entity " + std::to_string(i) + " queued flag";
			if (m_.ents[i].queued && es_[i].seq != m_.ents[i].seq)
				return "entity " + std::to_string(i) + " seq";
		}
		return "";
	}

private:
	co_sched_entity *pick(std::string &err)
	{
		co_sched_entity *e = co_sched_pick(s_);
		int got = e ? (int)(e - es_.data()) : -1;
		int want = m_.pick();
		if (got != want && err.empty())
			err = "pick: got " + std::to_string(got) + ", model " + std::to_string(want);
		if (e)
			picked_.push_back(got);
		return e;
	}

	coconut::UserPlatform up_;
	co_plat plat_;
	co_sched *s_ = nullptr;
	sched_model::Model m_;
	std::vector<co_sched_entity> es_;
	std::vector<int> picked_; // most recent last: put back from the end
};

} // namespace sched_driver

#endif // COCONUT_SCHED_DRIVER_H
