/**
 * Summary of a V8 CPU profile (`node --cpu-prof`): self time per function and per area (GC, our
 * code, Node-RED, Node.js internals, …), optionally per unit of work (µs per observation).
 *
 *   tsx bench/lib/cpuprofile.ts <file.cpuprofile> [units] [top]
 */
import * as fs from 'fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Summary {
  /** ms of samples, idle excluded */
  busyMs: number;
  totalMs: number;
  functions: { name: string; ms: number }[];
  areas: { name: string; ms: number }[];
}

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return '(program: native, not attributed)';
  if (url === '' ) return name.startsWith('(') ? name : 'V8 builtins / native';
  if (url.includes('/dist/src/lib/')) return 'ours: src/lib';
  if (url.includes('/dist/nodes/') || url.includes('/dist/src/red/')) return 'ours: node adapters';
  if (url.includes('/@node-red/') || url.includes('/node-red/')) return 'Node-RED';
  if (url.includes('/csv-stringify/')) return 'csv-stringify';
  if (url.includes('/express/') || url.includes('/body-parser/') || url.includes('/compression/') || url.includes('/router/')) return 'express & middleware';
  if (url.startsWith('node:')) return `Node.js ${url.slice(5).split('/')[0]}`;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  return 'other';
}

export function summarise(file: string): Summary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const fn = new Map<string, number>();
  const ar = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += us;
    if (functionName === '(idle)') continue;
    busy += us;
    const short = url.replace(/^.*\/(node_modules\/)/, '$1').replace(/^.*\/dist\//, 'dist/').replace(/^file:\/\//, '');
    const key = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = area(url, functionName);
    ar.set(a, (ar.get(a) ?? 0) + us);
  }
  const sort = (m: Map<string, number>) => [...m].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { busyMs: busy / 1000, totalMs: total / 1000, functions: sort(fn), areas: sort(ar) };
}

export function print(s: Summary, units = 0, top = 25): void {
  const per = (ms: number) => (units ? `  ${((ms * 1000) / units).toFixed(2).padStart(6)} µs/obs` : '');
  console.log(`  busy ${(s.busyMs / 1000).toFixed(2)} s of ${(s.totalMs / 1000).toFixed(2)} s sampled${units ? `, ${((s.busyMs * 1000) / units).toFixed(1)} µs per observation` : ''}`);
  console.log('  by area:');
  for (const a of s.areas.slice(0, 14)) console.log(`    ${(((a.ms / s.busyMs) * 100).toFixed(1) + '%').padStart(6)}${per(a.ms)}  ${a.name}`);
  console.log(`  top ${top} functions (self time):`);
  for (const f of s.functions.slice(0, top)) console.log(`    ${(((f.ms / s.busyMs) * 100).toFixed(1) + '%').padStart(6)}${per(f.ms)}  ${f.name}`);
}

if (require.main === module) {
  const [file, units, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/lib/cpuprofile.ts <file.cpuprofile> [units] [top]');
    process.exit(2);
  }
  print(summarise(file), Number(units) || 0, Number(top) || 25);
}
