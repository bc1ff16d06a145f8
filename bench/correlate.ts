/**
 * Correlation bench: a generated day (bench/lib/people-day.ts: 1,000,000 observations of 5,000
 * devices from 36 APs, 10,000 activities on 20 cameras × 4 zones, per-AP posts once a minute so
 * observations arrive up to a minute late) replayed in arrival order with a simulated wall clock.
 *
 * (1) Indexed: src/lib/correlate.ts's Correlator, fed as the cmx-mv-correlate node feeds it:
 *     addObservation per observation, addActivity per activity, settle() after every message and on
 *     a once-a-second timer, evict() every simulated minute, summary() once at the end.
 * (2) Naive: test/support/naive-correlate.ts: every observation kept in one array, naiveCorrelate
 *     (a scan of the whole array) for each activity when the same settle rule fires, naiveSummary
 *     once at the end.
 * (3) Both sides correlate each activity at the same moment (same settle rule, same event order),
 *     so each sees the same observations; every activity's device list (MAC, seen time, rssi, AP)
 *     is compared (by count and two 32-bit hashes per activity; full lists on a mismatch), and the
 *     summary figures too. Separately, against the complete day: how many activities were settled
 *     before all of their window's observations had arrived (the settle rule's legitimate misses).
 *
 * Each side runs in its own child process (bench/lib/correlate-child.ts, --expose-gc) so that its
 * time and memory are its own; memory is sampled every 25,000 observations, after two forced GCs
 * before the start (the generated day, ~30 MB of typed arrays, is part of that baseline). A
 * measurement, not a test: targets are printed, never asserted. Sizes: BENCH_CORR_DAY (JSON of
 * DayOptions, e.g. '{"observations":200000,"activities":2000}'); BENCH_CORR_NAIVE_EVERY=k runs
 * the naive side on every k-th activity only and extrapolates its time (default 1: all of them).
 */
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CORRELATE_DEFAULTS } from '../src/lib/correlate';
import type { ChildResult, Side } from './lib/correlate-child';
import { DayOptions, describeDay, generateDay, Day, saveDay } from './lib/people-day';
import { heading, int, line, runMain } from './lib/report';

const TARGET_SPEEDUP = 100;
const TARGET_SECONDS = 2;
const TARGET_MB = 300;

const DAY_OPTIONS = JSON.parse(process.env.BENCH_CORR_DAY ?? '{}') as Partial<DayOptions>;
const NAIVE_EVERY = Math.max(1, Math.floor(Number(process.env.BENCH_CORR_NAIVE_EVERY) || 1));

let broken = false;
function problem(text: string): void {
  broken = true;
  console.log(`  !! ${text}`);
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const sec = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

function runChild(side: Side, dayFile: string, dump: number[] = []): Promise<ChildResult> {
  // the same TypeScript loader as this process (tsx), without profiling flags, with --expose-gc
  const execArgv = process.execArgv.filter((a) => !/^--(cpu-prof|prof|heap-prof|inspect)/.test(a));
  if (!execArgv.includes('--expose-gc')) execArgv.push('--expose-gc');
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'lib', 'correlate-child.ts'), [side, dayFile, dump.join(',')], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_CORR_NAIVE_EVERY: String(NAIVE_EVERY) },
    });
    let result: ChildResult | null = null;
    child.on('message', (m: ChildResult) => {
      if (m?.type === 'result') result = m;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${side} child exited (${code}) without a result`))));
  });
}

function printSide(r: ChildResult): void {
  const label = r.side === 'indexed' ? 'indexed' : 'naive';
  line(`${label}: wall time`, `${sec(r.totalMs)}  (observations ${sec(r.feedMs)}, activities ${sec(r.activityMs)}, ` +
    `settle/correlate ${sec(r.settleMs)} in ${int(r.settleCalls)} calls, evict ${sec(r.evictMs)}, summary ${sec(r.summaryMs)})`);
  line(`${label}: peak RSS`, `${mb(r.peak.rss)} absolute, +${mb(r.peak.rss - r.baseline.rss)} above the baseline of ${mb(r.baseline.rss)}`);
  line(`${label}: peak heapUsed`, `${mb(r.peak.heapUsed)} absolute, +${mb(r.peak.heapUsed - r.baseline.heapUsed)} above the baseline of ${mb(r.baseline.heapUsed)}`);
  line(`${label}: at the end`, `RSS ${mb(r.final.rss)}, heapUsed ${mb(r.final.heapUsed)}  (${r.samples} samples; ` +
    `comparison hashing ${sec(r.digestMs)} taken out of the times)`);
  if (r.sizes) {
    line(`${label}: held at the end`, `${int(r.sizes.observations)} indexed observations (rssi > ${CORRELATE_DEFAULTS.rssiThreshold}), ` +
      `${int(r.sizes.devices)} devices, ${int(r.sizes.activities)} activities, ${r.sizes.pending} pending`);
  }
}

/** Activities settled before their whole window had arrived, and what that cost them (complete day as reference). */
function completeness(day: Day, settledAt: Int32Array, settledWall: Float64Array): { incomplete: number; differing: number; missing: number; changed: number; lagMedianS: number } {
  const w = CORRELATE_DEFAULTS.windowS * 1000;
  const thr = CORRELATE_DEFAULTS.rssiThreshold;
  const idx: number[] = [];
  for (let i = 0; i < day.obsTs.length; i++) if (day.obsRssi[i] > thr) idx.push(i);
  idx.sort((x, y) => day.obsTs[x] - day.obsTs[y] || x - y); // time, then arrival
  const ts = Float64Array.from(idx, (i) => day.obsTs[i]);
  const lower = (t: number): number => {
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let incomplete = 0;
  let differing = 0;
  let missing = 0;
  let changed = 0;
  const lags: number[] = [];
  for (let id = 0; id < settledAt.length; id++) {
    const seen = settledAt[id];
    const full = new Map<number, number>();
    const part = new Map<number, number>();
    let late = false;
    for (let k = lower(day.actTsIn[id] - w); k < ts.length && ts[k] <= day.actTsOut[id] + w; k++) {
      const i = idx[k];
      const dev = day.obsDevice[i];
      const f = full.get(dev);
      if (f === undefined || day.obsRssi[i] > day.obsRssi[f]) full.set(dev, i);
      if (i < seen) {
        const p = part.get(dev);
        if (p === undefined || day.obsRssi[i] > day.obsRssi[p]) part.set(dev, i);
      } else {
        late = true;
      }
    }
    lags.push((settledWall[id] - day.actTsOut[id]) / 1000);
    if (!late) continue;
    incomplete += 1;
    let diff = false;
    for (const [dev, i] of full) {
      const p = part.get(dev);
      if (p === undefined) missing += 1;
      else if (p !== i) changed += 1;
      if (p !== i) diff = true;
    }
    if (diff) differing += 1;
  }
  lags.sort((x, y) => x - y);
  return { incomplete, differing, missing, changed, lagMedianS: lags[lags.length >> 1] ?? NaN };
}

function sameFigures(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function run(): Promise<void> {
  const started = Date.now();
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const loadStart = load();
  console.log(`Correlation bench (Node.js ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'})`);
  const g0 = performance.now();
  const day = generateDay(DAY_OPTIONS);
  const generateMs = performance.now() - g0;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-corr-'));
  const dayFile = path.join(tmp, 'day.bin');
  saveDay(day, dayFile);
  try {
    await sides(day, dayFile, generateMs);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n  load average ${load()} (at the start: ${loadStart}); the bench shares the machine with whatever else runs`);
  console.log(`  correlate done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (broken) process.exitCode = 1;
}

async function sides(day: Day, dayFile: string, generateMs: number): Promise<void> {
  for (const text of describeDay(day)) console.log(`  ${text}`);
  console.log(`  options: defaults (windowS ${CORRELATE_DEFAULTS.windowS}, rssiThreshold ${CORRELATE_DEFAULTS.rssiThreshold}, ` +
    `waitS ${CORRELATE_DEFAULTS.waitS}, windowHours ${CORRELATE_DEFAULTS.windowHours}), no camera → AP map`);
  console.log(`  generated in ${sec(generateMs)} here; each side runs in its own process and loads the day from a file (${mb(fs.statSync(dayFile).size)})`);

  console.log('  memory baseline = after two forced GCs, before the replay: Node.js + tsx + the loaded day; sampled every 25,000 observations');
  heading('(1) indexed: Correlator (src/lib/correlate.ts)');
  const ix = await runChild('indexed', dayFile);
  printSide(ix);

  heading(`(2) naive: naiveCorrelate over an array of everything received, per activity (test/support/naive-correlate.ts)` +
    (NAIVE_EVERY > 1 ? `, every ${NAIVE_EVERY}th activity only` : `, all ${int(day.actTsIn.length)} activities (no extrapolation)`));
  const nv = await runChild('naive', dayFile);
  printSide(nv);
  let naiveMs = nv.totalMs;
  if (NAIVE_EVERY > 1) {
    naiveMs = nv.totalMs + nv.settleMs * (NAIVE_EVERY - 1);
    line('naive: EXTRAPOLATED', `${sec(naiveMs)} for all activities, from ${int(nv.naiveCorrelateCalls)} naiveCorrelate calls ` +
      `(settle time × ${NAIVE_EVERY}, the rest as measured)`);
  }

  heading('(3) same correlations?');
  const na = ix.settledAt.length;
  let compared = 0;
  let mismatches = 0;
  let timing = 0;
  const bad: number[] = [];
  for (let id = 0; id < na; id++) {
    if (nv.settledAt[id] === -1) continue; // not run on the naive side (BENCH_CORR_NAIVE_EVERY)
    compared += 1;
    if (ix.settledAt[id] !== nv.settledAt[id]) timing += 1;
    if (ix.settledAt[id] !== nv.settledAt[id] || ix.count[id] !== nv.count[id] || ix.hashA[id] !== nv.hashA[id] || ix.hashB[id] !== nv.hashB[id]) {
      mismatches += 1;
      if (bad.length < 3) bad.push(id);
    }
  }
  let devices = 0;
  for (let id = 0; id < na; id++) if (nv.settledAt[id] !== -1) devices += ix.count[id];
  line('activities compared', `${int(compared)} of ${int(na)} (${int(devices)} correlated devices in all, ` +
    `${(devices / Math.max(1, compared)).toFixed(1)} per activity)`);
  line('mismatches', `${int(mismatches)}${timing ? ` (${int(timing)} settled at a different moment)` : ''}`);
  if (mismatches) {
    problem(`${mismatches} activities differ; the first ${bad.length} in full (another run of each side):`);
    const [ixd, nvd] = [await runChild('indexed', dayFile, bad), await runChild('naive', dayFile, bad)];
    for (const id of bad) {
      console.log(`    activity ${id}: ${day.serials[Math.floor(day.actKey[id] / day.zones.length)]}/${day.zones[day.actKey[id] % day.zones.length]} ` +
        `${new Date(day.actTsIn[id]).toISOString()} → ${new Date(day.actTsOut[id]).toISOString()}, settled after ${ix.settledAt[id]} / ${nv.settledAt[id]} observations`);
      const a = new Set(ixd.dumps[id] ?? []);
      const b = new Set(nvd.dumps[id] ?? []);
      for (const s of a) if (!b.has(s)) console.log(`      indexed only: ${s}`);
      for (const s of b) if (!a.has(s)) console.log(`      naive only:   ${s}`);
    }
  }
  if (NAIVE_EVERY === 1) {
    const same = sameFigures(ix.summary, nv.summary);
    line('summary figures', same
      ? `same (zones, hourly, cmxHourly, visitors ${JSON.stringify(ix.summary.visitors)}, ${int(ix.summary.devices)} devices)`
      : 'DIFFER');
    if (!same) {
      problem('summary figures differ');
      for (const k of Object.keys(ix.summary) as (keyof typeof ix.summary)[]) {
        if (!sameFigures(ix.summary[k], nv.summary[k])) console.log(`    ${k}: indexed ${JSON.stringify(ix.summary[k]).slice(0, 300)}\n    ${k}: naive   ${JSON.stringify(nv.summary[k]).slice(0, 300)}`);
      }
    }
  }
  const c = completeness(day, ix.settledAt, ix.settledWall);
  line('how compared', 'both sides settle by the same rule at the same moments, so each activity is compared on the');
  line('', 'observations received by then (the settle counts match too); against the complete day:');
  line('settled before window complete', `${int(c.incomplete)} of ${int(na)} activities (settled a median ${c.lagMedianS.toFixed(0)} s after tsOut, ` +
    `while observations arrive up to ~63 s late):`);
  line('', `${int(c.differing)} of them would differ on the complete day: ${int(c.missing)} devices missed, ` +
    `${int(c.changed)} with another best observation`);
  line('', '(legitimate under the settle rule of SPEC §4: the newest observation past tsOut + windowS settles)');

  heading('figures and targets (from the issue; printed, not asserted)');
  const speedup = naiveMs / ix.totalMs;
  const corrSpeedup = (NAIVE_EVERY > 1 ? nv.settleMs * NAIVE_EVERY : nv.settleMs) / ix.settleMs;
  line('indexed, whole day', `${sec(ix.totalMs)}  target < ${TARGET_SECONDS} s: ${ix.totalMs < TARGET_SECONDS * 1000 ? 'met' : 'NOT met'}`);
  line('naive, whole day', `${sec(naiveMs)}${NAIVE_EVERY > 1 ? ' (extrapolated)' : ''}`);
  line('speed-up naive / indexed', `${speedup.toFixed(0)}×  target ≥ ${TARGET_SPEEDUP}×: ${speedup >= TARGET_SPEEDUP ? 'met' : 'NOT met'}` +
    `  (settle/correlate alone: ${corrSpeedup.toFixed(0)}×)`);
  line('indexed peak memory', `RSS ${mb(ix.peak.rss)} absolute (+${mb(ix.peak.rss - ix.baseline.rss)}), heapUsed ${mb(ix.peak.heapUsed)} ` +
    `(+${mb(ix.peak.heapUsed - ix.baseline.heapUsed)})  target < ${TARGET_MB} MB: ${ix.peak.rss < TARGET_MB * 1e6 ? 'met' : 'NOT met'} (absolute RSS)`);
  line('naive peak memory', `RSS ${mb(nv.peak.rss)} absolute (+${mb(nv.peak.rss - nv.baseline.rss)}), heapUsed ${mb(nv.peak.heapUsed)} ` +
    `(+${mb(nv.peak.heapUsed - nv.baseline.heapUsed)})`);
}

if (require.main === module) runMain(run);
