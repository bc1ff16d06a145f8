/**
 * The bookkeeping shared by the summary's incremental figures (visits.ts, zone-figures.ts):
 * counts per local clock hour, summed per hour of day for the clock hours inside [start, now];
 * and minute buckets of what leaves the window, visited oldest first.
 */
import type { LocalHours } from './tz';

export const MINUTE = 60_000;
/** A clock-hour key: hourStart × SLOTS + hour of day (one key per clock hour; see LocalHours.hourStart). */
const SLOTS = 32;

export function hourKey(hours: LocalHours, hour: number, t: number): number {
  return hours.hourStart(t) * SLOTS + hour;
}

/** Adds `by` to a count (an entry at 0 is deleted). */
export function bump(map: Map<number, number>, key: number, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
}

/** Per local hour of day: the counts of the clock hours whose start is in [hourStart(start), now]. */
export function slots(perHour: Map<number, number>, from: number, now: number): number[] {
  const out = new Array<number>(24).fill(0);
  for (const [key, n] of perHour) {
    const hourStart = Math.floor(key / SLOTS);
    if (hourStart >= from && hourStart <= now) out[key - hourStart * SLOTS] += n;
  }
  return out;
}

/**
 * The minute buckets from `oldest` to `limit` that exist, oldest first: walked minute by minute
 * when few, else found in one pass over the keys (no Math.min(...keys): spreading a large
 * collection into arguments overflows the stack).
 */
export function dueBuckets(buckets: Map<number, unknown>, oldest: number, limit: number): number[] {
  const due: number[] = [];
  if (!(oldest <= limit)) return due;
  if (limit - oldest <= buckets.size) {
    for (let b = oldest; b <= limit; b++) if (buckets.has(b)) due.push(b);
  } else {
    for (const b of buckets.keys()) if (b <= limit) due.push(b);
    due.sort((x, y) => x - y);
  }
  return due;
}
