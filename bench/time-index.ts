/**
 * Time index bench: the correlator's ObservationIndex (src/lib/time-index.ts) fed as Meraki feeds
 * it at a busy site, against a baseline in the same process.
 *
 * Arrivals: each second one post of BENCH_TI_PER_POST observations (default 2,000; 100 posts a
 * second would be a site at 200,000/s) with times spread over the minute before it, in the post's
 * own order (Meraki posts a minute of observations per AP or network, so nearly every observation
 * is older than one already held), BENCH_TI_OBS in all (default 600,000). Compared with:
 *   (a) the same observations sorted by time first (every add in order: the floor);
 *   (b) the index as it was before bulk ordering (src/lib/time-index.ts at BENCH_TI_BASELINE_REV,
 *       default a7d868f, taken from git: each late add found by binary search and everything after
 *       it moved at once), on a smaller count (BENCH_TI_OLD_OBS, default 60,000: it is quadratic)
 *       and scaled to the same count only in the text; skipped when git cannot give it.
 * Timed: the adds and one range query at the end (which puts any late run in place), median of
 * BENCH_TI_ROUNDS rounds (default 5). A measurement, not a test: nothing about time is asserted;
 * exit code 1 only when the indexes disagree with each other.
 */
import { ObservationIndex } from '../src/lib/time-index';
import * as path from 'path';
import { prng } from '../test/support/seeded';
import { libFromGit } from './lib/baseline';
import { heading, int, line, median, runMain } from './lib/report';

const OBS = Math.max(1000, Math.floor(Number(process.env.BENCH_TI_OBS) || 600_000));
const OLD_OBS = Math.max(1000, Math.floor(Number(process.env.BENCH_TI_OLD_OBS) || 60_000));
const PER_POST = Math.max(1, Math.floor(Number(process.env.BENCH_TI_PER_POST) || 2000));
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_TI_ROUNDS) || 5));
const BASELINE_REV = process.env.BENCH_TI_BASELINE_REV || 'a7d868f';

interface Arrivals {
  ts: Float64Array;
  rssi: Float64Array;
  mac: string[];
  ap: string[];
}

function arrivals(n: number): Arrivals {
  const rnd = prng(4242);
  const out: Arrivals = { ts: new Float64Array(n), rssi: new Float64Array(n), mac: new Array(n), ap: new Array(n) };
  const macs = Array.from({ length: 5000 }, (_, i) => `da:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`);
  const aps = Array.from({ length: 36 }, (_, i) => `00:18:0a:00:00:${i.toString(16).padStart(2, '0')}`);
  for (let i = 0; i < n; i++) {
    const post = Math.floor(i / PER_POST);
    out.ts[i] = 1_800_000_000_000 + post * 1000 - rnd(60_000);
    out.rssi[i] = 20 + rnd(40);
    out.mac[i] = macs[rnd(macs.length)];
    out.ap[i] = aps[post % aps.length];
  }
  return out;
}

function inOrder(a: Arrivals): Arrivals {
  const perm = Array.from({ length: a.ts.length }, (_, i) => i).sort((x, y) => a.ts[x] - a.ts[y] || x - y);
  return { ts: Float64Array.from(perm, (p) => a.ts[p]), rssi: Float64Array.from(perm, (p) => a.rssi[p]), mac: perm.map((p) => a.mac[p]), ap: perm.map((p) => a.ap[p]) };
}

interface Index {
  add(ts: number, rssi: number, mac: string, ap: string | null): void;
  range(from: number, to: number, fn: (ts: number, rssi: number, mac: string, ap: string | null) => void): void;
}

/** Feeds the arrivals, then reads every entry back; ms, and a checksum of what came back in order. */
function feed(make: () => Index, a: Arrivals): { ms: number; check: number } {
  const ix = make();
  const t0 = performance.now();
  for (let i = 0; i < a.ts.length; i++) ix.add(a.ts[i], a.rssi[i], a.mac[i], a.ap[i]);
  let check = 0;
  let k = 0;
  ix.range(-Infinity, Infinity, (ts, rssi) => {
    k += 1;
    check = (check * 31 + ts * 7 + rssi * k) % 1_000_000_007;
  });
  return { ms: performance.now() - t0, check };
}

runMain(async () => {
  heading(`Time index bench (Node.js ${process.version}): ${int(OBS)} observations, one post of ${int(PER_POST)} a second, each spread over the minute before it; ${ROUNDS} rounds`);
  const late = arrivals(OBS);
  const sorted = inOrder(late);
  const oldLate = arrivals(OLD_OBS);
  const dir = libFromGit(BASELINE_REV, ['time-index.ts', 'search.ts']);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Before: (new () => Index) | null = dir ? require(path.join(dir, 'time-index.ts')).ObservationIndex : null;
  const now: number[] = [];
  const floor: number[] = [];
  const old: number[] = [];
  const small: number[] = [];
  let ok = true;
  for (let r = 0; r < ROUNDS; r++) {
    const a = feed(() => new ObservationIndex(), late);
    const b = feed(() => new ObservationIndex(), sorted);
    if (a.check !== b.check) ok = false;
    now.push(a.ms);
    floor.push(b.ms);
    if (!Before) continue;
    const c = feed(() => new Before(), oldLate);
    const d = feed(() => new ObservationIndex(), oldLate);
    if (c.check !== d.check) ok = false;
    old.push(c.ms);
    small.push(d.ms);
  }
  if (!ok) console.log('  !! the indexes gave different orders');
  const per = (ms: number, n: number) => `${((ms * 1000) / n).toFixed(2)} µs per observation`;
  line('late arrivals, ObservationIndex', `${median(now).toFixed(0)} ms (${per(median(now), OBS)})`);
  line('(a) same, sorted first', `${median(floor).toFixed(0)} ms (${per(median(floor), OBS)}); ratio late / sorted ${(median(now) / median(floor)).toFixed(2)}`);
  if (!Before) line('(b) before bulk ordering', `skipped: ${BASELINE_REV} not readable with git here`);
  else {
    line(`(b) ${int(OLD_OBS)} late, before (${BASELINE_REV})`, `${median(old).toFixed(0)} ms (${per(median(old), OLD_OBS)}) against ${median(small).toFixed(0)} ms for today's on the same: ` +
      `ratio ${(median(old) / median(small)).toFixed(0)}×; it grows with the square of the count (× ${(OBS / OLD_OBS) ** 2} at ${int(OBS)})`);
  }
  return ok;
});
