#include "user_platform.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace coconut {

UserPlatform::UserPlatform(u32 cpu_count) : ops_(make_ops()), cpu_count_(cpu_count)
{
	if (cpu_count == 0)
		throw std::invalid_argument("UserPlatform: cpu_count must be at least 1");
	std::memcpy(boot_id_, kDefaultBootId, CO_BOOT_ID_SIZE);
}

UserPlatform::~UserPlatform()
{
	for (auto &kv : live_)
		std::free(kv.first);
}

void UserPlatform::set_cpu(u32 cpu)
{
	if (cpu >= cpu_count_)
		throw std::out_of_range("UserPlatform::set_cpu: cpu " + std::to_string(cpu) +
					" of " + std::to_string(cpu_count_));
	cpu_ = cpu;
}

void UserPlatform::set_boot_id(const u8 id[CO_BOOT_ID_SIZE])
{
	std::memcpy(boot_id_, id, CO_BOOT_ID_SIZE);
}

void UserPlatform::check_unlocked(const char *call)
{
	if (locks_held_)
		violations_.push_back(std::string("lock held across ") + call);
}

void *UserPlatform::allocate(size_t size, bool zeroed)
{
	check_unlocked(zeroed ? "alloc_zeroed" : "alloc");
	if (fail_alloc_in_ == 0) {
		fail_alloc_in_ = -1;
		return nullptr;
	}
	if (fail_alloc_in_ > 0)
		fail_alloc_in_--;
	void *m = zeroed ? std::calloc(1, size ? size : 1) : std::malloc(size ? size : 1);
	if (!m)
		return nullptr;
	// Garbage, not zeros: kernel code must not rely on fresh memory being clear. Zeroed
	// memory comes from calloc, as kvzalloc's would: a large block's pages stay unfaulted
	// until used (an audit window of 1.5 MiB cost the trace fuzzer two full passes per input).
	if (!zeroed)
		std::memset(m, 0xa5, size);
	live_[m] = size;
	live_bytes_ += size;
	if (live_bytes_ > peak_bytes_)
		peak_bytes_ = live_bytes_;
	total_allocations_++;
	return m;
}

void *UserPlatform::alloc_cb(void *ctx, size_t size)
{
	return self(ctx)->allocate(size, false);
}

void *UserPlatform::alloc_zeroed_cb(void *ctx, size_t size)
{
	return self(ctx)->allocate(size, true);
}

void UserPlatform::free_cb(void *ctx, void *ptr, size_t size)
{
	UserPlatform *p = self(ctx);

	p->check_unlocked("free");
	auto it = p->live_.find(ptr);
	if (it == p->live_.end()) {
		p->violations_.push_back("free of an unknown pointer");
		return;
	}
	if (it->second != size)
		p->violations_.push_back("free of " + std::to_string(size) + " bytes, allocated " +
					 std::to_string(it->second));
	p->live_bytes_ -= it->second;
	std::free(ptr);
	p->live_.erase(it);
}

co_plat_lock *UserPlatform::lock_create_cb(void *ctx)
{
	UserPlatform *p = self(ctx);

	p->check_unlocked("lock_create");
	p->live_locks_++;
	return reinterpret_cast<co_plat_lock *>(new Lock());
}

void UserPlatform::lock_destroy_cb(void *ctx, co_plat_lock *lock)
{
	UserPlatform *p = self(ctx);
	Lock *l = reinterpret_cast<Lock *>(lock);

	p->check_unlocked("lock_destroy");
	if (l->held)
		p->violations_.push_back("lock destroyed while held");
	p->live_locks_--;
	delete l;
}

void UserPlatform::lock_cb(void *ctx, co_plat_lock *lock)
{
	UserPlatform *p = self(ctx);
	Lock *l = reinterpret_cast<Lock *>(lock);

	if (l->held)
		p->violations_.push_back("lock taken twice");
	l->held = true;
	p->locks_held_++;
}

void UserPlatform::unlock_cb(void *ctx, co_plat_lock *lock)
{
	UserPlatform *p = self(ctx);
	Lock *l = reinterpret_cast<Lock *>(lock);

	if (!l->held) {
		p->violations_.push_back("unlock of a free lock");
		return;
	}
	l->held = false;
	p->locks_held_--;
}

u64 UserPlatform::now_cb(void *ctx)
{
	return self(ctx)->now_ns_;
}

u32 UserPlatform::cpu_id_cb(void *ctx)
{
	return self(ctx)->cpu_;
}

u32 UserPlatform::cpu_count_cb(void *ctx)
{
	return self(ctx)->cpu_count_;
}

void UserPlatform::log_cb(void *ctx, co_log_level level, const char *msg, size_t len)
{
	UserPlatform *p = self(ctx);

	p->check_unlocked("log");
	p->log_.push_back(LogLine{ level, std::string(msg, len) });
}

int UserPlatform::tpm_cb(void *ctx, u32 idx, const u8 *data, size_t len)
{
	UserPlatform *p = self(ctx);

	p->check_unlocked("tpm_nv_write");
	p->nv_attempts_++;
	if (p->on_tpm_write_)
		p->on_tpm_write_();
	if (p->tpm_fail_count_ > 0) {
		p->tpm_fail_count_--;
		return p->tpm_error_;
	}
	p->nv_.push_back(NvWrite{ idx, std::vector<u8>(data, data + len), p->now_ns_ });
	return 0;
}

void UserPlatform::boot_id_cb(void *ctx, u8 out[CO_BOOT_ID_SIZE])
{
	UserPlatform *p = self(ctx);

	p->check_unlocked("boot_id");
	std::memcpy(out, p->boot_id_, CO_BOOT_ID_SIZE);
}

co_plat_ops UserPlatform::make_ops()
{
	co_plat_ops o{};
	o.alloc = alloc_cb;
	o.alloc_zeroed = alloc_zeroed_cb;
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

} // namespace coconut
