/** Plain-text figures for benches. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** 123456.7 → "123,457" */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function rate(n: number): string {
  return `${int(n)} msg/s`;
}

export function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** A label padded to a column, then the text. */
export function line(label: string, text: string, width = 34): void {
  console.log(`  ${label.padEnd(width)} ${text}`);
}

export function heading(text: string): void {
  console.log(`\n${text}`);
}

/** Lets a GC run between measurements when the process allows it (node --expose-gc). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/**
 * Runs a bench's `run()` as its process's main work: the exit code is 1 when it throws (printed)
 * or says that its own results are invalid (resolves false), else 0.
 */
export function runMain(run: () => Promise<boolean | void>): void {
  run().then(
    (ok) => {
      if (ok === false) process.exitCode = 1;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
