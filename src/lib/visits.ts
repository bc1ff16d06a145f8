/**
 * Visits per device (SPEC section 4), kept up to date one observation at a time: a device's
 * observations in time order form visits, a gap ≥ sessionGapS starting a new one; a single
 * observation is a visit of dwell 0. Late observations land in the right visit (and may join two).
 * Visits that ended before the window are evicted hour by hour, touching only the devices seen
 * in the hour that leaves the window.
 */
import { firstIndex } from './search';

const HOUR = 3_600_000;

export interface Visit {
  first: number;
  last: number;
}

export interface DeviceVisits {
  clientMac: string;
  /** in time order, non-overlapping, gaps ≥ sessionGap between them */
  visits: Visit[];
}

export interface VisitOptions {
  sessionGapS: number;
}

export class VisitTracker {
  private readonly gap: number;
  private readonly devices = new Map<string, DeviceVisits>();
  /** hour bucket (floor(t / 1 h)) → devices with a visit ending in it: where eviction looks */
  private readonly byHour = new Map<number, Set<DeviceVisits>>();
  private oldestHour = Infinity;

  constructor(options: VisitOptions) {
    this.gap = options.sessionGapS * 1000;
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
      d = { clientMac, visits: [] };
      this.devices.set(clientMac, d);
    }
    const v = d.visits;
    const n = v.length;
    // Fast path: in order, at or after the latest visit.
    if (n > 0 && ts >= v[n - 1].first) {
      const last = v[n - 1];
      if (ts <= last.last) return d.clientMac;
      if (ts - last.last < this.gap) last.last = ts;
      else v.push({ first: ts, last: ts });
      this.mark(d, ts);
      return d.clientMac;
    }
    this.insert(d, ts);
    return d.clientMac;
  }

  /** A late observation: find its place among the visits, extend or join them. */
  private insert(d: DeviceVisits, ts: number): void {
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
    this.mark(d, ts);
  }

  private mark(d: DeviceVisits, ts: number): void {
    const h = Math.floor(ts / HOUR);
    let set = this.byHour.get(h);
    if (set === undefined) {
      set = new Set();
      this.byHour.set(h, set);
      if (h < this.oldestHour) this.oldestHour = h;
    }
    set.add(d);
  }

  /**
   * Drops visits that ended before `start` (and devices left without visits). Only the hour
   * buckets that fell out of the window are visited.
   */
  evictBefore(start: number): void {
    const limit = Math.floor(start / HOUR);
    if (!(this.oldestHour < limit) || this.byHour.size === 0) return;
    // The hours that left, oldest first (one pass over the buckets; no Math.min(...keys): spreading
    // a large collection into arguments overflows the stack).
    const gone: number[] = [];
    for (const h of this.byHour.keys()) if (h < limit) gone.push(h);
    gone.sort((a, b) => a - b);
    for (const h of gone) {
      const set = this.byHour.get(h)!;
      this.byHour.delete(h);
      for (const d of set) {
        let k = 0;
        while (k < d.visits.length && d.visits[k].last < start) k++;
        if (k > 0) d.visits.splice(0, k);
        if (d.visits.length === 0 && this.devices.get(d.clientMac) === d) this.devices.delete(d.clientMac);
      }
    }
    let oldest = Infinity;
    for (const h of this.byHour.keys()) if (h < oldest) oldest = h;
    this.oldestHour = oldest;
  }
}
