/**
 * Visits per device (SPEC section 4), kept up to date one observation at a time: a device's
 * observations in time order form visits, a gap ≥ sessionGapS starting a new one; a single
 * observation is a visit of dwell 0. Late observations land in the right visit (and may join two).
 *
 * The visitor figures of the summary are kept up to date as visits change, so that a summary
 * costs O(hours in the window + the latest devices listed), not O(devices) (issue 10: 3.4–9.6 s
 * at 434k–868k devices a day, every 10 s):
 * - per device: its dwell and how it is counted (visitor or staff: dwell ≥ filterDwellS);
 * - totals over the visitor devices (devices, visits, dwell) and the staff devices;
 * - per local clock hour (hourStart, hour of day): how many visitor visits overlap it. A clock
 *   hour leaves the figures as the window's start passes it; a visit leaves (and its device's
 *   contribution is recounted) when the start passes its end.
 * Eviction is exact: devices are filed by the minute their earliest visit ends (or an earlier
 * one: a visit that grows does not move its device at once, see file()), so the visits that ended
 * before the start are found without looking at the others. The latest devices (by
 * last seen) are kept in order as they change.
 *
 * At most maxDevices devices are kept (default 500,000, ~300 bytes each): beyond it the device
 * whose earliest visit ended longest ago (for almost every device: the one seen longest ago) is
 * forgotten first, and counted in `capped`.
 */
import { bump, dueBuckets, hourKey, MINUTE, slots } from './clock-hours';
import { firstIndex } from './search';
import { LocalHours } from './tz';

export const DEFAULT_MAX_DEVICES = 500_000;
const HOUR = 60 * MINUTE;

export interface Visit {
  first: number;
  last: number;
}

export interface DeviceVisits {
  clientMac: string;
  /** in time order, non-overlapping, gaps ≥ sessionGap between them */
  visits: Visit[];
}

/** A device as the tracker keeps it. */
interface Device extends DeviceVisits {
  /** total dwell (ms) of its visits */
  dwell: number;
  /** how it is counted in the figures: 0 not, 1 visitor, 2 staff */
  counted: 0 | 1 | 2;
  /** the minute bucket it is filed in (that of visits[0].last), when `filed` (an integer field: no boxed number per device) */
  bucket: number;
  filed: boolean;
  inLatest: boolean;
}

export interface VisitOptions {
  sessionGapS: number;
  /** dwell (s) in the window from which a device is staff, not a visitor (default 3600) */
  filterDwellS?: number;
  /** the zone of the hourly figures (default: the host's) */
  hours?: LocalHours;
  /** devices kept at most (default 500,000) */
  maxDevices?: number;
  /** how many of the latest devices latest() can list (default 100) */
  latestSize?: number;
}

export interface VisitorFigures {
  /** visitor devices (not staff), their visits and total dwell (ms) */
  devices: number;
  visits: number;
  dwellMs: number;
  /** staff devices (dwell ≥ filterDwellS) */
  staff: number;
  /** visitor visits per local hour of day: each visit adds 1 to every clock hour it overlaps in [start, now] */
  cmxHourly: number[];
}

/** Latest first by last seen; the MAC breaks ties. */
function newerFirst(a: Device, b: Device): number {
  const la = a.visits[a.visits.length - 1].last;
  const lb = b.visits[b.visits.length - 1].last;
  if (la !== lb) return lb - la;
  return a.clientMac < b.clientMac ? -1 : a.clientMac > b.clientMac ? 1 : 0;
}

export class VisitTracker {
  private readonly gap: number;
  private readonly filterDwellMs: number;
  private readonly hours: LocalHours;
  readonly maxDevices: number;
  private readonly latestSize: number;
  private readonly devices = new Map<string, Device>();
  /** minute (floor(t / 1 min)) → devices whose earliest visit ends in it: where eviction looks */
  private readonly buckets = new Map<number, Set<Device>>();
  private oldestBucket = Infinity;
  /** clock-hour key → visitor visits overlapping that hour */
  private readonly perHour = new Map<number, number>();
  private visitorDevices = 0;
  private visitorVisits = 0;
  private visitorDwell = 0;
  private staffDevices = 0;
  /** the latest devices, newest first (at most latestSize); rebuilt when `latestStale` */
  private latestList: Device[] = [];
  private latestStale = false;
  /** devices whose latest visit began after `clock` (the newest `now` of figures()) */
  private readonly future = new Set<Device>();
  private clock = -Infinity;
  /** devices forgotten because maxDevices were kept */
  capped = 0;
  /**
   * forgetOldest()'s walk of the oldest bucket, kept between calls: asking a Set for its first
   * entry again and again steps over every entry deleted before it (V8 keeps them as holes until
   * it rehashes), so forgetting a minute of 30,000 devices one by one was quadratic
   */
  private evictWalk: { bucket: number; set: Set<Device>; it: Iterator<Device> } | null = null;
  /** the device noteLatest() places, and its test for the binary search (made once, not per call) */
  private placing: Device | null = null;
  private readonly notNewerThanPlacing = (i: number): boolean => newerFirst(this.latestList[i], this.placing!) >= 0;

  constructor(options: VisitOptions) {
    this.gap = options.sessionGapS * 1000;
    this.filterDwellMs = (options.filterDwellS ?? 3600) * 1000;
    this.hours = options.hours ?? new LocalHours();
    this.maxDevices = options.maxDevices ?? DEFAULT_MAX_DEVICES;
    this.latestSize = options.latestSize ?? 100;
  }

  get deviceCount(): number {
    return this.devices.size;
  }

  /** Every device with at least one visit (iteration order: first seen). */
  values(): IterableIterator<DeviceVisits> {
    return this.devices.values();
  }

  get(clientMac: string): DeviceVisits | undefined {
    return this.devices.get(clientMac);
  }

  /** Adds an observation; returns the device's key string (shared, so callers can keep it cheaply). */
  add(clientMac: string, ts: number): string {
    let d = this.devices.get(clientMac);
    if (d === undefined) {
      if (this.devices.size >= this.maxDevices) this.forgetOldest();
      d = { clientMac, visits: [{ first: ts, last: ts }], dwell: 0, counted: 0, bucket: 0, filed: false, inLatest: false };
      this.devices.set(clientMac, d);
      this.changed(d);
      return d.clientMac;
    }
    const v = d.visits;
    const n = v.length;
    // Fast path: in order, at or after the latest visit.
    if (ts >= v[n - 1].first) {
      const last = v[n - 1];
      if (ts <= last.last) return d.clientMac;
      if (ts - last.last < this.gap) {
        if (this.extend(d, last, ts)) return d.clientMac;
      } else {
        this.uncount(d);
        v.push({ first: ts, last: ts });
      }
      this.changed(d);
      return d.clientMac;
    }
    this.uncount(d);
    this.insert(d, ts);
    this.changed(d);
    return d.clientMac;
  }

  /**
   * The latest visit grows to ts. When the device stays on the same side of filterDwellS, only
   * what the growth adds is counted (true); otherwise the caller recounts it (false).
   */
  private extend(d: Device, last: Visit, ts: number): boolean {
    const added = ts - last.last;
    const wasStaff = d.dwell >= this.filterDwellMs;
    if (d.counted === 0 || wasStaff !== d.dwell + added >= this.filterDwellMs) {
      this.uncount(d);
      last.last = ts;
      return false;
    }
    const from = last.last;
    last.last = ts;
    d.dwell += added;
    if (d.counted === 1) {
      this.visitorDwell += added;
      // the clock hours after the one `from` is in (that one is counted already); mostly there are
      // none (the same clock hour: no walk, no closure, on this per-observation path)
      const h = this.hours;
      const off = h.offset(ts);
      if (off !== h.offset(from) || Math.floor((ts + off) / HOUR) !== Math.floor((from + off) / HOUR)) {
        let skip = true;
        h.forEachHour(from, ts, (hour, t) => {
          if (skip) skip = false;
          else this.bump(hour, t, 1);
        });
      }
    }
    this.file(d, true);
    this.noteLatest(d);
    this.noteFuture(d);
    return true;
  }

  /** A late observation: find its place among the visits, extend or join them. */
  private insert(d: Device, ts: number): void {
    const v = d.visits;
    const lo = firstIndex(0, v.length, (i) => v[i].last >= ts); // the first visit ending at or after ts
    const next = v[lo];
    if (next && ts >= next.first) return; // inside a visit
    const prev = lo > 0 ? v[lo - 1] : undefined;
    const joinsPrev = prev !== undefined && ts - prev.last < this.gap;
    const joinsNext = next !== undefined && next.first - ts < this.gap;
    if (joinsPrev && joinsNext) {
      prev!.last = next!.last;
      v.splice(lo, 1);
    } else if (joinsPrev) {
      prev!.last = ts;
    } else if (joinsNext) {
      next!.first = ts;
    } else {
      v.splice(lo, 0, { first: ts, last: ts });
    }
  }

  /** After any change of d's visits: count it again, file it, place it among the latest. */
  private changed(d: Device): void {
    this.count(d);
    this.file(d);
    this.noteLatest(d);
    this.noteFuture(d);
  }

  /** Before the first figures() every device would be "future": the first call looks at all instead. */
  private noteFuture(d: Device): void {
    if (this.clock !== -Infinity && d.visits[d.visits.length - 1].first > this.clock) this.future.add(d);
  }

  private bump(hour: number, t: number, by: number): void {
    bump(this.perHour, hourKey(this.hours, hour, t), by);
  }

  /** Adds d's visits to the figures. */
  private count(d: Device): void {
    if (d.counted !== 0 || d.visits.length === 0) return;
    let dwell = 0;
    for (const v of d.visits) dwell += v.last - v.first;
    d.dwell = dwell;
    if (dwell >= this.filterDwellMs) {
      d.counted = 2;
      this.staffDevices += 1;
      return;
    }
    d.counted = 1;
    this.visitorDevices += 1;
    this.visitorVisits += d.visits.length;
    this.visitorDwell += dwell;
    for (const v of d.visits) this.bumpVisit(v, 1);
  }

  /** Adds `by` to every clock hour v overlaps. */
  private bumpVisit(v: Visit, by: number): void {
    // (a visit of one instant, as every new device's: its one hour, as forEachHour would give it)
    if (v.first === v.last) this.bump(this.hours.hourOf(v.first), v.first, by);
    else this.hours.forEachHour(v.first, v.last, (h, t) => this.bump(h, t, by));
  }

  /** Takes d's visits out of the figures (before they change). */
  private uncount(d: Device): void {
    if (d.counted === 2) {
      this.staffDevices -= 1;
    } else if (d.counted === 1) {
      this.visitorDevices -= 1;
      this.visitorVisits -= d.visits.length;
      this.visitorDwell -= d.dwell;
      for (const v of d.visits) this.bumpVisit(v, -1);
    }
    d.counted = 0;
  }

  /**
   * Files d under the minute its earliest visit ends. `lazy`: when that minute moved later (a visit
   * grew), d stays where it is, found there by eviction and filed again then (no move per
   * observation of a device seen again and again); a minute that moved earlier is filed at once.
   */
  private file(d: Device, lazy = false): void {
    const b = Math.floor(d.visits[0].last / MINUTE);
    if (d.filed && (b === d.bucket || (lazy && b > d.bucket))) return;
    this.unfile(d);
    let set = this.buckets.get(b);
    if (set === undefined) {
      set = new Set();
      this.buckets.set(b, set);
      if (b < this.oldestBucket) this.oldestBucket = b;
    }
    set.add(d);
    d.bucket = b;
    d.filed = true;
  }

  private unfile(d: Device): void {
    if (!d.filed) return;
    const set = this.buckets.get(d.bucket);
    if (set) {
      set.delete(d);
      if (set.size === 0) {
        this.buckets.delete(d.bucket);
        // (a walk of it would keep the devices it held alive)
        if (this.evictWalk?.set === set) this.evictWalk = null;
        if (d.bucket === this.oldestBucket) this.advanceOldest();
      }
    }
    d.filed = false;
  }

  /** The oldest bucket after the previous one emptied: a short walk, or one pass over the keys. */
  private advanceOldest(): void {
    if (this.buckets.size === 0) {
      this.oldestBucket = Infinity;
      return;
    }
    for (let b = this.oldestBucket + 1, steps = 0; steps < 64; b++, steps++) {
      if (this.buckets.has(b)) {
        this.oldestBucket = b;
        return;
      }
    }
    let min = Infinity;
    for (const b of this.buckets.keys()) if (b < min) min = b;
    this.oldestBucket = min;
  }

  /** Keeps d in the latest list when it belongs there (after its last seen grew, or it arrived). */
  private noteLatest(d: Device): void {
    // (per observation: moved in place, no closure, no array from splice)
    const list = this.latestList;
    if (d.inLatest) {
      const at = list.indexOf(d);
      if (at >= 0) {
        for (let i = at; i < list.length - 1; i++) list[i] = list[i + 1];
        list.pop();
      }
      d.inLatest = false;
    } else if (list.length >= this.latestSize && newerFirst(d, list[list.length - 1]) > 0) {
      return;
    }
    this.placing = d;
    const lo = firstIndex(0, list.length, this.notNewerThanPlacing); // the first entry not newer than d
    list.push(d);
    for (let i = list.length - 1; i > lo; i--) list[i] = list[i - 1];
    list[lo] = d;
    d.inLatest = true;
    if (list.length > this.latestSize) list.pop()!.inLatest = false;
  }

  private remove(d: Device): void {
    this.uncount(d);
    this.unfile(d);
    this.future.delete(d);
    if (d.inLatest) {
      this.latestList.splice(this.latestList.indexOf(d), 1);
      d.inLatest = false;
      // A device leaves the window only after every older one (exact eviction): the list stays
      // right. Forgotten for the cap, another device may belong in it: rebuilt when asked for.
      if (this.latestList.length < this.latestSize && this.devices.size - 1 > this.latestList.length) this.latestStale = true;
    }
    if (this.devices.get(d.clientMac) === d) this.devices.delete(d.clientMac);
  }

  /** Forgets the device whose earliest visit ended longest ago (maxDevices reached). */
  private forgetOldest(): void {
    for (;;) {
      const set = this.buckets.get(this.oldestBucket);
      if (!set) return;
      let walk = this.evictWalk;
      if (!walk || walk.bucket !== this.oldestBucket || walk.set !== set) walk = this.evictWalk = { bucket: this.oldestBucket, set, it: set.values() };
      // (the set's first entry: the walk has passed only entries that left it)
      let next = walk.it.next();
      if (next.done) {
        walk = this.evictWalk = { bucket: this.oldestBucket, set, it: set.values() };
        next = walk.it.next();
      }
      const d = next.done ? undefined : next.value;
      if (!d) return;
      if (Math.floor(d.visits[0].last / MINUTE) > d.bucket) {
        this.file(d); // filed lazily: it belongs later
        continue;
      }
      this.remove(d);
      this.capped += 1;
      return;
    }
  }

  /** Drops every visit that ended before `start` (and the devices left without visits). */
  evictBefore(start: number): void {
    // the buckets up to the start's own minute, oldest first
    for (const b of dueBuckets(this.buckets, this.oldestBucket, Math.floor(start / MINUTE))) {
      const set = this.buckets.get(b);
      if (!set) continue;
      for (const d of [...set]) {
        if (d.visits[0].last >= start) {
          this.file(d); // in the start's own minute, or filed lazily and belonging later
          continue;
        }
        this.uncount(d);
        let k = 0;
        while (k < d.visits.length && d.visits[k].last < start) k++;
        d.visits.splice(0, k);
        if (d.visits.length === 0) {
          this.remove(d);
        } else {
          this.count(d);
          this.file(d);
        }
      }
    }
  }

  /**
   * The visitor figures of the window [start, now]; evictBefore(start) first. O(clock hours
   * held + devices whose latest visit began after the previous call's `now`).
   */
  figures(start: number, now: number): VisitorFigures {
    const cmxHourly = slots(this.perHour, this.hours.hourStart(start), now);
    // A visit that begins after `now` (a clock slightly ahead) overlaps no hour of [start, now];
    // but its clock hour may be now's, which was counted above.
    if (this.clock === -Infinity) this.findFuture(now);
    if (now > this.clock) this.clock = now;
    if (this.future.size > 0) {
      const nowHour = this.hours.hourStart(now);
      for (const d of this.future) {
        const v = d.visits;
        if (v.length === 0 || v[v.length - 1].first <= this.clock) {
          this.future.delete(d);
          continue;
        }
        if (d.counted !== 1) continue;
        for (let i = v.length - 1; i >= 0 && v[i].first > now; i--) {
          if (this.hours.hourStart(v[i].first) === nowHour) cmxHourly[this.hours.hourOf(v[i].first)] -= 1;
        }
      }
    }
    return { devices: this.visitorDevices, visits: this.visitorVisits, dwellMs: this.visitorDwell, staff: this.staffDevices, cmxHourly };
  }

  /**
   * The first figures(): the devices whose latest visit begins after `now` (not followed until
   * then). They are the latest seen: among the latest list, unless it is full of them.
   */
  private findFuture(now: number): void {
    this.latest(0);
    const list = this.latestList;
    const all = list.length >= this.latestSize && list[list.length - 1].visits[list[list.length - 1].visits.length - 1].last > now;
    for (const d of all ? this.devices.values() : list) if (d.visits[d.visits.length - 1].first > now) this.future.add(d);
  }

  /** Up to n of the latest devices (by last seen, newest first; the MAC breaks ties). */
  latest(n: number): DeviceVisits[] {
    if (this.latestStale) {
      this.latestStale = false;
      for (const d of this.latestList) d.inLatest = false;
      this.latestList = [];
      for (const d of this.devices.values()) this.noteLatest(d);
    }
    return this.latestList.slice(0, n);
  }

  /** Whether d counts as staff (dwell ≥ filterDwellS). */
  isStaff(d: DeviceVisits): boolean {
    return (d as Device).counted === 2;
  }

  /** Total dwell (ms) of d's visits. */
  dwellOf(d: DeviceVisits): number {
    return (d as Device).dwell;
  }
}
