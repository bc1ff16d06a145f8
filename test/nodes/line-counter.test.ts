import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_CAMERAS, HOSTILE_TEXT } from '../../demo/cameras';
import { countCrossings } from '../../demo/crossings';
import { FakeMerakiApi, startFakeMerakiApi } from '../../demo/fake-meraki-api';
import { fixture } from '../support/fixtures';
import { collect, getNode, helper, nodeModule, settle, waitFor } from '../support/red';

const S = 'Q2GV-7HJK-2LMN';
const NOW = Date.now();
const T = Math.floor((NOW - 20 * 60_000) / 1000) * 1000; // twenty minutes ago: inside the window
const iso = (t: number) => new Date(t).toISOString();
const crossing = (over: Record<string, unknown> = {}) => ({ kind: 'crossing', serial: S, boundaryId: 'k1', label: 'Main entrance', event: 'in', objectType: 'person', objectId: 1, ts: T, time: iso(T), ...over });
const hourOf = (t: number, tz = 'UTC') => Number(new Intl.DateTimeFormat('en-US', { timeZone: tz, hour: 'numeric', hourCycle: 'h23' }).format(t));

function flow(config: Record<string, unknown> = {}) {
  return [
    {
      id: 'lc', type: 'line-counter', name: '', objectType: 'person', windowHours: 24, resetAt: '04:00', timezone: 'UTC', areas: '',
      summaryIntervalS: 1, serveEntrances: false, replayCrossings: '', api: '', orgId: '', wires: [['out'], ['sum']], ...config,
    },
    { id: 'out', type: 'helper' },
    { id: 'sum', type: 'helper' },
    { id: 'k', type: 'catch', scope: ['lc'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('line-counter node', function () {
  this.timeout(20000);
  afterEach(async function () {
    await helper.unload();
  });

  it('sends each counted crossing with its area\'s occupancy (payload, for a gauge) and its crossings.csv row', async function () {
    await helper.load(nodeModule('line-counter'), flow({ areas: `Lobby: ${S}/k1, ${S}/k2 reversed` }));
    const out = collect('out');
    const lc = getNode('lc');
    lc.receive({ payload: crossing({ objectId: 1 }) });
    lc.receive({ payload: crossing({ objectId: 1, ts: T + 500 }) }); // duplicate
    lc.receive({ payload: crossing({ objectId: 2, event: 'expired' }) }); // not counted
    lc.receive({ payload: crossing({ objectId: 3, boundaryId: 'k2', event: 'out', label: '=cmd|x' }) }); // reversed: enters
    lc.receive({ payload: { kind: 'counts', serial: S, zone: '0', ts: T, people: 3 } }); // another MV kind: passed over
    await waitFor(() => out.length === 2);
    await settle(50);
    assert.equal(out.length, 2);
    assert.equal(out[0].topic, 'Lobby');
    assert.equal(out[0].payload, 1);
    assert.equal(out[1].payload, 2);
    assert.deepEqual(out[1].areas, [{ name: 'Lobby', occupancy: 2, enters: 2, exits: 0, peakOccupancy: 2, lines: [`${S}/k1`, `${S}/k2`] }]);
    assert.equal(out[1].crossing.time, iso(T));
    assert.deepEqual(out[0].rows, [{ time: iso(T), serial: S, boundaryId: 'k1', label: 'Main entrance', event: 'in', objectType: 'person', objectId: 1 }]);
    assert.equal(out[1].rows[0].label, '=cmd|x', 'csv-store defuses it when it writes');
  });

  it('sends the entrances summary on request, and by itself when something changed', async function () {
    await helper.load(nodeModule('line-counter'), flow());
    const sum = collect('sum');
    const lc = getNode('lc');
    lc.receive({ topic: 'entrances' });
    await waitFor(() => sum.length === 1);
    assert.equal(sum[0].topic, 'entrances');
    assert.deepEqual(Object.keys(sum[0].payload), ['generatedAt', 'timezone', 'windowHours', 'lines', 'hourly', 'areas']);
    assert.deepEqual(sum[0].payload.lines, []);
    lc.receive({ payload: [crossing({ objectId: 1 }), crossing({ objectId: 2, event: 'out', boundaryId: 'k2', label: null })] });
    await waitFor(() => sum.length >= 2, 5000, 'a summary after the change');
    const s = sum[sum.length - 1].payload;
    assert.equal(s.timezone, 'UTC');
    assert.deepEqual(s.lines, [
      { serial: S, boundaryId: 'k1', label: 'Main entrance', in: 1, out: 0 },
      { serial: S, boundaryId: 'k2', label: null, in: 0, out: 1 },
    ]);
    assert.equal(s.hourly[`${S}/k1`].in[hourOf(T)], 1);
    assert.deepEqual(s.areas.map((a: any) => [a.name, a.occupancy]), [['Main entrance', 1], ['k2', 0]]);
    const count = sum.length;
    await settle(2500);
    assert.equal(sum.length, count, 'nothing changed: no new summary');
  });

  it('reports junk and refused crossings to a catch node; counts nothing of them', async function () {
    await helper.load(nodeModule('line-counter'), flow());
    const caught = collect('caught');
    const out = collect('out');
    const lc = getNode('lc');
    lc.receive({ payload: 'text' });
    lc.receive({ payload: crossing({ ts: Date.now() + 10 * 60_000 }) });
    lc.receive({ payload: [crossing({ ts: NOW - 30 * 3_600_000 }), crossing({ serial: '' }), crossing({ objectId: 9 })] });
    await waitFor(() => caught.length === 3);
    assert.match(caught[0].error.message, /crossing object/);
    assert.match(caught[1].error.message, /1 crossing\(s\) not counted: its time .* is more than 300 s ahead of the clock/);
    assert.match(caught[2].error.message, /2 crossing\(s\) not counted: its time .* is older than the 24-hour window/);
    await waitFor(() => out.length === 1);
    assert.equal(out[0].crossing.objectId, 9);
  });

  it('refuses bad settings (time zone, areas, reset time) with an error and a red status', async function () {
    await helper.load(nodeModule('line-counter'), flow({ timezone: 'Mars/Olympus' }));
    const lc = getNode('lc');
    let errors = (lc.error as any).getCalls().map((x: any) => String(x.args[0]));
    assert.ok(errors.some((e: string) => /unknown time zone "Mars\/Olympus"/.test(e)), errors.join('; '));
    await helper.unload();
    await helper.load(nodeModule('line-counter'), flow({ areas: 'Lobby: nothing-here' }));
    errors = (getNode('lc').error as any).getCalls().map((x: any) => String(x.args[0]));
    assert.ok(errors.some((e: string) => /"nothing-here" is not <serial>\/<boundaryId>/.test(e)), errors.join('; '));
    await helper.unload();
    await helper.load(nodeModule('line-counter'), flow({ resetAt: '25:00' }));
    errors = (getNode('lc').error as any).getCalls().map((x: any) => String(x.args[0]));
    assert.ok(errors.some((e: string) => /not a time of day/.test(e)), errors.join('; '));
  });

  it('an unset ${LINE_AREAS} (the supplied flow\'s areas) means every line is its own area', async function () {
    delete process.env.LINE_AREAS;
    await helper.load(nodeModule('line-counter'), flow({ areas: '${LINE_AREAS}' }));
    const out = collect('out');
    getNode('lc').receive({ payload: crossing() });
    await waitFor(() => out.length === 1);
    assert.equal(out[0].topic, 'Main entrance', 'every line its own area');
  });

  it('rebuilds its figures from crossings.csv after a restart, and counts what arrived meanwhile after it', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'line-counter-replay-'));
    try {
      const file = path.join(dir, 'crossings.csv');
      fs.writeFileSync(file, [
        'time,serial,boundaryId,label,event,objectType,objectId',
        `${iso(T)},${S},k1,Main entrance,in,person,1`,
        `${iso(T + 1000)},${S},k1,Main entrance,in,person,2`,
        `${iso(T + 2000)},${S},k1,Main entrance,out,person,3`,
        `${iso(T + 3000)},${S},k2,"'=HYPERLINK(""x"")",in,person,4`,
        `${iso(NOW - 40 * 3_600_000)},${S},k1,Main entrance,in,person,5`,
      ].join('\n') + '\n');
      await helper.load(nodeModule('line-counter'), flow({ replayCrossings: file, areas: `Lobby: ${S}/k1, ${S}/k2` }));
      const lc = getNode('lc');
      lc.receive({ payload: crossing({ objectId: 2, ts: T + 1500 }) }); // a duplicate of row 2, arriving during the replay
      lc.receive({ payload: crossing({ objectId: 6, ts: T + 5000 }) });
      const sum = collect('sum');
      await settle(300);
      lc.receive({ topic: 'entrances' });
      await waitFor(() => sum.length > 0);
      const s = sum[sum.length - 1].payload;
      assert.deepEqual(s.lines.map((l: any) => [l.boundaryId, l.label, l.in, l.out]), [['k1', 'Main entrance', 3, 1], ['k2', '=HYPERLINK("x")', 1, 0]]);
      assert.deepEqual(s.areas[0], { name: 'Lobby', occupancy: 3, enters: 4, exits: 1, peakOccupancy: 3, lines: [`${S}/k1`, `${S}/k2`] });
      const logs = (lc.log as any).getCalls().map((x: any) => String(x.args[0]));
      assert.ok(logs.some((l: string) => /rebuilt from crossings.csv: 4 crossings, 2 lines/.test(l)), logs.join('; '));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes mv-sense-parse\'s crossings straight from MQTT messages (A-17, A-18)', async function () {
    await helper.load([nodeModule('mv-sense-parse'), nodeModule('line-counter')], [
      { id: 'p', type: 'mv-sense-parse', name: '', cameras: '*', zones: '*', wires: [['lc']] },
      ...flow(),
    ]);
    const sum = collect('sum');
    const p = getNode('p');
    const a17 = { ...fixture('A-17'), ts: T };
    const a18 = { ...fixture('A-18'), ts: Math.floor((T + 60_000) / 1000) }; // seconds
    p.receive({ topic: `/merakimv/${S}/crossing/k74272e`, payload: JSON.stringify(a17) });
    p.receive({ topic: `/merakimv/${S}/crossing/k74272e`, payload: Buffer.from(JSON.stringify(a18)) });
    p.receive({ topic: `/merakimv/${S}/0`, payload: '{"ts":1718870412345,"counts":{"person":1}}' });
    await settle(100);
    getNode('lc').receive({ topic: 'entrances' });
    await waitFor(() => sum.length > 0);
    assert.deepEqual(sum[sum.length - 1].payload.lines, [{ serial: S, boundaryId: 'k74272e', label: 'Main entrance', in: 1, out: 1 }]);
  });

  describe('with the Dashboard API (the demo\'s fake)', function () {
    const KEY = 'node0123456789abcdef0123456789abcdef0123';
    let fake: FakeMerakiApi;
    beforeEach(async () => {
      fake = await startFakeMerakiApi({ apiKey: KEY, ratePerSecond: 1000, burst: 1000 });
    });
    afterEach(async () => {
      await helper.unload();
      await fake.close();
    });

    it('names the lines from the API and fills the hours before the start with the camera\'s counts', async function () {
      const cam = DEFAULT_CAMERAS[0];
      await helper.load([nodeModule('meraki-api'), nodeModule('line-counter')], [
        { id: 'cfg', type: 'meraki-api', name: '', baseUrl: fake.baseUrl, timeoutS: 5, rate: 10 },
        ...flow({ api: 'cfg', windowHours: 4, areas: `Lobby: ${cam.serial}/k74272e, ${cam.serial}/k74272f reversed` }),
      ], { cfg: { apiKey: KEY } });
      const sum = collect('sum');
      await waitFor(() => (fake.stats.byEndpoint['GET /organizations/{organizationId}/camera/detections/history/byBoundary/byInterval'] ?? 0) > 0, 10000, 'the history request');
      await settle(200);
      const now = Date.now();
      getNode('lc').receive({ topic: 'entrances' });
      await waitFor(() => sum.length > 0);
      const s = sum[sum.length - 1].payload;
      assert.deepEqual(s.lines.map((l: any) => l.label), ['Main entrance', 'Side door', HOSTILE_TEXT]);
      // complete hours before the start (and ended 2 minutes ago): the one before this one, and the two before it
      const hourNow = Math.floor((now - 2 * 60_000) / 3_600_000) * 3_600_000;
      const from = Math.floor(now / 3_600_000) * 3_600_000 - 3 * 3_600_000;
      const want = countCrossings(cam.serial, cam.lines![0], from, hourNow, now);
      assert.deepEqual([s.lines[0].in, s.lines[0].out], [want.in, want.out]);
      const logs = (getNode('lc').log as any).getCalls().map((x: any) => String(x.args[0]));
      assert.ok(logs.some((l: string) => /Dashboard API: organisation 549236/.test(l)), logs.join('; '));
    });

    it('a wrong key: one warning, counting goes on', async function () {
      await helper.load([nodeModule('meraki-api'), nodeModule('line-counter')], [
        { id: 'cfg', type: 'meraki-api', name: '', baseUrl: fake.baseUrl, timeoutS: 5, rate: 10 },
        ...flow({ api: 'cfg', areas: `Lobby: ${S}/k74272e` }),
      ], { cfg: { apiKey: 'wrong0123456789abcdef0123456789abcdef01' } });
      const lc = getNode('lc');
      await waitFor(() => (lc.warn as any).getCalls().length > 0, 5000, 'the warning');
      assert.match(String((lc.warn as any).getCalls()[0].args[0]), /Dashboard API \(organisation\) not available: .*unauthorised \(401\)/);
      const out = collect('out');
      lc.receive({ payload: crossing({ boundaryId: 'k74272e' }) });
      await waitFor(() => out.length === 1);
      assert.equal(out[0].payload, 1);
    });
  });
});
