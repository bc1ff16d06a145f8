/**
 * Visits at the device cap: the visit tracker (src/lib/visits.ts) fed a stream where every
 * observation is a new device (randomised MACs, or an outside load test), BENCH_VC_PER_MINUTE
 * devices a minute (default 30,000: 500-observation posts, a post a second), BENCH_VC_OBS in all
 * (default 600,000), with maxDevices BENCH_VC_CAP (default 200,000: past it, each new device makes
 * the tracker forget the one whose earliest visit ended longest ago) against the same stream with
 * no cap reached (the baseline, same process), and the tracker as it was before its walk of the
 * oldest minute (src/lib/visits.ts at BENCH_VC_BASELINE_REV, default a7d868f, taken from git;
 * skipped when git cannot give it) at the same cap. Median of BENCH_VC_ROUNDS rounds (default 5) of
 * the adds after the cap is reached (the baseline: the same adds). A measurement, not a test:
 * nothing about time is asserted.
 */
import * as path from 'path';
import { VisitTracker } from '../src/lib/visits';
import { libFromGit } from './lib/baseline';
import { heading, int, line, median, runMain } from './lib/report';

const OBS = Math.max(10_000, Math.floor(Number(process.env.BENCH_VC_OBS) || 600_000));
const CAP = Math.max(1000, Math.floor(Number(process.env.BENCH_VC_CAP) || 200_000));
const PER_MINUTE = Math.max(1, Math.floor(Number(process.env.BENCH_VC_PER_MINUTE) || 30_000));
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_VC_ROUNDS) || 5));
const BASELINE_REV = process.env.BENCH_VC_BASELINE_REV || 'a7d868f';

type Tracker = new (o: { sessionGapS: number; maxDevices: number }) => { add(mac: string, ts: number): unknown };

const hex = (n: number) => (n & 255).toString(16).padStart(2, '0');
const T0 = 1_800_000_000_000;

/** ms for the adds past the first CAP (the cap is reached there when maxDevices is CAP) */
function feed(macs: string[], maxDevices: number, Tracker: Tracker = VisitTracker): number {
  const vt = new Tracker({ sessionGapS: 300, maxDevices });
  const step = 60_000 / PER_MINUTE;
  for (let i = 0; i < CAP; i++) vt.add(macs[i], T0 + i * step);
  const t0 = performance.now();
  for (let i = CAP; i < macs.length; i++) vt.add(macs[i], T0 + i * step);
  return performance.now() - t0;
}

runMain(async () => {
  heading(`Visits at the device cap (Node.js ${process.version}): ${int(OBS)} observations, each a new device, ${int(PER_MINUTE)} a minute; cap ${int(CAP)}; ${ROUNDS} rounds`);
  const macs = Array.from({ length: OBS }, (_, n) => `da:${hex(n >> 24)}:${hex(n >> 16)}:${hex(n >> 8)}:${hex(n)}:01`);
  const dir = libFromGit(BASELINE_REV, ['visits.ts', 'clock-hours.ts', 'search.ts', 'tz.ts']);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Before: Tracker | null = dir ? require(path.join(dir, 'visits.ts')).VisitTracker : null;
  const capped: number[] = [];
  const free: number[] = [];
  const before: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    capped.push(feed(macs, CAP));
    free.push(feed(macs, OBS + 1));
    if (Before) before.push(feed(macs, CAP, Before));
  }
  const n = OBS - CAP;
  const us = (ms: number) => `${((ms * 1000) / n).toFixed(2)} µs per observation`;
  line('at the cap (each forgets one)', `${median(capped).toFixed(0)} ms for ${int(n)} (${us(median(capped))})`);
  line('below the cap (baseline)', `${median(free).toFixed(0)} ms (${us(median(free))}); ratio ${(median(capped) / median(free)).toFixed(2)}`);
  if (Before) line(`at the cap, before (${BASELINE_REV})`, `${median(before).toFixed(0)} ms (${us(median(before))}); ratio before / today ${(median(before) / median(capped)).toFixed(2)}`);
  else line('at the cap, before', `skipped: ${BASELINE_REV} not readable with git here`);
  return true;
});
