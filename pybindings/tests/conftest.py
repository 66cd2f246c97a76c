"""Fixtures of the coconut_sim suite: scenarios from the tree and a simulation that is closed
after each test (one simulation at a time per process)."""
import os
import pathlib

import pytest

import coconut_sim

SOURCE = pathlib.Path(os.environ.get("COCONUT_SOURCE_DIR",
                                     pathlib.Path(__file__).resolve().parents[2]))


def scenario_path(name: str) -> pathlib.Path:
    for p in (SOURCE / "scenarios" / f"{name}.yaml",
              SOURCE / "scenarios" / "examples" / f"{name}.yaml",
              SOURCE / "sim" / "engine" / "tests" / "data" / f"{name}.yaml"):
        if p.exists():
            return p
    raise FileNotFoundError(name)


@pytest.fixture
def flooder_small():
    return coconut_sim.load_scenario(str(scenario_path("flooder-small")))


@pytest.fixture
def minimal():
    return coconut_sim.load_scenario(str(scenario_path("minimal")))


@pytest.fixture(params=["fair", "fifo", "per-process"])
def policy(request):
    return request.param


@pytest.fixture
def sim(flooder_small):
    """flooder-small for 3 simulated seconds, closed after the test."""
    s = coconut_sim.Simulation(flooder_small, until="3s")
    yield s
    s.close()
