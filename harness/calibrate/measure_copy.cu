// Host <-> device copies: the size curve (4 KiB to 1 GiB, x4 steps) in each direction from
// pinned and from pageable host memory, both directions at once (pinned, two streams), and a
// lone small copy timed from the call to its completion. What the link fit uses (link_fit.h):
// the pinned host-to-device curve and the lone copy; the rest goes into the profile's comments.
#include "cuda_util.h"
#include "measure.h"

#include "calibrate_limits.h"

#include <vector>

namespace coconut::calibrate {

namespace {

// Back-to-back copies per repeat: enough bytes that a small copy's time is the copy engine's
// rate, not the event timer's resolution; one copy for the large sizes.
u32 ops_for(u64 bytes)
{
	const u64 n = limits::copy_repeat_bytes_min / bytes;
	return static_cast<u32>(std::clamp<u64>(n, 1, limits::copy_ops_max));
}

std::string what(const char *dir, const char *mem, u64 bytes)
{
	const bool mib = bytes >= (1u << 20);
	return std::string(dir) + " " + mem + " " + std::to_string(bytes >> (mib ? 20 : 10)) +
	       (mib ? " MiB" : " KiB");
}

struct HostSide {
	void *to_device; // the source of host-to-device copies
	void *from_device;
};

struct Buffers {
	explicit Buffers(u64 bytes)
		: dev_in(bytes), dev_out(bytes), pinned_in(bytes), pinned_out(bytes),
		  pageable_in(bytes, 1), pageable_out(bytes, 1) // touched: no first-use page faults
	{
	}
	HostSide host(HostMemory m)
	{
		if (m == HostMemory::Pinned)
			return {pinned_in.get(), pinned_out.get()};
		return {pageable_in.data(), pageable_out.data()};
	}
	DeviceBuffer<char> dev_in, dev_out;
	PinnedBuffer pinned_in, pinned_out;
	std::vector<char> pageable_in, pageable_out;
};

CopyPoint one_way(Buffers &b, Direction d, HostMemory m, u64 bytes, u32 repeats, cudaStream_t s)
{
	const HostSide h = b.host(m);
	const u32 ops = ops_for(bytes);
	const bool h2d = d == Direction::HostToDevice;
	void *dst = h2d ? static_cast<void *>(b.dev_in.get()) : h.from_device;
	const void *src = h2d ? h.to_device : static_cast<const void *>(b.dev_out.get());
	const cudaMemcpyKind kind = h2d ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost;
	Repeats ns = time_on_stream(s, repeats, ops, [&] {
		CO_CUDA(cudaMemcpyAsync(dst, src, bytes, kind, s));
	});
	return {d, m, bytes, ops, std::move(ns)};
}

// A host-to-device and a device-to-host copy at once on two streams, `ops` pairs per repeat.
CopyPoint both_ways(Buffers &b, u64 bytes, u32 repeats)
{
	Stream up, down;
	Event start, down_done, stop;
	const u32 ops = ops_for(bytes);
	const auto pairs = [&] {
		CO_CUDA(cudaEventRecord(start.get(), up.get()));
		CO_CUDA(cudaStreamWaitEvent(down.get(), start.get(), 0));
		for (u32 i = 0; i < ops; i++) {
			CO_CUDA(cudaMemcpyAsync(b.dev_in.get(), b.pinned_in.get(), bytes,
						cudaMemcpyHostToDevice, up.get()));
			CO_CUDA(cudaMemcpyAsync(b.pinned_out.get(), b.dev_out.get(), bytes,
						cudaMemcpyDeviceToHost, down.get()));
		}
		CO_CUDA(cudaEventRecord(down_done.get(), down.get()));
		CO_CUDA(cudaStreamWaitEvent(up.get(), down_done.get(), 0));
		CO_CUDA(cudaEventRecord(stop.get(), up.get()));
		CO_CUDA(cudaEventSynchronize(stop.get()));
		float ms = 0;
		CO_CUDA(cudaEventElapsedTime(&ms, start.get(), stop.get()));
		return ns_per_op(ms, ops);
	};
	pairs(); // warm-up
	Repeats ns;
	for (u32 r = 0; r < repeats; r++)
		ns.push_back(pairs());
	return {Direction::Both, HostMemory::Pinned, bytes, ops, std::move(ns)};
}

} // namespace

void measure_copies(const Plan &plan, Sample &s, const Tick &tick)
{
	Buffers b(plan.copy_bytes.back());
	Stream stream;
	for (const HostMemory m : {HostMemory::Pinned, HostMemory::Pageable})
		for (const Direction d : {Direction::HostToDevice, Direction::DeviceToHost})
			for (const u64 bytes : plan.copy_bytes) {
				tick(what(direction_name(d), host_memory_name(m), bytes));
				s.copies.push_back(
					one_way(b, d, m, bytes, plan.copy_repeats, stream.get()));
			}
	for (const u64 bytes : plan.copy_bytes) {
		tick(what("both", "pinned", bytes));
		s.copies.push_back(both_ways(b, bytes, plan.copy_repeats));
	}

	tick("a lone 4 KiB copy, call to completion");
	const u64 lone = limits::lone_copy_bytes;
	const cudaStream_t st = stream.get();
	s.lone_copy = {Direction::HostToDevice, HostMemory::Pinned, lone,
		       time_on_host(plan.lone_repeats, [&] {
			       CO_CUDA(cudaMemcpyAsync(b.dev_in.get(), b.pinned_in.get(), lone,
						       cudaMemcpyHostToDevice, st));
			       CO_CUDA(cudaStreamSynchronize(st));
		       })};
}

} // namespace coconut::calibrate
