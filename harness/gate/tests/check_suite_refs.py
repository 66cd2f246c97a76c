#!/usr/bin/python3
"""The release suite's references hold: every policy_contrast gate names a gate its scenario has.

The runner selects a scenario's gates by `gate:` (that name exactly, or that name then "."), and a
name that selects nothing makes the release gate fail at run time with "the scenario has no gate
named ..." (it did, in CI, on 2026-12-07: `cpu-service` for `cpu-service-within-a-turn-and-the-
credit`). Checked here from the files, in a second.

    check_suite_refs.py SUITE.yaml REPO_ROOT
Exit 0 when every reference holds, 1 naming each that does not.
"""
import sys
from pathlib import Path

import yaml


def gate_names(scenario: dict) -> list:
    names = []
    for g in scenario.get("gates", []) or []:
        names.append(g.get("name", g.get("kind", "")))
    return names


def main() -> int:
    suite_path, root = Path(sys.argv[1]), Path(sys.argv[2])
    suite = yaml.safe_load(suite_path.read_text())
    bad = 0
    checked = 0
    for g in suite.get("gates", []):
        if g.get("kind") not in ("policy_contrast", "scenario"):
            continue
        scn_path = root / g["scenario"]
        if not scn_path.is_file():
            print(f"{suite_path}: gate {g['id']}: no scenario file {g['scenario']}")
            bad += 1
            continue
        if g.get("kind") != "policy_contrast":
            continue
        names = gate_names(yaml.safe_load(scn_path.read_text()))
        want = g["gate"]
        hits = [n for n in names if n == want or n.startswith(want + ".")]
        checked += 1
        if not hits:
            print(f"{suite_path}: gate {g['id']}: {g['scenario']} has no gate named "
                  f"{want!r} (its gates: {', '.join(names)})")
            bad += 1
    print(f"suite references: {checked} policy_contrast gates checked, {bad} broken")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
