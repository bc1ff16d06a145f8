/**
 * Local hours of an IANA time zone: which hour-of-day (0–23) an instant falls in, and every local
 * hour a time span overlaps (midnight and DST changes included, half-hour zones too).
 */

const QUARTER = 15 * 60_000;
const HOUR = 3_600_000;

/** The host's zone (what Node-RED runs in: TZ, or the system's). */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** True when Intl knows the zone. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Why `name` is not a time zone (null when it is one, or empty: the host's zone). */
export function timeZoneProblem(name: unknown): string | null {
  const tz = typeof name === 'string' ? name.trim() : '';
  return tz === '' || isTimeZone(tz) ? null : `unknown time zone "${tz}" (an IANA name such as Europe/Paris; empty: the host's)`;
}

export class LocalHours {
  readonly timeZone: string;
  private readonly fmt: Intl.DateTimeFormat;
  /** UTC offset (ms) per quarter hour: zones change offset only on quarter-hour boundaries */
  private readonly offsets = new Map<number, number>();
  private lastQuarter = NaN;
  private lastOffset = 0;

  constructor(timeZone?: string) {
    this.timeZone = timeZone && timeZone.trim() ? timeZone.trim() : hostTimeZone();
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: this.timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local time minus UTC, in ms, at instant t. */
  offset(t: number): number {
    const q = Math.floor(t / QUARTER);
    if (q === this.lastQuarter) return this.lastOffset; // (most calls in a row ask about the same quarter)
    const off = this.quarterOffset(q);
    this.lastQuarter = q;
    this.lastOffset = off;
    return off;
  }

  /**
   * The offset of quarter hour q (cached), without moving offset()'s memory of the last quarter:
   * for the probes of hourStart and forEachHour, which look at a quarter other than their instant's.
   */
  private quarterOffset(q: number): number {
    let off = this.offsets.get(q);
    if (off === undefined) {
      const at = q * QUARTER;
      const parts: Record<string, number> = {};
      for (const p of this.fmt.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
      off = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - at;
      if (this.offsets.size > 20_000) this.offsets.clear();
      this.offsets.set(q, off);
    }
    return off;
  }

  /** The local hour of day (0–23) of instant t. */
  hourOf(t: number): number {
    const local = t + this.offset(t);
    return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / HOUR);
  }

  /**
   * The UTC instant at which the local clock hour containing t began: by t's own offset, or at
   * the change of offset when that came inside the hour (Pacific/Chatham at 02:45), as
   * forEachHour cuts the hours. With the hour of day, it names one clock hour (the hour repeated
   * when clocks go back is two).
   */
  hourStart(t: number): number {
    const off = this.offset(t);
    const local = t + off;
    const nominal = t - (((local % HOUR) + HOUR) % HOUR);
    if (this.quarterOffset(nominal / QUARTER) === off) return nominal;
    let q = Math.floor(t / QUARTER);
    while ((q - 1) * QUARTER >= nominal && this.quarterOffset(q - 1) === off) q -= 1;
    return q * QUARTER;
  }

  /**
   * Calls `fn(hour, t)` once for every local clock hour that [from, to] overlaps, in order, with
   * t an instant of [from, to] inside that hour; a span of 30 hours visits some hours of day
   * twice, as it should.
   */
  forEachHour(from: number, to: number, fn: (hour: number, t: number) => void): void {
    if (!(to >= from)) return;
    let t = from;
    for (let guard = 0; guard < 24 * 400; guard++) {
      fn(this.hourOf(t), t);
      const off = this.offset(t);
      const local = t + off;
      let next = t + (HOUR - (((local % HOUR) + HOUR) % HOUR));
      if (this.quarterOffset(Math.floor((next - 1) / QUARTER)) !== off) {
        // the offset changes inside this local hour (Pacific/Chatham at 02:45): a new clock hour starts there
        let q = Math.floor(t / QUARTER) + 1;
        while (this.quarterOffset(q) === off) q += 1;
        next = q * QUARTER;
      }
      if (next > to) return;
      t = next;
    }
  }
}
