#!/usr/bin/env node
/**
 * `npm start`: Node-RED 4 (this package, node-red-dashboard, the supplied flow) and, unless
 * MQTT_URL names another broker, an embedded MQTT broker on 127.0.0.1:MQTT_PORT.
 * Environment (all optional): PORT, HOST, MQTT_URL, MQTT_PORT, MQTT_TOPIC, DATA_DIR,
 * CMX_VALIDATOR, CMX_SECRET, MERAKI_API_KEY, MERAKI_API_BASE, TZ, DASHBOARD (1: node-red-dashboard
 * at /ui, the default; 2: FlowFuse Dashboard 2.0 at /dashboard, flows/meraki-analytics-dashboard2.json);
 * NODE_RED_PATH (the folder of another node-red package to run instead of the project's, e.g.
 * Node-RED 5 in .ci/run).
 * Ctrl-C / SIGTERM stops Node-RED (which writes out every CSV queue) and then the broker.
 * When Node-RED stops without being asked (a crash, killed for memory), the launcher closes the
 * broker and exits non-zero, so that a supervisor brings the whole application back: see
 * contrib/meraki-analytics.service (systemd, Restart=on-failure with a limit) and the README. It
 * does not restart Node-RED itself: one place decides about restarts, with back-off and a limit.
 */
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');
const crypto = require('crypto');
const { spawn } = require('child_process');

const root = path.resolve(__dirname, '..');
const env = process.env;

/** A broker URL for the log: its user and password left out. */
function redacted(url) {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function log(text) {
  process.stdout.write(`[start] ${text}\n`);
}

function applyDefaults() {
  env.PORT = env.PORT || '1880';
  env.HOST = env.HOST || '127.0.0.1';
  env.MQTT_PORT = env.MQTT_PORT || '1883';
  env.MQTT_TOPIC = env.MQTT_TOPIC || '/merakimv/#';
  env.DATA_DIR = path.resolve(root, env.DATA_DIR || 'data');
  env.MERAKI_API_BASE = env.MERAKI_API_BASE || 'https://api.meraki.com/api/v1';
  env.NODE_RED_USER_DIR = path.resolve(root, env.NODE_RED_USER_DIR || '.node-red');
  env.DASHBOARD = (env.DASHBOARD || '1').trim();
  for (const name of ['CMX_VALIDATOR', 'CMX_SECRET', 'MERAKI_API_KEY', 'CAMERA_APS']) env[name] = env[name] || '';
}

/** Starts aedes on 127.0.0.1:MQTT_PORT; resolves to a close function. */
async function startBroker(port) {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  server.on('error', (err) => log(`MQTT broker error: ${err.message}`));
  broker.on('clientError', () => undefined); // a misbehaving client must not stop the broker
  // Who connects and what they subscribe to: the first thing to check when a camera sends nothing.
  broker.on('client', (c) => log(`MQTT client connected: ${c.id}`));
  broker.on('clientDisconnect', (c) => log(`MQTT client disconnected: ${c.id}`));
  broker.on('subscribe', (subs, c) => log(`MQTT client ${c ? c.id : '?'} subscribed to ${subs.map((s) => s.topic).join(', ')}`));
  return () =>
    new Promise((resolve) => {
      server.close(() => broker.close(() => resolve()));
      for (const c of Object.values(broker.clients)) c.close?.();
    });
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Puts the supplied flow and its credentials (only ${VAR} references, resolved by Node-RED at
 * start) into the user directory. A flow the user has edited in the editor is kept until the
 * supplied one changes; then the edited files are saved as .bak and replaced.
 */
function seedFlow(userDir) {
  const supplied = path.join(root, 'flows', env.DASHBOARD === '2' ? 'meraki-analytics-dashboard2.json' : 'meraki-analytics.json');
  const suppliedCreds = path.join(root, 'flows', 'meraki-analytics.credentials.json');
  const target = path.join(userDir, 'flows.json');
  const targetCreds = path.join(userDir, 'flows_cred.json');
  const stampFile = path.join(userDir, '.supplied-flow.json');
  fs.mkdirSync(userDir, { recursive: true });
  const now = { flow: sha256(supplied), credentials: sha256(suppliedCreds) };
  let seeded = {};
  try {
    seeded = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    // first start
  }
  if (fs.existsSync(target) && seeded.flow === now.flow && seeded.credentials === now.credentials) return;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (fs.existsSync(target) && sha256(target) !== seeded.flow) {
    fs.copyFileSync(target, `${target}.${stamp}.bak`);
    if (fs.existsSync(targetCreds)) fs.copyFileSync(targetCreds, `${targetCreds}.${stamp}.bak`);
    log(`the supplied flow changed: your edited flow is saved as ${path.relative(root, target)}.${stamp}.bak`);
  }
  fs.copyFileSync(supplied, target);
  fs.copyFileSync(suppliedCreds, targetCreds);
  fs.writeFileSync(stampFile, JSON.stringify(now) + '\n');
  log(`flow: ${path.relative(root, supplied)} → ${path.relative(root, target)}`);
}

/** Where a browser on this machine reaches Node-RED. */
function siteUrl() {
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT}`;
}

/**
 * One ready line once Node-RED really serves: its flows have started (settings.js reports
 * Node-RED's `flows:started` over the IPC channel) and its HTTP server answers.
 */
function announceWhenReady(child) {
  const site = siteUrl();
  const dashboard = `${site}${env.DASHBOARD === '2' ? '/dashboard' : '/ui'}`;
  let announced = false;
  const onMessage = async (m) => {
    if (announced || !m || m.event !== 'flows-started') return;
    announced = true;
    child.off('message', onMessage);
    while (child.exitCode === null && child.signalCode === null) {
      try {
        await fetch(`${site}/admin/`, { signal: AbortSignal.timeout(1000) });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (child.exitCode !== null || child.signalCode !== null) return;
    log(`Scanning API receiver: ${site}/cmx · CSV: ${site}/analytics/<file>.csv · no data yet? send MV Sense counts to ${redacted(env.MQTT_URL)} or run \`npm run demo\``);
    log(`ready: dashboard ${dashboard} · editor ${site}/admin · summary ${site}/analytics/summary`);
  };
  child.on('message', onMessage);
}

async function main() {
  applyDefaults();
  if (env.DASHBOARD !== '1' && env.DASHBOARD !== '2') {
    log(`DASHBOARD=${env.DASHBOARD}: use 1 (node-red-dashboard, /ui) or 2 (FlowFuse Dashboard 2.0, /dashboard)`);
    process.exit(1);
  }
  fs.mkdirSync(env.DATA_DIR, { recursive: true });
  seedFlow(env.NODE_RED_USER_DIR);

  let stopBroker = async () => undefined;
  if (!env.MQTT_URL) {
    const port = Number(env.MQTT_PORT);
    try {
      stopBroker = await startBroker(port);
    } catch (err) {
      log(`cannot start the MQTT broker on 127.0.0.1:${port}: ${err.message}`);
      log('set MQTT_PORT to a free port, or MQTT_URL to use another broker');
      process.exit(1);
    }
    env.MQTT_URL = `mqtt://127.0.0.1:${port}`;
    log(`MQTT broker listening on ${env.MQTT_URL}`);
  } else {
    log(`using the MQTT broker at ${redacted(env.MQTT_URL)}`);
  }
  log(`data directory: ${env.DATA_DIR}`);

  const red = env.NODE_RED_PATH
    ? path.join(path.resolve(env.NODE_RED_PATH), 'red.js')
    : require.resolve('node-red/red.js', { paths: [root] });
  const child = spawn(process.execPath, [red, '--settings', path.join(root, 'settings.js')], {
    cwd: root,
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping Node-RED`);
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal));

  announceWhenReady(child);

  child.on('exit', async (code, signal) => {
    await stopBroker();
    if (!stopping) {
      // Not asked to stop: a failure for whoever supervises us (systemd restarts on a non-zero exit).
      log(`Node-RED stopped unexpectedly (${signal ?? `exit code ${code}`}); broker closed; exiting for a supervisor to restart`);
      process.exit(code ? code : 1);
    }
    log(`Node-RED stopped${signal ? ` (${signal})` : ''}; broker closed`);
    process.exit(code ?? (signal ? 1 : 0));
  });
}

main().catch((err) => {
  log(`failed: ${err.stack || err}`);
  process.exit(1);
});
