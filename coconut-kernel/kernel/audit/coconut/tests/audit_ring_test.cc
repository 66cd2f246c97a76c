// Rings and the sealer's drain: configuration checks and allocation failures, backpressure (a
// full ring refuses, never overwrites, and accepts again after a seal), the documented total
// order across CPUs, independence of that order from the interleaving of appends to different
// CPUs (RapidCheck, against a model that sorts and hashes on its own), determinism across
// instances, the sealed window, and the platform rules (UserPlatform flags a lock held across a
// platform call other than now_ns/cpu_id, and leaks).
#include "audit_test_util.h"

#include <rapidcheck/gtest.h>

#include <algorithm>
#include <tuple>
#include <vector>

using namespace audit_test;

namespace {

// The sealed events, in chain order, from an unfiltered export.
std::vector<co_audit_event> chain_events(Audit &a)
{
	std::vector<co_audit_event> out;
	for (const auto &r : parse_segment(a.export_range()).records)
		out.push_back(r.ev);
	return out;
}

TEST(AuditInit, RejectsBadConfigs)
{
	coconut::UserPlatform fp(4);
	const co_plat p = fp.plat();
	co_audit a;
	auto rc = [&](co_audit_config c) {
		int r = co_audit_init(&a, &p, &c);
		if (r == 0)
			co_audit_destroy(&a);
		return r;
	};
	EXPECT_EQ(rc(small_config(4)), 0);
	EXPECT_EQ(rc(small_config(0)), -EINVAL);
	EXPECT_EQ(rc(small_config(3)), -EINVAL) << "fewer rings than the platform's CPUs";
	EXPECT_EQ(rc(small_config(CO_AUDIT_CPUS_MAX + 1, 1)), -EINVAL);
	EXPECT_EQ(rc(small_config(4, 0)), -EINVAL);
	EXPECT_EQ(rc(small_config(4, 24)), -EINVAL) << "not a power of two";
	EXPECT_EQ(rc(small_config(4, CO_AUDIT_RING_SLOTS_MAX * 2)), -EINVAL);
	EXPECT_EQ(rc(small_config(32, CO_AUDIT_RING_SLOTS_MAX)), -EINVAL) << "too big together";
	EXPECT_EQ(rc(small_config(16, CO_AUDIT_RING_SLOTS_MAX)), 0);
	EXPECT_EQ(rc(small_config(4, 16, 0)), -EINVAL);
	EXPECT_EQ(rc(small_config(4, 16, CO_AUDIT_LOG_EVENTS_MAX + 1)), -EINVAL);
	EXPECT_EQ(rc(small_config(4, 16, CO_AUDIT_LOG_EVENTS_MAX)), 0);
	EXPECT_EQ(co_audit_init(&a, &p, nullptr), -EINVAL);
	EXPECT_EQ(co_audit_init(&a, nullptr, nullptr), -EINVAL);

	co_audit_config d;
	co_audit_config_default(&d, 4);
	EXPECT_EQ(d.ring_slots, static_cast<u32>(CO_AUDIT_RING_SLOTS_DEFAULT));
	EXPECT_EQ(d.log_events, static_cast<u32>(CO_AUDIT_LOG_EVENTS_DEFAULT));
	EXPECT_EQ(rc(d), 0);

	// Anchoring needs a TPM; a platform without one is fine when nothing anchors.
	co_plat_ops no_tpm = fp.ops();
	no_tpm.tpm_nv_write = nullptr;
	const co_plat q{&no_tpm, &fp};
	co_audit_config c = small_config(4, 16, 64, 8, 0);
	EXPECT_EQ(co_audit_init(&a, &q, &c), -EINVAL);
	c = small_config(4, 16, 64, 0, 100);
	EXPECT_EQ(co_audit_init(&a, &q, &c), -EINVAL);
	c = small_config(4, 16, 64, 0, 0);
	EXPECT_EQ(co_audit_init(&a, &q, &c), 0);
	co_audit_destroy(&a);

	// Locks are all or nothing.
	co_plat_ops half_lock = fp.ops();
	half_lock.unlock = nullptr;
	const co_plat h{&half_lock, &fp};
	EXPECT_EQ(co_audit_init(&a, &h, &c), -EINVAL);

	co_plat_ops no_clock = fp.ops();
	no_clock.now_ns = nullptr;
	const co_plat n{&no_clock, &fp};
	EXPECT_EQ(co_audit_init(&a, &n, &c), -EINVAL);

	EXPECT_EQ(fp.live_allocations(), 0u);
	EXPECT_TRUE(fp.violations().empty());
}

TEST(AuditInit, AllocationFailuresLeakNothing)
{
	for (long at = 0; at < 3; at++) {
		coconut::UserPlatform fp(2);
		fp.fail_allocation_in(at);
		const co_plat p = fp.plat();
		const co_audit_config c = small_config(2);
		co_audit a;
		EXPECT_EQ(co_audit_init(&a, &p, &c), -ENOMEM) << "allocation " << at;
		EXPECT_EQ(fp.live_allocations(), 0u);
		EXPECT_TRUE(fp.violations().empty());
	}
}

TEST(AuditInit, PlatformWithoutLocksWorks)
{
	coconut::UserPlatform fp(1);
	co_plat_ops no_locks = fp.ops();
	no_locks.lock_create = nullptr;
	no_locks.lock_destroy = nullptr;
	no_locks.lock = nullptr;
	no_locks.unlock = nullptr;
	const co_plat p{&no_locks, &fp};
	const co_audit_config c = small_config(1);
	co_audit a;
	ASSERT_EQ(co_audit_init(&a, &p, &c), 0);
	co_audit_event ev = varied_event(1);
	EXPECT_EQ(co_audit_append(&a, &ev), 0);
	EXPECT_EQ(co_audit_seal(&a, 8), 1u);
	co_audit_destroy(&a);
	EXPECT_EQ(fp.live_allocations(), 0u);
}

TEST(AuditRing, AppendFillsTimeCpuAndSeq)
{
	Audit a(small_config(4));
	ASSERT_EQ(a.init_rc(), 0);
	co_audit_event ev = varied_event(3);
	ev.cpu = 99;
	ev.seq = 1234;
	ev.time_ns = 5;
	a.plat().set_cpu(2);
	a.plat().set_now_ns(777);
	ASSERT_EQ(co_audit_append(a.get(), &ev), 0);
	EXPECT_EQ(ev.cpu, 2u);
	EXPECT_EQ(ev.time_ns, 777u);
	EXPECT_EQ(ev.seq, 0u);
	EXPECT_EQ(co_audit_pending(a.get()), 1u);
	EXPECT_EQ(a.stats().appended, 1u);
}

TEST(AuditRing, RefusesWhatCannotBeSealed)
{
	Audit a(small_config(2));
	ASSERT_EQ(a.init_rc(), 0);
	co_audit_event ev = varied_event(1);
	ev.type = COCONUT_EV_ANCHOR;
	EXPECT_EQ(a.append(0, 1, ev), -EINVAL) << "only the sealer writes ANCHOR events";
	ev.type = 0;
	EXPECT_EQ(a.append(0, 1, ev), -EINVAL);
	ev = varied_event(1);
	ev.cap_len = COCONUT_CAP_TEXT_MAX + 1;
	EXPECT_EQ(a.append(0, 1, ev), -EINVAL);
	ev = varied_event(1);
	ev.cap_len = 2;
	ev.cap[0] = static_cast<char>(0xc3); // a truncated 2-byte sequence
	ev.cap[1] = 'x';
	EXPECT_EQ(a.append(0, 1, ev), -EINVAL);
	EXPECT_EQ(co_audit_pending(a.get()), 0u);
	EXPECT_EQ(a.stats().appended, 0u);
}

TEST(AuditRing, FullRingAppliesBackpressureAndOverwritesNothing)
{
	Audit a(small_config(2, 4));
	ASSERT_EQ(a.init_rc(), 0);
	for (u64 i = 0; i < 4; i++)
		ASSERT_EQ(a.append(0, 10 + i, varied_event(i)), 0);
	EXPECT_EQ(a.append(0, 20, varied_event(4)), -EBUSY);
	EXPECT_EQ(a.append(0, 21, varied_event(5)), -EBUSY);
	EXPECT_EQ(a.stats().backpressure, 2u);
	EXPECT_EQ(a.stats().appended, 4u);
	EXPECT_EQ(co_audit_pending(a.get()), 4u);
	// Another CPU's ring is not affected.
	EXPECT_EQ(a.append(1, 22, varied_event(6)), 0);

	// One slot freed by a seal of the oldest event: the refused append goes through.
	EXPECT_EQ(co_audit_seal(a.get(), 1), 1u);
	EXPECT_EQ(a.append(0, 23, varied_event(4)), 0);
	EXPECT_EQ(a.append(0, 24, varied_event(5)), -EBUSY);
	EXPECT_EQ(co_audit_seal(a.get(), 100), 5u);
	EXPECT_EQ(a.append(0, 25, varied_event(5)), 0);
	EXPECT_EQ(co_audit_seal(a.get(), 100), 1u);
	EXPECT_EQ(co_audit_pending(a.get()), 0u);

	// Every accepted event is in the chain, in order, intact.
	const auto evs = chain_events(a);
	ASSERT_EQ(evs.size(), 7u);
	const u64 want_item[] = {0, 1, 2, 3, 6, 4, 5};
	const u64 want_time[] = {10, 11, 12, 13, 22, 23, 25};
	for (size_t i = 0; i < evs.size(); i++) {
		co_audit_event w = varied_event(want_item[i]);
		w.seq = i;
		w.time_ns = want_time[i];
		w.cpu = want_item[i] == 6 ? 1 : 0;
		EXPECT_EQ(std::memcmp(&evs[i], &w, sizeof(w)), 0) << "event " << i;
	}
	const auto s = a.stats();
	EXPECT_EQ(s.appended, 7u);
	EXPECT_EQ(s.sealed, 7u);
	EXPECT_EQ(s.backpressure, 3u);
}

TEST(AuditRing, StalledSealerSealsNothingAndRingsFill)
{
	Audit a(small_config(1, 2));
	ASSERT_EQ(a.init_rc(), 0);
	co_audit_set_stalled(a.get(), true);
	ASSERT_EQ(a.append(0, 1, varied_event(0)), 0);
	ASSERT_EQ(a.append(0, 2, varied_event(1)), 0);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 0u);
	EXPECT_EQ(a.append(0, 3, varied_event(2)), -EBUSY);
	EXPECT_EQ(a.sealed(), 0u);
	co_audit_set_stalled(a.get(), false);
	EXPECT_EQ(co_audit_seal(a.get(), 10), 2u);
	EXPECT_EQ(a.append(0, 3, varied_event(2)), 0);
}

TEST(AuditRing, SealHonoursMaxEvents)
{
	Audit a(small_config(2, 16));
	ASSERT_EQ(a.init_rc(), 0);
	for (u64 i = 0; i < 10; i++)
		ASSERT_EQ(a.append(i % 2, i, varied_event(i)), 0);
	EXPECT_EQ(co_audit_seal(a.get(), 0), 0u);
	EXPECT_EQ(co_audit_seal(a.get(), 3), 3u);
	EXPECT_EQ(co_audit_pending(a.get()), 7u);
	EXPECT_EQ(co_audit_seal(a.get(), 100), 7u);
	EXPECT_EQ(co_audit_seal(a.get(), 100), 0u);
	EXPECT_EQ(a.sealed(), 10u);
}

// The total order: (time_ns, cpu), FIFO within a ring.
TEST(AuditOrder, ByTimeThenCpuThenRingOrder)
{
	Audit a(small_config(3, 16));
	ASSERT_EQ(a.init_rc(), 0);
	// (cpu, time, item), appended in this (time-monotone) order.
	const std::vector<std::tuple<u32, u64, u64>> appends = {
		{2, 5, 0}, {1, 5, 1}, {2, 5, 2}, {0, 5, 3},
		{1, 6, 4}, {0, 9, 5}, {2, 9, 6}, {0, 9, 7},
	};
	for (auto [cpu, t, item] : appends)
		ASSERT_EQ(a.append(cpu, t, varied_event(item)), 0);
	ASSERT_EQ(co_audit_seal(a.get(), 100), appends.size());
	std::vector<u64> arg_order;
	for (const auto &ev : chain_events(a))
		arg_order.push_back(ev.arg / 7); // varied_event(i).arg == 7 i
	EXPECT_EQ(arg_order, (std::vector<u64>{3, 1, 0, 2, 4, 5, 7, 6}));
}

// A clock that steps back (read before the lock, or a misbehaving platform) is raised to the
// latest stamp: stamps never decrease along the appends, so every ring stays sorted.
TEST(AuditOrder, StampsNeverGoBack)
{
	Audit a(small_config(2, 16));
	ASSERT_EQ(a.init_rc(), 0);
	ASSERT_EQ(a.append(0, 100, varied_event(0)), 0);
	co_audit_event ev = varied_event(1);
	a.plat().set_cpu(1);
	a.plat().set_now_ns(40);
	ASSERT_EQ(co_audit_append(a.get(), &ev), 0);
	EXPECT_EQ(ev.time_ns, 100u);
	ASSERT_EQ(a.append(0, 100, varied_event(2)), 0);
	ASSERT_EQ(co_audit_seal(a.get(), 100), 3u);
	std::vector<std::pair<u64, u32>> got;
	for (const auto &e : chain_events(a))
		got.emplace_back(e.time_ns, e.cpu);
	EXPECT_EQ(got, (std::vector<std::pair<u64, u32>>{{100, 0}, {100, 0}, {100, 1}}));
}

// The model: sort by (time, cpu, per-cpu index), number, encode, hash.
struct Planned {
	u32 cpu;
	u64 time;
	u64 item;
	u32 index; // within its cpu
};

std::vector<u8> model_head(const u8 *boot, std::vector<Planned> evs)
{
	std::stable_sort(evs.begin(), evs.end(), [](const Planned &x, const Planned &y) {
		return std::tie(x.time, x.cpu, x.index) < std::tie(y.time, y.cpu, y.index);
	});
	std::vector<u8> h(32);
	co_audit_head_0(boot, h.data());
	for (size_t i = 0; i < evs.size(); i++) {
		co_audit_event ev = varied_event(evs[i].item);
		ev.seq = i;
		ev.time_ns = evs[i].time;
		ev.cpu = evs[i].cpu;
		const std::vector<u8> enc = encode(ev);
		co_audit_chain_extend(h.data(), enc.data(), enc.size(), h.data());
	}
	return h;
}

// Any time-monotone interleaving of the per-CPU streams (ties between CPUs broken at random),
// with seals at random points between distinct times, gives the model's chain.
RC_GTEST_PROP(AuditOrderProp, SameChainWhateverTheInterleaving, ())
{
	const u32 cpus = *rc::gen::inRange<u32>(1, 6);
	std::vector<std::vector<Planned>> streams(cpus);
	std::vector<Planned> all;
	u64 item = 0;
	for (u32 c = 0; c < cpus; c++) {
		const size_t n = *rc::gen::inRange<size_t>(0, 17);
		auto times = *rc::gen::container<std::vector<u64>>(n, rc::gen::inRange<u64>(0, 8));
		std::sort(times.begin(), times.end());
		for (size_t i = 0; i < n; i++) {
			streams[c].push_back(Planned{c, times[i], item++, static_cast<u32>(i)});
			all.push_back(streams[c].back());
		}
	}
	Audit a(small_config(cpus, 16));
	RC_ASSERT(a.init_rc() == 0);

	std::vector<size_t> next(cpus, 0);
	u64 last_time = 0;
	for (size_t step = 0; step < all.size(); step++) {
		// The CPUs whose next event is the earliest left: any of them may go first.
		u64 tmin = ~0ull;
		for (u32 c = 0; c < cpus; c++)
			if (next[c] < streams[c].size())
				tmin = std::min(tmin, streams[c][next[c]].time);
		std::vector<u32> ready;
		for (u32 c = 0; c < cpus; c++)
			if (next[c] < streams[c].size() && streams[c][next[c]].time == tmin)
				ready.push_back(c);
		const u32 c = ready[*rc::gen::inRange<size_t>(0, ready.size())];
		const Planned &p = streams[c][next[c]++];
		if (p.time > last_time && *rc::gen::arbitrary<bool>())
			co_audit_seal(a.get(), *rc::gen::inRange<u32>(1, 100));
		last_time = p.time;
		RC_ASSERT(a.append(p.cpu, p.time, varied_event(p.item)) == 0);
	}
	// Drain whatever is left (the seal size does not matter: nothing new arrives).
	for (int i = 0; i < 100 && co_audit_pending(a.get()) > 0; i++)
		co_audit_seal(a.get(), *rc::gen::inRange<u32>(1, 20));
	RC_ASSERT(co_audit_pending(a.get()) == 0u);
	RC_ASSERT(a.sealed() == all.size());
	RC_ASSERT(a.head() == model_head(a.plat().boot_id(), all));
}

TEST(AuditDeterminism, SameAppendsSameHeadOnDifferentInstances)
{
	std::vector<u8> heads[2], segs[2];
	for (int run = 0; run < 2; run++) {
		Audit a(small_config(4, 8, 256, 16, 1000));
		ASSERT_EQ(a.init_rc(), 0);
		for (u64 i = 0; i < 200; i++) {
			const u32 cpu = static_cast<u32>((i * 7) % 4);
			int rc = a.append(cpu, i * 13 / 4, varied_event(i));
			for (int tries = 0; rc == -EBUSY && tries < 100; tries++) {
				co_audit_seal(a.get(), 5);
				rc = a.append(cpu, i * 13 / 4, varied_event(i));
			}
			ASSERT_EQ(rc, 0);
			if (i % 17 == 0)
				co_audit_seal(a.get(), 9);
		}
		while (co_audit_seal(a.get(), 64) > 0) {
		}
		heads[run] = a.head();
		segs[run] = a.export_range();
		EXPECT_GT(a.stats().anchors, 0u);
	}
	EXPECT_EQ(hex(heads[0]), hex(heads[1]));
	EXPECT_EQ(segs[0], segs[1]);
}

TEST(AuditDeterminism, DifferentBootIdDifferentHead)
{
	Audit a(small_config(1)), b(small_config(1));
	ASSERT_EQ(a.init_rc(), 0);
	u8 other[CO_BOOT_ID_SIZE] = {1};
	b.plat().set_boot_id(other);
	co_audit_destroy(b.get());
	const co_plat p = b.plat().plat();
	const co_audit_config c = small_config(1);
	ASSERT_EQ(co_audit_init(b.get(), &p, &c), 0);
	EXPECT_NE(a.head(), b.head());
}

TEST(AuditStats, CountsPerType)
{
	Audit a(small_config(2, 64));
	ASSERT_EQ(a.init_rc(), 0);
	u64 want[COCONUT_EV_TYPE_COUNT] = {};
	for (u64 i = 0; i < 50; i++) {
		const co_audit_event ev = varied_event(i);
		want[ev.type]++;
		ASSERT_EQ(a.append(i % 2, i, ev), 0);
	}
	EXPECT_EQ(co_audit_seal(a.get(), 20), 20u);
	EXPECT_EQ(co_audit_seal(a.get(), 100), 30u);
	const auto s = a.stats();
	for (u32 t = 0; t < COCONUT_EV_TYPE_COUNT; t++)
		EXPECT_EQ(s.by_type[t], want[t]) << "type " << t;
	EXPECT_EQ(s.sealed, 50u);
	EXPECT_EQ(s.appended, 50u);
}

// The window keeps the last log_events; an export starts at the oldest kept and still verifies.
TEST(AuditWindow, KeepsTheLastEventsAndStillVerifies)
{
	Audit a(small_config(1, 64, 8));
	ASSERT_EQ(a.init_rc(), 0);
	for (u64 i = 0; i < 21; i++)
		ASSERT_EQ(a.append(0, i, varied_event(i)), 0);
	ASSERT_EQ(co_audit_seal(a.get(), 5), 5u);
	ASSERT_EQ(co_audit_seal(a.get(), 100), 16u);
	const std::vector<u8> seg = a.export_range();
	const Segment s = parse_segment(seg);
	EXPECT_FALSE(s.filtered);
	EXPECT_EQ(s.seq_first, 13u);
	ASSERT_EQ(s.records.size(), 8u);
	for (size_t i = 0; i < 8; i++)
		EXPECT_EQ(s.records[i].ev.seq, 13 + i);
	const auto r = verify(seg, a.plat().boot_id());
	EXPECT_EQ(r.verdict, CO_AUDIT_OK) << verdict_name(r.verdict);
	EXPECT_EQ(r.events_checked, 8u);
	// The last head_after is the instance's head.
	EXPECT_EQ(std::vector<u8>(s.records[7].bytes.begin() + s.records[7].after_off,
				  s.records[7].bytes.begin() + s.records[7].after_off + 32),
		  a.head());
}

// While the sealer waits on the TPM (lock dropped), appends go on and a second seal is turned
// away; the head written is the head of the moment, and the later events follow the anchor.
TEST(AuditConcurrency, AppendsAndSecondSealDuringTheTpmWrite)
{
	Audit a(small_config(2, 16, 64, 2, 0));
	ASSERT_EQ(a.init_rc(), 0);
	ASSERT_EQ(a.append(0, 1, varied_event(0)), 0);
	ASSERT_EQ(a.append(1, 2, varied_event(1)), 0);
	u32 inner_sealed = 99;
	int inner_append = 99;
	a.plat().set_on_tpm_write([&] {
		inner_sealed = co_audit_seal(a.get(), 100);
		inner_append = a.append(1, 3, varied_event(2));
	});
	// Drains 2, anchors (the callback runs), then drains the event appended meanwhile.
	EXPECT_EQ(co_audit_seal(a.get(), 100), 4u);
	a.plat().set_on_tpm_write(nullptr);
	EXPECT_EQ(inner_sealed, 0u);
	EXPECT_EQ(inner_append, 0);
	const auto evs = chain_events(a);
	ASSERT_EQ(evs.size(), 4u);
	EXPECT_EQ(evs[2].type, static_cast<u32>(COCONUT_EV_ANCHOR));
	EXPECT_EQ(evs[2].arg, 1u);
	EXPECT_EQ(evs[3].arg, 2u * 7);
	EXPECT_EQ(a.anchors().at(0).seq, 1u);
}

} // namespace
