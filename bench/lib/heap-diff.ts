/**
 * Compares two V8 heap snapshots (.heapsnapshot, as written by --heapsnapshot-signal or the
 * inspector): live objects grouped by what made them (constructor name for objects, the node type
 * otherwise: string, array, closure name, code, ...), the groups that grew most in self size and
 * in count. Self sizes only (no retained sizes): enough to see what accumulates.
 *
 *   npx tsx --max-old-space-size=8192 bench/lib/heap-diff.ts before.heapsnapshot after.heapsnapshot [top]
 *
 * Used by bench/soak.ts (BENCH_SOAK_HEAPSNAPSHOTS=1) in a child process of its own, so that the
 * parsing (the JSON text of a snapshot is several times the heap it describes) does not weigh on
 * the bench.
 */
import * as fs from 'fs';

export interface Group {
  key: string;
  count: number;
  bytes: number;
}

export function groups(file: string): { total: number; nodes: number; byKey: Map<string, Group> } {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields: string[] = meta.node_fields;
  const types: string[] = meta.node_types[0];
  const strings: string[] = snap.strings;
  const nodes: number[] = snap.nodes;
  const width = fields.length;
  const fType = fields.indexOf('type');
  const fName = fields.indexOf('name');
  const fSize = fields.indexOf('self_size');
  const byKey = new Map<string, Group>();
  let total = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + fType]];
    const name = strings[nodes[i + fName]];
    const size = nodes[i + fSize];
    let key: string;
    if (type === 'object' || type === 'closure' || type === 'native') key = `${type} ${name.length > 60 ? name.slice(0, 57) + '...' : name}`;
    else if (type === 'hidden' || type === 'synthetic') key = `(${type}) ${name.slice(0, 40)}`;
    else key = `(${type})`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { key, count: 0, bytes: 0 }));
    g.count += 1;
    g.bytes += size;
    total += size;
  }
  return { total, nodes: nodes.length / width, byKey };
}

export function diff(before: string, after: string, top = 20): string[] {
  const a = groups(before);
  const b = groups(after);
  const rows: { key: string; dCount: number; dBytes: number; count: number; bytes: number }[] = [];
  for (const [key, g] of b.byKey) {
    const o = a.byKey.get(key);
    rows.push({ key, dCount: g.count - (o?.count ?? 0), dBytes: g.bytes - (o?.bytes ?? 0), count: g.count, bytes: g.bytes });
  }
  for (const [key, o] of a.byKey) if (!b.byKey.has(key)) rows.push({ key, dCount: -o.count, dBytes: -o.bytes, count: 0, bytes: 0 });
  const mb = (n: number) => `${(n / 1048576).toFixed(2)} MB`;
  const out: string[] = [];
  out.push(`heap (self sizes): ${mb(a.total)} in ${a.nodes.toLocaleString('en-US')} objects → ${mb(b.total)} in ${b.nodes.toLocaleString('en-US')} (${b.total >= a.total ? '+' : ''}${mb(b.total - a.total)})`);
  const line = (r: (typeof rows)[number]) =>
    `  ${(r.dBytes >= 0 ? '+' : '') + mb(r.dBytes)}`.padEnd(14) + `${(r.dCount >= 0 ? '+' : '') + r.dCount.toLocaleString('en-US')}`.padStart(11) +
    ` objects   now ${mb(r.bytes)} in ${r.count.toLocaleString('en-US')}   ${r.key}`;
  out.push(`grew most in bytes:`);
  for (const r of rows.filter((r) => r.dBytes > 0).sort((x, y) => y.dBytes - x.dBytes).slice(0, top)) out.push(line(r));
  out.push(`grew most in count:`);
  for (const r of rows.filter((r) => r.dCount > 0).sort((x, y) => y.dCount - x.dCount).slice(0, Math.ceil(top / 2))) out.push(line(r));
  out.push(`shrank most in bytes:`);
  for (const r of rows.filter((r) => r.dBytes < 0).sort((x, y) => x.dBytes - y.dBytes).slice(0, Math.ceil(top / 4))) out.push(line(r));
  return out;
}

if (require.main === module) {
  const [before, after, top] = process.argv.slice(2);
  if (!before || !after) {
    console.error('usage: heap-diff.ts before.heapsnapshot after.heapsnapshot [top]');
    process.exit(2);
  }
  for (const l of diff(before, after, Number(top) || 20)) console.log(l);
}
