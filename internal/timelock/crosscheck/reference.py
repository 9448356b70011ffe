"""Run requests against bittensor-drand, the Rust (tle/arkworks) reference.

Reads one JSON object from stdin and writes one JSON object to stdout. The Go
test in this directory builds the request and checks the answer; this script
only calls the reference and reports what it returned. It makes no network
calls: decryption takes the drand signature as input.

Request:
  {"decrypt": [{"ciphertext": hex, "signature": hex}, ...],
   "encrypt_at_round": [{"message": hex, "round": int}, ...],
   "commit_v2": [{"uids": [...], "weights": [...], "version_key": int,
                  "last_epoch_block": int, "pending_epoch_at": int,
                  "subnet_epoch_index": int, "tempo": int,
                  "blocks_since_last_step": int, "current_block": int,
                  "reveal_period": int, "block_time": float, "hotkey": hex}, ...],
   "commit_v1": [{"uids": [...], "weights": [...], "version_key": int,
                  "tempo": int, "current_block": int, "netuid": int,
                  "reveal_period": int, "block_time": float, "hotkey": hex}, ...],
   "commitment": [{"data": str, "blocks_until_reveal": int, "block_time": float}, ...]}
commit_v2 needs bittensor-drand 2.x, commit_v1 (the legacy epoch formula) 1.x.
Answer: the same keys, one result per item, in order; a failing item carries
{"error": text} instead of its result.
"""

import json
import sys
import time
from importlib import metadata

import bittensor_drand as bd


def compact(n: int) -> bytes:
    # SCALE Compact<u32> for lengths; only the modes a ciphertext can need.
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 2).to_bytes(4, "little")
    raise ValueError("length too large")


def wrap(ciphertext: bytes, reveal_round: int) -> bytes:
    # bittensor-drand's encrypt*/decrypt* Python functions work on
    # SCALE(UserData{encrypted_data: Vec<u8>, reveal_round: u64}); the chain
    # and Go use the bare tle ciphertext inside it.
    return compact(len(ciphertext)) + ciphertext + reveal_round.to_bytes(8, "little")


def unwrap(blob: bytes) -> tuple[bytes, int]:
    mode = blob[0] & 3
    if mode == 0:
        n, off = blob[0] >> 2, 1
    elif mode == 1:
        n, off = int.from_bytes(blob[:2], "little") >> 2, 2
    elif mode == 2:
        n, off = int.from_bytes(blob[:4], "little") >> 2, 4
    else:
        raise ValueError("unexpected compact mode")
    if len(blob) != off + n + 8:
        raise ValueError(f"UserData is {len(blob)} bytes, expected {off + n + 8}")
    return blob[off : off + n], int.from_bytes(blob[off + n :], "little")


def run(fn, item):
    try:
        return fn(item)
    except Exception as exc:  # reported to the Go side, which decides
        return {"error": f"{type(exc).__name__}: {exc}"}


def decrypt(item):
    # The round inside UserData is not used by decrypt_with_signature.
    pt = bd.decrypt_with_signature(wrap(bytes.fromhex(item["ciphertext"]), 0), item["signature"])
    return {"plaintext": bytes(pt).hex()}


def encrypt_at_round(item):
    blob, rnd = bd.encrypt_at_round(bytes.fromhex(item["message"]), item["round"])
    ct, inner_round = unwrap(bytes(blob))
    return {"ciphertext": ct.hex(), "round": rnd, "wrapped_round": inner_round}


def commit_v2(item):
    before = time.time_ns()
    ct, rnd = bd.get_encrypted_commit_v2(
        item["uids"],
        item["weights"],
        item["version_key"],
        item["last_epoch_block"],
        item["pending_epoch_at"],
        item["subnet_epoch_index"],
        item["tempo"],
        item["blocks_since_last_step"],
        item["current_block"],
        item["reveal_period"],
        item["block_time"],
        bytes.fromhex(item["hotkey"]),
    )
    after = time.time_ns()
    # The reference reads the clock itself: report the window around the call
    # so the Go side can bracket the round it should have chosen.
    return {"ciphertext": bytes(ct).hex(), "round": rnd,
            "before_ns": before, "after_ns": after}


def commit_v1(item):
    before = time.time_ns()
    ct, rnd = bd.get_encrypted_commit(
        item["uids"],
        item["weights"],
        item["version_key"],
        item["tempo"],
        item["current_block"],
        item["netuid"],
        item["reveal_period"],
        item["block_time"],
        bytes.fromhex(item["hotkey"]),
    )
    after = time.time_ns()
    return {"ciphertext": bytes(ct).hex(), "round": rnd, "before_ns": before, "after_ns": after}


def commitment(item):
    before = time.time_ns()
    ct, rnd = bd.get_encrypted_commitment(item["data"], item["blocks_until_reveal"], item["block_time"])
    after = time.time_ns()
    return {"ciphertext": bytes(ct).hex(), "round": rnd, "before_ns": before, "after_ns": after}


def main():
    req = json.load(sys.stdin)
    out = {"reference": f"bittensor-drand {metadata.version('bittensor-drand')}"}
    for key, fn in (("decrypt", decrypt), ("encrypt_at_round", encrypt_at_round), ("commit_v2", commit_v2), ("commit_v1", commit_v1),
                    ("commitment", commitment)):
        out[key] = [run(fn, item) for item in req.get(key) or []]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
