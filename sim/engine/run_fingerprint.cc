// See run_fingerprint.h. The tags and the order are the format: changing either changes every
// fingerprint (and the golden file with it).
#include "run_fingerprint.h"

namespace coconut::engine {

void note_completion(metrics::Fingerprint &record, u64 request_id, u64 aid, u64 arrival_ns,
		     u64 finish_ns, s64 rc)
{
	record.add_u64(request_id);
	record.add_u64(aid);
	record.add_u64(arrival_ns);
	record.add_u64(finish_ns);
	record.add_i64(rc);
}

void note_spawn(metrics::Fingerprint &record, s64 aid)
{
	record.add_tag("spawn");
	record.add_i64(aid);
}

void note_action(metrics::Fingerprint &record, std::string_view kind, std::string_view who, s64 rc,
		 u64 at_ns)
{
	record.add_tag(kind);
	record.add_string(who);
	record.add_i64(rc);
	record.add_u64(at_ns);
}

std::string run_fingerprint(const metrics::Fingerprint &record,
			    const metrics::MetricRegistry &registry, const ChainSummary &chain)
{
	metrics::Fingerprint fp;
	fp.add_tag("coconut-sim fingerprint v1");
	fp.add_tag("trace");
	fp.add_string(record.hex());
	fp.add_tag("metrics");
	registry.add_to_fingerprint(fp);
	fp.add_tag("audit");
	fp.add_u64(chain.events);
	fp.add_bytes(chain.head.data(), chain.head.size());
	for (const auto &[seq, head] : chain.anchored_heads) {
		fp.add_u64(seq);
		fp.add_bytes(head.data(), head.size());
	}
	return fp.hex();
}

} // namespace coconut::engine
