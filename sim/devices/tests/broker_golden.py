#!/usr/bin/python3
"""Golden values for broker_test.cc and gpu_test.cc: BrokerCost (../broker_cost.cc) written
again from docs/devices.md's formula in Python integers, for the test profile h100_like()
(test_support.h) and a 7e9-parameter fp16 model of LLaMA-2-7B's shape. Run it to regenerate
the constants when the model changes; the tests compare the C++ against these numbers."""
from math import isqrt

FS = 10**15
PARAMS, BPP, LAYERS, HIDDEN, KVB = 7 * 10**9, 2, 32, 4096, 524288
WEIGHTS_RATE, LINEAR_FLOPS = 2_680_000_000_000, 494_500_000_000_000
KV_RATE = ATTN_FLOPS = 1 << 62
ATTN_OVERHEAD_NS = 0


def ceil_div(a, b):
    return -(-a // b)


class Cost:
    def __init__(self, share_num=1, share_den=1, overhead_ns=0):
        self.overhead_ns = overhead_ns
        self.weights_ps = ceil_div(PARAMS * BPP * 10**12 * share_den, WEIGHTS_RATE * share_num)
        self.lin_fs = ceil_div(2 * PARAMS * FS * share_den, LINEAR_FLOPS * share_num)
        self.attn_over_ps = LAYERS * ATTN_OVERHEAD_NS * 1000
        self.kv_fs = ceil_div(KVB * FS * share_den, KV_RATE * share_num)
        self.attn_fs = ceil_div(4 * HIDDEN * LAYERS * FS * share_den, ATTN_FLOPS * share_num)

    def linear_ps(self, tokens):
        c = self.lin_fs * tokens // 1000
        sq = self.weights_ps ** 2 + c ** 2
        r = isqrt(sq)
        return r if r * r == sq else r + 1

    def iteration_ns(self, steps):
        """steps: [('p', chunk, offset) | ('d', context)]"""
        if not steps:
            return 0
        tokens = kv = units = 0
        for s in steps:
            if s[0] == 'p':
                tokens += s[1]; kv += s[2]; units += s[1] * (s[2] + s[1])
            else:
                tokens += 1; kv += s[1]
        fs = (self.linear_ps(tokens) + self.attn_over_ps) * 1000 + self.kv_fs * kv + self.attn_fs * units
        return self.overhead_ns + ceil_div(fs, 10**6)

    def alone_ns(self, prompt, gen, batch_tokens=8192):
        t, filled = 0, 0
        while filled < prompt:
            chunk = min(prompt - filled, batch_tokens)
            t += self.iteration_ns([('p', chunk, filled)])
            filled += chunk
        g = 1 if prompt > 0 and gen > 0 else 0
        while g < gen:
            t += self.iteration_ns([('d', prompt + g)])
            g += 1
        return t


c = Cost()
print("kAlone1x1Ns =", c.alone_ns(1, 1))
print("kAlone0x1Ns =", c.alone_ns(0, 1))
print("kAlone512x1Ns =", c.alone_ns(512, 1))
print("kAlone8192x1Ns =", c.alone_ns(8192, 1))
print("kAlone10000x3Ns =", c.alone_ns(10000, 3))
print("kAlone0x7Ns =", c.alone_ns(0, 7))
eighth = Cost(10, 80, 150000)
print("kEighth1x1Ns =", eighth.alone_ns(1, 1))
print("kEighth0x3Ns =", eighth.alone_ns(0, 3))
# Four 128+64 requests in one batch: one iteration of four 128-token chunks, then 63 decodes.
four = c.iteration_ns([('p', 128, 0)] * 4) + sum(c.iteration_ns([('d', 128 + g)] * 4) for g in range(1, 64))
print("kFourTogetherNs =", four)
# gpu_test: a 1-token prompt and 100 tokens: its iterations.
print("kFirstTwoNs =", c.iteration_ns([('p', 1, 0)]) + c.iteration_ns([('d', 2)]))
print("kAlone1x100Ns =", c.alone_ns(1, 100))
print("kPrefill512Ns =", c.iteration_ns([('p', 512, 0)]))
# broker_test's cancel: request 1 (10 + 100) alone, its first four iterations.
print("kFirstFourNs =", c.iteration_ns([('p', 10, 0)]) + sum(c.iteration_ns([('d', 10 + g)]) for g in (1, 2, 3)))
# broker_test's fair division: a 2048-token batch, tenant 1 (weight 1) picked first, then
# tenant 2 (weight 3), both with 4096-token prompts at offset 0 and no credit. Each may add its
# weight's share of what a full batch costs above the floor (one decode with no context).
floor = c.iteration_ns([('d', 0)])
full = c.iteration_ns([('p', 2048, 0)]) - floor
def largest(ok, hi):
    lo = 0
    while lo < hi:
        mid = lo + (hi - lo + 1) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid - 1)
    return lo
n1 = largest(lambda x: c.iteration_ns([('p', x, 0)]) - floor <= full * 1 // 4, 2048)
base = c.iteration_ns([('p', n1, 0)])
n2 = largest(lambda y: c.iteration_ns([('p', n1, 0), ('p', y, 0)]) - base <= full * 3 // 4, 2048 - n1)
# Round 2 (rule 1 is a division, not a limit): the tokens left over go to the chunk cut short in
# round 1, tenant 1's, within two shares now.
left = 2048 - n1 - n2
assert c.iteration_ns([('p', n1 + left, 0), ('p', n2, 0)]) - c.iteration_ns([('p', n2, 0)]) <= 2 * (full // 4)
print("kFairFirstBatch = {", n1 + left, ",", n2, "}")
