#!/usr/bin/env python3
"""Runs a coconut-sim command and checks its exit code and output.

usage: expect_run.py --exit N [--match REGEX]... [--no-match REGEX]... [--twice] -- CMD...

--twice runs the command a second time and requires the same `fingerprint:` line (the
determinism check across processes). The command's output is printed either way, so a CTest
log shows what happened.
"""
import argparse
import re
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(p.stdout)
    return p.returncode, p.stdout


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exit", required=True, help="the exit code, or several separated by commas")
    ap.add_argument("--match", action="append", default=[])
    ap.add_argument("--no-match", action="append", default=[])
    ap.add_argument("--twice", action="store_true")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    code, out = run(cmd)
    ok = True
    allowed = [int(c) for c in a.exit.split(",")]
    if code not in allowed:
        print(f"expect_run: exit code {code}, expected {a.exit}")
        ok = False
    for m in a.match:
        if not re.search(m, out, re.MULTILINE):
            print(f"expect_run: output lacks /{m}/")
            ok = False
    for m in a.no_match:
        if re.search(m, out, re.MULTILINE):
            print(f"expect_run: output has /{m}/")
            ok = False
    if a.twice:
        fp1 = re.findall(r"^fingerprint: ([0-9a-f]{64})$", out, re.MULTILINE)
        code2, out2 = run(cmd)
        fp2 = re.findall(r"^fingerprint: ([0-9a-f]{64})$", out2, re.MULTILINE)
        if not fp1 or fp1 != fp2 or code2 != code:
            print(f"expect_run: second run differs: {fp1} vs {fp2}, exit {code} vs {code2}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
