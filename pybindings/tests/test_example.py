"""examples/python/release_sweep.py, as a user runs it: a short sweep writes its PNG."""
import os
import subprocess

from conftest import SOURCE


def test_the_release_sweep_example_writes_its_plot(tmp_path):
    out = tmp_path / "sweep.png"
    env = dict(os.environ)
    run = subprocess.run(["/usr/bin/python3", str(SOURCE / "examples/python/release_sweep.py"),
                          "--seeds", "1", "--until", "20s", "--out", str(out)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "fair         seed  1" in run.stdout and "fifo         seed  1" in run.stdout
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
