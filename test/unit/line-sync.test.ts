/**
 * line-counter's Dashboard API calls (src/lib/meraki-api.ts: organisation, lines, byInterval with
 * pagination; src/lib/line-sync.ts: when to call what, never an hour twice) over real HTTP: a
 * stand-in server for odd answers, and the demo's fake Dashboard API (401, 429 with Retry-After,
 * Link pages) for the whole round.
 */
import { strict as assert } from 'assert';
import { DEFAULT_CAMERAS } from '../../demo/cameras';
import { countCrossings } from '../../demo/crossings';
import { FakeMerakiApi, ORGANIZATION_ID, startFakeMerakiApi } from '../../demo/fake-meraki-api';
import { parseAreas } from '../../src/lib/config-maps';
import { LineCounter } from '../../src/lib/line-counter';
import { LineSync } from '../../src/lib/line-sync';
import { ApiError, MerakiClient, nextLink, RateLimiter } from '../../src/lib/meraki-api';
import { json, startServer, TestServer } from '../support/http-server';
import { rejection } from '../support/seeded';

const KEY = 'line0123456789abcdef0123456789abcdef0123';
const CAM = DEFAULT_CAMERAS[0];
const HOUR = 3_600_000;

describe('nextLink (RFC 8288 Link header)', () => {
  it('finds rel=next among the links, quoted or not', () => {
    assert.equal(nextLink('<https://api.meraki.com/api/v1/x?startingAfter=a>; rel=first, <https://api.meraki.com/api/v1/x?startingAfter=b>; rel=next'), 'https://api.meraki.com/api/v1/x?startingAfter=b');
    assert.equal(nextLink('<https://h/api/v1/y?a=1,2>; rel="next"; title="x"'), 'https://h/api/v1/y?a=1,2');
    assert.equal(nextLink('<https://h/a>; rel="prev next"'), 'https://h/a');
    assert.equal(nextLink('<https://h/a>; rel=first, <https://h/b>; rel=last'), null);
    assert.equal(nextLink('<https://h/a>; rel=nextpage'), null);
    assert.equal(nextLink(''), null);
    assert.equal(nextLink(null), null);
  });
});

describe('MerakiClient: Areas & Lines calls', function () {
  this.timeout(10_000);
  let api: TestServer;
  let client: MerakiClient;

  beforeEach(async () => {
    api = await startServer();
    client = new MerakiClient({ baseUrl: `${api.origin}/api/v1`, apiKey: KEY, timeoutMs: 2000 });
  });
  afterEach(async () => {
    client.limiter.stop();
    await api.close();
  });

  it('organizationOfDevice: the device, then its network', async () => {
    api.handle = (req, res) => (req.url === `/api/v1/devices/${CAM.serial}` ? json(res, 200, { serial: CAM.serial, networkId: 'L_1' }) : json(res, 200, { id: 'L_1', organizationId: 549236 }));
    assert.equal(await client.organizationOfDevice(CAM.serial), '549236');
    assert.deepEqual(api.hits.map((h) => h.url), [`/api/v1/devices/${CAM.serial}`, '/api/v1/networks/L_1']);
    api.handle = (_req, res) => json(res, 200, { serial: CAM.serial });
    assert.equal((await rejection(client.organizationOfDevice(CAM.serial), ApiError)).kind, 'bad-response');
  });

  it('follows Link rel=next under the base URL, joining the pages; refuses a next page elsewhere', async () => {
    api.handle = (req, res) => {
      const page = new URL(req.url!, api.origin).searchParams.get('startingAfter');
      if (page === null) json(res, 200, [{ serial: CAM.serial, boundaries: [{ id: 'k1', name: 'Main entrance', type: 'line' }, { id: 'a1', name: 'Area', type: 'area' }] }], { Link: `<${api.origin}/api/v1/organizations/1/camera/boundaries/lines/byDevice?startingAfter=p2>; rel=next` });
      else json(res, 200, [{ serial: 'Q2JV-AB12-CD34', boundaries: { id: 7, name: null } }]);
    };
    assert.deepEqual(await client.getLinesByDevice('1', [CAM.serial, 'Q2JV-AB12-CD34']), [
      { serial: CAM.serial, id: 'k1', name: 'Main entrance' },
      { serial: 'Q2JV-AB12-CD34', id: '7', name: null },
    ]);
    assert.equal(api.hits[0].url, `/api/v1/organizations/1/camera/boundaries/lines/byDevice?serials[]=${CAM.serial}&serials[]=Q2JV-AB12-CD34`);
    api.handle = (_req, res) => json(res, 200, [], { Link: '<https://evil.example/api/v1/next>; rel=next' });
    assert.match((await rejection(client.getLinesByDevice('1', []), ApiError)).message, /not under the API base URL/);
    assert.equal(api.hits.length, 3, 'the key went nowhere else');
    api.handle = (_req, res) => json(res, 200, [], { Link: `<${api.origin}/api/v1/again>; rel=next` });
    assert.match((await rejection(client.requestAll('/again', 3), ApiError)).message, /more than 3 pages/);
  });

  it('getBoundaryHistory: ranges as Rails reads them, results as an array or one object', async () => {
    api.handle = (_req, res) =>
      json(res, 200, [
        { boundaryId: 'k1', type: 'line', results: [{ startTime: '2024-06-20T07:00:00Z', endTime: '2024-06-20T08:00:00Z', objectType: 'person', in: 41, out: 37 }] },
        { boundaryId: 'k2', type: 'line', results: { startTime: '2024-06-20T07:00:00Z', endTime: '2024-06-20T08:00:00Z', objectType: 'vehicle', in: 2, out: -1 } },
        { boundaryId: 'k3', results: [{ startTime: 'never', endTime: '2024-06-20T08:00:00Z', in: 1, out: 1 }] },
      ]);
    const got = await client.getBoundaryHistory('549236', {
      boundaryIds: ['k1', 'k2'],
      ranges: [{ startTime: '2024-06-20T07:00:00Z', endTime: '2024-06-20T09:00:00Z' }],
      boundaryTypes: ['person', 'vehicle'],
    });
    const t = Date.parse('2024-06-20T07:00:00Z');
    assert.deepEqual(got, [
      { boundaryId: 'k1', start: t, end: t + HOUR, objectType: 'person', in: 41, out: 37 },
      { boundaryId: 'k2', start: t, end: t + HOUR, objectType: 'vehicle', in: 2, out: 0 },
    ]);
    assert.equal(
      decodeURIComponent(api.hits[0].url),
      '/api/v1/organizations/549236/camera/detections/history/byBoundary/byInterval?boundaryIds[]=k1&boundaryIds[]=k2&ranges[]interval=3600&ranges[]startTime=2024-06-20T07:00:00Z&ranges[]endTime=2024-06-20T09:00:00Z&boundaryTypes[]=person&boundaryTypes[]=vehicle&perPage=1000',
    );
  });
});

describe('LineSync with the fake Dashboard API', function () {
  this.timeout(20_000);
  let fake: FakeMerakiApi;
  const clients: MerakiClient[] = [];
  const make = (key = KEY, limiter?: RateLimiter): MerakiClient => {
    const c = new MerakiClient({ baseUrl: fake.baseUrl, apiKey: key, timeoutMs: 3000, limiter });
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) c.limiter.stop();
    await fake.close();
  });

  it('finds the organisation, names the lines, fills the hours before the start once; the figures are the camera\'s', async () => {
    fake = await startFakeMerakiApi({ apiKey: KEY, ratePerSecond: 1000, burst: 1000 });
    const now = Date.now();
    const lc = new LineCounter({ timeZone: 'UTC', windowHours: 6, areas: parseAreas(`Lobby: ${CAM.serial}/k74272e, ${CAM.serial}/k74272f reversed`) }, now);
    const log: string[] = [];
    const sync = new LineSync(make(), lc, now, { log: (t) => log.push(t), lagMs: 0 });
    await sync.poke();
    assert.equal(sync.organisation, ORGANIZATION_ID);
    const s = lc.summary(now);
    assert.deepEqual(s.lines.map((l) => l.label), ['Main entrance', 'Side door', '<img src=x onerror=alert(1)>'], 'the lines drawn on the camera, named by the API');
    const hourNow = Math.floor(now / HOUR) * HOUR;
    for (const [k, line] of CAM.lines!.entries()) {
      const want = countCrossings(CAM.serial, line, hourNow - 5 * HOUR, hourNow, now);
      assert.deepEqual([s.lines[k].in, s.lines[k].out], [want.in, want.out], line.name);
    }
    assert.ok(fake.stats.byEndpoint['GET /networks/{networkId}'] === 1);
    const before = fake.stats.requests;
    await sync.poke();
    assert.equal(fake.stats.requests, before, 'nothing asked twice');
    assert.ok(log.some((l) => /hour\(s\) of 3 line\(s\) from the Dashboard API/.test(l)), log.join('\n'));
  });

  it('pages through byInterval and waits out 429s (Retry-After) through the shared limiter', async () => {
    fake = await startFakeMerakiApi({ apiKey: KEY, ratePerSecond: 2, burst: 0 });
    const client = make(KEY, new RateLimiter(50, 50)); // more eager than the server allows: it answers 429
    const now = Date.now();
    const hourNow = Math.floor(now / HOUR) * HOUR;
    const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
    const got = await client.getBoundaryHistory(ORGANIZATION_ID, {
      boundaryIds: CAM.lines!.map((l) => l.id),
      ranges: [{ startTime: iso(hourNow - 4 * HOUR), endTime: iso(hourNow) }],
      perPage: 3,
    });
    assert.equal(got.length, 12, '3 lines × 4 hours over 4 pages');
    assert.ok(fake.stats.rateLimited > 0, 'the server refused some');
    const byInterval = fake.stats.byEndpoint['GET /organizations/{organizationId}/camera/detections/history/byBoundary/byInterval'];
    assert.equal(byInterval - fake.stats.rateLimited, 4, 'four pages served');
    const main = got.filter((g) => g.boundaryId === 'k74272e').reduce((n, g) => n + g.in, 0);
    assert.equal(main, countCrossings(CAM.serial, CAM.lines![0], hourNow - 4 * HOUR, hourNow, now).in);
  });

  it('a bad key: 401, reported once per retry period, nothing filled', async () => {
    fake = await startFakeMerakiApi({ apiKey: KEY });
    const now = Date.now();
    const lc = new LineCounter({ timeZone: 'UTC', areas: parseAreas(`Lobby: ${CAM.serial}/k74272e`) }, now);
    const failures: string[] = [];
    let clock = now;
    const sync = new LineSync(make('wrong-key-0000000000000000000000000000000'), lc, now, { now: () => clock, fail: (step, err) => failures.push(`${step}: ${(err as ApiError).kind}`) });
    await sync.poke();
    await sync.poke();
    assert.deepEqual(failures, ['organisation: unauthorised']);
    clock += 10 * 60_000;
    await sync.poke();
    assert.equal(failures.length, 2, 'tried again after 10 minutes');
    assert.equal(lc.summary(now).lines[0].in, 0);
    // with the organisation configured, the lines step fails instead
    const sync2 = new LineSync(make('wrong-key-0000000000000000000000000000000'), lc, now, { orgId: ORGANIZATION_ID, fail: (step) => failures.push(step) });
    await sync2.poke();
    assert.deepEqual(failures.slice(2), ['lines', 'history']);
  });
});
