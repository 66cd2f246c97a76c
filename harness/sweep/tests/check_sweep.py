#!/usr/bin/env python3
"""`coconut-sim sweep` and `merge` end to end (docs/sweeps.md).

usage: check_sweep.py COCONUT_SIM SCENARIOS_DIR WORK_DIR

- the release scenario's seeds 1..8 at -j2, and the same seeds as 4 shards (-j1 each) merged:
  seeds.jsonl and summary.json identical byte for byte, whatever order the shards are named in;
- the same seeds at -j1 and -j3: identical files;
- a failing sweep (fifo): exit 1, each failing seed listed with a repro command that, run,
  fails with the fingerprint the sweep recorded;
- progress: plain lines in a log (CI=true), a bar rewritten in place on a terminal (a pty);
- bad input: exit 2 naming the option, the file, the line or the seed, before any run.
"""
import json
import os
import pty
import re
import shlex
import shutil
import subprocess
import sys

SIM, SCN, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
RELEASE = os.path.join(SCN, "fairness-4tenant-flooder.yaml")
MINIMAL = os.path.join(SCN, "examples", "minimal.yaml")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(args, env=None):
    e = dict(os.environ, CI="true")
    if env:
        e.update(env)
    p = subprocess.run([SIM] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=e)
    return p.returncode, p.stdout, p.stderr


def read(path):
    with open(path, "rb") as f:
        return f.read()


def same_files(a, b, what):
    for name in ("seeds.jsonl", "summary.json"):
        check(read(os.path.join(a, name)) == read(os.path.join(b, name)),
              f"{what}: {name} identical byte for byte")


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
d = lambda name: os.path.join(WORK, name)  # noqa: E731

# Shards merged equal the unsharded sweep.
common = ["--no-determinism-rerun", "--quiet"]
code, out, err = run(["sweep", RELEASE, "--seeds", "1..8", "-j2", "--out", d("all")] + common)
check(code == 0, f"release seeds 1..8 pass under fair (exit {code})\n{out}{err}")
check("passed 8, failed 0, errors 0 (of 8)" in out, "the summary counts 8 passing seeds")
for k in range(4):
    code, _, err = run(["sweep", RELEASE, "--seeds", "1..8", "--shard", f"{k}/4", "-j1",
                        "--out", d(f"shard{k}")] + common)
    check(code == 0, f"shard {k}/4 (exit {code}) {err}")
    seeds = [json.loads(line)["seed"] for line in open(d(f"shard{k}") + "/seeds.jsonl")]
    check(seeds == [1 + k, 5 + k], f"shard {k}/4 ran seeds {seeds}")
code, out, err = run(["merge", d("shard2"), d("shard0"), d("shard3"), d("shard1"),
                      "--out", d("merged")])
check(code == 0, f"merge (exit {code}) {err}")
same_files(d("all"), d("merged"), "4 shards merged vs unsharded")
summary = json.load(open(d("all") + "/summary.json"))
check(summary["seeds"]["set"] == "1..8", "the summary names seeds 1..8")
check(any(h["count"] > 0 for h in summary["histograms"].values()), "merged histograms hold samples")
perf = json.load(open(d("all") + "/perf.json"))
check(perf["jobs"] == 2 and perf["max_rss_kib_max"] > 0, "perf.json has jobs and memory")

# The same seeds at another -j: the same files.
run(["sweep", MINIMAL, "--seeds", "1..6", "-j1", "--out", d("j1")] + common)
run(["sweep", MINIMAL, "--seeds", "1..6", "-j3", "--out", d("j3")] + common)
same_files(d("j1"), d("j3"), "-j1 vs -j3")

# A failing sweep lists its seeds with repro commands that reproduce them.
code, out, err = run(["sweep", RELEASE, "--seeds", "1..2", "--policy", "fifo", "-j2",
                      "--out", d("fifo"), "--no-determinism-rerun"])
check(code == 1, f"fifo fails the release gate (exit {code})")
check("failing seeds:" in out and "isolation" in out, "the failing seeds are listed")
repros = re.findall(r"repro: (coconut-sim run .*)$", out, re.MULTILINE)
check(len(repros) == 2, f"a repro command per failing seed: {repros}")
check("  repro: coconut-sim run" in err, "the progress lines show the repro commands")
records = {json.loads(line)["seed"]: json.loads(line) for line in open(d("fifo") + "/seeds.jsonl")}
for cmd in repros:
    argv = shlex.split(cmd)
    seed = int(argv[argv.index("--seed") + 1])
    p = subprocess.run([SIM] + argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    fp = re.findall(r"^fingerprint: ([0-9a-f]{64})$", p.stdout, re.MULTILINE)
    check(p.returncode == 1 and fp == [records[seed]["fingerprint"]],
          f"repro of seed {seed}: exit {p.returncode}, fingerprint as recorded")

# --shrink: each failing seed's scenario shrunk to a smaller one that fails the same gate with
# a measured value; shards shrink their own seeds and merge copies their files.
shrink = ["--seeds", "1..2", "--policy", "fifo", "--no-determinism-rerun", "--shrink",
          "--shrink-tries", "12", "--quiet"]
# An earlier sweep's shrunk file in the same --out goes; a file of the user's stays.
os.makedirs(os.path.join(d("shrink"), "shrunk"))
for name in ("seed-99.yaml", "notes.txt"):
    open(os.path.join(d("shrink"), "shrunk", name), "w").write("x\n")
code, out, err = run(["sweep", RELEASE, "-j2", "--out", d("shrink")] + shrink)
check(not os.path.exists(os.path.join(d("shrink"), "shrunk", "seed-99.yaml")) and
      os.path.exists(os.path.join(d("shrink"), "shrunk", "notes.txt")),
      "an earlier sweep's shrunk scenario is removed, the user's file kept")
check(code == 1 and out.count("shrunk (") == 2, f"--shrink lists a shrunk scenario per failing seed\n{out}")
for seed in (1, 2):
    rec = [json.loads(x) for x in open(d("shrink") + "/seeds.jsonl")][seed - 1]
    sh = rec.get("shrunk", {})
    path = os.path.join(d("shrink"), sh.get("file", "missing"))
    check(os.path.exists(path) and int(sh.get("to", "9 ").split()[0]) < 4,
          f"seed {seed} shrunk: {sh.get('from')} -> {sh.get('to')}")
    p = subprocess.run([SIM, "run", path, "--no-determinism-rerun", "--quiet"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    row = re.search(r"^" + re.escape(sh.get("gate", "?")) + r" +\| ([0-9][^|]*)\|.*FAIL", p.stdout,
                    re.MULTILINE)
    check(p.returncode == 1 and row is not None,
          f"the shrunk seed {seed} fails {sh.get('gate')} with a measured value")
for k in range(2):
    run(["sweep", RELEASE, "--shard", f"{k}/2", "--out", d(f"shrink{k}")] + shrink)
code, out, err = run(["merge", d("shrink1"), d("shrink0"), "--out", d("shrink-merged")])
same_files(d("shrink"), d("shrink-merged"), "shrunk shards merged vs unsharded")
check(all(read(os.path.join(d("shrink"), "shrunk", f"seed-{s}.yaml")) ==
          read(os.path.join(d("shrink-merged"), "shrunk", f"seed-{s}.yaml")) for s in (1, 2)),
      "merge copies the shards' shrunk scenarios")

# Progress: plain lines in a log, one per seed; a bar on a terminal.
code, out, err = run(["sweep", MINIMAL, "--seeds", "1..3", "--out", d("plain")])
check(re.findall(r"^sweep: seed (\d) pass \(\d/3", err, re.MULTILINE) == ["1", "2", "3"]
      and "\r" not in err, "plain progress lines under CI=true")
pid, fd = pty.fork()
if pid == 0:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TERM"] = "xterm"
    os.execve(SIM, [SIM, "sweep", MINIMAL, "--seeds", "1..3", "--out", d("live")], env)
chunks = b""
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    chunks += data
os.waitpid(pid, 0)
text = chunks.decode(errors="replace")
check("\r[" in text and "3/3 seeds" in text, "a bar rewritten in place on a terminal")

# Bad input: exit 2, naming what, before any run (no directory made).
bad = [
    (["sweep", RELEASE, "--seeds", "5..1", "--out", d("x1")], "--seeds '5..1'"),
    (["sweep", RELEASE, "--seeds", "1..4", "--shard", "4/4", "--out", d("x2")], "--shard '4/4'"),
    (["sweep", RELEASE, "--seeds", "1..4", "-j", "0", "--out", d("x3")], "-j: expected"),
    (["sweep", RELEASE, "--out", d("x4")], "--seeds A..B is required"),
    (["sweep", RELEASE, "--seeds", "1..2", "--seed", "3", "--out", d("x5")], "--seed:"),
    (["sweep", RELEASE, "--seeds", "1..2", "--policy", "lottery", "--out", d("x6")], "--policy"),
    (["sweep", os.path.join(WORK, "nope.yaml"), "--seeds", "1..2", "--out", d("x7")], "nope.yaml"),
    (["sweep", RELEASE, "--seeds", "1..2", "--out", "/dev/null/x"], "--out /dev/null/x"),
    (["merge", d("shard0"), d("shard0"), "--out", d("x8")], "seed 1 is in both"),
    (["merge", d("shard0"), d("shard1"), d("shard2"), "--out", d("x12")],
     "missing: 4,8): is a shard missing"),
    (["merge", d("shard0"), d("fifo"), "--out", d("x9")], "sweep.digest"),
    (["merge", WORK, "--out", d("x10")], "summary.json: cannot open"),
    (["merge", d("shard0")], "--out DIR is required"),
]
for args, needle in bad:
    code, out, err = run(args)
    check(code == 2 and needle in err, f"{' '.join(args[:1] + args[2:])}: exit {code}, names {needle!r}"
          + ("" if needle in err else f"\n{err}"))
check(not any(os.path.exists(d(f"x{i}")) for i in range(1, 8)), "bad input made no directory")
# A corrupted line is named by file and line.
shutil.copytree(d("shard1"), d("corrupt"))
lines = open(d("corrupt") + "/seeds.jsonl").read().splitlines()
rec = json.loads(lines[1])
rec["fingerprint"] = "x"
lines[1] = json.dumps(rec)
open(d("corrupt") + "/seeds.jsonl", "w").write("\n".join(lines) + "\n")
code, out, err = run(["merge", d("corrupt"), "--out", d("x11")])
check(code == 2 and "seeds.jsonl:2: fingerprint" in err, f"a corrupt line is named: {err.strip()}")

print(f"{len(failures)} failed" if failures else "all sweep checks passed")
sys.exit(1 if failures else 0)
