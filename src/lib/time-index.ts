/**
 * Observations sorted by time in flat typed arrays (time and signal as doubles, device and AP as
 * 32-bit ids: 24 bytes each). Every add appends at the end in O(1), in order or not. Late arrivals
 * (Meraki posts a minute of observations at a time, from many APs, so most arrive behind newer
 * ones) are put in place in bulk: the run added since the first late one is sorted (stably: equal
 * times keep arrival order) and merged into what precedes it from the back, when a query needs
 * the order or the run grows past an eighth of the index (at least 16,384, at most 262,144), so each entry is moved
 * a bounded number of times however late it came (moving what follows every late arrival at once
 * cost 87 s for 600,000 minute-late observations). Range queries in O(log n + k); eviction from the
 * front by moving a head pointer (amortised O(1)).
 *
 * Device MACs and AP MACs are interned as ids; ids of evicted devices are given back by a
 * compaction that runs when most known ids are no longer referenced, so memory stays flat over
 * days of new (e.g. randomised) MACs.
 */

import { firstIndex } from './search';

/** Strings ↔ small integer ids (each distinct string gets the next id). */
class Interner {
  private ids = new Map<string, number>();
  names: string[] = [];

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  get size(): number {
    return this.names.length;
  }

  /** Keeps only the ids marked in `used`; returns old id → new id (−1 for dropped). */
  compact(used: Uint8Array): Int32Array {
    const remap = new Int32Array(this.names.length).fill(-1);
    const names: string[] = [];
    const ids = new Map<string, number>();
    for (let i = 0; i < this.names.length; i++) {
      if (!used[i]) continue;
      remap[i] = names.length;
      ids.set(this.names[i], names.length);
      names.push(this.names[i]);
    }
    this.names = names;
    this.ids = ids;
    return remap;
  }
}

/** AP id for "no AP". */
const NO_AP = -1;
/**
 * order() puts a late run in place once it is an eighth of the index, at least MIN_RUN and at
 * most MAX_RUN long (so one add never sorts more than MAX_RUN: a pause of ~20 ms, not ~0.5 s on
 * an index of millions)
 */
const MIN_RUN = 16_384;
const MAX_RUN = 262_144;

export class ObservationIndex {
  private ts = new Float64Array(1024);
  private rssi = new Float64Array(1024);
  private device = new Int32Array(1024);
  private ap = new Int32Array(1024);
  private head = 0;
  private tail = 0;
  /** where the run that may be out of order begins (−1: every entry is in order) */
  private disorder = -1;
  /** scratch space of order(): the run, sorted */
  private runTs = new Float64Array(0);
  private runRssi = new Float64Array(0);
  private runDevice = new Int32Array(0);
  private runAp = new Int32Array(0);
  private readonly devices = new Interner();
  private readonly aps = new Interner();

  get size(): number {
    return this.tail - this.head;
  }

  /** Known device ids (≥ the number of distinct devices held). */
  get deviceIds(): number {
    return this.devices.size;
  }

  /** Newest time held (−Infinity when empty). */
  get newest(): number {
    this.order();
    return this.tail > this.head ? this.ts[this.tail - 1] : -Infinity;
  }

  /** Appends; a late one (older than the entry before) starts or extends the run order() sorts. */
  add(ts: number, rssi: number, clientMac: string, apMac: string | null): void {
    if (this.tail === this.ts.length) this.grow();
    const at = this.tail;
    if (this.disorder < 0 && at > this.head && this.ts[at - 1] > ts) this.disorder = at;
    this.ts[at] = ts;
    this.rssi[at] = rssi;
    this.device[at] = this.devices.id(clientMac);
    this.ap[at] = apMac === null ? NO_AP : this.aps.id(apMac);
    this.tail += 1;
    if (this.disorder >= 0 && this.tail - this.disorder >= Math.min(MAX_RUN, Math.max(MIN_RUN, (this.tail - this.head) >> 3))) this.order();
  }

  /**
   * Puts the run [disorder, tail) in place: sorted by time (stably), then merged with the entries
   * before it from the back (an entry before the run and one in it with equal times: the one
   * before first, as it came first). O(run · log run + entries newer than the run's oldest).
   */
  private order(): void {
    const s = this.disorder;
    if (s < 0) return;
    this.disorder = -1;
    const k = this.tail - s;
    const { ts, rssi, device, ap } = this;
    const perm = new Uint32Array(k);
    for (let i = 0; i < k; i++) perm[i] = s + i;
    perm.sort((a, b) => ts[a] - ts[b] || a - b);
    if (this.runTs.length < k) {
      const size = Math.max(k, this.runTs.length * 2);
      this.runTs = new Float64Array(size);
      this.runRssi = new Float64Array(size);
      this.runDevice = new Int32Array(size);
      this.runAp = new Int32Array(size);
    }
    const { runTs, runRssi, runDevice, runAp } = this;
    for (let j = 0; j < k; j++) {
      const p = perm[j];
      runTs[j] = ts[p];
      runRssi[j] = rssi[p];
      runDevice[j] = device[p];
      runAp[j] = ap[p];
    }
    // from the back: the larger of the last unplaced entry before the run and the last of the run
    let i = s - 1;
    let d = this.tail - 1;
    for (let j = k - 1; j >= 0; d--) {
      if (i >= this.head && ts[i] > runTs[j]) {
        ts[d] = ts[i];
        rssi[d] = rssi[i];
        device[d] = device[i];
        ap[d] = ap[i];
        i--;
      } else {
        ts[d] = runTs[j];
        rssi[d] = runRssi[j];
        device[d] = runDevice[j];
        ap[d] = runAp[j];
        j--;
      }
    }
  }

  /** Positions [start, end) of the entries with from ≤ ts ≤ to (read them with the accessors). */
  span(from: number, to: number): [number, number] {
    this.order();
    const start = this.lowerBound(from);
    return [start, firstIndex(start, this.tail, (i) => this.ts[i] > to)];
  }

  tsAt(i: number): number {
    return this.ts[i];
  }

  rssiAt(i: number): number {
    return this.rssi[i];
  }

  deviceAt(i: number): number {
    return this.device[i];
  }

  macOf(deviceId: number): string {
    return this.devices.names[deviceId];
  }

  apAt(i: number): string | null {
    const id = this.ap[i];
    return id === NO_AP ? null : this.aps.names[id];
  }

  /** Calls fn for each entry with from ≤ ts ≤ to, in time order. */
  range(from: number, to: number, fn: (ts: number, rssi: number, clientMac: string, apMac: string | null) => void): void {
    const [start, end] = this.span(from, to);
    for (let i = start; i < end; i++) fn(this.ts[i], this.rssi[i], this.macOf(this.device[i]), this.apAt(i));
  }

  /** Forgets every entry older than `start`; gives back the ids nothing refers to any more. */
  evictBefore(start: number): void {
    this.order();
    this.head = this.lowerBound(start);
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
    if (this.devices.size > 4096 && this.devices.size > 2 * this.size) this.compactIds();
  }

  private compactIds(): void {
    const usedDevices = new Uint8Array(this.devices.size);
    const usedAps = new Uint8Array(this.aps.size);
    for (let i = this.head; i < this.tail; i++) {
      usedDevices[this.device[i]] = 1;
      if (this.ap[i] !== NO_AP) usedAps[this.ap[i]] = 1;
    }
    const dev = this.devices.compact(usedDevices);
    const ap = this.aps.compact(usedAps);
    for (let i = this.head; i < this.tail; i++) {
      this.device[i] = dev[this.device[i]];
      if (this.ap[i] !== NO_AP) this.ap[i] = ap[this.ap[i]];
    }
  }

  /** The first position with ts ≥ t. */
  private lowerBound(t: number): number {
    return firstIndex(this.head, this.tail, (i) => this.ts[i] >= t);
  }

  /** Room at the end: move the live part to the front, or double the arrays. */
  private grow(): void {
    const live = this.tail - this.head;
    if (this.head > 0 && live <= this.ts.length / 2) {
      this.ts.copyWithin(0, this.head, this.tail);
      this.rssi.copyWithin(0, this.head, this.tail);
      this.device.copyWithin(0, this.head, this.tail);
      this.ap.copyWithin(0, this.head, this.tail);
    } else {
      const size = this.ts.length * 2;
      const ts = new Float64Array(size);
      ts.set(this.ts.subarray(this.head, this.tail));
      const rssi = new Float64Array(size);
      rssi.set(this.rssi.subarray(this.head, this.tail));
      const device = new Int32Array(size);
      device.set(this.device.subarray(this.head, this.tail));
      const ap = new Int32Array(size);
      ap.set(this.ap.subarray(this.head, this.tail));
      this.ts = ts;
      this.rssi = rssi;
      this.device = device;
      this.ap = ap;
    }
    if (this.disorder >= 0) this.disorder -= this.head;
    this.tail = live;
    this.head = 0;
  }
}
