// The desktop notification centre's rate limit (the seeds' "Coconut Center"; issue 18, item 4).
// Every sealed CAP_DENY stays in the audit chain (parity counts every one), but a person is not
// shown one notification per refusal of an agent retrying in a closed loop: per (agent, cap) at
// most `burst` notifications every `interval_ns`, the rest folded and counted, as the kernel's
// printk_ratelimit (lib/ratelimit.c: 10 messages per 5 s window, then "N callbacks
// suppressed") does. Deterministic: simulated time only, an ordered map.
#ifndef COCONUT_ENGINE_NOTIFY_LIMIT_H
#define COCONUT_ENGINE_NOTIFY_LIMIT_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace coconut::engine {

class NotificationLimiter {
public:
	// printk_ratelimit's defaults (DEFAULT_RATELIMIT_BURST, DEFAULT_RATELIMIT_INTERVAL).
	static constexpr std::uint32_t kBurstDefault = 10;
	static constexpr std::uint64_t kIntervalNsDefault = 5'000'000'000ull;
	// Distinct (agent, cap) windows kept; past it, every new pair shares one window (key aid
	// 0, cap ""), so a run with millions of pairs stays bounded and still folds.
	static constexpr std::size_t kWindowsMax = 65536;

	explicit NotificationLimiter(std::uint32_t burst = kBurstDefault,
				     std::uint64_t interval_ns = kIntervalNsDefault);

	// A denial of `cap` to `aid` sealed at t_ns: true when it is shown. When a window that
	// folded notifications ends, take_folded_note() tells it once.
	bool admit(std::uint64_t aid, std::string_view cap, std::uint64_t t_ns);

	std::uint64_t shown() const { return shown_; }
	std::uint64_t folded() const { return folded_; }
	// The last window that ended with folds ("aid A cap C: N folded"), cleared when read.
	std::string take_folded_note();

private:
	struct Window {
		std::uint64_t start_ns = 0;
		std::uint32_t shown = 0;
		std::uint64_t folded = 0;
	};

	std::uint32_t burst_;
	std::uint64_t interval_ns_;
	std::map<std::pair<std::uint64_t, std::string>, Window> windows_;
	std::uint64_t shown_ = 0, folded_ = 0;
	std::string note_;
};

} // namespace coconut::engine

#endif // COCONUT_ENGINE_NOTIFY_LIMIT_H
