/**
 * "Acknowledged means durable" through the real application (`npm start`'s launcher, the supplied
 * flow with `output: post`): one message per post; a 202 survives a SIGKILL (every observation of
 * every post answered 202 is in cmxData.csv after a restart, none twice), also when the CSV file
 * could not be written at the time (the spool replays it); 503 + Retry-After beyond the bound.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import mqtt from 'mqtt';
import { App, startApp } from '../support/app';
import { fixture } from '../support/fixtures';

const SECRET = 'durable-test-secret';
const HEADER = 'time,clientMac,apMac,rssi,ssid,manufacturer,os,ipv4,lat,lng,unc,x,y,floor,networkId,radio,version';
const ENV = { CMX_SECRET: SECRET };

let serial = 0;
/** A v2 post of n observations, every one a new client; returns its body and the rows' keys. */
function post(n: number): { body: string; keys: string[] } {
  const observations = [];
  const keys: string[] = [];
  const epoch = Math.floor(Date.now() / 1000) - 600;
  for (let i = 0; i < n; i++) {
    serial += 1;
    const mac = (0x02dd00000000 + serial).toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
    const ts = (epoch - (serial % 300)) * 1000;
    keys.push(`${new Date(ts).toISOString()},${mac}`);
    observations.push({
      clientMac: mac, seenEpoch: ts / 1000, rssi: 30 + (serial % 40), ssid: 'Shop', os: 'Android', manufacturer: 'Samsung',
      ipv4: `/10.0.${(serial >> 8) & 255}.${serial & 255}`, location: { lat: 51.5, lng: -0.12, unc: 3.5, x: [1.5], y: [2.25] },
    });
  }
  const body = JSON.stringify({ version: '2.0', secret: SECRET, type: 'DevicesSeen', data: { apMac: 'e0:55:3d:10:4a:c1', apFloors: ['F1'], observations } });
  return { body, keys };
}

async function send(app: App, body: string): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

/** Posts from 4 connections until stop(); the keys of every post answered 202. */
function flood(app: App): { acked: string[]; statuses: Record<number, number>; stop(): Promise<void> } {
  let running = true;
  const acked: string[] = [];
  const statuses: Record<number, number> = {};
  const worker = async () => {
    while (running) {
      const p = post(500);
      try {
        const r = await send(app, p.body);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 202) acked.push(...p.keys);
        else if (r.status === 503) await new Promise((res) => setTimeout(res, 100));
      } catch {
        return; // the app is gone
      }
    }
  };
  const workers = [worker(), worker(), worker(), worker()];
  return {
    acked,
    statuses,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** The rows' "time,clientMac" keys; fails on a second header, a torn line or a row twice. */
function storedKeys(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf8');
  if (text === '') return new Set(); // opened, nothing written yet
  assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
  const lines = text.slice(0, -1).split('\n');
  assert.equal(lines[0], HEADER);
  const keys = new Set<string>();
  for (const l of lines.slice(1)) {
    assert.notEqual(l, HEADER, 'one header');
    const key = l.split(',').slice(0, 2).join(',');
    assert.ok(!keys.has(key), `stored twice: ${key}`);
    keys.add(key);
  }
  return keys;
}

/** Waits until the CSV file has stopped growing (the replay after a start is done). */
async function quiet(file: string, ms = 1500): Promise<void> {
  let last = -1;
  for (;;) {
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    if (size === last) return;
    last = size;
    await new Promise((r) => setTimeout(r, ms));
  }
}

async function deploy(app: App, change: (flows: any[]) => void): Promise<void> {
  const flows = await (await fetch(`${app.base}/admin/flows`)).json();
  change(flows);
  const res = await fetch(`${app.base}/admin/flows`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows),
  });
  assert.equal(res.status, 204);
  await new Promise((r) => setTimeout(r, 1000));
}

describe('npm start: acknowledged posts are durable (spool), batches, 503', function () {
  this.timeout(180000);
  const apps: App[] = [];
  const start = async (after?: App): Promise<App> => {
    const app = await startApp(ENV, { after });
    apps.push(app);
    return app;
  };

  after(async function () {
    for (const a of apps.reverse()) await a.stop().catch(() => undefined);
    apps[apps.length - 1]?.cleanup();
    for (const a of apps) a.cleanup();
  });

  it('the supplied flow sends one message per post: payload = its kept observations, msg.post', async function () {
    const app = await start();
    await deploy(app, (flows) => {
      const rx = flows.find((n: any) => n.id === 'cmx-in');
      assert.equal(rx.output, 'post');
      rx.wires = [[...rx.wires[0], 'post-info']];
      flows.push(
        { id: 'post-info', type: 'change', z: rx.z, rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"post": post, "n": $count(payload)}', tot: 'jsonata' }], wires: [['post-out']] },
        { id: 'post-out', type: 'mqtt out', z: rx.z, topic: 'test/post', qos: '0', retain: 'false', broker: 'mv-broker', wires: [] },
      );
    });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mqttPort}`);
    const got: any[] = [];
    await client.subscribeAsync('test/post');
    client.on('message', (_t, p) => got.push(JSON.parse(p.toString())));
    assert.equal((await send(app, JSON.stringify({ ...(fixture('B-6') as object), secret: SECRET }))).status, 202);
    const end = Date.now() + 10000;
    while (got.length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await client.endAsync();
    assert.deepEqual(got, [{ post: { version: '3.0', type: 'WiFi', count: 2 }, n: 2 }]);
    await app.stop();
  });

  it('posts accepted while the CSV file cannot be written: 503 past the bound, and after a kill and restart every 202 is stored once', async function () {
    const first = apps[0];
    const app = await start(first);
    const file = path.join(app.dataDir, 'cmxData.csv');
    await deploy(app, (flows) => {
      flows.find((n: any) => n.id === 'cmx-in').maxPendingMB = 1;
    });
    // The CSV path becomes a folder: every write fails, nothing is stored, the spool keeps the posts.
    const aside = `${file}.aside`;
    if (fs.existsSync(file)) fs.renameSync(file, aside);
    fs.mkdirSync(file);
    const acked: string[] = [];
    const statuses: Record<number, number> = {};
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const p = post(500);
      const r = await send(app, p.body);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 202) acked.push(...p.keys);
      if (r.status === 503) retryAfter = r.retryAfter;
    }
    assert.ok(statuses[202] >= 2, JSON.stringify(statuses));
    assert.ok(statuses[503] >= 1, `503 past the bound: ${JSON.stringify(statuses)}`);
    assert.equal(retryAfter, '2');
    await app.stop('SIGKILL', true);
    fs.rmdirSync(file);
    if (fs.existsSync(aside)) fs.renameSync(aside, file);

    const again = await start(app);
    await again.waitForOutput(/replaying \d+ accepted posts from the spool/);
    await quiet(file);
    await again.stop();
    const keys = storedKeys(file);
    const missing = acked.filter((k) => !keys.has(k));
    assert.deepEqual(missing.slice(0, 3), [], `${missing.length} of ${acked.length} acknowledged observations missing`);
  });

  it('a csv-store behind a junction counts as wired: its posts are spooled', async function () {
    const app = await start(apps[apps.length - 1]);
    const spoolDir = path.join(app.userDir, 'cmx-spool');
    const spooled = (): number => fs.readdirSync(spoolDir).filter((f) => f.endsWith('.spool')).reduce((n, f) => n + fs.statSync(path.join(spoolDir, f)).size, 0);
    await deploy(app, (flows) => {
      const rx = flows.find((n: any) => n.id === 'cmx-in');
      flows.push({ id: 'cmx-junction', type: 'junction', z: rx.z, x: 200, y: 300, wires: [rx.wires[0]] });
      rx.wires = [['cmx-junction']];
    });
    const before = spooled();
    assert.equal((await send(app, post(500).body)).status, 202);
    assert.ok(spooled() > before + 10_000, 'the post went into the spool');
    await app.stop();
  });

  it('SIGKILL mid-load: every observation of every post answered 202 is in cmxData.csv after a restart, none twice', async function () {
    const app = await start(apps[apps.length - 1]);
    const file = path.join(app.dataDir, 'cmxData.csv');
    const before = fs.existsSync(file) ? storedKeys(file).size : 0;
    const load = flood(app);
    const end = Date.now() + 20000;
    while (load.acked.length < 20 * 500 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await app.stop('SIGKILL', true); // launcher and Node-RED, mid-load
    await load.stop();
    assert.ok(load.acked.length >= 10 * 500, `only ${load.acked.length} observations acknowledged before the kill: ${JSON.stringify(load.statuses)}`);

    const again = await start(app);
    await quiet(file);
    await again.stop();
    const keys = storedKeys(file);
    const missing = load.acked.filter((k) => !keys.has(k));
    assert.deepEqual(missing.slice(0, 3), [], `${missing.length} of ${load.acked.length} acknowledged observations missing`);
    assert.ok(keys.size >= before + load.acked.length);
  });
});
