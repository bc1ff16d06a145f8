/**
 * Correlation through the real application: camera messages over MQTT and Scanning API posts over
 * HTTP into `npm start`'s Node-RED with the supplied flow; correlation.csv and GET /analytics/summary;
 * then a restart on the same data folder, after which the summary is not back at zero.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import mqtt from 'mqtt';
import { App, startApp, waitFor, WORKED_VECTOR } from '../support/app';

const SECRET = 'correlate-test-secret';
const CAM = 'Q2GV-7HJK-2LMN';
const AP = 'e0:55:3d:10:4a:c1';
const TZ = 'America/New_York';
const CORR_HEADER = 'serial,zone,timeIn,timeOut,peakPeople,clientMac,seenTime,rssi,apMac';

// Whole seconds, ten minutes ago: inside the 24-hour window, and seenEpoch is in seconds.
const T0 = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
const TS_IN = T0 + 5000; // worked vector: the first non-zero message
const TS_OUT = T0 + 65000; // the first of the closing zeros
const iso = (t: number) => new Date(t).toISOString();

function scanningPost(observations: { mac: string; t: number; rssi: number }[]) {
  return {
    version: '2.0', secret: SECRET, type: 'DevicesSeen',
    data: {
      apMac: AP, apTags: [], apFloors: [],
      observations: observations.map((o) => ({
        clientMac: o.mac, seenEpoch: o.t / 1000, seenTime: iso(o.t), rssi: o.rssi, ssid: 'Shop', os: null,
        manufacturer: null, ipv4: null, ipv6: null, location: { lat: 'NaN', lng: 'NaN', unc: 10, x: [], y: [] },
      })),
    },
  };
}

const summary = async (app: App) => (await fetch(`${app.base}/analytics/summary`)).json();

describe('npm start: correlations, visits and the summary end to end', function () {
  this.timeout(120000);
  let app: App;
  let restarted: App | undefined;

  after(async function () {
    for (const a of [restarted, app]) {
      if (a) {
        await a.stop();
        a.cleanup();
      }
    }
  });

  it('correlates an MQTT activity with the Scanning API devices around it into correlation.csv', async function () {
    app = await startApp({ CMX_SECRET: SECRET, TZ });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mqttPort}`);
    for (const [i, people] of WORKED_VECTOR.entries()) {
      await client.publishAsync(`/merakimv/${CAM}/0`, JSON.stringify({ ts: T0 + i * 1000, counts: { person: people } }));
    }
    await client.endAsync();
    await waitFor('mvData.csv', () => fs.existsSync(path.join(app.dataDir, 'mvData.csv')) && fs.readFileSync(path.join(app.dataDir, 'mvData.csv'), 'utf8'), (t) => typeof t === 'string' && t.split('\n').length === 3);

    // The Scanning API reports a minute or so later.
    const post = scanningPost([
      { mac: 'aa:00:00:00:00:01', t: TS_IN - 30000, rssi: 50 }, // exactly at the window's start: in
      { mac: 'aa:00:00:00:00:01', t: TS_IN + 5000, rssi: 50 }, // same RSSI later: the earlier one stays
      { mac: 'aa:00:00:00:00:02', t: T0 + 20000, rssi: 45 }, // not strictly above 45: out
      { mac: 'aa:00:00:00:00:03', t: T0 + 30000, rssi: 46 }, // in
      { mac: 'aa:00:00:00:00:03', t: T0 + 40000, rssi: 60 }, // stronger: this one is kept
      { mac: 'aa:00:00:00:00:05', t: TS_IN - 30001, rssi: 80 }, // 1 ms before the window: out
    ]);
    assert.equal((await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(post) })).status, 202);
    // Nothing yet: the newest observation is not past tsOut + 30 s.
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!fs.existsSync(path.join(app.dataDir, 'correlation.csv')) || fs.readFileSync(path.join(app.dataDir, 'correlation.csv'), 'utf8').split('\n').length <= 2);
    // A later observation (outside the window) moves the watermark past tsOut + 30 s: settled.
    const later = scanningPost([{ mac: 'aa:00:00:00:00:04', t: TS_OUT + 31000, rssi: 70 }]);
    assert.equal((await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(later) })).status, 202);

    const file = path.join(app.dataDir, 'correlation.csv');
    const text = await waitFor('correlation.csv', () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''), (t) => t.split('\n').length === 4);
    assert.equal(text, [
      CORR_HEADER,
      `${CAM},0,${iso(TS_IN)},${iso(TS_OUT)},3,aa:00:00:00:00:01,${iso(TS_IN - 30000)},50,${AP}`,
      `${CAM},0,${iso(TS_IN)},${iso(TS_OUT)},3,aa:00:00:00:00:03,${iso(T0 + 40000)},60,${AP}`,
    ].join('\n') + '\n');
  });

  it('answers GET /analytics/summary with the SPEC summary', async function () {
    const s = await summary(app);
    assert.deepEqual(Object.keys(s).sort(), ['busiestHour', 'cmxHourly', 'correlations', 'devices', 'generatedAt', 'hourly', 'timezone', 'visitors', 'windowHours', 'zones'].sort());
    assert.equal(s.timezone, TZ);
    assert.equal(s.windowHours, 24);
    assert.deepEqual(s.zones, [{ serial: CAM, zone: '0', label: 'Full frame', name: null, activities: 1, people: 3, lastActivityAt: iso(TS_IN) }]);
    const hours = new Set<number>();
    for (let t = TS_IN; t <= TS_OUT; t += 1000) hours.add(Number(new Intl.DateTimeFormat('en-US', { timeZone: TZ, hour: 'numeric', hourCycle: 'h23' }).format(t)));
    const expectedHourly = new Array(24).fill(0);
    for (const h of hours) expectedHourly[h] = 3;
    assert.deepEqual(s.hourly, { [`${CAM}/0`]: expectedHourly });
    assert.equal(s.busiestHour.mv, Math.min(...hours));
    // Five devices, each a single-observation visit (dwell 0) but aa:..:01 and :03 (two close sightings).
    assert.deepEqual(s.visitors, { devices: 5, visits: 5, avgDwellS: (35 + 10) / 5, filteredDevices: 0 });
    assert.equal(s.devices.length, 5);
    assert.equal(s.devices[0].clientMac, 'aa:00:00:00:00:04', 'latest first');
    assert.equal(s.correlations.length, 1);
    assert.deepEqual(s.correlations[0], {
      serial: CAM, zone: '0', timeIn: iso(TS_IN), timeOut: iso(TS_OUT), peakPeople: 3,
      devices: [
        { clientMac: 'aa:00:00:00:00:01', seenTime: iso(TS_IN - 30000), rssi: 50, apMac: AP },
        { clientMac: 'aa:00:00:00:00:03', seenTime: iso(T0 + 40000), rssi: 60, apMac: AP },
      ],
    });
  });

  it('rebuilds the summary from the CSV files after a restart', async function () {
    const before = await summary(app);
    assert.equal(await app.stop(), 0);
    restarted = await startApp({ CMX_SECRET: SECRET, TZ }, { after: app });
    await restarted.waitForOutput(/rebuilt from CSV: 1 activities, 7 observations, 1 correlations/);
    const s = await summary(restarted);
    for (const key of ['zones', 'hourly', 'cmxHourly', 'busiestHour', 'visitors', 'devices', 'correlations']) {
      assert.deepEqual(s[key], before[key], key);
    }
  });
});
