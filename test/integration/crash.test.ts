/**
 * Crash safety through the real application: while it stores thousands of Scanning API rows a
 * second, the whole app is killed (SIGKILL), restarted on the same folders, and the CSV must hold
 * one header, no torn or duplicated line, and every row that csv-store had acknowledged (passed on
 * downstream: here to an MQTT "ack" topic the test listens to). Then the same with a graceful
 * SIGTERM, which must also leave no torn line.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import mqtt from 'mqtt';
import { parse } from 'csv-parse/sync';
import { App, freePort, startApp } from '../support/app';

const SECRET = 'crash-test-secret';
const HEADER = 'time,clientMac,apMac,rssi,ssid,manufacturer,os,ipv4,lat,lng,unc,x,y,floor,networkId,radio,version';

let serial = 0;
/** A v2 post of n observations, every one a new client MAC and time. */
function post(n: number): string {
  const observations = [];
  for (let i = 0; i < n; i++) {
    serial += 1;
    const mac = (0x02cc00000000 + serial).toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
    observations.push({
      clientMac: mac, seenEpoch: 1718870400 + (serial % 86400), seenTime: null, rssi: 30 + (serial % 40),
      ssid: serial % 7 ? 'Shop' : '=cmd|calc', os: 'Android', manufacturer: 'Samsung', ipv4: `/10.0.${(serial >> 8) & 255}.${serial & 255}`,
      ipv6: null, location: { lat: 51.5, lng: -0.12, unc: 3.5, x: [1.5], y: [2.25] },
    });
  }
  return JSON.stringify({ version: '2.0', secret: SECRET, type: 'DevicesSeen', data: { apMac: 'e0:55:3d:10:4a:c1', apTags: [], apFloors: ['F1'], observations } });
}

/** Adds to the running flow: cmx csv-store → "clientMac|time" (one per row of the batch) → MQTT topic ack/cmx. */
async function addAcks(app: App): Promise<void> {
  const flows = await (await fetch(`${app.base}/admin/flows`)).json();
  const store = flows.find((n: any) => n.id === 'cmx-csv');
  store.wires = [[...store.wires[0], 'ack-key']];
  flows.push(
    { id: 'ack-key', type: 'change', z: store.z, name: 'ack key', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '[payload.(clientMac & "|" & time)]', tot: 'jsonata' }], x: 500, y: 700, wires: [['ack-out']] },
    { id: 'ack-out', type: 'mqtt out', z: store.z, name: 'acks', topic: 'ack/cmx', qos: '0', retain: 'false', broker: 'mv-broker', x: 700, y: 700, wires: [] },
  );
  const res = await fetch(`${app.base}/admin/flows`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows) });
  assert.equal(res.status, 204);
  await new Promise((r) => setTimeout(r, 1500));
}

/** Posts as fast as the app answers (4 at a time) until stop() is called. */
function flood(app: App): { stop(): Promise<number> } {
  let running = true;
  let accepted = 0;
  const worker = async () => {
    while (running) {
      try {
        const res = await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: post(500) });
        if (res.status === 202) accepted += 1;
        await res.arrayBuffer();
      } catch {
        return; // the app is gone
      }
    }
  };
  const workers = [worker(), worker(), worker(), worker()];
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return accepted;
    },
  };
}

/** Checks the file: one header, every line a whole 17-column record, no duplicate; returns its keys. */
function checkCsv(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
  const lines = text.slice(0, -1).split('\n');
  assert.equal(lines[0], HEADER);
  assert.equal(lines.filter((l) => l === HEADER).length, 1, 'one header');
  const records: string[][] = parse(text, { relax_quotes: false });
  const keys = new Set<string>();
  for (const r of records.slice(1)) {
    assert.equal(r.length, 17, `a torn or broken line: ${r.join(',')}`);
    const key = `${r[1]}|${r[0]}`;
    assert.ok(!keys.has(key), `duplicated line: ${key}`);
    keys.add(key);
  }
  assert.equal(new Set(lines).size, lines.length, 'no line twice');
  return keys;
}

describe('crash safety: killed and stopped while storing thousands of rows a second', function () {
  this.timeout(180000);
  let broker: any;
  let server: net.Server;
  let url: string;
  let app: App | undefined;
  let again: App | undefined;
  const acked = new Set<string>();
  let listener: mqtt.MqttClient;

  before(async function () {
    const { Aedes } = await import('aedes');
    broker = await Aedes.createBroker();
    server = net.createServer(broker.handle);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    url = `mqtt://127.0.0.1:${port}`;
    listener = await mqtt.connectAsync(url);
    await listener.subscribeAsync('ack/#');
    listener.on('message', (_t, p) => {
      for (const key of JSON.parse(p.toString())) acked.add(key);
    });
  });

  after(async function () {
    for (const a of [again, app]) {
      if (a) {
        await a.stop();
        a.cleanup();
      }
    }
    await listener?.endAsync();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
  });

  it('SIGKILL mid-write: after a restart the CSV is whole and holds every acknowledged row', async function () {
    app = await startApp({ MQTT_URL: url, CMX_SECRET: SECRET }, { waitFor: /Connected to broker/ });
    await addAcks(app);
    const load = flood(app);
    const end = Date.now() + 20000;
    while (acked.size < 5000 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.ok(acked.size >= 5000, `only ${acked.size} rows acknowledged before the kill`);
    await app.stop('SIGKILL', true); // the whole process group: launcher and Node-RED, mid-write
    const accepted = await load.stop();
    const ackedAtKill = new Set(acked);
    const file = path.join(app.dataDir, 'cmxData.csv');

    again = await startApp({ MQTT_URL: url, CMX_SECRET: SECRET }, { waitFor: /Connected to broker/, after: app });
    await again.stop('SIGTERM');
    const keys = checkCsv(file);
    const missing = [...ackedAtKill].filter((k) => !keys.has(k));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged rows missing of ${ackedAtKill.size}`);
    assert.ok(keys.size >= ackedAtKill.size);
    // Rows written but not yet acknowledged when it died may be there too; nothing else is.
    assert.ok(accepted > 0);
  });

  it('SIGTERM while storing: Node-RED writes out its queues and stops with a whole file', async function () {
    const app2 = await startApp({ MQTT_URL: url, CMX_SECRET: SECRET }, { waitFor: /Connected to broker/, after: app });
    again = app2;
    await addAcks(app2);
    const file = path.join(app2.dataDir, 'cmxData.csv');
    const rowsBefore = checkCsv(file).size;
    const before = acked.size;
    const load = flood(app2);
    const end = Date.now() + 20000;
    while (acked.size < before + 5000 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await app2.stop('SIGTERM'), 0, 'a clean exit');
    const accepted = await load.stop();
    await new Promise((r) => setTimeout(r, 300)); // last acks in flight
    const keys = checkCsv(file);
    const missing = [...acked].filter((k) => !keys.has(k));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged rows missing`);
    // Every post answered 202 before the stop was stored whole: nothing accepted is lost.
    assert.equal(keys.size - rowsBefore, accepted * 500, `${accepted} posts accepted`);
    assert.doesNotMatch(app2.output(), /could not write|CSV file is closed/);
  });
});
