#!/usr/bin/python3
# Writes h100-sxm-synthetic.yaml: a SYNTHETIC calibration sample, made to match published H100
# SXM figures, for the writer's test until a real run on a GPU replaces it. Every timing is
# computed from the figures below (the same model the writer fits) with a deterministic
# +-1..2 % jitter per repeat, so the test can check that the fit gives the figures back.
#
# usage: harness/calibrate/testdata/make_synthetic_sample.py > harness/calibrate/testdata/h100-sxm-synthetic.yaml
import random

# ---- The figures (harness/calibrate/tests/writer_test.cc checks the fit against them) ----
PCIE = {  # (direction, memory): (per-copy overhead ns, bytes/s); `both`: per pair, aggregate
    ("h2d", "pinned"): (2500, 56e9),      # PCIe 5.0 x16, ~56 GB/s pinned host-to-device
    ("d2h", "pinned"): (2600, 55e9),
    ("h2d", "pageable"): (6000, 22e9),    # staged through a pinned bounce buffer
    ("d2h", "pageable"): (8000, 18e9),
    ("both", "pinned"): (3000, 100e9),
}
LATENCY_NS = 5000          # a lone copy's completion beyond its busy time
LAUNCH_NS = 2200           # an empty kernel, back to back
LAUNCH_LONE_NS = 5500      # launch + synchronize
HBM_BYTES_PER_S = 3.0e12   # streaming copy (datasheet 3.35 TB/s)
GEMM_FLOPS = {"fp16": {2048: 450e12, 4096: 660e12, 8192: 700e12},
              "bf16": {2048: 445e12, 4096: 650e12, 8192: 690e12}}
WEIGHTS_BYTES_PER_S = 2.4e12   # the linear layers' weight streaming (Vidur's fit: 2.36 TB/s)
LINEAR_FLOPS = 700e12
KV_BYTES_PER_S = 2.9e12
ATTENTION_FLOPS = 350e12
ATTENTION_OVERHEAD_NS = 6000

MODEL = dict(params=6740000000, bytes_per_param=2, layers=32, hidden=4096,
             kv_bytes_per_token=524288, intermediate=11008, heads=32)
H, I = MODEL["hidden"], MODEL["intermediate"]
LAYER_PARAMS = 4 * H * H + 3 * H * I
SCALE = MODEL["params"] / LAYER_PARAMS
LAYER_KV_BYTES = MODEL["kv_bytes_per_token"] // MODEL["layers"]

rng = random.Random(20260101)


def repeats(ns, n):
    # Timings jitter more slow than fast (interrupts, clocks), as measured ones do.
    return [max(1, round(ns * (1 + rng.uniform(-0.01, 0.02)))) for _ in range(n)]


def flow(ns):
    lines, out = [ns[i:i + 16] for i in range(0, len(ns), 16)], []
    return "[" + ",\n      ".join(", ".join(str(v) for v in chunk) for chunk in lines) + "]"


def main():
    out = []
    w = out.append
    w("# SYNTHETIC calibration sample: NOT a real run. Made by make_synthetic_sample.py to match")
    w("# published H100 SXM figures (PCIe 5.0 ~56 GB/s, HBM3 ~3 TB/s streaming, cuBLAS ~700")
    w("# TFLOP/s FP16, Vidur's fitted LLaMA-2-7B linear layers); the test checks the writer's fit")
    w("# gives those figures back. Replace with coconut-calibrate's sample of a real GPU run.")
    w("format: 1")
    w("device:")
    w('  name: "NVIDIA H100 80GB HBM3"')
    w('  driver: "none (synthetic sample)"')
    w('  driver_cuda: "13.0"')
    w('  cuda_runtime: "13.0"')
    w('  compute_capability: "9.0"')
    w('  date: "2026-12-06T00:00:00Z"')
    w('  note: "SYNTHETIC sample made to match published H100 SXM figures, not a measurement"')
    w("  hbm_bytes: 85029158912")
    w("  sms: 132")
    w("model:")
    w('  name: "LLaMA-2-7B"')
    for k, v in MODEL.items():
        w(f"  {k}: {v}")
    w(f"  layer_linear_params: {LAYER_PARAMS}")

    w("copies:")
    for (direction, memory), (overhead, rate) in PCIE.items():
        size = 4096
        while size <= 1 << 30:
            moved = 2 * size if direction == "both" else size
            ops = max(1, min(256, (64 << 20) // size))
            ns = repeats(overhead + moved / rate * 1e9, 7)
            w(f"  - {{ direction: {direction}, memory: {memory}, bytes: {size}, ops: {ops}, "
              f"ns: {flow(ns)} }}")
            size *= 4
    overhead, rate = PCIE[("h2d", "pinned")]
    lone = overhead + 4096 / rate * 1e9 + LATENCY_NS
    w(f"lone_copy: {{ direction: h2d, memory: pinned, bytes: 4096,\n  ns: {flow(repeats(lone, 101))} }}")
    w(f"launch: {{ ops: 1000,\n  ns: {flow(repeats(LAUNCH_NS, 9))},\n"
      f"  lone_ns: {flow(repeats(LAUNCH_LONE_NS, 101))} }}")
    hbm = 1 << 30
    w(f"hbm: {{ bytes: {hbm}, ns: {flow(repeats(2 * hbm / HBM_BYTES_PER_S * 1e9, 9))} }}")

    w("gemm:")
    for dtype, by_size in GEMM_FLOPS.items():
        for n, rate in by_size.items():
            w(f"  - {{ dtype: {dtype}, m: {n}, n: {n}, k: {n}, "
              f"ns: {flow(repeats(2 * n ** 3 / rate * 1e9, 9))} }}")

    weights_ns = MODEL["params"] * MODEL["bytes_per_param"] / WEIGHTS_BYTES_PER_S * 1e9
    per_token_ns = 2 * MODEL["params"] / LINEAR_FLOPS * 1e9
    for key, tokens in (("decode_linear", [1, 2, 4, 8, 16, 32, 64]),
                        ("prefill_linear", [128, 256, 512, 1024, 2048])):
        w(f"{key}:")
        for t in tokens:
            layer_ns = (weights_ns ** 2 + (per_token_ns * t) ** 2) ** 0.5 / SCALE
            w(f"  - {{ tokens: {t}, ns: {flow(repeats(layer_ns, 9))} }}")

    w("kv_read:")
    for batch in (1, 4, 16, 64):
        for context in (128, 512, 2048, 4096):
            ns = ATTENTION_OVERHEAD_NS + batch * context * LAYER_KV_BYTES / KV_BYTES_PER_S * 1e9
            w(f"  - {{ batch: {batch}, context: {context}, ns: {flow(repeats(ns, 9))} }}")
    w("prefill_attention:")
    for chunk, offset in ((256, 0), (512, 0), (1024, 0), (2048, 0), (512, 1536), (1024, 1024),
                          (1024, 3072)):
        ns = (ATTENTION_OVERHEAD_NS + 4 * H * chunk * (offset + chunk) / ATTENTION_FLOPS * 1e9
              + offset * LAYER_KV_BYTES / KV_BYTES_PER_S * 1e9)
        w(f"  - {{ chunk: {chunk}, offset: {offset}, ns: {flow(repeats(ns, 9))} }}")
    print("\n".join(out))


main()
