# The shipped scenarios run in full, with their gates (default preset; the sanitizer preset runs
# short crash checks instead, see CMakeLists.txt).
foreach(s IN LISTS SHIPPED)
  coconut_scenario_test(scenario_${s} ${SCN}/${s}.yaml 0
    ARGS --out ${OUT}/${s} --junit ${OUT}/${s}.junit.xml
    MATCH "^fingerprint: [0-9a-f]{64}$" NO_MATCH "FAIL")
endforeach()

# The gate must be able to fail: fifo lets the flooder's backlog delay everyone.
coconut_scenario_test(scenario_fairness_fifo_fails ${SCN}/fairness-4tenant-flooder.yaml 1
  ARGS --policy fifo --no-determinism-rerun --out ${OUT}/fairness-fifo
  MATCH "fairness +\\| .*\\| FAIL" "audit.parity +\\| .*\\| PASS")
# The counterfactual isolation gate on the release scenario (RELEASE_ISOLATION, made in
# CMakeLists.txt): under fifo every victim is far slower than alone, so it fails, a row per
# victim and resource says by how much; under fair the counterfactual run answers (its verdict
# belongs to the scheduler) and the rows carry ratios.
coconut_scenario_test(scenario_release_isolation_fifo_fails ${RELEASE_ISOLATION} 1
  ARGS --policy fifo --no-determinism-rerun --out ${OUT}/release-isolation-fifo
  MATCH "isolation-alone +\\| .*\\| FAIL" "audit.parity +\\| .*\\| PASS"
        "^isolation-alone, per tenant and resource"
        "^  alice +\\| pcie +\\| [0-9]+ +\\| .*\\| FAIL"
  NO_MATCH "counterfactual run failed" "counterfactual not run")
coconut_scenario_test(scenario_release_isolation_fair ${RELEASE_ISOLATION} "0,1"
  ARGS --no-determinism-rerun
  MATCH "isolation-alone +\\| [0-9]+\\.[0-9]{3} \\(|isolation-alone +\\| too few samples"
        "^  carol +\\| inference +\\| [0-9]+ +\\| [0-9.]+ +\\| [0-9.]+ +\\| [0-9]+ +\\| [0-9.]+ +\\| [0-9.]+ +\\| (PASS|FAIL)$"
  NO_MATCH "counterfactual run failed" "counterfactual not run")
# The platform's isolation gate trips under fifo too: the runaway's neighbours spike.
coconut_scenario_test(scenario_platform_fifo_fails ${SCN}/platform-200-tenants.yaml 1
  ARGS --policy fifo --no-determinism-rerun
  MATCH "runaway-neighbours-unaffected +\\| .*\\| FAIL")
# The customer incident (traces/README.md): under fifo the runaway's backlog spikes every
# trace tenant's p99; under fair (above) it does not.
coconut_scenario_test(scenario_customer_incident_fifo_fails ${SCN}/customer-incident.yaml 1
  ARGS --policy fifo --no-determinism-rerun
  MATCH "t00-p99 +\\| .*\\| FAIL" "audit.verify +\\| .*\\| PASS")
# Per-process round robin (Linux today): reported, not gated; it must run.
coconut_scenario_test(scenario_fairness_per_process ${SCN}/fairness-4tenant-flooder.yaml "0,1"
  ARGS --policy per-process --no-determinism-rerun --until 30s)

# Same seed, two processes, one fingerprint (besides the in-run determinism gates).
coconut_scenario_test(scenario_determinism_across_processes ${SCN}/maya-workstation.yaml 0
  TWICE ARGS --no-determinism-rerun --quiet
  MATCH "^fingerprint: [0-9a-f]{64}$")

