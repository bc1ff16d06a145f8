/**
 * The analytics-widgets node in a real Node-RED runtime: its first messages after a deploy (the
 * hints of an empty start), one output per widget sent only when it changed, the zone pick wired
 * back, bad input to a catch node.
 */
import { strict as assert } from 'assert';
import { WIDGET_OUTPUTS } from '../../src/lib/widgets';
import { collect, getNode, helper, nodeModule, Received, settle, waitFor } from '../support/red';

const NOW = Date.now();
const SERIAL = 'Q2GV-7HJK-2LMN';

function summary(zones: string[]): Record<string, unknown> {
  const hourly: Record<string, number[]> = {};
  for (const z of zones) hourly[`${SERIAL}/${z}`] = Array.from({ length: 24 }, (_, h) => (h === 9 ? Number(z) + 1 : 0));
  return {
    generatedAt: new Date(NOW).toISOString(),
    timezone: 'UTC',
    windowHours: 24,
    zones: zones.map((z) => ({ serial: SERIAL, zone: z, label: `Zone ${z}`, name: 'Lobby', activities: 1, people: 2, lastActivityAt: new Date(NOW).toISOString() })),
    hourly,
    cmxHourly: new Array(24).fill(0),
    busiestHour: { mv: 9, cmx: null },
    visitors: { devices: 0, visits: 0, avgDwellS: 0, filteredDevices: 0 },
    devices: [],
    correlations: [],
  };
}

describe('analytics-widgets node', function () {
  afterEach(async function () {
    await helper.unload();
  });

  function flow(dashboard = '1') {
    return [
      { id: 'w', type: 'analytics-widgets', name: '', dashboard, snapshots: 6, wires: WIDGET_OUTPUTS.map((name) => [`out-${name}`]) },
      ...WIDGET_OUTPUTS.map((name) => ({ id: `out-${name}`, type: 'helper' })),
      { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  function outputs(): Record<string, Received[]> {
    const all: Record<string, Received[]> = {};
    for (const name of WIDGET_OUTPUTS) all[name] = collect(`out-${name}`);
    return all;
  }

  it('after a deploy, sends every widget its first message: the empty-start hint, empty charts and tables', async function () {
    await helper.load(nodeModule('analytics-widgets'), flow());
    const out = outputs();
    await waitFor(() => WIDGET_OUTPUTS.every((n) => out[n].length === 1), 5000, 'the first messages');
    assert.match(out.status[0].payload, /No data yet.*<code>npm run demo<\/code>/);
    assert.deepEqual(out.zoneHourly[0].payload, []);
    assert.deepEqual(out.zones[0].payload.rows, []);
    assert.equal(out.zones[0].topic, 'zones');
  });

  it('sends only what changed; a zone pick changes its chart; refresh sends everything again', async function () {
    await helper.load(nodeModule('analytics-widgets'), flow('2'));
    const out = outputs();
    await waitFor(() => out.status.length === 1, 5000, 'the first messages');
    const w = getNode('w');
    w.receive({ topic: 'summary', payload: summary(['0', '1']) });
    await waitFor(() => out.zoneHourly.length === 2, 2000, 'the zone chart');
    assert.deepEqual(out.zoneHourly[1].payload.filter((p: Received) => p.value).map((p: Received) => [p.hour, p.value]), [['9', 1]]);
    assert.equal(out.zoneOptions[1].payload, `${SERIAL}/0`);
    assert.equal(out.visitsHourly.length, 2);
    const before = Object.fromEntries(WIDGET_OUTPUTS.map((n) => [n, out[n].length]));
    w.receive({ topic: 'zone', payload: `${SERIAL}/1` });
    await waitFor(() => out.zoneHourly.length === 3, 2000, 'the picked zone');
    await settle();
    assert.deepEqual(out.zoneHourly[2].payload.filter((p: Received) => p.value).map((p: Received) => [p.hour, p.value]), [['9', 2]]);
    const changed = WIDGET_OUTPUTS.filter((n) => out[n].length > before[n]);
    assert.deepEqual(changed.sort(), ['zoneHourly', 'zoneOptions', 'zoneSnapshots']);
    w.receive({ topic: 'refresh' });
    await waitFor(() => WIDGET_OUTPUTS.every((n) => out[n].length > before[n]), 2000, 'everything again');
  });

  it('refuses bad settings (dashboard, snapshots per zone) with the editor\'s words, a red status, and sends nothing', async function () {
    for (const [key, value, said] of [
      ['dashboard', '3', /dashboard must be 1 \(node-red-dashboard\) or 2/],
      ['snapshots', '51', /snapshots must be at most 50/],
    ] as const) {
      const nodes = flow();
      Object.assign(nodes[0], { [key]: value });
      await helper.load(nodeModule('analytics-widgets'), nodes);
      const w = getNode('w');
      const out = outputs();
      const errors = (w.error as any).getCalls().map((x: any) => String(x.args[0]));
      assert.ok(errors.some((e: string) => said.test(e)), errors.join('; '));
      assert.deepEqual((w.status as any).lastCall.args[0], { fill: 'red', shape: 'ring', text: 'check settings' });
      w.receive({ topic: 'refresh' });
      await settle();
      assert.deepEqual(WIDGET_OUTPUTS.filter((n) => out[n].length), []);
      await helper.unload();
    }
  });

  it('sends bad input to a catch node and carries on', async function () {
    await helper.load(nodeModule('analytics-widgets'), flow());
    const caught = collect('caught');
    const out = outputs();
    await waitFor(() => out.status.length === 1, 5000, 'the first messages');
    getNode('w').receive({ payload: 'hello' });
    getNode('w').receive({ topic: 'zone', payload: 42 });
    await waitFor(() => caught.length === 2, 2000, 'two errors');
    assert.match(caught[0].error.message, /message ignored: payload must be/);
    getNode('w').receive({ payload: summary(['0']) });
    await waitFor(() => out.zones.length === 2, 2000, 'the summary after the errors');
  });
});
