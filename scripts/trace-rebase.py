#!/usr/bin/python3
"""Re-baselines a trace's expected outputs after an intended change to what the kernel answers,
keeping every recorded call: each divergence `coconut-sim replay` reports in a return, an output
digest or a checkpoint head is rewritten to the kernel's new answer, and the replay runs again,
until the trace reproduces. A checkpoint whose event count changed is refused: then the calls
themselves would differ and the trace must be recorded again (coconut-sim run --trace).

    scripts/trace-rebase.py TRACE.jsonl [COCONUT_SIM]

Use it only for a change whose effect on answers is understood (say which in the commit), e.g.
a new audit field that changes heads and segment bytes. docs/traces.md, "Re-baselining".
"""
import json
import re
import subprocess
import sys

DIVERGED = re.compile(r'diverged at record (\d+) \(line (\d+)\): (\S+)\n'
                      r'  expected: (.*)\n  actual:   (.*)\n')


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    path = sys.argv[1]
    sim = sys.argv[2] if len(sys.argv) == 3 else 'build/default/harness/cli/coconut-sim'
    lines = open(path).read().split('\n')
    for fixes in range(len(lines) + 1):  # at most one fix per record and field
        p = subprocess.run([sim, 'replay', path], capture_output=True, text=True)
        if p.returncode == 0:
            print(f'{path}: reproduces after {fixes} fixes')
            return
        m = DIVERGED.search(p.stdout + p.stderr)
        if not m:
            sys.exit(f'{path}: replay failed without a divergence to fix:\n{p.stdout}{p.stderr}')
        line, exp, act = int(m.group(2)), m.group(4).split(), m.group(5).split()
        rec = json.loads(lines[line - 1])
        if act[0] == 'ret':
            rec['ret'] = int(act[1])
            if len(act) >= 4 and act[2] == 'out':
                rec['out'] = act[3]
        elif act[0] == 'out':
            rec['out'] = act[1]
        elif act[0] == 'head':
            if exp[2:] != act[2:]:
                sys.exit(f'{path}:{line}: the event count changed ({" ".join(exp)} -> '
                         f'{" ".join(act)}): record the trace again')
            rec['head'] = act[1]
        else:
            sys.exit(f'{path}:{line}: cannot re-baseline a divergence in {act[0]}: '
                     'record the trace again')
        lines[line - 1] = json.dumps(rec, separators=(',', ':'))
        open(path, 'w').write('\n'.join(lines))
        print(f'  line {line}: {" ".join(exp)} -> {" ".join(act)}')
    sys.exit(f'{path}: still diverging after {len(lines)} fixes')


if __name__ == '__main__':
    main()
