// Fairness measures, in integer arithmetic (they feed gates and fingerprints).
#ifndef COCONUT_SIM_METRICS_FAIRNESS_H
#define COCONUT_SIM_METRICS_FAIRNESS_H

#include <cstddef>
#include <vector>

#include "types.h"

namespace coconut::metrics {

// Jain's fairness index (Jain, Chiu and Hawe, 1984) (sum x)^2 / (n * sum x^2) in thousandths,
// rounded to nearest: 1000 when all x are equal, 1000/n when one takes everything. An empty
// vector or all zeros reads as 1000 (nobody got less than anybody). Exact for values up to
// 2^59 / n; larger inputs are all shifted right together first (the index is scale-free).
u64 jain_index_milli(const std::vector<u64> &x);

// num / den in thousandths, rounded to nearest (a p99/p50 ratio for a gate); den == 0 gives
// 0 when num == 0, else 2^64 - 1 (an unbounded ratio fails any bound). Saturates.
u64 ratio_milli(u64 num, u64 den);

// One tenant at one sampling instant.
struct TenantSample {
	u64 served_units; // cumulative service since the start (monotone: ns of CPU, bytes, tokens)
	u64 weight;	  // its share weight (> 0; a tenant of weight 0 is left out of every pair)
	bool backlogged;  // it had work waiting at this instant
};

// The service difference of weighted fair queueing analysis (Golestani 1994; Parekh and
// Gallager's GPS): for two tenants i, j that are both continuously backlogged over [t0, t],
//   D_ij(t0, t) = | (S_i(t) - S_i(t0)) / w_i - (S_j(t) - S_j(t0)) / w_j |,
// and a fair scheduler keeps the maximum over all such pairs and intervals bounded.
//
// Sampled definition (what this class computes): samples k = 0, 1, ... arrive with
// non-decreasing times. A pair's run is a maximal sequence of consecutive samples at which
// both tenants report backlogged; t0 is the run's first sample and t ranges over its later
// samples. The result is max D_ij over all pairs and runs, in thousandths of a service unit
// per unit weight, rounded down: |dS_i * w_j - dS_j * w_i| * 1000 / (w_i * w_j), exact in
// 128-bit arithmetic. Sampling only ever underestimates the continuous-time maximum; sample
// at every change of backlog (or finely enough) for the bound you gate on.
//
// The tenant vector's order is the tenant identity. It may grow between samples (a new
// tenant starts not backlogged); a shorter vector, a decreasing served_units or an earlier
// time throws std::invalid_argument naming the tenant.
class ServiceDifference {
public:
	void sample(u64 now_ns, const std::vector<TenantSample> &tenants);

	u64 max_difference_milli() const { return max_milli_; }
	// The pair (i < j) and the sample time at which the maximum was first reached; both 0
	// before any difference was seen.
	size_t worst_i() const { return worst_i_; }
	size_t worst_j() const { return worst_j_; }
	u64 worst_at_ns() const { return worst_at_ns_; }
	u64 samples() const { return samples_; }

private:
	// A pair is visited only at samples where both tenants are backlogged (with weight), so a
	// sample costs O(n + b^2) for b backlogged tenants rather than O(n^2): the run continues
	// when the pair was visited at the previous sample (stamp == this sample's index - 1),
	// and a pair not visited then has had its run broken, exactly as if marked inactive.
	struct PairRun {
		u64 stamp = 0;	// 1 + the index of the last sample that visited the pair; 0: never
		u64 base_i = 0; // S_i and S_j at the run's first sample
		u64 base_j = 0;
	};
	PairRun &pair(size_t i, size_t j) { return pairs_[j * (j - 1) / 2 + i]; } // i < j

	std::vector<TenantSample> last_;
	std::vector<size_t> busy_;   // this sample's backlogged tenants with weight, in order
	std::vector<PairRun> pairs_; // lower triangle, n (n - 1) / 2 entries
	u64 last_ns_ = 0;
	u64 samples_ = 0;
	u64 max_milli_ = 0;
	size_t worst_i_ = 0;
	size_t worst_j_ = 0;
	u64 worst_at_ns_ = 0;
};

} // namespace coconut::metrics

#endif
