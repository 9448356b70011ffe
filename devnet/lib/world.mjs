// The bootstrap: builds a realistic, deterministic world on a fresh devnet (DEVNET.md §5) and reads it
// back from the chain. Same options on a fresh chain → same keys, netuids, uids, permits, axons.
import { u8aToHex } from '@polkadot/util';
import { devKey, labelledKey, certificateKey, writeWallet } from './keys.mjs';
import { head, inBlock, newBlock, resetNonces, rpc } from './chain.mjs';

export const SUDO_URI = '//Alice';
const TAO = 1_000_000_000n;

export const DEFAULTS = Object.freeze({
  subnets: 2, // subnet k has commit-reveal on when k is odd: the default world has one of each
  neurons: 16,
  tempo: 10,
  weightsRateLimit: 0,
  servingRateLimit: 0,
  validators: 4,
  axons: 6,
});

const MAX_NEURONS = 256; // the runtime's default MaxAllowedUids of a new subnet
const MAX_SUBNETS = 8;
const TX_PER_BLOCK = 32; // extrinsics per block: keeps blocks well inside the weight limit (batches of burned_register are heavy)
const CALLS_PER_BATCH = 256;

function int(v, name, min, max) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`option ${name}=${v}: want an integer in [${min}, ${max}]`);
  return n;
}

/**
 * Normalises bootstrap options: { subnets: n | [ {neurons, tempo, weightsRateLimit, servingRateLimit,
 * commitReveal, validators, axons} ], neurons, tempo, weightsRateLimit, servingRateLimit, validators,
 * axons } where top-level values are defaults for every subnet.
 */
export function normaliseOptions(opts = {}) {
  const base = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined && v !== null)) };
  const list = Array.isArray(base.subnets) ? base.subnets : Array.from({ length: int(base.subnets, 'subnets', 1, MAX_SUBNETS) }, () => ({}));
  if (list.length < 1 || list.length > MAX_SUBNETS) throw new Error(`option subnets: want 1..${MAX_SUBNETS} subnets`);
  return list.map((s, k) => {
    const m = { ...base, commitReveal: k % 2 === 1, ...Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== undefined && v !== null)) };
    const neurons = int(m.neurons, 'neurons', 1, MAX_NEURONS);
    // Defaults shrink with small subnets; explicit values are checked.
    const given = (key) => (s ?? {})[key] ?? opts[key];
    if (given('validators') === undefined || given('validators') === null) m.validators = Math.min(DEFAULTS.validators, neurons);
    if (given('axons') === undefined || given('axons') === null) m.axons = Math.min(DEFAULTS.axons, neurons);
    return {
      index: k,
      neurons,
      tempo: int(m.tempo, 'tempo', 1, 65535),
      weightsRateLimit: int(m.weightsRateLimit, 'weightsRateLimit', 0, 1e9),
      servingRateLimit: int(m.servingRateLimit, 'servingRateLimit', 0, 1e9),
      commitReveal: Boolean(m.commitReveal),
      validators: int(m.validators, 'validators', 1, Math.min(neurons, 64)),
      axons: int(m.axons, 'axons', 0, neurons),
    };
  });
}

/** Public-looking axon addresses (documentation ranges; loopback is InvalidIpAddress). */
function axonAddress(k, i) {
  const prefix = k % 2 === 0 ? [203, 0, 113] : [198, 51, 100];
  const ip = [...prefix, 10 + ((i + 20 * Math.floor(k / 2)) % 240)];
  return { ip: ip.join('.'), ipInt: BigInt(((ip[0] << 24) >>> 0) + (ip[1] << 16) + (ip[2] << 8) + ip[3]), port: 8091 + i };
}

/** The stake (TAO) of validator i: distinct values so the ranking is unambiguous. */
function stakeTao(i) {
  return 1000n - 10n * BigInt(i);
}

export const MINERS_PER_COLDKEY = 4;

/**
 * Deterministic keys of one subnet plan; labels never depend on chain state. The owner (neuron 0)
 * and each validator have their own coldkey and wallet; miners come in groups of
 * MINERS_PER_COLDKEY hotkeys under one coldkey (one wallet with several hotkeys), as miners often
 * run, which also lets a group register in one batch: every extrinsic costs ~0.3 s in Chopsticks.
 */
function planKeys(sub) {
  const neurons = [];
  const groups = new Map();
  for (let i = 0; i < sub.neurons; i++) {
    const validator = i < sub.validators;
    const base = { i, validator, hotkey: labelledKey(`pylon-devnet/subnet${sub.index}/hotkey/${i}`) };
    if (i === 0 || validator) {
      Object.assign(base, { coldkey: labelledKey(`pylon-devnet/subnet${sub.index}/coldkey/${i}`), group: null, walletSuffix: `${i}`, hotkeyName: HOTKEY_NAME });
    } else {
      const g = Math.floor((i - sub.validators) / MINERS_PER_COLDKEY);
      if (!groups.has(g)) groups.set(g, labelledKey(`pylon-devnet/subnet${sub.index}/coldkey/miners${g}`));
      Object.assign(base, { coldkey: groups.get(g), group: g, walletSuffix: `miners${g}`, hotkeyName: `n${i}` });
    }
    base.axon = i < sub.axons ? axonAddress(sub.index, i) : null;
    base.certificate = i < sub.axons ? certificateKey(`pylon-devnet/subnet${sub.index}/certificate/${i}`) : null;
    neurons.push(base);
  }
  return neurons;
}

function chunk(list, n) {
  const out = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

/** Hyperparameter calls (sudo-wrapped) of one subnet; also used after a runtime upgrade. */
export function hyperparameterCalls(api, sub) {
  const a = api.tx.adminUtils;
  const calls = [
    a.sudoSetTempo(sub.netuid, sub.tempo),
    a.sudoSetWeightsSetRateLimit(sub.netuid, sub.weightsRateLimit),
    a.sudoSetServingRateLimit(sub.netuid, sub.servingRateLimit),
    a.sudoSetCommitRevealWeightsEnabled(sub.netuid, sub.commitReveal),
    a.sudoSetMaxAllowedValidators(sub.netuid, sub.validators),
  ];
  if (sub.neurons !== undefined) {
    // Registrations of the whole subnet arrive in one or two blocks.
    const n = Math.max(sub.neurons, 4);
    calls.push(a.sudoSetMaxRegistrationsPerBlock(sub.netuid, n), a.sudoSetTargetRegistrationsPerInterval(sub.netuid, n));
  }
  return calls.map((c) => api.tx.sudo.sudo(c));
}

/** First block ≥ from at which subtensor runs the subnet's epoch (blocks_until_next_epoch == 0). */
export function nextEpochBlock(netuid, tempo, from) {
  for (let b = from; ; b++) if ((b + netuid + 1) % (tempo + 1) === tempo) return b;
}

/** True when every subnet's last mechanism step is the head: the runtime steps every block (218). */
async function epochEveryBlock(api, subnets) {
  const q = api.query.subtensorModule;
  if (!q.lastMechansimStepBlock) return false;
  const { number } = await head(api);
  for (const s of subnets) if ((await q.lastMechansimStepBlock(s.netuid)).toNumber() !== number) return false;
  return true;
}

export const POOL_RESERVE = 100_000n * TAO;

async function seedPools(api, netuids) {
  const q = api.query.subtensorModule;
  const u64 = (v) => api.createType('u64', v).toHex(); // hex: falsy values would delete keys (DEVNET.md §9.6)
  if (!q.subnetTAO || !q.subnetAlphaIn) return; // runtimes without dynamic pools
  const pairs = netuids.flatMap((netuid) => [
    [q.subnetTAO.key(netuid), u64(POOL_RESERVE)],
    [q.subnetAlphaIn.key(netuid), u64(POOL_RESERVE)],
  ]);
  await rpc(api, 'dev_setStorage', [pairs]);
}


/**
 * Builds the world. opts: bootstrap options plus walletDir (optional: where to write wallets),
 * manual (default true: Chopsticks in Manual block mode), log (progress function).
 */
export async function bootstrap(api, opts = {}) {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const manual = opts.manual ?? true;
  const plan = normaliseOptions(opts);
  const sudo = devKey(SUDO_URI);
  resetNonces();
  // Where each step landed: two bootstraps of fresh chains must agree on these, and when they do
  // not, the steps say where the worlds parted.
  // Chopsticks builds block #1 of a genesis chain while starting, from the wall clock: Aura panics
  // ("Timestamp slot must match CurrentSlot") when a slot boundary passes during the build, which a
  // slow, loaded machine makes likely. The failure is only logged and the chain starts at #0; the
  // world would then be one block earlier than usual, with other emissions and stakes. Build that
  // empty block here instead (again if the clock beats us once more: later blocks take their
  // timestamps from their parents, not the clock).
  for (let attempt = 1; (await head(api)).number === 0; attempt++) {
    try {
      await newBlock(api);
    } catch (err) {
      if (attempt === 3) throw new Error(`the devnet could not build its first block: ${err.message}`, { cause: err });
    }
  }
  const steps = [`start at #${(await head(api)).number}`];
  const landed = (label, outcomes) => steps.push(`${label} in #${[...new Set(outcomes.map((o) => o.blockNumber))].join(', #')}`);

  const keys = plan.map(planKeys);

  // Block 1: //Alice funds every key and lifts the network rate limit.
  const funding = [api.tx.sudo.sudo(api.tx.adminUtils.sudoSetNetworkRateLimit(0))];
  for (const [k, neurons] of keys.entries()) {
    const coldFunds = new Map();
    for (const n of neurons) {
      let cold = 100n * TAO; // burn (1 TAO here) and fees, per hotkey
      if (n.validator) cold += stakeTao(n.i) * TAO + 100n * TAO;
      if (n.i === 0) cold += 10_000n * TAO; // subnet lock cost (doubles with each new subnet)
      coldFunds.set(n.coldkey.address, (coldFunds.get(n.coldkey.address) ?? 0n) + cold);
      funding.push(api.tx.balances.transferKeepAlive(n.hotkey.address, 10n * TAO)); // hotkeys sign serve_axon/set_weights
    }
    for (const [address, amount] of coldFunds) funding.push(api.tx.balances.transferKeepAlive(address, amount));
    log(`subnet ${k}: ${neurons.length} neurons, ${coldFunds.size} coldkeys planned`);
  }
  landed('funding', await inBlock(api, chunk(funding, CALLS_PER_BATCH).map((calls, j) => [sudo, api.tx.utility.batchAll(calls), `funding batch ${j}`]), { manual }));
  log(`funded ${funding.length - 1} accounts (${Date.now() - t0} ms)`);

  // Block 2: each subnet owner (coldkey 0) registers a network with its hotkey 0 (uid 0). Submission
  // order is inclusion order, so netuids follow the plan order.
  const regs = await inBlock(
    api,
    keys.map((neurons, k) => [neurons[0].coldkey.pair, api.tx.subtensorModule.registerNetwork(neurons[0].hotkey.address, 1), `register_network of subnet ${k}`]),
    { manual },
  );
  landed('register_network', regs);
  const netuids = [];
  for (const [k, r] of regs.entries()) {
    const events = await api.query.system.events.at(r.blockHash);
    const added = events.find(({ event, phase }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === r.index && api.events.subtensorModule.NetworkAdded.is(event));
    if (!added) throw new Error(`register_network of subnet ${k}: no NetworkAdded event`);
    netuids.push(added.event.data[0].toNumber());
  }
  const subnets = plan.map((p, k) => ({ ...p, netuid: netuids[k] }));
  log(`registered subnets ${netuids.join(', ')} (${Date.now() - t0} ms)`);

  // Block 3: hyperparameters, one sudo batch.
  landed('hyperparameters', await inBlock(api, [[sudo, api.tx.utility.batchAll(subnets.flatMap((s) => hyperparameterCalls(api, s))), 'hyperparameters']], { manual }));

  // Spec 218 opens a subnet's dynamic pool with 1 rao of TAO and 1 rao of alpha, and emission keeps the
  // alpha reserve at that size, so add_stake would buy 0 alpha and no stake would ever rank validators.
  // Seed each pool with liquidity at price 1 (as a subnet that has traded for a while), so stake is real
  // alpha, visible in Alpha/TotalHotkeyAlpha and NeuronInfoLite.
  await seedPools(api, netuids);

  // One block (more only for very large worlds): the owner stakes; each validator coldkey registers
  // and stakes its hotkey in one batch; each miner coldkey registers its group of hotkeys in one
  // batch; then the axons with certificates (signed by the hotkeys, after their registration: the
  // block applies extrinsics in submission order). uid i = neuron i.
  const neuronTxs = [];
  const axonTxs = [];
  for (const [k, neurons] of keys.entries()) {
    const netuid = netuids[k];
    const st = api.tx.subtensorModule;
    for (const n of neurons) {
      if (n.i === 0) {
        if (n.validator) neuronTxs.push([n.coldkey.pair, st.addStake(n.hotkey.address, netuid, stakeTao(n.i) * TAO), `add_stake subnet ${netuid} owner`]);
      } else if (n.validator) {
        neuronTxs.push([n.coldkey.pair, api.tx.utility.batchAll([st.burnedRegister(netuid, n.hotkey.address), st.addStake(n.hotkey.address, netuid, stakeTao(n.i) * TAO)]), `register and stake subnet ${netuid} neuron ${n.i}`]);
      }
      if (n.axon) {
        const cert = '0x01' + n.certificate.publicKey.slice(2);
        axonTxs.push([n.hotkey.pair, st.serveAxonTls(netuid, 1, n.axon.ipInt, n.axon.port, 4, 4, 0, 0, cert), `serve_axon_tls subnet ${netuid} neuron ${n.i}`]);
      }
    }
    const groups = new Map();
    for (const n of neurons.filter((x) => x.group !== null)) groups.set(n.group, [...(groups.get(n.group) ?? []), n]);
    for (const [g, members] of groups) {
      neuronTxs.push([members[0].coldkey.pair, api.tx.utility.batchAll(members.map((n) => st.burnedRegister(netuid, n.hotkey.address))), `register subnet ${netuid} miners group ${g}`]);
    }
  }
  // Miners of a later group must not land in a block before an earlier group (uids follow order):
  // chunking keeps submission order.
  for (const part of chunk([...neuronTxs, ...axonTxs], TX_PER_BLOCK)) landed('neurons', await inBlock(api, part, { manual }));
  log(`registered ${keys.reduce((a, n) => a + n.length - 1, 0)} neurons, staked, served ${axonTxs.length} axons (${Date.now() - t0} ms)`);

  // Validator permits. Spec 218 (the raonet "rao" test runtime) runs epoch_mock for every subnet in
  // every block: it sets ValidatorPermit to true for every neuron whatever the stake and
  // MaxAllowedValidators. Neurons registered in the last block hold no permit yet (registration
  // appends false; the coinbase of that block ran before them): one more block sets them. A runtime
  // with real epochs (spec 204) runs them at the tempo: there, build blocks up to the next epoch of
  // every subnet so that the staked neurons hold permits.
  await newBlock(api);
  if (!(await epochEveryBlock(api, subnets))) {
    const { number } = await head(api);
    const target = Math.max(...subnets.map((s) => nextEpochBlock(s.netuid, s.tempo, number + 1)));
    await newBlock(api, target - number);
    log(`built ${target - number} blocks up to the epochs at #${target} (${Date.now() - t0} ms)`);
  }

  const world = await readWorld(api, subnets, keys);
  world.steps = steps;
  checkPermits(world);
  if (opts.walletDir) writeWallets(opts.walletDir, world, keys);
  world.walletDir = opts.walletDir ?? null;
  world.elapsedMs = Date.now() - t0;
  log(`bootstrap done in ${world.elapsedMs} ms`);
  return world;
}

function walletName(netuid, n) {
  return `sn${netuid}-${n.walletSuffix}`;
}

export const HOTKEY_NAME = 'default';

async function readWorld(api, subnets, keys) {
  const q = api.query.subtensorModule;
  const best = await head(api);
  const hash = best.hash;
  const at = await api.at(hash);
  const version = await api.rpc.state.getRuntimeVersion(hash);
  const out = [];
  for (const [k, s] of subnets.entries()) {
    const permits = (await at.query.subtensorModule.validatorPermit(s.netuid)).map((b) => b.isTrue);
    const neurons = [];
    for (const n of keys[k]) {
      const uid = await at.query.subtensorModule.uids(s.netuid, n.hotkey.address);
      if (uid.isNone) throw new Error(`hotkey ${n.hotkey.address} of subnet ${s.netuid} is not registered`);
      const u = uid.unwrap().toNumber();
      let axon = null;
      if (n.axon) {
        const a = await at.query.subtensorModule.axons(s.netuid, n.hotkey.address);
        if (a.isNone) throw new Error(`axon of ${n.hotkey.address} on subnet ${s.netuid} missing`);
        const ai = a.unwrap();
        axon = {
          ip: n.axon.ip,
          ipInt: ai.ip.toString(),
          port: ai.port.toNumber(),
          ipType: ai.ipType.toNumber(),
          protocol: ai.protocol.toNumber(),
          version: ai.version.toNumber(),
          block: ai.block.toNumber(),
          placeholder1: ai.placeholder1.toNumber(),
          placeholder2: ai.placeholder2.toNumber(),
        };
        if (BigInt(ai.ip.toString()) !== n.axon.ipInt || axon.port !== n.axon.port) throw new Error(`axon of ${n.hotkey.address} reads back as ${ai.ip}:${axon.port}`);
      }
      let certificate = null;
      if (n.certificate) {
        const c = await at.query.subtensorModule.neuronCertificates(s.netuid, n.hotkey.address);
        if (c.isNone) throw new Error(`certificate of ${n.hotkey.address} on subnet ${s.netuid} missing`);
        const cc = c.unwrap();
        if (cc.publicKey.toHex() !== n.certificate.publicKey || cc.algorithm.toNumber() !== 1) throw new Error(`certificate of ${n.hotkey.address} reads back as ${cc.publicKey.toHex()}`);
        certificate = { ...n.certificate };
      }
      const stake = (await at.query.subtensorModule.totalHotkeyAlpha(n.hotkey.address, s.netuid)).toString();
      neurons.push({
        index: n.i,
        uid: u,
        hotkey: n.hotkey.address,
        hotkeyPublicKey: n.hotkey.publicKey,
        hotkeySeed: n.hotkey.seed,
        coldkey: n.coldkey.address,
        coldkeyPublicKey: n.coldkey.publicKey,
        coldkeySeed: n.coldkey.seed,
        wallet: walletName(s.netuid, n),
        hotkeyName: n.hotkeyName,
        validator: n.validator,
        validatorPermit: permits[u] ?? false,
        stake, // alpha rao of the hotkey on this subnet (TotalHotkeyAlpha, u64 as a decimal string)
        axon,
        certificate,
      });
    }
    out.push({
      index: k,
      netuid: s.netuid,
      tempo: (await at.query.subtensorModule.tempo(s.netuid)).toNumber(),
      commitReveal: (await at.query.subtensorModule.commitRevealWeightsEnabled(s.netuid)).isTrue,
      weightsRateLimit: (await at.query.subtensorModule.weightsSetRateLimit(s.netuid)).toNumber(),
      servingRateLimit: (await at.query.subtensorModule.servingRateLimit(s.netuid)).toNumber(),
      maxAllowedValidators: (await at.query.subtensorModule.maxAllowedValidators(s.netuid)).toNumber(),
      owner: { coldkey: keys[k][0].coldkey.address, hotkey: keys[k][0].hotkey.address },
      neurons,
    });
  }
  return {
    sudo: SUDO_URI,
    sudoAddress: devKey(SUDO_URI).address,
    genesisHash: u8aToHex(api.genesisHash),
    specVersion: version.specVersion.toNumber(),
    block: { number: best.number, hash },
    subnets: out,
  };
}

function checkPermits(world) {
  for (const s of world.subnets) {
    for (const n of s.neurons) {
      if (n.validator && !n.validatorPermit) throw new Error(`subnet ${s.netuid} uid ${n.uid}: staked validator has no validator permit`);
    }
  }
}

function writeWallets(dir, world, keys) {
  for (const [k, s] of world.subnets.entries()) {
    for (const n of keys[k]) writeWallet(dir, walletName(s.netuid, n), n.hotkeyName, n.coldkey, n.hotkey);
  }
}
