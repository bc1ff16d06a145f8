/**
 * Summary bench (issue 10, item 4): the correlator's analytics summary on a day of 1,000,000
 * devices, today's implementation against the new one, in the same run.
 *
 * "Today's" is src/lib/correlate.ts and what it imports as of BENCH_BASELINE_REV (default
 * 6d5bb92, before issue 10), taken from git into a temporary folder; "new" is the working tree's,
 * with its default device cap (500,000) and without a cap (maxDevices 2,000,000). Each side runs
 * in its own process (--expose-gc) on the same generated stream:
 *   - BENCH_SUMMARY_DEVICES devices (default 1,000,000) arrive evenly over 24 h, each seen 3 times
 *     within 10 min (about one in twenty comes back hours later, one in a thousand stays all day:
 *     staff), RSSI 20–70, delivered up to 60 s late as Meraki does; 400 activities an hour on 40
 *     zones; evict() every simulated minute, as the node's timer does;
 *   - then summary() at the end of the day (the first call), and 30 more calls 10 s apart with
 *     a further 10 s of traffic between them (the node's summary every 10 s).
 * Printed: feed time, the first and the steady-state summary times (median, max), the ratio
 * today/new, RSS and heap after GC with everything held. The summaries of both are compared
 * (visitor figures, hourly, zones) so that a faster but different summary cannot pass unseen;
 * with the cap the visitor figures cover the devices kept, by design.
 * A measurement, not a test: the targets (< 50 ms, < 500 MB) are printed, never asserted.
 */
import { fork } from 'child_process';
import * as path from 'path';
import { prng } from '../demo/cameras';
import { libFromGit } from './lib/baseline';
import { heading, int, line, runMain } from './lib/report';

const DEVICES = Math.max(1000, Math.floor(Number(process.env.BENCH_SUMMARY_DEVICES) || 1_000_000));
const BASELINE_REV = process.env.BENCH_BASELINE_REV || '6d5bb92';
const STEADY_CALLS = 30;
const TARGET_MS = 50;
const TARGET_MB = 500;
const DAY = 24 * 3_600_000;
const T_END = Date.parse('2026-12-01T12:00:00Z');
const T0 = T_END - DAY;
const BASE_FILES = ['correlate.ts', 'visits.ts', 'time-index.ts', 'tz.ts', 'time.ts'];

type SideName = 'today' | 'new' | 'new, no cap';

interface SideResult {
  side: SideName;
  feedMs: number;
  observations: number;
  firstMs: number;
  steadyMs: number[];
  rss: number;
  heapUsed: number;
  /** typed arrays (the observation index) live outside the heap */
  external: number;
  heapTotal: number;
  devicesKept: number;
  figures: string;
  summaryBytes: number;
}

// ---------------------------------------------------------------------------------------------
// the stream (the same in every child)

const mac = (i: number): string => {
  const h = (0x020000000000 + i).toString(16).padStart(12, '0');
  return `${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}:${h.slice(10, 12)}`;
};

interface Sink {
  observation(ts: number, clientMac: string, rssi: number, apMac: string): void;
  activity(serial: string, zone: string, tsIn: number, tsOut: number, peak: number): void;
  /** once a simulated second, with the arrival clock */
  tick(wall: number): void;
}

const APS = Array.from({ length: 36 }, (_, i) => `e0:55:3d:10:4b:${i.toString(16).padStart(2, '0')}`);

/**
 * Devices arrive evenly over [from, to); events are delivered at their arrival second (ts + up
 * to 60 s). `extra` devices (numbered after the day's) arrive in [to, to + extraMs).
 */
function stream(sink: Sink, from: number, to: number, firstId: number, count: number, seed: number): number {
  const r = prng(seed);
  const span = to - from;
  // arrival second → events
  const queue = new Map<number, { ts: number; id: number; rssi: number; ap: number }[]>();
  const push = (ts: number, id: number): void => {
    const at = Math.floor((ts + r() * 60_000) / 1000);
    const e = { ts: Math.round(ts), id, rssi: 20 + Math.floor(r() * 50), ap: Math.floor(r() * APS.length) };
    const list = queue.get(at);
    if (list) list.push(e);
    else queue.set(at, [e]);
  };
  let next = 0;
  let observations = 0;
  const perSecond = count / (span / 1000);
  let carry = 0;
  const zones = 40;
  for (let sec = Math.floor(from / 1000); sec < Math.floor(to / 1000) + 70; sec++) {
    const t = sec * 1000;
    if (t < to) {
      carry += perSecond;
      while (carry >= 1 && next < count) {
        carry -= 1;
        const id = firstId + next++;
        const a = t + r() * 1000;
        push(a, id);
        push(a + r() * 300_000, id);
        push(a + 300_000 + r() * 300_000, id);
        const u = r();
        if (u < 0.05) push(a + 2 * 3_600_000 + r() * 6 * 3_600_000, id); // comes back later
        if (u < 0.001) for (let k = 1; k < 96; k++) push(a + k * 15 * 60_000, id); // staff: all day
      }
      // 400 activities an hour over 40 zones
      if (r() < 400 / 3600) {
        const z = Math.floor(r() * zones);
        sink.activity(`Q2GV-BNCH-${String(Math.floor(z / 4)).padStart(4, '0')}`, String(z % 4), t - 120_000, t - 60_000, 1 + Math.floor(r() * 4));
      }
    }
    const due = queue.get(sec);
    if (due) {
      queue.delete(sec);
      for (const e of due) {
        if (e.ts >= to + 60_000) continue;
        sink.observation(e.ts, mac(e.id), e.rssi, APS[e.ap]);
        observations += 1;
      }
    }
    sink.tick(t);
  }
  return observations;
}

// ---------------------------------------------------------------------------------------------
// a side (child process)

function figuresOf(s: any): string {
  return JSON.stringify({ visitors: s.visitors, cmxHourly: s.cmxHourly, busiestHour: s.busiestHour, zones: s.zones.map((z: any) => [z.serial, z.zone, z.activities, z.people, z.lastActivityAt]), hourly: Object.keys(s.hourly).sort().map((k) => [k, s.hourly[k]]), latest: s.devices.slice(0, 10).map((d: any) => [d.clientMac, d.visits, d.dwellS, d.lastSeen, d.staff]) });
}

async function runSide(side: SideName, dir: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Correlator } = require(path.join(dir, 'correlate.ts'));
  const c = new Correlator({ timeZone: 'Europe/London', ...(side === 'new, no cap' ? { maxDevices: 2_000_000 } : {}) });
  let lastEvict = T0;
  const sink: Sink = {
    observation: (ts, clientMac, rssi, apMac) => c.addObservation({ ts, clientMac, rssi, apMac }),
    activity: (serial, zone, tsIn, tsOut, peak) => c.addActivity({ serial, zone, tsIn, tsOut, peakPeople: peak }, tsOut + 60_000),
    tick: (wall) => {
      if (wall - lastEvict >= 60_000) {
        c.settle(wall);
        c.evict(wall);
        lastEvict = wall;
      }
    },
  };
  const t0 = performance.now();
  const observations = stream(sink, T0, T_END, 0, DEVICES, 42);
  const feedMs = performance.now() - t0;
  gc();
  gc();
  const mem = process.memoryUsage();
  const wallEnd = T_END + 70_000;
  let t = performance.now();
  const first = c.summary(wallEnd);
  const firstMs = performance.now() - t;
  if (process.env.BENCH_SUMMARY_PROFILE) {
    // where a summary's time goes: evict() (index, visits, activities) apart from the figures
    for (let k = 0; k < 5; k++) {
      const w = wallEnd + k * 60_000;
      const a = performance.now();
      c.evict(w);
      const b = performance.now();
      c.summary(w);
      console.log(`    profile: evict ${(b - a).toFixed(1)} ms, then summary ${(performance.now() - b).toFixed(1)} ms`);
    }
  }
  const steadyMs: number[] = [];
  let last = first;
  for (let k = 1; k <= STEADY_CALLS; k++) {
    const from = wallEnd + (k - 1) * 10_000;
    // 10 s more traffic (the day's rate), then the summary the node sends every 10 s
    stream({ ...sink, tick: () => undefined }, from - 70_000, from - 60_000, DEVICES + k * 1_000_000, Math.ceil(DEVICES / 8640), 1000 + k);
    t = performance.now();
    last = c.summary(from + 10_000);
    steadyMs.push(performance.now() - t);
  }
  const result: SideResult = {
    side,
    feedMs,
    observations,
    firstMs,
    steadyMs,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    external: mem.external,
    heapTotal: mem.heapTotal,
    devicesKept: c.sizes.devices,
    figures: figuresOf(first),
    summaryBytes: JSON.stringify(last).length,
  };
  process.send!({ type: 'result', result });
}

function child(side: SideName, dir: string): Promise<SideResult> {
  const execArgv = process.execArgv.filter((a) => !/^--(cpu-prof|prof|heap-prof|inspect)/.test(a));
  if (!execArgv.includes('--expose-gc')) execArgv.push('--expose-gc');
  return new Promise((resolve, reject) => {
    const p = fork(__filename, ['--side', side, dir], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: SideResult | null = null;
    p.on('message', (m: { type: string; result: SideResult }) => {
      if (m?.type === 'result') result = m.result;
    });
    p.on('error', reject);
    p.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${side}: exited (${code}) without a result`))));
  });
}

// ---------------------------------------------------------------------------------------------

const mb = (b: number): string => `${(b / 1e6).toFixed(0)} MB`;
const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const max = (xs: number[]): number => xs.reduce((m, x) => (x > m ? x : m), -Infinity);

export async function run(): Promise<boolean> {
  heading(`Summary of a ${int(DEVICES)}-device day: today's (${BASELINE_REV}) against the new one, each side in its own process`);
  const dirs: [SideName, string | null][] = [
    ['today', libFromGit(BASELINE_REV, BASE_FILES)],
    ['new', path.join(__dirname, '..', 'src', 'lib')],
    ['new, no cap', path.join(__dirname, '..', 'src', 'lib')],
  ];
  const results: SideResult[] = [];
  const only = process.env.BENCH_SUMMARY_SIDES?.split(',').map((x) => x.trim());
  for (const [side, dir] of dirs) {
    if (only && !only.includes(side)) continue;
    if (!dir) {
      line(side, `skipped: ${BASELINE_REV} not readable with git here`);
      continue;
    }
    const r = await child(side, dir);
    results.push(r);
    line(`${side}: feed`, `${ms(r.feedMs)} for ${int(r.observations)} observations (${int(r.devicesKept)} devices kept)`);
    line(`${side}: first summary`, ms(r.firstMs));
    line(`${side}: summary every 10 s`, `median ${ms(median(r.steadyMs))}, max ${ms(max(r.steadyMs))} (${r.steadyMs.length} calls)`);
    line(`${side}: memory, all held`, `heap ${mb(r.heapUsed)} + external ${mb(r.external)} = ${mb(r.heapUsed + r.external)} live after GC; RSS ${mb(r.rss)} (heap reserved ${mb(r.heapTotal)})`);
    line(`${side}: summary size`, `${int(r.summaryBytes)} bytes`);
  }
  let ok = true;
  const today = results.find((r) => r.side === 'today');
  const fresh = results.find((r) => r.side === 'new');
  const uncapped = results.find((r) => r.side === 'new, no cap');
  heading('Ratios and targets');
  if (today && uncapped) {
    line('steady summary today/new', `${(median(today.steadyMs) / median(uncapped.steadyMs)).toFixed(0)}× (no cap), ${fresh ? (median(today.steadyMs) / median(fresh.steadyMs)).toFixed(0) + '× (default cap)' : ''}`);
    line('first summary today/new', `${(today.firstMs / uncapped.firstMs).toFixed(1)}× (no cap)`);
    const live = (r: SideResult) => r.heapUsed + r.external;
    line('live memory today/new', `${(live(today) / live(fresh ?? uncapped)).toFixed(2)}× (default cap), ${(live(today) / live(uncapped)).toFixed(2)}× (no cap)`);
    const same = today.figures === uncapped.figures;
    line('same summary (no cap vs today)', same ? 'yes: visitors, hourly, zones, latest devices' : 'NO');
    if (!same) {
      ok = false;
      let i = 0;
      while (i < today.figures.length && today.figures[i] === uncapped.figures[i]) i++;
      console.log(`  first difference at ${i}:\n  today: …${today.figures.slice(Math.max(0, i - 200), i + 200)}\n  new:   …${uncapped.figures.slice(Math.max(0, i - 200), i + 200)}`);
    }
  }
  if (fresh) {
    const worst = Math.max(fresh.firstMs, max(fresh.steadyMs));
    line(`target: summary < ${TARGET_MS} ms`, `${ms(worst)} worst (default cap) ${worst < TARGET_MS ? 'met' : 'NOT met'}`);
    const live = fresh.heapUsed + fresh.external;
    line(`target: memory < ${TARGET_MB} MB`, `${mb(live)} live after GC (default cap) ${live < TARGET_MB * 1e6 ? 'met' : 'NOT met'}; RSS ${mb(fresh.rss)}`);
  }
  return ok;
}

if (require.main === module) {
  if (process.argv[2] === '--side') {
    runSide(process.argv[3] as SideName, process.argv[4]).catch((err) => {
      console.error(err);
      process.exit(1);
    });
  } else {
    runMain(run);
  }
}
