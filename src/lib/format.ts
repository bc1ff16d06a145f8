/** Short numbers for status texts: 950, 9.5k, 12k, 1.2M. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(n);
  const [div, unit] = abs < 1e6 ? [1e3, 'k'] : abs < 1e9 ? [1e6, 'M'] : [1e9, 'G'];
  const v = n / div;
  return (Math.abs(v) < 10 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v).toString()) + unit;
}
