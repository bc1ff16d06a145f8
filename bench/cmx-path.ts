/**
 * CMX path bench: the application as `npm start` runs it (scripts/start.js: Node-RED 4, the
 * supplied flow, cmx-receiver → csv-store cmxData.csv → correlate) against a bare `node:http`
 * server (lib/bare-cmx.ts) that parses the same posts and appends the same 17-column rows, in the
 * same run. Posts come from a child process (lib/cmx-sender.ts) over keep-alive connections: 500
 * observations each, v2.0 DevicesSeen and v3 WiFi alternating, about a pool of BENCH_CMX_DEVICES
 * devices (20,000; 0: every observation a new device, which makes the correlator hold them all).
 *
 * (1) Stored throughput: POSTS posts from 4 connections, each sending its next post when answered;
 *     observations stored per second = rows in the CSV file ÷ time from the first POST to the last
 *     row in the file. App and bare server alternate, REPS times; the ratio of each pair and their
 *     median. First both take the same warm-up posts and their rows are compared.
 * (2) POST answer times at 20 posts/s (open loop) for PACED_S seconds, app and bare server.
 * (3) SIGKILL mid-load: the app is flooded, killed (whole process group) after KILL_AFTER_S,
 *     restarted on the same folders; every observation of a post answered 202 must be in
 *     cmxData.csv once (lost and duplicated counted).
 * (4) Memory at a burst of BURST_OBS observations: posts from 16 connections as fast as the app
 *     answers (503s are retried after Retry-After, as Meraki does); peak RSS of the Node-RED
 *     process (VmHWM), and RSS once everything is stored.
 *
 * Profiling: BENCH_CMX_PROF=<dir> starts the app of part (1) with `--cpu-prof` into <dir> and
 * prints the top functions when it stops (bench/lib/cpuprofile.ts).
 *
 * A measurement, not a test: nothing here asserts a timing; the exit code is non-zero only when a
 * figure is meaningless (rows missing, posts refused) or acknowledged data was lost.
 * `npm run bench -- cmx-path`; sizes: BENCH_CMX_POSTS (400), BENCH_CMX_REPS (3), BENCH_CMX_PACED_S
 * (15), BENCH_CMX_KILL_AFTER_S (4), BENCH_CMX_BURST_OBS (1,000,000); BENCH_CMX_PARTS (1,2,3,4);
 * BENCH_CMX_CONNECTIONS (4): connections posting at once in (1) and (3).
 */
import { fork, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CMX_COLUMNS, DEVICES_SEEN, mixedRowKeys, SECRET, VALIDATOR } from './lib/cmx-posts';
import { stopChild } from './lib/child';
import { summarise, print } from './lib/cpuprofile';
import { heading, int, line, median, runMain } from './lib/report';
import { App, startApp } from '../test/support/app';

const POSTS = Number(process.env.BENCH_CMX_POSTS) || 400;
const REPS = Number(process.env.BENCH_CMX_REPS) || 3;
const PACED_S = Number(process.env.BENCH_CMX_PACED_S) || 15;
const KILL_AFTER_S = Number(process.env.BENCH_CMX_KILL_AFTER_S) || 4;
const BURST_OBS = Number(process.env.BENCH_CMX_BURST_OBS) || 1_000_000;
const PARTS = (process.env.BENCH_CMX_PARTS || '1,2,3,4').split(',').map((x) => x.trim());
/** BENCH_CMX_THREADS=1: the app's CPU per thread in each round */
const THREADS = process.env.BENCH_CMX_THREADS === '1';
const PROF_DIR = process.env.BENCH_CMX_PROF ? path.resolve(process.env.BENCH_CMX_PROF) : '';
const OBS = 500;
/** connections posting at once in (1) and (3): BENCH_CMX_CONNECTIONS (4) */
const CONCURRENCY = Number(process.env.BENCH_CMX_CONNECTIONS) || 4;
const RATE = 20;
const STALL_MS = 20_000;

const TARGET_RATIO = 0.6;
const TARGET_OBS_S = 100_000;

let broken = false;
function problem(text: string): void {
  broken = true;
  console.log(`  !! ${text}`);
}

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

function pctl(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;

function latencies(xs: number[]): string {
  return `p50 ${ms(pctl(xs, 50))}, p99 ${ms(pctl(xs, 99))}, max ${ms(Math.max(...xs))}  (${xs.length} posts)`;
}

function statusText(s: Record<string, number>): string {
  return Object.entries(s).map(([k, v]) => `${v}× ${k}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// rows in a CSV file, counted as the file grows

interface Rows {
  /** data rows (lines after the header) now */
  count(): number;
  /** resolves with the epoch ms at which the file held `target` rows; rejects when it stalls */
  until(target: number, what: string): Promise<number>;
}

function rowsOf(file: string): Rows {
  let off = 0;
  let lines = 0;
  const buf = Buffer.alloc(1 << 20);
  const poll = (): void => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    try {
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, off);
        if (n <= 0) break;
        for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines += 1;
        off += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const count = (): number => {
    poll();
    return Math.max(0, lines - 1);
  };
  return {
    count,
    until(target, what) {
      return new Promise((resolve, reject) => {
        let seen = -1;
        let since = Date.now();
        const check = (): void => {
          const c = count();
          if (c >= target) return resolve(epochNow());
          if (c !== seen) {
            seen = c;
            since = Date.now();
          } else if (Date.now() - since > STALL_MS) {
            return reject(new Error(`${what}: stalled at ${int(c)} of ${int(target)} rows`));
          }
          setTimeout(check, 10);
        };
        check();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// children: the sender and the bare server

interface Child {
  proc: ChildProcess;
  port: number;
  request<T = any>(msg: Record<string, unknown>): Promise<T>;
  send(msg: Record<string, unknown>): void;
  stop(): Promise<void>;
}

async function startChild(file: string): Promise<Child> {
  const execArgv = process.execArgv.filter((a) => !/^--(cpu-prof|prof|heap-prof|inspect|expose-gc)/.test(a));
  const proc = fork(path.join(__dirname, 'lib', file), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (m: any) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let port = 0;
  await new Promise<void>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
    proc.on('message', (m: any) => {
      if (m?.type === 'ready') {
        port = m.port ?? 0;
        resolve();
      }
      const p = pending.get(m?.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.type === 'error') p.reject(new Error(m.message));
      else p.resolve(m);
    });
  });
  proc.removeAllListeners('exit');
  proc.once('exit', () => {
    for (const p of pending.values()) p.reject(new Error(`${file} exited`));
  });
  return {
    proc,
    port,
    request(msg) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        proc.send({ ...msg, id });
      });
    },
    send: (msg) => proc.send(msg),
    stop: () => stopChild(proc),
  };
}

type Sample = [start: number, ms: number, status: number, post?: number];
interface Burst {
  t0: number;
  tEnd: number;
  bytes: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  samples: Sample[];
  retries: number;
  /** the sender's CPU while it posted (ms) */
  cpuMs: number;
  /** the machine's idle share meanwhile (null: not known) */
  idle: number | null;
}

let postNo = 0;

function allAccepted(what: string, b: { statuses: Record<string, number>; errors?: Record<string, number> }, sent: number): number {
  const n = b.statuses['202'] ?? 0;
  if (n !== sent) {
    const errs = b.errors && Object.keys(b.errors).length ? `; failed: ${statusText(b.errors)}` : '';
    problem(`${what} answered ${statusText(b.statuses)}${errs}, expected ${sent}× 202`);
  }
  return n;
}

/** The Node-RED process under the launcher (its only child). */
function nodeRedPid(app: App): number {
  const pid = app.proc.pid!;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const kids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (kids.length) return Number(kids[0]);
  }
  throw new Error('Node-RED process not found');
}

/** VmRSS and VmHWM (peak) of a process, in kB. */
function memory(pid: number): { rss: number; peak: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

function cpuMs(pid: number, file = `/proc/${pid}/stat`): number {
  const f = fs.readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, clock ticks of 10 ms
}

/** CPU time (ms) of each thread of a process, by thread id. */
function threadsMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(t), cpuMs(pid, `/proc/${pid}/task/${t}/stat`));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** a thread's name (V8's GC workers, libuv's pool, a worker thread…) and id */
function threadName(pid: number, t: number): string {
  try {
    return `${fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim()}:${t}`;
  } catch {
    return String(t);
  }
}

/** CPU time of the process's main thread (the event loop: what one post after another waits for). */
function mainThreadMs(pid: number): number {
  return cpuMs(pid, `/proc/${pid}/task/${pid}/stat`);
}

async function appStart(tmpName: string | null, extra: Record<string, string> = {}, after?: App): Promise<App> {
  const env: Record<string, string> = { CMX_SECRET: SECRET, CMX_VALIDATOR: VALIDATOR, NODE_RED_LOG_LEVEL: 'warn', ...extra };
  // node options for the app only (e.g. --max-semi-space-size=64), added to any given here
  const more = process.env.BENCH_CMX_APP_NODE_OPTIONS;
  if (more) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${more}`.trim();
  void tmpName;
  return startApp(env, { waitFor: /Started flows|subscribed to \/merakimv\/#/, after });
}

/**
 * BENCH_CMX_VARIANT=no-correlate: the supplied flow with cmxData.csv's rows not wired into the
 * correlator (to tell its share apart); by default the flow as supplied.
 */
async function variant(app: App): Promise<void> {
  if (process.env.BENCH_CMX_VARIANT !== 'no-correlate') return;
  const flows = await (await fetch(`${app.base}/admin/flows`)).json();
  flows.find((n: any) => n.id === 'cmx-csv').wires = [[]];
  const res = await fetch(`${app.base}/admin/flows`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows),
  });
  if (res.status !== 204) problem(`deploying the variant: ${res.status}`);
  await new Promise((r) => setTimeout(r, 1000));
  line('variant', 'cmxData.csv rows not wired into correlate');
}

// ---------------------------------------------------------------------------------------------
// (1) stored throughput

async function burstInto(sender: Child, url: string, rows: Rows, posts: number, what: string, pid?: number): Promise<{ rate: number; cpu: number; main: number; b: Burst }> {
  const before = rows.count();
  const cpu0 = pid ? cpuMs(pid) : 0;
  const main0 = pid ? mainThreadMs(pid) : 0;
  const b = await sender.request<Burst>({ type: 'burst', url, first: postNo, posts, obs: OBS, concurrency: CONCURRENCY });
  postNo += posts;
  const target = before + allAccepted(what, b, posts) * OBS;
  const tEnd = await rows.until(target, what);
  const cpu = pid ? cpuMs(pid) - cpu0 : 0;
  const main = pid ? mainThreadMs(pid) - main0 : 0;
  return { rate: (target - before) / ((tEnd - b.t0) / 1000), cpu, main, b };
}

async function sameRows(appFile: string, bareFile: string): Promise<void> {
  const a = fs.readFileSync(appFile, 'utf8').trimEnd().split('\n');
  const b = fs.readFileSync(bareFile, 'utf8').trimEnd().split('\n');
  const sa = a.slice(1).sort();
  const sb = b.slice(1).sort();
  const same = a[0] === b[0] && sa.length === sb.length && sa.every((l, i) => l === sb[i]);
  if (same) line('same rows', `app and bare server wrote the same ${int(sa.length)} rows (sorted) under the same header`);
  else {
    const i = sa.findIndex((l, k) => l !== sb[k]);
    problem(`the app's and the bare server's rows differ (${sa.length} vs ${sb.length}); first difference:\n     app:  ${sa[i]}\n     bare: ${sb[i]}`);
  }
}

async function throughput(sender: Child, bare: Child, tmp: string): Promise<void> {
  heading(
    `(1) stored throughput: ${POSTS} posts × ${OBS} observations (v2.0 / v3 alternating) from ${CONCURRENCY} keep-alive ` +
      `connections, each sending its next post when answered; until the last row is in the CSV file; ${REPS} rounds`,
  );
  const prof = { NODE_OPTIONS: `--require ${path.join(__dirname, 'lib', 'cpu-prof-hook.js')}`, BENCH_CPU_PROF_DIR: PROF_DIR };
  const app = await appStart(null, PROF_DIR ? prof : {});
  try {
    await variant(app);
    const pid = nodeRedPid(app);
    const appUrl = `${app.base}/cmx`;
    const bareUrl = `http://127.0.0.1:${bare.port}/cmx`;
    const appRows = rowsOf(path.join(app.dataDir, 'cmxData.csv'));
    const bareFile = path.join(tmp, 'bare', 'cmxData.csv');
    // warm-up with the same posts on both; their rows must agree
    const warm = Math.max(20, Math.round(POSTS / 4));
    await bare.request({ type: 'file', file: path.join(tmp, 'bare-warm', 'cmxData.csv') });
    const first = postNo;
    await burstInto(sender, appUrl, appRows, warm, 'app warm-up');
    postNo = first;
    await burstInto(sender, bareUrl, rowsOf(path.join(tmp, 'bare-warm', 'cmxData.csv')), warm, 'bare warm-up');
    await sameRows(path.join(app.dataDir, 'cmxData.csv'), path.join(tmp, 'bare-warm', 'cmxData.csv'));
    await bare.request({ type: 'file', file: bareFile });
    const bareRows = rowsOf(bareFile);
    if (PROF_DIR) {
      // the profile covers the measured rounds only (lib/cpu-prof-hook.js)
      fs.writeFileSync(path.join(PROF_DIR, 'restart'), '');
      while (fs.existsSync(path.join(PROF_DIR, 'restart'))) await new Promise((r) => setTimeout(r, 50));
    }
    const ratios: number[] = [];
    const appRates: number[] = [];
    const bareRates: number[] = [];
    const appCpu: number[] = [];
    const appMain: number[] = [];
    /** the load generator's CPU while it posts to the app: it shares the machine's cores */
    const senderCpu: number[] = [];
    const bareCpu: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const t0 = THREADS ? threadsMs(pid) : null;
      const a = await burstInto(sender, appUrl, appRows, POSTS, 'app', pid);
      senderCpu.push((a.b.cpuMs / (POSTS * OBS)) * 1000);
      if (t0) {
        const per = [...threadsMs(pid)].map(([t, ms]) => [t, ((ms - (t0.get(t) ?? 0)) / (POSTS * OBS)) * 1000] as const)
          .filter(([, us]) => us >= 0.05).sort((x, y) => y[1] - x[1]);
        line('  threads (µs/obs)', per.map(([t, us]) => `${t === pid ? 'main' : threadName(pid, t)} ${us.toFixed(2)}`).join(', '));
      }
      const b = await burstInto(sender, bareUrl, bareRows, POSTS, 'bare', bare.proc.pid);
      ratios.push(a.rate / b.rate);
      appRates.push(a.rate);
      bareRates.push(b.rate);
      appCpu.push((a.cpu / (POSTS * OBS)) * 1000);
      appMain.push((a.main / (POSTS * OBS)) * 1000);
      bareCpu.push((b.cpu / (POSTS * OBS)) * 1000);
      line(`round ${r + 1}`, `app ${int(a.rate)} obs/s, bare ${int(b.rate)} obs/s, ratio ${(a.rate / b.rate).toFixed(2)}; ` +
        `CPU µs/obs app ${appCpu[r].toFixed(1)} (main thread ${appMain[r].toFixed(1)}), bare ${bareCpu[r].toFixed(1)}, sender ${senderCpu[r].toFixed(1)}${a.b.idle === null ? '' : `, machine idle ${(a.b.idle * 100).toFixed(0)} %`}; app answers ${latencies(a.b.samples.map((s) => s[1]))}`);
    }
    line('app (npm start) stored', `${int(median(appRates))} observations/s (median; ${appRates.map(int).join(', ')})`);
    line('bare node:http + append', `${int(median(bareRates))} observations/s (median; ${bareRates.map(int).join(', ')})`);
    line('ratio app / bare', `${median(ratios).toFixed(2)} (median; ${ratios.map((x) => x.toFixed(2)).join(', ')})`);
    line('CPU per observation stored', `app ${median(appCpu).toFixed(1)} µs (Node-RED process, all threads; its main thread ${median(appMain).toFixed(1)} µs, ` +
      `the rest on the post workers, libuv and V8 threads), bare ${median(bareCpu).toFixed(1)} µs (one thread does nearly all of it)`);
    line('goal', `ratio >= ${TARGET_RATIO}: ${median(ratios) >= TARGET_RATIO ? 'met' : 'NOT met'}; ` +
      `>= ${int(TARGET_OBS_S)} observations/s: ${median(appRates) >= TARGET_OBS_S ? 'met' : 'NOT met'}`);
  } finally {
    await app.stop('SIGTERM');
    // BENCH_CMX_APP_OUTPUT=<file>: what the app printed (e.g. with BENCH_CMX_APP_NODE_OPTIONS=--trace-gc)
    if (process.env.BENCH_CMX_APP_OUTPUT) fs.writeFileSync(process.env.BENCH_CMX_APP_OUTPUT, app.output());
    app.cleanup();
  }
  if (PROF_DIR) {
    const files = fs.readdirSync(PROF_DIR).filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(PROF_DIR, f)).sort((x, y) => fs.statSync(y).size - fs.statSync(x).size);
    if (files[0]) {
      heading(`CPU profile of the Node-RED process (${files[0]}), the measured rounds (${int(REPS * POSTS * OBS)} observations; the bare server's rounds in between are idle time)`);
      print(summarise(files[0]), REPS * POSTS * OBS);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (2) answer times at 20 posts/s

async function answerTimes(sender: Child, bare: Child, tmp: string): Promise<void> {
  heading(`(2) POST answer times: open loop, ${RATE} posts/s × ${OBS} observations for ${PACED_S} s`);
  const app = await appStart(null);
  try {
    await variant(app);
    const rows = rowsOf(path.join(app.dataDir, 'cmxData.csv'));
    await burstInto(sender, `${app.base}/cmx`, rows, 40, 'app warm-up');
    const posts = Math.ceil(RATE * PACED_S);
    const before = rows.count();
    const p = await sender.request<Burst>({ type: 'paced', url: `${app.base}/cmx`, first: postNo, obs: OBS, rate: RATE, durationMs: PACED_S * 1000 });
    postNo += posts;
    const tEnd = await rows.until(before + allAccepted('app paced', p, posts) * OBS, 'app paced');
    const lag = tEnd - Math.max(...p.samples.map((s) => s[0] + s[1]));
    await bare.request({ type: 'file', file: path.join(tmp, 'paced', 'cmxData.csv') });
    const q = await sender.request<Burst>({ type: 'paced', url: `http://127.0.0.1:${bare.port}/cmx`, first: postNo, obs: OBS, rate: RATE, durationMs: PACED_S * 1000 });
    postNo += posts;
    allAccepted('bare paced', q, posts);
    line('app (npm start)', latencies(p.samples.map((s) => s[1])));
    line('bare node:http + append', latencies(q.samples.map((s) => s[1])));
    line('app: last row after last answer', ms(lag));
  } finally {
    await app.stop('SIGTERM');
    app.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// (3) SIGKILL mid-load

async function killTest(sender: Child): Promise<void> {
  heading(`(3) SIGKILL mid-load: flooded by ${CONCURRENCY} connections, killed after ${KILL_AFTER_S} s, restarted on the same folders`);
  const app = await appStart(null);
  let again: App | null = null;
  try {
    const file = path.join(app.dataDir, 'cmxData.csv');
    const first = postNo;
    const flood = sender.request<{ acked: number[]; statuses: Record<string, number>; errors: Record<string, number> }>({
      type: 'flood', url: `${app.base}/cmx`, first, obs: OBS, concurrency: CONCURRENCY,
    });
    await new Promise((r) => setTimeout(r, KILL_AFTER_S * 1000));
    const rowsAtKill = rowsOf(file).count();
    await app.stop('SIGKILL', true);
    sender.send({ type: 'flood-stop' });
    const f = await flood;
    postNo = Math.max(first, ...f.acked) + 64;
    const t0 = Date.now();
    again = await appStart(null, {}, app);
    // replay runs at start: wait until the file stops growing
    const rows = rowsOf(file);
    let last = -1;
    while (rows.count() !== last) {
      last = rows.count();
      await new Promise((r) => setTimeout(r, 1500));
    }
    const restartS = (Date.now() - t0) / 1000;
    await again.stop('SIGTERM');
    const counts = new Map<string, number>();
    const text = fs.readFileSync(file, 'utf8');
    const all = text.trimEnd().split('\n');
    if (all[0] !== CMX_COLUMNS) problem(`cmxData.csv header is "${all[0]}"`);
    for (let i = 1; i < all.length; i++) {
      const key = all[i].split(',', 2).join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let lost = 0;
    for (const p of f.acked) for (const key of mixedRowKeys(p, OBS)) if (!counts.has(key)) lost += 1;
    let twice = 0;
    for (const n of counts.values()) if (n > 1) twice += n - 1;
    line('posts answered before the kill', `${statusText(f.statuses)}${Object.keys(f.errors).length ? `; cut off: ${statusText(f.errors)}` : ''}`);
    line('acknowledged observations', `${int(f.acked.length * OBS)} (${f.acked.length} posts answered 202)`);
    line('rows in cmxData.csv at the kill', int(rowsAtKill));
    line('rows after restart + replay', `${int(all.length - 1)} (restart and replay took ${restartS.toFixed(1)} s)`);
    line('acknowledged but lost', `${int(lost)}${lost ? '  !!' : ''}`);
    line('stored twice', `${int(twice)}${twice ? '  !!' : ''}`);
    if (lost || twice) problem(`${lost} acknowledged observations lost, ${twice} stored twice`);
  } finally {
    if (again) again.cleanup();
    else app.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// (4) memory at a burst

async function burstMemory(sender: Child): Promise<void> {
  const posts = Math.ceil(BURST_OBS / OBS);
  heading(`(4) memory at a burst of ${int(posts * OBS)} observations (${posts} posts, 16 connections, 503 → retried after Retry-After)`);
  const app = await appStart(null);
  try {
    const pid = nodeRedPid(app);
    const rows = rowsOf(path.join(app.dataDir, 'cmxData.csv'));
    const idle = memory(pid);
    let top = 0;
    const sampler = setInterval(() => {
      top = Math.max(top, memory(pid).rss);
    }, 50);
    const b = await sender.request<Burst>({ type: 'burst', url: `${app.base}/cmx`, first: postNo, posts, obs: OBS, concurrency: 16, retry: true });
    postNo += posts;
    const tEnd = await rows.until(allAccepted('burst', b, posts) * OBS, 'burst');
    clearInterval(sampler);
    const m = memory(pid);
    line('Node-RED RSS before', mb(idle.rss));
    line('peak RSS during the burst', `${mb(Math.max(top, m.peak))} (VmHWM)`);
    line('RSS once all is stored', mb(m.rss));
    line('stored', `${int(posts * OBS)} observations in ${((tEnd - b.t0) / 1000).toFixed(1)} s; ${b.retries} posts answered 503 first and retried`);
  } finally {
    await app.stop('SIGTERM');
    app.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------

export async function run(): Promise<void> {
  const started = Date.now();
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`CMX path bench (Node.js ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'})`);
  console.log('  the app as npm start runs it (scripts/start.js, supplied flow) vs a bare node:http server + append (bench/lib/bare-cmx.ts)');
  console.log(`  posts about ${DEVICES_SEEN > 0 ? `a pool of ${int(DEVICES_SEEN)} devices seen again and again` : 'a new device per observation'} (BENCH_CMX_DEVICES), recent times`);
  const loadStart = load();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cmx-'));
  if (PROF_DIR) fs.mkdirSync(PROF_DIR, { recursive: true });
  const sender = await startChild('cmx-sender.ts');
  const bare = await startChild('bare-cmx.ts');
  try {
    if (PARTS.includes('1')) await throughput(sender, bare, tmp);
    if (PARTS.includes('2')) await answerTimes(sender, bare, tmp);
    if (PARTS.includes('3')) await killTest(sender);
    if (PARTS.includes('4')) await burstMemory(sender);
  } finally {
    await sender.stop();
    await bare.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n  load average ${load()} (at the start: ${loadStart}); the bench shares the machine with whatever else runs`);
  console.log(`  cmx-path done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (broken) process.exitCode = 1;
}

if (require.main === module) runMain(run);
