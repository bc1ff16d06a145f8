/** Short numbers for status texts: 950, 9.5k, 12k, 346k, 1.2M, 2.5G (Intl compact notation). */

const FORMAT = new Intl.NumberFormat('en', {
  notation: 'compact',
  // one decimal below 10 of a unit (9.5k), whole numbers above (12k, 346k); Node < 19 ignores
  // roundingPriority and keeps two significant digits (350k)
  maximumFractionDigits: 0,
  maximumSignificantDigits: 2,
  roundingPriority: 'morePrecision',
});

/** Intl's English units → ours (k as in SI, G rather than B for 10^9). */
const UNITS: Readonly<Record<string, string>> = { K: 'k', M: 'M', B: 'G', T: 'T' };

export function compact(n: number): string {
  if (!Number.isFinite(n)) return '?';
  let out = '';
  for (const part of FORMAT.formatToParts(n)) out += part.type === 'compact' ? (UNITS[part.value] ?? part.value) : part.value;
  return out;
}
