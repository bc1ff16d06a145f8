/**
 * The demo's fake Meraki Dashboard API (demo/fake-meraki-api.ts), over real HTTP: it must behave
 * like the real one where our nodes can tell (auth, errors, rate limit, snapshot lifecycle).
 */
import { strict as assert } from 'assert';
import * as zlib from 'zlib';
import { DEFAULT_CAMERAS, FakeMerakiApi, HOSTILE_TEXT, startFakeMerakiApi } from '../../demo/fake-meraki-api';
import { countCrossings, hourCrossings } from '../../demo/crossings';
import { crc32 } from '../../demo/snapshot-png';

const KEY = 'test0123456789abcdef0123456789abcdef0123';
const CAM = DEFAULT_CAMERAS[0];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function call(api: FakeMerakiApi, path: string, init: { method?: string; key?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== null) headers.Authorization = `Bearer ${init.key ?? KEY}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`${api.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/** Checks a PNG's signature, IHDR (with its CRC) and that its IDAT inflates to the right size. */
function checkPng(buf: Buffer, width: number, height: number): void {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.readUInt32BE(8), 13, 'IHDR length');
  assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
  assert.equal(buf.readUInt32BE(16), width, 'width');
  assert.equal(buf.readUInt32BE(20), height, 'height');
  assert.equal(buf[24], 8, 'bit depth');
  assert.equal(buf[25], 2, 'colour type RGB');
  assert.equal(buf.readUInt32BE(29), crc32(buf.subarray(12, 29)), 'IHDR CRC');
  const idat: Buffer[] = [];
  let off = 8;
  let sawEnd = false;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    assert.equal(buf.readUInt32BE(off + 8 + len), crc32(buf.subarray(off + 4, off + 8 + len)), `${type} CRC`);
    if (type === 'IDAT') idat.push(buf.subarray(off + 8, off + 8 + len));
    if (type === 'IEND') sawEnd = true;
    off += 12 + len;
  }
  assert.ok(sawEnd, 'IEND chunk');
  assert.equal(zlib.inflateSync(Buffer.concat(idat)).length, (width * 3 + 1) * height, 'pixel data size');
}

describe('demo: fake Meraki Dashboard API', function () {
  this.timeout(20000);
  let api: FakeMerakiApi;

  before(async () => {
    // a generous rate limit here; the rate-limit test starts its own server
    api = await startFakeMerakiApi({ apiKey: KEY, snapshotDelayMs: 400, snapshotTtlMs: 2500, ratePerSecond: 1000, burst: 1000 });
  });
  after(() => api.close());

  it('listens on loopback under /api/v1', () => {
    assert.match(api.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    assert.ok(api.port > 0);
  });

  it('answers 401 {"errors":["Invalid API key"]} to a wrong or missing key', async () => {
    const before = api.stats.unauthorized;
    for (const res of [await call(api, `/devices/${CAM.serial}`, { key: 'wrong' }), await call(api, `/devices/${CAM.serial}`, { key: null })]) {
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.deepEqual(await res.json(), { errors: ['Invalid API key'] });
    }
    assert.equal(api.stats.unauthorized, before + 2);
  });

  it('takes the key in X-Cisco-Meraki-API-Key too', async () => {
    const res = await call(api, `/devices/${CAM.serial}`, { key: null, headers: { 'X-Cisco-Meraki-API-Key': KEY } });
    assert.equal(res.status, 200);
  });

  it('gives each camera its name, model and network', async () => {
    for (const cam of DEFAULT_CAMERAS) {
      const res = await call(api, `/devices/${cam.serial}`);
      assert.equal(res.status, 200);
      const d = (await res.json()) as Record<string, unknown>;
      assert.equal(d.serial, cam.serial);
      assert.equal(d.name, cam.name);
      assert.equal(d.model, cam.model);
      assert.match(String(d.networkId), /^L_\d+$/);
      assert.match(String(d.mac), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      assert.match(String(d.lanIp), /^\d+\.\d+\.\d+\.\d+$/);
    }
  });

  it('lists zones like the real API (string ids and coordinates), the hostile label verbatim', async () => {
    const labels: string[] = [];
    for (const cam of DEFAULT_CAMERAS) {
      const res = await call(api, `/devices/${cam.serial}/camera/analytics/zones`);
      assert.equal(res.status, 200);
      const zones = (await res.json()) as { id: unknown; type: unknown; label: unknown; regionOfInterest: Record<string, unknown> }[];
      assert.deepEqual(zones.map((z) => z.id), cam.zones.map((z) => z.id));
      assert.deepEqual(zones[0], { id: '0', type: 'occupancy', label: 'Full Frame', regionOfInterest: { x0: '0.00', y0: '0.00', x1: '1.00', y1: '1.00' } });
      for (const z of zones) {
        assert.equal(typeof z.id, 'string');
        for (const k of ['x0', 'y0', 'x1', 'y1']) assert.match(String(z.regionOfInterest[k]), /^\d\.\d\d$/);
        labels.push(String(z.label));
      }
      assert.ok(zones.length >= 2 && zones.length <= 3);
    }
    assert.ok(labels.includes(HOSTILE_TEXT));
    assert.equal(HOSTILE_TEXT, '<img src=x onerror=alert(1)>');
  });

  it('answers 404 {"errors":["Not found"]} to an unknown serial, and 404 to an unknown path', async () => {
    let res = await call(api, '/devices/Q2XX-0000-0000');
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { errors: ['Not found'] });
    res = await call(api, '/devices/Q2XX-0000-0000/camera/analytics/zones');
    assert.equal(res.status, 404);
    res = await call(api, '/nothing/here');
    assert.equal(res.status, 404);
    res = await fetch(`${api.origin}/somewhere-else`);
    assert.equal(res.status, 404);
  });

  it('generateSnapshot: 202 {url, expiry}; the image is 404 until ready, then a PNG, then 404 once expired', async () => {
    const before = api.stats.snapshotsGenerated;
    const timestamp = new Date(Date.now() - 3_600_000).toISOString();
    const res = await call(api, `/devices/${CAM.serial}/camera/generateSnapshot`, { method: 'POST', body: { timestamp } });
    assert.equal(res.status, 202);
    const snap = (await res.json()) as { url: string; expiry: string };
    assert.deepEqual(Object.keys(snap).sort(), ['expiry', 'url']);
    assert.ok(snap.url.startsWith(`${api.origin}/`), snap.url);
    assert.match(snap.expiry, /^Access to the image will expire at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.$/);
    assert.equal(api.stats.snapshotsGenerated, before + 1);

    // no key needed on the image URL (like spnX.meraki.com), and not there yet
    let img = await fetch(snap.url);
    assert.equal(img.status, 404);
    await img.arrayBuffer();
    const t0 = Date.now();
    while (img.status === 404 && Date.now() - t0 < 5000) {
      await sleep(100);
      img = await fetch(snap.url);
      if (img.status === 404) await img.arrayBuffer();
    }
    assert.equal(img.status, 200);
    assert.ok(Date.now() - t0 >= 250, 'ready only after the delay');
    assert.equal(img.headers.get('content-type'), 'image/png');
    const png = Buffer.from(await img.arrayBuffer());
    assert.ok(png.length <= 30 * 1024, `${png.length} bytes`);
    checkPng(png, 320, 180);

    // the same camera and time give the same picture; another camera another one
    const again = (await (await call(api, `/devices/${CAM.serial}/camera/generateSnapshot`, { method: 'POST', body: { timestamp } })).json()) as { url: string };
    const other = (await (await call(api, `/devices/${DEFAULT_CAMERAS[1].serial}/camera/generateSnapshot`, { method: 'POST', body: { timestamp } })).json()) as { url: string };
    await sleep(500);
    const [b1, b2] = await Promise.all([again.url, other.url].map(async (u) => Buffer.from(await (await fetch(u)).arrayBuffer())));
    assert.ok(b1.equals(png));
    assert.ok(!b2.equals(png));

    // expired after snapshotTtlMs (2.5 s here)
    await sleep(Math.max(0, 2600 - (Date.now() - t0)));
    const gone = await fetch(snap.url);
    assert.equal(gone.status, 404);
    assert.deepEqual(await gone.json(), { errors: ['This snapshot has expired'] });
    assert.ok(api.stats.imagesNotReady >= 1 && api.stats.imagesServed >= 1 && api.stats.imagesExpired >= 1);
  });

  it('generateSnapshot: 400 for timestamp together with fullframe; fullframe alone or an empty body is fine', async () => {
    const path = `/devices/${CAM.serial}/camera/generateSnapshot`;
    let res = await call(api, path, { method: 'POST', body: { timestamp: new Date().toISOString(), fullframe: true } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { errors: string[] };
    assert.ok(Array.isArray(body.errors) && body.errors.length === 1 && typeof body.errors[0] === 'string');
    res = await call(api, path, { method: 'POST', body: { fullframe: true } });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    res = await call(api, path, { method: 'POST' });
    assert.equal(res.status, 202);
    await res.arrayBuffer();
    res = await call(api, path, { method: 'POST', body: { timestamp: 'yesterday' } });
    assert.equal(res.status, 400);
    await res.arrayBuffer();
    res = await call(api, `/devices/Q2XX-0000-0000/camera/generateSnapshot`, { method: 'POST', body: {} });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });

  it('videoLink: {url, visionUrl} with the time in ms, and pages behind them', async () => {
    const iso = '2024-06-20T08:00:12Z';
    const res = await call(api, `/devices/${CAM.serial}/camera/videoLink?timestamp=${encodeURIComponent(iso)}`);
    assert.equal(res.status, 200);
    const link = (await res.json()) as { url: string; visionUrl: string };
    assert.deepEqual(Object.keys(link).sort(), ['url', 'visionUrl']);
    for (const u of [link.url, link.visionUrl]) {
      assert.ok(new URL(u).searchParams.get('timestamp') === String(Date.parse(iso)), u);
      const page = await fetch(u);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.ok(html.includes(CAM.name));
      const src = /src="([^"]+\.png)"/.exec(html)?.[1];
      assert.ok(src, 'an image on the page');
      const frame = await fetch(new URL(src, api.origin));
      checkPng(Buffer.from(await frame.arrayBuffer()), 320, 180);
    }
    assert.match(link.url, /\/manage\/nodes\/new_list\/\d+\?timestamp=\d+$/);
    assert.match(link.visionUrl, /\/cameras\/\d+\?timestamp=\d+$/);

    const now = (await (await call(api, `/devices/${CAM.serial}/camera/videoLink`)).json()) as { url: string };
    const ms = Number(new URL(now.url).searchParams.get('timestamp'));
    assert.ok(Math.abs(ms - Date.now()) < 5000, 'no timestamp: now');
    const bad = await call(api, `/devices/${CAM.serial}/camera/videoLink?timestamp=soon`);
    assert.equal(bad.status, 400);
  });

  it('networks: GET /networks/{id} names the organisation', async () => {
    const device = (await (await call(api, `/devices/${CAM.serial}`)).json()) as { networkId: string };
    const res = await call(api, `/networks/${device.networkId}`);
    assert.equal(res.status, 200);
    const net = (await res.json()) as Record<string, unknown>;
    assert.equal(net.id, device.networkId);
    assert.equal(net.organizationId, '549236');
    assert.equal((await call(api, '/networks/L_0')).status, 404);
  });

  it('Areas & Lines: the entrance camera\'s lines by device, the hostile name verbatim; 404 for another organisation', async () => {
    const res = await call(api, `/organizations/549236/camera/boundaries/lines/byDevice?serials[]=${CAM.serial}`);
    assert.equal(res.status, 200);
    const list = (await res.json()) as { serial: string; networkId: string; boundaries: { id: string; name: string; type: string; vertices: unknown[]; directionVertex: unknown }[] }[];
    assert.deepEqual(list.map((d) => d.serial), [CAM.serial]);
    assert.deepEqual(list[0].boundaries.map((b) => [b.id, b.name, b.type]), CAM.lines!.map((l) => [l.id, l.name, 'line']));
    assert.ok(list[0].boundaries.some((b) => b.name === HOSTILE_TEXT));
    assert.equal(list[0].boundaries[0].vertices.length, 2);
    const other = await call(api, `/organizations/549236/camera/boundaries/lines/byDevice?serials[]=${DEFAULT_CAMERAS[2].serial}`);
    assert.deepEqual(await other.json(), []);
    assert.equal((await call(api, '/organizations/1/camera/boundaries/lines/byDevice')).status, 404);
  });

  it('byInterval: the camera\'s counts per interval (duplicates and expired left out), pages with Link rel=next, 400 for bad parameters', async () => {
    const line = CAM.lines![0];
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
    const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
    const path = `/organizations/549236/camera/detections/history/byBoundary/byInterval?boundaryIds[]=${line.id}&ranges[]interval=3600&ranges[]startTime=${iso(hour)}&ranges[]endTime=${iso(hour + 3 * 3_600_000)}&perPage=2`;
    const first = await call(api, path);
    assert.equal(first.status, 200);
    const page1 = (await first.json()) as { boundaryId: string; type: string; results: { startTime: string; endTime: string; objectType: string; in: number; out: number }[] }[];
    assert.equal(page1.length, 1);
    assert.equal(page1[0].type, 'line');
    assert.deepEqual(page1[0].results.map((r) => r.startTime), [iso(hour), iso(hour + 3_600_000)]);
    const link = first.headers.get('link') ?? '';
    const next = /<([^>]+)>; rel=next/.exec(link)?.[1];
    assert.ok(next && next.startsWith(api.baseUrl) && /startingAfter=/.test(next), link);
    const second = await fetch(next, { headers: { Authorization: `Bearer ${KEY}` } });
    const page2 = (await second.json()) as typeof page1;
    assert.deepEqual(page2[0].results.map((r) => r.startTime), [iso(hour + 2 * 3_600_000)]);
    assert.doesNotMatch(second.headers.get('link') ?? '', /rel=next/, 'the last page');
    const all = [...page1[0].results, ...page2[0].results];
    for (const [k, r] of all.entries()) {
      const want = countCrossings(CAM.serial, line, hour + k * 3_600_000, hour + (k + 1) * 3_600_000, Date.now());
      assert.deepEqual([r.objectType, r.in, r.out], ['person', want.in, want.out]);
      const events = hourCrossings(CAM.serial, line, hour + k * 3_600_000);
      assert.equal(events.filter((e) => e.counted && e.event === 'crossing_in').length, r.in);
    }
    assert.ok(all.some((r) => r.in + r.out > 0) || all.every((r) => new Date(r.startTime).getHours() < 6 || new Date(r.startTime).getHours() >= 22));
    const bad = async (q: string) => (await call(api, `/organizations/549236/camera/detections/history/byBoundary/byInterval?${q}`)).status;
    assert.equal(await bad(`ranges[]interval=3600&ranges[]startTime=${iso(hour)}&ranges[]endTime=${iso(hour + 3_600_000)}`), 400, 'no boundaryIds');
    assert.equal(await bad(`boundaryIds[]=${line.id}`), 400, 'no ranges');
    assert.equal(await bad(`boundaryIds[]=${line.id}&ranges[]interval=3600&ranges[]startTime=${iso(hour)}&ranges[]endTime=${iso(hour + 3_600_000)}&perPage=1001`), 400);
    assert.equal(await bad(`boundaryIds[]=${line.id}&ranges[][interval]=3600&ranges[][startTime]=${iso(hour)}&ranges[][endTime]=${iso(hour)}`), 400, 'empty range');
    assert.equal(await bad(`boundaryIds[]=${line.id}&ranges[][interval]=3600&ranges[][startTime]=${iso(hour)}&ranges[][endTime]=${iso(hour + 3_600_000)}`), 200, 'the bracketed form too');
  });

  it('counts requests per endpoint', () => {
    const s = api.stats;
    assert.ok(s.requests > 10);
    assert.ok((s.byEndpoint['GET /devices/{serial}'] ?? 0) >= 4);
    assert.ok((s.byEndpoint['GET /devices/{serial}/camera/analytics/zones'] ?? 0) >= 3);
    assert.ok((s.byEndpoint['POST /devices/{serial}/camera/generateSnapshot'] ?? 0) >= 4);
    assert.ok((s.byEndpoint['GET /devices/{serial}/camera/videoLink'] ?? 0) >= 3);
    assert.ok(s.notFound >= 4);
    assert.equal(s.rateLimited, 0);
  });

  it('answers 429 with Retry-After beyond rate + burst requests in a second, and serves again after it', async () => {
    const limited = await startFakeMerakiApi({ apiKey: KEY, ratePerSecond: 10, burst: 10 });
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, () => call(limited, `/devices/${CAM.serial}`)));
      const ok = answers.filter((r) => r.status === 200);
      const tooMany = answers.filter((r) => r.status === 429);
      assert.equal(ok.length + tooMany.length, 40);
      assert.ok(ok.length >= 20 && ok.length <= 30, `${ok.length} served`);
      assert.ok(tooMany.length >= 10, `${tooMany.length} refused`);
      let retry = 0;
      for (const r of tooMany) {
        const header = r.headers.get('retry-after');
        assert.match(header ?? '', /^\d+$/);
        retry = Math.max(retry, Number(header));
        assert.deepEqual(await r.json(), { errors: ['API rate limit exceeded for organization'] });
      }
      for (const r of ok) await r.arrayBuffer();
      assert.ok(retry >= 1 && retry <= 5, `Retry-After ${retry}`);
      assert.equal(limited.stats.rateLimited, tooMany.length);
      await sleep(retry * 1000);
      const after = await call(limited, `/devices/${CAM.serial}`);
      assert.equal(after.status, 200);
      // a wrong key is refused before the bucket is touched
      const unauth = await call(limited, `/devices/${CAM.serial}`, { key: 'nope' });
      assert.equal(unauth.status, 401);
    } finally {
      await limited.close();
    }
  });
});
