// The notification centre's rate limit (notify_limit.h): per (agent, cap) a burst, then folds
// until the window ends, each pair on its own, and the folds reported when a window ends.
#include "notify_limit.h"

#include <gtest/gtest.h>

namespace {

using coconut::engine::NotificationLimiter;

constexpr std::uint64_t kSecondNs = 1'000'000'000ull;

TEST(NotifyLimit, ABurstPerPairThenFoldsUntilTheWindowEnds)
{
	NotificationLimiter l(3, 5 * kSecondNs);
	int shown = 0;
	for (int i = 0; i < 100; i++) // a closed loop: one refusal a millisecond for 100 ms
		shown += l.admit(7, "fs.read:/etc/passwd", (std::uint64_t)i * 1'000'000);
	EXPECT_EQ(shown, 3);
	EXPECT_EQ(l.folded(), 97u);
	// Another cap of the same agent, and the same cap of another agent: their own bursts.
	EXPECT_TRUE(l.admit(7, "net.egress:a.example.com:443", 100'000'000));
	EXPECT_TRUE(l.admit(8, "fs.read:/etc/passwd", 100'000'000));
	EXPECT_TRUE(l.take_folded_note().empty()) << "no window has ended yet";
	// The window ends 5 s after its first notification: shown again, the folds reported once.
	EXPECT_FALSE(l.admit(7, "fs.read:/etc/passwd", 5 * kSecondNs - 1));
	EXPECT_TRUE(l.admit(7, "fs.read:/etc/passwd", 5 * kSecondNs));
	EXPECT_EQ(l.take_folded_note(),
		  "aid 7 denied fs.read:/etc/passwd: 98 notifications folded");
	EXPECT_TRUE(l.take_folded_note().empty());
	EXPECT_EQ(l.shown(), 6u);
	EXPECT_EQ(l.shown() + l.folded(), 104u) << "every denial is shown or folded, none lost";
}

TEST(NotifyLimit, BoundedWindowsStillFold)
{
	NotificationLimiter l(1, kSecondNs);
	std::uint64_t shown = 0;
	const std::uint64_t pairs = NotificationLimiter::kWindowsMax + 1000;
	for (std::uint64_t aid = 1; aid <= pairs; aid++)
		shown += l.admit(aid, "gpu:0/**", 0);
	// The first kWindowsMax pairs have their own window; the rest share one: a burst of one.
	EXPECT_EQ(shown, NotificationLimiter::kWindowsMax + 1);
	EXPECT_EQ(l.folded(), 999u);
}

} // namespace
