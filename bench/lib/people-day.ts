/**
 * A generated day of people analytics for bench/correlate.ts: Scanning API observations (Wi-Fi
 * devices heard by APs) and MV Sense activities (camera zones), in the order a cmx-mv-correlate
 * node would receive them. Seeded: the same options give the same day, in every process.
 *
 * - Devices: ~5% staff (a fifth of them fixed devices present all day, the rest at work for
 *   8–11 h, some with a lunch break), the others visitors with 1–3 visits of 2 min to 4 h
 *   (log-uniform) starting by a day profile (busier in business hours), and a few passers-by seen
 *   1–3 times. Exactly `observations` observations, spread over the visits in proportion to their
 *   length (about one per device-minute-and-a-half), jittered around a regular step.
 * - RSSI: per visit a mean of 30–58, per observation ± normal noise (sd 7): about half above the
 *   45 threshold. Each visit is heard by 1–3 neighbouring APs of `aps`.
 * - Activities: `cameras` × 4 zones ("0" and three user zones), exactly `activities` of them,
 *   1–10 min (log-uniform), never overlapping within a zone (≥ 30 s apart, as the detector's
 *   20 closing zeros and 5 s pause require), starting by the same day profile.
 * - Arrival: every AP posts its observations once a minute at its own phase, 50–3000 ms of network
 *   delay later (lateness 0–63 s: "about a minute", roughly time order); an activity arrives when the
 *   detector closes it: the 20th closing zero (tsOut + 19 s) plus 20–300 ms of MQTT.
 *
 * Everything is held in typed arrays in arrival order (about 30 bytes an observation); the
 * drivers create the objects a node would receive as they feed them.
 */
import * as fs from 'fs';

/** 2024-06-20 00:00 in Europe/Amsterdam (UTC+2 in June) */
export const DAY_ZONE = 'Europe/Amsterdam';
export const DAY_START = Date.UTC(2024, 5, 19, 22, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface DayOptions {
  seed: number;
  observations: number;
  devices: number;
  activities: number;
  aps: number;
  cameras: number;
  /** share of devices that are staff / fixed */
  staffShare: number;
  /**
   * Mean RSSI (v2 scale) of a visit is drawn from [rssiLow, rssiLow + rssiSpread]; readings vary
   * around it with σ 7. The default gives about one reading in ten above the correlation threshold
   * of 45 ("45+ ≈ 1 m from the AP" in the original); BENCH_CORR_DENSE=1 makes half of them so.
   */
  rssiLow: number;
  rssiSpread: number;
}

export const DAY_DEFAULTS: DayOptions = {
  seed: 20240620,
  observations: 1_000_000,
  devices: 5_000,
  activities: 10_000,
  aps: 36,
  cameras: 20,
  staffShare: 0.05,
  rssiLow: process.env.BENCH_CORR_DENSE ? 30 : 17,
  rssiSpread: process.env.BENCH_CORR_DENSE ? 28 : 27,
};

export interface Day {
  options: DayOptions;
  start: number;
  end: number;
  macs: string[];
  /** MAC → its index in macs */
  macIndex: Map<string, number>;
  apMacs: string[];
  apIndex: Map<string, number>;
  serials: string[];
  zones: string[];
  /** observations in arrival order */
  obsTs: Float64Array;
  obsRssi: Int16Array;
  obsDevice: Uint16Array;
  obsAp: Uint16Array;
  obsArrival: Float64Array;
  /** activities by id (tsIn order within a key) */
  actKey: Uint16Array;
  actTsIn: Float64Array;
  actTsOut: Float64Array;
  actPeak: Uint8Array;
  actArrival: Float64Array;
  /** activity ids in arrival order */
  actOrder: Uint32Array;
  staffDevices: number;
}

/** sfc32: small, fast, good enough for a bench, and the same in every process. */
export function prng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 20; i++) next();
  return next;
}

/** Relative activity by local hour of day: quiet at night, busy 08–19. */
const PROFILE = [0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.8, 1.2, 1.8, 2, 2, 2, 2.2, 2.2, 2, 2, 2, 1.9, 1.6, 1.2, 0.9, 0.6, 0.4, 0.3];

/** A time of day (ms since DAY_START) drawn from PROFILE, uniform within the hour. */
function profileTime(rand: () => number, cdf: number[]): number {
  const u = rand() * cdf[cdf.length - 1];
  let h = 0;
  while (cdf[h] < u) h++;
  return h * HOUR + rand() * HOUR;
}

function logUniform(rand: () => number, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo)));
}

function normal(rand: () => number): number {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

function mac(rand: () => number, first: number): string {
  const bytes = [first];
  for (let i = 0; i < 5; i++) bytes.push(Math.floor(rand() * 256));
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

interface Visit {
  device: number;
  first: number;
  last: number;
  /** fixed number of observations (passers-by), else 0 = by length */
  fixed: number;
  rssiMean: number;
  ap: number;
  aps: number;
}

export function generateDay(partial: Partial<DayOptions> = {}): Day {
  const o: DayOptions = { ...DAY_DEFAULTS, ...partial };
  const rand = prng(o.seed);
  const cdf: number[] = [];
  PROFILE.reduce((s, w) => (cdf.push(s + w), s + w), 0);

  // Names.
  const macs: string[] = [];
  const macIndex = new Map<string, number>();
  while (macs.length < o.devices) {
    const m = mac(rand, [0x00, 0x3c, 0x6c, 0xa4, 0xd8, 0xf0][macs.length % 6]);
    if (macIndex.has(m)) continue;
    macIndex.set(m, macs.length);
    macs.push(m);
  }
  const apMacs: string[] = [];
  for (let i = 0; i < o.aps; i++) apMacs.push(`e0:55:3d:${(0x10 + i).toString(16)}:${(0x20 + i * 3).toString(16).padStart(2, '0')}:6e`);
  const apIndex = new Map(apMacs.map((m, i) => [m, i]));
  const serials: string[] = [];
  for (let i = 0; i < o.cameras; i++) serials.push(`Q2GV-${(0x1a2b + i * 97).toString(16).toUpperCase()}-${(7000 + i * 13).toString().padStart(4, '0')}`);
  const zones = ['0', '747034588190081129', '747034588190081130', '747034588190081131'];

  // Visits.
  const visits: Visit[] = [];
  const staffDevices = Math.round(o.devices * o.staffShare);
  const newVisit = (device: number, first: number, last: number, fixed: number, rssiMean: number): void => {
    const aps = 1 + Math.floor(rand() * 3);
    visits.push({ device, first: Math.max(0, first), last: Math.min(DAY - 1, last), fixed, rssiMean, ap: Math.floor(rand() * o.aps), aps });
  };
  for (let d = 0; d < o.devices; d++) {
    if (d < staffDevices) {
      const rssiMean = o.rssiLow + 8 + rand() * (o.rssiSpread - 8);
      if (d % 5 === 0) {
        newVisit(d, 0, DAY - 1, 0, rssiMean); // a printer, a desk phone
      } else {
        const arrive = 6.5 * HOUR + rand() * 3 * HOUR;
        const leave = arrive + 8 * HOUR + rand() * 3 * HOUR;
        if (rand() < 0.3) {
          const lunch = 12 * HOUR + rand() * HOUR;
          newVisit(d, arrive, lunch, 0, rssiMean);
          newVisit(d, lunch + 30 * MIN + rand() * 30 * MIN, leave, 0, rssiMean);
        } else {
          newVisit(d, arrive, leave, 0, rssiMean);
        }
      }
      continue;
    }
    const r = rand();
    const count = r < 0.7 ? 1 : r < 0.92 ? 2 : 3;
    for (let k = 0; k < count; k++) {
      const first = profileTime(rand, cdf);
      const rssiMean = o.rssiLow + rand() * o.rssiSpread;
      if (rand() < 0.06) {
        newVisit(d, first, first + rand() * 2 * MIN, 1 + Math.floor(rand() * 3), rssiMean); // passing by
      } else {
        newVisit(d, first, first + logUniform(rand, 2 * MIN, 4 * HOUR), 0, rssiMean);
      }
    }
  }

  // Exactly o.observations: passers-by their fixed few, the rest by visit length (largest remainder).
  let fixedTotal = 0;
  let span = 0;
  for (const v of visits) {
    if (v.fixed) fixedTotal += v.fixed;
    else span += v.last - v.first;
  }
  const budget = o.observations - fixedTotal;
  if (budget < visits.length) throw new Error('too few observations for the visits');
  const counts = new Int32Array(visits.length);
  const rema: { i: number; r: number }[] = [];
  let given = 0;
  visits.forEach((v, i) => {
    if (v.fixed) {
      counts[i] = v.fixed;
      return;
    }
    const exact = (budget * (v.last - v.first)) / span;
    counts[i] = Math.max(1, Math.floor(exact));
    given += counts[i];
    rema.push({ i, r: exact - Math.floor(exact) });
  });
  rema.sort((x, y) => y.r - x.r);
  for (let k = 0; given < budget; k = (k + 1) % rema.length, given++) counts[rema[k].i] += 1;
  for (let k = rema.length - 1; given > budget; k--) {
    if (counts[rema[k].i] > 1) {
      counts[rema[k].i] -= 1;
      given--;
    }
  }

  // Observations (generation order), then the arrival of each: its AP's next post.
  const n = o.observations;
  const ts = new Float64Array(n);
  const rssi = new Int16Array(n);
  const dev = new Uint16Array(n);
  const ap = new Uint16Array(n);
  const arrival = new Float64Array(n);
  const phase = Array.from({ length: o.aps }, () => rand() * MIN);
  let j = 0;
  visits.forEach((v, i) => {
    const c = counts[i];
    const len = v.last - v.first;
    const step = c > 1 ? len / (c - 1) : 0;
    for (let k = 0; k < c; k++) {
      let t = c === 1 ? v.first : v.first + k * step;
      if (k > 0 && k < c - 1) t += (rand() - 0.5) * 0.8 * step;
      t = DAY_START + Math.round(Math.min(Math.max(t, v.first), v.last));
      ts[j] = t;
      rssi[j] = Math.max(1, Math.min(95, Math.round(v.rssiMean + 7 * normal(rand))));
      dev[j] = v.device;
      const a = (v.ap + Math.floor(rand() * v.aps)) % o.aps;
      ap[j] = a;
      // the AP's first post after the observation, plus network delay (same for the whole post)
      const p0 = DAY_START + phase[a];
      const k2 = Math.max(0, Math.ceil((t + 1 - p0) / MIN));
      const post = p0 + k2 * MIN;
      arrival[j] = post + postDelay(o.seed, a, k2);
      j++;
    }
  });
  if (j !== n) throw new Error(`generated ${j} observations, expected ${n}`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => arrival[x] - arrival[y] || ap[x] - ap[y] || ts[x] - ts[y] || x - y);
  const obsTs = new Float64Array(n);
  const obsRssi = new Int16Array(n);
  const obsDevice = new Uint16Array(n);
  const obsAp = new Uint16Array(n);
  const obsArrival = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = order[i];
    obsTs[i] = ts[s];
    obsRssi[i] = rssi[s];
    obsDevice[i] = dev[s];
    obsAp[i] = ap[s];
    obsArrival[i] = arrival[s];
  }

  // Activities: counts per key (busier and quieter zones), start times by the profile, no overlap.
  const keys = o.cameras * zones.length;
  const weights = Array.from({ length: keys }, () => 0.75 + rand() * 0.5);
  const wsum = weights.reduce((s, w) => s + w, 0);
  const perKey = weights.map((w) => Math.floor((o.activities * w) / wsum));
  for (let k = 0, left = o.activities - perKey.reduce((s, c) => s + c, 0); left > 0; k = (k + 1) % keys, left--) perKey[k] += 1;
  const na = o.activities;
  const actKey = new Uint16Array(na);
  const actTsIn = new Float64Array(na);
  const actTsOut = new Float64Array(na);
  const actPeak = new Uint8Array(na);
  const actArrival = new Float64Array(na);
  let id = 0;
  for (let key = 0; key < keys; key++) {
    const starts = Array.from({ length: perKey[key] }, () => profileTime(rand, cdf)).sort((x, y) => x - y);
    let free = 0;
    for (const s0 of starts) {
      const tsIn = Math.max(s0, free);
      const tsOut = tsIn + logUniform(rand, MIN, 10 * MIN);
      free = tsOut + 30_000 + rand() * 30_000;
      actKey[id] = key;
      actTsIn[id] = DAY_START + Math.round(tsIn);
      actTsOut[id] = DAY_START + Math.round(tsOut);
      const u = rand();
      actPeak[id] = u < 0.5 ? 1 : u < 0.75 ? 2 : u < 0.88 ? 3 : u < 0.95 ? 4 : 5 + Math.floor(rand() * 4);
      actArrival[id] = actTsOut[id] + 19_000 + 20 + Math.round(rand() * 280);
      id++;
    }
    if (free > DAY + 30 * MIN) throw new Error(`activities of key ${key} run past the day; lower activities or raise cameras`);
  }
  const actOrder = new Uint32Array(na);
  for (let i = 0; i < na; i++) actOrder[i] = i;
  actOrder.sort((x, y) => actArrival[x] - actArrival[y] || x - y);

  return {
    options: o,
    start: DAY_START,
    end: Math.max(obsArrival[n - 1], actArrival[actOrder[na - 1]]),
    macs,
    macIndex,
    apMacs,
    apIndex,
    serials,
    zones,
    obsTs,
    obsRssi,
    obsDevice,
    obsAp,
    obsArrival,
    actKey,
    actTsIn,
    actTsOut,
    actPeak,
    actArrival,
    actOrder,
    staffDevices,
  };
}

/** Network delay of AP a's k-th post: 50–3000 ms, a pure function of (seed, a, k). */
function postDelay(seed: number, a: number, k: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(a + 1, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return 50 + ((h >>> 0) % 2951);
}

export function activitySerial(day: Day, id: number): string {
  return day.serials[Math.floor(day.actKey[id] / day.zones.length)];
}

export function activityZone(day: Day, id: number): string {
  return day.zones[day.actKey[id] % day.zones.length];
}

/** What the generated day looks like, for the bench's heading. */
export function describeDay(day: Day): string[] {
  const n = day.obsTs.length;
  let above = 0;
  let late = 0;
  let maxLate = 0;
  let sumLate = 0;
  let newest = -Infinity;
  for (let i = 0; i < n; i++) {
    if (day.obsRssi[i] > 45) above++;
    const l = day.obsArrival[i] - day.obsTs[i];
    sumLate += l;
    if (l > maxLate) maxLate = l;
    if (day.obsTs[i] < newest) late++;
    else newest = day.obsTs[i];
  }
  let dur = 0;
  for (let i = 0; i < day.actTsIn.length; i++) dur += day.actTsOut[i] - day.actTsIn[i];
  return [
    `${n.toLocaleString('en-US')} observations of ${day.macs.length.toLocaleString('en-US')} devices (${day.staffDevices} staff/fixed) from ${day.apMacs.length} APs; ` +
      `${((above / n) * 100).toFixed(1)}% with rssi > 45`,
    `lateness mean ${(sumLate / n / 1000).toFixed(1)} s, max ${(maxLate / 1000).toFixed(1)} s (one post per AP per minute); ` +
      `${((late / n) * 100).toFixed(1)}% arrive older than the newest already seen`,
    `${day.actTsIn.length.toLocaleString('en-US')} activities on ${day.serials.length} cameras × ${day.zones.length} zones, mean ${(dur / day.actTsIn.length / 60_000).toFixed(1)} min; ` +
      `day ${new Date(day.start).toISOString()} + 24 h (${DAY_ZONE}), seed ${day.options.seed}`,
  ];
}

const ARRAYS = ['obsTs', 'obsRssi', 'obsDevice', 'obsAp', 'obsArrival', 'actKey', 'actTsIn', 'actTsOut', 'actPeak', 'actArrival', 'actOrder'] as const;

/**
 * Writes the day to a file (a JSON header line, then the typed arrays), so that a child process
 * can load it without generating it: its memory then starts clean, without the generator's garbage.
 */
export function saveDay(day: Day, file: string): void {
  const parts: Buffer[] = [];
  const layout: { name: string; type: string; offset: number; length: number }[] = [];
  let offset = 0;
  for (const name of ARRAYS) {
    const a = day[name];
    const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const pad = (8 - (offset % 8)) % 8;
    if (pad) parts.push(Buffer.alloc(pad));
    offset += pad;
    layout.push({ name, type: a.constructor.name, offset, length: a.length });
    parts.push(bytes);
    offset += bytes.length;
  }
  const header = JSON.stringify({
    options: day.options, start: day.start, end: day.end, macs: day.macs, apMacs: day.apMacs, serials: day.serials,
    zones: day.zones, staffDevices: day.staffDevices, layout,
  });
  const head = Buffer.from(header + '\n');
  fs.writeFileSync(file, Buffer.concat([head, ...parts]));
}

export function loadDay(file: string): Day {
  const buf = fs.readFileSync(file);
  const nl = buf.indexOf(10);
  const h = JSON.parse(buf.subarray(0, nl).toString('utf8'));
  const body = nl + 1;
  const types: Record<string, { new (b: ArrayBuffer): ArrayLike<number>; BYTES_PER_ELEMENT: number }> = {
    Float64Array, Int16Array, Uint16Array, Uint8Array, Uint32Array, Int32Array,
  } as never;
  const arrays: Record<string, unknown> = {};
  for (const l of h.layout as { name: string; type: string; offset: number; length: number }[]) {
    const T = types[l.type];
    const start = body + l.offset;
    // a copy into its own ArrayBuffer: aligned, and the file's buffer can go
    arrays[l.name] = new T(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + l.length * T.BYTES_PER_ELEMENT));
  }
  return {
    options: h.options,
    start: h.start,
    end: h.end,
    macs: h.macs,
    macIndex: new Map((h.macs as string[]).map((m, i) => [m, i])),
    apMacs: h.apMacs,
    apIndex: new Map((h.apMacs as string[]).map((m, i) => [m, i])),
    serials: h.serials,
    zones: h.zones,
    staffDevices: h.staffDevices,
    ...arrays,
  } as Day;
}
