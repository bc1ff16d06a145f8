/**
 * The camera side of the analytics summary (SPEC section 4), kept up to date as activities come
 * and leave the rolling window, so that a summary costs O(zones × hours), not O(activities):
 * per zone (serial/zone) its activities in the window, their people (sum of peakPeople), the
 * latest start, and per local clock hour the people of the activities overlapping it. An
 * activity leaves when the window's start passes its end (found by the minute it ends in);
 * a clock hour leaves the figures when the start passes it (see visits.ts for the same scheme).
 */
import { bump, dueBuckets, hourKey, MINUTE, slots } from './clock-hours';
import type { LocalHours } from './tz';

/** The most zones a summary lists (3,000 zones were 626 KB every 10 s): those active last. */
export const MAX_SUMMARY_ZONES = 500;

export interface ZoneActivity {
  serial: string;
  zone: string;
  tsIn: number;
  tsOut: number;
  peakPeople: number;
}

interface Zone {
  serial: string;
  zone: string;
  /** its activities in the window */
  list: ZoneActivity[];
  people: number;
  lastTsIn: number;
  /** clock-hour key (hourStart × 32 + hour of day) → people */
  perHour: Map<number, number>;
}

export interface ZoneFigure {
  serial: string;
  zone: string;
  activities: number;
  people: number;
  lastTsIn: number;
  /** people per local hour of day over [start, now] */
  hourly: number[];
}

export class ZoneFigures {
  private readonly zones = new Map<string, Zone>();
  /** the same over every zone: the busiest hour */
  private readonly total = new Map<number, number>();
  /** minute (floor(tsOut / 1 min)) → activities ending in it */
  private readonly buckets = new Map<number, ZoneActivity[]>();
  private oldestBucket = Infinity;
  private count = 0;
  /** activities that began after `clock` (the newest `now` asked for) */
  private readonly future = new Set<ZoneActivity>();
  private clock = -Infinity;

  constructor(private readonly hours: LocalHours) {}

  /** Activities in the window. */
  get size(): number {
    return this.count;
  }

  add(a: ZoneActivity): void {
    const key = `${a.serial}/${a.zone}`;
    let z = this.zones.get(key);
    if (z === undefined) {
      z = { serial: a.serial, zone: a.zone, list: [], people: 0, lastTsIn: -Infinity, perHour: new Map() };
      this.zones.set(key, z);
    }
    z.list.push(a);
    z.people += a.peakPeople;
    if (a.tsIn > z.lastTsIn) z.lastTsIn = a.tsIn;
    this.spread(z, a, 1);
    const b = Math.floor(a.tsOut / MINUTE);
    const bucket = this.buckets.get(b);
    if (bucket) bucket.push(a);
    else this.buckets.set(b, [a]);
    if (b < this.oldestBucket) this.oldestBucket = b;
    this.count += 1;
    if (this.clock !== -Infinity && a.tsIn > this.clock) this.future.add(a);
  }

  private spread(z: Zone, a: ZoneActivity, sign: 1 | -1): void {
    if (a.peakPeople === 0) return;
    const by = sign * a.peakPeople;
    this.hours.forEachHour(a.tsIn, a.tsOut, (h, t) => {
      const key = hourKey(this.hours, h, t);
      bump(z.perHour, key, by);
      bump(this.total, key, by);
    });
  }

  /** Forgets the activities that ended before `start`. */
  evictBefore(start: number): void {
    const due = dueBuckets(this.buckets, this.oldestBucket, Math.floor(start / MINUTE));
    if (due.length === 0) return;
    const touched = new Set<Zone>();
    for (const b of due) {
      const list = this.buckets.get(b)!;
      const keep = list.filter((a) => a.tsOut >= start);
      for (const a of list) {
        if (a.tsOut >= start) continue;
        const z = this.zones.get(`${a.serial}/${a.zone}`)!;
        this.spread(z, a, -1);
        z.people -= a.peakPeople;
        touched.add(z);
        this.future.delete(a);
        this.count -= 1;
      }
      if (keep.length) this.buckets.set(b, keep);
      else this.buckets.delete(b);
    }
    for (const z of touched) {
      z.list = z.list.filter((a) => a.tsOut >= start);
      if (z.list.length === 0) {
        this.zones.delete(`${z.serial}/${z.zone}`);
        continue;
      }
      let last = -Infinity;
      for (const a of z.list) if (a.tsIn > last) last = a.tsIn;
      z.lastTsIn = last;
    }
    let min = Infinity;
    for (const b of this.buckets.keys()) if (b < min) min = b;
    this.oldestBucket = min;
  }

  /**
   * The zones with activities in [start, now] (evictBefore(start) first), at most `max` of
   * them (those whose latest activity began last), in no particular order; and the people per
   * hour of day over every zone.
   */
  figures(start: number, now: number, max = MAX_SUMMARY_ZONES): { zones: ZoneFigure[]; hourly: number[] } {
    // Activities that begin after `now` are not in the window yet (a camera clock slightly ahead).
    const early = new Map<Zone, ZoneActivity[]>();
    if (this.clock === -Infinity) {
      for (const z of this.zones.values()) for (const a of z.list) if (a.tsIn > now) this.future.add(a);
    }
    if (now > this.clock) this.clock = now;
    for (const a of this.future) {
      if (a.tsIn <= this.clock) {
        this.future.delete(a);
        continue;
      }
      const z = this.zones.get(`${a.serial}/${a.zone}`)!;
      const list = early.get(z);
      if (list) list.push(a);
      else early.set(z, [a]);
    }
    const from = this.hours.hourStart(start);
    const nowHour = this.hours.hourStart(now);
    const total = slots(this.total, from, now);
    const out: ZoneFigure[] = [];
    for (const z of this.zones.values()) {
      let activities = z.list.length;
      let people = z.people;
      let lastTsIn = z.lastTsIn;
      const hourly = slots(z.perHour, from, now);
      const ahead = early.get(z);
      if (ahead) {
        for (const a of ahead) {
          activities -= 1;
          people -= a.peakPeople;
          if (this.hours.hourStart(a.tsIn) === nowHour) {
            hourly[this.hours.hourOf(a.tsIn)] -= a.peakPeople;
            total[this.hours.hourOf(a.tsIn)] -= a.peakPeople;
          }
        }
        if (activities === 0) continue;
        lastTsIn = -Infinity;
        for (const a of z.list) if (a.tsIn <= now && a.tsIn > lastTsIn) lastTsIn = a.tsIn;
      }
      out.push({ serial: z.serial, zone: z.zone, activities, people, lastTsIn, hourly });
    }
    if (out.length > max) {
      out.sort((x, y) => y.lastTsIn - x.lastTsIn || (`${x.serial}/${x.zone}` < `${y.serial}/${y.zone}` ? -1 : 1));
      out.length = max;
    }
    return { zones: out, hourly: total };
  }
}
