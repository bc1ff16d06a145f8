/**
 * A local time of day at which something starts again every day (line-counter's occupancy reset at
 * `resetAt`), in an IANA time zone, DST days included:
 * - on the day the clocks go forward over that time, it happens when the clock jumps past it;
 * - on the day they go back over it, it happens once, the first time the clock shows it.
 * Framework-free; the local hours come from tz.ts.
 */
import { LocalHours } from './tz';

const DAY = 86_400_000;
const QUARTER = 15 * 60_000;

/** `HH:MM` (24-hour clock) → minutes after midnight; throws a readable error. */
export function parseTimeOfDay(text: unknown): number {
  const m = typeof text === 'string' ? /^\s*(\d{1,2}):(\d{2})\s*$/.exec(text) : null;
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`"${String(text).slice(0, 40)}" is not a time of day (HH:MM, 00:00 to 23:59)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export class DailyReset {
  private readonly minutes: number;

  constructor(
    readonly hours: LocalHours,
    /** `HH:MM` */
    readonly at: string,
  ) {
    this.minutes = parseTimeOfDay(at);
  }

  /** The latest reset at or before instant t. */
  last(t: number): number {
    const day = this.localDay(t);
    const r = this.onDay(day);
    return r <= t ? r : this.onDay(day - 1);
  }

  /** The first reset after instant t. */
  next(t: number): number {
    const day = this.localDay(t);
    const r = this.onDay(day);
    return r > t ? r : this.onDay(day + 1);
  }

  /** Days since 1970-01-01 of the local date at instant t. */
  private localDay(t: number): number {
    return Math.floor((t + this.hours.offset(t)) / DAY);
  }

  /** The instant of the reset on local day `day`. */
  private onDay(day: number): number {
    const wall = day * DAY + this.minutes * 60_000; // the local clock reading, as if it were UTC
    const h = this.hours;
    const before = h.offset(wall - DAY);
    const after = h.offset(wall + DAY);
    const candidates = [wall - before, wall - after].filter((u) => u + h.offset(u) === wall);
    if (candidates.length) return Math.min(...candidates);
    // The clocks jump over that time: the reset happens at the jump, the first instant whose local
    // time is past it (zones change their offset on quarter hours).
    const from = Math.min(wall - before, wall - after);
    const to = Math.max(wall - before, wall - after);
    for (let q = Math.ceil(from / QUARTER) * QUARTER; q <= to; q += QUARTER) if (q + h.offset(q) >= wall) return q;
    return wall - before;
  }
}
