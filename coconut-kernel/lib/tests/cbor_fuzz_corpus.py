#!/usr/bin/python3
"""Writes the seed corpus of cbor_decode_fuzz (coconut-kernel/lib/fuzz/corpus/cbor_decode_fuzz/).

    cbor_fuzz_corpus.py [OUT_DIR]

Seeds: a valid canonical document of each type, a spawn request and an audit event as the kernel
would read and write them, and one example of each rejection class the decoder reports (named
after the error). Documents are written byte by byte here rather than with a CBOR library, so the
seeds do not depend on any encoder's idea of canonical. Not seeded: document_too_long (over
1 MiB) - the fuzzer's inputs stay far below it; the unit tests cover it.
"""
import os
import struct
import sys


def head(major, arg):
    """The shortest head (RFC 8949 §4.2.1)."""
    if arg < 24:
        return bytes([major << 5 | arg])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if arg < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, arg)
    raise ValueError(arg)


def uint(v):
    return head(0, v)


def nint(v):  # the integer v < 0
    return head(1, -1 - v)


def bstr(b):
    return head(2, len(b)) + b


def tstr(s):
    b = s.encode("utf-8")
    return head(3, len(b)) + b


def array(items):
    return head(4, len(items)) + b"".join(items)


def cbor_map(pairs):
    """Pairs sorted bytewise by encoded key, as RFC 8949 §4.2.1 wants."""
    pairs = sorted(pairs, key=lambda kv: kv[0])
    return head(5, len(pairs)) + b"".join(k + v for k, v in pairs)


def tag(n, item):
    return head(6, n) + item


FALSE, TRUE, NULL, UNDEFINED = b"\xf4", b"\xf5", b"\xf6", b"\xf7"

CAPS = [
    "agent.spawn", "cap.grant:fs.read:/data/**", "fs.read:/home/maya/project/**",
    "fs.write:/home/maya/project/out/**", "gpu:0/partition/1", "inference:kvwarden",
    "mem.tier:hbm", "net.egress:api.example.com:443",
]


def spawn_request(manifest_as_bytes=False):
    manifest = cbor_map([
        (tstr("name"), tstr("kvwarden-summariser")),
        (tstr("entry"), tstr("/opt/agents/kvwarden/bin/agent")),
        (tstr("parent"), uint(17)),
        (tstr("quotas"), cbor_map([(tstr("cpu"), uint(250000)), (tstr("mem"), uint(2 << 30)),
                                   (tstr("tokens"), uint(2000000))])),
        (tstr("tenant"), tstr("maya")),
        (tstr("created"), uint(1735689600)),
        (tstr("version"), uint(3)),
        (tstr("authorizer"), bstr(b"key-0001")),
        (tstr("code_digest"), bstr(bytes(range(0, 224, 7)))),
    ])
    return cbor_map([
        (tstr("manifest"), bstr(manifest) if manifest_as_bytes else manifest),
        (tstr("signature"), bstr(bytes([0x5a]) * 64)),
        (tstr("cap_set"), array([tstr(c) for c in CAPS])),
    ])


def audit_event():
    return cbor_map([
        (tstr("seq"), uint(1 << 40)), (tstr("time"), uint(1735689600123456789)),
        (tstr("cpu"), uint(3)), (tstr("aid"), uint(4242)), (tstr("type"), uint(2)),
        (tstr("cap"), tstr("fs.read:/home/maya/project/**")), (tstr("obj"), bstr(bytes(32))),
        (tstr("result"), nint(-134)),
    ])


SEEDS = {
    # Valid, canonical.
    "ok_uint_0": uint(0),
    "ok_uint_24": uint(24),
    "ok_uint_max": uint(2**64 - 1),
    "ok_nint_min": nint(-2**64),
    "ok_nint_minus_1000": nint(-1000),
    "ok_bytes": bstr(b"\x01\x02\x03\x04"),
    "ok_text_utf8": tstr("a\u00fc\u6c34\U00010151"),
    "ok_array_nested": array([uint(1), array([uint(2), uint(3)]), array([])]),
    "ok_map_mixed_keys": cbor_map([(uint(100), NULL), (nint(-1), TRUE),
                                   (tstr("a"), FALSE), (bstr(b""), UNDEFINED),
                                   (array([uint(1)]), cbor_map([]))]),
    "ok_tag": tag(1, uint(1363896240)),
    "ok_tag_nested": tag(55799, tag(24, bstr(uint(7)))),
    "ok_simple_values": array([FALSE, TRUE, NULL, UNDEFINED]),
    "ok_spawn_request": spawn_request(),
    "ok_spawn_request_manifest_bytes": spawn_request(manifest_as_bytes=True),
    "ok_audit_event": audit_event(),
    # One per rejection class, named err_<co_cbor_strerror name>[__<variant>] (cbor_test checks
    # that each fails with that code; the "lax" variant in lax mode).
    "err_truncated": array([bstr(b"\x01"), uint(1)])[:-1],
    "err_trailing_bytes": uint(1) + uint(2),
    "err_reserved_additional_info": array([uint(0), b"\x1c"]),
    "err_indefinite_length": bytes.fromhex("9f018202039f0405ffff"),
    "err_indefinite_length__break": bytes.fromhex("8201ff"),
    "err_length_exceeds_input": bytes.fromhex("591000") + b"abc",
    "err_unsupported_float": cbor_map([(tstr("a"), bytes.fromhex("f93c00"))]),
    "err_unsupported_simple_value": array([uint(0), bytes.fromhex("f820")]),
    "err_too_deep": b"\x81" * 17 + uint(0),
    "err_too_many_items": head(4, 16384) + b"\x00" * 16384,
    "err_string_too_long": bytes.fromhex("7a00010001") + b"x" * 8,
    "err_duplicate_key": bytes.fromhex("a2") + tstr("a") + uint(0) + tstr("a") + uint(1),
    "err_duplicate_key__lax": bytes.fromhex("a3 01 00 02 00 1801 00"),
    "err_non_minimal_encoding": array([uint(1), bytes.fromhex("1802")]),
    "err_key_order": bytes.fromhex("a2 20 00 1864 00"),
    "err_invalid_utf8": array([tstr("a"), bytes.fromhex("6361eda0")]),
}


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    out = argv[1] if len(argv) > 1 else os.path.join(here, "..", "fuzz", "corpus",
                                                     "cbor_decode_fuzz")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out, name + ".cbor"), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), os.path.normpath(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
