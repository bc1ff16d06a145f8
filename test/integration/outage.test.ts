/**
 * MQTT broker outage: the broker goes away in the middle of an activity and comes back. Node-RED
 * keeps running, the open activity is closed by the idle rule, the dashboard shows the
 * disconnection, and after the broker is back the flow reconnects and records new activities.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import mqtt from 'mqtt';
import { chromium, Browser, Page } from 'playwright-core';
import { App, freePort, startApp, WORKED_VECTOR } from '../support/app';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CAM = 'Q2GV-7HJK-2LMN';

interface Broker { close(): Promise<void> }

async function startBroker(port: number): Promise<Broker> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy(); // like a broker that dies: no goodbye
        server.close(() => broker.close(() => resolve()));
      }),
  };
}

async function publish(port: number, from: number, people: number[], t0: number): Promise<void> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
  for (let i = 0; i < people.length; i++) {
    await c.publishAsync(`/merakimv/${CAM}/0`, JSON.stringify({ ts: t0 + (from + i) * 1000, counts: { person: people[i] } }));
  }
  await c.endAsync();
}

const rows = (app: App): string[] => {
  const f = path.join(app.dataDir, 'mvData.csv');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trimEnd().split('\n').slice(1) : [];
};

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('MQTT broker outage', function () {
  this.timeout(180000);
  let port: number;
  let broker: Broker | null = null;
  let app: App;
  let browser: Browser;
  let page: Page;
  const T0 = Date.UTC(2024, 5, 20, 8, 0, 0);

  before(async function () {
    port = await freePort();
    broker = await startBroker(port);
    app = await startApp({ MQTT_URL: `mqtt://127.0.0.1:${port}` }, { waitFor: /Connected to broker/ });
    // A short idle close, so the test need not wait two minutes.
    const flows = await (await fetch(`${app.base}/admin/flows`)).json();
    flows.find((n: any) => n.id === 'mv-activity').idleSeconds = 3;
    const res = await fetch(`${app.base}/admin/flows`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows) });
    assert.equal(res.status, 204);
    await app.waitForOutput(/Connected to broker[\s\S]*Connected to broker/, 20000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage();
    await page.goto(`${app.base}/ui/`);
    await page.waitForFunction(() => /connected/.test(document.querySelector('.mx-feed-state')?.textContent ?? ''), null, { timeout: 60000 });
  });

  after(async function () {
    await browser?.close().catch(() => undefined);
    if (app) {
      await app.stop();
      app.cleanup();
    }
    await broker?.close();
  });

  it('keeps running when the broker dies mid-activity, and closes the open activity by the idle rule', async function () {
    // Five zeros and sixty messages with people: an activity is open, no zero has come.
    await publish(port, 0, WORKED_VECTOR.slice(0, 65), T0);
    await new Promise((r) => setTimeout(r, 500));
    await broker!.close();
    broker = null;
    await app.waitForOutput(/Disconnected from broker/, 20000);
    // Idle close: no zero came, so it ends at its last message (t = 64 s); 60 messages, peak 3.
    await until('the idle close', () => rows(app).length === 1, 20000);
    assert.deepEqual(rows(app), [`${CAM},0,${new Date(T0 + 5000).toISOString()},${new Date(T0 + 64000).toISOString()},59,3,60`]);
    assert.equal(app.proc.exitCode, null, 'Node-RED is still running');
  });

  it('shows the disconnection on the dashboard', async function () {
    await page.waitForFunction(() => /disconnected|connecting/.test(document.querySelector('.mx-feed-state')?.textContent ?? ''), null, { timeout: 30000 });
  });

  it('reconnects when the broker is back, and records new activities', async function () {
    broker = await startBroker(port);
    const seen = app.output().split('Connected to broker').length;
    await until('the reconnection', () => app.output().split('Connected to broker').length > seen, 60000);
    await page.waitForFunction(() => (document.querySelector('.mx-feed-state')?.textContent ?? '') === 'connected', null, { timeout: 30000 });
    await new Promise((r) => setTimeout(r, 500)); // the subscription goes out right after the connection
    await publish(port, 200, WORKED_VECTOR, T0);
    await until('the new activity', () => rows(app).length === 2, 20000);
    assert.equal(rows(app)[1], `${CAM},0,${new Date(T0 + 205000).toISOString()},${new Date(T0 + 265000).toISOString()},60,3,80`);
    assert.doesNotMatch(app.output(), /Uncaught|TypeError/);
  });
});
