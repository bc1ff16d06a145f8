/**
 * Soak: the real application as `npm start` runs it (scripts/start.js: Node-RED 4, the supplied
 * flow flows/meraki-analytics.json, the embedded MQTT broker; own temp DATA_DIR and
 * NODE_RED_USER_DIR, free ports, CMX_SECRET; the fake Dashboard API of demo/fake-meraki-api.ts
 * for mv-snapshot and the zone labels; CAMERA_APS from demo/simulator.ts cameraApMap()) under
 * 2,000 MV count messages/s over MQTT and 20 Scanning API posts/min for 10 minutes
 * (bench/lib/soak-load.ts, in a child process; the site is bench/lib/soak-world.ts).
 *
 * Every 30 s it prints the RSS and heap of the Node-RED process (/proc/<pid>/status of the child
 * of scripts/start.js; heap from Node-RED's own GET /admin/diagnostics), the RSS of the launcher
 * (which runs the broker), what was sent and the rows of the three CSV files. At the end: the RSS
 * series, the least-squares slope over the second half, a verdict "memory flat: yes/no" with its
 * criterion, and whether anything was lost (activities expected from the count pattern vs
 * mvData.csv, observations of accepted posts vs cmxData.csv, posts answered 202).
 *
 * A measurement: it prints, never asserts timings. Exits non-zero only when the app died or posts
 * failed. Environment: BENCH_SOAK_MINUTES (10), BENCH_SOAK_RATE (2000 messages/s),
 * BENCH_SOAK_POSTS_PER_MIN (20), BENCH_SOAK_SAMPLE_S (30), BENCH_SOAK_SEED,
 * BENCH_SOAK_HEAPSNAPSHOTS=1 (heap snapshots of Node-RED and of the launcher after the first fifth
 * and at the end of the load, compared by bench/lib/heap-diff.ts; each pauses that process for a
 * few seconds; BENCH_SOAK_KEEP=1 keeps the files).
 * `npm run bench -- soak`, or `npx tsx bench/soak.ts` after `node scripts/build.js`.
 */
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startFakeMerakiApi, type FakeMerakiApi } from '../demo/fake-meraki-api';
import { startApp, type App } from '../test/support/app';
import { findNodeRed, procMem } from '../test/support/proc';
import { int, runMain } from './lib/report';
import type { LoadStats } from './lib/soak-load';
import { soakSite } from './lib/soak-world';
import { stopChild } from './lib/child';

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES) || 10;
const RATE = Number(process.env.BENCH_SOAK_RATE) || 2000;
const POSTS_PER_MIN = Number(process.env.BENCH_SOAK_POSTS_PER_MIN) || 20;
const SAMPLE_S = Number(process.env.BENCH_SOAK_SAMPLE_S) || 30;
const SEED = Number(process.env.BENCH_SOAK_SEED) || 20240620;
const HEAPSNAPSHOTS = process.env.BENCH_SOAK_HEAPSNAPSHOTS === '1';
const DURATION_MS = Math.round(MINUTES * 60_000);
/** zeros on every topic at the end, so that every open activity closes */
const DRAIN_MS = 3000;
/** Scanning API posts after MV stopped, so that the last activities' windows are passed */
const TAIL_MS = 45_000;
const SECRET = 'soak-shared-secret';
const VALIDATOR = 'soak-validator-0123456789';
const API_KEY = 'soak0123456789abcdef0123456789abcdef0123';
const SLOPE_LIMIT = 1; // MB per minute
const GROWTH_LIMIT = 0.1;

const MB = 1024 * 1024;
const mb = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '?' : (bytes / MB).toFixed(1));
const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// ---------------------------------------------------------------------------------------------
// processes


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Node-RED's process.memoryUsage(), from its admin API (GET /admin/diagnostics). */
async function heapOf(app: App): Promise<NodeJS.MemoryUsage | null> {
  try {
    const res = await fetch(`${app.base}/admin/diagnostics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    const report = (await res.json()) as { nodejs?: { memoryUsage?: NodeJS.MemoryUsage } };
    return report.nodejs?.memoryUsage ?? null;
  } catch {
    return null;
  }
}

/** Data rows of a growing CSV file (lines after the header), counted from where it left off. */
class RowCounter {
  private offset = 0;
  private lines = 0;
  constructor(readonly file: string) {}

  get rows(): number {
    return Math.max(0, this.lines - 1);
  }

  count(): number {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return this.rows;
    }
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(1 << 20);
      while (this.offset < size) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (n <= 0) break;
        for (let i = buf.indexOf(10); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) this.lines += 1;
        this.offset += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    return this.rows;
  }
}

/** Rows of correlation.csv: how many, and how many distinct activities (serial, zone, timeIn). */
function correlationActivities(file: string): { rows: number; activities: number } {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l !== '');
    return { rows: lines.length, activities: new Set(lines.map((l) => l.split(',').slice(0, 3).join(','))).size };
  } catch {
    return { rows: 0, activities: 0 };
  }
}

// ---------------------------------------------------------------------------------------------
// the load child

interface Load {
  proc: ChildProcess;
  stats: LoadStats | null;
  done: Promise<LoadStats>;
  stop(): Promise<void>;
}

function startLoad(): Promise<Load> {
  const execArgv = process.execArgv.filter((a) => !/^--(cpu-prof|prof|heap-prof|inspect|expose-gc)/.test(a));
  const proc = fork(path.join(__dirname, 'lib', 'soak-load.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let resolveDone!: (s: LoadStats) => void;
  let rejectDone!: (e: Error) => void;
  const load: Load = {
    proc,
    stats: null,
    done: new Promise<LoadStats>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    }),
    stop: () => stopChild(proc, 5000),
  };
  load.done.catch(() => undefined);
  return new Promise((resolve, reject) => {
    proc.on('message', (m: any) => {
      if (m?.type === 'stats') load.stats = m.stats;
      else if (m?.type === 'done') {
        load.stats = m.stats;
        resolveDone(m.stats);
      } else if (m?.type === 'error') {
        console.log(`  !! load child: ${m.message}`);
        rejectDone(new Error(m.message));
      } else if (m?.type === 'log') console.log(`  load child: ${m.text}`);
    });
    proc.once('spawn', () => resolve(load));
    proc.once('error', reject);
    proc.on('exit', (code, signal) => rejectDone(new Error(`load child exited (${code ?? signal}) before it was done`)));
  });
}

// ---------------------------------------------------------------------------------------------
// sampling and figures

interface Sample {
  label: string;
  /** ms since the load started (negative: before) */
  t: number;
  rss: number | null;
  hwm: number | null;
  heap: NodeJS.MemoryUsage | null;
  launcherRss: number | null;
  loadRss: number | null;
  published: number;
  posts: number;
  accepted: number;
  mv: number;
  cmx: number;
  corr: number;
  load1: number;
}

const HEADER =
  '  time    Node-RED RSS  heap used/total  external   launcher+broker RSS  load-gen RSS   MQTT msgs   posts (202)   mvData  cmxData  correlation  load';

function printSample(s: Sample): void {
  const h = s.heap;
  console.log(
    `  ${s.label.padEnd(7)} ${`${mb(s.rss)} MB`.padStart(11)}  ${`${mb(h?.heapUsed)}/${mb(h?.heapTotal)} MB`.padStart(15)}  ${`${mb(h?.external)} MB`.padStart(8)}` +
      `   ${`${mb(s.launcherRss)} MB`.padStart(18)}  ${`${mb(s.loadRss)} MB`.padStart(12)}  ${int(s.published).padStart(10)}  ${`${s.posts} (${s.accepted})`.padStart(12)}` +
      `  ${int(s.mv).padStart(7)}  ${int(s.cmx).padStart(7)}  ${int(s.corr).padStart(11)}  ${s.load1.toFixed(2)}`,
  );
}

/** least-squares slope of y (bytes) over x (ms), in MB per minute */
function slope(points: [number, number][]): number {
  if (points.length < 2) return NaN;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : (num / den) * 60_000 / MB;
}

// ---------------------------------------------------------------------------------------------

/**
 * Writes a heap snapshot of `pid` (started with --heapsnapshot-signal=SIGURG) into `dir`; resolves
 * with its path once the file has stopped growing (and `answering()` says the process is back).
 */
async function heapSnapshot(pid: number, who: string, dir: string, answering: () => Promise<boolean>): Promise<string | null> {
  const before = new Set(fs.readdirSync(dir));
  const t0 = Date.now();
  process.kill(pid, 'SIGURG'); // not SIGUSR2: Node-RED stops on that one (nodemon)
  let lastSize = -1;
  let stable = 0;
  for (;;) {
    await sleep(500);
    if (!procMem(pid)) return null; // gone
    const fresh = fs.readdirSync(dir).filter((f) => !before.has(f) && f.endsWith('.heapsnapshot') && f.includes(`.${pid}.`));
    if (fresh.length) {
      const file = path.join(dir, fresh[0]);
      const size = fs.statSync(file).size;
      stable = size > 0 && size === lastSize ? stable + 1 : 0;
      lastSize = size;
      // written synchronously by the process's main thread: done once the size holds and it answers
      if (stable >= 3 && (await answering())) {
        console.log(`  heap snapshot of ${who}: ${fresh[0]} (${mb(size)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return file;
      }
    }
    if (Date.now() - t0 > 180_000) {
      console.log(`  !! no heap snapshot of ${who} after 180 s`);
      return null;
    }
  }
}

function heapDiff(a: string, b: string): Promise<void> {
  if (!a || !b) return Promise.resolve();
  const execArgv = process.execArgv.filter((x) => !/^--(cpu-prof|prof|heap-prof|inspect|expose-gc|max-old-space-size)/.test(x));
  execArgv.push('--max-old-space-size=12000');
  const proc = fork(path.join(__dirname, 'lib', 'heap-diff.ts'), [a, b, '25'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve) => proc.on('exit', () => resolve()));
}

export async function run(): Promise<void> {
  const site = soakSite();
  const loadStart = loadavg();
  console.log(`Soak (Node.js ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'}, load average ${loadStart})`);
  console.log(
    `  the app as \`npm start\` runs it (scripts/start.js → Node-RED 4 + flows/meraki-analytics.json + embedded aedes broker),` +
      `\n  fake Dashboard API (demo/fake-meraki-api.ts), CAMERA_APS from cameraApMap(); load from a child process:` +
      `\n  ${int(RATE)} MV count messages/s (QoS 0) over ${site.feeds.length} topics (${site.cameras.length} cameras × frame + 4 zones, one message per topic every ${((site.feeds.length / RATE) * 1000).toFixed(0)} ms),` +
      `\n  ${POSTS_PER_MIN} Scanning API posts/min to /cmx (${site.scopes.filter((s) => s.kind === 'v2').length} v2 AP scopes, ${site.scopes.filter((s) => s.kind !== 'v2').length} v3 WiFi/BLE network scopes, each once a minute)` +
      `\n  for ${MINUTES} min; then ${DRAIN_MS / 1000} s of zeros on every topic and ${TAIL_MS / 1000} s more posts; a sample every ${SAMPLE_S} s`,
  );
  if (HEAPSNAPSHOTS) console.log('  BENCH_SOAK_HEAPSNAPSHOTS=1: two heap snapshots each of Node-RED and of the launcher, each pausing that process for a few seconds');

  let failed = false;
  const problem = (text: string) => {
    failed = true;
    console.log(`  !! ${text}`);
  };

  const api: FakeMerakiApi = await startFakeMerakiApi({ apiKey: API_KEY, cameras: site.cameras });
  const heapDir = HEAPSNAPSHOTS ? fs.mkdtempSync(path.join(os.tmpdir(), 'soak-heap-')) : '';
  const env: Record<string, string> = {
    CMX_SECRET: SECRET,
    CMX_VALIDATOR: VALIDATOR,
    MERAKI_API_BASE: api.baseUrl,
    MERAKI_API_KEY: API_KEY,
    CAMERA_APS: site.cameraAps,
  };
  if (HEAPSNAPSHOTS) env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGURG --diagnostic-dir=${heapDir}`.trim();
  const tStart = Date.now();
  const app = await startApp(env);
  let stopping = false;
  let appDied = null as string | null;
  app.proc.on('exit', (code, signal) => {
    if (!stopping) appDied = `the app (scripts/start.js) exited with ${code ?? signal} during the soak`;
  });
  let load: Load | null = null;
  try {
    // ready: the flow subscribed (startApp waited for it) and the receiver answers the validator
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(`${app.base}/cmx`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200 && (await res.text()) === VALIDATOR) break;
      } catch {
        // not yet
      }
      if (i > 100) throw new Error('the Scanning API receiver never answered GET /cmx');
      await sleep(200);
    }
    const launcher = app.proc.pid!;
    const redPid = await findNodeRed(launcher);
    console.log(`  app ready in ${((Date.now() - tStart) / 1000).toFixed(1)} s: launcher pid ${launcher}, Node-RED pid ${redPid}, ${app.base}, mqtt://127.0.0.1:${app.mqttPort}`);
    console.log(`  data ${app.dataDir}`);

    const counters = {
      mv: new RowCounter(path.join(app.dataDir, 'mvData.csv')),
      cmx: new RowCounter(path.join(app.dataDir, 'cmxData.csv')),
      corr: new RowCounter(path.join(app.dataDir, 'correlation.csv')),
    };
    load = await startLoad();
    const samples: Sample[] = [];
    let t0 = 0;
    const sample = async (label: string): Promise<Sample> => {
      const red = procMem(redPid);
      const heap = await heapOf(app);
      const st = load?.stats;
      const s: Sample = {
        label,
        t: t0 ? Date.now() - t0 : 0,
        rss: red?.rss ?? null,
        hwm: red?.hwm ?? null,
        heap,
        launcherRss: procMem(launcher)?.rss ?? null,
        loadRss: load?.proc.pid ? procMem(load.proc.pid)?.rss ?? null : null,
        published: st?.published ?? 0,
        posts: st?.posts ?? 0,
        accepted: st?.statuses['202'] ?? 0,
        mv: counters.mv.count(),
        cmx: counters.cmx.count(),
        corr: counters.corr.count(),
        load1: os.loadavg()[0],
      };
      samples.push(s);
      printSample(s);
      return s;
    };

    const ready = new Promise<void>((resolve) => load!.proc.on('message', (m: any) => m?.type === 'ready' && resolve()));
    load.proc.send({
      type: 'start',
      mqttUrl: `mqtt://127.0.0.1:${app.mqttPort}`,
      cmxUrl: `${app.base}/cmx`,
      secret: SECRET,
      rate: RATE,
      durationMs: DURATION_MS,
      drainMs: DRAIN_MS,
      postsPerMinute: POSTS_PER_MIN,
      tailMs: TAIL_MS,
      seed: SEED,
    });
    await ready;
    console.log('');
    console.log(HEADER);
    await sample('start');
    t0 = Date.now();

    // every SAMPLE_S during the load
    const heapAt = HEAPSNAPSHOTS ? [Math.round(DURATION_MS / 5 / (SAMPLE_S * 1000)) * SAMPLE_S * 1000, DURATION_MS] : [];
    const snaps: { red: string; launcher: string }[] = [];
    let loadFailed = null as Error | null;
    load.done.catch((err: Error) => (loadFailed = err));
    for (let k = 1; k * SAMPLE_S * 1000 <= DURATION_MS; k++) {
      await sleep(t0 + k * SAMPLE_S * 1000 - Date.now());
      if (appDied || loadFailed) break;
      await sample(clock(k * SAMPLE_S * 1000));
      if (heapAt.includes(k * SAMPLE_S * 1000)) {
        const red = await heapSnapshot(redPid, 'Node-RED', heapDir, async () => (await heapOf(app)) !== null);
        const broker = await heapSnapshot(launcher, 'the launcher (broker)', heapDir, async () => true);
        snaps.push({ red: red ?? '', launcher: broker ?? '' });
      }
    }
    if (appDied) throw new Error(appDied);
    let stats: LoadStats;
    try {
      stats = await load.done;
    } catch (err) {
      if (appDied) throw new Error(appDied);
      throw err;
    }
    await sample('+tail');

    // settle: CSV rows up to what was sent (a minute at most), correlation.csv still for 5 s
    const settleStart = Date.now();
    let lastCorr = -1;
    let corrSince = Date.now();
    while (Date.now() - settleStart < 60_000 && !appDied) {
      const mv = counters.mv.count();
      const cmx = counters.cmx.count();
      const corr = counters.corr.count();
      if (corr !== lastCorr) {
        lastCorr = corr;
        corrSince = Date.now();
      }
      if (mv >= stats.activities && cmx >= stats.expectedRows && Date.now() - corrSince >= 5000) break;
      await sleep(500);
    }
    await sleep(Math.max(0, 5000 - (Date.now() - settleStart)));
    const settled = await sample('settled');
    if (appDied) throw new Error(appDied);

    // ---- figures
    console.log(`\n  (settled ${((Date.now() - settleStart) / 1000).toFixed(1)} s after the load ended)`);
    const during = samples.filter((s) => s.t > 0 && s.t <= DURATION_MS + 1000 && s.label !== '+tail' && s.label !== 'settled');
    const first = samples[0];
    console.log('\nNode-RED RSS series (MB):');
    const series = samples.map((s) => `${s.label} ${mb(s.rss)}`);
    for (let i = 0; i < series.length; i += 8) console.log(`  ${series.slice(i, i + 8).join(' · ')}`);
    console.log('launcher + broker RSS series (MB):');
    const lseries = samples.map((s) => `${s.label} ${mb(s.launcherRss)}`);
    for (let i = 0; i < lseries.length; i += 8) console.log(`  ${lseries.slice(i, i + 8).join(' · ')}`);
    console.log('Node-RED heap used series (MB):');
    const hseries = samples.map((s) => `${s.label} ${mb(s.heap?.heapUsed)}`);
    for (let i = 0; i < hseries.length; i += 8) console.log(`  ${hseries.slice(i, i + 8).join(' · ')}`);

    const half = during.filter((s) => s.t >= DURATION_MS / 2);
    const windowMs = Math.min(5 * 60_000, DURATION_MS / 2);
    const atWindow = during.reduce<Sample | null>((best, s) => (best === null || Math.abs(s.t - (DURATION_MS - windowMs)) < Math.abs(best.t - (DURATION_MS - windowMs)) ? s : best), null);
    const last = during[during.length - 1];
    const verdictFor = (name: string, get: (s: Sample) => number | null): boolean => {
      const pts = half.filter((s) => get(s) !== null).map((s) => [s.t, get(s)!] as [number, number]);
      const sl = slope(pts);
      const from = atWindow ? get(atWindow) : null;
      const to = last ? get(last) : null;
      const growth = from && to ? (to - from) / from : NaN;
      const flat = Number.isFinite(sl) && sl < SLOPE_LIMIT && Number.isFinite(growth) && growth < GROWTH_LIMIT;
      console.log(
        `  ${name.padEnd(24)} slope ${sl >= 0 ? '+' : ''}${sl.toFixed(2)} MB/min over ${clock(half[0]?.t ?? 0)}–${clock(last?.t ?? 0)} (${pts.length} samples); ` +
          `${clock(atWindow?.t ?? 0)} → ${clock(last?.t ?? 0)}: ${mb(from)} → ${mb(to)} MB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%); ` +
          `peak ${mb(Math.max(...samples.map((s) => get(s) ?? 0)))} MB`,
      );
      const range = (xs: Sample[]) => {
        const v = xs.map(get).filter((x): x is number => x !== null);
        return v.length ? `${mb(Math.min(...v))}–${mb(Math.max(...v))} MB` : '?';
      };
      console.log(`  ${''.padEnd(24)} range in the first half ${range(during.filter((s) => s.t < DURATION_MS / 2))}, in the second half ${range(half)}`);
      return flat;
    };
    console.log('');
    const redFlat = verdictFor('Node-RED RSS', (s) => s.rss);
    const launcherFlat = verdictFor('launcher + broker RSS', (s) => s.launcherRss);
    {
      const pts = half.filter((s) => s.heap).map((s) => [s.t, s.heap!.heapUsed] as [number, number]);
      console.log(`  ${'Node-RED heap used'.padEnd(24)} slope ${slope(pts) >= 0 ? '+' : ''}${slope(pts).toFixed(2)} MB/min over the same samples (no forced GC: noisy)`);
    }
    console.log(`  Node-RED VmHWM (peak RSS seen by the kernel): ${mb(settled.hwm)} MB; RSS before the load ${mb(first.rss)} MB`);
    const flat = redFlat && launcherFlat;
    console.log(
      `memory flat: ${flat ? 'yes' : 'no'}  (criterion, for the Node-RED process and the launcher/broker alike: least-squares RSS slope over the second half ` +
        `< ${SLOPE_LIMIT} MB/min AND RSS growth over the last ${windowMs / 60_000} min < ${GROWTH_LIMIT * 100}%; ` +
        `Node-RED ${redFlat ? 'flat' : 'NOT flat'}, launcher ${launcherFlat ? 'flat' : 'NOT flat'})`,
    );

    // ---- nothing lost?
    const elapsed = stats.elapsedMs;
    const c = correlationActivities(path.join(app.dataDir, 'correlation.csv'));
    const posts202 = stats.statuses['202'] ?? 0;
    console.log('\nWhat was sent, and what was stored:');
    console.log(
      `  MQTT: ${int(stats.published)} count messages written to the broker (${int(stats.queued)} queued, ${stats.publishErrors} failed) in ${(elapsed / 1000).toFixed(0)} s with the tail ` +
        `(${int(stats.published / ((DURATION_MS + DRAIN_MS) / 1000))} msg/s over the ${MINUTES} min + drain); publisher at most ${int(stats.maxBehindMs)} ms behind its schedule`,
    );
    const mvOk = settled.mv === stats.activities;
    console.log(
      `  activities: ${int(stats.activities)} expected (the same messages through the node's state machine; ${int(stats.dismissed)} short ones dismissed, ${stats.open} still open), ` +
        `mvData.csv has ${int(settled.mv)}: ${mvOk ? 'all stored' : `${settled.mv < stats.activities ? 'MISSING' : 'EXTRA'} ${int(Math.abs(stats.activities - settled.mv))}`}`,
    );
    const ms = stats.answerMs;
    const others = Object.entries(stats.statuses).filter(([k]) => k !== '202');
    console.log(
      `  Scanning API: ${stats.posts} posts (${stats.tailPosts} of them in the tail), ${posts202} answered 202` +
        `${others.length ? `, others: ${others.map(([k, v]) => `${k === '0' ? 'failed' : k} × ${v}`).join(', ')}` : ''}` +
        `${Object.keys(stats.postErrors).length ? ` (${JSON.stringify(stats.postErrors)})` : ''}; ` +
        `answer mean ${(ms.sum / Math.max(1, ms.n)).toFixed(1)} ms, p99 ${ms.p99.toFixed(1)} ms, max ${ms.max.toFixed(1)} ms; ` +
        `${int(stats.observations)} observations (${(stats.bytes / MB).toFixed(1)} MB of JSON, ${int(stats.observations / Math.max(1, stats.posts))} per post), ${int(stats.devices)} distinct devices`,
    );
    const cmxOk = settled.cmx === stats.expectedRows;
    console.log(
      `  cmxData.csv: ${int(settled.cmx)} rows, ${int(stats.expectedRows)} expected (observations of accepted posts at rssi ≥ 15): ` +
        `${cmxOk ? 'all stored' : `${settled.cmx < stats.expectedRows ? 'MISSING' : 'EXTRA'} ${int(Math.abs(stats.expectedRows - settled.cmx))}`}`,
    );
    console.log(
      `  correlation.csv: ${int(c.rows)} rows for ${int(c.activities)} of the ${int(stats.activities)} activities; a phone was placed next to the camera during ` +
        `${int(stats.companionActivities)} of them (heard by the camera's AP strongly; a v2 AP reports up to a minute later, so not all are in time); ` +
        `${int(stats.strongRows)} observations above rssi 45 in all`,
    );
    const api2 = api.stats;
    console.log(
      `  fake Dashboard API: ${int(api2.requests)} requests, ${api2.snapshotsGenerated} snapshots generated, ${api2.imagesServed} images served, ` +
        `${api2.rateLimited} × 429; by endpoint ${JSON.stringify(api2.byEndpoint)}`,
    );
    if (stats.posts !== posts202) problem(`${stats.posts - posts202} Scanning API posts were not answered 202`);
    if (!mvOk) console.log(`  !! mvData.csv does not hold exactly the expected activities`);
    if (!cmxOk) console.log(`  !! cmxData.csv does not hold exactly the expected rows`);

    if (snaps.length === 2) {
      console.log(`\nHeap snapshot comparison, Node-RED (${path.basename(snaps[0].red)} → ${path.basename(snaps[1].red)}):`);
      await heapDiff(snaps[0].red, snaps[1].red);
      console.log(`\nHeap snapshot comparison, launcher + broker (${path.basename(snaps[0].launcher)} → ${path.basename(snaps[1].launcher)}):`);
      await heapDiff(snaps[0].launcher, snaps[1].launcher);
    }
  } finally {
    stopping = true;
    await load?.stop();
    const out = app.output();
    const code = await app.stop('SIGTERM');
    const lines = out.split('\n');
    const errors = lines.filter((l) => /\[error\]/.test(l));
    const warns = lines.filter((l) => /\[warn\]/.test(l));
    console.log(`\n  app stopped with SIGTERM: exit code ${code}; Node-RED log: ${errors.length} [error] and ${warns.length} [warn] lines`);
    const distinct = (ls: string[]) => [...new Set(ls.map((l) => l.replace(/^\d+ \w+ \d+:\d+:\d+ - /, '')))].slice(0, 5);
    for (const l of distinct(errors)) console.log(`    ${l.slice(0, 220)}`);
    for (const l of distinct(warns)) console.log(`    ${l.slice(0, 220)}`);
    if (code !== 0 && !appDied) console.log(`  !! the app exited with ${code} on SIGTERM`);
    app.cleanup();
    await api.close();
    if (heapDir && !process.env.BENCH_SOAK_KEEP) fs.rmSync(heapDir, { recursive: true, force: true });
    else if (heapDir) console.log(`  heap snapshots kept in ${heapDir}`);
    console.log(`  load average ${loadavg()} (at the start: ${loadStart}); the soak shares the machine with whatever else runs`);
    console.log(`  soak done in ${((Date.now() - tStart) / 1000).toFixed(1)} s`);
  }
  if (appDied) problem(appDied);
  if (failed) process.exitCode = 1;
}

if (require.main === module) runMain(run);
