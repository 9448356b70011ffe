// The real runtime upgrade of DEVNET.md §6: sudo(system.set_code(<:code of a chain spec>)) in block N,
// migrations in block N+1. Never dev_setStorage(':code'): Chopsticks would keep reporting the old
// runtime version and metadata.
import fs from 'node:fs';
import { devKey } from './keys.mjs';
import { inBlock, newBlock } from './chain.mjs';
import { SUDO_URI, hyperparameterCalls } from './world.mjs';

const CODE_KEY = '0x3a636f6465'; // ":code"

/** The runtime wasm (hex, as stored) of a raw chain spec. */
export function codeOfSpec(specPath) {
  const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
  const code = spec?.genesis?.raw?.top?.[CODE_KEY];
  if (!code) throw new Error(`${specPath}: no ${CODE_KEY} (:code) in genesis.raw.top`);
  return code;
}

async function waitSpec(api, spec, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (api.runtimeVersion.specVersion.toNumber() !== spec) {
    if (Date.now() > deadline) throw new Error(`polkadot-js still on spec ${api.runtimeVersion.specVersion} after the upgrade to ${spec}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Upgrades to the runtime in specPath. Returns { block: N, hash, specBefore, specAfter } where N is
 * the block holding set_code (executed by the old runtime; reports the new version).
 */
export async function upgradeRuntime(api, specPath, { manual = true } = {}) {
  const code = codeOfSpec(specPath);
  const specBefore = api.runtimeVersion.specVersion.toNumber();
  const sudo = devKey(SUDO_URI);
  const [outcome] = await inBlock(api, [[sudo, api.tx.sudo.sudo(api.tx.system.setCode(code)), 'sudo(system.set_code)']], { manual });
  if (!outcome.events.includes('system.CodeUpdated')) throw new Error(`set_code in block #${outcome.blockNumber} did not emit System.CodeUpdated: ${outcome.events.join(', ')}`);
  const version = await api.rpc.state.getRuntimeVersion(outcome.blockHash);
  const specAfter = version.specVersion.toNumber();
  await newBlock(api); // block N+1 runs the new runtime's on_runtime_upgrade migrations
  await waitSpec(api, specAfter);
  return { block: outcome.blockNumber, hash: outcome.blockHash, specBefore, specAfter };
}

/** Re-applies the bootstrap hyperparameters (migrate_rao resets every subnet's Tempo to 30). */
export async function reapplyHyperparameters(api, subnets, { manual = true } = {}) {
  const calls = subnets.flatMap((s) => hyperparameterCalls(api, { ...s, validators: s.maxAllowedValidators ?? s.validators, neurons: undefined }));
  if (calls.length === 0) return null;
  const [o] = await inBlock(api, [[devKey(SUDO_URI), api.tx.utility.batchAll(calls), 'hyperparameters after the upgrade']], { manual });
  return o;
}
