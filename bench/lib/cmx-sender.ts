/**
 * Child process of the CMX bench: the Scanning API "cloud". It builds the POST bodies (before any
 * clock starts) and sends them over real HTTP on loopback (keep-alive connections), so that the
 * load generator does not share the Node-RED process's CPU. Talks to the parent over IPC:
 *
 *   child → parent  { type: 'ready' }
 *   parent → child  { type: 'burst', id, url, first, posts, obs, concurrency }
 *                   posts [first, first+posts) as fast as `concurrency` connections allow
 *                   (each connection sends its next post when the previous one was answered)
 *   child → parent  { type: 'burst', id, t0, tEnd, bytes, statuses, samples }
 *   parent → child  { type: 'paced', id, url, first, obs, rate, durationMs }
 *                   open loop: post k starts at t0 + k / rate, whatever the answers do
 *   child → parent  { type: 'paced', id, t0, tEnd, bytes, statuses, samples }
 *   parent → child  { type: 'big-prepare', id, bytes }   builds the big post, times JSON.parse of it
 *   child → parent  { type: 'big-prepare', id, bytes, observations, parseMs }
 *   parent → child  { type: 'big-run', id, url, bigUrl, first, obs, rate, preMs, maxMs }
 *                   paced small posts; the big one after preMs; small ones go on until
 *   parent → child  { type: 'big-stop' }   (or maxMs)
 *   child → parent  { type: 'big-run', id, t0, tEnd, statuses, samples, big }
 *   parent → child  { type: 'stop' } (or the IPC channel closes): exit
 *
 * samples: [start, answerMs, status] per post (status 0: the request failed; `errors` counts the
 * codes), start = high-resolution epoch ms
 * (performance.timeOrigin + performance.now()), comparable across processes on one machine.
 */
import * as http from 'http';
import { bigV3Post, mixedPost } from './cmx-posts';

type Sample = [start: number, ms: number, status: number];

function now(): number {
  return performance.timeOrigin + performance.now();
}

function send(msg: object): void {
  if (process.send) process.send(msg);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
/** the big post gets its own connection */
const bigAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** why requests failed (status 0): error code → count, since the last report */
let errors: Record<string, number> = {};

function takeErrors(): Record<string, number> {
  const e = errors;
  errors = {};
  return e;
}

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

function statuses(samples: Sample[]): Record<string, number> {
  const s: Record<string, number> = {};
  for (const x of samples) s[x[2]] = (s[x[2]] ?? 0) + 1;
  return s;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

async function burst(m: any): Promise<void> {
  const list = bodies(m.first, m.posts, m.obs);
  const bytes = list.reduce((s, b) => s + b.length, 0);
  const samples: Sample[] = [];
  let next = 0;
  const t0 = now();
  const lane = async () => {
    while (next < list.length) {
      const b = list[next++];
      samples.push(await post(m.url, b));
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, lane));
  send({ type: 'burst', id: m.id, t0, tEnd: now(), bytes, statuses: statuses(samples), errors: takeErrors(), samples });
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
  const t0 = now() + 20;
  const samples = await paced(m.url, list, m.rate, t0, () => false);
  send({ type: 'paced', id: m.id, t0, tEnd: now(), bytes, statuses: statuses(samples), errors: takeErrors(), samples });
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
