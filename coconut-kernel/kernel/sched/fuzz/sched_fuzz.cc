// libFuzzer entry for kernel/sched (see CMakeLists.txt here): byte 0 picks the policy, then
// every 7 bytes are one op of sched_driver.h (kind, then three little-endian u16).
#include "sched_driver.h"

#include <cstdio>
#include <cstdlib>

namespace {

[[noreturn]] void fail(const std::string &what)
{
	std::fprintf(stderr, "sched_fuzz: %s\n", what.c_str());
	std::abort();
}

u16 le16(const uint8_t *p)
{
	return (u16)(p[0] | (p[1] << 8));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const u32 policy = data[0] % CO_SCHED_POLICY_COUNT;
	size_t live = 0;
	{
		sched_driver::Driver d(policy);
		if (!d.created())
			fail("create");
		// 4096 ops at most: a long input costs no more than a long property case.
		for (size_t at = 1, n = 0; at + 7 <= size && n < 4096; at += 7, n++) {
			sched_driver::Op op{ data[at], le16(data + at + 1), le16(data + at + 3),
					     le16(data + at + 5) };
			std::string err = d.step(op);
			if (!err.empty())
				fail(err);
		}
		std::string err = d.drain();
		if (!err.empty())
			fail("drain: " + err);
		live = d.platform().live_allocations();
		if (live != 1)
			fail("the instance is one allocation");
	}
	return 0;
}
