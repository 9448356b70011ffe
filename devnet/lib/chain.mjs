// Connecting to the devnet and getting extrinsics into blocks, with the Chopsticks quirks handled
// once here (DEVNET.md §9): transactions are signed immortal (no birth-block/era questions around the
// synthetic genesis hash), submitted with author_submitExtrinsic (no watch statuses to parse), and
// their outcome is read from the block that includes them.
import { ApiPromise, HttpProvider, WsProvider } from '@polkadot/api';
import { RUNTIME_TYPES } from './types.mjs';

/** Connects polkadot-js; ws:// or http:// endpoints. */
export async function connect(endpoint) {
  const provider = endpoint.startsWith('http') ? new HttpProvider(endpoint) : new WsProvider(endpoint, 1000, {}, 60_000);
  return ApiPromise.create({ provider, noInitWarn: true, types: RUNTIME_TYPES, throwOnConnect: true });
}

/** Raw JSON-RPC (dev_* and anything polkadot-js does not decorate). */
export function rpc(api, method, params = []) {
  return api._rpcCore.provider.send(method, params);
}

/**
 * The best block, read with uncached raw RPC: polkadot-js' api.rpc.chain.getHeader() may answer from
 * its cache with a head that is a block old right after dev_newBlock.
 */
export async function head(api) {
  const hash = await rpc(api, 'chain_getBlockHash', []);
  const header = await rpc(api, 'chain_getHeader', [hash]);
  return { number: Number(header.number), hash };
}

/** Builds one block (or several) with dev_newBlock and returns the new head hash. */
export async function newBlock(api, count = 1) {
  return rpc(api, 'dev_newBlock', [{ count }]);
}

/** Resolves "section.method" (e.g. "adminUtils.sudoSetTempo") to a call builder. */
export function txFn(api, name) {
  const [section, method] = name.split('.');
  const fn = api.tx[section]?.[method];
  if (!fn) throw new Error(`unknown call ${name}`);
  return fn;
}

const nextNonce = new Map(); // address -> next nonce to use; only valid while one builder signs for it

/** Forgets cached nonces (after blocks built by others, or a dropped transaction). */
export function resetNonces() {
  nextNonce.clear();
}

const rejected = new Map(); // extrinsic hash -> why the block builder dropped it

/**
 * Signs (immortal) and submits a transaction; returns its hash. Nonces are tracked locally so several
 * transactions of one signer can share a block. The submission is watched only to learn why the
 * block builder drops a transaction (Chopsticks reports it as a non-standard status, DEVNET.md §9.1).
 */
export async function submit(api, pair, tx) {
  let nonce = nextNonce.get(pair.address);
  if (nonce === undefined) nonce = (await api.rpc.system.accountNextIndex(pair.address)).toNumber();
  await tx.signAsync(pair, { nonce, era: 0 });
  const hash = tx.hash.toHex();
  const provider = api._rpcCore.provider;
  try {
    let subId = null;
    let done = false;
    const finish = () => {
      done = true;
      if (subId !== null) provider.unsubscribe('author_extrinsicUpdate', 'author_unwatchExtrinsic', subId).catch(() => {});
    };
    subId = await provider.subscribe('author_extrinsicUpdate', 'author_submitAndWatchExtrinsic', [tx.toHex()], (err, status) => {
      if (done) return;
      if (err) {
        rejected.set(hash, err.message ?? String(err));
        finish();
      } else if (status && typeof status === 'object' && (status.inBlock || status.finalized)) {
        finish();
      } else if (status && typeof status === 'object' && !('ready' in status) && !('broadcast' in status) && !('future' in status)) {
        rejected.set(hash, JSON.stringify(status)); // e.g. {"invalid":{"exhaustsResources":null}}
        finish();
      }
    });
    if (done) provider.unsubscribe('author_extrinsicUpdate', 'author_unwatchExtrinsic', subId).catch(() => {});
    nextNonce.set(pair.address, nonce + 1);
    return hash;
  } catch (err) {
    nextNonce.delete(pair.address);
    throw new Error(`submit ${tx.method.section}.${tx.method.method} from ${pair.address}: ${err.message}`, { cause: err });
  }
}

function describeDispatchError(api, err) {
  if (err.isModule) {
    const m = api.registry.findMetaError(err.asModule);
    return `${m.section}.${m.name}`;
  }
  const detail = err[`as${err.type}`];
  return detail && detail.type ? `${err.type}.${detail.type}` : err.type;
}

/**
 * Outcome of each included extrinsic of a block, keyed by extrinsic hash: { blockHash, blockNumber,
 * index, ok, error, events } where error names the module error (including a failed Sudo.Sudid or
 * Utility.BatchInterrupted, which leave ExtrinsicSuccess in place).
 */
export async function blockOutcomes(api, blockHash) {
  const [block, events] = await Promise.all([api.rpc.chain.getBlock(blockHash), api.query.system.events.at(blockHash)]);
  const out = new Map();
  block.block.extrinsics.forEach((ext, index) => {
    const evs = events.filter((e) => e.phase.isApplyExtrinsic && e.phase.asApplyExtrinsic.toNumber() === index);
    let error = null;
    for (const { event } of evs) {
      if (api.events.system.ExtrinsicFailed.is(event)) error = describeDispatchError(api, event.data[0]);
      else if (api.events.sudo?.Sudid?.is(event) && event.data[0].isErr) error = `sudo: ${describeDispatchError(api, event.data[0].asErr)}`;
      else if (api.events.utility?.BatchInterrupted?.is(event)) error = `batch item ${event.data[0]}: ${describeDispatchError(api, event.data[1])}`;
    }
    out.set(ext.hash.toHex(), {
      blockHash: blockHash.toString(),
      blockNumber: block.block.header.number.toNumber(),
      index,
      ok: error === null,
      error,
      events: evs.map(({ event }) => `${event.section}.${event.method}`),
    });
  });
  return out;
}

/**
 * Waits until every hash is included in a block after fromNumber (blocks may be built by us, by a
 * background producer or by Instant mode) and returns the outcomes in order. A transaction the block
 * builder dropped (invalid when applied, e.g. exhausted block resources) fails at once with the
 * reason Chopsticks reported on its watch. Pool and head are not compared: Chopsticks takes the
 * transactions out of the pool when it starts building a block, so for a while a transaction is
 * neither pending nor in a block.
 */
export async function waitIncluded(api, hashes, fromNumber, { timeoutMs = 120_000 } = {}) {
  const found = new Map();
  let scanned = fromNumber;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { number: headNumber } = await head(api);
    for (let n = scanned + 1; n <= headNumber; n++) {
      const outcomes = await blockOutcomes(api, await api.rpc.chain.getBlockHash(n));
      for (const h of hashes) if (outcomes.has(h)) found.set(h, outcomes.get(h));
      scanned = n;
    }
    if (found.size === hashes.length) return hashes.map((h) => found.get(h));
    const dropped = hashes.filter((h) => !found.has(h) && rejected.has(h));
    if (dropped.length > 0) {
      resetNonces();
      throw new Error(`transactions dropped by the block builder (invalid when applied): ${dropped.map((h) => `${h}: ${rejected.get(h)}`).join('; ')}`);
    }
    if (Date.now() > deadline) {
      resetNonces();
      const pending = new Set((await api.rpc.author.pendingExtrinsics()).map((e) => e.hash.toHex()));
      const missing = hashes.filter((h) => !found.has(h)).map((h) => `${h} (${pending.has(h) ? 'still in the pool: no block built?' : 'not in the pool'})`);
      throw new Error(`timed out after ${timeoutMs} ms waiting for inclusion of ${missing.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Throws if any outcome failed, naming the label of the first failure. */
export function requireOk(outcomes, labels) {
  outcomes.forEach((o, i) => {
    if (!o.ok) throw new Error(`${labels[i]} failed in block #${o.blockNumber}: ${o.error}`);
  });
}

/**
 * Submits the given [pair, tx, label] items, builds one block (Manual mode) and checks that each was
 * included and succeeded. Returns the outcomes.
 */
export async function inBlock(api, items, { manual = true } = {}) {
  const { number: from } = await head(api);
  const hashes = [];
  for (const [pair, tx] of items) hashes.push(await submit(api, pair, tx));
  if (manual) await newBlock(api);
  const outcomes = await waitIncluded(api, hashes, from);
  requireOk(outcomes, items.map(([, tx, label]) => label ?? `${tx.method.section}.${tx.method.method}`));
  return outcomes;
}
