/**
 * Child process of the CMX bench: the Scanning API "cloud". It builds the POST bodies (before any
 * clock starts) and sends them over real HTTP on loopback (keep-alive connections), so that the
 * load generator does not share the Node-RED process's CPU. Talks to the parent over IPC:
 *
 *   child → parent  { type: 'ready' }
 *   parent → child  { type: 'burst', id, url, first, posts, obs, concurrency }
 *                   posts [first, first+posts) as fast as `concurrency` connections allow
 *                   (each connection sends its next post when the previous one was answered)
 *   child → parent  { type: 'burst', id, t0, tEnd, bytes, statuses, samples, cpuMs, idle }
 *                   cpuMs: the sender's CPU from its first post to its last answer (not the
 *                   building of the bodies before); idle: the machine's idle share of its CPU
 *                   time meanwhile (/proc/stat), null off Linux
 *   parent → child  { type: 'paced', id, url, first, obs, rate, durationMs }
 *                   open loop: post k starts at t0 + k / rate, whatever the answers do
 *   child → parent  { type: 'paced', id, t0, tEnd, bytes, statuses, samples }
 *   parent → child  { type: 'big-prepare', id, bytes }   builds the big post, times JSON.parse of it
 *   child → parent  { type: 'big-prepare', id, bytes, observations, parseMs }
 *   parent → child  { type: 'big-run', id, url, bigUrl, first, obs, rate, preMs, maxMs }
 *                   paced small posts; the big one after preMs; small ones go on until
 *   parent → child  { type: 'big-stop' }   (or maxMs)
 *   child → parent  { type: 'big-run', id, t0, tEnd, statuses, samples, big }
 *   parent → child  { type: 'flood', id, url, first, obs, concurrency }
 *                   posts [first, …) as fast as answered until 'flood-stop' or the server is gone
 *   parent → child  { type: 'flood-stop' }
 *   child → parent  { type: 'flood', id, acked: [post numbers answered 202], statuses, errors }
 *   parent → child  { type: 'stop' } (or the IPC channel closes): exit
 *
 * A burst with `retry: true` sends a post answered 503 again after its Retry-After (as Meraki
 * does); `retries` counts them and the sample keeps the final answer.
 * samples: [start, answerMs, status, post] per post (status 0: the request failed; `errors` counts
 * the codes), start = high-resolution epoch ms
 * (performance.timeOrigin + performance.now()), comparable across processes on one machine.
 */
import * as fs from 'fs';
import * as http from 'http';
import { bigV3Post, mixedPost } from './cmx-posts';

type Sample = [start: number, ms: number, status: number, post?: number];

function now(): number {
  return performance.timeOrigin + performance.now();
}

function send(msg: object): void {
  if (process.send) process.send(msg);
}

let agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Fresh connections for a run: the server may have closed idle ones (Node-RED after 5 s). */
function freshAgent(): void {
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
}
/** the big post gets its own connection */
const bigAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** why requests failed (status 0): error code → count, since the last report */
let errors: Record<string, number> = {};

function takeErrors(): Record<string, number> {
  const e = errors;
  errors = {};
  return e;
}

/** Retry-After of the last 503, in ms */
let retryAfterMs = 0;

function post(url: string, body: Buffer, useAgent = agent): Promise<Sample> {
  return new Promise((resolve) => {
    const start = now();
    let settled = false;
    const failed = (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      const code = err.code ?? err.message;
      errors[code] = (errors[code] ?? 0) + 1;
      resolve([start, now() - start, 0]);
    };
    const req = http.request(url, {
      method: 'POST',
      agent: useAgent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
    }, (res) => {
      res.on('data', () => undefined);
      if (res.statusCode === 503) retryAfterMs = 1000 * (Number(res.headers['retry-after']) || 1);
      res.on('end', () => {
        settled = true;
        resolve([start, now() - start, res.statusCode ?? 0]);
      });
      res.on('error', failed);
    });
    req.on('error', failed);
    req.end(body);
  });
}

function bodies(first: number, count: number, obs: number): Buffer[] {
  const out = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) out[i] = Buffer.from(JSON.stringify(mixedPost(first + i, obs)));
  return out;
}

/** The machine's CPU ticks from /proc/stat (all CPUs): idle (idle + iowait) and total; null off Linux. */
function machineTicks(): { idle: number; total: number } | null {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + (f[4] || 0), total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

function statuses(samples: Sample[]): Record<string, number> {
  const s: Record<string, number> = {};
  for (const x of samples) s[x[2]] = (s[x[2]] ?? 0) + 1;
  return s;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

async function burst(m: any): Promise<void> {
  const list = bodies(m.first, m.posts, m.obs);
  freshAgent();
  const bytes = list.reduce((s, b) => s + b.length, 0);
  const samples: Sample[] = [];
  let next = 0;
  const t0 = now();
  const cpu0 = process.cpuUsage();
  const machine0 = machineTicks();
  let retries = 0;
  const lane = async () => {
    while (next < list.length) {
      const k = next++;
      let s = await post(m.url, list[k]);
      while (m.retry && s[2] === 503) {
        retries += 1;
        await sleep(retryAfterMs);
        s = await post(m.url, list[k]);
      }
      s[3] = m.first + k;
      samples.push(s);
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, lane));
  const cpu = process.cpuUsage(cpu0);
  const machine1 = machineTicks();
  const idle = machine0 && machine1 ? (machine1.idle - machine0.idle) / Math.max(1, machine1.total - machine0.total) : null;
  send({ type: 'burst', id: m.id, t0, tEnd: now(), bytes, statuses: statuses(samples), errors: takeErrors(), samples, retries, cpuMs: (cpu.user + cpu.system) / 1000, idle });
}

/** Open-loop posts at `rate`/s from t0 until `until()` says stop; resolves with every answer. */
async function paced(url: string, list: Buffer[], rate: number, t0: number, stopAt: () => boolean): Promise<Sample[]> {
  const pending: Promise<Sample>[] = [];
  for (let k = 0; k < list.length && !stopAt(); k++) {
    await sleep(t0 + (k * 1000) / rate - now());
    if (stopAt()) break;
    pending.push(post(url, list[k]));
  }
  return Promise.all(pending);
}

async function pacedRun(m: any): Promise<void> {
  const count = Math.ceil((m.rate * m.durationMs) / 1000);
  const list = bodies(m.first, count, m.obs);
  const bytes = list.reduce((s, b) => s + b.length, 0);
  freshAgent();
  const t0 = now() + 20;
  const samples = await paced(m.url, list, m.rate, t0, () => false);
  send({ type: 'paced', id: m.id, t0, tEnd: now(), bytes, statuses: statuses(samples), errors: takeErrors(), samples });
}

let flooding = false;

/** Posts until told to stop or the server is gone; reports which posts were answered 202. */
async function flood(m: any): Promise<void> {
  flooding = true;
  const pool = bodies(m.first, 64, m.obs);
  freshAgent();
  const acked: number[] = [];
  const samples: Sample[] = [];
  let next = m.first;
  let gone = false;
  const lane = async () => {
    while (flooding && !gone) {
      const k = next++;
      // posts beyond the prepared pool are built on the way (each post has its own clients)
      const body = k - m.first < pool.length ? pool[k - m.first] : Buffer.from(JSON.stringify(mixedPost(k, m.obs)));
      const s = await post(m.url, body);
      samples.push(s);
      if (s[2] === 202) acked.push(k);
      else if (s[2] === 0) gone = true;
      else if (s[2] === 503) await sleep(retryAfterMs);
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, lane));
  send({ type: 'flood', id: m.id, acked, statuses: statuses(samples), errors: takeErrors() });
}

let big: Buffer | null = null;
let bigStop = false;

function bigPrepare(m: any): void {
  const b = bigV3Post(m.bytes);
  const parseMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    JSON.parse(b.text);
    parseMs.push(performance.now() - t);
  }
  big = Buffer.from(b.text);
  send({ type: 'big-prepare', id: m.id, bytes: big.length, observations: b.observations, parseMs });
}

async function bigRun(m: any): Promise<void> {
  const count = Math.ceil((m.rate * m.maxMs) / 1000);
  const list = bodies(m.first, count, m.obs);
  const t0 = now() + 20;
  const deadline = t0 + m.maxMs;
  bigStop = false;
  const stop = () => bigStop || now() > deadline;
  const small = paced(m.url, list, m.rate, t0, stop);
  await sleep(t0 + m.preMs - now());
  const bigAnswer = post(m.bigUrl, big!, bigAgent);
  const samples = await small;
  const b = await bigAnswer;
  send({ type: 'big-run', id: m.id, t0, tEnd: now(), statuses: statuses(samples), errors: takeErrors(), samples, big: b });
}

process.on('message', (m: any) => {
  const fail = (err: Error) => send({ type: 'error', id: m?.id, message: err.message });
  try {
    if (m?.type === 'burst') burst(m).catch(fail);
    else if (m?.type === 'paced') pacedRun(m).catch(fail);
    else if (m?.type === 'big-prepare') bigPrepare(m);
    else if (m?.type === 'big-run') bigRun(m).catch(fail);
    else if (m?.type === 'big-stop') bigStop = true;
    else if (m?.type === 'flood') flood(m).catch(fail);
    else if (m?.type === 'flood-stop') flooding = false;
    else if (m?.type === 'stop') shutdown();
  } catch (err) {
    fail(err as Error);
  }
});

function shutdown(): void {
  agent.destroy();
  bigAgent.destroy();
  process.exit(0);
}
process.on('disconnect', shutdown);
send({ type: 'ready' });
