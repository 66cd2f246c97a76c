"""Debian's mypy over the Python that uses coconut_sim (the example and the benchmark), with
the shipped stubs (pybindings/coconut_sim.pyi): clean; and a misuse it must catch, so the
stubs are what it read."""
import os
import subprocess
import sys

from conftest import SOURCE


def mypy(tmp_path, *files):
    env = dict(os.environ, MYPYPATH=str(SOURCE / "pybindings"))
    return subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports",
                           "--cache-dir", str(tmp_path / "cache"), *map(str, files)],
                          capture_output=True, text=True, env=env, timeout=600)


def test_the_examples_type_check(tmp_path):
    run = mypy(tmp_path, SOURCE / "examples/python/release_sweep.py",
               SOURCE / "harness/bench/python_bench.py")
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_misuse_is_caught(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import coconut_sim\n"
                   "s = coconut_sim.Simulation(coconut_sim.load_scenario('x'), seed='one')\n"
                   "s.run_until([1])\n"
                   "coconut_sim.no_such_function()\n")
    run = mypy(tmp_path, bad)
    assert run.returncode == 1
    for what in ('"seed"', '"run_until"', "no_such_function"):
        assert what in run.stdout, run.stdout
