#include "notify_limit.h"

#include <cassert>

namespace coconut::engine {

NotificationLimiter::NotificationLimiter(std::uint32_t burst, std::uint64_t interval_ns)
	: burst_(burst), interval_ns_(interval_ns)
{
	assert(burst_ > 0 && interval_ns_ > 0);
}

bool NotificationLimiter::admit(std::uint64_t aid, std::string_view cap, std::uint64_t t_ns)
{
	std::pair<std::uint64_t, std::string> key(aid, std::string(cap));
	auto it = windows_.find(key);
	if (it == windows_.end()) {
		if (windows_.size() >= kWindowsMax)
			key = { 0, std::string() };
		it = windows_.try_emplace(std::move(key), Window{ t_ns, 0, 0 }).first;
	}
	Window &w = it->second;
	// The chain's order is the rings' total order; an event stamped before its window's start
	// (another CPU's, sealed later) counts in that window.
	if (t_ns >= w.start_ns && t_ns - w.start_ns >= interval_ns_) {
		if (w.folded > 0)
			note_ = "aid " + std::to_string(it->first.first) + " denied " +
				it->first.second + ": " + std::to_string(w.folded) +
				" notifications folded";
		w = Window{ t_ns, 0, 0 };
	}
	if (w.shown < burst_) {
		w.shown++;
		shown_++;
		return true;
	}
	w.folded++;
	folded_++;
	return false;
}

std::string NotificationLimiter::take_folded_note()
{
	std::string n;
	n.swap(note_);
	return n;
}

} // namespace coconut::engine
