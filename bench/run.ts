/**
 * `npm run bench`: runs every bench/*.ts in turn (alphabetical), except this file and anything
 * under bench/lib/ (helpers) or starting with `_`. Each bench runs in its own Node.js process
 * (same TypeScript loader, plus --expose-gc), so that one bench's runtime, JIT and heap state do
 * not colour the next; a bench is a module that runs itself when it is the main module (and also
 * exports `run()`). `npm run bench -- mv` runs only the benches whose name contains "mv".
 * Benches measure and print; they never assert timings. The exit code is non-zero only when a
 * bench crashed or reported that its own results are invalid.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

function runOne(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', file], { stdio: 'inherit' });
    child.on('error', (err) => {
      console.error(`could not start ${file}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const benches = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_') && !f.endsWith('.d.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (benches.length === 0) {
    console.log('no bench matched');
    return;
  }
  const results: { name: string; code: number; seconds: number }[] = [];
  for (const f of benches) {
    const name = f.replace(/\.ts$/, '');
    console.log(`\n=== bench ${name} ===`);
    const t0 = Date.now();
    const code = await runOne(path.join(__dirname, f));
    results.push({ name, code, seconds: (Date.now() - t0) / 1000 });
  }
  console.log('\n=== summary ===');
  for (const r of results) {
    console.log(`  ${r.name.padEnd(20)} ${r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`}  ${r.seconds.toFixed(1)} s`);
  }
  if (results.some((r) => r.code !== 0)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
