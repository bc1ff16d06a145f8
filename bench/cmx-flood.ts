/**
 * /cmx flood bench (issue 10, item 1): the real application (`npm start`'s launcher) while 40
 * connections each declare a 20 MB post and send half of it, then stall. Printed: the Node-RED
 * process's RSS before and at its peak (sampled every 100 ms from /proc), how the 40 were answered,
 * and GET /cmx answer times meanwhile; for the app as it ships (body budget 64 MB, 64 posts at once)
 * and, in the same run, with the bounds lifted (CMX_BODY_BUDGET_MB / CMX_MAX_POSTS set huge: what
 * the receiver did before issue 10, when every body was buffered whole). Targets: < 400 MB added,
 * GET /cmx < 1 s. A measurement, not a test: nothing is asserted.
 */
import * as net from 'net';
import { startApp } from '../test/support/app';
import { findNodeRed, procMem } from '../test/support/proc';
import { heading, line, median, runMain } from './lib/report';

const CONNECTIONS = Number(process.env.BENCH_FLOOD_CONNECTIONS) || 40;
const DECLARED = 20_000_000;
const SENT = DECLARED / 2;
const HOLD_MS = Number(process.env.BENCH_FLOOD_HOLD_MS) || 15_000;
const TARGET_MB = 400;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

interface Run {
  label: string;
  before: number;
  peak: number;
  answers: Record<string, number>;
  getMs: number[];
  failedGets: number;
}

async function flood(label: string, env: Record<string, string>): Promise<Run> {
  const app = await startApp({ CMX_SECRET: 'flood-secret', CMX_VALIDATOR: 'flood-validator', ...env });
  const sockets: net.Socket[] = [];
  const counters: ((what: string) => void)[] = [];
  try {
    const red = await findNodeRed(app.proc.pid!);
    await sleep(2000);
    const before = procMem(red)?.rss ?? NaN;
    let peak = before;
    const sampler = setInterval(() => {
      const m = procMem(red);
      if (m && m.rss > peak) peak = m.rss;
    }, 100);
    const answers: Record<string, number> = {};
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    await Promise.all(
      Array.from({ length: CONNECTIONS }, () => new Promise<void>((resolve) => {
        const s = net.connect(app.port, '127.0.0.1');
        sockets.push(s);
        let text = '';
        let counted = false;
        const count = (what: string) => {
          if (counted) return;
          counted = true;
          answers[what] = (answers[what] ?? 0) + 1;
        };
        counters.push(count);
        s.on('data', (d) => {
          text += d.toString('latin1');
          const m = /^HTTP\/1\.1 (\d+)/.exec(text);
          if (m) count(m[1]);
        });
        s.on('error', () => undefined);
        s.on('close', () => {
          count('closed without an answer');
          resolve();
        });
        s.on('connect', async () => {
          s.write(`POST /cmx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${DECLARED}\r\n\r\n`);
          for (let sent = 0; sent < SENT && !s.destroyed && !counted; sent += chunk.length) {
            // (a closed socket never drains: wait for either)
            if (!s.write(chunk)) await new Promise((r) => { s.once('drain', r); s.once('close', r); });
          }
          resolve();
        });
      })),
    );
    // while they hang: GET /cmx every 200 ms
    const getMs: number[] = [];
    let failedGets = 0;
    const end = Date.now() + HOLD_MS;
    while (Date.now() < end) {
      const t = performance.now();
      try {
        const res = await fetch(`${app.base}/cmx`, { signal: AbortSignal.timeout(5000) });
        await res.text();
        if (res.status === 200) getMs.push(performance.now() - t);
        else failedGets += 1;
      } catch {
        failedGets += 1;
      }
      await sleep(200);
    }
    clearInterval(sampler);
    sockets.forEach((s, i) => {
      if (!s.destroyed) counters[i]('still hanging (no answer yet)');
    });
    return { label, before, peak, answers, getMs, failedGets };
  } finally {
    for (const s of sockets) s.destroy();
    await app.stop();
    app.cleanup();
  }
}

export async function run(): Promise<void> {
  heading(`/cmx flood: ${CONNECTIONS} connections each declaring ${mb(DECLARED)} and sending ${mb(SENT)}, held ${HOLD_MS / 1000} s`);
  const runs = [
    await flood('bounds lifted (as before issue 10)', { CMX_BODY_BUDGET_MB: '100000', CMX_MAX_POSTS: '100000' }),
    await flood('as it ships (64 MB, 64 posts)', {}),
  ];
  for (const r of runs) {
    line(`${r.label}: RSS`, `${mb(r.before)} before, ${mb(r.peak)} at the peak: +${mb(r.peak - r.before)}`);
    line(`${r.label}: the ${CONNECTIONS} posts`, Object.entries(r.answers).map(([k, n]) => `${n} × ${k}`).join(', '));
    const sorted = [...r.getMs].sort((a, b) => a - b);
    line(`${r.label}: GET /cmx meanwhile`, `median ${median(r.getMs).toFixed(0)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(0)} ms, ${r.failedGets} failed (${r.getMs.length} answered)`);
  }
  const [lifted, ships] = runs;
  heading('Ratio and targets');
  line('added RSS lifted/ships', `${((lifted.peak - lifted.before) / Math.max(1, ships.peak - ships.before)).toFixed(1)}×`);
  const worst = ships.getMs.reduce((m, x) => Math.max(m, x), 0);
  line(`target: < ${TARGET_MB} MB added`, `+${mb(ships.peak - ships.before)} ${ships.peak - ships.before < TARGET_MB * 1e6 ? 'met' : 'NOT met'}`);
  line('target: GET /cmx < 1 s', `${worst.toFixed(0)} ms worst, ${ships.failedGets} failed: ${worst < 1000 && ships.failedGets === 0 ? 'met' : 'NOT met'}`);
}

if (require.main === module) runMain(run);
