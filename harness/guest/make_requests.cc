// Host side of the guest driver: writes the signed spawn requests the guest replays (the guest
// has no libsodium and no CBOR writer) and the authorizer key coconut.ko must trust, using the
// request builder libcoconut's callers use (libcoconut/tools/spawn_request.h) with the
// simulator's authorizer seed, so the guest and the simulator see the same bytes.
//
//   make_requests OUT_DIR    writes OUT_DIR/authorizer.hex, OUT_DIR/worker.req and the two
//                            tenants' requests (acme, zeta, acme-worker, escape .req)
#include "spawn_request.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace {

// The simulator's authorizer (sim/engine/simulation.cc signs with seed 0xc0).
constexpr uint8_t kAuthorizerSeed = 0xc0;

bool write_file(const std::string &path, const void *data, size_t len)
{
	std::ofstream f(path, std::ios::binary);
	f.write(static_cast<const char *>(data), static_cast<std::streamsize>(len));
	return static_cast<bool>(f);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: make_requests OUT_DIR\n");
		return 2;
	}
	const std::string out = argv[1];
	const auto signer = agent_test::Signer::from_seed(kAuthorizerSeed);

	std::string hex;
	for (uint8_t b : signer.pk) {
		char two[3];
		std::snprintf(two, sizeof(two), "%02x", b);
		hex += two;
	}
	hex += "\n";

	// The guest's worker: reads its project, may later be granted /data, allocates RAM.
	agent_test::Manifest m;
	m.name = "worker";
	m.tenant = 7;
	m.caps = { "fs.read:/home/maya/project/**", "fs.read:/data/**", "mem.tier:ram" };
	m.code_digest.fill(0x5a);
	const auto req =
		agent_test::make_spawn_request(signer, m,
					       { "fs.read:/home/maya/project/**", "mem.tier:ram" });

	if (!write_file(out + "/authorizer.hex", hex.data(), hex.size()) ||
	    !write_file(out + "/worker.req", req.data(), req.size())) {
		std::fprintf(stderr, "make_requests: cannot write to %s\n", out.c_str());
		return 1;
	}

	// Two tenants for the cross-tenant checks (coconut_guest.c, tenants()): acme's top agent
	// may spawn and holds a delegation right over fs.read; zeta's only reads. acme-worker is
	// acme's worker; acme-spawner may spawn (the table-full check grows acme's tree with it);
	// escape is a worker manifest naming zeta's tenant, which acme may not spawn (only root
	// starts tenants).
	struct Made {
		const char *file, *name;
		uint32_t tenant;
		std::vector<std::string> caps;
	};
	const Made made[] = {
		{ "acme.req",
		  "acme",
		  1,
		  { "agent.spawn", "fs.read:/data/**", "cap.grant:fs.read:/**", "mem.tier:ram" } },
		{ "zeta.req", "zeta", 2, { "fs.read:/data/**", "mem.tier:ram" } },
		{ "acme-worker.req", "acme-worker", 1, { "fs.read:/data/acme/**", "mem.tier:ram" } },
		{ "acme-spawner.req",
		  "acme-spawner",
		  1,
		  { "agent.spawn", "fs.read:/data/acme/**", "mem.tier:ram" } },
		{ "escape.req", "escape", 2, { "fs.read:/data/acme/**" } },
	};
	for (const Made &x : made) {
		agent_test::Manifest mx;
		mx.name = x.name;
		mx.tenant = x.tenant;
		mx.caps = x.caps;
		mx.code_digest.fill(0x6b);
		const auto rx = agent_test::make_spawn_request(signer, mx, x.caps);
		if (!write_file(out + "/" + x.file, rx.data(), rx.size())) {
			std::fprintf(stderr, "make_requests: cannot write to %s\n", out.c_str());
			return 1;
		}
	}
	return 0;
}
