/**
 * Time helpers shared by every parser: epoch normalisation and ISO formatting.
 */
import { isUnset } from './options';

/** Below this magnitude an epoch number is read as seconds, at or above it as milliseconds
 *  (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_LIMIT = 1e11;
/** The largest instant a JavaScript Date can format (year 275760). */
const MAX_MS = 8.64e15;

/**
 * An epoch value in seconds or milliseconds (a number or a numeric string), told apart by
 * magnitude, as epoch milliseconds. Anything else (negative, not finite, out of range) → null.
 */
export function toEpochMs(value: unknown): number | null {
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) && value.length <= 32) {
    n = Number(value); // plain decimals only: not "0x10", "1e3" or ""
  } else {
    return null;
  }
  if (!Number.isFinite(n) || n < 0) return null;
  const ms = n < SECONDS_LIMIT ? n * 1000 : n;
  if (ms > MAX_MS) return null;
  return Math.round(ms);
}

/**
 * A time given as epoch (seconds or ms) or as an ISO-8601 string → epoch ms, or null.
 */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'string') {
    const zulu = isoZulu(value);
    if (zulu !== null) return zulu;
  }
  const epoch = toEpochMs(value);
  if (epoch !== null) return epoch;
  if (typeof value !== 'string' || value.length > 64) return null;
  // Only ISO-8601-like strings: Date.parse accepts much else (e.g. "1", "March 7").
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) return null;
  // Meraki times are UTC; without a zone designator Date.parse would take the host's zone.
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : value + 'Z';
  const ms = Date.parse(zoned.replace(' ', 'T'));
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/** A decimal digit's value at `i`, or a large negative number (so that a field with another character is out of range). */
function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1e9;
}

/**
 * What Meraki sends, `2024-06-20T08:00:12Z` or `2024-06-20T08:00:12.345Z`, with a real date of
 * 1970–9999 and a time of 00:00:00–23:59:59 → epoch ms, as Date.parse gives it (both are the
 * ECMAScript MakeDate of the fields), without parseTime()'s regular expressions and Date.parse
 * (several times slower). Anything else → null: parseTime() then reads it the general way.
 */
function isoZulu(s: string): number | null {
  const n = s.length;
  if ((n !== 20 && n !== 24) || s.charCodeAt(n - 1) !== 90 /* Z */) return null;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return null;
  if (n === 24 && s.charCodeAt(19) !== 46 /* . */) return null;
  const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const mo = digit(s, 5) * 10 + digit(s, 6);
  const d = digit(s, 8) * 10 + digit(s, 9);
  const h = digit(s, 11) * 10 + digit(s, 12);
  const mi = digit(s, 14) * 10 + digit(s, 15);
  const sec = digit(s, 17) * 10 + digit(s, 18);
  const ms = n === 24 ? digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22) : 0;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0) return null;
  const days = mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  if (d > days) return null;
  // days since 1970-01-01 (H. Hinnant's days_from_civil, as isoUtc() goes the other way)
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return (era * 146097 + doe - 719468) * 86400000 + h * 3600000 + mi * 60000 + sec * 1000 + ms;
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : '' + n);
const pad3 = (n: number): string => (n < 10 ? '00' + n : n < 100 ? '0' + n : '' + n);
/** The date part of the last day formatted: camera messages mostly fall on the same day. */
let lastDay = -1;
let lastDate = '';
/** ... and the date-hour-minute part of the last minute formatted. */
let lastMinute = -1;
let lastMinuteText = '';

/**
 * The texts of whole seconds made last, in 64 slots by the second's low bits: the observations of
 * a Scanning API post carry whole seconds, many the same (one string for them, not one each).
 */
const SECOND_SLOTS = 64;
const slotSecond = new Float64Array(SECOND_SLOTS).fill(-1);
const slotText = new Array<string>(SECOND_SLOTS).fill('');

/**
 * Epoch ms → ISO-8601 UTC (`2024-06-20T08:00:12.345Z`), exactly as Date#toISOString but several
 * times faster for years 1970–9999 (it runs for every camera message and observation); other
 * values use Date.
 */
export function isoUtc(ms: number): string {
  if (!(ms >= 0 && ms < 253402300800000) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  if (ms % 1000 === 0) {
    const second = ms / 1000;
    const slot = second & (SECOND_SLOTS - 1);
    if (slotSecond[slot] === second) return slotText[slot];
    const text = clockText(ms);
    slotSecond[slot] = second;
    slotText[slot] = text;
    return text;
  }
  return clockText(ms);
}

function clockText(ms: number): string {
  const minute = Math.floor(ms / 60000);
  if (minute === lastMinute) {
    const rest = ms - minute * 60000;
    const sec = Math.floor(rest / 1000);
    return `${lastMinuteText}${pad2(sec)}.${pad3(rest - sec * 1000)}Z`;
  }
  const days = Math.floor(ms / 86400000);
  let rest = ms - days * 86400000;
  const h = Math.floor(rest / 3600000);
  rest -= h * 3600000;
  const mi = Math.floor(rest / 60000);
  rest -= mi * 60000;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  const time = `${pad2(h)}:${pad2(mi)}:${pad2(sec)}.${pad3(milli)}Z`;
  if (days === lastDay) {
    lastMinute = minute;
    lastMinuteText = `${lastDate}${pad2(h)}:${pad2(mi)}:`;
    return lastDate + time;
  }
  // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-compatible low-level date algorithms").
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  lastDay = days;
  lastDate = `${y}-${pad2(m)}-${pad2(d)}T`;
  lastMinute = minute;
  lastMinuteText = `${lastDate}${pad2(h)}:${pad2(mi)}:`;
  return lastDate + time;
}

// ---------------------------------------------------------------------------------------------
// Bounds on times from the network (cameras, access points): a clock far ahead would silence a
// camera zone (every later message looks late) and add to every hourly slot until that day;
// one far behind is a reset clock or a value in the wrong unit.

/** Default tolerance for times ahead of the wall clock (an option on the nodes): NTP-synced
 *  cameras and APs are within seconds; 5 min covers a drifting host clock. */
export const DEFAULT_FUTURE_TOLERANCE_S = 300;
/** The largest tolerance an option may set (1 day). */
export const MAX_FUTURE_TOLERANCE_S = 86_400;
/** Times before 2015-01-01T00:00:00Z are refused as absurd: older than the Scanning API 2.0 and
 *  MV cameras, so a reset clock (1970) or a number in the wrong unit (`99999999999` ms is 1973). */
export const MIN_TIME_MS = Date.UTC(2015, 0, 1);

export type TimeVerdict = 'ok' | 'future' | 'old';

/** The tolerance option (seconds; empty → the default) → ms; throws a readable error when out of range. */
export function futureToleranceMs(raw: unknown): number {
  if (isUnset(raw)) return DEFAULT_FUTURE_TOLERANCE_S * 1000;
  const n = typeof raw === 'number' || typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > MAX_FUTURE_TOLERANCE_S) {
    throw new Error(`the tolerance for times ahead of the clock must be 0–${MAX_FUTURE_TOLERANCE_S} seconds`);
  }
  return n * 1000;
}

/**
 * Where a message time stands against the wall clock: more than `toleranceMs` ahead → 'future';
 * before MIN_TIME_MS (when `floor` is true) → 'old'. Not a finite number → 'old'.
 */
export function checkTime(ts: number, now: number, toleranceMs = DEFAULT_FUTURE_TOLERANCE_S * 1000, floor = true): TimeVerdict {
  if (!Number.isFinite(ts)) return 'old';
  if (ts > now + toleranceMs) return 'future';
  if (floor && ts < MIN_TIME_MS) return 'old';
  return 'ok';
}

/** Why a time was refused, for an error text or a log line. */
export function timeRefusal(verdict: Exclude<TimeVerdict, 'ok'>, ts: number, toleranceMs: number): string {
  const when = Number.isFinite(ts) && Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : String(ts);
  return verdict === 'future'
    ? `time ${when} is more than ${Math.round(toleranceMs / 1000)} s ahead of the clock`
    : `time ${when} is before ${new Date(MIN_TIME_MS).toISOString().slice(0, 10)}`;
}
