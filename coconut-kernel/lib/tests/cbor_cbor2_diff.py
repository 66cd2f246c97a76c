#!/usr/bin/python3
"""The python3-cbor2 side of the differential test of coconut/cbor.h (cbor_cbor2_test.cc).

Run with Debian's /usr/bin/python3 (cbor2 5.4.6); deterministic for a given seed.

    cbor_cbor2_diff.py DIR SEED COUNT

Reads DIR/ours.txt, one "HEX DIAG" line per document our writer produced, and writes
DIR/ours_by_cbor2.txt: for each, cbor2's canonical re-encoding of what it decoded and that
value's diagnostic notation. Then writes DIR/cbor2.txt: COUNT values generated here from SEED,
encoded by cbor2 in canonical mode, each as "HEX DIAG". Finally DIR/cbor2_mixed_keys.txt holds
cbor2's canonical encodings of maps whose keys have different major types.

Diagnostic notation here matches cbortest::diag(v, /*hex_text=*/true): RFC 8949 §8, with text
strings as t'<utf-8 hex>' so every line is ASCII.

Map keys. cbor2 5.4's canonical mode sorts map keys "length first" (shorter encoding first,
then bytewise: RFC 7049 §3.9), while RFC 8949 §4.2.1 sorts bytewise only. The two orders agree
when all keys of a map are integers of one sign, or all byte strings, or all text strings (the
head then grows with the value or the length), so generated maps keep to one such kind of key.
Maps mixing kinds are written to cbor2_mixed_keys.txt, where the test expects them to differ.
"""
import random
import sys

import cbor2

# Tags cbor2 decodes to Python objects (dates, bignums, sets...), which would not re-encode as
# the same tag; generated tags avoid them.
SEMANTIC_TAGS = {0, 1, 2, 3, 4, 5, 21, 22, 23, 24, 25, 28, 29, 30, 32, 33, 34, 35, 36, 37, 100,
                 256, 258, 260, 261, 1004, 55799}


def diag(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if v is cbor2.undefined:
        return "undefined"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, bytes):
        return "h'" + v.hex() + "'"
    if isinstance(v, str):
        return "t'" + v.encode("utf-8").hex() + "'"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(diag(e) for e in v) + "]"
    if isinstance(v, dict) or type(v).__name__ == "FrozenDict":
        return "{" + ", ".join(diag(k) + ": " + diag(x) for k, x in v.items()) + "}"
    if isinstance(v, cbor2.CBORTag):
        return "%d(%s)" % (v.tag, diag(v.value))
    raise TypeError("unexpected decoded type %r" % type(v))


def gen_arg(r):
    kind = r.randrange(6)
    if kind == 0:
        return r.randrange(24)
    if kind == 1:
        return r.randrange(24, 256)
    if kind == 2:
        return r.randrange(256, 65536)
    if kind == 3:
        return r.randrange(65536, 1 << 32)
    if kind == 4:
        return r.randrange(1 << 64)
    return r.choice([0, 23, 24, 255, 256, 65535, 65536, (1 << 32) - 1, 1 << 32, (1 << 64) - 1])


def gen_text(r):
    out = []
    for _ in range(r.randrange(12)):
        lo, hi = r.choice([(0, 0x80), (0x80, 0x800), (0x800, 0xD800), (0xE000, 0x10000),
                           (0x10000, 0x110000)])
        out.append(chr(r.randrange(lo, hi)))
    return "".join(out)


def gen_key(r, kind):
    if kind == 0:
        return gen_arg(r)
    if kind == 1:
        return -1 - gen_arg(r)
    if kind == 2:
        return bytes(r.randrange(256) for _ in range(r.randrange(12)))
    return gen_text(r)


def gen_scalar(r):
    kind = r.randrange(7)
    if kind < 4:
        return gen_key(r, kind)
    return [False, True, None, cbor2.undefined][r.randrange(4) if kind == 6 else kind - 4]


def gen_value(r, depth):
    kind = r.randrange(9) if depth > 0 else 0
    if kind < 4:
        return gen_scalar(r)
    if kind < 6:
        return [gen_value(r, depth - 1) for _ in range(r.randrange(6))]
    if kind < 8:
        key_kind = r.randrange(4)
        return {gen_key(r, key_kind): gen_value(r, depth - 1) for _ in range(r.randrange(6))}
    tag = gen_arg(r)
    while tag in SEMANTIC_TAGS:
        tag = gen_arg(r)
    return cbor2.CBORTag(tag, gen_value(r, depth - 1))


def main(argv):
    out_dir, seed, count = argv[1], int(argv[2]), int(argv[3])

    with open(out_dir + "/ours.txt", encoding="ascii") as f, \
         open(out_dir + "/ours_by_cbor2.txt", "w", encoding="ascii") as out:
        for line in f:
            doc = bytes.fromhex(line.split(" ", 1)[0])
            value = cbor2.loads(doc)
            out.write(cbor2.dumps(value, canonical=True).hex() + " " + diag(value) + "\n")

    r = random.Random(seed)
    with open(out_dir + "/cbor2.txt", "w", encoding="ascii") as out:
        for _ in range(count):
            doc = cbor2.dumps(gen_value(r, 3), canonical=True)
            # Diagnostic of the decoded value: its maps in wire order, as ours will read them.
            out.write(doc.hex() + " " + diag(cbor2.loads(doc)) + "\n")

    mixed = [
        {-1: 0, 100: 0},           # 0x20 vs 0x1864: length first puts -1 first
        {"a": 0, 1000: 0},         # 0x6161 vs 0x1903e8
        {b"": 0, 24: 0},           # 0x40 vs 0x1818
        {(0, 0): 0, (1000,): 0},   # 0x820000 vs 0x811903e8: arrays compare by count first
    ]
    with open(out_dir + "/cbor2_mixed_keys.txt", "w", encoding="ascii") as out:
        for m in mixed:
            out.write(cbor2.dumps(m, canonical=True).hex() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
