// Generated tenant mixes for the isolation property (issue 11): from one seed, a scenario with
// 1..8 victims sending ordinary mixed requests and 1..3 flooders each flooding one to three of
// cpu, pcie and inference at ten times their share, on one H100 node whose size and PCIe
// generation vary. Victims' jobs span 0.5 ms..200 ms of CPU, 64 KiB..1 GiB of DMA and their
// load is 5..80 % of their share on every resource they use. The scenario is YAML text, so a
// failing seed is reproduced with `isolation_mixes --emit SEED > mix.yaml` and
// `coconut-sim run mix.yaml`.
#ifndef COCONUT_HARNESS_PROPS_MIX_GEN_H
#define COCONUT_HARNESS_PROPS_MIX_GEN_H

#include <cstdint>
#include <string>
#include <vector>

namespace coconut::props {

// What a mix is made of, for the report of the mixes that fail ("what they share").
struct MixShape {
	std::uint32_t cpus = 0;
	std::string pcie;
	std::uint32_t victims = 0;
	std::uint32_t flooders = 0;
	std::vector<std::string> flooded;    // resources flooded, one entry per flooding group
	std::uint32_t load_permille_max = 0; // the heaviest victim's load, of its share
	std::uint64_t cpu_job_ns_min = 0;    // the smallest victim CPU job (its range's low end)
	std::uint64_t dma_bytes_max = 0;     // the largest victim transfer (0: none uses pcie)
	std::uint64_t duration_s = 0;
};

// The scenario of mix `seed` (YAML), and its shape. sched_lag, when not empty, is written as
// machine.sched_lag (a duration: "5s").
std::string generate_mix(std::uint64_t seed, MixShape *shape, const std::string &sched_lag = "");

// One line saying what the mix is: "8 cpus gen5, 3 victims (load <= 72%, cpu >= 1.2ms, dma <=
// 512MiB), 2 flooders (cpu pcie inference)".
std::string describe(const MixShape &shape);

} // namespace coconut::props

#endif
