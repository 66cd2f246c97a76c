// What the measure_*.cu files share: CUDA errors as exceptions that name the call, owners for
// device and pinned memory, streams and events (a failed step frees what it took, so the next
// run starts clean), and the two ways of timing (measure.h).
#ifndef COCONUT_HARNESS_CALIBRATE_CUDA_UTIL_H
#define COCONUT_HARNESS_CALIBRATE_CUDA_UTIL_H

#include "sample.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

namespace coconut::calibrate {

[[noreturn]] inline void cuda_fail(const char *call, const char *error, const char *file, int line)
{
	throw std::runtime_error(std::string(call) + ": " + error + " (" + file + ":" +
				 std::to_string(line) + ")");
}

#define CO_CUDA(call)                                                                              \
	do {                                                                                       \
		const cudaError_t co_err_ = (call);                                                \
		if (co_err_ != cudaSuccess)                                                        \
			::coconut::calibrate::cuda_fail(#call, cudaGetErrorString(co_err_),        \
							__FILE__, __LINE__);                       \
	} while (0)

// `count` elements of T in device memory.
template <typename T> class DeviceBuffer {
public:
	explicit DeviceBuffer(u64 count) : count_(count)
	{
		CO_CUDA(cudaMalloc(reinterpret_cast<void **>(&p_), count * sizeof(T)));
	}
	~DeviceBuffer() { cudaFree(p_); }
	DeviceBuffer(const DeviceBuffer &) = delete;
	DeviceBuffer &operator=(const DeviceBuffer &) = delete;
	T *get() const { return p_; }
	u64 count() const { return count_; }

private:
	T *p_ = nullptr;
	u64 count_;
};

// Page-locked host memory: what the copy engines reach without a bounce buffer.
class PinnedBuffer {
public:
	explicit PinnedBuffer(u64 bytes) { CO_CUDA(cudaMallocHost(&p_, bytes)); }
	~PinnedBuffer() { cudaFreeHost(p_); }
	PinnedBuffer(const PinnedBuffer &) = delete;
	PinnedBuffer &operator=(const PinnedBuffer &) = delete;
	void *get() const { return p_; }

private:
	void *p_ = nullptr;
};

class Stream {
public:
	Stream() { CO_CUDA(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
	~Stream() { cudaStreamDestroy(s_); }
	Stream(const Stream &) = delete;
	Stream &operator=(const Stream &) = delete;
	cudaStream_t get() const { return s_; }

private:
	cudaStream_t s_{};
};

class Event {
public:
	Event() { CO_CUDA(cudaEventCreate(&e_)); }
	~Event() { cudaEventDestroy(e_); }
	Event(const Event &) = delete;
	Event &operator=(const Event &) = delete;
	cudaEvent_t get() const { return e_; }

private:
	cudaEvent_t e_{};
};

// ns per operation of `ms` over `ops` operations; never 0 (the sample refuses a 0 ns timing).
inline u64 ns_per_op(float ms, u32 ops)
{
	return std::max<u64>(1,
			     static_cast<u64>(std::llround(static_cast<double>(ms) * 1e6 / ops)));
}

// `repeats` times: `ops` calls of `op` (which enqueues on `stream`) between two events, after
// one warm-up call. Each repeat is the time per call.
template <typename Op> Repeats time_on_stream(cudaStream_t stream, u32 repeats, u32 ops, Op op)
{
	Event start, stop;
	op();
	CO_CUDA(cudaStreamSynchronize(stream));
	Repeats ns;
	for (u32 r = 0; r < repeats; r++) {
		CO_CUDA(cudaEventRecord(start.get(), stream));
		for (u32 i = 0; i < ops; i++)
			op();
		CO_CUDA(cudaEventRecord(stop.get(), stream));
		CO_CUDA(cudaEventSynchronize(stop.get()));
		CO_CUDA(cudaGetLastError()); // a failed kernel launch
		float ms = 0;
		CO_CUDA(cudaEventElapsedTime(&ms, start.get(), stop.get()));
		ns.push_back(ns_per_op(ms, ops));
	}
	return ns;
}

// `repeats` times one call of `op` (which must wait for its own completion), on the host
// clock, after a few warm-up calls.
template <typename Op> Repeats time_on_host(u32 repeats, Op op)
{
	constexpr u32 warm_up = 5;
	for (u32 i = 0; i < warm_up; i++)
		op();
	Repeats ns;
	for (u32 r = 0; r < repeats; r++) {
		const auto t0 = std::chrono::steady_clock::now();
		op();
		const auto t1 = std::chrono::steady_clock::now();
		const auto d =
			std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
		ns.push_back(std::max<u64>(1, static_cast<u64>(d)));
	}
	return ns;
}

// Fills device memory with values in [-0.5, 0.5) from a hash of the index (measure_kernels.cu):
// tensor cores on zeros draw less power and clock higher than on real data.
void fill_fp16(void *p, u64 count, u32 seed, cudaStream_t stream);
void fill_bf16(void *p, u64 count, u32 seed, cudaStream_t stream);

} // namespace coconut::calibrate

#endif // COCONUT_HARNESS_CALIBRATE_CUDA_UTIL_H
