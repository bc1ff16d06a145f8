/** Short numbers for status texts: 950, 9.5k, 12k, 1.2M. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const units: [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const abs = Math.abs(n);
  if (abs < 1000) return String(n);
  for (let i = units.length - 1; i >= 0; i--) {
    const [div, unit] = units[i];
    const v = n / div;
    const text = Math.abs(v) < 10 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v).toString();
    // 999 999 rounds to "1000k": go up a unit instead.
    if (Math.abs(Number(text)) < 1000 || i === 0) return text + unit;
  }
  return String(n);
}
