#!/usr/bin/env python3
"""Generate the weight normalisation and max-weight-limit vectors for internal/weights.

The oracle is Python's own float arithmetic and round() (round half to even on the
exact binary value), i.e. what the Bittensor SDK, turbobt and Pylon compute:

    w_u16 = round(w / max(weights) * 65535)

and, for the chain's MaxWeightExceeded check, exact integer arithmetic emulating
substrate-fixed's I32F32 (truncating division):

    value_i = (w_i << 32) // sum(w)      limit = (max_weights_limit << 32) // 65535

Run from this directory:  python3 gen_vectors.py > vectors.json
The output is deterministic (fixed seed); re-running must reproduce the committed file.
"""

import json
import math
import random
import sys
from fractions import Fraction

U16_MAX = 65535


def normalize(pairs):
    """pairs: list of (uid, weight). Returns (uids, values) sorted by uid, or an error name."""
    if not pairs:
        return "empty"
    m = max(w for _, w in pairs)
    if m == 0:
        return "all_zero"
    out = sorted((uid, round(w / m * U16_MAX)) for uid, w in pairs)
    return [u for u, _ in out], [v for _, v in out]


def weight(uid, w):
    return {"uid": uid, "weight": w, "hex": float.hex(w)}


def case(name, pairs):
    res = normalize(pairs)
    c = {"name": name, "weights": [weight(u, w) for u, w in pairs]}
    if isinstance(res, str):
        c["error"] = res
    else:
        c["uids"], c["values"] = res
    return c


def ties():
    """Weights whose scaled value w / m * 65535 is exactly n + 0.5 in float64."""
    found = []
    for m in (1.0, 0.75, 3.0, 1e-300):
        even = odd = 0
        for n in range(0, 65535, 7):
            w = (n + 0.5) / U16_MAX * m
            if w / m * U16_MAX != n + 0.5:
                continue
            if n % 2 == 0 and even < 4:
                even += 1
            elif n % 2 == 1 and odd < 4:
                odd += 1
            else:
                continue
            found.append((f"tie m={m!r} n={n}", [(0, m), (1, w)]))
            # Neighbours one ulp away: rounding must follow the side they fall on.
            found.append((f"tie+ulp m={m!r} n={n}", [(0, m), (1, math.nextafter(w, math.inf))]))
            found.append((f"tie-ulp m={m!r} n={n}", [(0, m), (1, math.nextafter(w, -math.inf))]))
    return found


def fixed_cases():
    return [
        ("pylon {0:0.2, 1:0.8}", [(0, 0.2), (1, 0.8)]),
        ("devnet [100,200,300,400]", [(1, 100.0), (2, 200.0), (3, 300.0), (4, 400.0)]),
        ("one element", [(5, 0.3)]),
        ("one element tiny", [(7, 5e-324)]),
        ("all zero", [(0, 0.0), (1, 0.0)]),
        ("single zero", [(3, 0.0)]),
        ("empty", []),
        ("zeros kept", [(2, 0.0), (0, 1.0), (1, 0.0)]),
        ("unsorted uids", [(9, 0.1), (3, 0.9), (6, 0.5), (0, 0.25)]),
        ("half exactly", [(0, 1.0), (1, 0.5)]),
        ("rounds to zero", [(0, 1.0), (1, 0.4 / U16_MAX), (2, 0.5 / U16_MAX), (3, 0.50000001 / U16_MAX)]),
        ("max double", [(0, sys.float_info.max), (1, sys.float_info.max / 2), (2, 1e308), (3, 1.0)]),
        ("huge and tiny", [(0, 1e308), (1, 1e-308), (2, 5e-324)]),
        ("subnormal max", [(0, 5e-324), (1, 1e-323), (2, 2.5e-323)]),
        ("subnormal and normal", [(0, 2.2250738585072014e-308), (1, 2.225073858507201e-308), (2, 1e-310)]),
        ("equal weights", [(u, 0.125) for u in range(8)]),
        ("integers", [(u, float(u * u)) for u in range(12)]),
        ("tenths", [(u, u / 10) for u in range(11)]),
        ("large uids", [(65535, 0.5), (4096, 1.0), (4095, 0.75)]),
    ]


def random_cases(rng):
    out = []
    dists = {
        "uniform": lambda: rng.random(),
        "loguniform": lambda: 10.0 ** rng.uniform(-320, 308),
        "integer": lambda: float(rng.randint(0, 1000)),
        "sparse": lambda: 0.0 if rng.random() < 0.5 else rng.random() * 1e-3,
        "gauss": lambda: abs(rng.gauss(0, 1)),
    }
    for name, draw in dists.items():
        for i in range(12):
            n = rng.choice([1, 2, 3, 5, 8, 16, 40])
            uids = rng.sample(range(4096), n)
            pairs = [(u, draw()) for u in uids]
            if all(w == 0 for _, w in pairs):
                pairs[0] = (pairs[0][0], 1.0)
            out.append((f"random {name} #{i} n={n}", pairs))
    return out


def fixed_limited(vec, limit):
    """subtensor check_vec_max_limited with substrate-fixed I32F32 (truncating division)."""
    lim = (limit << 32) // U16_MAX
    s = sum(vec)
    if not vec:
        return True
    if s == 0:
        return True  # inplace_normalize leaves zeros; max 0 <= limit
    return max((w << 32) // s for w in vec) <= lim


def max_weight_cases(rng):
    cases = [
        ([65535], 65534), ([65535], 65535), ([65535, 65535], 32767), ([65535, 65535], 32768),
        ([65535, 0, 0], 65534), ([0, 0], 1), ([], 10), ([16384, 65535], 52428), ([16384, 65535], 52429),
    ]
    lenient = 0
    while lenient < 6:
        n = rng.randint(2, 40)
        vec = [rng.randint(0, 65535) for _ in range(n)]
        vec[rng.randrange(n)] = 65535
        s = sum(vec)
        # A limit at or just below the exact share: the truncation decides.
        exact = Fraction(65535 * 65535, s)
        limit = min(65535, math.floor(exact))
        strict = Fraction(max(vec), s) <= Fraction(limit, 65535)
        if fixed_limited(vec, limit) != strict:
            lenient += 1
            cases.append((vec, limit))
    for _ in range(20):
        n = rng.randint(1, 64)
        vec = [rng.randint(0, 65535) for _ in range(n)]
        cases.append((vec, rng.randint(0, 65535)))
    return [{"values": v, "limit": l, "ok": fixed_limited(v, l)} for v, l in cases]


def main():
    rng = random.Random(20261125)
    cases = [case(n, p) for n, p in fixed_cases() + ties() + random_cases(rng)]
    doc = {
        "generator": "internal/weights/testdata/gen_vectors.py (Python %d.%d)" % sys.version_info[:2],
        "normalize": cases,
        "max_weight_limited": max_weight_cases(rng),
    }
    # One case per line keeps the file reviewable and its diffs small.
    out = sys.stdout
    out.write('{\n "generator": %s,\n' % json.dumps(doc["generator"]))
    for key in ("normalize", "max_weight_limited"):
        out.write(' "%s": [\n' % key)
        items = doc[key]
        for i, item in enumerate(items):
            out.write("  " + json.dumps(item) + (",\n" if i < len(items) - 1 else "\n"))
        out.write(" ]" + (",\n" if key == "normalize" else "\n"))
    out.write("}\n")


if __name__ == "__main__":
    main()
