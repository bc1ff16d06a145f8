/**
 * Dashboard websocket handshakes bench (issue 10, item 7): BENCH_HANDSHAKES (default 20,000)
 * socket.io handshakes without credentials (GET /ui/socket.io/?EIO=4&transport=polling, 50 at a
 * time) against the real application, and the Node-RED process's RSS before and after (/proc).
 * Two runs in the same bench: with DASHBOARD_USER/PASSWORD set (the handshake refused at the
 * server: what ships), and without them, where every handshake legitimately opens an engine.io
 * session (what each unauthenticated handshake cost before issue 10, when the credentials were
 * checked only at connect). A measurement, not a test: nothing is asserted.
 */
import { startApp } from '../test/support/app';
import { findNodeRed, procMem } from '../test/support/proc';
import { heading, int, line, runMain } from './lib/report';

const N = Number(process.env.BENCH_HANDSHAKES) || 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

const ROUNDS = 3;

async function handshakes(label: string, env: Record<string, string>): Promise<{ label: string; before: number; rounds: number[]; statuses: Record<string, number>; seconds: number }> {
  const app = await startApp(env);
  try {
    const red = await findNodeRed(app.proc.pid!);
    await sleep(3000);
    const before = procMem(red)?.rss ?? NaN;
    const statuses: Record<string, number> = {};
    const t = Date.now();
    const rounds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await one(app.base, statuses);
      rounds.push(procMem(red)?.rss ?? NaN);
    }
    const seconds = (Date.now() - t) / 1000;
    return { label, before, rounds, statuses, seconds };
  } finally {
    await app.stop();
    app.cleanup();
  }
}

async function one(base: string, statuses: Record<string, number>): Promise<void> {
  {
    for (let i = 0; i < N; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, N - i) }, async () => {
        const res = await fetch(`${base}/ui/socket.io/?EIO=4&transport=polling`).catch(() => null);
        const key = res ? String(res.status) : 'failed';
        if (res) await res.text();
        statuses[key] = (statuses[key] ?? 0) + 1;
      }));
    }
  }
}

export async function run(): Promise<void> {
  heading(`${ROUNDS} rounds of ${int(N)} socket.io handshakes without credentials on /ui/socket.io/ (RSS after each)`);
  const runs = [
    await handshakes('dashboard auth on (refused at the server)', { DASHBOARD_USER: 'viewer', DASHBOARD_PASSWORD: 'bench-pw-1' }),
    await handshakes('dashboard auth off (each opens a session)', {}),
  ];
  for (const r of runs) {
    line(`${r.label}`, `RSS ${mb(r.before)} → ${r.rounds.map(mb).join(' → ')} in ${r.seconds.toFixed(1)} s; answers ${Object.entries(r.statuses).map(([k, n]) => `${int(n)} × ${k}`).join(', ')}`);
  }
  const [on, off] = runs;
  const growth = (r: (typeof runs)[number]) => r.rounds[r.rounds.length - 1] - r.rounds[0];
  line('growth after the first round', `refused: +${mb(growth(on))}; sessions: +${mb(growth(off))}`);
}

if (require.main === module) runMain(run);
