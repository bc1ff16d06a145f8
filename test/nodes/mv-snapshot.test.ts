/**
 * mv-snapshot with a meraki-api config node, in the Node-RED runtime, against real HTTP: one small
 * server stands in for the Dashboard API, another for the snapshot host (404 until ready).
 */
import { strict as assert } from 'assert';
import * as http from 'http';
import { collect, getNode, helper, nodeModule, Received, settle, waitFor } from '../support/red';
import { startServer, json, Hit, TestServer } from '../support/http-server';
import { delay } from '../support/seeded';

const KEY = '0123456789abcdef0123456789abcdef01234567';
const SERIAL = 'Q2GV-7HJK-2LMN';
const EXPIRY = 'Access to the image will expire at 2024-06-21T08:00:15Z.';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 7, 7, 7]);
/** the image is there this long after generateSnapshot */
const READY_MS = 300;

const activity = (i: number, zone = '747034588190081129') => ({
  serial: SERIAL,
  zone,
  tsIn: 1718870400000 + i * 60_000,
  tsOut: 1718870424690 + i * 60_000,
  timeIn: new Date(1718870400000 + i * 60_000).toISOString(),
  timeOut: new Date(1718870424690 + i * 60_000).toISOString(),
  durationS: 24.69,
  peakPeople: 3,
  messages: 25,
});
/** the middle of activity(0) */
const MIDDLE = 1718870412345;



describe('mv-snapshot node', function () {
  this.timeout(30_000);
  let api: TestServer;
  let img: TestServer;
  /** snapshot id → when its image is ready */
  let readyAt: Map<number, number>;
  /** generateSnapshot calls being answered right now, and the most at once */
  let generating: number;
  let maxGenerating: number;
  /** snapshots between generateSnapshot and their image served, and the most at once */
  let inProgress: number;
  let maxInProgress: number;
  let generateDelay: number;

  const videoUrl = (iso: string) => `https://n123.meraki.com/Lobby-cams/n/AbCdEfGh/manage/nodes/new_list/29048243992402?timestamp=${Date.parse(iso)}`;
  const snapUrl = (id: number) => `${img.origin}/stream/jpeg/snapshot/${id}`;
  const hitsOf = (part: string) => api.hits.filter((h) => h.url.includes(part));

  function dashboard(req: http.IncomingMessage, res: http.ServerResponse, hit: Hit): void {
    if (req.headers.authorization !== `Bearer ${KEY}`) return json(res, 401, { errors: ['Invalid API key'] });
    const url = new URL(hit.url, api.origin);
    if (req.method === 'POST' && url.pathname === `/api/v1/devices/${SERIAL}/camera/generateSnapshot`) {
      const id = readyAt.size + 1;
      readyAt.set(id, Date.now() + READY_MS);
      inProgress += 1;
      maxInProgress = Math.max(maxInProgress, inProgress);
      generating += 1;
      maxGenerating = Math.max(maxGenerating, generating);
      setTimeout(() => {
        generating -= 1;
        json(res, 202, { url: snapUrl(id), expiry: EXPIRY });
      }, generateDelay);
      return;
    }
    if (req.method === 'GET' && url.pathname === `/api/v1/devices/${SERIAL}/camera/videoLink`) {
      return json(res, 200, { url: videoUrl(url.searchParams.get('timestamp') ?? ''), visionUrl: 'https://vision.meraki.com/x' });
    }
    json(res, 404, { errors: ['Not found'] });
  }

  function snapshots(_req: http.IncomingMessage, res: http.ServerResponse, hit: Hit): void {
    const id = Number(hit.url.split('/').pop());
    const at = readyAt.get(id);
    if (at === undefined || Date.now() < at) {
      res.writeHead(404);
      res.end();
      return;
    }
    readyAt.set(id, -Infinity); // served: counted out once
    if (at !== -Infinity) inProgress -= 1;
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end(PNG);
  }

  beforeEach(async function () {
    readyAt = new Map();
    generating = maxGenerating = inProgress = maxInProgress = 0;
    generateDelay = 0;
    api = await startServer(dashboard);
    img = await startServer(snapshots);
  });

  afterEach(async function () {
    await helper.unload();
    await Promise.all([api.close(), img.close()]);
  });

  function flow(snapConfig: Record<string, unknown> = {}) {
    return [
      { id: 'api', type: 'meraki-api', name: '', baseUrl: `${api.origin}/api/v1`, timeoutS: '5', rate: '10' },
      { id: 's', type: 'mv-snapshot', name: '', api: 'api', timeoutS: '10', withImage: true, keep: '6', wires: [['out']], ...snapConfig },
      { id: 'out', type: 'helper' },
      { id: 'c', type: 'catch', scope: ['s'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
      { id: 'st', type: 'status', scope: ['s'], wires: [['statuses']] },
      { id: 'statuses', type: 'helper' },
    ];
  }

  const load = (snapConfig: Record<string, unknown> = {}, credentials: Record<string, unknown> = { api: { apiKey: KEY } }) =>
    helper.load([nodeModule('meraki-api'), nodeModule('mv-snapshot')], flow(snapConfig), credentials);

  /** log entries of node `id` at `level` since the flow was loaded */
  function logged(level: number, id = 's'): string[] {
    return helper
      .log()
      .args.map((a: unknown[]) => a[0] as { level: number; id?: string; msg: unknown })
      .filter((e: { level: number; id?: string }) => e.level === level && e.id === id)
      .map((e: { msg: unknown }) => String(e.msg));
  }

  it('an activity in → one snapshot out at its middle, with url, expiry, videoLink, image and recent', async function () {
    await load();
    const out = collect('out');
    const caught = collect('caught');
    getNode('s').receive({ payload: activity(0), topic: 'activity', extra: 'kept' });
    await waitFor(() => out.length === 1, 10_000, 'the snapshot');
    await settle(100);
    assert.equal(out.length, 1);
    assert.equal(caught.length, 0);
    const time = new Date(MIDDLE).toISOString();
    const payload = {
      serial: SERIAL,
      zone: '747034588190081129',
      ts: MIDDLE,
      time,
      url: snapUrl(1),
      expiry: EXPIRY,
      videoLink: videoUrl(time),
      image: `data:image/png;base64,${PNG.toString('base64')}`,
    };
    assert.deepEqual(out[0].payload, payload);
    assert.equal(out[0].topic, `${SERIAL}/747034588190081129`);
    assert.equal(out[0].extra, 'kept');
    assert.deepEqual(out[0].recent, { [`${SERIAL}/747034588190081129`]: [payload] });

    const gen = hitsOf('/generateSnapshot');
    assert.equal(gen.length, 1);
    assert.equal(gen[0].headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(gen[0].body), { timestamp: time });
    assert.equal(new URL(hitsOf('/videoLink')[0].url, api.origin).searchParams.get('timestamp'), time);
    assert.ok(img.hits.length >= 2, 'the URL was polled until ready');
    assert.ok(img.hits.every((h) => h.headers.authorization === undefined), 'the key went to the snapshot host');

    // a second zone: recent has both, images only on the newest of each
    getNode('s').receive({ payload: activity(1, '0') });
    getNode('s').receive({ payload: activity(2) });
    await waitFor(() => out.length === 3, 10_000, 'two more snapshots');
    const recent = out[2].recent as Record<string, Received[]>;
    const last = out.find((m) => m.payload.ts === MIDDLE + 120_000)!;
    assert.deepEqual(Object.keys(recent).sort(), [`${SERIAL}/0`, `${SERIAL}/747034588190081129`]);
    assert.deepEqual(
      recent[`${SERIAL}/747034588190081129`].map((s) => [s.ts, typeof s.image]),
      [
        [MIDDLE + 120_000, 'string'],
        [MIDDLE, 'undefined'],
      ],
    );
    assert.equal(last.topic, `${SERIAL}/747034588190081129`);
  });

  it('{serial, ts} in works (zone null), without image when Image is off', async function () {
    await load({ withImage: false });
    const out = collect('out');
    getNode('s').receive({ payload: { serial: SERIAL, ts: MIDDLE } });
    await waitFor(() => out.length === 1, 10_000, 'the snapshot');
    const p = out[0].payload;
    assert.equal(p.serial, SERIAL);
    assert.equal(p.zone, null);
    assert.equal(p.ts, MIDDLE);
    assert.equal(p.time, new Date(MIDDLE).toISOString());
    assert.equal(p.url, snapUrl(1));
    assert.ok(!('image' in p));
    assert.equal(out[0].topic, `${SERIAL}/0`);
    assert.deepEqual(Object.keys(out[0].recent), [`${SERIAL}/0`]);
  });

  it('an invalid payload → an error to the catch node, no API call, no output', async function () {
    await load();
    const out = collect('out');
    const caught = collect('caught');
    const bad = ['text', 42, null, { ts: MIDDLE }, { serial: 'not a serial!', ts: MIDDLE }, { serial: SERIAL }, { serial: SERIAL, tsIn: 'then', tsOut: MIDDLE }, { serial: SERIAL, ts: Infinity }];
    for (const payload of bad) getNode('s').receive({ payload });
    await waitFor(() => caught.length === bad.length, 5000, 'the errors');
    await settle(200);
    assert.equal(caught.length, bad.length);
    for (const m of caught) assert.match(m.error.message, /snapshot request dropped/);
    assert.deepEqual(caught.map((m) => m.payload), bad);
    assert.equal(out.length, 0);
    assert.equal(api.hits.length, 0);
  });

  it('API 401 → an error to the catch node, and the status goes red ("API key refused")', async function () {
    api.handle = (_req, res) => json(res, 401, { errors: ['Invalid API key'] });
    await load();
    const out = collect('out');
    const caught = collect('caught');
    const statuses = collect('statuses');
    getNode('s').receive({ payload: activity(0) });
    await waitFor(() => caught.length === 1, 5000, 'the error');
    await waitFor(() => statuses.some((m) => m.status.fill === 'red'), 5000, 'a red status');
    await settle(100);
    assert.equal(caught.length, 1);
    assert.match(caught[0].error.message, /Invalid API key/);
    assert.match(caught[0].error.message, new RegExp(SERIAL));
    assert.ok(!JSON.stringify(caught[0]).includes(KEY), 'the key reached the catch node');
    assert.deepEqual(caught[0].payload, activity(0));
    const red = statuses.find((m) => m.status.fill === 'red')!;
    assert.equal(red.status.text, 'API key refused');
    assert.equal(out.length, 0);
    assert.equal(hitsOf('/generateSnapshot').length, 1, 'a 401 is not retried');
    assert.equal(img.hits.length, 0);
  });

  it('no API key configured → a warning at start, nothing sent, no error per message', async function () {
    await load({}, {});
    const out = collect('out');
    const caught = collect('caught');
    for (let i = 0; i < 3; i++) getNode('s').receive({ payload: activity(i) });
    getNode('s').receive({ payload: 'even an invalid one' });
    await settle(500);
    assert.equal(out.length, 0);
    assert.equal(caught.length, 0);
    assert.equal(api.hits.length, 0);
    const warnings = logged(helper.log().WARN);
    assert.equal(warnings.length, 1, `warnings: ${JSON.stringify(warnings)}`);
    assert.match(warnings[0], /snapshots are off/);
    assert.match(warnings[0], /no API key/);
    assert.deepEqual(logged(helper.log().ERROR), []);
  });

  it('a setting the editor refuses (keep 51, timeout 0) is a configuration error: red status, no API call, messages pass by', async function () {
    for (const bad of [{ keep: '51' }, { timeoutS: '0' }]) {
      await load(bad);
      const out = collect('out');
      const s = getNode('s');
      const errors = (s.error as any).getCalls().map((x: any) => String(x.args[0]));
      assert.ok(errors.some((e: string) => /^settings: (keep must be at most 50|timeoutS must be a number > 0)$/.test(e)), errors.join('; '));
      assert.deepEqual((s.status as any).lastCall.args[0], { fill: 'red', shape: 'ring', text: 'check settings' });
      s.receive({ payload: activity(0) });
      await settle(200);
      assert.equal(out.length, 0);
      assert.equal(api.hits.length, 0);
      await helper.unload();
    }
  });

  it('unset ${MERAKI_API_BASE} and ${MERAKI_API_KEY} (left as they are by Node-RED): the default base, no key', async function () {
    const saved = { base: process.env.MERAKI_API_BASE, key: process.env.MERAKI_API_KEY };
    delete process.env.MERAKI_API_BASE;
    delete process.env.MERAKI_API_KEY;
    try {
      const unset = flow();
      unset[0].baseUrl = '${MERAKI_API_BASE}';
      await helper.load([nodeModule('meraki-api'), nodeModule('mv-snapshot')], unset, { api: { apiKey: KEY } });
      assert.equal((getNode('api') as any).client.baseUrl, 'https://api.meraki.com/api/v1');
      await helper.unload();
      await helper.load([nodeModule('meraki-api'), nodeModule('mv-snapshot')], unset, { api: { apiKey: '${MERAKI_API_KEY}' } });
      assert.equal((getNode('api') as any).client, null);
      assert.match(logged(helper.log().WARN)[0], /snapshots are off: no API key/);
      assert.deepEqual(logged(helper.log().ERROR), []);
      assert.deepEqual(logged(helper.log().ERROR, 'api'), []);
    } finally {
      if (saved.base !== undefined) process.env.MERAKI_API_BASE = saved.base;
      if (saved.key !== undefined) process.env.MERAKI_API_KEY = saved.key;
    }
  });

  it('at most 4 snapshots in flight at once; all 10 come out', async function () {
    generateDelay = 150;
    await load();
    const out = collect('out');
    const caught = collect('caught');
    for (let i = 0; i < 10; i++) getNode('s').receive({ payload: activity(i) });
    await waitFor(() => out.length === 10, 20_000, 'ten snapshots');
    await settle(100);
    assert.equal(caught.length, 0);
    assert.equal(maxGenerating, 4, `generateSnapshot calls at once: ${maxGenerating}`);
    assert.ok(maxInProgress <= 4, `snapshots in progress at once: ${maxInProgress}`);
    assert.equal(hitsOf('/generateSnapshot').length, 10);
    assert.deepEqual(
      out.map((m) => m.payload.ts).sort((a: number, b: number) => a - b),
      Array.from({ length: 10 }, (_, i) => MIDDLE + i * 60_000),
    );
    assert.equal(new Set(out.map((m) => m.payload.url)).size, 10);
    assert.equal(out[9].recent[`${SERIAL}/747034588190081129`].length, 6, 'Keep 6 per zone');
  });

  it('closed while waiting for the image → no output afterwards, polling stops', async function () {
    img.handle = (_req, res) => {
      res.writeHead(404);
      res.end();
    };
    await load();
    const out = collect('out');
    const caught = collect('caught');
    getNode('s').receive({ payload: activity(0) });
    await waitFor(() => img.hits.length >= 1, 5000, 'the first poll');
    await getNode('s').close(false);
    const polls = img.hits.length;
    img.handle = snapshots; // ready from now on
    await delay(1500);
    assert.equal(out.length, 0);
    assert.equal(caught.length, 0);
    assert.equal(img.hits.length, polls, 'polled after close');
  });

  it('closed while the image is on its way → no output afterwards', async function () {
    let release: (() => void) | null = null;
    img.handle = (_req, res) => {
      release = () => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(PNG);
      };
    };
    await load();
    const out = collect('out');
    const caught = collect('caught');
    getNode('s').receive({ payload: activity(0) });
    await waitFor(() => release !== null, 5000, 'the first poll');
    await getNode('s').close(false);
    release!();
    await delay(500);
    assert.equal(out.length, 0, 'a snapshot came out after close');
    assert.equal(caught.length, 0);
  });
});
