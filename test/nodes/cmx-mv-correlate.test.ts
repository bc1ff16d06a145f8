import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { collect, getNode, helper, nodeModule, settle, waitFor } from '../support/red';

// the module instance the compiled nodes use
const { forgetReportedEnv } = require('../../dist/src/red/config') as typeof import('../../src/red/config');

const NOW = Date.now();
const T = Math.floor((NOW - 30 * 60_000) / 1000) * 1000; // half an hour ago: inside the window
const iso = (t: number) => new Date(t).toISOString();
const activity = { serial: 'Q2GV-7HJK-2LMN', zone: '0', tsIn: T, tsOut: T + 60_000, timeIn: iso(T), timeOut: iso(T + 60_000), durationS: 60, peakPeople: 3, messages: 80 };
const obs = (mac: string, t: number, rssi: number) => ({ ts: t, time: iso(t), clientMac: mac, apMac: 'e0:55:3d:10:4a:c1', rssi, radio: 'wifi' });

function flow(config: Record<string, unknown> = {}) {
  return [
    {
      id: 'c', type: 'cmx-mv-correlate', name: '', windowS: 30, rssiThreshold: 45, waitS: 120, sessionGapS: 300, filterDwellS: 3600,
      windowHours: 24, timezone: 'UTC', cameraAps: '', labels: '', summaryIntervalS: 1, serveSummary: false,
      replayCmx: '', replayMv: '', replayCorrelation: '', api: '', wires: [['corr'], ['sum']], ...config,
    },
    { id: 'corr', type: 'helper' },
    { id: 'sum', type: 'helper' },
    { id: 'k', type: 'catch', scope: ['c'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('cmx-mv-correlate node', function () {
  this.timeout(20000);
  afterEach(async function () {
    await helper.unload();
  });

  it('sends one correlation per activity with msg.rows for correlation.csv, once the watermark passes', async function () {
    await helper.load(nodeModule('cmx-mv-correlate'), flow());
    const corr = collect('corr');
    const c = getNode('c');
    c.receive({ payload: activity });
    c.receive({ payload: [obs('aa:00:00:00:00:01', T + 10_000, 50), obs('aa:00:00:00:00:02', T + 20_000, 45)] });
    await settle(100);
    assert.equal(corr.length, 0, 'not yet: no observation past tsOut + 30 s');
    c.receive({ payload: obs('aa:00:00:00:00:03', T + 91_000, 20) });
    await waitFor(() => corr.length === 1);
    assert.deepEqual(corr[0].payload.devices, [{ clientMac: 'aa:00:00:00:00:01', seenTime: iso(T + 10_000), rssi: 50, apMac: 'e0:55:3d:10:4a:c1' }]);
    assert.equal(corr[0].payload.deviceCount, 1);
    assert.deepEqual(corr[0].rows, [{ serial: activity.serial, zone: '0', timeIn: iso(T), timeOut: iso(T + 60_000), peakPeople: 3, clientMac: 'aa:00:00:00:00:01', seenTime: iso(T + 10_000), rssi: 50, apMac: 'e0:55:3d:10:4a:c1' }]);
  });

  it('sends the summary on request, and by itself when something changed (at most once per interval)', async function () {
    await helper.load(nodeModule('cmx-mv-correlate'), flow({ labels: 'Q2GV-7HJK-2LMN/0: Entrance' }));
    const sum = collect('sum');
    const c = getNode('c');
    c.receive({ topic: 'summary' });
    await waitFor(() => sum.length === 1);
    assert.deepEqual(sum[0].payload.zones, []);
    c.receive({ payload: activity });
    await waitFor(() => sum.length >= 2, 5000, 'a summary after the change');
    const s = sum[sum.length - 1].payload;
    assert.deepEqual(s.zones.map((z: any) => [z.label, z.activities, z.people]), [['Entrance', 1, 3]]);
    assert.equal(s.timezone, 'UTC');
    const count = sum.length;
    await settle(2500);
    assert.equal(sum.length, count, 'nothing changed: no new summary');
  });

  it('reports what is neither an observation nor an activity to a catch node', async function () {
    await helper.load(nodeModule('cmx-mv-correlate'), flow());
    const caught = collect('caught');
    const c = getNode('c');
    c.receive({ payload: 'text' });
    c.receive({ payload: [{ clientMac: 'x' }, { serial: 'Q', tsIn: 5, tsOut: 1, peakPeople: 1 }] });
    await waitFor(() => caught.length === 2);
    assert.match(caught[0].error.message, /neither an observation|not an object/);
    assert.match(caught[1].error.message, /2 item\(s\) dropped/);
  });

  it('refuses bad settings (time zone, camera APs) with an error and a red status', async function () {
    await helper.load(nodeModule('cmx-mv-correlate'), flow({ timezone: 'Mars/Olympus', cameraAps: 'Q2GV: not-a-mac' }));
    const c = getNode('c');
    const errors = (c.error as any).getCalls().filter((x: any) => x.thisValue === c).map((x: any) => String(x.args[0]));
    assert.ok(errors.some((e: string) => /unknown time zone "Mars\/Olympus"/.test(e)), errors.join('; '));
  });

  it('without CAMERA_APS (left as ${CAMERA_APS} by Node-RED): every AP counts, said once as info, no error', async function () {
    const saved = process.env.CAMERA_APS;
    delete process.env.CAMERA_APS;
    forgetReportedEnv();
    try {
      await helper.load(nodeModule('cmx-mv-correlate'), flow({ cameraAps: '${CAMERA_APS}' }));
      const corr = collect('corr');
      const c = getNode('c');
      c.receive({ payload: [activity, obs('aa:00:00:00:00:01', T + 10_000, 50), obs('aa:00:00:00:00:03', T + 91_000, 20)] });
      await waitFor(() => corr.length === 1);
      assert.equal(corr[0].payload.devices.length, 1);
      const calls = (method: string) => (c as any)[method].getCalls().filter((x: any) => x.thisValue === c).map((x: any) => String(x.args[0]));
      assert.deepEqual(calls('error'), []);
      assert.ok(calls('log').includes('environment variable CAMERA_APS is not set: using none (every access point counts for every camera)'), calls('log').join('; '));
    } finally {
      if (saved !== undefined) process.env.CAMERA_APS = saved;
    }
  });

  it('rebuilds its figures from the CSV files after a restart', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'correlate-replay-'));
    try {
      fs.writeFileSync(path.join(dir, 'mvData.csv'), `serial,zone,timeIn,timeOut,durationS,peakPeople,messages\n${activity.serial},0,${iso(T)},${iso(T + 60_000)},60,3,80\n`);
      fs.writeFileSync(path.join(dir, 'cmxData.csv'), `time,clientMac,apMac,rssi,ssid,manufacturer,os,ipv4,lat,lng,unc,x,y,floor,networkId,radio,version\n${iso(T + 10_000)},aa:00:00:00:00:01,e0:55:3d:10:4a:c1,50,,,,,,,,,,,,wifi,2.0\n`);
      fs.writeFileSync(path.join(dir, 'correlation.csv'), `serial,zone,timeIn,timeOut,peakPeople,clientMac,seenTime,rssi,apMac\n${activity.serial},0,${iso(T)},${iso(T + 60_000)},3,aa:00:00:00:00:01,${iso(T + 10_000)},50,e0:55:3d:10:4a:c1\n`);
      await helper.load(nodeModule('cmx-mv-correlate'), flow({
        replayMv: path.join(dir, 'mvData.csv'), replayCmx: path.join(dir, 'cmxData.csv'), replayCorrelation: path.join(dir, 'correlation.csv'),
      }));
      const sum = collect('sum');
      await settle(500);
      getNode('c').receive({ topic: 'summary' });
      await waitFor(() => sum.length > 0);
      const s = sum[sum.length - 1].payload;
      assert.equal(s.zones[0].activities, 1);
      assert.equal(s.visitors.devices, 1);
      assert.equal(s.correlations[0].devices[0].clientMac, 'aa:00:00:00:00:01');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
