#!/usr/bin/python3
"""scripts/bench_ratios.py --check on fixtures: it passes a good file and fails every way a
benchmark could otherwise pass by omission (a missing row, a target's case not run, an errored
or zero row, no rows) or by a missed target. Usage: bench_ratios_test.py SCRIPT."""
import os
import subprocess
import sys
import unittest

SCRIPT = None
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def run(*args):
    argv = ["/usr/bin/python3", SCRIPT] + [
        a if a.startswith("--") else os.path.join(FIXTURES, a) for a in args]
    p = subprocess.run(argv, capture_output=True, text=True, check=False)
    return p.returncode, p.stdout + p.stderr


class BenchRatiosCheck(unittest.TestCase):
    def test_good_file_passes_and_prints_its_pairs(self):
        rc, out = run("--check", "good.json")
        self.assertEqual(rc, 0, out)
        self.assertIn("bench_ratios --check: ok", out)
        self.assertRegex(out, r"blake3_hash/16MiB +1\.333 +0\.750  throughput >= 0\.25: met")
        self.assertRegex(out, r"ed25519_verify/rfc8032 +1\.200 +0\.833  time <= 1\.5: met")

    def assert_fails(self, fixture, *needles):
        rc, out = run("--check", fixture)
        self.assertEqual(rc, 1, out)
        self.assertIn("bench_ratios --check: FAIL", out)
        for n in needles:
            self.assertIn(n, out)
        # Without --check the same problems are shown, and the exit code is 0.
        rc, quick = run(fixture)
        self.assertEqual(rc, 0, quick)
        for n in needles:
            self.assertIn(n, quick)

    def test_missing_reference_row_fails(self):
        self.assert_fails("missing_row.json",
                          "ed25519_verify/ours/rfc8032 has no ed25519_verify/ref/rfc8032 row")

    def test_missed_target_fails(self):
        self.assert_fails("missed_target.json", "targets missed: ed25519_verify/ours/rfc8032",
                          "time <= 1.5: MISSED")

    def test_target_case_not_run_fails(self):
        self.assert_fails("missing_target_case.json",
                          "blake3_hash ran without blake3_hash/ours/16MiB")

    def test_errored_row_fails(self):
        self.assert_fails("errored_row.json", "blake3_hash/ref/16MiB/real_time: error: b3sum failed")

    def test_zero_time_fails(self):
        self.assert_fails("zero_time.json", "real_time 0 is not a positive time")

    def test_no_rows_fails(self):
        self.assert_fails("empty.json", "no benchmark rows")

    def test_no_targets_judges_rows_not_ratios(self):
        rc, out = run("--check", "--no-targets", "missed_target.json")
        self.assertEqual(rc, 0, out)
        self.assertIn("(not judged here)", out)
        self.assertEqual(run("--check", "--no-targets", "missing_row.json")[0], 1)
        self.assertEqual(run("--check", "--no-targets", "errored_row.json")[0], 1)

    def test_one_bad_file_fails_the_lot(self):
        rc, out = run("--check", "good.json", "missing_row.json")
        self.assertEqual(rc, 1, out)

    def test_not_benchmark_json_and_usage_exit_2(self):
        rc, out = run("--check", "not_benchmark.json")
        self.assertEqual(rc, 2, out)
        self.assertIn("not Google Benchmark JSON", out)
        self.assertEqual(run("--check")[0], 2)
        self.assertEqual(run("--chek", "good.json")[0], 2)
        self.assertEqual(run("--check", "no-such-file.json")[0], 2)


if __name__ == "__main__":
    SCRIPT = sys.argv.pop(1)
    unittest.main(verbosity=2)
