/**
 * Post processor bench: what the receiver's post worker spends on a post (src/lib/post-processor.ts,
 * PostProcessor.handle()) against what JSON.parse of the same body alone costs, in one process and
 * on one thread (no worker: the worker's own messaging is not part of it).
 *
 * BENCH_PP_POSTS posts (default 400) of BENCH_PP_OBS observations (default 500), alternating v2
 * DevicesSeen and v3 WiFi as bench/lib/cmx-posts.ts mixedPost() makes them, are built as UTF-8
 * bytes before any clock. Then BENCH_PP_ROUNDS rounds (default 7), each timing in turn:
 *   (a) baseline: JSON.parse(Buffer.toString()) of every body;
 *   (b) processing: handle({ id, kind: 'post', body, now: Date.now(), lines: true }) of one
 *       PostProcessor (secret SECRET, observationFilter({})) kept for the run, as a worker keeps
 *       its own; each body a fresh copy of the bytes (spoolBody blanks the secret in place),
 *       copied before the clock;
 *   (c) the same with anonymise on (salt 'bench-salt', format 'mac'; its MAC → hash cache kept
 *       between posts, as the worker does: the 20,000 devices of cmx-posts repeat);
 *   (d) the steps of (b) timed one by one (the same calls as PostProcessor.process(), written out
 *       here: parse, checks, normalise, encode, lines, spool).
 * Printed: µs per observation of each (median over the rounds, and the range), the ratio
 * processing/JSON.parse, and what processing adds to JSON.parse. A measurement, not a test:
 * nothing about time is asserted. Exit code 1 only when the results are meaningless: a reply not
 * ok, or not every observation kept, or lines missing.
 */
import { CSV_COLUMNS, formatObservations } from '../src/lib/csv';
import { parseJsonBytes } from '../src/lib/http-body';
import { encodeObservations } from '../src/lib/post-codec';
import { PostProcessor, ProcessorConfig } from '../src/lib/post-processor';
import { checkPost, observationFilter, PostNormaliser } from '../src/lib/scanning';
import { spoolBody } from '../src/lib/spool';
import { mixedPost, SECRET } from './lib/cmx-posts';
import { collectGarbage, heading, int, line, median, runMain } from './lib/report';

const POSTS = Math.max(2, Math.floor(Number(process.env.BENCH_PP_POSTS) || 400));
const OBS = Math.max(1, Math.floor(Number(process.env.BENCH_PP_OBS) || 500));
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_PP_ROUNDS) || 7));

let broken = false;
function problem(text: string): void {
  if (!broken) console.log(`  !! ${text}`);
  broken = true;
}

const STEPS = ['parse', 'checks', 'normalise', 'encode', 'lines', 'spool'] as const;
type Step = (typeof STEPS)[number];

function copies(bodies: Buffer[]): Uint8Array[] {
  return bodies.map((b) => new Uint8Array(b));
}

/** (a): ms for JSON.parse of every body. */
function baseline(bodies: Buffer[]): number {
  let keep = 0;
  const t0 = performance.now();
  for (const b of bodies) keep += (JSON.parse(b.toString()) as { data: object }).data ? 1 : 0;
  const ms = performance.now() - t0;
  if (keep !== bodies.length) problem('a body did not parse');
  return ms;
}

/** (b), (c): ms for handle() of every body. */
function processing(p: PostProcessor, fresh: Uint8Array[]): number {
  let bad = 0;
  const t0 = performance.now();
  for (let i = 0; i < fresh.length; i++) {
    const { reply } = p.handle({ id: i, kind: 'post', body: fresh[i], now: Date.now(), lines: true });
    if (!reply.ok || reply.observations.n !== OBS || reply.lines === null || reply.spool === null) bad++;
  }
  const ms = performance.now() - t0;
  if (bad) problem(`${bad} posts not processed whole (each of the ${OBS} observations of a post should be kept)`);
  return ms;
}

/** (d): ms per step for every body, the calls of PostProcessor.process() one by one. */
function steps(config: ProcessorConfig, fresh: Uint8Array[]): Record<Step, number> {
  const ms: Record<Step, number> = { parse: 0, checks: 0, normalise: 0, encode: 0, lines: 0, spool: 0 };
  const hashes = new Map<string, string>();
  let bad = 0;
  for (const bytes of fresh) {
    let t = performance.now();
    const lap = (s: Step): void => {
      const now = performance.now();
      ms[s] += now - t;
      t = now;
    };
    const parsed = parseJsonBytes(bytes);
    lap('parse');
    if (!parsed.ok) {
      bad++;
      continue;
    }
    const verdict = checkPost(parsed.value, config.secret);
    lap('checks');
    if (!verdict.ok) {
      bad++;
      continue;
    }
    const work = new PostNormaliser(verdict.post, {
      filter: config.filter,
      anonymise: config.anonymise && { ...config.anonymise, cache: hashes },
      limits: { now: Date.now(), toleranceMs: config.toleranceMs },
    });
    work.step(Infinity);
    const list = work.result();
    lap('normalise');
    const encoded = encodeObservations(list);
    lap('encode');
    const lines = Buffer.from(formatObservations(list, true), 'utf8');
    lap('lines');
    const spool = spoolBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), parsed.value as Record<string, unknown>, config.secret);
    lap('spool');
    if (encoded.n !== OBS || lines.length === 0 || spool.length === 0) bad++;
  }
  if (bad) problem(`${bad} posts not processed whole in the step-by-step run`);
  return ms;
}

export async function run(): Promise<boolean> {
  heading(`Post processor: ${int(POSTS)} posts × ${int(OBS)} observations (mixed v2/v3), ${ROUNDS} rounds`);
  const bodies = Array.from({ length: POSTS }, (_, i) => Buffer.from(JSON.stringify(mixedPost(i, OBS))));
  const total = POSTS * OBS;
  const bytes = bodies.reduce((s, b) => s + b.length, 0);
  line('bodies', `${(bytes / 1e6).toFixed(1)} MB, ${Math.round(bytes / total)} bytes an observation`);
  if (CSV_COLUMNS.cmxData.length !== 17) problem('unexpected cmxData columns');

  const filter = observationFilter({});
  const plain: ProcessorConfig = { secret: SECRET, filter };
  const anon: ProcessorConfig = { secret: SECRET, filter, anonymise: { salt: 'bench-salt', format: 'mac' } };
  const processors = { plain: new PostProcessor(plain), anon: new PostProcessor(anon) };

  const times = { json: [] as number[], plain: [] as number[], anon: [] as number[] };
  const split: Record<Step, number[]> = { parse: [], checks: [], normalise: [], encode: [], lines: [], spool: [] };
  const us = (ms: number): number => (ms * 1000) / total;
  for (let r = 0; r < ROUNDS && !broken; r++) {
    collectGarbage();
    times.json.push(us(baseline(bodies)));
    let fresh = copies(bodies);
    collectGarbage();
    times.plain.push(us(processing(processors.plain, fresh)));
    fresh = copies(bodies);
    collectGarbage();
    times.anon.push(us(processing(processors.anon, fresh)));
    fresh = copies(bodies);
    collectGarbage();
    const s = steps(plain, fresh);
    for (const k of STEPS) split[k].push(us(s[k]));
  }
  if (broken) return false;

  const fmt = (xs: number[]): string => `${median(xs).toFixed(2)} µs  (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
  heading('µs per observation, median over rounds (min–max)');
  line('(a) JSON.parse(toString()) alone', fmt(times.json));
  line('(b) handle()', fmt(times.plain));
  line('(c) handle(), anonymise on', fmt(times.anon));
  const ratio = (xs: number[]): number[] => xs.map((x, i) => x / times.json[i]);
  const minus = (xs: number[]): number[] => xs.map((x, i) => x - times.json[i]);
  heading('Processing against JSON.parse (per round, then median)');
  line('ratio (b)/(a)', `${median(ratio(times.plain)).toFixed(2)}×`);
  line('ratio (c)/(a)', `${median(ratio(times.anon)).toFixed(2)}×`);
  line('(b) − (a): ours', fmt(minus(times.plain)));
  line('(c) − (a): ours, anonymise on', fmt(minus(times.anon)));
  heading('(d) handle()\'s steps, one by one (µs per observation, median)');
  let sum = 0;
  for (const k of STEPS) {
    const m = median(split[k]);
    sum += m;
    line(k, `${m.toFixed(2)} µs`);
  }
  line('sum (timer overhead included)', `${sum.toFixed(2)} µs`);
  return true;
}

if (require.main === module) runMain(run);
