// fit_published: fits the broker's cost model and the PCIe copy model to published.yaml and
// prints the profile fields the fit gives (to paste into sim/devices/profiles/<name>.yaml) and
// the residuals of every point with the profiles of a directory (default: the built-in one).
//
//   fit_published PUBLISHED.yaml [PROFILE_DIR]
#include "published.h"

#include <cmath>
#include <cstdio>
#include <exception>

using namespace coconut::devices;
using namespace coconut::devices::calibration;

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		std::fprintf(stderr, "usage: fit_published PUBLISHED.yaml [PROFILE_DIR]\n");
		return 2;
	}
	try {
		const Published p = load_published(argv[1]);
		for (const auto &[gpu, pts] : p.linear) {
			const LinearFit f = fit_linear(pts, p.model);
			std::printf(
				"%s: weights_read_bytes_per_s %llu (%.3f ms), linear_flops_per_s "
				"%llu (%.3f us/token)\n",
				gpu.c_str(), (unsigned long long)f.weights_read_bytes_per_s,
				f.weights_ms, (unsigned long long)f.linear_flops_per_s,
				f.ms_per_token * 1e3);
			for (const LinearPoint &lp : pts)
				std::printf("  linear %5llu tokens: %8.3f ms published, %8.3f "
					    "model, %+5.1f %%\n",
					    (unsigned long long)lp.tokens, lp.ms,
					    linear_ms(f, lp.tokens),
					    (linear_ms(f, lp.tokens) / lp.ms - 1) * 100);
			if (p.curve.count(gpu))
				for (const LinearPoint &lp : p.curve.at(gpu))
					std::printf("  curve  %5llu tokens: %8.3f ms published, "
						    "%8.3f model, "
						    "%+5.1f %%\n",
						    (unsigned long long)lp.tokens, lp.ms,
						    linear_ms(f, lp.tokens),
						    (linear_ms(f, lp.tokens) / lp.ms - 1) * 100);
		}
		for (const auto &[gpu, pts] : p.attention) {
			const AttentionFit f = fit_attention(pts, p.model);
			std::printf(
				"%s: attention_layer_overhead_ns %.0f, kv_read_bytes_per_s %llu, "
				"attention_flops_per_s %llu\n",
				gpu.c_str(), f.layer_overhead_ms * 1e6,
				(unsigned long long)f.kv_read_bytes_per_s,
				(unsigned long long)f.attention_flops_per_s);
			for (const AttentionPoint &ap : pts)
				std::printf(
					"  attention kv %7llu chunk %4llu offset %4llu: %6.4f ms "
					"published, %6.4f model, %+5.1f %%\n",
					(unsigned long long)ap.kv_tokens,
					(unsigned long long)ap.chunk, (unsigned long long)ap.offset,
					ap.ms, attention_ms(f, p.model, ap),
					(attention_ms(f, p.model, ap) / ap.ms - 1) * 100);
		}
		if (!p.size_curve.empty()) {
			const PcieFit f = fit_pcie(p);
			std::printf("pcie: copy_overhead_ns %.0f", f.overhead_ns);
			for (const auto &[profile, bw] : f.bytes_per_s)
				std::printf(", %s bytes_per_s %.0f", profile.c_str(), bw);
			std::printf("\n");
		}
		const ProfileLibrary lib(argc == 3 ? argv[2] : default_profile_dir());
		for (const Residual &r : copy_residuals(p, lib))
			std::printf("copy %s %s: %.2f GB/s published, %.2f model, %+.1f %%%s%s\n",
				    r.gpu.c_str(), r.what.c_str(), r.published_ms, r.model_ms,
				    r.error() * 100,
				    r.outlier.empty() ? "" : "  outlier: ", r.outlier.c_str());
		for (const Residual &r : iteration_residuals(p, lib))
			std::printf(
				"iteration %s %s: %.2f ms published, %.2f model, %+.1f %%%s%s\n",
				r.gpu.c_str(), r.what.c_str(), r.published_ms, r.model_ms,
				r.error() * 100,
				r.outlier.empty() ? "" : "  outlier: ", r.outlier.c_str());
	} catch (const std::exception &e) {
		std::fprintf(stderr, "fit_published: %s\n", e.what());
		return 1;
	}
	return 0;
}
