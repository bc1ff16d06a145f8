/**
 * The Scanning API receiver through the real application (`npm start`'s launcher, Node-RED 4,
 * the supplied flow): every example post, every rejection, the body limit, a 15 MB post, two
 * receivers on one path, and the rows of cmxData.csv.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { App, startApp } from '../support/app';
import { fixture } from '../support/fixtures';
import { hashMac } from '../../src/lib/mac';

const SECRET = 's3cr3t-shared-value';
const VALIDATOR = 'f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3';
const HEADER = 'time,clientMac,apMac,rssi,ssid,manufacturer,os,ipv4,lat,lng,unc,x,y,floor,networkId,radio,version';

/** cmxData.csv rows of B-1 … B-11, worked out by hand from the fixtures and SPEC section 3. */
const EXPECTED: Record<string, string[]> = {
  // v2.0 Wi-Fi: the second observation (rssi 14) is under the threshold of 15.
  'B-1': ['2024-06-20T08:00:31.000Z,3c:22:fb:8e:19:0a,e0:55:3d:10:4a:c1,38,Corp-WiFi,Apple,iOS,10.20.1.57,51.5072813,-0.1277633,3.41,22.8,9.4,HQ - Floor 2,,wifi,2.0'],
  // "hostname/ip", empty x/y, no floor
  'B-2': ['2024-06-20T08:00:44.000Z,f8:ff:c2:01:7d:33,e0:55:3d:10:4a:c7,52,Corp-WiFi,Apple,Mac OS X,10.20.1.88,51.5072813,-0.1277633,0.62,,,,,wifi,2.0'],
  // v2.0 Bluetooth with dBm values: -71 → 24 kept, -88 → 7 dropped ("NaN" lat/lng never reaches the file)
  'B-3': ['2024-06-20T08:00:20.000Z,c2:7d:91:0e:44:a8,e0:55:3d:10:4a:c1,24,,,,,51.5072901,-0.1277911,6.2,25.1,11,HQ - Floor 2,,ble,2.0'],
  'B-4': ['2024-06-20T08:01:02.000Z,e6:3a:11:9b:02:5c,e0:55:3d:10:4a:c1,31,,,,,51.5072851,-0.127771,4.8,,,,,ble,2.1'],
  'B-5': ['2024-06-20T08:01:05.000Z,3c:22:fb:8e:19:0a,e0:55:3d:10:4a:c1,41,Corp-WiFi,Apple,iOS,10.20.1.57,51.5072813,-0.1277633,2.9,22.6,9.9,HQ - Floor 2,,wifi,2.1'],
  // v3: one row per location; AP = strongest rssiRecord; -49 → 46, -47 → 48; string x/y
  'B-6': [
    '2024-06-20T08:00:21.000Z,3c:22:fb:8e:19:0a,e0:55:3d:10:4a:c1,46,Corp-WiFi,Apple,iOS,10.20.1.57,51.50728,-0.12776,2.31,22.81,9.42,HQ - Floor 2,L_646829496481105433,wifi,3.0',
    '2024-06-20T08:00:49.000Z,3c:22:fb:8e:19:0a,e0:55:3d:10:4a:c1,48,Corp-WiFi,Apple,iOS,10.20.1.57,51.50729,-0.12777,2.05,23.4,10.05,HQ - Floor 2,L_646829496481105433,wifi,3.0',
  ],
  // latestRecord only, "-81" → 14: under the threshold
  'B-7': [],
  // nested floorPlan
  'B-8': ['2024-06-20T08:01:33.000Z,3c:22:fb:8e:19:0a,e0:55:3d:10:4a:c1,50,Corp-WiFi,Apple,iOS,10.20.1.57,51.50729,-0.12777,1.9,23.1,9.8,HQ - Floor 2,L_646829496481105433,wifi,3.1'],
  'B-9': ['2024-06-20T08:01:10.000Z,c2:7d:91:0e:44:a8,e0:55:3d:10:4a:c1,29,,,,,51.50729,-0.12777,3.4,26.2,12.7,HQ - Floor 2,L_646829496481105433,ble,3.0'],
  'B-10': [], // -83 → 12
  'B-11': [], // -90 → 5
};

async function post(app: App, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; type: string }> {
  const res = await fetch(`${app.base}/cmx`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, type: res.headers.get('content-type') ?? '' };
}

function csvFile(app: App): string {
  return path.join(app.dataDir, 'cmxData.csv');
}

function readCsv(app: App): string {
  return fs.existsSync(csvFile(app)) ? fs.readFileSync(csvFile(app), 'utf8') : '';
}

async function waitForLines(app: App, lines: number, ms = 20000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = readCsv(app);
    if (text.split('\n').length - 1 >= lines) return text;
    if (Date.now() > end) throw new Error(`cmxData.csv has ${text.split('\n').length - 1} lines, wanted ${lines}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A v2 post with n distinct observations, all above the threshold. */
function bigPost(n: number): object {
  const observations = [];
  for (let i = 0; i < n; i++) {
    const mac = (0x020000000000 + i).toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
    observations.push({
      clientMac: mac, ipv4: `/10.20.${(i >> 8) & 255}.${i & 255}`, ipv6: null,
      seenTime: '2024-06-20T09:00:00Z', seenEpoch: 1718874000 + (i % 60), ssid: 'Guest-WiFi', os: 'Android',
      manufacturer: 'Samsung Electronics Co.,Ltd', rssi: 20 + (i % 40),
      location: { lat: 51.5072813, lng: -0.1277633, unc: 4.25, x: [12.5 + (i % 10)], y: [7.75] },
    });
  }
  return { version: '2.0', secret: SECRET, type: 'DevicesSeen', data: { apMac: 'e0:55:3d:10:4a:c1', apTags: [], apFloors: ['HQ - Floor 2'], observations } };
}

describe('npm start: the Scanning API receiver end to end', function () {
  this.timeout(120000);
  let app: App;

  before(async function () {
    app = await startApp({ CMX_VALIDATOR: VALIDATOR, CMX_SECRET: SECRET });
  });

  after(async function () {
    if (app) {
      await app.stop();
      app.cleanup();
    }
  });

  it('answers GET /cmx with exactly the validator as text/plain', async function () {
    const res = await fetch(`${app.base}/cmx`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), VALIDATOR);
  });

  it('stores every example post (v2.0, v2.1, v3, Wi-Fi and BLE) with the SPEC columns', async function () {
    const expected: string[] = [];
    for (const name of Object.keys(EXPECTED)) {
      const res = await post(app, fixture(name));
      assert.equal(res.status, 202, `${name}: ${JSON.stringify(res.json)}`);
      assert.deepEqual(res.json, { status: 'accepted' });
      expected.push(...EXPECTED[name]);
    }
    const text = await waitForLines(app, expected.length + 1);
    await new Promise((r) => setTimeout(r, 300)); // nothing more may come
    assert.equal(readCsv(app), [HEADER, ...expected].join('\n') + '\n');
    assert.equal(text.split('\n')[0], HEADER);
  });

  it('rejects bad posts in the SPEC order with a JSON error, and stores nothing of them', async function () {
    const before = readCsv(app);
    const good = fixture('B-1');
    const cases: [string, unknown, number, string][] = [
      ['invalid JSON', '{"version": "2.0", "data": ', 400, 'invalid JSON'],
      ['not JSON at all', 'hello', 400, 'invalid JSON'],
      ['no data', { version: '2.0', secret: SECRET, type: 'DevicesSeen' }, 400, 'no data'],
      ['data not an object', { ...good, data: [1, 2] }, 400, 'no data'],
      ['no data and a wrong secret: data is checked first', { version: '2.0', secret: 'nope' }, 400, 'no data'],
      ['wrong secret', { ...good, secret: 'not-the-secret' }, 403, 'invalid secret'],
      ['missing secret', { ...good, secret: undefined }, 403, 'invalid secret'],
      ['wrong secret and version: the secret is checked first', { ...good, secret: 'x', version: '9.0' }, 403, 'invalid secret'],
      ['version 1.0', { ...good, version: '1.0' }, 400, 'unsupported version'],
      ['version 4.0', { ...good, version: '4.0' }, 400, 'unsupported version'],
      ['no version', { ...good, version: undefined }, 400, 'unsupported version'],
      ['unknown type', { ...good, type: 'CarsSeen' }, 400, 'unknown type'],
      ['JSON null', 'null', 400, 'no data'],
      ['JSON array', '[]', 400, 'no data'],
    ];
    for (const [what, body, status, error] of cases) {
      const res = await post(app, body);
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.json)}`);
      assert.match(res.type, /application\/json/, what);
      assert.deepEqual(res.json, { error }, what);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(readCsv(app), before, 'nothing stored');
    assert.match(app.output(), /rejected: 403 invalid secret/);
    assert.doesNotMatch(app.output(), new RegExp(SECRET), 'the secret never appears in the log');
    assert.equal(app.proc.exitCode, null);
  });

  it('answers 413 to a post over the 25 MB limit and stores nothing of it', async function () {
    const before = readCsv(app);
    const huge = JSON.stringify({ ...(fixture('B-1') as object), padding: 'x'.repeat(26 * 1024 * 1024) });
    const res = await post(app, huge);
    assert.equal(res.status, 413);
    assert.match(res.json.error, /larger than/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(readCsv(app), before);
    // still serving
    assert.equal((await fetch(`${app.base}/cmx`)).status, 200);
  });

  it('accepts a 15 MB post and stores all of it', async function () {
    const before = readCsv(app).split('\n').length - 1;
    const body = bigPost(60000);
    const text = JSON.stringify(body);
    assert.ok(text.length > 15 * 1024 * 1024, `${text.length} bytes`);
    const res = await post(app, text);
    assert.equal(res.status, 202);
    const after = await waitForLines(app, before + 60000, 60000);
    const lines = after.trimEnd().split('\n');
    assert.equal(lines.length, before + 60000);
    assert.equal(lines.filter((l) => l === HEADER).length, 1);
    assert.match(lines[lines.length - 1], /^2024-06-20T09:00:\d\d\.000Z,02:00:00:00:ea:5f,e0:55:3d:10:4a:c1,\d+,Guest-WiFi,"Samsung Electronics Co.,Ltd",Android,10\.20\.234\.95,/);
  });

  it('refuses a second receiver on the same path with a clear error, without crashing', async function () {
    const flows = await (await fetch(`${app.base}/admin/flows`)).json();
    const first = flows.find((n: any) => n.type === 'cmx-receiver');
    flows.push({ ...first, id: 'cmx-second', name: 'second receiver', y: first.y + 60, wires: [[]] });
    const res = await fetch(`${app.base}/admin/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    assert.equal(res.status, 204, await res.text());
    await app.waitForOutput(/\/cmx is already served by node cmx-in; this node does not listen/, 10000);
    assert.equal(app.proc.exitCode, null);
    // The first one still works, credentials included.
    const get = await fetch(`${app.base}/cmx`);
    assert.equal(await get.text(), VALIDATOR);
    const before = readCsv(app).split('\n').length - 1;
    assert.equal((await post(app, fixture('B-5'))).status, 202);
    await waitForLines(app, before + 1);
  });

  it('with the privacy option stores keyed hashes, never the raw client MACs', async function () {
    const file = path.join(app.dataDir, 'private.csv');
    const flows = await (await fetch(`${app.base}/admin/flows`)).json();
    const z = flows.find((n: any) => n.type === 'cmx-receiver').z;
    flows.push(
      {
        id: 'cmx-private', type: 'cmx-receiver', z, name: 'private', path: '/cmx-private', minRssi: 0, apMacs: '', radio: 'both',
        anonymise: true, hashFormat: 'mac', maxBodyMB: 25, x: 120, y: 400, wires: [['csv-private']],
        credentials: { validator: 'v', secret: SECRET, salt: 'a-long-random-salt' },
      },
      { id: 'csv-private', type: 'csv-store', z, name: '', filename: file, columns: 'clientMac,rssi', serve: false, x: 320, y: 400, wires: [[]] },
    );
    const res = await fetch(`${app.base}/admin/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flows),
    });
    assert.equal(res.status, 204);
    await new Promise((r) => setTimeout(r, 500));
    for (const name of ['B-1', 'B-3', 'B-6']) {
      const r = await fetch(`${app.base}/cmx-private`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fixture(name)) });
      assert.equal(r.status, 202);
    }
    const end = Date.now() + 10000;
    while (Date.now() < end && !(fs.existsSync(file) && fs.readFileSync(file, 'utf8').trimEnd().split('\n').length >= 7)) {
      // (header + 6 rows)
      await new Promise((r) => setTimeout(r, 50));
    }
    const text = fs.readFileSync(file, 'utf8');
    const macs = text.trimEnd().split('\n').slice(1).map((l) => l.split(',')[0]);
    assert.deepEqual(macs, [
      '3c:22:fb:8e:19:0a', 'a4:c3:f0:55:12:9e', 'c2:7d:91:0e:44:a8', 'd4:1f:0b:62:90:17', '3c:22:fb:8e:19:0a', '3c:22:fb:8e:19:0a',
    ].map((m) => hashMac(m, 'a-long-random-salt', 'mac')));
    for (const raw of ['3c:22:fb:8e:19:0a', 'a4:c3:f0:55:12:9e', 'c2:7d:91:0e:44:a8']) assert.ok(!text.includes(raw));
    assert.doesNotMatch(app.output(), /a-long-random-salt/);
  });
});
