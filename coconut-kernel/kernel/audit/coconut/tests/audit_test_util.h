// Helpers shared by the audit tests: an instance on the user platform, event builders, export,
// and a segment taken apart into records (so tamper tests can flip, drop, swap and insert
// records and put the segment back together).
#ifndef COCONUT_AUDIT_TEST_UTIL_H
#define COCONUT_AUDIT_TEST_UTIL_H

#include "user_platform.h"

#include "coconut/audit.h"
#include "coconut/cbor.h"
#include "coconut/errno.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace audit_test {

inline std::string hex(const u8 *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	std::string s;
	for (size_t i = 0; i < n; i++) {
		s.push_back(d[p[i] >> 4]);
		s.push_back(d[p[i] & 15]);
	}
	return s;
}

inline std::string hex(const std::vector<u8> &v) { return hex(v.data(), v.size()); }

inline co_audit_config small_config(u32 cpus, u32 slots = 16, u32 log = 1024, u64 k = 0,
				    u64 t = 0)
{
	co_audit_config c{};
	c.cpu_count = cpus;
	c.ring_slots = slots;
	c.log_events = log;
	c.anchor_every_events = k;
	c.anchor_every_ns = t;
	c.tpm_nv_index = 0x01000042;
	return c;
}

// The boot id the audit tests' vectors were written against (0xb0, 0xb1, ...), not the
// platform's default: the chain's first head derives from it.
inline void use_test_boot_id(coconut::UserPlatform &p)
{
	u8 id[CO_BOOT_ID_SIZE];
	for (u32 i = 0; i < CO_BOOT_ID_SIZE; i++)
		id[i] = static_cast<u8>(0xb0 + i);
	p.set_boot_id(id);
}

// An instance on its own platform (sim/platform's UserPlatform, the one every kernel test
// uses); destroyed (and checked for leaks and broken platform rules) with the object.
class Audit {
public:
	explicit Audit(const co_audit_config &cfg, u32 plat_cpus = 0)
		: plat_(std::make_unique<coconut::UserPlatform>(plat_cpus ? plat_cpus : cfg.cpu_count)),
		  a_(std::make_unique<co_audit>())
	{
		use_test_boot_id(*plat_);
		const co_plat p = plat_->plat();
		init_rc_ = co_audit_init(a_.get(), &p, &cfg);
	}
	~Audit()
	{
		if (init_rc_ == 0)
			co_audit_destroy(a_.get());
		EXPECT_EQ(plat_->live_allocations(), 0u) << "audit memory leaked";
		EXPECT_TRUE(plat_->violations().empty())
			<< "platform rule broken: " << plat_->violations().front();
	}
	Audit(const Audit &) = delete;
	Audit &operator=(const Audit &) = delete;

	int init_rc() const { return init_rc_; }
	co_audit *get() { return a_.get(); }
	coconut::UserPlatform &plat() { return *plat_; }

	// Appends ev on cpu at time t (the platform's clock and cpu id are set first).
	int append(u32 cpu, u64 t, co_audit_event ev)
	{
		plat_->set_cpu(cpu);
		plat_->set_now_ns(t);
		return co_audit_append(a_.get(), &ev);
	}

	std::vector<u8> head()
	{
		std::vector<u8> h(COCONUT_DIGEST_SIZE);
		co_audit_head(a_.get(), h.data(), nullptr);
		return h;
	}

	u64 sealed()
	{
		u8 h[COCONUT_DIGEST_SIZE];
		u64 n = 0;
		co_audit_head(a_.get(), h, &n);
		return n;
	}

	struct co_audit_stats stats()
	{
		struct co_audit_stats s{};
		co_audit_get_stats(a_.get(), &s);
		return s;
	}

	// The anchors the TPM holds, decoded.
	std::vector<co_audit_anchor> anchors()
	{
		std::vector<co_audit_anchor> out;
		for (const auto &w : plat_->nv_writes()) {
			co_audit_anchor an{};
			EXPECT_EQ(co_audit_anchor_decode(w.data.data(), w.data.size(),
							 plat_->boot_id(), &an),
				  0);
			out.push_back(an);
		}
		return out;
	}

	// An export with a buffer large enough for any segment.
	std::vector<u8> query(const co_audit_filter &f)
	{
		std::vector<u8> buf(CO_CBOR_DOC_BYTES_MAX);
		int n = co_audit_query(a_.get(), &f, buf.data(), buf.size());
		EXPECT_GT(n, 0);
		buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
		return buf;
	}

	std::vector<u8> export_range(u64 seq_from = 0, u32 max = 0)
	{
		co_audit_filter f{};
		f.seq_from = seq_from;
		f.max_events = max;
		return query(f);
	}

private:
	std::unique_ptr<coconut::UserPlatform> plat_;
	std::unique_ptr<co_audit> a_;
	int init_rc_;
};

inline co_audit_event make_event(u32 type, u64 aid, const std::string &cap = "",
				 const std::string &object = "", u64 arg = 0, s32 result = 0)
{
	co_audit_event ev;
	co_audit_event_init(&ev, type, aid, result);
	co_audit_event_set_cap(&ev, cap.data(), cap.size());
	if (!object.empty())
		co_audit_event_set_object(&ev, object.data(), object.size());
	ev.arg = arg;
	return ev;
}

// The i-th of a deterministic variety of events (types, caps, objects, results).
inline co_audit_event varied_event(u64 i)
{
	static const u32 types[] = {COCONUT_EV_SPAWN, COCONUT_EV_STATE, COCONUT_EV_CAP_ALLOW,
				    COCONUT_EV_CAP_DENY, COCONUT_EV_GRANT, COCONUT_EV_REVOKE,
				    COCONUT_EV_QUOTA, COCONUT_EV_MEM_TIER, COCONUT_EV_EXIT};
	const u32 type = types[i % 9];
	const std::string cap =
		i % 3 == 0 ? "" : "fs.read:/home/maya/project/f" + std::to_string(i);
	const std::string obj = i % 4 == 0 ? "" : "/home/maya/project/f" + std::to_string(i);
	const s32 result = type == COCONUT_EV_CAP_DENY ? -ECAPABILITY : 0;
	return make_event(type, 2 + i % 5, cap, obj, i * 7, result);
}

inline std::vector<u8> encode(const co_audit_event &ev)
{
	std::vector<u8> b(CO_AUDIT_EVENT_ENC_BYTES_MAX);
	int n = co_audit_event_encode(&ev, b.data(), b.size());
	EXPECT_GT(n, 0);
	b.resize(n > 0 ? static_cast<size_t>(n) : 0);
	return b;
}

// A CBOR head of the given major type, shortest form (for rebuilding segments in tests).
inline void put_head(std::vector<u8> &out, u8 major, u64 v)
{
	const u8 mt = static_cast<u8>(major << 5);
	if (v < 24) {
		out.push_back(static_cast<u8>(mt | v));
		return;
	}
	int n = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffull ? 4 : 8;
	out.push_back(static_cast<u8>(mt | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27)));
	for (int i = n - 1; i >= 0; i--)
		out.push_back(static_cast<u8>(v >> (8 * i)));
}

// A segment taken apart: the header bytes before the records array head, and each record.
struct Record {
	std::vector<u8> bytes;	// the whole record [event, head_before, head_after]
	size_t event_off = 0;	// offsets inside bytes
	size_t event_len = 0;
	size_t before_off = 0;	// the 32 bytes of head_before
	size_t after_off = 0;	// the 32 bytes of head_after
	co_audit_event ev{};
};

struct Segment {
	std::vector<u8> prefix;	// map head .. key 4, without the array head
	std::vector<Record> records;
	u64 seq_first = 0;
	bool filtered = false;

	std::vector<u8> build() const
	{
		std::vector<u8> out = prefix;
		put_head(out, 4, records.size());
		for (const auto &r : records)
			out.insert(out.end(), r.bytes.begin(), r.bytes.end());
		return out;
	}

	// Byte offset of record i in build()'s output.
	size_t record_offset(size_t i) const
	{
		std::vector<u8> head;
		put_head(head, 4, records.size());
		size_t off = prefix.size() + head.size();
		for (size_t k = 0; k < i; k++)
			off += records[k].bytes.size();
		return off;
	}
};

inline Segment parse_segment(const std::vector<u8> &seg)
{
	Segment s;
	std::vector<co_cbor_item> items(CO_CBOR_DOC_ITEMS_MAX);
	co_cbor_doc doc{};
	co_cbor_error err{};
	EXPECT_EQ(co_cbor_decode(seg.data(), seg.size(), 0, items.data(), items.size(), &doc, &err),
		  CO_CBOR_OK)
		<< co_cbor_strerror(err.code) << " at " << err.offset;
	if (doc.count == 0)
		return s;
	co_cbor_iter it{};
	EXPECT_EQ(co_cbor_map_iter(&doc, 0, &it, nullptr), CO_CBOR_OK);
	u32 key, val, recs = 0;
	while (co_cbor_map_next(&doc, &it, &key, &val)) {
		u64 k = 0;
		EXPECT_EQ(co_cbor_get_uint(&doc, key, &k, nullptr), CO_CBOR_OK);
		if (k == CO_AUDIT_SEG_SEQ_FIRST)
			co_cbor_get_uint(&doc, val, &s.seq_first, nullptr);
		if (k == CO_AUDIT_SEG_FILTERED)
			co_cbor_get_bool(&doc, val, &s.filtered, nullptr);
		if (k == CO_AUDIT_SEG_RECORDS)
			recs = val;
	}
	const co_cbor_item *arr = co_cbor_at(&doc, recs);
	s.prefix.assign(seg.begin(), seg.begin() + arr->offset);
	co_cbor_iter ai{};
	EXPECT_EQ(co_cbor_array_iter(&doc, recs, &ai, nullptr), CO_CBOR_OK);
	u32 rec;
	while (co_cbor_array_next(&doc, &ai, &rec)) {
		const co_cbor_item *r = co_cbor_at(&doc, rec);
		Record out;
		out.bytes.assign(seg.begin() + r->offset, seg.begin() + r->end);
		co_cbor_iter ei{};
		co_cbor_array_iter(&doc, rec, &ei, nullptr);
		u32 e, b, a;
		co_cbor_array_next(&doc, &ei, &e);
		co_cbor_array_next(&doc, &ei, &b);
		co_cbor_array_next(&doc, &ei, &a);
		out.event_off = co_cbor_at(&doc, e)->offset - r->offset;
		out.event_len = co_cbor_at(&doc, e)->end - co_cbor_at(&doc, e)->offset;
		out.before_off = co_cbor_at(&doc, b)->data - seg.data() - r->offset;
		out.after_off = co_cbor_at(&doc, a)->data - seg.data() - r->offset;
		EXPECT_EQ(co_audit_event_decode(out.bytes.data() + out.event_off, out.event_len,
						&out.ev),
			  0);
		s.records.push_back(std::move(out));
	}
	return s;
}

inline co_audit_verify_report verify(const std::vector<u8> &seg, const u8 *boot_id,
				     const std::vector<co_audit_anchor> &anchors = {})
{
	co_audit_verify_report r{};
	co_audit_verify(seg.data(), seg.size(), boot_id, anchors.data(),
			static_cast<u32>(anchors.size()), &r);
	return r;
}

inline const char *verdict_name(co_audit_verdict v)
{
	switch (v) {
	case CO_AUDIT_OK: return "ok";
	case CO_AUDIT_BAD_FORMAT: return "bad_format";
	case CO_AUDIT_BAD_HEAD: return "bad_head";
	case CO_AUDIT_SEQ_GAP: return "seq_gap";
	case CO_AUDIT_SEQ_ORDER: return "seq_order";
	case CO_AUDIT_TRUNCATED: return "truncated";
	case CO_AUDIT_ANCHOR_MISMATCH: return "anchor_mismatch";
	}
	return "?";
}

} // namespace audit_test

#endif // COCONUT_AUDIT_TEST_UTIL_H
