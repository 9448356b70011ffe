#!/usr/bin/env python3
"""Check vectors.json's normalisation cases against the Bittensor SDK itself.

gen_vectors.py computes the expected u16 values with its own copy of the SDK's
expression; this script asks the SDK (the `bittensor` package from PyPI,
bittensor.intents.weights.normalize) for every case and compares. The SDK drops
uids whose value rounds to 0 (Pylon-Go keeps them, CHAIN.md §12 decision 9), so
the vectors' zeros are left out before comparing. Exit status 1 on any
difference.

    python check_sdk.py vectors.json     # with the SDK installed (see run_sdk_check.sh)
"""

import json
import sys
from importlib import metadata

from bittensor.intents.weights import normalize


def main(path):
    cases = json.load(open(path))["normalize"]
    bad = 0
    for c in cases:
        uids = [w["uid"] for w in c["weights"]]
        weights = [float.fromhex(w["hex"]) for w in c["weights"]]
        got_uids, got_vals = normalize(uids, weights)
        got = sorted(zip(got_uids, got_vals))
        want = [] if "error" in c else [(u, v) for u, v in zip(c["uids"], c["values"]) if v != 0]
        if got != want:
            bad += 1
            print(f"{c['name']}: SDK {got[:8]}…, vectors {want[:8]}…")
    print(f"bittensor {metadata.version('bittensor')}: {len(cases) - bad} of {len(cases)} normalisation cases agree")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "vectors.json"))
