// A userspace struct co_plat_ops for the audit tests: a settable clock and CPU id, a TPM that
// records every NV write and can be told to fail, allocations that are checked (sizes given
// back on free must match, nothing may leak) and can be told to fail, and a lock that checks
// the platform's rule "never held across a platform call" on every other call.
// Self-contained on purpose: other subsystems keep their own fakes.
#ifndef COCONUT_AUDIT_TEST_PLATFORM_H
#define COCONUT_AUDIT_TEST_PLATFORM_H

#include "coconut/platform.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace audit_test {

class FakePlatform {
public:
	struct NvWrite {
		u32 index;
		std::vector<u8> data;
		u64 time_ns;
	};

	explicit FakePlatform(u32 cpus = 4) : cpus_(cpus)
	{
		for (u32 i = 0; i < CO_BOOT_ID_SIZE; i++)
			boot_id_[i] = static_cast<u8>(0xb0 + i);
	}
	FakePlatform(const FakePlatform &) = delete;
	FakePlatform &operator=(const FakePlatform &) = delete;
	~FakePlatform()
	{
		for (auto &kv : live_)
			std::free(kv.first);
	}

	co_plat plat() { return co_plat{&ops_, this}; }
	// The table, to copy and strip (a platform without locks, without a TPM, ...).
	const co_plat_ops &ops() const { return ops_; }

	// ---- Knobs ----
	u64 now = 0;
	u32 cpu = 0;
	// The next tpm_fail_count NV writes fail with tpm_error (then they succeed again).
	u32 tpm_fail_count = 0;
	int tpm_error = -5; // -EIO
	// Runs inside every tpm_nv_write, before it answers (to act while the sealer waits on it).
	std::function<void()> on_tpm_write;
	// Allocation number fail_alloc_at (0-based, counted from now on) returns NULL; -1: never.
	long fail_alloc_at = -1;

	void set_boot_id(const u8 id[CO_BOOT_ID_SIZE])
	{
		std::memcpy(boot_id_, id, CO_BOOT_ID_SIZE);
	}
	const u8 *boot_id() const { return boot_id_; }
	u32 cpus() const { return cpus_; }

	// ---- Observations ----
	const std::vector<NvWrite> &nv_writes() const { return nv_; }
	u32 nv_attempts() const { return nv_attempts_; }
	const std::vector<std::string> &log_lines() const { return logs_; }
	size_t live_bytes() const
	{
		size_t n = 0;
		for (auto &kv : live_)
			n += kv.second;
		return n;
	}
	size_t live_allocations() const { return live_.size(); }
	// Every broken rule of the platform contract seen so far (a lock held across a call, a
	// double lock, a free of the wrong size...); tests expect it empty.
	const std::vector<std::string> &violations() const { return violations_; }
	bool lock_held() const { return held_; }

private:
	void check_unlocked(const char *call)
	{
		if (held_)
			violations_.push_back(std::string("lock held across ") + call);
	}

	static FakePlatform *self(void *ctx) { return static_cast<FakePlatform *>(ctx); }

	static void *alloc_cb(void *ctx, size_t size)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("alloc");
		if (p->fail_alloc_at == 0) {
			p->fail_alloc_at = -1;
			return nullptr;
		}
		if (p->fail_alloc_at > 0)
			p->fail_alloc_at--;
		void *m = std::malloc(size ? size : 1);
		// Garbage, not zeros: the code under test must not count on cleared memory.
		std::memset(m, 0xa5, size);
		p->live_[m] = size;
		return m;
	}

	static void free_cb(void *ctx, void *ptr, size_t size)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("free");
		auto it = p->live_.find(ptr);
		if (it == p->live_.end()) {
			p->violations_.push_back("free of an unknown pointer");
			return;
		}
		if (it->second != size)
			p->violations_.push_back("free with a size other than allocated");
		std::free(ptr);
		p->live_.erase(it);
	}

	static co_plat_lock *lock_create_cb(void *ctx)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("lock_create");
		p->locks_++;
		return reinterpret_cast<co_plat_lock *>(&p->lock_token_);
	}

	static void lock_destroy_cb(void *ctx, co_plat_lock *lock)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("lock_destroy");
		if (lock != reinterpret_cast<co_plat_lock *>(&p->lock_token_))
			p->violations_.push_back("lock_destroy of an unknown lock");
		p->locks_--;
	}

	static void lock_cb(void *ctx, co_plat_lock *)
	{
		FakePlatform *p = self(ctx);
		if (p->held_)
			p->violations_.push_back("lock taken twice");
		p->held_ = true;
	}

	static void unlock_cb(void *ctx, co_plat_lock *)
	{
		FakePlatform *p = self(ctx);
		if (!p->held_)
			p->violations_.push_back("unlock of a free lock");
		p->held_ = false;
	}

	static u64 now_cb(void *ctx)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("now_ns");
		return p->now;
	}

	static u32 cpu_id_cb(void *ctx)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("cpu_id");
		return p->cpu;
	}

	static u32 cpu_count_cb(void *ctx)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("cpu_count");
		return p->cpus_;
	}

	static void log_cb(void *ctx, co_log_level, const char *msg, size_t len)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("log");
		p->logs_.emplace_back(msg, len);
	}

	static int tpm_cb(void *ctx, u32 idx, const u8 *data, size_t len)
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("tpm_nv_write");
		p->nv_attempts_++;
		if (p->on_tpm_write)
			p->on_tpm_write();
		if (p->tpm_fail_count > 0) {
			p->tpm_fail_count--;
			return p->tpm_error;
		}
		p->nv_.push_back(NvWrite{idx, std::vector<u8>(data, data + len), p->now});
		return 0;
	}

	static void boot_id_cb(void *ctx, u8 out[CO_BOOT_ID_SIZE])
	{
		FakePlatform *p = self(ctx);
		p->check_unlocked("boot_id");
		std::memcpy(out, p->boot_id_, CO_BOOT_ID_SIZE);
	}

	static constexpr co_plat_ops make_ops()
	{
		co_plat_ops o{};
		o.alloc = alloc_cb;
		o.free = free_cb;
		o.lock_create = lock_create_cb;
		o.lock_destroy = lock_destroy_cb;
		o.lock = lock_cb;
		o.unlock = unlock_cb;
		o.now_ns = now_cb;
		o.cpu_id = cpu_id_cb;
		o.cpu_count = cpu_count_cb;
		o.log = log_cb;
		o.tpm_nv_write = tpm_cb;
		o.boot_id = boot_id_cb;
		return o;
	}

	const co_plat_ops ops_ = make_ops();
	u32 cpus_;
	u8 boot_id_[CO_BOOT_ID_SIZE];
	std::map<void *, size_t> live_;
	std::vector<NvWrite> nv_;
	u32 nv_attempts_ = 0;
	std::vector<std::string> logs_;
	std::vector<std::string> violations_;
	int lock_token_ = 0;
	int locks_ = 0;
	bool held_ = false;
};

} // namespace audit_test

#endif // COCONUT_AUDIT_TEST_PLATFORM_H
