#!/usr/bin/env node
// The devnet oracle: one long-lived polkadot-js client that answers requests as line-delimited JSON
// on stdin/stdout, so Go tests can check the chain with an independent implementation (and set it up)
// without paying ~1 s of node + polkadot-js start-up per read.
//
//   node oracle.mjs --endpoint ws://127.0.0.1:9944 [--instant]
//   → {"id":1,"method":"query","params":{"path":"query.subtensorModule.weights","args":[2,0]}}
//   ← {"id":1,"result":[[1,65535]]}        or        ← {"id":1,"error":"..."}
//
// Methods (params in braces; "at" is an optional block hash everywhere it is accepted):
//   ping {}                                   → "pong"
//   query {path, args, at, format}            → storage value (format: json (default) | human | primitive | hex)
//   entries {path, args, at, format}          → [{key: [...args as json], value}] of a map (args: partial key)
//   call {path, args, at, decode, format}     → runtime API result; Bytes results are hex unless decode
//                                               names a SCALE type (e.g. "Vec<NeuronInfoLite>") to decode them as
//   const {path}                              → constant (json)
//   rpc {method, params}                      → raw JSON-RPC result
//   tx {signer, call, args, sudo}             → signs (//URI or 0x mini-secret seed), submits, builds a block in
//                                               Manual mode, waits for inclusion: {blockHash, blockNumber, index, ok, error, events}
//   newBlock {count}                          → head hash
//   bootstrap {options..., walletDir}         → the world (see lib/world.mjs)
//   reapply {subnets}                         → re-applies hyperparameters of world subnets
//   upgrade {specPath}                        → {block, hash, specBefore, specAfter}
//   weights {netuid, uid, at}                 → [{uid, weight}]
//   permits {netuid, at}                      → [bool] by uid
//   uids {netuid, at}                         → [{uid, hotkey}] from Keys, by uid
//   uid {netuid, hotkey, at}                  → number | null
//   axon {netuid, hotkey, at}                 → {ip, ipInt, port, ipType, protocol, version, block, placeholder1, placeholder2} | null
//   certificate {netuid, hotkey, at}          → {algorithm, publicKey} | null
//   commits {netuid, hotkey, at}              → [{hash, commitBlock, firstRevealBlock, lastRevealBlock}]
//   neuronsLite {netuid, at}                  → NeuronInfoLite list (runtime API, Bytes unwrapped and decoded)
//   events {at}                               → [{phase, index, section, method, data}]
//   runtimeVersion {at}                       → state_getRuntimeVersion as json
//   head {}                                   → {number, hash}
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { compactStripLength, hexToU8a } from '@polkadot/util';
import { initKeys, devKey } from './lib/keys.mjs';
import { connect, head, newBlock, resetNonces, rpc, submit, txFn, waitIncluded, requireOk } from './lib/chain.mjs';
import { bootstrap } from './lib/world.mjs';
import { reapplyHyperparameters, upgradeRuntime } from './lib/upgrade.mjs';
import { Keyring } from '@polkadot/keyring';

const { values } = parseArgs({ options: { endpoint: { type: 'string', default: 'ws://127.0.0.1:9944' }, instant: { type: 'boolean', default: false } } });
const manual = !values.instant;

await initKeys();
const api = await connect(values.endpoint);
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });

function signer(spec) {
  if (typeof spec !== 'string' || spec === '') throw new Error('tx: signer must be a //URI or a 0x mini-secret seed');
  if (/^0x[0-9a-fA-F]{64}$/.test(spec)) return keyring.addFromSeed(hexToU8a(spec));
  return devKey(spec);
}

function resolve(root, path, prefix) {
  const parts = path.split('.');
  if (parts[0] === prefix) parts.shift();
  if (parts.length !== 2) throw new Error(`${prefix} path "${path}": want ${prefix}.<section>.<name>`);
  const fn = root[prefix]?.[parts[0]]?.[parts[1]];
  if (!fn) throw new Error(`unknown ${prefix}.${parts[0]}.${parts[1]} in this runtime`);
  return fn;
}

async function at(hash) {
  return hash ? api.at(hash) : api;
}

function render(value, format = 'json') {
  switch (format) {
    case 'json':
      return value.toJSON();
    case 'human':
      return value.toHuman();
    case 'primitive':
      return value.toPrimitive();
    case 'hex':
      return value.toHex();
    default:
      throw new Error(`unknown format ${format}`);
  }
}

function ipString(ipInt, ipType) {
  const v = BigInt(ipInt);
  if (ipType === 4 || v < 2n ** 32n) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const words = [];
  for (let s = 112n; s >= 0n; s -= 16n) words.push(((v >> s) & 0xffffn).toString(16));
  return words.join(':');
}

/**
 * The SCALE payload of a spec-218 runtime-API result. polkadot-js hands the state_call result over as
 * Bytes whose content still starts with the Vec<u8> length prefix (the runtime returns Vec<u8>
 * holding the SCALE struct): strip that one prefix. Non-Bytes results pass through unchanged.
 */
function unwrapBytes(out) {
  if (out.toRawType() !== 'Bytes') return out.toU8a();
  const [, inner] = compactStripLength(new Uint8Array(out));
  return inner;
}

let txQueue = Promise.resolve(); // transactions one at a time: nonces are read fresh for each

const methods = {
  ping: async () => 'pong',
  head: async () => head(api),
  query: async ({ path, args = [], at: h, format }) => render(await resolve(await at(h), path, 'query')(...args), format),
  entries: async ({ path, args = [], at: h, format }) => {
    const entries = await resolve(await at(h), path, 'query').entries(...args);
    return entries.map(([k, v]) => ({ key: k.args.map((a) => a.toJSON()), value: render(v, format) }));
  },
  call: async ({ path, args = [], at: h, decode, format }) => {
    const out = await resolve(await at(h), path, 'call')(...args);
    if (decode) return render(api.createType(decode, unwrapBytes(out)), format);
    return render(out, format);
  },
  const: async ({ path }) => {
    const parts = path.split('.').filter((p) => p !== 'consts');
    const c = api.consts[parts[0]]?.[parts[1]];
    if (!c) throw new Error(`unknown constant ${path}`);
    return c.toJSON();
  },
  rpc: async ({ method, params = [] }) => rpc(api, method, params),
  newBlock: async ({ count = 1 }) => newBlock(api, count),
  tx: (p) => {
    const run = txQueue.then(async () => {
      resetNonces(); // the code under test may have used the same keys since
      const pair = signer(p.signer ?? '//Alice');
      let tx = txFn(api, p.call)(...(p.args ?? []));
      if (p.sudo) tx = api.tx.sudo.sudo(tx);
      const { number: from } = await head(api);
      const hash = await submit(api, pair, tx);
      if (manual) await newBlock(api);
      const outcomes = await waitIncluded(api, [hash], from);
      if (!p.allowFailure) requireOk(outcomes, [p.sudo ? `sudo(${p.call})` : p.call]);
      return { hash, ...outcomes[0] };
    });
    txQueue = run.catch(() => {});
    return run;
  },
  bootstrap: (p) => {
    const run = txQueue.then(() => bootstrap(api, { ...p, manual, log: (m) => process.stderr.write(`bootstrap: ${m}\n`) }));
    txQueue = run.catch(() => {});
    return run;
  },
  reapply: (p) => {
    const run = txQueue.then(() => reapplyHyperparameters(api, p.subnets ?? [], { manual }));
    txQueue = run.catch(() => {});
    return run;
  },
  upgrade: (p) => {
    const run = txQueue.then(() => upgradeRuntime(api, p.specPath, { manual }));
    txQueue = run.catch(() => {});
    return run;
  },
  weights: async ({ netuid, uid, at: h }) => (await (await at(h)).query.subtensorModule.weights(netuid, uid)).map(([u, w]) => ({ uid: u.toNumber(), weight: w.toNumber() })),
  permits: async ({ netuid, at: h }) => (await (await at(h)).query.subtensorModule.validatorPermit(netuid)).map((b) => b.isTrue),
  uids: async ({ netuid, at: h }) => {
    const entries = await (await at(h)).query.subtensorModule.keys.entries(netuid);
    return entries.map(([k, v]) => ({ uid: k.args[1].toNumber(), hotkey: v.toString() })).sort((a, b) => a.uid - b.uid);
  },
  uid: async ({ netuid, hotkey, at: h }) => {
    const u = await (await at(h)).query.subtensorModule.uids(netuid, hotkey);
    return u.isSome ? u.unwrap().toNumber() : null;
  },
  axon: async ({ netuid, hotkey, at: h }) => {
    const a = await (await at(h)).query.subtensorModule.axons(netuid, hotkey);
    if (a.isNone) return null;
    const x = a.unwrap();
    const ipType = x.ipType.toNumber();
    return {
      ip: ipString(x.ip.toString(), ipType),
      ipInt: x.ip.toString(),
      port: x.port.toNumber(),
      ipType,
      protocol: x.protocol.toNumber(),
      version: x.version.toNumber(),
      block: x.block.toNumber(),
      placeholder1: x.placeholder1.toNumber(),
      placeholder2: x.placeholder2.toNumber(),
    };
  },
  certificate: async ({ netuid, hotkey, at: h }) => {
    const c = await (await at(h)).query.subtensorModule.neuronCertificates(netuid, hotkey);
    if (c.isNone) return null;
    const x = c.unwrap();
    return { algorithm: x.algorithm.toNumber(), publicKey: x.publicKey.toHex() };
  },
  commits: async ({ netuid, hotkey, at: h }) => {
    const c = await (await at(h)).query.subtensorModule.weightCommits(netuid, hotkey);
    if (c.isNone) return [];
    return c.unwrap().map(([hash, commitBlock, first, last]) => ({ hash: hash.toHex(), commitBlock: commitBlock.toNumber(), firstRevealBlock: first.toNumber(), lastRevealBlock: last.toNumber() }));
  },
  neuronsLite: async ({ netuid, at: h }) => {
    const out = await (await at(h)).call.neuronInfoRuntimeApi.getNeuronsLite(netuid);
    // Spec 218 wraps the result in Bytes (DEVNET.md §1): decode the content as the struct list.
    const list = out.toRawType() === 'Bytes' ? api.createType('Vec<NeuronInfoLite>', unwrapBytes(out)) : out;
    return list.map((n) => {
      const j = n.toJSON();
      j.hotkey = n.hotkey.toString();
      j.coldkey = n.coldkey.toString();
      j.stake = n.stake.map(([k, v]) => [k.toString(), v.toString()]);
      j.emission = n.emission.toString();
      j.axon_info.ip = n.axon_info.ip.toString();
      j.prometheus_info.ip = n.prometheus_info.ip.toString();
      return j;
    });
  },
  events: async ({ at: h }) => {
    const evs = await (await at(h)).query.system.events();
    return evs.map(({ phase, event }) => ({
      phase: phase.type,
      index: phase.isApplyExtrinsic ? phase.asApplyExtrinsic.toNumber() : null,
      section: event.section,
      method: event.method,
      data: event.data.toJSON(),
    }));
  },
  runtimeVersion: async ({ at: h }) => (await (h ? api.rpc.state.getRuntimeVersion(h) : api.rpc.state.getRuntimeVersion())).toJSON(), // an explicit undefined reads nothing
};

function reply(obj) {
  process.stdout.write(JSON.stringify(obj, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', async (line) => {
  if (line.trim() === '') return;
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    reply({ id: null, error: `bad request: ${err.message}` });
    return;
  }
  try {
    const fn = methods[req.method];
    if (!fn) throw new Error(`unknown method ${req.method}`);
    reply({ id: req.id, result: (await fn(req.params ?? {})) ?? null });
  } catch (err) {
    reply({ id: req.id, error: err?.message ?? String(err) });
  }
});
// The test binary closing stdin (exit, crash) ends the oracle.
rl.on('close', async () => {
  await api.disconnect().catch(() => {});
  process.exit(0);
});
process.stderr.write('oracle: ready\n');
reply({ id: 0, result: 'ready' });
