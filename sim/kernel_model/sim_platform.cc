// See sim_platform.h.
#include "sim_platform.h"

#include "coconut/blake3.h"
#include "coconut/errno.h"
#include "sc_context.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace coconut::kmodel {

namespace {
// A lock object for the kernel to hold; simulations are single-threaded.
struct NoLock {
	int unused;
};
NoLock g_no_lock;
} // namespace

SimPlatform::SimPlatform(u32 cpu_count, u64 seed, TpmWrite tpm_write)
	: ops_(make_ops()), cpu_count_(cpu_count), tpm_write_(std::move(tpm_write))
{
	if (cpu_count == 0)
		throw std::invalid_argument("SimPlatform: cpu_count must be at least 1");
	// boot id = the first 16 bytes of BLAKE3("coconut-sim boot" || seed, little-endian).
	u8 material[16 + 8];
	std::memcpy(material, "coconut-sim boot", 16);
	for (int i = 0; i < 8; i++)
		material[16 + i] = (u8)(seed >> (8 * i));
	u8 digest[CO_BLAKE3_OUT_BYTES];
	co_blake3_hash(material, sizeof(material), digest);
	std::memcpy(boot_id_, digest, CO_BOOT_ID_SIZE);
}

void SimPlatform::set_cpu(u32 cpu)
{
	if (cpu >= cpu_count_)
		throw std::out_of_range("SimPlatform::set_cpu: cpu " + std::to_string(cpu) +
					" of " + std::to_string(cpu_count_));
	cpu_ = cpu;
}

co_plat_ops SimPlatform::make_ops()
{
	co_plat_ops o{};
	o.alloc = [](void *ctx, size_t size) -> void * {
		void *p = std::calloc(1, size ? size : 1);
		if (p) {
			SimPlatform *s = self(ctx);
			s->live_bytes_ += size;
			s->allocations_++;
			if (s->live_bytes_ > s->peak_bytes_)
				s->peak_bytes_ = s->live_bytes_;
		}
		return p;
	};
	// calloc already zeroes (a large block comes as untouched pages): the kernel's zeroed
	// allocations take it as it is.
	o.alloc_zeroed = o.alloc;
	o.free = [](void *ctx, void *p, size_t size) {
		self(ctx)->live_bytes_ -= size;
		std::free(p);
	};
	o.lock_create = [](void *) -> co_plat_lock * {
		return reinterpret_cast<co_plat_lock *>(&g_no_lock);
	};
	o.lock_destroy = [](void *, co_plat_lock *) {};
	o.lock = [](void *, co_plat_lock *) {};
	o.unlock = [](void *, co_plat_lock *) {};
	o.now_ns = [](void *) -> u64 { return coconut::sim::now_ns(); };
	o.cpu_id = [](void *ctx) -> u32 { return self(ctx)->cpu_; };
	o.cpu_count = [](void *ctx) -> u32 { return self(ctx)->cpu_count_; };
	o.log = [](void *ctx, co_log_level, const char *msg, size_t len) {
		SimPlatform *s = self(ctx);
		if (s->log_.size() < kLogLinesMax)
			s->log_.emplace_back(msg, len);
		else
			s->log_dropped_++;
	};
	o.tpm_nv_write = [](void *ctx, u32 idx, const u8 *data, size_t len) -> int {
		SimPlatform *s = self(ctx);
		if (!s->tpm_write_)
			return -ENODEV;
		return s->tpm_write_(idx, data, len);
	};
	o.boot_id = [](void *ctx, u8 out[CO_BOOT_ID_SIZE]) {
		std::memcpy(out, self(ctx)->boot_id_, CO_BOOT_ID_SIZE);
	};
	return o;
}

} // namespace coconut::kmodel
