/**
 * CMX path bench: Scanning API posts over real HTTP on loopback → cmx-receiver → csv-store
 * (cmxData.csv, the SPEC columns) → sink, against Node-RED's own `http in` (POST) → `http
 * response` in the same run.
 *
 * Node-RED runs in this process through node-red-node-test-helper (its sinon spies removed, see
 * lib/red.ts). The helper does not serve RED.httpNode (a fresh express app per flow load), so this
 * bench serves it itself: an http.Server on 127.0.0.1 whose handler is the current flow's
 * RED.httpNode. The posts come from a child process (lib/cmx-sender.ts) with keep-alive
 * connections, so the load generator does not share this process's CPU.
 *
 * (1) Stored throughput: posts of 500 observations (v2.0 DevicesSeen and v3 WiFi alternating),
 *     sent by a few connections as fast as they are answered. Ours: observations stored (messages
 *     out of csv-store at the sink; the CSV is checked to hold header + exactly that many rows)
 *     ÷ time from the first POST to the last row stored. Baseline: `http in` → `http response`
 *     (which answers with the parsed body, as that flow does), and `http in` → `change` (payload =
 *     "accepted") → `http response`; posts/s and the observations they carried per second.
 * (2) POST answer times while storing: open loop, 20 posts/s of 500 observations; p50/p99/max at
 *     the client; the same for the `http in` → `http response` baseline.
 * (3) A ~20 MB post while 500-observation posts keep arriving at 20/s: its status, and the small
 *     posts' answer times while it is read, parsed, normalised and stored, next to the time
 *     JSON.parse of the same text takes (in the sender child, and in this process beforehand).
 *
 * A measurement, not a test: nothing here asserts a timing. Runs alone with `tsx bench/cmx-path.ts`
 * or through `npm run bench -- cmx`. Sizes: BENCH_CMX_POSTS (default 400), BENCH_CMX_PACED_S
 * (default 15), BENCH_CMX_BIG_MB (default 20); BENCH_CMX_PARTS (default "1,2,3") picks parts.
 */
import { fork, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { bigV3Post, BIG_NETWORK_ID, CMX_COLUMNS, mixedPost, SECRET, VALIDATOR } from './lib/cmx-posts';
import * as red from './lib/red';
import { collectGarbage, heading, int, line, median, pct } from './lib/report';
import { stopChild } from './lib/child';

const POSTS = Number(process.env.BENCH_CMX_POSTS) || 400;
const PACED_S = Number(process.env.BENCH_CMX_PACED_S) || 15;
const BIG_MB = Number(process.env.BENCH_CMX_BIG_MB) || 20;
/** which parts to run, e.g. BENCH_CMX_PARTS=1 for a profile of the throughput part alone */
const PARTS = (process.env.BENCH_CMX_PARTS || '1,2,3').split(',').map((x) => x.trim());
const OBS = 500;
const CONCURRENCY = 4;
const RATE = 20;
/** give up on a run when its sink has not moved for this long */
const STALL_MS = 15_000;

const TARGET_OBS_S = 100_000;
const TARGET_P99_MS = 50;

/** Something made a figure meaningless (lost rows, rejected posts, wrong CSV): exit non-zero. */
let broken = false;
function problem(text: string): void {
  broken = true;
  console.log(`  !! ${text}`);
}

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** nearest-rank percentile */
function pctl(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

function ms(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a';
}

function latencies(xs: number[]): string {
  return `p50 ${ms(pctl(xs, 50))}, p99 ${ms(pctl(xs, 99))}, max ${ms(Math.max(...xs))}  (${xs.length} posts)`;
}

function statusText(s: Record<string, number>): string {
  return Object.entries(s).map(([k, v]) => `${v}× ${k}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// the HTTP server in front of the current flow's RED.httpNode

let httpNode: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null = null;

/** A module for helper.load that only captures the flow's RED.httpNode. */
function captureHttpNode(RED: any): void {
  httpNode = RED.httpNode;
}

function startServer(): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer((req, res) => {
    if (httpNode) httpNode(req, res);
    else {
      res.statusCode = 503;
      res.end();
    }
  });
  // longer than any pause between parts: a keep-alive connection the server closes just as the
  // sender reuses it would fail a post (ECONNRESET) for reasons that have nothing to do with the flow
  server.keepAliveTimeout = 120_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, base: `http://127.0.0.1:${port}` });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// the flow: /cmx → cmx-receiver → csv-store → sink; /base → http response; /base-ack → change → http response

async function loadFlow(csvFile: string): Promise<void> {
  const flow = [
    {
      id: 'cmx', type: 'cmx-receiver', name: '', path: '/cmx', minRssi: '15', apMacs: '', radio: 'both',
      anonymise: false, hashFormat: 'mac', maxBodyMB: '25', wires: [['store']],
    },
    { id: 'store', type: 'csv-store', name: '', filename: csvFile, columns: CMX_COLUMNS, serve: false, wires: [['sink']] },
    { id: 'sink', type: 'helper' },
    { id: 'baseIn', type: 'http in', name: '', url: '/base', method: 'post', upload: false, swaggerDoc: '', wires: [['baseOut']] },
    { id: 'baseOut', type: 'http response', name: '', statusCode: '202', headers: {}, wires: [] },
    { id: 'ackIn', type: 'http in', name: '', url: '/base-ack', method: 'post', upload: false, swaggerDoc: '', wires: [['ack']] },
    {
      id: 'ack', type: 'change', name: '', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'accepted', tot: 'str' }],
      action: '', property: '', from: '', to: '', reg: false, wires: [['ackOut']],
    },
    { id: 'ackOut', type: 'http response', name: '', statusCode: '202', headers: {}, wires: [] },
  ];
  httpNode = null;
  await red.load(
    [captureHttpNode, red.coreHttpNodes(), red.coreChangeNode(), red.ourNode('cmx-receiver'), red.ourNode('csv-store')],
    flow,
    { cmx: { validator: VALIDATOR, secret: SECRET } },
  );
}

interface Sink {
  readonly count: number;
  /** epoch ms of the last row that arrived */
  readonly last: number;
  /** Resolves with the epoch time of the last row once `target` rows arrived; rejects when the count stops moving. */
  done(target: number, what: string): Promise<number>;
}

/** Counts the rows (messages out of csv-store) at the sink helper node. */
function sinkTracker(id: string): Sink {
  let count = 0;
  let last = 0;
  red.getNode(id).on('input', () => {
    count += 1;
    last = epochNow();
  });
  return {
    get count() {
      return count;
    },
    get last() {
      return last;
    },
    done(target, what) {
      return new Promise<number>((resolve, reject) => {
        let seen = -1;
        let since = Date.now();
        const check = setInterval(() => {
          if (count >= target) {
            clearInterval(check);
            resolve(last);
          } else if (count !== seen) {
            seen = count;
            since = Date.now();
          } else if (Date.now() - since > STALL_MS) {
            clearInterval(check);
            reject(new Error(`${what}: stalled at ${int(count)} of ${int(target)} rows`));
          }
        }, 5);
      });
    },
  };
}

/** Posts answered 202 (accepted, so each must give OBS rows); a problem when not all were. */
function accepted(what: string, r: { statuses: Record<string, number>; errors?: Record<string, number> }, sent: number): number {
  const n = r.statuses['202'] ?? 0;
  if (n !== sent) {
    const errs = r.errors && Object.keys(r.errors).length ? `; failed requests: ${statusText(r.errors)}` : '';
    problem(`${what} answered ${statusText(r.statuses)}${errs}, expected ${sent}× 202`);
  }
  return n;
}

/** Header check and row count of a CSV file (its lines, header excluded). */
function csvRows(file: string): { header: string; rows: number; ends: boolean } {
  if (!fs.existsSync(file)) return { header: '', rows: 0, ends: true };
  const buf = fs.readFileSync(file);
  let lines = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines += 1;
  const nl = buf.indexOf(10);
  return {
    header: buf.subarray(0, nl < 0 ? buf.length : nl).toString('utf8'),
    rows: Math.max(0, lines - 1),
    ends: buf.length === 0 || buf[buf.length - 1] === 10,
  };
}

function checkCsv(file: string, expected: number, what: string): boolean {
  const c = csvRows(file);
  const ok = c.header === CMX_COLUMNS && c.rows === expected && c.ends;
  if (!ok) problem(`${what}: cmxData.csv has header "${c.header.slice(0, 80)}" and ${int(c.rows)} rows, expected the SPEC header + ${int(expected)}`);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// the sender child

type Sample = [start: number, ms: number, status: number];

interface Sender {
  request<T = any>(msg: Record<string, unknown>): Promise<T>;
  send(msg: Record<string, unknown>): void;
  stop(): Promise<void>;
}

async function startSender(): Promise<Sender> {
  // the same TypeScript loader as this process (tsx), without any profiling flags
  const execArgv = process.execArgv.filter((a) => !/^--(cpu-prof|prof|heap-prof|inspect)/.test(a));
  const proc: ChildProcess = fork(path.join(__dirname, 'lib', 'cmx-sender.ts'), [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (m: any) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`sender child exited (${code}) before it was ready`)));
    proc.on('message', (m: any) => {
      if (m?.type === 'ready') resolve();
      const p = pending.get(m?.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.type === 'error') p.reject(new Error(m.message));
      else p.resolve(m);
    });
  });
  proc.removeAllListeners('exit');
  proc.once('exit', () => {
    for (const p of pending.values()) p.reject(new Error('sender child exited'));
  });
  return {
    request(msg) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        proc.send({ ...msg, id });
      });
    },
    send(msg) {
      proc.send(msg);
    },
    stop: () => stopChild(proc),
  };
}

// ---------------------------------------------------------------------------------------------
// (1) stored throughput

interface Burst {
  t0: number;
  tEnd: number;
  bytes: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  samples: Sample[];
}

let postNo = 0; // every post of the run has its own clients and times

async function burstOurs(sender: Sender, base: string, posts: number, csvFile: string): Promise<{ rate: number; acceptRate: number; stored: number; tStore: number; cpuMs: number; b: Burst }> {
  await loadFlow(csvFile);
  try {
    const sink = sinkTracker('sink');
    collectGarbage();
    const cpu0 = process.cpuUsage();
    const b = await sender.request<Burst>({ type: 'burst', url: `${base}/cmx`, first: postNo, posts, obs: OBS, concurrency: CONCURRENCY });
    postNo += posts;
    const target = accepted('cmx-receiver', b, posts) * OBS;
    const tEnd = await sink.done(target, 'cmx-receiver → csv-store');
    const cpu = process.cpuUsage(cpu0);
    await new Promise((r) => setTimeout(r, 50)); // anything unexpected would show up now
    if (sink.count !== target) problem(`sink got ${int(sink.count)} rows, expected ${int(target)}`);
    checkCsv(csvFile, target, 'throughput run');
    return {
      rate: target / ((tEnd - b.t0) / 1000),
      acceptRate: target / ((b.tEnd - b.t0) / 1000),
      stored: sink.count,
      tStore: tEnd - b.t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      b,
    };
  } finally {
    await red.unload();
  }
}

async function burstBase(sender: Sender, base: string, route: string, posts: number, csvFile: string): Promise<{ postsPerS: number; b: Burst }> {
  await loadFlow(csvFile);
  try {
    collectGarbage();
    const b = await sender.request<Burst>({ type: 'burst', url: `${base}${route}`, first: postNo, posts, obs: OBS, concurrency: CONCURRENCY });
    postNo += posts;
    const n = accepted(route, b, posts);
    return { postsPerS: n / ((b.tEnd - b.t0) / 1000), b };
  } finally {
    await red.unload();
  }
}

async function throughput(sender: Sender, base: string, tmp: string): Promise<number> {
  heading(
    `(1) stored throughput: ${POSTS} posts × ${OBS} observations (v2.0 DevicesSeen / v3 WiFi alternating, ` +
      `${int(POSTS * OBS)} observations), ${CONCURRENCY} keep-alive connections, each sending its next post when answered`,
  );
  // warm-up: a quarter of the size, every route
  await burstBase(sender, base, '/base', POSTS / 4, path.join(tmp, 'warm-base', 'cmxData.csv'));
  await burstBase(sender, base, '/base-ack', POSTS / 4, path.join(tmp, 'warm-ack', 'cmxData.csv'));
  await burstOurs(sender, base, POSTS / 4, path.join(tmp, 'warm-ours', 'cmxData.csv'));

  const echo = await burstBase(sender, base, '/base', POSTS, path.join(tmp, 'base', 'cmxData.csv'));
  const ack = await burstBase(sender, base, '/base-ack', POSTS, path.join(tmp, 'ack', 'cmxData.csv'));
  const ours = await burstOurs(sender, base, POSTS, path.join(tmp, 'tput', 'cmxData.csv'));

  const mb = (ours.b.bytes / POSTS / 1024).toFixed(0);
  line('body size', `${mb} KiB per post on average (${(ours.b.bytes / 1048576).toFixed(1)} MiB in all)`);
  line('http in → http response', `${int(echo.postsPerS)} posts/s = ${int(echo.postsPerS * OBS)} observations/s  (answers with the parsed body)`);
  line('http in → change → http response', `${int(ack.postsPerS)} posts/s = ${int(ack.postsPerS * OBS)} observations/s  (answers "accepted")`);
  line('cmx-receiver → csv-store (stored)', `${int(ours.rate)} observations/s = ${int(ours.rate / OBS)} posts/s  ` +
    `(${int(ours.stored)} rows in ${(ours.tStore / 1000).toFixed(2)} s, first POST → last row stored)`);
  line('cmx-receiver answers (202)', `${int(ours.acceptRate / OBS)} posts/s = ${int(ours.acceptRate)} observations/s accepted  ` +
    `(answer times ${latencies(ours.b.samples.filter((s) => s[2] !== 0).map((s) => s[1]))})`);
  line('Node-RED process CPU (ours)', `${(ours.cpuMs / 1000).toFixed(1)} s in ${(ours.tStore / 1000).toFixed(1)} s ` +
    `(${pct(ours.cpuMs / ours.tStore)} of one core, GC and I/O threads included)`);
  line('ratio ours / http in → response', `${(ours.rate / (echo.postsPerS * OBS)).toFixed(2)}`);
  line('ratio ours / http in → change → …', `${(ours.rate / (ack.postsPerS * OBS)).toFixed(2)}`);
  line('target', `>= ${int(TARGET_OBS_S)} observations/s stored: ${ours.rate >= TARGET_OBS_S ? 'met' : 'NOT met'}`);
  line('sanity: cmxData.csv', `header + ${int(POSTS * OBS)} rows: ${csvRows(path.join(tmp, 'tput', 'cmxData.csv')).rows === POSTS * OBS ? 'yes' : 'NO'}`);
  return ours.rate;
}

// ---------------------------------------------------------------------------------------------
// (2) answer times at 20 posts/s while storing

interface Paced {
  t0: number;
  tEnd: number;
  bytes: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  samples: Sample[];
}

async function pacedRun(sender: Sender, base: string, route: string, seconds: number, csvFile: string, ours: boolean): Promise<{ answers: number[]; lagMs: number }> {
  await loadFlow(csvFile);
  try {
    const sink = sinkTracker('sink');
    const posts = Math.ceil(RATE * seconds);
    collectGarbage();
    const p = await sender.request<Paced>({ type: 'paced', url: `${base}${route}`, first: postNo, obs: OBS, rate: RATE, durationMs: seconds * 1000 });
    postNo += posts;
    const target = accepted(route, p, posts) * OBS;
    let lagMs = 0;
    if (ours) {
      const tEnd = await sink.done(target, 'paced cmx-receiver → csv-store');
      lagMs = tEnd - Math.max(...p.samples.map((s) => s[0] + s[1]));
      await new Promise((r) => setTimeout(r, 50));
      if (sink.count !== target) problem(`sink got ${int(sink.count)} rows, expected ${int(target)}`);
      checkCsv(csvFile, target, 'paced run');
    }
    return { answers: p.samples.filter((s) => s[2] !== 0).map((s) => s[1]), lagMs };
  } finally {
    await red.unload();
  }
}

async function answerTimes(sender: Sender, base: string, tmp: string): Promise<number> {
  heading(`(2) POST answer times while storing: open loop, ${RATE} posts/s × ${OBS} observations (${int(RATE * OBS)} observations/s)`);
  const ours = await pacedRun(sender, base, '/cmx', PACED_S, path.join(tmp, 'paced-ours', 'cmxData.csv'), true);
  const baseS = Math.max(5, Math.round(PACED_S * 2 / 3));
  const echo = await pacedRun(sender, base, '/base', baseS, path.join(tmp, 'paced-base', 'cmxData.csv'), false);
  line(`http in → http response, ${baseS} s`, latencies(echo.answers));
  line(`cmx-receiver → csv-store, ${PACED_S} s`, latencies(ours.answers));
  line('last row stored after last answer', ms(ours.lagMs));
  const p99 = pctl(ours.answers, 99);
  line('target', `p99 < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'met' : 'NOT met'}`);
  return p99;
}

// ---------------------------------------------------------------------------------------------
// (3) a ~20 MB post among small ones

async function bigPost(sender: Sender, base: string, tmp: string): Promise<void> {
  const bytes = Math.round(BIG_MB * 1024 * 1024 * 0.98); // under 20 MiB, well under the 25 MB limit
  const prep = await sender.request<{ bytes: number; observations: number; parseMs: number[] }>({ type: 'big-prepare', bytes });
  heading(
    `(3) one ${(prep.bytes / 1048576).toFixed(1)} MiB post (v3 WiFi, ${int(prep.observations)} observations) ` +
      `while ${OBS}-observation posts keep arriving at ${RATE}/s`,
  );
  // the same text in this process, before anything runs: parse and normalise for reference
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { normalise, keep, observationFilter, checkPost } = require(path.resolve(__dirname, '..', 'dist', 'src', 'lib', 'scanning.js'));
  const filter = observationFilter({});
  const kept = (body: unknown): number => normalise(checkPost(body, SECRET).post).filter((o: unknown) => keep(o, filter)).length;
  // a v2 and a v3 small post must each give exactly OBS rows
  for (const n of [0, 1]) {
    const k = kept(JSON.parse(JSON.stringify(mixedPost(n, OBS))));
    if (k !== OBS) problem(`a generated post (v${n ? 3 : 2}) gives ${k} observations, not ${OBS}`);
  }
  const here = { parse: Infinity, normalise: Infinity, kept: 0 };
  {
    const text = bigV3Post(bytes).text;
    for (let i = 0; i < 2; i++) {
      let t = performance.now();
      const body = JSON.parse(text);
      here.parse = Math.min(here.parse, performance.now() - t);
      t = performance.now();
      here.kept = kept(body);
      here.normalise = Math.min(here.normalise, performance.now() - t);
    }
  }
  if (here.kept !== prep.observations) problem(`the big post normalises to ${here.kept} observations, not ${prep.observations}`);
  collectGarbage();

  const csvFile = path.join(tmp, 'big', 'cmxData.csv');
  await loadFlow(csvFile);
  try {
    const sink = sinkTracker('sink');
    let bigRows = 0;
    let tBigStored = 0;
    red.getNode('sink').on('input', (msg: any) => {
      if (msg.payload?.networkId === BIG_NETWORK_ID && ++bigRows === prep.observations) {
        tBigStored = epochNow();
        sender.send({ type: 'big-stop' });
      }
    });
    const preMs = 1500;
    const maxMs = 12_000; // small posts stop by then at the latest
    const cpu0 = process.cpuUsage();
    const run = sender.request<{ t0: number; tEnd: number; statuses: Record<string, number>; errors: Record<string, number>; samples: Sample[]; big: Sample }>({
      type: 'big-run', url: `${base}/cmx`, bigUrl: `${base}/cmx`, first: postNo, obs: OBS, rate: RATE, preMs, maxMs,
    });
    const r = await run;
    postNo += r.samples.length;
    const small = r.samples.length;
    const bigOk = r.big[2] >= 200 && r.big[2] <= 299;
    if (!bigOk) problem(`the big post was answered ${r.big[2] || 'not at all'}`);
    const total = accepted('small posts', r, small) * OBS + (bigOk ? prep.observations : 0);
    const tAll = await sink.done(total, 'big post and small posts');
    const cpu = process.cpuUsage(cpu0);
    await new Promise((res) => setTimeout(res, 50));
    if (sink.count !== total) problem(`sink got ${int(sink.count)} rows, expected ${int(total)}`);
    checkCsv(csvFile, total, 'big-post run');
    if (bigOk && !tBigStored) problem(`only ${int(bigRows)} of the big post's ${int(prep.observations)} rows reached the sink`);

    const bigStart = r.big[0];
    const bigAnswered = bigStart + r.big[1];
    const periodEnd = tBigStored || tAll;
    const before = r.samples.filter((s) => s[2] !== 0 && s[0] + s[1] < bigStart).map((s) => s[1]);
    const during = r.samples.filter((s) => s[2] !== 0 && s[0] < periodEnd && s[0] + s[1] > bigStart).map((s) => s[1]);
    const parseChild = median(prep.parseMs);
    line('big post answered', `${r.big[2]} after ${ms(r.big[1])} (upload of ${(prep.bytes / 1048576).toFixed(1)} MiB included)`);
    line('big post rows stored', `${int(bigRows)} of ${int(prep.observations)}, the last ${ms(periodEnd - bigStart)} after its POST started ` +
      `(${ms(periodEnd - bigAnswered)} after its answer)`);
    line('Node-RED process CPU', `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s in ${((tAll - r.t0) / 1000).toFixed(1)} s ` +
      `(${pct((cpu.user + cpu.system) / 1000 / (tAll - r.t0))} of one core), first small post → last row`);
    line('JSON.parse of its text', `${ms(parseChild)} in the sender child (median of 3: ${prep.parseMs.map((x) => x.toFixed(0)).join(', ')} ms); ` +
      `${ms(here.parse)} in this process`);
    line('normalise() of it, this process', `${ms(here.normalise)} (checkPost + normalise + filter, beforehand, not during the run)`);
    line('small posts before it', before.length ? latencies(before) : 'none');
    line('small posts during it', during.length ? latencies(during) : 'none');
    line('', `("during": overlapping its POST start → its last row stored, ${ms(periodEnd - bigStart)})`);
    const lastSmall = Math.max(...r.samples.map((s) => s[0]));
    if (lastSmall < periodEnd - 1000 / RATE) {
      line('note', `the small posts stopped (${ms(maxMs)} cap) ${ms(periodEnd - lastSmall)} before its last row was stored`);
    }
    const worst = during.length ? Math.max(...during) : NaN;
    const typical = before.length ? median(before) : 0;
    const blocked = worst - typical;
    line('claim: blocks ≤ its parse time', `worst small answer ${ms(worst)} − typical ${ms(typical)} = ${ms(blocked)} ` +
      `vs parse ${ms(parseChild)} (child) / ${ms(here.parse)} (here): ${blocked <= Math.max(parseChild, here.parse) ? 'holds' : 'does NOT hold'}`);
  } finally {
    await red.unload();
  }
}

// ---------------------------------------------------------------------------------------------

export async function run(): Promise<void> {
  const started = Date.now();
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`CMX path bench (Node.js ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'})`);
  console.log('  Node-RED runtime via node-red-node-test-helper (sinon spies removed after load), RED.httpNode served by an');
  console.log('  http.Server on 127.0.0.1; posts sent from a child process over keep-alive connections; runtime logging off');
  const loadStart = load();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cmx-'));
  await red.start();
  const { server, base } = await startServer();
  const sender = await startSender();
  try {
    if (PARTS.includes('1')) await throughput(sender, base, tmp);
    if (PARTS.includes('2')) await answerTimes(sender, base, tmp);
    if (PARTS.includes('3')) await bigPost(sender, base, tmp);
  } finally {
    await sender.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await red.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n  load average ${load()} (at the start: ${loadStart}); the bench shares the machine with whatever else runs`);
  console.log(`  cmx-path done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (broken) process.exitCode = 1;
}

if (require.main === module) {
  run().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
