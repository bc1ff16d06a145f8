/**
 * Observations sorted by time in flat arrays (time and signal as doubles, device and AP as
 * references to shared strings: about 32 bytes each): appends at the end in O(1), late arrivals by
 * binary search, range queries in O(log n + k), eviction from the front by moving a head pointer
 * (amortised O(1)).
 */

export class ObservationIndex {
  private ts = new Float64Array(1024);
  private rssi = new Float64Array(1024);
  private device: string[] = new Array<string>(1024);
  private ap: (string | null)[] = new Array<string | null>(1024);
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  /** Newest time held (−Infinity when empty). */
  get newest(): number {
    return this.tail > this.head ? this.ts[this.tail - 1] : -Infinity;
  }

  add(ts: number, rssi: number, device: string, ap: string | null): void {
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
    this.device[at] = device;
    this.ap[at] = ap;
    this.tail += 1;
  }

  /** Calls fn for each entry with from ≤ ts ≤ to, in time order. */
  range(from: number, to: number, fn: (ts: number, rssi: number, device: string, ap: string | null) => void): void {
    for (let i = this.lowerBound(from); i < this.tail && this.ts[i] <= to; i++) {
      fn(this.ts[i], this.rssi[i], this.device[i], this.ap[i]);
    }
  }

  /** Forgets every entry older than `start`. */
  evictBefore(start: number): void {
    const head = this.lowerBound(start);
    // Let go of the strings (the device and AP names) of what is evicted.
    this.device.fill('', this.head, head);
    this.ap.fill(null, this.head, head);
    this.head = head;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  private lowerBound(t: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private upperBound(t: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Room at the end: move the live part to the front, or double the arrays. */
  private grow(): void {
    const live = this.tail - this.head;
    const move = <T extends { copyWithin(t: number, s: number, e: number): unknown }>(a: T): void => {
      a.copyWithin(0, this.head, this.tail);
    };
    if (this.head > 0 && live <= this.ts.length / 2) {
      move(this.ts);
      move(this.rssi);
      move(this.device);
      move(this.ap);
      this.device.fill('', live);
      this.ap.fill(null, live);
    } else {
      const size = this.ts.length * 2;
      const ts = new Float64Array(size);
      ts.set(this.ts.subarray(this.head, this.tail));
      const rssi = new Float64Array(size);
      rssi.set(this.rssi.subarray(this.head, this.tail));
      const device = this.device.slice(this.head, this.tail);
      const ap = this.ap.slice(this.head, this.tail);
      device.length = size;
      ap.length = size;
      this.ts = ts;
      this.rssi = rssi;
      this.device = device;
      this.ap = ap;
    }
    this.tail = live;
    this.head = 0;
  }
}
