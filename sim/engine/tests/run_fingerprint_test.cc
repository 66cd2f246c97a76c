// The fingerprint covers what it says it covers (run_fingerprint.h): changing one metric, one
// histogram sample, one audit event (the chain's head or length), one anchor, one request
// completion or one timeline action changes it; the same inputs give the same one.
#include "run_fingerprint.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace {

using coconut::engine::ChainSummary;
using coconut::engine::note_action;
using coconut::engine::note_completion;
using coconut::engine::note_spawn;
using coconut::engine::run_fingerprint;
using coconut::metrics::Fingerprint;
using coconut::metrics::MetricRegistry;

// A small run's inputs; each test case changes one thing in it.
struct Inputs {
	Fingerprint record;
	MetricRegistry registry;
	ChainSummary chain;
};

using Change = std::function<void(Inputs &)>;

void base(Inputs &in, const Change &change)
{
	note_spawn(in.record, 7);
	note_completion(in.record, 1, 7, 1000, 5000, 0);
	note_completion(in.record, 2, 7, 2000, 9000, -134);
	note_action(in.record, "cap.revoke", "lab/infer/0", 0, 10000);
	in.registry.set("requests.completed", 1);
	in.registry.set("requests.failed", 1);
	in.registry.hist("latency").record(4000);
	in.chain.events = 12;
	in.chain.head.fill(0xab);
	in.chain.anchored_heads[8].fill(0xcd);
	if (change)
		change(in);
}

std::string fingerprint(const Change &change)
{
	Inputs in;
	base(in, change);
	return run_fingerprint(in.record, in.registry, in.chain);
}

TEST(RunFingerprint, TheSameInputsGiveTheSameFingerprint)
{
	EXPECT_EQ(fingerprint(nullptr), fingerprint(nullptr));
	EXPECT_EQ(fingerprint(nullptr).size(), 64u);
}

TEST(RunFingerprint, EveryInputItCoversChangesIt)
{
	const std::string ref = fingerprint(nullptr);
	const std::pair<const char *, Change> changes[] = {
		{ "one metric", [](Inputs &in) { in.registry.set("requests.failed", 2); } },
		{ "a new metric", [](Inputs &in) { in.registry.set("lsm.denies", 0); } },
		{ "one histogram sample",
		  [](Inputs &in) { in.registry.hist("latency").record(1); } },
		{ "one more audit event", [](Inputs &in) { in.chain.events++; } },
		{ "one audit event's bytes (the head)",
		  [](Inputs &in) { in.chain.head[31] ^= 1; } },
		{ "one anchored head", [](Inputs &in) { in.chain.anchored_heads[8][0] ^= 1; } },
		{ "one more anchor", [](Inputs &in) { in.chain.anchored_heads[16].fill(0); } },
		{ "one more completion",
		  [](Inputs &in) { note_completion(in.record, 3, 7, 3000, 9500, 0); } },
		{ "one more action",
		  [](Inputs &in) {
			  note_action(in.record, "quarantine", "lab/infer/1", 0, 11000);
		  } },
	};
	for (const auto &[what, change] : changes)
		EXPECT_NE(fingerprint(change), ref) << what;
}

// One completion that differs in one field: each field is covered.
TEST(RunFingerprint, EachFieldOfACompletionIsCovered)
{
	auto with = [](u64 id, u64 aid, u64 arrival, u64 finish, s64 rc) {
		Inputs in;
		note_completion(in.record, id, aid, arrival, finish, rc);
		return run_fingerprint(in.record, in.registry, in.chain);
	};
	const std::string ref = with(1, 7, 1000, 5000, 0);
	EXPECT_NE(with(2, 7, 1000, 5000, 0), ref);
	EXPECT_NE(with(1, 8, 1000, 5000, 0), ref);
	EXPECT_NE(with(1, 7, 1001, 5000, 0), ref);
	EXPECT_NE(with(1, 7, 1000, 5001, 0), ref);
	EXPECT_NE(with(1, 7, 1000, 5000, -1), ref);
	EXPECT_EQ(with(1, 7, 1000, 5000, 0), ref);
}

} // namespace
