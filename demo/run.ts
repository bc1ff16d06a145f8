/**
 * `npm run demo`: what `npm start` does (scripts/start.js: Node-RED with the supplied flow and
 * the embedded MQTT broker), plus a fake Meraki Dashboard API on loopback and a simulator of MV
 * cameras and access points, so that a fresh clone shows a living dashboard.
 *
 * Environment: everything `npm start` reads (PORT, HOST, MQTT_PORT, MQTT_URL, TZ…), with demo
 * defaults for DATA_DIR (./demo-data), NODE_RED_USER_DIR (./.node-red-demo), CMX_SECRET and
 * CMX_VALIDATOR; MERAKI_API_BASE / MERAKI_API_KEY always point at the fake API. Demo knobs:
 * DEMO_BACKFILL_HOURS (6), DEMO_CMX_INTERVAL_S (15), DEMO_SPEED (900), DEMO_SEED, DEMO_API_PORT.
 * Ctrl-C / SIGTERM: stops the simulator, lets start.js stop Node-RED and the broker, closes the
 * fake API, exits 0.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CAMERAS } from './cameras';
import { FakeMerakiApi, startFakeMerakiApi } from './fake-meraki-api';
import { lineAreas } from './crossings';
import { cameraApMap, Simulator, startSimulator } from './simulator';

const root = path.resolve(__dirname, '..');
const DEMO_API_KEY = 'demo0123456789abcdef0123456789abcdef0123';
const READY_TIMEOUT_MS = 180_000;

function say(text: string): void {
  try {
    process.stdout.write(`[demo] ${text}\n`);
  } catch {
    // stdout gone: nothing to tell
  }
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    say(`${name}=${raw} is not a number ≥ 0; using ${fallback}`);
    return fallback;
  }
  return n;
}

/** The newest time in a CSV column, from the file's last lines (null when none). */
function newestTime(file: string, column: string): number | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const headBuf = Buffer.alloc(Math.min(size, 4096));
    fs.readSync(fd, headBuf, 0, headBuf.length, 0);
    const header = headBuf.toString('utf8').split(/\r?\n/)[0].split(',');
    const col = header.indexOf(column);
    if (col < 0) return null;
    const tailLen = Math.min(size, 65536);
    const tail = Buffer.alloc(tailLen);
    fs.readSync(fd, tail, 0, tailLen, size - tailLen);
    let newest: number | null = null;
    for (const line of tail.toString('utf8').split(/\r?\n/).slice(1)) {
      // times are ISO-8601 without commas; the columns before them (serial, zone) have none either
      const cell = line.split(',')[col];
      const ms = cell && /^\d{4}-\d{2}-\d{2}T/.test(cell) ? Date.parse(cell) : NaN;
      if (Number.isFinite(ms) && (newest === null || ms > newest)) newest = ms;
    }
    return newest;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Data rows of a CSV file (lines minus the header), counted without reading it all at once. */
async function rows(file: string): Promise<number | null> {
  try {
    let lines = 0;
    for await (const chunk of fs.createReadStream(file)) {
      const buf = chunk as Buffer;
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines += 1;
    }
    return Math.max(0, lines - 1);
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.PORT ||= '1880';
  env.HOST ||= '127.0.0.1';
  env.MQTT_PORT ||= '1883';
  env.DATA_DIR ||= 'demo-data';
  env.NODE_RED_USER_DIR ||= '.node-red-demo';
  env.CMX_SECRET ||= 'demo-shared-secret';
  env.CMX_VALIDATOR ||= 'demo-validator';
  // camera → the AP beside it (cmx-mv-correlate's "camera APs" format), for a flow that reads it
  env.CAMERA_APS ||= cameraApMap(DEFAULT_CAMERAS);
  // the entrance camera's lines → the lobby (line-counter's "areas" format)
  env.LINE_AREAS ||= lineAreas(DEFAULT_CAMERAS);
  if (env.MERAKI_API_KEY && env.MERAKI_API_KEY !== DEMO_API_KEY) say('MERAKI_API_KEY is ignored: the demo talks to its own fake Dashboard API');
  env.MERAKI_API_KEY = DEMO_API_KEY;

  const dataDir = path.resolve(root, env.DATA_DIR);
  const localHost = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const site = `http://${localHost.includes(':') ? `[${localHost}]` : localHost}:${env.PORT}`;
  const mqttUrl = env.MQTT_URL || `mqtt://127.0.0.1:${env.MQTT_PORT}`;

  const api: FakeMerakiApi = await startFakeMerakiApi({
    apiKey: DEMO_API_KEY,
    host: process.env.DEMO_API_HOST || '127.0.0.1',
    port: envNumber('DEMO_API_PORT', 0),
    cameras: DEFAULT_CAMERAS,
  });
  env.MERAKI_API_BASE = api.baseUrl;
  say(`fake Meraki Dashboard API at ${api.baseUrl}`);

  // `npm start` without its build step (npm run demo has built already)
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
    cwd: root,
    env,
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  let recent = '';
  const watch = (d: Buffer): void => {
    recent = (recent + d.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', watch);
  child.stderr?.on('data', watch);
  child.stdout?.pipe(process.stdout, { end: false });
  child.stderr?.pipe(process.stderr, { end: false });
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);

  let sim: Simulator | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  let stopping = false;
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

  const report = async (): Promise<void> => {
    const s = sim?.stats;
    const a = api.stats;
    const files = await Promise.all(['mvData.csv', 'cmxData.csv', 'correlation.csv', 'crossings.csv'].map(async (f) => `${f} ${(await rows(path.join(dataDir, f))) ?? '–'}`));
    if (s) {
      say(
        `${s.phase}: ${s.mqttMessages} MQTT messages (${s.mqttDropped} dropped), ${s.posts} Scanning API posts ` +
          `(${s.postFailures} failed, ${s.observations} observations); Dashboard API ${a.requests} requests ` +
          `(${a.snapshotsGenerated} snapshots, ${a.rateLimited} × 429, ${a.unauthorized} × 401); rows: ${files.join(', ')}`,
      );
    }
  };

  const shutdown = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (statusTimer) clearInterval(statusTimer);
    say(`${why}: stopping the simulator`);
    await sim?.stop();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const childCode = await exited;
    clearTimeout(killer);
    await report().catch(() => undefined);
    say(`Dashboard API requests by endpoint: ${JSON.stringify(api.stats.byEndpoint)}`);
    await api.close();
    say('stopped');
    process.exit(code === 0 ? 0 : childCode || code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal, 0));
  void exited.then((code) => {
    if (!stopping) void shutdown(`Node-RED (scripts/start.js) exited with code ${code}`, code || 1);
  });

  // Ready when the flow has subscribed (embedded broker: start.js logs it; an external broker:
  // Node-RED logs the connection) and the Scanning API receiver answers.
  const started = Date.now();
  const subscribed = env.MQTT_URL ? /Connected to broker/ : /subscribed to/;
  let receiverUp = false;
  while (!stopping) {
    if (!receiverUp) {
      try {
        const res = await fetch(`${site}/cmx`, { signal: AbortSignal.timeout(2000) });
        const text = await res.text();
        receiverUp = res.status === 200 && text === env.CMX_VALIDATOR;
      } catch {
        // not listening yet
      }
    }
    if (receiverUp && subscribed.test(recent)) break;
    if (Date.now() - started > READY_TIMEOUT_MS) {
      return shutdown(`Node-RED was not ready after ${READY_TIMEOUT_MS / 1000} s (receiver at ${site}/cmx ${receiverUp ? 'up' : 'not answering'})`, 1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (stopping) return;

  const backfillHours = envNumber('DEMO_BACKFILL_HOURS', 6);
  const stored = [newestTime(path.join(dataDir, 'mvData.csv'), 'timeOut'), newestTime(path.join(dataDir, 'cmxData.csv'), 'time')].filter(
    (x): x is number => x !== null,
  );
  const backfillFrom = stored.length ? Math.max(...stored) : undefined;
  sim = startSimulator({
    mqttUrl,
    cmxUrl: `${site}/cmx`,
    secret: env.CMX_SECRET,
    cameras: DEFAULT_CAMERAS,
    backfillHours,
    backfillFrom,
    speed: envNumber('DEMO_SPEED', 900) || 900,
    cmxIntervalS: envNumber('DEMO_CMX_INTERVAL_S', 15) || 15,
    seed: process.env.DEMO_SEED ? envNumber('DEMO_SEED', 1) : undefined,
    log: (line) => say(`simulator: ${line}`),
  });
  const resumed = backfillHours > 0 && backfillFrom !== undefined && backfillFrom > Date.now() - backfillHours * 3_600_000;
  if (resumed) say(`${path.relative(root, dataDir) || dataDir} already holds data up to ${new Date(backfillFrom).toISOString()}: playing back from there`);

  const lines = [
    '',
    'Meraki analytics demo is running: simulated cameras and access points feed the supplied flow.',
    `  dashboard         ${site}/ui`,
    `  editor            ${site}/admin`,
    `  summary (JSON)    ${site}/analytics/summary`,
    `  entrances (JSON)  ${site}/analytics/entrances`,
    `  CSV downloads     ${site}/analytics/mvData.csv  ${site}/analytics/cmxData.csv  ${site}/analytics/correlation.csv  ${site}/analytics/crossings.csv`,
    `  data folder       ${dataDir}`,
    `  MQTT broker       ${mqttUrl.replace(/\/\/[^@/]*@/, '//***@')}  (topics /merakimv/#)`,
    `  fake Meraki API   ${api.baseUrl}  (key ${DEMO_API_KEY})`,
    `  cameras           ${DEFAULT_CAMERAS.map((c) => `${c.serial} (${c.name})`).join(', ')}`,
    backfillHours > 0
      ? `${resumed ? 'The camera time since the last run' : `The last ${backfillHours} h of camera time`} is played back first (hourly charts fill within a minute); live data follows.`
      : 'No backfill: live data only.',
    'Ctrl-C stops everything.',
    '',
  ];
  for (const l of lines) say(l);
  void sim.backfilled.then(() => report());
  statusTimer = setInterval(() => void report().catch(() => undefined), 60_000);
  statusTimer.unref();
}

main().catch((err: Error) => {
  say(`failed: ${err.stack ?? err}`);
  process.exit(1);
});
