/**
 * Observations sorted by time in flat typed arrays (time and signal as doubles, device and AP as
 * 32-bit ids: 24 bytes each): appends at the end in O(1); late arrivals by binary search and a
 * memmove of what follows (observations arrive up to a minute late, so that is a short move);
 * range queries in O(log n + k); eviction from the front by moving a head pointer (amortised O(1)).
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

export class ObservationIndex {
  private ts = new Float64Array(1024);
  private rssi = new Float64Array(1024);
  private device = new Int32Array(1024);
  private ap = new Int32Array(1024);
  private head = 0;
  private tail = 0;
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
    return this.tail > this.head ? this.ts[this.tail - 1] : -Infinity;
  }

  add(ts: number, rssi: number, clientMac: string, apMac: string | null): void {
    if (this.tail === this.ts.length) this.grow();
    let at = this.tail;
    if (at > this.head && this.ts[at - 1] > ts) {
      // late: after every entry ≤ ts (so equal times keep arrival order)
      at = this.upperBound(ts);
      this.ts.copyWithin(at + 1, at, this.tail);
      this.rssi.copyWithin(at + 1, at, this.tail);
      this.device.copyWithin(at + 1, at, this.tail);
      this.ap.copyWithin(at + 1, at, this.tail);
    }
    this.ts[at] = ts;
    this.rssi[at] = rssi;
    this.device[at] = this.devices.id(clientMac);
    this.ap[at] = apMac === null ? NO_AP : this.aps.id(apMac);
    this.tail += 1;
  }

  /** Positions [start, end) of the entries with from ≤ ts ≤ to (read them with the accessors). */
  span(from: number, to: number): [number, number] {
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

  /** The first position with ts > t. */
  private upperBound(t: number): number {
    return firstIndex(this.head, this.tail, (i) => this.ts[i] > t);
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
    this.tail = live;
    this.head = 0;
  }
}
