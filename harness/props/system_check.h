// One whole-system case judged by the property suite (docs/properties.md): the scenario runs
// in this process (engine::Simulation on a fresh SystemC context) and, for determinism, again;
// every k-th case also in a fresh process (this binary exec'd again: a new address space, so a
// behaviour that depends on where the heap put things shows), and the answer is the first
// property it breaks:
//   revocation   no operation completes after the revoke of the cap that authorised it (the
//                no.use.after.revoke gate and the use_after_revoke metric)
//   parity       the chain holds one event per LSM decision, verifies with its TPM anchors,
//                and nothing is left unsealed at the end (audit.parity, audit.verify,
//                audit.pending_at_end == 0)
//   caps         no agent holds a cap its parent does not cover (agentfs `caps` of every live
//                group agent against its tenant root's, co_cap_covers, at the end of the run)
//   determinism  the same case gives the same fingerprint, in this process and in a new one
//   valid        the case could be built at all (a generator bug otherwise)
#ifndef COCONUT_HARNESS_PROPS_SYSTEM_CHECK_H
#define COCONUT_HARNESS_PROPS_SYSTEM_CHECK_H

#include "engine.h"

#include <cstdint>
#include <map>
#include <string>

namespace coconut::props {

struct CaseVerdict {
	std::string property; // empty: every property held
	std::string detail;
	std::string fingerprint;
	std::map<std::string, std::uint64_t> probes; // the kernel's coverage probes, this run
	std::uint64_t sim_ns = 0;
	bool weights_judged = false; // a backlog case: the weights property applied to it
};

// fresh_process: also compare with a run in a new process (exe: this program, which must
// answer `exe --run-case FILE` with the fingerprint line, see run_case_main).
CaseVerdict check_case(const scenario::Scenario &sc, bool fresh_process, const std::string &exe,
		       const std::string &work_dir);

// `--run-case FILE`: runs the scenario file once, prints "fingerprint: HEX"; 0, or 2 when it
// does not load.
int run_case_main(const std::string &file);

} // namespace coconut::props

#endif
