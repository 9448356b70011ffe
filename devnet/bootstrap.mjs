#!/usr/bin/env node
// Builds the devnet world on a running devnet and prints it as JSON on stdout (progress on stderr).
//
//   node bootstrap.mjs [--endpoint ws://127.0.0.1:9944] [--wallet-dir DIR] [--subnets 2] [--neurons 16]
//                      [--tempo 10] [--weights-rate-limit 0] [--serving-rate-limit 0] [--validators 4]
//                      [--axons 6] [--commit-reveal off,on] [--options JSON] [--instant]
import { parseArgs } from 'node:util';
import { initKeys } from './lib/keys.mjs';
import { connect } from './lib/chain.mjs';
import { bootstrap } from './lib/world.mjs';

export function optionsFromArgs(values) {
  const opts = values.options ? JSON.parse(values.options) : {};
  const num = (v) => (v === undefined ? undefined : Number(v));
  for (const [flag, key] of [['subnets', 'subnets'], ['neurons', 'neurons'], ['tempo', 'tempo'], ['weights-rate-limit', 'weightsRateLimit'], ['serving-rate-limit', 'servingRateLimit'], ['validators', 'validators'], ['axons', 'axons']]) {
    if (values[flag] !== undefined) opts[key] = num(values[flag]);
  }
  if (values['commit-reveal'] !== undefined) {
    const flags = values['commit-reveal'].split(',').map((s) => ['on', 'true', '1'].includes(s.trim()));
    const count = Array.isArray(opts.subnets) ? opts.subnets.length : opts.subnets ?? flags.length;
    opts.subnets = Array.from({ length: count }, (_, k) => ({ ...(Array.isArray(opts.subnets) ? opts.subnets[k] : {}), commitReveal: flags[Math.min(k, flags.length - 1)] }));
  }
  return opts;
}

export const BOOTSTRAP_ARGS = {
  subnets: { type: 'string' },
  neurons: { type: 'string' },
  tempo: { type: 'string' },
  'weights-rate-limit': { type: 'string' },
  'serving-rate-limit': { type: 'string' },
  validators: { type: 'string' },
  axons: { type: 'string' },
  'commit-reveal': { type: 'string' },
  options: { type: 'string' },
};

async function main() {
  const { values } = parseArgs({ options: { ...BOOTSTRAP_ARGS, endpoint: { type: 'string', default: 'ws://127.0.0.1:9944' }, 'wallet-dir': { type: 'string' }, instant: { type: 'boolean', default: false } } });
  await initKeys();
  const api = await connect(values.endpoint);
  try {
    const world = await bootstrap(api, { ...optionsFromArgs(values), walletDir: values['wallet-dir'], manual: !values.instant, log: (m) => process.stderr.write(`bootstrap: ${m}\n`) });
    world.endpoint = values.endpoint;
    process.stdout.write(JSON.stringify(world, null, 2) + '\n');
  } finally {
    await api.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`bootstrap: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
