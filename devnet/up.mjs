#!/usr/bin/env node
// One command for a local Bittensor chain to try Pylon against: starts Chopsticks with subtensor's
// runtime, bootstraps the world, writes wallets and a ready .env, prints how to use them, and keeps
// producing blocks until Ctrl-C.
//
//   node devnet/up.mjs [--port 9944] [--run-dir devnet/.run] [--block-time 2] [--detach] [bootstrap options]
//   node devnet/up.mjs down [--run-dir devnet/.run]
//   node devnet/up.mjs status [--run-dir devnet/.run]
//
// Bootstrap options: --subnets 2 --neurons 16 --tempo 10 --weights-rate-limit 0 --serving-rate-limit 0
// --validators 4 --axons 6 --commit-reveal off,on (per subnet) or --options '<JSON>'.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const DEVNET_DIR = path.dirname(fileURLToPath(import.meta.url));
const CHOPSTICKS = path.join(DEVNET_DIR, 'node_modules', '@acala-network', 'chopsticks', 'chopsticks.cjs');
const NPM_CI = `cd ${path.relative(process.cwd(), DEVNET_DIR) || '.'} && npm ci --ignore-scripts --no-audit --no-fund`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '9944' },
    'run-dir': { type: 'string', default: path.join(DEVNET_DIR, '.run') },
    'block-time': { type: 'string', default: '2' },
    spec: { type: 'string' },
    detach: { type: 'boolean', default: false },
    daemon: { type: 'boolean', default: false }, // internal: the detached process
    subnets: { type: 'string' },
    neurons: { type: 'string' },
    tempo: { type: 'string' },
    'weights-rate-limit': { type: 'string' },
    'serving-rate-limit': { type: 'string' },
    validators: { type: 'string' },
    axons: { type: 'string' },
    'commit-reveal': { type: 'string' },
    options: { type: 'string' },
  },
});

const runDir = path.resolve(values['run-dir']);
const files = {
  upPid: path.join(runDir, 'up.pid'),
  chopsticksPid: path.join(runDir, 'chopsticks.pid'),
  state: path.join(runDir, 'state.json'),
  world: path.join(runDir, 'world.json'),
  env: path.join(runDir, '.env'),
  log: path.join(runDir, 'up.log'),
  chopsticksLog: path.join(runDir, 'chopsticks.log'),
  wallets: path.join(runDir, 'wallets'),
};

const say = (m) => process.stderr.write(`devnet: ${m}\n`);

function fail(message) {
  say(message);
  process.exit(1);
}

/** The PID in a pid file if that process is alive and is ours (command line mentions `marker`). */
function livePid(file, marker) {
  let pid;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(marker) ? pid : null; // a recycled PID belongs to someone else
  } catch {
    return null;
  }
}

async function waitGone(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function stopPid(pid, what) {
  say(`stopping ${what} (pid ${pid})`);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await waitGone(pid, 15_000))) {
    say(`${what} did not exit after SIGTERM; sending SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await waitGone(pid, 5_000);
  }
}

async function down() {
  const up = livePid(files.upPid, 'up.mjs');
  if (up) await stopPid(up, 'devnet');
  const chain = livePid(files.chopsticksPid, 'chopsticks.cjs');
  if (chain) await stopPid(chain, 'chopsticks'); // the daemon died without cleaning up
  for (const f of [files.upPid, files.chopsticksPid, files.state]) fs.rmSync(f, { force: true });
  say(up || chain ? 'stopped' : 'not running');
}

function status() {
  const up = livePid(files.upPid, 'up.mjs');
  const chain = livePid(files.chopsticksPid, 'chopsticks.cjs');
  if (!up && !chain) {
    say('not running');
    process.exit(1);
  }
  printSummary();
}

function printSummary() {
  const state = JSON.parse(fs.readFileSync(files.state, 'utf8'));
  const world = JSON.parse(fs.readFileSync(files.world, 'utf8'));
  const env = Object.fromEntries(
    fs
      .readFileSync(files.env, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]),
  );
  const lines = [
    '',
    `Bittensor devnet (subtensor spec ${world.specVersion}) at ${state.endpoint}  (pid ${state.pid}, chopsticks pid ${state.chopsticksPid})`,
    `  a block every ${state.blockTime} s; head was #${world.block.number} after the bootstrap`,
    `  sudo: ${world.sudo} (${world.sudoAddress})`,
    `  wallets: ${files.wallets}`,
    `  env file: ${files.env}`,
    '',
    'Subnets:',
  ];
  for (const s of world.subnets) {
    lines.push(`  netuid ${s.netuid}: ${s.neurons.length} neurons, tempo ${s.tempo}, commit-reveal ${s.commitReveal ? 'on (v2, hash)' : 'off'}, weights rate limit ${s.weightsRateLimit}, validators (staked) ${s.neurons.filter((n) => n.validator).length}`);
  }
  lines.push('', 'Identities:');
  for (const name of JSON.parse(env.PYLON_IDENTITIES)) {
    const up = name.toUpperCase();
    const netuid = Number(env[`PYLON_ID_${up}_NETUID`]);
    const wallet = env[`PYLON_ID_${up}_WALLET_NAME`];
    const n = world.subnets.find((s) => s.netuid === netuid).neurons.find((x) => x.wallet === wallet);
    lines.push(`  ${name}: netuid ${netuid}, uid ${n.uid}, wallet ${wallet}/${env[`PYLON_ID_${up}_HOTKEY_NAME`]}, hotkey ${n.hotkey}`);
    lines.push(`        token ${env[`PYLON_ID_${up}_TOKEN`]}`);
  }
  lines.push(
    '',
    `Open-access token: ${env.PYLON_OPEN_ACCESS_TOKEN}`,
    `Metrics token:     ${env.PYLON_METRICS_TOKEN}`,
    '',
    'Run Pylon against it (from the project root):',
    `  PYLON_ENV_FILE=${path.relative(process.cwd(), files.env) || files.env} go run ./cmd/pylon serve`,
    '',
  );
  process.stdout.write(lines.join('\n') + '\n');
}

function token() {
  return crypto.randomBytes(24).toString('base64url');
}

/** The .env of PYLON-API.md §7: one identity per subnet, a staked validator (not the owner). */
function writeEnv(world, endpoint, blockTime) {
  const identities = world.subnets.map((s) => {
    const validators = s.neurons.filter((n) => n.validator && n.validatorPermit);
    const n = validators.length > 1 ? validators[1] : validators[0] ?? s.neurons[0];
    return { name: `sn${s.netuid}`, netuid: s.netuid, neuron: n };
  });
  const lines = [
    '# Generated by devnet/up.mjs for the local devnet; rewritten (with new tokens) on every start.',
    `PYLON_BITTENSOR_NETWORK=${endpoint}`,
    `PYLON_BITTENSOR_ARCHIVE_NETWORK=${endpoint}`,
    `PYLON_BITTENSOR_WALLET_PATH=${files.wallets}`,
    `PYLON_BLOCK_DURATION_SECONDS=${blockTime}`,
    `PYLON_DATABASE_PATH=${path.join(runDir, 'pylon.db')}`,
    `PYLON_OPEN_ACCESS_TOKEN=${token()}`,
    `PYLON_METRICS_TOKEN=${token()}`,
    `PYLON_IDENTITIES='${JSON.stringify(identities.map((i) => i.name))}'`,
  ];
  for (const i of identities) {
    const up = i.name.toUpperCase();
    lines.push(
      `PYLON_ID_${up}_WALLET_NAME=${i.neuron.wallet}`,
      `PYLON_ID_${up}_HOTKEY_NAME=${i.neuron.hotkeyName}`,
      `PYLON_ID_${up}_NETUID=${i.netuid}`,
      `PYLON_ID_${up}_TOKEN=${token()}`,
    );
  }
  fs.writeFileSync(files.env, lines.join('\n') + '\n', { mode: 0o600 });
  fs.chmodSync(files.env, 0o600);
}

async function health(url) {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}', signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts Chopsticks, bootstraps, writes the run directory, produces blocks until a signal. */
async function serve() {
  // Loaded here so that `down` and the node_modules check work without them.
  const { initKeys } = await import('./lib/keys.mjs');
  const { connect, newBlock } = await import('./lib/chain.mjs');
  const { bootstrap } = await import('./lib/world.mjs');
  const { optionsFromArgs } = await import('./bootstrap.mjs');

  const port = Number(values.port);
  const blockTime = Number(values['block-time']);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) fail(`--port ${values.port}: want a TCP port`);
  if (!(blockTime >= 0.2)) fail(`--block-time ${values['block-time']}: want seconds ≥ 0.2`);
  // As internal/sharedtest: ../shared/testdata next to the project, or $PYLON_TESTDATA_DIR.
  const testdata = process.env.PYLON_TESTDATA_DIR ?? path.join(DEVNET_DIR, '..', '..', 'shared', 'testdata');
  const spec = path.resolve(values.spec ?? process.env.DEVNET_CHAIN_SPEC ?? path.join(testdata, 'devnet', 'raonet.json'));
  if (!fs.existsSync(spec)) fail(`chain spec ${spec} not found (set DEVNET_CHAIN_SPEC, PYLON_TESTDATA_DIR or --spec)`);

  // A fresh chain every start: old wallets, the service database and logs go too.
  for (const f of ['genesis.json', 'chopsticks.yml', 'dev-storage.yml', 'world.json', '.env', 'state.json', 'chopsticks.log', 'pylon.db', 'pylon.db-shm', 'pylon.db-wal']) fs.rmSync(path.join(runDir, f), { force: true });
  fs.rmSync(files.wallets, { recursive: true, force: true });
  fs.copyFileSync(spec, path.join(runDir, 'genesis.json')); // a regular file: Chopsticks rejects symlinks
  for (const f of ['chopsticks.yml', 'dev-storage.yml']) fs.copyFileSync(path.join(DEVNET_DIR, f), path.join(runDir, f));
  fs.writeFileSync(files.upPid, `${process.pid}\n`);

  const t0 = Date.now();
  const log = fs.openSync(files.chopsticksLog, 'w');
  const chain = spawn(process.execPath, ['--require', path.join(DEVNET_DIR, 'genesis-guard.cjs'), CHOPSTICKS, '-c', 'chopsticks.yml', '--genesis', 'genesis.json', '--port', String(port), '--build-block-mode', 'Manual'], { cwd: runDir, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  fs.writeFileSync(files.chopsticksPid, `${chain.pid}\n`);
  let chainExited = false;
  chain.on('exit', (code, signal) => {
    chainExited = true;
    if (!stopping) {
      say(`chopsticks exited (${signal ?? code}); log ${files.chopsticksLog}`);
      cleanupFiles();
      process.exit(1);
    }
  });

  let stopping = false;
  let producer = null;
  let api = null;
  const cleanupFiles = () => {
    for (const f of [files.upPid, files.chopsticksPid, files.state]) fs.rmSync(f, { force: true });
  };
  const stop = async (signal, code = 0) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    if (producer) clearInterval(producer);
    if (api) await api.disconnect().catch(() => {});
    if (!chainExited) {
      chain.kill('SIGTERM');
      if (!(await waitGone(chain.pid, 15_000))) chain.kill('SIGKILL');
    }
    cleanupFiles();
    process.exit(code);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const http = `http://127.0.0.1:${port}`;
  const endpoint = `ws://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  // Chopsticks silently moves to port+1…port+9 when the port is taken: check where it listens.
  for (;;) {
    const m = /RPC listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(files.chopsticksLog, 'utf8'));
    if (m) {
      if (Number(m[1]) !== port) {
        say(`port ${port} is in use (Chopsticks moved to ${m[1]}); stop what uses it or pass --port`);
        await stop('port in use', 1);
      }
      break;
    }
    if (Date.now() > deadline) {
      say(`Chopsticks did not start listening within 60 s; log ${files.chopsticksLog}`);
      await stop('timeout', 1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  while (!(await health(http))) {
    if (Date.now() > deadline) {
      say(`no system_health answer after 60 s; log ${files.chopsticksLog}`);
      await stop('timeout', 1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`chopsticks answers at ${endpoint} after ${Date.now() - t0} ms`);

  let world;
  try {
    await initKeys();
    api = await connect(endpoint);
    world = await bootstrap(api, { ...optionsFromArgs(values), walletDir: files.wallets, log: (m) => say(`bootstrap: ${m}`) });
  } catch (err) {
    say(`bootstrap failed: ${err?.stack ?? err}`);
    await stop('error', 1);
  }
  world.endpoint = endpoint;
  fs.writeFileSync(files.world, JSON.stringify(world, null, 2) + '\n');
  writeEnv(world, endpoint, blockTime);
  fs.writeFileSync(files.state, JSON.stringify({ pid: process.pid, chopsticksPid: chain.pid, endpoint, blockTime, runDir, startedAt: new Date(t0).toISOString(), readyMs: Date.now() - t0 }) + '\n');
  say(`ready after ${Date.now() - t0} ms (start + bootstrap)`);
  if (!values.daemon) printSummary();

  // Epochs, commit-reveal windows and inclusion need a moving chain; blocks slow down with height
  // (DEVNET.md §8), so keep runs short and restart for a fresh chain.
  let building = false;
  producer = setInterval(async () => {
    if (building || stopping) return;
    building = true;
    try {
      await newBlock(api);
    } catch (err) {
      if (!stopping) say(`block production: ${err.message}`);
    } finally {
      building = false;
    }
  }, blockTime * 1000);
  if (!values.daemon) say('producing blocks; Ctrl-C stops the devnet');
}

/** --detach: run serve() in a detached process, wait for it to be ready, print, exit. */
async function detach() {
  const args = process.argv.slice(2).filter((a) => a !== '--detach' && a !== 'up');
  const log = fs.openSync(files.log, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'up', '--daemon', ...args], { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  let exited = null;
  child.on('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const st = JSON.parse(fs.readFileSync(files.state, 'utf8'));
      if (st.pid === child.pid) break;
    } catch {
      /* not yet */
    }
    if (exited !== null || Date.now() > deadline) {
      if (exited === null) process.kill(child.pid, 'SIGTERM');
      fail(`the devnet did not come up; log ${files.log}:\n${fs.readFileSync(files.log, 'utf8').split('\n').slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  printSummary();
  say(`running detached (pid ${child.pid}); stop with: node ${path.relative(process.cwd(), fileURLToPath(import.meta.url))} down`);
  process.exit(0);
}

async function main() {
  const command = positionals[0] ?? 'up';
  fs.mkdirSync(runDir, { recursive: true });
  if (command === 'down') return down();
  if (command === 'status') return status();
  if (command !== 'up') fail(`unknown command ${command}: want up, down or status`);

  if (!fs.existsSync(CHOPSTICKS)) fail(`devnet/node_modules is missing; install it with:\n  ${NPM_CI}`);
  if (!values.daemon) {
    const running = livePid(files.upPid, 'up.mjs') ?? livePid(files.chopsticksPid, 'chopsticks.cjs');
    if (running) fail(`a devnet is already running from ${runDir} (pid ${running}); stop it with: node ${path.relative(process.cwd(), fileURLToPath(import.meta.url))} down`);
  }
  if (values.detach) return detach();
  return serve();
}

main().catch((err) => {
  say(err?.stack ?? String(err));
  process.exit(1);
});
