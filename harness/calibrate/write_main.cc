// coconut-calibrate-write SAMPLE OUTDIR: the profiles from a sample, without a GPU (a sample
// recorded elsewhere, re-fitted after the fit changed, or the tests' recorded one).
// Exit status: 0 written, 1 the sample or the output was refused (the message says why), 2 usage.
#include "writer.h"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char **argv)
{
	if (argc != 3 || std::string(argv[1]) == "--help") {
		std::fprintf(stderr, "usage: coconut-calibrate-write SAMPLE OUTDIR\n"
				     "  writes OUTDIR/<gpu>-measured.yaml and "
				     "OUTDIR/<gpu>-measured-pcie.yaml (docs/calibrate.md)\n");
		return 2;
	}
	try {
		const auto w = coconut::calibrate::write_profiles(argv[1], argv[2]);
		for (const std::string &line : w.summary)
			std::printf("%s\n", line.c_str());
		std::printf("wrote %s\nwrote %s\n", w.gpu_path.c_str(), w.pcie_path.c_str());
		return 0;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "coconut-calibrate-write: %s\n", e.what());
		return 1;
	}
}
