/**
 * Child process of bench/correlate.ts: generates the day (bench/lib/people-day.ts) and replays it
 * into one implementation, then reports to the parent over IPC and exits. One process per side,
 * so that each one's memory (RSS above all) is its own.
 *
 *   argv: <indexed|naive> <day file (saveDay)> [dump ids, comma-separated]
 *   child → parent  { type: 'result', ... } (see ChildResult), then exits
 *
 * By hand, for profiling: `npx tsx --expose-gc --cpu-prof bench/lib/correlate-child.ts indexed day.bin`
 * with a file written by saveDay() (bench/lib/people-day.ts); it then prints its figures instead.
 *
 * The replay is the same for both sides: events in wall-clock order (one batch per AP post, one
 * message per activity), the node's once-a-second timer in between (settle, and evict every
 * EVICT_EVERY_MS), settle after every message as the node does. The simulated wall clock is the
 * generated arrival time. The naive side applies the same settle rule (newest observation past
 * tsOut + windowS, or waitS after arrival) to an array of everything received so far and calls
 * naiveCorrelate then: the view the indexed side had when it correlated.
 */
import { Correlator, CORRELATE_DEFAULTS, Summary } from '../../src/lib/correlate';
import { naiveCorrelate, naiveSummary, NaiveActivity, NaiveObservation, NaiveSummary } from '../../test/support/naive-correlate';
import { activitySerial, activityZone, Day, DAY_ZONE, loadDay } from './people-day';

export type Side = 'indexed' | 'naive';

/** evict() this often in simulated time (the node does it with every summary, every 10 s by default) */
export const EVICT_EVERY_MS = 60_000;
/** process.memoryUsage() every this many observations fed */
export const SAMPLE_EVERY = 25_000;

export interface SummaryFigures {
  zones: { serial: string; zone: string; activities: number; people: number }[];
  hourly: Record<string, number[]>;
  cmxHourly: number[];
  visitors: { devices: number; visits: number; avgDwellS: number; filteredDevices: number };
  devices: number;
}

export interface ChildResult {
  type: 'result';
  side: Side;
  /** reading the generated day from its file */
  loadMs: number;
  /** everything below in ms of performance.now() */
  totalMs: number;
  feedMs: number;
  activityMs: number;
  settleMs: number;
  evictMs: number;
  summaryMs: number;
  /** spent hashing correlations for the comparison: measured apart and taken out of settleMs/totalMs */
  digestMs: number;
  naiveCorrelateCalls: number;
  settleCalls: number;
  baseline: { rss: number; heapUsed: number };
  peak: { rss: number; heapUsed: number };
  final: { rss: number; heapUsed: number };
  samples: number;
  /** per activity id: observations received when it was correlated, −1 = never */
  settledAt: Int32Array;
  /** per activity id: simulated wall time when it was correlated */
  settledWall: Float64Array;
  /** per activity id: device count and two 32-bit hashes of its device list */
  count: Int32Array;
  hashA: Int32Array;
  hashB: Int32Array;
  /** full device lists of the activities asked for (mismatch examples) */
  dumps: Record<number, string[]>;
  summary: SummaryFigures;
  sizes?: { observations: number; devices: number; activities: number; pending: number };
  wallEnd: number;
}

interface Sink {
  observation(i: number): void;
  activity(id: number, wall: number): void;
  /** correlations become ready: report each (id and its device list) through the callback */
  settle(wall: number, fed: number): void;
  evict(wall: number): void;
}

function mem(): { rss: number; heapUsed: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

/** What the activity detector emits (plus an id for the comparison). */
function activityPayload(day: Day, id: number) {
  const tsIn = day.actTsIn[id];
  const tsOut = day.actTsOut[id];
  return {
    id,
    serial: activitySerial(day, id),
    zone: activityZone(day, id),
    tsIn,
    tsOut,
    timeIn: new Date(tsIn).toISOString(),
    timeOut: new Date(tsOut).toISOString(),
    durationS: Math.round((tsOut - tsIn) / 1000),
    peakPeople: day.actPeak[id],
    messages: Math.round((tsOut - tsIn) / 1000) + 20,
  };
}

export function runSide(side: Side, dayFile: string, dumpIds: number[]): ChildResult {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (bench/run.ts does)');
  const g0 = performance.now();
  const day = loadDay(dayFile);
  const loadMs = performance.now() - g0;
  const na = day.actTsIn.length;
  const n = day.obsTs.length;
  const w = CORRELATE_DEFAULTS.windowS * 1000;
  const waitMs = CORRELATE_DEFAULTS.waitS * 1000;

  const settledAt = new Int32Array(na).fill(-1);
  const settledWall = new Float64Array(na);
  let now = 0;
  const naiveEvery = Math.max(1, Math.floor(Number(process.env.BENCH_CORR_NAIVE_EVERY) || 1));
  const count = new Int32Array(na);
  const hashA = new Int32Array(na);
  const hashB = new Int32Array(na);
  const dumpSet = new Set(dumpIds);
  const dumps: Record<number, string[]> = {};
  let digestMs = 0;
  /** device list of one correlation → count and hashes (numbers only: no strings built) */
  const record = <D extends { clientMac: string; rssi: number; apMac: string | null }>(id: number, fed: number, devices: D[], tsOf: (d: D) => number): void => {
    const t0 = performance.now();
    let a = 0x811c9dc5 ^ devices.length;
    let b = 0x6b43a9b5 ^ devices.length;
    for (let k = 0; k < devices.length; k++) {
      const d = devices[k];
      const ts = tsOf(d);
      const m = day.macIndex.get(d.clientMac) ?? -2;
      const ap = d.apMac === null ? -1 : day.apIndex.get(d.apMac) ?? -3;
      a = mixA(mixA(mixA(mixA(mixA(a, m), ts % 0x40000000), Math.floor(ts / 0x40000000)), d.rssi), ap);
      b = mixB(mixB(mixB(mixB(mixB(b, m), ts % 0x40000000), Math.floor(ts / 0x40000000)), d.rssi), ap);
    }
    if (settledAt[id] !== -1) throw new Error(`activity ${id} correlated twice`);
    settledAt[id] = fed;
    settledWall[id] = now;
    count[id] = devices.length;
    hashA[id] = a;
    hashB[id] = b;
    if (dumpSet.has(id)) {
      dumps[id] = devices.map((d) => `${d.clientMac} ${new Date(tsOf(d)).toISOString()} rssi ${d.rssi} ap ${d.apMac}`);
    }
    digestMs += performance.now() - t0;
  };

  let sink: Sink;
  let finish: (wall: number) => SummaryFigures;
  let sizes: () => ChildResult['sizes'] = () => undefined;
  let naiveCalls = 0;

  if (side === 'indexed') {
    const c = new Correlator({ timeZone: DAY_ZONE });
    // Correlator reports seenTime as ISO text: back to ms for the shared digest
    const seen = (d: { seenTime: string }): number => Date.parse(d.seenTime);
    sink = {
      observation(i) {
        c.addObservation({ ts: day.obsTs[i], clientMac: day.macs[day.obsDevice[i]], rssi: day.obsRssi[i], apMac: day.apMacs[day.obsAp[i]] });
      },
      activity(id, wall) {
        c.addActivity(activityPayload(day, id), wall);
      },
      settle(wall, fed) {
        const ready = c.settle(wall);
        for (const r of ready) record(r.activity.id as number, fed, r.devices, seen);
      },
      evict(wall) {
        c.evict(wall);
      },
    };
    finish = (wall) => figures(c.summary(wall));
    sizes = () => c.sizes;
  } else {
    const opts = {
      windowS: CORRELATE_DEFAULTS.windowS,
      rssiThreshold: CORRELATE_DEFAULTS.rssiThreshold,
      sessionGapS: CORRELATE_DEFAULTS.sessionGapS,
      filterDwellS: CORRELATE_DEFAULTS.filterDwellS,
      windowHours: CORRELATE_DEFAULTS.windowHours,
      timeZone: DAY_ZONE,
    };
    const all: NaiveObservation[] = [];
    const activities: (NaiveActivity & { id: number })[] = [];
    let pending: { a: NaiveActivity & { id: number }; deadline: number }[] = [];
    let newest = -Infinity;
    sink = {
      observation(i) {
        const o = { ts: day.obsTs[i], clientMac: day.macs[day.obsDevice[i]], rssi: day.obsRssi[i], apMac: day.apMacs[day.obsAp[i]] };
        all.push(o);
        if (o.ts > newest) newest = o.ts;
      },
      activity(id, wall) {
        const a = activityPayload(day, id);
        activities.push(a);
        pending.push({ a, deadline: wall + waitMs });
      },
      settle(wall, fed) {
        if (pending.length === 0) return;
        const still: typeof pending = [];
        for (const p of pending) {
          if (newest > p.a.tsOut + w || wall >= p.deadline) {
            if (p.a.id % naiveEvery !== 0) continue; // BENCH_CORR_NAIVE_EVERY: left out (time extrapolated)
            naiveCalls += 1;
            record(p.a.id, fed, naiveCorrelate(all, p.a, opts), naiveTs);
          } else {
            still.push(p);
          }
        }
        pending = still;
      },
      evict() {
        // the original kept everything (and a day fits in its 24 h window anyway)
      },
    };
    finish = (wall) => naiveFigures(naiveSummary(all, activities, opts, wall));
  }

  // ---- the replay
  gc();
  gc();
  const baseline = mem();
  const peak = { ...baseline };
  let samples = 0;
  const sample = (): void => {
    const m = mem();
    samples += 1;
    if (m.rss > peak.rss) peak.rss = m.rss;
    if (m.heapUsed > peak.heapUsed) peak.heapUsed = m.heapUsed;
  };
  let feedMs = 0;
  let activityMs = 0;
  let settleMs = 0;
  let evictMs = 0;
  let settleCalls = 0;
  const settle = (wall: number, fed: number): void => {
    const t0 = performance.now();
    now = wall;
    sink.settle(wall, fed);
    settleMs += performance.now() - t0;
    settleCalls += 1;
  };

  const tStart = performance.now();
  let oi = 0;
  let ai = 0;
  let tick = Math.floor(day.start / 1000) * 1000 + 1000;
  let nextEvict = day.start + EVICT_EVERY_MS;
  const timer = (upTo: number): void => {
    for (; tick <= upTo; tick += 1000) {
      settle(tick, oi);
      if (tick >= nextEvict) {
        const t0 = performance.now();
        sink.evict(tick);
        evictMs += performance.now() - t0;
        nextEvict += EVICT_EVERY_MS;
      }
    }
  };
  while (oi < n || ai < na) {
    const tObs = oi < n ? day.obsArrival[oi] : Infinity;
    const tAct = ai < na ? day.actArrival[day.actOrder[ai]] : Infinity;
    timer(Math.min(tObs, tAct));
    if (tObs <= tAct) {
      const ap = day.obsAp[oi];
      const t0 = performance.now();
      do {
        sink.observation(oi);
        oi += 1;
        if (oi % SAMPLE_EVERY === 0) sample();
      } while (oi < n && day.obsArrival[oi] === tObs && day.obsAp[oi] === ap);
      feedMs += performance.now() - t0;
      settle(tObs, oi);
    } else {
      const t0 = performance.now();
      sink.activity(day.actOrder[ai], tAct);
      ai += 1;
      activityMs += performance.now() - t0;
      settle(tAct, oi);
    }
  }
  // the last activities settle by the wall clock (waitS)
  const wallEnd = Math.ceil((day.end + waitMs) / 1000) * 1000 + 1000;
  timer(wallEnd);
  sample();
  const t0 = performance.now();
  const summary = finish(wallEnd);
  const tEnd = performance.now();
  sample();
  const summaryMs = tEnd - t0;
  const final = mem();
  for (let id = 0; id < na; id++) if (settledAt[id] === -1 && (side === 'indexed' || id % naiveEvery === 0)) throw new Error(`${side}: activity ${id} never correlated`);

  return {
    type: 'result',
    side,
    loadMs,
    totalMs: tEnd - tStart - digestMs,
    feedMs,
    activityMs,
    settleMs: settleMs - digestMs,
    evictMs,
    summaryMs,
    digestMs,
    naiveCorrelateCalls: naiveCalls,
    settleCalls,
    baseline,
    peak,
    final,
    samples,
    settledAt,
    settledWall,
    count,
    hashA,
    hashB,
    dumps,
    summary,
    sizes: sizes(),
    wallEnd,
  };
}

const naiveTs = (d: { ts: number }): number => d.ts;
const mixA = (h: number, v: number): number => Math.imul(h ^ v, 0x01000193);
const mixB = (h: number, v: number): number => Math.imul((h + v) | 0, 0x5bd1e995) ^ (h >>> 13);

function figures(s: Summary): SummaryFigures {
  return {
    zones: s.zones.map((z) => ({ serial: z.serial, zone: z.zone, activities: z.activities, people: z.people })),
    hourly: s.hourly,
    cmxHourly: s.cmxHourly,
    visitors: s.visitors,
    devices: s.visitors.devices + s.visitors.filteredDevices,
  };
}

function naiveFigures(s: NaiveSummary): SummaryFigures {
  return { zones: s.zones, hourly: s.hourly, cmxHourly: s.cmxHourly, visitors: s.visitors, devices: s.devices.length };
}

if (require.main === module) {
  const side = process.argv[2] as Side;
  const dump = (process.argv[4] ?? '').split(',').filter(Boolean).map(Number);
  try {
    if (side !== 'indexed' && side !== 'naive') throw new Error(`unknown side ${side}`);
    const result = runSide(side, process.argv[3], dump);
    if (process.send) {
      process.send(result, () => process.exit(0));
    } else {
      // run by hand (e.g. under --cpu-prof): the day file from saveDay(), figures on stdout
      const { settledAt, settledWall, count, hashA, hashB, dumps, ...figures } = result;
      console.log(JSON.stringify(figures, null, 1));
    }
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}
