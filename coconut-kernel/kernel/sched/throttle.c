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
 * floor(a * part / whole) for part <= whole, without a 128-bit division (the kernel has none):
 * exact while a * part fits 64 bits; otherwise part and whole lose their low bits together
 * until it does, which keeps the ratio to within 2^-(63 - bits of a): for rates of bytes/s
 * (a < 2^44), better than 2^-19 of the limit, and for those of a DDR5 machine (a < 2^40), 2^-23.
 */
static u64 co_sched_rate_part(u64 a, u64 part, u64 whole)
{
	u32 bits = co_bits64(a) + co_bits64(part);

	if (bits > 64) { /* a * part might not fit: drop as few low bits as make it fit */
		part >>= bits - 64;
		whole >>= bits - 64;
	}
	return whole ? a * part / whole : a;
}

/* The stream's tenant, found once per call (the first loop stores its slot in st->tenant). */
static struct co_sched_tenant *co_sched_stream_tenant(struct co_sched *s,
						      const struct co_sched_stream *st)
{
	return &s->tenants[st->tenant];
}

/* A tenant's demand as the water fill sees it: more than the capacity is the capacity. */
static u64 co_sched_tenant_ask(const struct co_sched_tenant *t, u64 capacity)
{
	return t->stream_demand < capacity ? t->stream_demand : capacity;
}

/*
 * Weighted max-min over the tenants present (the list from `first` through stream_next): settle
 * every tenant asking no more than its share of what is left (it keeps what it asks), until a
 * pass settles none; those left share the rest by weight. Each pass settles a tenant or ends,
 * so there are at most one more passes than tenants.
 */
static void co_sched_water_fill(struct co_sched *s, u64 capacity, u64 step, u32 first,
				u32 tenants)
{
	u64 cap_left = capacity, w_left = 0;
	u32 slot, pass, i;

	for (slot = first, i = 0; slot != CO_SCHED_NIL && i < tenants;
	     slot = s->tenants[slot].stream_next, i++)
		w_left += s->tenants[slot].weight;
	for (pass = 0; pass <= tenants; pass++) {
		bool settled = false;

		for (slot = first, i = 0; slot != CO_SCHED_NIL && i < tenants && w_left > 0;
		     slot = s->tenants[slot].stream_next, i++) {
			struct co_sched_tenant *t = &s->tenants[slot];
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
	for (slot = first, i = 0; slot != CO_SCHED_NIL && i < tenants;
	     slot = s->tenants[slot].stream_next, i++) {
		struct co_sched_tenant *t = &s->tenants[slot];
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
	u32 i, first = CO_SCHED_NIL, tenants = 0;

	if (s->resource != CO_SCHED_RES_MEMBW || capacity == 0 || capacity > CO_SCHED_RATE_MAX ||
	    step == 0 || step > capacity || n > CO_SCHED_LANES_MAX || (n && !v))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct co_sched_lane *l;
		struct co_sched_tenant *t;

		/* The hint, when it still names this AID's lane (AIDs are never reused). */
		if (v[i].aid && v[i].lane < s->lanes_max && s->lanes[v[i].lane].aid == v[i].aid)
			l = &s->lanes[v[i].lane];
		else
			l = co_sched_lane_find(s, v[i].aid);
		if (!l)
			return -ENOENT;
		if (v[i].demand == 0)
			return -EINVAL;
		v[i].lane = co_sched_lane_slot(s, l);
		v[i].tenant = l->tenant;
		t = &s->tenants[l->tenant];
		t->stream_demand = 0;
		t->stream_limit = 0;
		t->stream_seen = false;
	}
	for (i = 0; i < n; i++) {
		struct co_sched_tenant *t = co_sched_stream_tenant(s, &v[i]);
		u64 d = v[i].demand;

		if (!t->stream_seen) { /* the list of tenants present, for the water fill */
			t->stream_seen = true;
			t->stream_next = first;
			first = v[i].tenant;
			tenants++;
		}
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
	co_sched_water_fill(s, capacity, step, first, tenants);
	for (i = 0; i < n; i++) {
		const struct co_sched_tenant *t = co_sched_stream_tenant(s, &v[i]);

		if (t->stream_limit < t->stream_demand)
			v[i].limit = co_sched_rate_part(t->stream_limit, v[i].limit,
							t->stream_demand);
	}
	return 0;
}
