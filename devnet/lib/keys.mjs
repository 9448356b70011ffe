// Deterministic devnet keys and bittensor wallet files.
//
// Every key is an sr25519 pair from a 32-byte mini secret ("secretSeed") derived as
// blake2b-256(label), so each run of the bootstrap builds the same world. polkadot-js expands a mini
// secret with the Ed25519 expansion, as sp-core and btwallet do (CRYPTO.md §1.3).
import fs from 'node:fs';
import path from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, stringToU8a } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, ed25519PairFromSeed, sr25519PairFromSeed } from '@polkadot/util-crypto';

export const SS58_PREFIX = 42;

let keyring;

/** Must be awaited once before any other function here (loads the wasm crypto). */
export async function initKeys() {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: SS58_PREFIX });
}

/** The dev key for a substrate URI such as //Alice (sudo and funding source). */
export function devKey(uri) {
  return keyring.addFromUri(uri);
}

/** blake2b-256 of a label: the mini secret of a devnet key. */
export function seedFor(label) {
  return blake2AsU8a(stringToU8a(label), 256);
}

/**
 * The 64-byte schnorrkel secret (scalar ‖ nonce) that btwallet writes as privateKey. polkadot-js
 * returns the "ed25519 form" whose scalar is multiplied by the cofactor 8 (a 3-bit left shift without
 * reduction), so shifting right by 3 restores the canonical scalar.
 */
export function schnorrkelSecret(ed25519Form) {
  let scalar = 0n;
  for (let i = 31; i >= 0; i--) scalar = (scalar << 8n) | BigInt(ed25519Form[i]);
  scalar >>= 3n;
  const out = new Uint8Array(64);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(scalar & 0xffn);
    scalar >>= 8n;
  }
  out.set(ed25519Form.subarray(32, 64), 32);
  return out;
}

/** A key derived from a label: the keyring pair plus what the wallet files need. */
export function labelledKey(label) {
  const seed = seedFor(label);
  const pair = keyring.addFromSeed(seed);
  const { secretKey } = sr25519PairFromSeed(seed);
  return {
    label,
    pair,
    address: pair.address,
    publicKey: u8aToHex(pair.publicKey),
    seed: u8aToHex(seed),
    privateKey: u8aToHex(schnorrkelSecret(secretKey)),
  };
}

/** An Ed25519 neuron certificate keypair (CRYPTO.md §8) derived from a label. */
export function certificateKey(label) {
  const seed = seedFor(label);
  const { publicKey } = ed25519PairFromSeed(seed);
  return { algorithm: 1, seed: u8aToHex(seed), publicKey: u8aToHex(publicKey) };
}

/** The plaintext keyfile JSON (CRYPTO.md §1.2), or its public-only form. */
export function keyfileJSON(key, { secret }) {
  const doc = { accountId: key.publicKey, publicKey: key.publicKey, ss58Address: key.address };
  if (secret) {
    doc.secretSeed = key.seed;
    doc.privateKey = key.privateKey;
  }
  return JSON.stringify(doc);
}

function writePrivate(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its mode on write
}

/**
 * Writes one bittensor wallet: <dir>/<wallet>/coldkey (plaintext: devnet keys are throwaway),
 * coldkeypub.txt, hotkeys/<hotkey> and hotkeys/<hotkey>pub.txt, all mode 0600.
 */
export function writeWallet(dir, walletName, hotkeyName, coldkey, hotkey) {
  const w = path.join(dir, walletName);
  writePrivate(path.join(w, 'coldkey'), keyfileJSON(coldkey, { secret: true }));
  writePrivate(path.join(w, 'coldkeypub.txt'), keyfileJSON(coldkey, { secret: false }));
  writePrivate(path.join(w, 'hotkeys', hotkeyName), keyfileJSON(hotkey, { secret: true }));
  writePrivate(path.join(w, 'hotkeys', `${hotkeyName}pub.txt`), keyfileJSON(hotkey, { secret: false }));
}
