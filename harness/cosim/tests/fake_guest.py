#!/usr/bin/python3
"""A stand-in for qemu-system-x86_64 that speaks the guest's side of the co-simulation protocol
(docs/cosim.md), so the host's logic (comparison, divergence report, timeouts, a dead guest) is
tested without QEMU. It takes QEMU's arguments, connects to the socket named in
`-chardev socket,...,path=SOCK` and answers each record with the values the record itself
carries (RET, inflight_begin's token, an attest's or audit query's output digest, the
checkpoint's head and length): a guest in parity.

FAKE_GUEST selects a misbehaviour:
  parity        answer everything as the trace says (the default)
  mutate:K      answer record K with ret + 1 (and a checkpoint K with a wrong head)
  mutate-out:K  answer record K (an attest or audit query that returned bytes) with another
                output digest
  no-out:K      answer record K without its output digest
  die:K         exit without a word when record K arrives
  silent:K      stop answering at record K (keep the channel open)
  noconnect     exit 1 before connecting
  insmod-fail   answer "params" with "error insmod: Invalid argument"
  dirty-log     everything in parity, then "done FAIL the kernel log shows a problem"
  garbage:K     answer record K with a line that is not an answer
"""
import os
import socket
import sys
import time


def socket_path(argv):
    for i, a in enumerate(argv):
        if a == "-chardev" and i + 1 < len(argv):
            for part in argv[i + 1].split(","):
                if part.startswith("path="):
                    return part[len("path="):]
    sys.exit("fake_guest: no -chardev socket,path=... in the arguments")


# Arguments of the calls whose lines may end with an output digest (kCalls).
OUTPUT_ARGS = {"agent_attest": 3, "agent_audit_query": 9}


def answer(line):
    f = line.split(" ")
    call, i, ret = f[0], int(f[1]), int(f[4])
    if call == "checkpoint":
        return f"c {i} {f[5]} {f[6]}"
    token = int(f[-1]) if call == "inflight_begin" else 0
    if call in OUTPUT_ARGS and len(f) == 5 + OUTPUT_ARGS[call] + 1:
        return f"r {i} {ret} {token} {f[-1]}"
    return f"r {i} {ret} {token}"


def main():
    mode, _, arg = os.environ.get("FAKE_GUEST", "parity").partition(":")
    k = int(arg) if arg else -1
    if mode == "noconnect":
        sys.exit(1)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(socket_path(sys.argv))
    rf = s.makefile("r", encoding="ascii", newline="\n")
    out = []

    def flush():
        if out:
            s.sendall(("\n".join(out) + "\n").encode())
            out.clear()

    out.append("hello coconut-cosim 1 6.12.0-fake")
    flush()
    first = rf.readline().rstrip("\n")
    if not first.startswith("params det_clock=1 "):
        out.append("error line 0: expected 'params ARGS' first")
        flush()
        sys.exit(2)
    if mode == "insmod-fail":
        out.append("error insmod: Invalid argument")
        flush()
        sys.exit(1)
    out.append("loaded")
    flush()
    for line in rf:
        line = line.rstrip("\n")
        if line == "end":
            if mode == "dirty-log":
                out.append("log [    3.1] WARNING: CPU: 0 PID: 42 at fake")
                out.append("done FAIL the kernel log shows a problem")
            else:
                out.append("done PASS")
            flush()
            return 0
        i = int(line.split(" ")[1])
        if i == k and mode == "die":
            os._exit(0)
        if i == k and mode == "silent":
            flush()
            time.sleep(3600)
        a = answer(line)
        if i == k and mode == "mutate":
            f = a.split(" ")
            if f[0] == "c":
                f[2] = "0" * 64
            else:
                f[2] = str(int(f[2]) + 1)
            a = " ".join(f)
        if i == k and mode == "mutate-out":
            f = a.split(" ")
            f[4] = ("0" if f[4][0] != "0" else "1") + f[4][1:]
            a = " ".join(f)
        if i == k and mode == "no-out":
            a = " ".join(a.split(" ")[:4])
        if i == k and mode == "garbage":
            a = "r this is not an answer"
        out.append(a)
        # Answer in bursts, as the real guest does when its input drains.
        if len(out) >= 64:
            flush()
    flush()
    return 1


if __name__ == "__main__":
    sys.exit(main())
