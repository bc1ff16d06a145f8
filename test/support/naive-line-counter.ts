/**
 * The naive reference for src/lib/line-counter.ts, written straight from SPEC section 4
 * ("Entrances and occupancy"): keep every crossing in one array with the wall clock it arrived at,
 * decide duplicates by scanning everything counted before, find local hours and days with Intl
 * at each step, rebuild the areas from scratch for every query. Slow on purpose and independent
 * of the counter's buckets and maps (the property test compares the two).
 */

import type { Crossing } from '../../src/lib/crossing';

/** The same input as the counter's (only the data shape is shared). */
export type NaiveCrossing = Crossing;

export interface NaiveOptions {
  timeZone: string;
  windowHours: number;
  /** minutes after local midnight */
  resetMinutes: number;
  objectType: 'person' | 'vehicle' | 'both';
  /** area name → lines (`SERIAL/boundaryId`) with their direction; empty: one area per line */
  areas: { name: string; lines: { key: string; reversed: boolean }[] }[];
}

/** The Dashboard API's hours: line key → hour start → figures. */
export type NaiveApi = Map<string, Map<number, { in: number; out: number }>>;

const HOUR = 3_600_000;
const QUARTER = 15 * 60_000;

interface Local {
  date: string;
  minutes: number;
  hour: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function local(t: number, tz: string): Local {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formats.set(tz, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(t)) parts[p.type] = p.value;
  const hour = Number(parts.hour);
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: hour * 60 + Number(parts.minute), hour };
}

/** Start of the local clock hour holding t: walk back minute by minute while the local hour and date stay. */
export function naiveHourStart(t: number, tz: string): number {
  const here = local(t, tz);
  let s = Math.floor(t / 60_000) * 60_000;
  for (;;) {
    const prev = local(s - 60_000, tz);
    if (prev.hour !== here.hour || prev.date !== here.date || s - 60_000 < t - 2 * HOUR) return s;
    // the same hour and date one minute earlier; but a clock change back (01:59 BST → 01:00 GMT)
    // repeats a local hour: the earlier one is a different clock hour
    if (local(s, tz).minutes < prev.minutes) return s;
    s -= 60_000;
  }
}

export function naiveWindowStart(wall: number, o: NaiveOptions): number {
  return naiveHourStart(wall - (o.windowHours - 1) * HOUR, o.timeZone);
}

/** The latest reset at or before t: the first quarter hour of a local day whose clock shows resetAt or later. */
export function naiveLastReset(t: number, o: NaiveOptions): number {
  let best = -Infinity;
  const from = Math.floor((t - 50 * HOUR) / QUARTER) * QUARTER;
  let prevDate = '';
  let done = false;
  for (let q = from; q <= t; q += QUARTER) {
    const l = local(q, o.timeZone);
    if (l.date !== prevDate) {
      prevDate = l.date;
      done = false;
    }
    if (!done && l.minutes >= o.resetMinutes) {
      done = true;
      best = q;
    }
  }
  return best;
}

function counts(c: NaiveCrossing, o: NaiveOptions): boolean {
  if (c.event !== 'in' && c.event !== 'out') return false;
  const type = c.objectType ?? 'person';
  return o.objectType === 'both' || type === o.objectType;
}

/** Which of the arrivals are counted (same order). */
export function naiveCounted(arrivals: { c: NaiveCrossing; wall: number }[], o: NaiveOptions): boolean[] {
  const out: boolean[] = [];
  const counted: NaiveCrossing[] = [];
  for (const { c, wall } of arrivals) {
    let ok = counts(c, o) && c.ts <= wall + 5 * 60_000 && c.ts >= naiveWindowStart(wall, o);
    if (ok && c.objectId !== null) {
      const key = `${c.serial.toUpperCase()}/${c.boundaryId}`;
      const same = counted.filter((p) => `${p.serial.toUpperCase()}/${p.boundaryId}` === key && String(p.objectId) === String(c.objectId) && p.event === c.event);
      const last = same[same.length - 1];
      if (last && Math.abs(c.ts - last.ts) <= 2000) ok = false;
    }
    out.push(ok);
    if (ok) counted.push(c);
  }
  return out;
}

/** Lines and hourly figures at `now` (local and API hours: the larger of the two). */
export function naiveLines(arrivals: { c: NaiveCrossing; wall: number }[], o: NaiveOptions, now: number, api: NaiveApi = new Map()) {
  const ok = naiveCounted(arrivals, o);
  const start = naiveWindowStart(now, o);
  const per = new Map<string, Map<number, { in: number; out: number; hour: number }>>();
  const slot = (key: string, hourStart: number, t: number) => {
    const m = per.get(key) ?? new Map();
    per.set(key, m);
    const s = m.get(hourStart) ?? { in: 0, out: 0, hour: local(t, o.timeZone).hour };
    m.set(hourStart, s);
    return s;
  };
  arrivals.forEach(({ c }, i) => {
    if (!ok[i]) return;
    const hs = naiveHourStart(c.ts, o.timeZone);
    slot(`${c.serial.toUpperCase()}/${c.boundaryId}`, hs, c.ts)[c.event as 'in' | 'out'] += 1;
  });
  const lines: Record<string, { in: number; out: number; hourly: { in: number[]; out: number[] } }> = {};
  const keys = new Set([...per.keys(), ...api.keys()]);
  for (const key of keys) {
    const hourly = { in: new Array(24).fill(0), out: new Array(24).fill(0) };
    let tin = 0;
    let tout = 0;
    const hoursHere = per.get(key) ?? new Map();
    const hoursApi = api.get(key) ?? new Map();
    for (const hs of new Set([...hoursHere.keys(), ...hoursApi.keys()])) {
      if (hs < start || hs > now) continue;
      const mine = hoursHere.get(hs) ?? { in: 0, out: 0 };
      const theirs = hoursApi.get(hs) ?? { in: 0, out: 0 };
      const h = local(hs, o.timeZone).hour;
      const i = Math.max(mine.in, theirs.in);
      const u = Math.max(mine.out, theirs.out);
      hourly.in[h] += i;
      hourly.out[h] += u;
      tin += i;
      tout += u;
    }
    lines[key] = { in: tin, out: tout, hourly };
  }
  return lines;
}

/** The areas at `now`, without API hours: the counted crossings since the last reset, folded in arrival order. */
export function naiveAreas(arrivals: { c: NaiveCrossing; wall: number }[], o: NaiveOptions, now: number) {
  const ok = naiveCounted(arrivals, o);
  const reset = naiveLastReset(now, o);
  const defs = o.areas.length
    ? o.areas
    : [...new Set(arrivals.filter((_, i) => ok[i]).map(({ c }) => `${c.serial.toUpperCase()}/${c.boundaryId}`))].map((key) => ({ name: key, lines: [{ key, reversed: false }] }));
  return defs.map((def) => {
    let occupancy = 0;
    let enters = 0;
    let exits = 0;
    let peak = 0;
    arrivals.forEach(({ c, wall }, i) => {
      // arrived in this day (after the last reset by the wall clock) with a time after it
      if (!ok[i] || wall < reset || c.ts < reset) return;
      const line = def.lines.find((l) => l.key === `${c.serial.toUpperCase()}/${c.boundaryId}`);
      if (!line) return;
      if ((c.event === 'in') !== line.reversed) {
        enters += 1;
        occupancy += 1;
        peak = Math.max(peak, occupancy);
      } else {
        exits += 1;
        occupancy = Math.max(0, occupancy - 1);
      }
    });
    return { name: def.name, occupancy, enters, exits, peakOccupancy: peak };
  });
}
