/**
 * The naive reference for src/lib/correlate.ts, written straight from SPEC section 4 the way the
 * original demo worked: keep every observation in one array and scan all of it per activity;
 * rebuild visits from scratch by sorting each device's times; find local hours with Intl at each
 * step. Slow on purpose (it is the baseline of bench/correlate.ts) and independent of the
 * indexed implementation's data structures (the property tests compare the two).
 */
import { strict as assert } from 'assert';
import type { Summary } from '../../src/lib/correlate';

export interface NaiveOptions {
  windowS: number;
  rssiThreshold: number;
  sessionGapS: number;
  filterDwellS: number;
  windowHours: number;
  timeZone: string;
  /** upper-case serial → AP MACs */
  cameraAps?: Map<string, Set<string>>;
}

export interface NaiveObservation {
  ts: number;
  clientMac: string;
  rssi: number;
  apMac: string | null;
}

export interface NaiveActivity {
  serial: string;
  zone: string;
  tsIn: number;
  tsOut: number;
  peakPeople: number;
}

const HOUR = 3_600_000;

/** Devices of one activity: { clientMac, ts, rssi, apMac }, ordered by time then MAC. */
export function naiveCorrelate(all: NaiveObservation[], a: NaiveActivity, o: NaiveOptions) {
  const w = o.windowS * 1000;
  const aps = o.cameraAps && o.cameraAps.size ? o.cameraAps.get(a.serial.toUpperCase()) : undefined;
  const best = new Map<string, NaiveObservation>();
  for (const obs of all) {
    if (obs.ts < a.tsIn - w || obs.ts > a.tsOut + w) continue;
    if (!(obs.rssi > o.rssiThreshold)) continue;
    if (aps && (obs.apMac === null || !aps.has(obs.apMac))) continue;
    const seen = best.get(obs.clientMac);
    if (!seen || obs.rssi > seen.rssi || (obs.rssi === seen.rssi && obs.ts < seen.ts)) best.set(obs.clientMac, obs);
  }
  return [...best.values()]
    .sort((x, y) => x.ts - y.ts || (x.clientMac < y.clientMac ? -1 : 1))
    .map((b) => ({ clientMac: b.clientMac, ts: b.ts, rssi: b.rssi, apMac: b.apMac }));
}

/** Visits of each device from all its observations: [first, last] pairs, split at gaps ≥ sessionGapS. */
export function naiveVisits(all: NaiveObservation[], sessionGapS: number): Map<string, [number, number][]> {
  const times = new Map<string, number[]>();
  for (const obs of all) {
    if (!times.has(obs.clientMac)) times.set(obs.clientMac, []);
    times.get(obs.clientMac)!.push(obs.ts);
  }
  const out = new Map<string, [number, number][]>();
  for (const [mac, list] of times) {
    list.sort((x, y) => x - y);
    const visits: [number, number][] = [];
    for (const t of list) {
      const cur = visits[visits.length - 1];
      if (cur && t - cur[1] < sessionGapS * 1000) cur[1] = Math.max(cur[1], t);
      else visits.push([t, t]);
    }
    out.set(mac, visits);
  }
  return out;
}

/**
 * The local clock hour at t (label "2024-06-20, 10h GMT+01:00", hour 10), straight from Intl. The UTC
 * offset is part of the label: when clocks go back, 01:00 BST and 01:00 GMT are two different hours.
 */
function naiveClockHour(t: number, timeZone: string): { label: string; hour: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
  }).formatToParts(t);
  return { label: parts.map((p) => p.value).join(''), hour: Number(parts.find((p) => p.type === 'hour')!.value) };
}

/** Every local clock hour [from, to] overlaps (as hours of day), walking the span minute by minute. */
export function naiveHours(from: number, to: number, timeZone: string): number[] {
  const out: number[] = [];
  if (to < from) return out; // (e.g. a visit that begins after the summary's wall clock: no hour of the window)
  let prev = '';
  for (let t = from; ; t = Math.min(t + 60_000, to)) {
    // a minute step can jump over an hour boundary only at its end: look at the boundary too
    const probe = Math.min(t, to);
    const clock = naiveClockHour(probe, timeZone);
    if (clock.label !== prev) {
      out.push(clock.hour);
      prev = clock.label;
    }
    if (t >= to) break;
  }
  return out;
}

export interface NaiveSummary {
  zones: { serial: string; zone: string; activities: number; people: number }[];
  hourly: Record<string, number[]>;
  cmxHourly: number[];
  visitors: { devices: number; visits: number; avgDwellS: number; filteredDevices: number };
  devices: { clientMac: string; visits: number; dwellS: number; staff: boolean }[];
}

/** The summary's figures over the window ending at `now`, from everything at once. */
export function naiveSummary(all: NaiveObservation[], activities: NaiveActivity[], o: NaiveOptions, now: number): NaiveSummary {
  const start = now - o.windowHours * HOUR;
  const zones = new Map<string, { serial: string; zone: string; activities: number; people: number }>();
  const hourly: Record<string, number[]> = {};
  for (const a of activities) {
    if (a.tsOut < start || a.tsIn > now) continue;
    const key = `${a.serial}/${a.zone}`;
    if (!zones.has(key)) {
      zones.set(key, { serial: a.serial, zone: a.zone, activities: 0, people: 0 });
      hourly[key] = new Array(24).fill(0);
    }
    const z = zones.get(key)!;
    z.activities += 1;
    z.people += a.peakPeople;
    for (const h of naiveHours(Math.max(a.tsIn, start), Math.min(a.tsOut, now), o.timeZone)) hourly[key][h] += a.peakPeople;
  }
  const cmxHourly = new Array(24).fill(0);
  const devices: NaiveSummary['devices'] = [];
  let vDevices = 0;
  let vVisits = 0;
  let vDwell = 0;
  let staff = 0;
  for (const [mac, visits] of naiveVisits(all, o.sessionGapS)) {
    const inWindow = visits.filter(([, last]) => last >= start);
    if (!inWindow.length) continue;
    const dwellS = inWindow.reduce((s, [f, l]) => s + (l - f), 0) / 1000;
    const isStaff = dwellS >= o.filterDwellS;
    devices.push({ clientMac: mac, visits: inWindow.length, dwellS, staff: isStaff });
    if (isStaff) {
      staff += 1;
      continue;
    }
    vDevices += 1;
    vVisits += inWindow.length;
    vDwell += dwellS;
    for (const [f, l] of inWindow) for (const h of naiveHours(Math.max(f, start), Math.min(l, now), o.timeZone)) cmxHourly[h] += 1;
  }
  return {
    zones: [...zones.values()].sort((x, y) => (`${x.serial}/${x.zone}` < `${y.serial}/${y.zone}` ? -1 : 1)),
    hourly,
    cmxHourly,
    visitors: { devices: vDevices, visits: vVisits, avgDwellS: vVisits ? Math.round((vDwell / vVisits) * 10) / 10 : 0, filteredDevices: staff },
    devices: devices.sort((x, y) => (x.clientMac < y.clientMac ? -1 : 1)),
  };
}

/** The summary's figures against the reference's: zones, hourly counts, visitors and devices. */
export function assertLikeNaive(got: Summary, want: NaiveSummary): void {
  assert.deepEqual(got.zones.map((z) => ({ serial: z.serial, zone: z.zone, activities: z.activities, people: z.people })), want.zones, 'zones');
  assert.deepEqual(got.hourly, want.hourly, 'hourly');
  assert.deepEqual(got.cmxHourly, want.cmxHourly, 'cmxHourly');
  assert.deepEqual(got.visitors, want.visitors, 'visitors');
  const devices = got.devices.map((d) => ({ clientMac: d.clientMac, visits: d.visits, dwellS: d.dwellS, staff: d.staff })).sort((x, y) => (x.clientMac < y.clientMac ? -1 : 1));
  assert.deepEqual(devices, want.devices, 'devices');
}
