/**
 * The one binary search of the lib. `firstIndex(lo, hi, isPast)`: the first index i in [lo, hi) for
 * which `isPast(i)` is true, where `isPast` is false up to some index and true from there on
 * (e.g. "ts[i] > t" over times sorted ascending); hi when it is never true. O(log(hi − lo)) calls.
 */
export function firstIndex(lo: number, hi: number, isPast: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isPast(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
