"""Generate the keyfile fixtures of internal/keys with independent implementations.

Run through gen_fixtures.sh, which builds the two throwaway virtual environments:

  btwallet  -> bittensor-wallet (Rust, sp-core/schnorrkel/libsodium), the wallet library
               btcli and the Bittensor SDK use today.
  py7       -> substrate-interface (py-sr25519-bindings) writing the Python-era
               (bittensor <= 7.x) keyfile layout: json.dumps with null fields.

Every key written here is a throwaway TEST key. Nothing here protects any funds.
"""

import json
import os
import shutil
import sys

OUT = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(OUT, "expected.json")

NACL_PASSWORD = "pylon-go-fixture-password"
MESSAGE = b"pylon-go keys fixture: signed by bittensor-wallet"

# Secret URIs resolved by sp-core (through bittensor-wallet's Keypair.create_from_uri).
# They cover hard and soft junctions, numeric junctions (SCALE u64), junctions longer
# than 32 bytes once SCALE-encoded (blake2b-256 hashed), a phrase and a hex seed.
URIS = [
    "//Alice",
    "//Bob",
    "//Alice//hot",
    "//Bob//hot",
    "//Alice/soft",
    "//Alice//0",
    "//Alice/1//hard/2",
    "//this-junction-is-longer-than-thirty-two-bytes-once-encoded",
    "old leopard transfer rib spatial phone calm indicate online fire caution review//pylon",
    "0xda3cf5b1e9144931a0f0db65664aab662673b099415a7f8121b7245fb0be4143//pylon//7",
]


def load_expected():
    if os.path.exists(EXPECTED):
        with open(EXPECTED) as f:
            return json.load(f)
    return {"files": {}, "signatures": [], "uris": {}, "generators": {}}


def save_expected(exp):
    with open(EXPECTED, "w") as f:
        json.dump(exp, f, indent=2, sort_keys=True)
        f.write("\n")


def rel(p):
    return os.path.relpath(p, OUT)


def gen_btwallet():
    import bittensor_wallet
    from bittensor_wallet import Keypair, Wallet, keyfile

    exp = load_expected()
    exp["generators"]["btwallet"] = "bittensor-wallet==" + bittensor_wallet.__version__
    root = os.path.join(OUT, "wallets")
    wdir = os.path.join(root, "btwallet")
    shutil.rmtree(wdir, ignore_errors=True)

    # Coldkey: created the way btcli does it, then the secret coldkey file is removed;
    # only coldkeypub.txt is a fixture (the service never needs the coldkey).
    w = Wallet(name="btwallet", hotkey="plain", path=root)
    w.create_new_coldkey(n_words=12, use_password=False, overwrite=True, suppress=True)
    os.remove(os.path.join(wdir, "coldkey"))
    exp["files"][rel(os.path.join(wdir, "coldkeypub.txt"))] = {
        "ss58": w.coldkeypub.ss58_address,
        "publicKey": w.coldkeypub.public_key.hex(),
    }

    # Plaintext, mnemonic-based hotkey (btcli wallet new_hotkey default).
    w.create_new_hotkey(n_words=12, use_password=False, overwrite=True, suppress=True)
    kp = w.hotkey
    exp["files"][rel(os.path.join(wdir, "hotkeys", "plain"))] = {
        "ss58": kp.ss58_address,
        "publicKey": kp.public_key.hex(),
    }
    exp["files"][rel(os.path.join(wdir, "hotkeys", "plainpub.txt"))] = {
        "ss58": kp.ss58_address,
        "publicKey": kp.public_key.hex(),
    }
    sig = kp.sign(MESSAGE)
    assert kp.verify(MESSAGE, sig)
    exp["signatures"] = [s for s in exp["signatures"] if s["signer"] != "btwallet"]
    exp["signatures"].append({
        "signer": "btwallet",
        "ss58": kp.ss58_address,
        "message_hex": MESSAGE.hex(),
        "signature": sig.hex(),
    })

    # $NACL-encrypted hotkey (btcli wallet new_hotkey --use-password).
    wn = Wallet(name="btwallet", hotkey="nacl", path=root)
    wn.create_new_hotkey(n_words=12, use_password=True, overwrite=True, suppress=True,
                         hotkey_password=NACL_PASSWORD)
    with open(os.path.join(wdir, "hotkeys", "nacl"), "rb") as f:
        assert f.read().startswith(b"$NACL")
    nkp = wn.get_hotkey(password=NACL_PASSWORD)
    exp["files"][rel(os.path.join(wdir, "hotkeys", "nacl"))] = {
        "ss58": nkp.ss58_address,
        "publicKey": nkp.public_key.hex(),
        "password": NACL_PASSWORD,
    }

    # ed25519 hotkey (crypto_type 0): the service signs extrinsics with sr25519 only
    # and must refuse it.
    we = Wallet(name="btwallet", hotkey="ed25519", path=root)
    we.create_new_hotkey(n_words=12, use_password=False, overwrite=True, suppress=True,
                         crypto_type=0)
    exp["files"][rel(os.path.join(wdir, "hotkeys", "ed25519"))] = {
        "ss58": we.hotkey.ss58_address,
        "publicKey": we.hotkey.public_key.hex(),
        "cryptoType": 0,
    }

    # Legacy ansible-vault encryption, as bittensor-wallet still writes it on request.
    ldir = os.path.join(OUT, "legacy")
    os.makedirs(ldir, exist_ok=True)
    plain = keyfile.serialized_keypair_to_keyfile_data(Keypair.create_from_uri("//Legacy"))
    with open(os.path.join(ldir, "ansible_vault"), "wb") as f:
        f.write(keyfile.legacy_encrypt_keyfile_data(plain, NACL_PASSWORD))

    exp["uris"] = {u: Keypair.create_from_uri(u).ss58_address for u in URIS}
    save_expected(exp)


def serialized_keypair_to_keyfile_data(keypair) -> bytes:
    # The Python-era (bittensor <= 7.x) keyfile layout: json.dumps with its default
    # separators, the six fields in this order, "0x"-prefixed hex, and null for
    # every field the keypair does not carry (e.g. no mnemonic for a URI key).
    def hexed(b):
        if not b:
            return None
        return "0x" + (b if isinstance(b, str) else b.hex())

    fields = {
        "accountId": hexed(keypair.public_key),
        "publicKey": hexed(keypair.public_key),
        "privateKey": hexed(keypair.private_key),
        "secretPhrase": keypair.mnemonic or None,
        "secretSeed": hexed(keypair.seed_hex),
        "ss58Address": keypair.ss58_address or None,
    }
    return json.dumps(fields).encode()


def gen_py7():
    import base64
    import importlib.metadata

    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    from substrateinterface import Keypair

    exp = load_expected()
    exp["generators"]["py7"] = (
        "substrate-interface==" + importlib.metadata.version("substrate-interface")
        + " with bittensor 7.4.0 serialized_keypair_to_keyfile_data"
    )
    wdir = os.path.join(OUT, "wallets", "py7")
    shutil.rmtree(wdir, ignore_errors=True)
    os.makedirs(os.path.join(wdir, "hotkeys"))

    def write(path, kp, **extra):
        with open(path, "wb") as f:
            f.write(serialized_keypair_to_keyfile_data(kp))
        exp["files"][rel(path)] = dict({"ss58": kp.ss58_address, "publicKey": kp.public_key.hex()}, **extra)

    mnemonic = Keypair.generate_mnemonic(12)
    kp = Keypair.create_from_mnemonic(mnemonic, ss58_format=42)
    write(os.path.join(wdir, "hotkeys", "mnemonic"), kp)

    # Built from the private key alone: secretPhrase and secretSeed are null, so the
    # loader must fall through to privateKey.
    other = Keypair.create_from_mnemonic(Keypair.generate_mnemonic(12), ss58_format=42)
    pk_only = Keypair.create_from_private_key(other.private_key, public_key=other.public_key,
                                              ss58_format=42)
    write(os.path.join(wdir, "hotkeys", "privatekey"), pk_only)

    # Public-only coldkeypub.txt as bittensor 7.x wrote it (Keypair(ss58_address=...)).
    write(os.path.join(wdir, "coldkeypub.txt"), Keypair(ss58_address=kp.ss58_address, ss58_format=42))

    # Fernet (the oldest bittensor encryption), with the legacy key derivation.
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), salt=b"Iguesscyborgslikemyselfhaveatendencytobeparanoidaboutourorigins",
                     length=32, iterations=10_000_000)
    key = base64.urlsafe_b64encode(kdf.derive(NACL_PASSWORD.encode()))
    token = Fernet(key).encrypt(serialized_keypair_to_keyfile_data(Keypair.create_from_uri("//Legacy")))
    os.makedirs(os.path.join(OUT, "legacy"), exist_ok=True)
    with open(os.path.join(OUT, "legacy", "fernet"), "wb") as f:
        f.write(token)

    # SS58 under one- and two-byte prefixes, by scalecodec's ss58_encode.
    from scalecodec.utils.ss58 import ss58_encode
    keys = {
        "alice": "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d",
        "wallet_vector": "e4359ad3e2716c539a1d663ebd0a51bdc5c98a12e663bb4c4402db47828c9446",
    }
    exp["ss58"] = [
        {"publicKey": pk, "prefix": prefix, "address": ss58_encode(bytes.fromhex(pk), ss58_format=prefix)}
        for pk in keys.values()
        for prefix in (0, 1, 2, 42, 63, 64, 65, 255, 1000, 4242, 16383)
    ]
    exp["generators"]["ss58"] = "scalecodec==" + importlib.metadata.version("scalecodec") + " ss58_encode"

    save_expected(exp)


def verify_go_output(path):
    """Check what crosscheck/main.go wrote: its signatures with bittensor-wallet's
    Keypair.verify, its keyfiles with bittensor-wallet's keyfile loader."""
    from bittensor_wallet import Keyfile, Keypair

    with open(path) as f:
        out = json.load(f)
    ok = total = 0
    for c in out["signatures"]:
        kp = Keypair(ss58_address=c["ss58"])
        msg = bytes.fromhex(c["message_hex"])
        sig = bytes.fromhex(c["signature"])
        bad = bytearray(sig)
        bad[5] ^= 1
        good, corrupted = kp.verify(msg, sig), kp.verify(msg, bytes(bad))
        print(f"signature {c['ss58']} len(msg)={len(msg):3d} verify={good} corrupted_verify={corrupted}")
        total += 1
        ok += good and not corrupted
    for kf_path, want in sorted(out["keyfiles"].items()):
        got = Keyfile(path=kf_path).get_keypair().ss58_address
        print(f"keyfile {os.path.basename(kf_path)} loads as {got} (want {want})")
        total += 1
        ok += got == want
    print(f"{ok}/{total} checks passed")
    return ok == total


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "btwallet":
        gen_btwallet()
    elif what == "py7":
        gen_py7()
    elif what == "verify-go":
        sys.exit(0 if verify_go_output(sys.argv[2]) else 1)
    else:
        sys.exit("usage: gen_fixtures.py btwallet|py7|verify-go FILE")
