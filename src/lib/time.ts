/**
 * Time helpers shared by every parser: epoch normalisation and ISO formatting.
 */

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

/** Epoch ms → ISO-8601 UTC (`2024-06-20T08:00:12.345Z`). */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}
