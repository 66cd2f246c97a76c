// A deterministic userspace implementation of struct co_plat_ops (coconut/platform.h), for the
// unit tests of coconut-kernel/ (the audit layer's included) and the Python bindings: a settable clock and CPU id,
// malloc/free that count (and can be told to fail), a lock that does nothing but check the
// platform's rules, a TPM that records every NV write (and can be told to fail), and a fixed,
// settable boot id. Nothing here reads the wall clock or any randomness: the same calls give
// the same answers on every machine.
//
// One UserPlatform per simulated machine; it must outlive every kernel instance built on it.
// Not thread-safe (one simulation is one thread).
#ifndef COCONUT_SIM_USER_PLATFORM_H
#define COCONUT_SIM_USER_PLATFORM_H

#include "coconut/platform.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace coconut {

class UserPlatform {
public:
	struct NvWrite {
		u32 index;
		std::vector<u8> data;
		u64 time_ns; // the clock when it was written
	};

	// The boot id every UserPlatform starts with: "coconut-sim-boot".
	static constexpr u8 kDefaultBootId[CO_BOOT_ID_SIZE] = { 'c', 'o', 'c', 'o', 'n', 'u',
								't', '-', 's', 'i', 'm', '-',
								'b', 'o', 'o', 't' };

	explicit UserPlatform(u32 cpu_count = 1);
	UserPlatform(const UserPlatform &) = delete;
	UserPlatform &operator=(const UserPlatform &) = delete;
	// Frees whatever is still allocated (a leak is reported by live_allocations(), not hidden
	// from the test that checks it before).
	~UserPlatform();

	// The table and context to hand to co_kernel_create() / co_audit_init().
	co_plat plat() { return co_plat{ &ops_, this }; }
	const co_plat_ops &ops() const { return ops_; }

	// ---- Clock and CPU ------------------------------------------------------------------
	u64 now_ns() const { return now_ns_; }
	void set_now_ns(u64 t) { now_ns_ = t; }
	void advance_ns(u64 dt) { now_ns_ += dt; }
	u32 cpu() const { return cpu_; }
	void set_cpu(u32 cpu); // < cpu_count(), else std::out_of_range
	u32 cpu_count() const { return cpu_count_; }

	// ---- Memory -------------------------------------------------------------------------
	size_t live_allocations() const { return live_.size(); }
	size_t live_bytes() const { return live_bytes_; }
	u64 total_allocations() const { return total_allocations_; }
	size_t peak_bytes() const { return peak_bytes_; }
	// The allocation n allocations from now (0: the next one) returns NULL; -1: none fails.
	void fail_allocation_in(long n) { fail_alloc_in_ = n; }

	// ---- TPM ----------------------------------------------------------------------------
	const std::vector<NvWrite> &nv_writes() const { return nv_; }
	u32 nv_attempts() const { return nv_attempts_; }
	// The next `count` NV writes fail with `error` (a negative errno), then they succeed.
	void fail_tpm_writes(u32 count, int error = -5 /* -EIO */)
	{
		tpm_fail_count_ = count;
		tpm_error_ = error;
	}
	// Runs inside every NV write, before it answers (a test acting while the sealer waits on
	// the TPM); an empty function: nothing.
	void set_on_tpm_write(std::function<void()> fn) { on_tpm_write_ = std::move(fn); }

	// ---- Boot id ------------------------------------------------------------------------
	void set_boot_id(const u8 id[CO_BOOT_ID_SIZE]);
	const u8 *boot_id() const { return boot_id_; }

	// ---- Log and rule checks ------------------------------------------------------------
	struct LogLine {
		co_log_level level;
		std::string text;
	};
	const std::vector<LogLine> &log_lines() const { return log_; }
	// Broken platform rules seen so far: a lock taken twice or released while free, a free of
	// an unknown pointer or with another size than allocated, a platform call other than
	// now_ns/cpu_id while a lock is held. Tests expect it empty.
	const std::vector<std::string> &violations() const { return violations_; }
	void clear_violations() { violations_.clear(); }
	u32 live_locks() const { return live_locks_; }
	u32 locks_held() const { return locks_held_; }

private:
	struct Lock {
		bool held = false;
	};

	void check_unlocked(const char *call);
	static UserPlatform *self(void *ctx) { return static_cast<UserPlatform *>(ctx); }
	static co_plat_ops make_ops();

	void *allocate(size_t size, bool zeroed);
	static void *alloc_cb(void *ctx, size_t size);
	static void *alloc_zeroed_cb(void *ctx, size_t size);
	static void free_cb(void *ctx, void *ptr, size_t size);
	static co_plat_lock *lock_create_cb(void *ctx);
	static void lock_destroy_cb(void *ctx, co_plat_lock *lock);
	static void lock_cb(void *ctx, co_plat_lock *lock);
	static void unlock_cb(void *ctx, co_plat_lock *lock);
	static u64 now_cb(void *ctx);
	static u32 cpu_id_cb(void *ctx);
	static u32 cpu_count_cb(void *ctx);
	static void log_cb(void *ctx, co_log_level level, const char *msg, size_t len);
	static int tpm_cb(void *ctx, u32 idx, const u8 *data, size_t len);
	static void boot_id_cb(void *ctx, u8 out[CO_BOOT_ID_SIZE]);

	const co_plat_ops ops_;
	u32 cpu_count_;
	u32 cpu_ = 0;
	u64 now_ns_ = 0;
	u8 boot_id_[CO_BOOT_ID_SIZE];

	std::unordered_map<void *, size_t> live_; // looked up only, never iterated for output
	size_t live_bytes_ = 0;
	size_t peak_bytes_ = 0;
	u64 total_allocations_ = 0;
	long fail_alloc_in_ = -1;

	std::vector<NvWrite> nv_;
	u32 nv_attempts_ = 0;
	u32 tpm_fail_count_ = 0;
	int tpm_error_ = -5;
	std::function<void()> on_tpm_write_;

	std::vector<LogLine> log_;
	std::vector<std::string> violations_;
	u32 live_locks_ = 0;
	u32 locks_held_ = 0;
};

} // namespace coconut

#endif // COCONUT_SIM_USER_PLATFORM_H
