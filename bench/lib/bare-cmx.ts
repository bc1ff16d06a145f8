/**
 * Child process of the CMX bench: the baseline, a bare `node:http` server that does what the
 * application does for a Scanning API post with nothing around it. It reads the body, JSON.parses
 * it, checks the secret, maps each observation (v2.0 DevicesSeen, v3 WiFi as the bench generates
 * them) to the SPEC's 17 cmxData.csv columns, appends the lines to its CSV file (one write per
 * post, handed to the OS before answering) and answers 202. No Node-RED, no spool, no correlation.
 * Its rows are the same as the application's (the bench compares them).
 *
 *   child → parent  { type: 'ready', port }
 *   parent → child  { type: 'file', id, file }   appends to this file from now on (header if new)
 *   child → parent  { type: 'file', id }
 *   parent → child  { type: 'stop' } (or the IPC channel closes): exit
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { CMX_COLUMNS, SECRET } from './cmx-posts';

let fd: number | null = null;
/** writes go out one at a time, in order */
let chain: Promise<void> = Promise.resolve();

function openFile(file: string): void {
  if (fd !== null) fs.closeSync(fd);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fd = fs.openSync(file, 'a');
  if (fs.fstatSync(fd).size === 0) fs.writeSync(fd, CMX_COLUMNS + '\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function num(v: unknown): number | null {
  const x = Array.isArray(v) ? v[0] : v;
  if (x === null || x === undefined || x === '') return null;
  const n = Number(x);
  return Number.isFinite(n) ? n : null;
}

function mac(v: unknown): string {
  return String(v).toLowerCase();
}

function lines(body: any): string {
  const d = body.data;
  const out: string[] = [];
  if (String(body.version).startsWith('2')) {
    const floor = Array.isArray(d.apFloors) ? d.apFloors[0] ?? null : null;
    for (const o of d.observations) {
      const ts = o.seenEpoch * 1000;
      const rssi = o.rssi < 0 ? o.rssi + 95 : o.rssi;
      if (rssi < 15) continue;
      const ip = typeof o.ipv4 === 'string' ? o.ipv4.slice(o.ipv4.lastIndexOf('/') + 1) : null;
      const l = o.location ?? {};
      out.push([
        new Date(ts).toISOString(), mac(o.clientMac), mac(d.apMac), rssi, o.ssid, o.manufacturer, o.os, ip || null,
        num(l.lat), num(l.lng), num(l.unc), num(l.x), num(l.y), floor, null, 'wifi', body.version,
      ].map(cell).join(','));
    }
  } else {
    for (const o of d.observations) {
      for (const l of o.locations) {
        let best = -Infinity;
        let ap = '';
        for (const r of l.rssiRecords) if (r.rssi > best) { best = r.rssi; ap = r.apMac; }
        const rssi = best + 95;
        if (rssi < 15) continue;
        out.push([
          new Date(Date.parse(l.time)).toISOString(), mac(o.clientMac), mac(ap), rssi, o.ssid, o.manufacturer, o.os, o.ipv4 || null,
          num(l.lat), num(l.lng), num(l.variance), num(l.x), num(l.y), l.floorPlanName, d.networkId, 'wifi', body.version,
        ].map(cell).join(','));
      }
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}

function append(text: string): Promise<void> {
  const buf = Buffer.from(text);
  const run = chain.then(
    () =>
      new Promise<void>((resolve, reject) => {
        const write = (off: number): void => {
          if (off >= buf.length) return resolve();
          fs.write(fd!, buf, off, buf.length - off, null, (err, n) => (err ? reject(err) : write(off + n)));
        };
        write(0);
      }),
  );
  chain = run.catch(() => undefined);
  return run;
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('validator');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid JSON"}');
      return;
    }
    if (body?.secret !== SECRET) {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"error":"invalid secret"}');
      return;
    }
    append(lines(body)).then(
      () => res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"accepted"}'),
      () => res.writeHead(500).end(),
    );
  });
});
server.keepAliveTimeout = 120_000;

process.on('message', (m: any) => {
  if (m?.type === 'file') {
    openFile(m.file);
    process.send?.({ type: 'file', id: m.id });
  } else if (m?.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as { port: number }).port });
});
