/**
 * takeSnapshot against real HTTP (one server for the Dashboard API, one for the snapshot host whose
 * URL answers 404 until the image is ready), and the SnapshotStore's bounds.
 */
import { strict as assert } from 'assert';
import * as http from 'http';
import { inspect } from 'util';
import { ApiError, MerakiClient } from '../../src/lib/meraki-api';
import { SnapshotResult, SnapshotStore, takeSnapshot } from '../../src/lib/snapshot';
import { startServer, json, send, Hit, TestServer } from '../support/http-server';
import { delay, rejection as rejectionOf } from '../support/seeded';

/** The ApiError `p` must reject with. */
const rejection = (p: Promise<unknown>): Promise<ApiError> => rejectionOf(p, ApiError);

const KEY = '0123456789abcdef0123456789abcdef01234567';
const SERIAL = 'Q2GV-7HJK-2LMN';
const TS = Date.UTC(2024, 5, 20, 8, 0, 12, 345);
const TIME = '2024-06-20T08:00:12.345Z';
const EXPIRY = 'Access to the image will expire at 2024-06-21T08:00:15Z.';
const VIDEO = 'https://n123.meraki.com/Lobby-cams/n/AbCdEfGh/manage/nodes/new_list/29048243992402?timestamp=1718870412345';
/** a PNG signature and a few more bytes */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 255]);




describe('takeSnapshot', function () {
  this.timeout(10_000);
  let api: TestServer;
  let img: TestServer;
  let client: MerakiClient;
  /** what the image URL answers, poll by poll (the last entry repeats) */
  let plan: ((res: http.ServerResponse) => void)[];
  /** the delays takeSnapshot asked to sleep (tests that pass `fastSleep`) */
  let slept: number[];
  const fastSleep = async (ms: number): Promise<void> => {
    slept.push(ms);
    await delay(10);
  };

  const imageHits = (): Hit[] => img.hits;
  const apiHit = (part: string): Hit[] => api.hits.filter((h) => h.url.includes(part));

  beforeEach(async function () {
    slept = [];
    plan = [(res) => send(res, 200, PNG, 'image/png')];
    img = await startServer((_req, res) => plan[Math.min(img.hits.length - 1, plan.length - 1)](res));
    api = await startServer((req, res) => {
      if (req.method === 'POST' && req.url === `/api/v1/devices/${SERIAL}/camera/generateSnapshot`) {
        json(res, 202, { url: `${img.origin}/stream/jpeg/snapshot/b2d3e0f5a7c91e4b`, expiry: EXPIRY });
      } else if (req.method === 'GET' && req.url?.startsWith(`/api/v1/devices/${SERIAL}/camera/videoLink`)) {
        json(res, 200, { url: VIDEO, visionUrl: 'https://vision.meraki.com/n/AbCdEfGh/cameras/29048243992402?timestamp=1718870412345' });
      } else {
        json(res, 404, { errors: ['Not found'] });
      }
    });
    client = new MerakiClient({ baseUrl: `${api.origin}/api/v1`, apiKey: KEY, timeoutMs: 2000 });
  });

  afterEach(async function () {
    client.limiter.stop();
    await Promise.all([api.close(), img.close()]);
  });

  it('asks for the snapshot at the ISO time, polls through 404s, and returns url, expiry, videoLink and the image', async function () {
    plan = [(res) => send(res, 404, 'not yet'), (res) => send(res, 404, 'not yet'), (res) => send(res, 200, PNG, 'image/png')];
    const result = await takeSnapshot(client, SERIAL, '747034588190081129', TS, { withImage: true, sleep: fastSleep });
    assert.deepEqual(result, {
      serial: SERIAL,
      zone: '747034588190081129',
      ts: TS,
      time: TIME,
      url: `${img.origin}/stream/jpeg/snapshot/b2d3e0f5a7c91e4b`,
      expiry: EXPIRY,
      videoLink: VIDEO,
      image: `data:image/png;base64,${PNG.toString('base64')}`,
    });
    const gen = apiHit('/generateSnapshot');
    assert.equal(gen.length, 1);
    assert.deepEqual(JSON.parse(gen[0].body), { timestamp: TIME });
    const video = apiHit('/videoLink');
    assert.equal(video.length, 1);
    assert.equal(new URL(video[0].url, api.origin).searchParams.get('timestamp'), TIME);
    assert.equal(imageHits().length, 3, 'polled until the image was there');
    assert.ok(imageHits().every((h) => h.method === 'GET'));
    assert.ok(imageHits().every((h) => h.headers.authorization === undefined), 'the API key went to the snapshot host');
    assert.equal(slept.length, 2);
    assert.ok(slept[1] > slept[0], `waits grow: ${slept}`);
  });

  it('polls with real waits until the URL is ready (~300 ms)', async function () {
    let readyAt = 0;
    img.handle = (_req, res) => {
      if (readyAt === 0) readyAt = Date.now() + 300;
      if (Date.now() < readyAt) send(res, 404);
      else send(res, 200, PNG, 'image/jpeg; charset=binary');
    };
    const result = await takeSnapshot(client, SERIAL, null, TS, { withImage: true });
    assert.equal(result.zone, null);
    assert.equal(result.image, `data:image/jpeg;base64,${PNG.toString('base64')}`);
    assert.ok(imageHits().length >= 2);
    assert.equal(imageHits().filter((h) => h.at >= readyAt).length, 1, 'stopped polling once ready');
  });

  it('withImage false (the default) → no image', async function () {
    const off = await takeSnapshot(client, SERIAL, '0', TS, { withImage: false, sleep: fastSleep });
    assert.ok(!('image' in off));
    assert.equal(off.url, `${img.origin}/stream/jpeg/snapshot/b2d3e0f5a7c91e4b`);
    assert.equal(off.videoLink, VIDEO);
    const byDefault = await takeSnapshot(client, SERIAL, '0', TS, { sleep: fastSleep });
    assert.ok(!('image' in byDefault));
  });

  it('a 200 that is not an image → result without image', async function () {
    plan = [(res) => send(res, 200, '<html>login</html>', 'text/html')];
    const result = await takeSnapshot(client, SERIAL, '0', TS, { withImage: true, sleep: fastSleep });
    assert.ok(!('image' in result));
    assert.equal(result.expiry, EXPIRY);
    plan = [(res) => send(res, 200, '<svg onload="alert(1)"/>', 'image/svg+xml; x=<script>')];
    const odd = await takeSnapshot(client, SERIAL, '0', TS, { withImage: true, sleep: fastSleep });
    assert.ok(odd.image === undefined || /^data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+$/.test(odd.image), odd.image);
  });

  it('an image larger than maxImageBytes is not inlined; one of exactly that size is', async function () {
    const big = await takeSnapshot(client, SERIAL, '0', TS, { withImage: true, maxImageBytes: PNG.length - 1, sleep: fastSleep });
    assert.ok(!('image' in big));
    assert.equal(big.url, `${img.origin}/stream/jpeg/snapshot/b2d3e0f5a7c91e4b`);
    const fits = await takeSnapshot(client, SERIAL, '0', TS, { withImage: true, maxImageBytes: PNG.length, sleep: fastSleep });
    assert.equal(fits.image, `data:image/png;base64,${PNG.toString('base64')}`);
  });

  it('a URL that never becomes ready → ApiError timeout after timeoutMs', async function () {
    plan = [(res) => send(res, 404)];
    const err = await rejection(takeSnapshot(client, SERIAL, '0', TS, { timeoutMs: 1000 }));
    assert.equal(err.kind, 'timeout');
    assert.ok(err.message.includes(SERIAL) && err.message.includes(TIME), err.message);
    assert.ok(imageHits().length >= 1);
    const polls = imageHits().length;
    await delay(300);
    assert.equal(imageHits().length, polls, 'still polling after giving up');
  });

  for (const status of [410, 400]) {
    it(`${status} on the image URL → error at once, no more polls`, async function () {
      plan = [(res) => send(res, status, 'gone')];
      const err = await rejection(takeSnapshot(client, SERIAL, '0', TS, { withImage: true, sleep: fastSleep }));
      assert.equal(err.kind, 'http');
      assert.equal(err.status, status);
      assert.equal(imageHits().length, 1);
      assert.deepEqual(slept, []);
    });
  }

  it('5xx on the image URL is retried like a 404', async function () {
    plan = [(res) => send(res, 503), (res) => send(res, 200, PNG, 'image/png')];
    const result = await takeSnapshot(client, SERIAL, '0', TS, { withImage: true, sleep: fastSleep });
    assert.equal(result.image, `data:image/png;base64,${PNG.toString('base64')}`);
    assert.equal(imageHits().length, 2);
  });

  it('API errors of generateSnapshot reject at once, without polling', async function () {
    api.handle = (_req, res) => json(res, 401, { errors: ['Invalid API key'] });
    const err = await rejection(takeSnapshot(client, SERIAL, '0', TS, { sleep: fastSleep }));
    assert.equal(err.kind, 'unauthorised');
    assert.match(err.message, /Invalid API key/);
    assert.ok(!err.message.includes(KEY));
    assert.equal(imageHits().length, 0);
  });

  it('a failing videoLink gives videoLink null, the snapshot still comes; videoLink: false skips it', async function () {
    const generate = api.handle;
    api.handle = (req, res, hit) => (req.url?.includes('/videoLink') ? json(res, 403, { errors: ['no footage access'] }) : generate(req, res, hit));
    const result = await takeSnapshot(client, SERIAL, '0', TS, { sleep: fastSleep });
    assert.equal(result.videoLink, null);
    assert.equal(result.url, `${img.origin}/stream/jpeg/snapshot/b2d3e0f5a7c91e4b`);
    api.hits.length = 0;
    const without = await takeSnapshot(client, SERIAL, '0', TS, { videoLink: false, sleep: fastSleep });
    assert.equal(without.videoLink, null);
    assert.equal(apiHit('/videoLink').length, 0);
  });

  it('abort while waiting between polls stops it: rejects, no more polls', async function () {
    plan = [(res) => send(res, 404)];
    const ctrl = new AbortController();
    const p = takeSnapshot(client, SERIAL, '0', TS, { timeoutMs: 20_000, signal: ctrl.signal });
    const outcome = p.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    while (imageHits().length === 0) await delay(5);
    ctrl.abort();
    const polls = imageHits().length;
    const err = await outcome;
    assert.ok(err instanceof ApiError, `expected a rejection, got ${inspect(err)}`);
    await delay(100);
    assert.equal(imageHits().length, polls, 'polled after the abort');
  });

  it('abort while the image is being fetched → rejects, no result', async function () {
    const ctrl = new AbortController();
    img.handle = (_req, res) => {
      ctrl.abort(); // the node closes while this answer is on its way
      setTimeout(() => send(res, 200, PNG, 'image/png'), 200);
    };
    const err = await takeSnapshot(client, SERIAL, '0', TS, { withImage: true, signal: ctrl.signal, sleep: fastSleep }).then(
      (r) => r,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError, `expected a rejection after the abort, got ${inspect(err)}`);
  });

  it('abort while the footage link is on its way → rejects, no result', async function () {
    const ctrl = new AbortController();
    const generate = api.handle;
    api.handle = (req, res, hit) => {
      if (!req.url?.includes('/videoLink')) return generate(req, res, hit);
      setTimeout(() => {
        ctrl.abort();
        setTimeout(() => json(res, 200, { url: VIDEO }), 100);
      }, 100);
    };
    const err = await takeSnapshot(client, SERIAL, '0', TS, { signal: ctrl.signal, sleep: fastSleep }).then(
      (r) => r,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError, `expected a rejection after the abort, got ${inspect(err)}`);
  });
});

describe('SnapshotStore', function () {
  const snap = (serial: string, zone: string | null, ts: number, image?: string): SnapshotResult => ({
    serial,
    zone,
    ts,
    time: new Date(ts).toISOString(),
    url: `https://spn4.meraki.com/snap/${serial}/${zone}/${ts}`,
    expiry: null,
    videoLink: null,
    ...(image !== undefined ? { image } : {}),
  });
  const tsOf = (list: SnapshotResult[] | undefined): number[] => (list ?? []).map((s) => s.ts);

  it('keeps each zone newest first, whatever the order they arrive in', function () {
    const store = new SnapshotStore();
    for (const ts of [3000, 1000, 5000, 2000, 4000]) store.add(snap(SERIAL, '7', ts));
    store.add(snap(SERIAL, '0', 9000));
    store.add(snap(SERIAL, null, 8000));
    const recent = store.recent();
    assert.deepEqual(Object.keys(recent).sort(), [`${SERIAL}/0`, `${SERIAL}/7`]);
    assert.deepEqual(tsOf(recent[`${SERIAL}/7`]), [5000, 4000, 3000, 2000, 1000]);
    assert.deepEqual(tsOf(recent[`${SERIAL}/0`]), [9000, 8000], 'zone null is zone 0');
  });

  it('keeps at most perZone snapshots per zone, dropping the oldest', function () {
    const store = new SnapshotStore(3);
    for (let i = 1; i <= 10; i++) store.add(snap(SERIAL, '1', i * 1000));
    store.add(snap(SERIAL, '1', 500)); // older than all: does not enter
    assert.deepEqual(tsOf(store.recent()[`${SERIAL}/1`]), [10000, 9000, 8000]);
    store.add(snap(SERIAL, '1', 8500));
    assert.deepEqual(tsOf(store.recent()[`${SERIAL}/1`]), [10000, 9000, 8500]);
  });

  it('keeps at most maxZones zones, dropping the least recently updated', function () {
    const store = new SnapshotStore(6, 3);
    store.add(snap('A', '1', 1000));
    store.add(snap('B', '1', 1000));
    store.add(snap('C', '1', 1000));
    store.add(snap('A', '1', 2000)); // A updated: B is now the least recently updated
    store.add(snap('D', '1', 1000));
    assert.deepEqual(Object.keys(store.recent()).sort(), ['A/1', 'C/1', 'D/1']);
    store.add(snap('C', '1', 500)); // even an older snapshot counts as an update
    store.add(snap('E', '1', 1000));
    assert.deepEqual(Object.keys(store.recent()).sort(), ['C/1', 'D/1', 'E/1']);
    assert.deepEqual(tsOf(store.recent()['C/1']), [1000, 500]);
  });

  it('recent() inlines images only on the newest snapshot of each zone, without changing the store', function () {
    const store = new SnapshotStore();
    store.add(snap(SERIAL, '1', 1000, 'data:image/jpeg;base64,AAAA'));
    store.add(snap(SERIAL, '1', 3000, 'data:image/jpeg;base64,CCCC'));
    store.add(snap(SERIAL, '1', 2000, 'data:image/jpeg;base64,BBBB'));
    store.add(snap(SERIAL, '2', 1000));
    store.add(snap(SERIAL, '2', 500, 'data:image/jpeg;base64,DDDD'));
    const recent = store.recent();
    const one = recent[`${SERIAL}/1`];
    assert.equal(one[0].image, 'data:image/jpeg;base64,CCCC');
    assert.ok(!('image' in one[1]) && !('image' in one[2]));
    assert.equal(one[1].url, `https://spn4.meraki.com/snap/${SERIAL}/1/2000`);
    const two = recent[`${SERIAL}/2`];
    assert.ok(!('image' in two[0]));
    assert.ok(!('image' in two[1]), 'an older image is not shown');
    // the store itself keeps the images: adding an older one later does not lose the newest's image
    store.add(snap(SERIAL, '1', 500));
    assert.equal(store.recent()[`${SERIAL}/1`][0].image, 'data:image/jpeg;base64,CCCC');
  });

  it('recent() is a copy: changing it does not change the store', function () {
    const store = new SnapshotStore();
    store.add(snap(SERIAL, '1', 1000));
    const recent = store.recent();
    recent[`${SERIAL}/1`].length = 0;
    delete recent[`${SERIAL}/1`];
    assert.deepEqual(tsOf(store.recent()[`${SERIAL}/1`]), [1000]);
  });
});
