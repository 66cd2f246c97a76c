// The callers' count of LSM decisions (kmodel::DecisionTally): exact where a return says how
// many questions were asked, a range where it cannot.
#include "decision_tally.h"

#include "coconut/errno.h"

#include <gtest/gtest.h>

namespace {

using coconut::kmodel::DecisionTally;
using Asks = DecisionTally::Asks;

TEST(DecisionTally, OneQuestionCountsExactly)
{
	DecisionTally t;
	t.note(Asks::One, 0);
	t.note(Asks::One, -ECAPABILITY);
	t.note(Asks::One, -ECAPABILITY);
	t.note(Asks::One, -EBUSY);  // no room for the event: no decision
	t.note(Asks::One, -ENOSPC); // refused before the question
	EXPECT_EQ(t.allows().min, 1u);
	EXPECT_EQ(t.allows().max, 1u);
	EXPECT_EQ(t.denies().min, 2u);
	EXPECT_EQ(t.denies().max, 2u);
}

TEST(DecisionTally, AmbiguousReturnsWidenTheRange)
{
	DecisionTally t;
	t.note(Asks::OneThenWork, -ENOMEM); // an allow, then the work failed; or refused first
	t.note(Asks::AtMostOne, 0);	    // a descendant asks nothing
	t.note(Asks::SpawnNarrowed, -ECAPABILITY); // denied agent.spawn, or narrowed
	t.note(Asks::SpawnNarrowed, 17);	   // a child: one allow
	EXPECT_EQ(t.allows().min, 1u);
	EXPECT_EQ(t.allows().max, 4u);
	EXPECT_EQ(t.denies().min, 0u);
	EXPECT_EQ(t.denies().max, 1u);
	EXPECT_TRUE(t.allows().holds(2));
	EXPECT_FALSE(t.allows().holds(5));
}

TEST(DecisionTally, AGrantAsksOncePerCap)
{
	DecisionTally t;
	t.note_grant("fs.read:/a\nfs.read:/b\nnet.egress:x:443", 0);
	EXPECT_EQ(t.allows().min, 1u);
	EXPECT_EQ(t.allows().max, 3u);
	t.note_grant("fs.read:/a\nfs.read:/b", -ECAPABILITY);
	EXPECT_EQ(t.allows().max, 5u);
	EXPECT_EQ(t.denies().max, 1u);
	EXPECT_EQ(t.denies().min, 0u);
}

} // namespace
