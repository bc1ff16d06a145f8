/**
 * meraki-api and its users: mv-snapshot and cmx-mv-correlate both register with it; the API's
 * state reaches their status; deregistering clears what it showed.
 */
import { strict as assert } from 'assert';
import { getNode, helper, nodeModule, waitFor } from '../support/red';
import { json, startServer, TestServer } from '../support/http-server';

const KEY = '0123456789abcdef0123456789abcdef01234567';
const SERIAL = 'Q2GV-7HJK-2LMN';

describe('meraki-api config node and its users', function () {
  let api: TestServer;
  beforeEach(async function () {
    api = await startServer((_req, res) => json(res, 401, { errors: ['Invalid API key'] }));
  });
  afterEach(async function () {
    await helper.unload();
    await api.close();
  });

  const flow = () => [
    { id: 'api', type: 'meraki-api', name: '', baseUrl: `${api.origin}/api/v1`, timeoutS: '5', rate: '10' },
    {
      id: 'c', type: 'cmx-mv-correlate', api: 'api', windowS: 30, rssiThreshold: 45, waitS: 120, sessionGapS: 300, filterDwellS: 3600,
      windowHours: 24, timezone: 'UTC', cameraAps: '', labels: '', summaryIntervalS: 1, serveSummary: false, wires: [[], []],
    },
  ];

  it('cmx-mv-correlate shows "API key refused" when its label look-up is refused; deregister clears it', async function () {
    await helper.load([nodeModule('meraki-api'), nodeModule('cmx-mv-correlate')], flow(), { api: { apiKey: KEY } });
    const c = getNode('c');
    const statuses: any[] = [];
    c.on('call:status', (call: any) => statuses.push(call.args[0]));
    const t = Date.now() - 60_000;
    c.receive({ payload: { serial: SERIAL, zone: '0', tsIn: t, tsOut: t + 10_000, peakPeople: 1 } });
    await waitFor(() => statuses.some((s) => s.fill === 'red' && s.text === 'API key refused'), 5000, 'a red status');
    assert.ok(api.hits.some((h) => h.url.includes(`/devices/${SERIAL}`)));
    (getNode('api') as any).deregister(c);
    await waitFor(() => statuses[statuses.length - 1].fill !== 'red', 3000, 'the counts again');
  });

  it('a plain user gets the API state on its status, and an empty status when it deregisters', async function () {
    await helper.load([nodeModule('meraki-api')], [{ id: 'api', type: 'meraki-api', name: '', baseUrl: '', timeoutS: '', rate: '' }], { api: {} });
    const shown: unknown[] = [];
    const user = { status: (s: unknown) => shown.push(s) } as any;
    const a = getNode('api') as any;
    assert.equal(a.client, null);
    assert.match(a.problem, /key/i);
    a.register(user);
    assert.deepEqual(shown, [{ fill: 'grey', shape: 'ring', text: 'no API key' }]);
    a.deregister(user);
    assert.deepEqual(shown[1], {});
  });

  it('a timeout or rate the editor refuses is an error: no client, and its users show it', async function () {
    await helper.load([nodeModule('meraki-api')], [{ id: 'api', type: 'meraki-api', name: '', baseUrl: '', timeoutS: '5', rate: '0' }], { api: { apiKey: KEY } });
    const a = getNode('api') as any;
    assert.equal(a.client, null);
    assert.equal(a.problem, 'meraki-api settings: rate must be a number > 0');
    assert.ok((a.error as any).getCalls().some((x: any) => String(x.args[0]) === a.problem));
    const shown: unknown[] = [];
    a.register({ status: (s: unknown) => shown.push(s) } as any);
    assert.deepEqual(shown, [{ fill: 'red', shape: 'ring', text: 'check settings' }]);
  });
});
