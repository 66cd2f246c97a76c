// SPDX-License-Identifier: GPL-2.0
/*
 * Rate resources: how fast each streaming lane may go (coconut/sched.h, co_sched_throttle).
 *
 * Memory bandwidth is not served in turns: every core that streams takes what the memory
 * controller gives it, at once. What a kernel can do is cap a group's rate, as resctrl's memory
 * bandwidth allocation does (a throttle per class of service). So the fair policy here decides
 * a rate per tenant -- its weighted max-min share of the capacity, the rule the turn-based
 * policies converge to over time -- and the caller programs it; the other policies leave the
 * hardware alone, as Linux 6.12 does with every task in the default group.
 *
 * The per-tenant working state lives in the tenant slots (struct co_sched_tenant's stream_*
 * fields), so the call allocates nothing and touches only the tenants its streams belong to.
 */
#include "sched_int.h"

/*
 * floor(a * part / whole) exactly, for part <= whole < 2^63, without a 128-bit division (the
 * kernel has none): the 128-bit product from 32-bit halves, then long division one bit at a
 * time (128 steps; the quotient is at most a, as part <= whole).
 */
static u64 co_sched_rate_part(u64 a, u64 part, u64 whole)
{
	u64 al = a & 0xffffffffull, ah = a >> 32, pl = part & 0xffffffffull, ph = part >> 32;
	u64 ll = al * pl, lh = al * ph, hl = ah * pl, hh = ah * ph;
	u64 mid = (ll >> 32) + (lh & 0xffffffffull) + (hl & 0xffffffffull);
	u64 lo = (ll & 0xffffffffull) | (mid << 32);
	u64 hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	u64 q = 0, rem = 0;
	int bit;

	CO_ASSERT(part <= whole && whole > 0 && whole < (1ull << 63));
	for (bit = 127; bit >= 0; bit--) {
		rem = (rem << 1) | ((bit >= 64 ? hi >> (bit - 64) : lo >> bit) & 1);
		if (rem >= whole) {
			rem -= whole;
			if (bit < 64)
				q |= 1ull << bit;
		}
	}
	return q;
}

static struct co_sched_tenant *co_sched_stream_tenant(struct co_sched *s,
						      const struct co_sched_stream *st)
{
	const struct co_sched_lane *l = co_sched_lane_find(s, st->aid);

	return l ? &s->tenants[l->tenant] : NULL;
}

/* A tenant's demand as the water fill sees it: more than the capacity is the capacity. */
static u64 co_sched_tenant_ask(const struct co_sched_tenant *t, u64 capacity)
{
	return t->stream_demand < capacity ? t->stream_demand : capacity;
}

/*
 * Weighted max-min over the tenants present: settle every tenant asking no more than its share
 * of what is left (it keeps what it asks), until a pass settles none; those left share the rest
 * by weight. Each pass settles a tenant or ends, so there are at most n + 1 passes.
 */
static void co_sched_water_fill(struct co_sched *s, u64 capacity, u64 step,
				struct co_sched_stream *v, u32 n)
{
	u64 cap_left = capacity, w_left = 0;
	u32 i, pass;

	for (i = 0; i < n; i++) {
		struct co_sched_tenant *t = co_sched_stream_tenant(s, &v[i]);

		if (!t->stream_seen) {
			t->stream_seen = true;
			w_left += t->weight;
		}
	}
	for (pass = 0; pass <= n; pass++) {
		bool settled = false;

		for (i = 0; i < n && w_left > 0; i++) {
			struct co_sched_tenant *t = co_sched_stream_tenant(s, &v[i]);
			u64 ask = co_sched_tenant_ask(t, capacity);

			if (t->stream_limit != 0 || ask > cap_left * t->weight / w_left)
				continue;
			t->stream_limit = ask;
			cap_left -= ask;
			w_left -= t->weight;
			settled = true;
		}
		if (!settled)
			break;
	}
	for (i = 0; i < n; i++) {
		struct co_sched_tenant *t = co_sched_stream_tenant(s, &v[i]);
		u64 share;

		if (t->stream_limit != 0)
			continue;
		/* Unsettled tenants exist only with weight left (each has weight >= 1). */
		CO_ASSERT(w_left > 0);
		share = cap_left * t->weight / w_left / step * step;
		t->stream_limit = share < step ? step : share;
	}
}

int co_sched_throttle(struct co_sched *s, u64 capacity, u64 step, struct co_sched_stream *v,
		      u32 n)
{
	u64 total = 0;
	u32 i;

	if (s->resource != CO_SCHED_RES_MEMBW || capacity == 0 || capacity > CO_SCHED_RATE_MAX ||
	    step == 0 || step > capacity || n > CO_SCHED_LANES_MAX || (n && !v))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct co_sched_tenant *t = co_sched_stream_tenant(s, &v[i]);

		if (!t)
			return -ENOENT;
		if (v[i].demand == 0)
			return -EINVAL;
		t->stream_demand = 0;
		t->stream_limit = 0;
		t->stream_seen = false;
	}
	for (i = 0; i < n; i++) {
		struct co_sched_tenant *t = co_sched_stream_tenant(s, &v[i]);
		u64 d = v[i].demand;

		if (v[i].quota && v[i].quota < d)
			d = v[i].quota;
		if (d > capacity)
			d = capacity; /* nobody can take more than there is */
		v[i].limit = d;
		t->stream_demand += d; /* <= CO_SCHED_LANES_MAX * 2^44: no overflow */
		total += d;
	}
	if (s->policy != CO_SCHED_FAIR || total <= capacity)
		return 0;
	co_sched_water_fill(s, capacity, step, v, n);
	for (i = 0; i < n; i++) {
		const struct co_sched_tenant *t = co_sched_stream_tenant(s, &v[i]);

		if (t->stream_limit < t->stream_demand)
			v[i].limit = co_sched_rate_part(t->stream_limit, v[i].limit,
							t->stream_demand);
	}
	return 0;
}
