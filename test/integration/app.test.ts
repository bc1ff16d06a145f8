/**
 * The whole MV path through the real application: `npm start`'s launcher, Node-RED 4 with the
 * supplied flow, the embedded broker, an MQTT client publishing camera messages, mvData.csv.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import mqtt from 'mqtt';
import { App, freePort, NODE_RED_DIR, startApp, WORKED_VECTOR } from '../support/app';

const CAM_A = 'Q2GV-7HJK-2LMN';
const CAM_B = 'Q2JV-AB12-CD34';
const ZONE = '747034588190081129';
const T0 = Date.UTC(2024, 5, 20, 8, 0, 0); // 2024-06-20T08:00:00Z
const HEADER = 'serial,zone,timeIn,timeOut,durationS,peakPeople,messages';

interface Pub { topic: string; payload: string | Buffer }

/** Worked-vector traffic for several (serial, zone) keys, interleaved, with junk between. */
function scenario(keys: [string, string][], junk: Pub[] = []): Pub[] {
  const out: Pub[] = [];
  WORKED_VECTOR.forEach((people, i) => {
    keys.forEach(([serial, zone], k) => {
      out.push({
        topic: `/merakimv/${serial}/${zone}`,
        payload: JSON.stringify({ ts: T0 + i * 1000 + k, counts: { person: people, vehicle: 0 } }),
      });
    });
    if (junk.length && i % 7 === 3) out.push(junk[(i / 7) % junk.length | 0]);
  });
  return out;
}

const JUNK: Pub[] = [
  { topic: `/merakimv/${CAM_A}/0`, payload: 'not json' },
  { topic: `/merakimv/${CAM_A}/0`, payload: 'null' },
  { topic: `/merakimv/${CAM_A}/0`, payload: '[1,2,3]' },
  { topic: `/merakimv/${CAM_A}/0`, payload: JSON.stringify({ ts: T0, counts: { person: -4 } }) },
  { topic: `/merakimv/${CAM_A}/0`, payload: JSON.stringify({ counts: { person: 2 } }) },
  { topic: `/merakimv/${CAM_A}/0`, payload: JSON.stringify({ ts: 'yesterday', counts: { person: 2 } }) },
  { topic: `/merakimv/${CAM_A}/0`, payload: Buffer.from([0xff, 0xfe, 0x00, 0x81]) },
  { topic: `/merakimv/${CAM_A}/0`, payload: '{"ts":1e400,"counts":{"person":1}}' },
  { topic: '/merakimv/', payload: '{}' },
  { topic: `/merakimv/${CAM_A}/light`, payload: '{"lux":"bright"}' },
  { topic: `/merakimv/${CAM_A}/raw_detections`, payload: '{"ts":1,"objects":"many"}' },
  { topic: `/merakimv/${CAM_A}/0`, payload: '{"ts":' + '9'.repeat(5000) + '}' },
];

function row(serial: string, zone: string, k: number): string {
  const tin = new Date(T0 + 5000 + k).toISOString();
  const tout = new Date(T0 + 65000 + k).toISOString();
  return `${serial},${zone},${tin},${tout},60,3,80`;
}

async function publish(url: string, msgs: Pub[]): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `test-pub-${process.pid}` });
  for (const m of msgs) await client.publishAsync(m.topic, m.payload, { qos: 0 });
  await client.endAsync();
}

async function waitForFile(file: string, lines: number, ms = 15000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (text.split('\n').length - 1 >= lines) return text;
    if (Date.now() > end) throw new Error(`${file} has ${JSON.stringify(text)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm start: the MV path end to end', function () {
  this.timeout(90000);

  describe('with the embedded broker', function () {
    let app: App;

    before(async function () {
      app = await startApp();
    });

    after(function () {
      app?.cleanup();
    });

    it('binds Node-RED and the broker to loopback on the configured ports', function () {
      assert.match(app.output(), new RegExp(`Server now running at http://127\\.0\\.0\\.1:${app.port}/`));
      assert.match(app.output(), new RegExp(`MQTT broker listening on mqtt://127\\.0\\.0\\.1:${app.mqttPort}`));
    });

    it('prints one ready line with the dashboard, editor and summary URLs once Node-RED serves them', async function () {
      await app.waitForOutput(/\[start\] ready: /);
      const out = app.output();
      const ready = out.match(/\[start\] ready: .*/g) ?? [];
      assert.equal(ready.length, 1, out);
      assert.equal(ready[0], `[start] ready: dashboard ${app.base}/ui · editor ${app.base}/admin · summary ${app.base}/analytics/summary`);
      // after Node-RED listens and its flows run: no URL printed early
      assert.ok(out.indexOf('Server now running') < out.indexOf(ready[0]), out);
      assert.ok(out.indexOf('Started flows') < out.indexOf(ready[0]), out);
      assert.doesNotMatch(out.slice(0, out.indexOf('Server now running')), new RegExp(`${app.base}`));
      for (const p of ['/ui/', '/admin/', '/analytics/summary']) assert.equal((await fetch(app.base + p)).status, 200, p);
    });

    it('runs the Node-RED of NODE_RED_PATH (by default the project\'s) on the Node.js running the tests', function () {
      const esc = (v: string) => v.replace(/\./g, '\\.');
      const { version } = JSON.parse(fs.readFileSync(path.join(NODE_RED_DIR, 'package.json'), 'utf8'));
      // ("-git" when Node-RED sits in a git work tree, as the project's own does)
      assert.match(app.output(), new RegExp(`Node-RED version: v${esc(version)}(-git)?\n`), `Node-RED ${version} from ${NODE_RED_DIR}`);
      assert.match(app.output(), new RegExp(`Node\\.js +version: ${esc(process.version)}\n`));
    });

    it('writes the SPEC activities to $DATA_DIR/mvData.csv and survives malformed messages', async function () {
      const keys: [string, string][] = [[CAM_A, '0'], [CAM_A, ZONE], [CAM_B, '0']];
      await publish(`mqtt://127.0.0.1:${app.mqttPort}`, scenario(keys, JUNK));
      const file = path.join(app.dataDir, 'mvData.csv');
      const text = await waitForFile(file, 4);
      assert.equal(text, [HEADER, row(CAM_A, '0', 0), row(CAM_A, ZONE, 1), row(CAM_B, '0', 2)].join('\n') + '\n');
      // Junk was reported (the log takes 5 a minute in full, then a count of the rest: issue 10), none crashed anything.
      const reported = app.output().match(/\[mv-sense-parse:[^\]]*\] MV message dropped/g) ?? [];
      assert.ok(reported.length >= Math.min(5, JUNK.length - 1), `reported ${reported.length} of ${JUNK.length}`);
      assert.equal(app.proc.exitCode, null, 'still running');
      assert.doesNotMatch(app.output(), /Uncaught|TypeError|RangeError/);
    });

    it('serves the file at GET /analytics/mvData.csv and nothing else there', async function () {
      const res = await fetch(`${app.base}/analytics/mvData.csv`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
      assert.equal(await res.text(), fs.readFileSync(path.join(app.dataDir, 'mvData.csv'), 'utf8'));
      for (const p of ['/analytics/other.csv', '/analytics/..%2F..%2Fsettings.js', '/analytics/mvData.csv.bak', '/analytics/flows.json']) {
        const r = await fetch(app.base + p);
        assert.equal(r.status, 404, p);
      }
    });

    it('stops Node-RED and the broker cleanly on SIGTERM', async function () {
      const code = await app.stop('SIGTERM');
      assert.equal(code, 0);
      assert.match(app.output(), /Stopped flows/);
      assert.match(app.output(), /broker closed/);
      // The broker's port is free again.
      await new Promise<void>((resolve, reject) => {
        const srv = net.createServer().once('error', reject).listen(app.mqttPort, '127.0.0.1', () => srv.close(() => resolve()));
      });
    });
  });

  describe('with an external broker (MQTT_URL) and a narrower MQTT_TOPIC', function () {
    let app: App;
    let broker: any;
    let server: net.Server;
    let url: string;
    const subscribed: string[] = [];

    before(async function () {
      const { Aedes } = await import('aedes');
      broker = await Aedes.createBroker();
      broker.on('subscribe', (subs: { topic: string }[]) => subscribed.push(...subs.map((s) => s.topic)));
      server = net.createServer(broker.handle);
      const port = await freePort();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
      url = `mqtt://127.0.0.1:${port}`;
      app = await startApp(
        { MQTT_URL: url, MQTT_TOPIC: `/merakimv/${CAM_A}/#` },
        { waitFor: /Connected to broker/ },
      );
      const end = Date.now() + 10000;
      while (!subscribed.includes(`/merakimv/${CAM_A}/#`) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    });

    after(async function () {
      app?.cleanup();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    });

    it('uses that broker, starts none of its own, and subscribes to that topic only', async function () {
      assert.deepEqual(subscribed, [`/merakimv/${CAM_A}/#`]);
      assert.doesNotMatch(app.output(), /MQTT broker listening/);
      await new Promise<void>((resolve, reject) => {
        // MQTT_PORT was not taken by an embedded broker.
        const srv = net.createServer().once('error', reject).listen(app.mqttPort, '127.0.0.1', () => srv.close(() => resolve()));
      });
      await publish(url, scenario([[CAM_B, '0'], [CAM_A, '0']]));
      const text = await waitForFile(path.join(app.dataDir, 'mvData.csv'), 2);
      assert.equal(text, `${HEADER}\n${row(CAM_A, '0', 1)}\n`);
    });

    it('stops on Ctrl-C (SIGINT to the whole process group)', async function () {
      assert.equal(await app.stop('SIGINT', true), 0);
      assert.match(app.output(), /Stopped flows/);
      assert.match(app.output(), /Node-RED stopped/);
    });
  });

  describe('when the launcher itself is killed', function () {
    it('Node-RED notices, writes out its queues and exits instead of living on orphaned', async function () {
      const app = await startApp();
      try {
        await publish(`mqtt://127.0.0.1:${app.mqttPort}`, scenario([[CAM_A, '0']]));
        await waitForFile(path.join(app.dataDir, 'mvData.csv'), 2);
        app.proc.kill('SIGKILL'); // the launcher only; Node-RED is its child
        const end = Date.now() + 20000;
        let up = true;
        while (up && Date.now() < end) {
          up = await fetch(`${app.base}/analytics/mvData.csv`).then(() => true, () => false);
          if (up) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(up, false, 'Node-RED still answers after its launcher died');
      } finally {
        app.cleanup();
      }
    });
  });
});
