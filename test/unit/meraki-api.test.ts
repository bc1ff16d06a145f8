/**
 * MerakiClient, RateLimiter and retryAfterMs against real HTTP: small servers on 127.0.0.1 stand
 * in for the Dashboard API (wire formats: reference part A.5).
 */
import { strict as assert } from 'assert';
import { inspect } from 'util';
import { ApiError, MerakiClient, RateLimiter, retryAfterMs } from '../../src/lib/meraki-api';
import { startServer, json, TestServer } from '../support/http-server';
import { delay, rejection as rejectionOf } from '../support/seeded';

/** The ApiError `p` must reject with. */
const rejection = (p: Promise<unknown>): Promise<ApiError> => rejectionOf(p, ApiError);

const KEY = '0123456789abcdef0123456789abcdef01234567';
const SERIAL = 'Q2GV-7HJK-2LMN';




function assertNoKey(err: Error): void {
  for (const text of [err.message, String(err.stack), String(err), inspect(err), JSON.stringify(err)]) {
    assert.ok(!text.includes(KEY), `the key leaked into: ${text}`);
  }
}

describe('MerakiClient', function () {
  this.timeout(10_000);
  let api: TestServer;
  let base: string;
  const clients: MerakiClient[] = [];

  function client(options: Partial<ConstructorParameters<typeof MerakiClient>[0]> = {}): MerakiClient {
    const c = new MerakiClient({ baseUrl: base, apiKey: KEY, timeoutMs: 2000, ...options });
    clients.push(c);
    return c;
  }

  beforeEach(async function () {
    api = await startServer();
    base = `${api.origin}/api/v1`;
  });

  afterEach(async function () {
    for (const c of clients.splice(0)) c.limiter.stop();
    await api.close();
  });

  describe('construction', function () {
    it('throws on an invalid base URL', function () {
      for (const baseUrl of ['', '   ', 'not a url', 'api.meraki.com/api/v1', 'ftp://api.meraki.com/api/v1', 'file:///etc/passwd']) {
        assert.throws(() => new MerakiClient({ baseUrl, apiKey: KEY }), /invalid API base URL/, `accepted ${JSON.stringify(baseUrl)}`);
      }
    });

    it('throws without an API key, without showing a key in the message', function () {
      assert.throws(() => new MerakiClient({ baseUrl: 'https://api.meraki.com/api/v1', apiKey: '' }), /no API key/);
      try {
        new MerakiClient({ baseUrl: 'ftp://x', apiKey: KEY });
        assert.fail('accepted ftp:');
      } catch (err) {
        assertNoKey(err as Error);
      }
    });

    it('drops trailing slashes of the base URL', async function () {
      api.handle = (_req, res) => json(res, 200, { serial: SERIAL });
      const c = client({ baseUrl: `${base}//` });
      assert.equal(c.baseUrl, base);
      await c.getDevice(SERIAL);
      assert.equal(api.hits[0].url, `/api/v1/devices/${SERIAL}`);
    });
  });

  describe('requests', function () {
    it('sends the key as Authorization: Bearer and parses JSON answers', async function () {
      api.handle = (_req, res) => json(res, 200, { serial: SERIAL, name: 'Lobby', model: 'MV12' });
      const device = await client().getDevice(SERIAL);
      assert.deepEqual(device, { serial: SERIAL, name: 'Lobby', model: 'MV12' });
      assert.equal(api.hits.length, 1);
      assert.equal(api.hits[0].method, 'GET');
      assert.equal(api.hits[0].url, `/api/v1/devices/${SERIAL}`);
      assert.equal(api.hits[0].headers.authorization, `Bearer ${KEY}`);
      assert.match(String(api.hits[0].headers.accept), /application\/json/);
    });

    it('escapes the serial in the path', async function () {
      api.handle = (_req, res) => json(res, 200, []);
      await client().getZones('a/b?c');
      assert.equal(api.hits[0].url, '/api/v1/devices/a%2Fb%3Fc/camera/analytics/zones');
    });

    it('POSTs generateSnapshot with a JSON body holding the ISO timestamp', async function () {
      api.handle = (_req, res) =>
        json(res, 202, { url: 'https://spn4.meraki.com/stream/jpeg/snapshot/abc', expiry: 'Access to the image will expire at 2024-06-21T08:00:15Z.' });
      const snap = await client().generateSnapshot(SERIAL, '2024-06-20T08:00:12.000Z');
      assert.deepEqual(snap, { url: 'https://spn4.meraki.com/stream/jpeg/snapshot/abc', expiry: 'Access to the image will expire at 2024-06-21T08:00:15Z.' });
      const hit = api.hits[0];
      assert.equal(hit.method, 'POST');
      assert.equal(hit.url, `/api/v1/devices/${SERIAL}/camera/generateSnapshot`);
      assert.match(String(hit.headers['content-type']), /^application\/json/);
      assert.equal(hit.headers.authorization, `Bearer ${KEY}`);
      assert.deepEqual(JSON.parse(hit.body), { timestamp: '2024-06-20T08:00:12.000Z' });
    });

    it('generateSnapshot without a time sends an empty object; no expiry → null; no url → bad-response', async function () {
      let answer: unknown = { url: 'https://spn4.meraki.com/s/1' };
      api.handle = (_req, res) => json(res, 200, answer);
      const c = client();
      assert.deepEqual(await c.generateSnapshot(SERIAL), { url: 'https://spn4.meraki.com/s/1', expiry: null });
      assert.deepEqual(JSON.parse(api.hits[0].body), {});
      answer = { expiry: 'soon' };
      const err = await rejection(c.generateSnapshot(SERIAL, '2024-06-20T08:00:12.000Z'));
      assert.equal(err.kind, 'bad-response');
    });

    it('videoLink passes the time as ?timestamp=ISO and returns url (null when absent)', async function () {
      let answer: unknown = { url: 'https://n123.meraki.com/x?timestamp=1718870412000', visionUrl: 'https://vision.meraki.com/y' };
      api.handle = (_req, res) => json(res, 200, answer);
      const c = client();
      assert.equal(await c.videoLink(SERIAL, '2024-06-20T08:00:12.000Z'), 'https://n123.meraki.com/x?timestamp=1718870412000');
      const u = new URL(api.hits[0].url, api.origin);
      assert.equal(u.pathname, `/api/v1/devices/${SERIAL}/camera/videoLink`);
      assert.equal(u.searchParams.get('timestamp'), '2024-06-20T08:00:12.000Z');
      assert.equal(api.hits[0].method, 'GET');
      answer = { visionUrl: 'https://vision.meraki.com/y' };
      assert.equal(await c.videoLink(SERIAL), null);
      assert.equal(api.hits[1].url, `/api/v1/devices/${SERIAL}/camera/videoLink`);
    });

    it('getZones maps id or zoneId (as strings) and labels, skipping entries without either', async function () {
      api.handle = (_req, res) =>
        json(res, 200, [
          { id: '0', type: 'occupancy', label: 'Full Frame', regionOfInterest: { x0: '0.00', y0: '0.00', x1: '1.00', y1: '1.00' } },
          { zoneId: '747034588190081129', label: 'Checkout queue' },
          { id: 5 },
          { zoneId: 6, label: 42 },
          { label: 'no id' },
          null,
          'text',
        ]);
      assert.deepEqual(await client().getZones(SERIAL), [
        { id: '0', label: 'Full Frame' },
        { id: '747034588190081129', label: 'Checkout queue' },
        { id: '5', label: null },
        { id: '6', label: null },
      ]);
      assert.equal(api.hits[0].url, `/api/v1/devices/${SERIAL}/camera/analytics/zones`);
    });

    it('getZones: an answer that is not a list → bad-response', async function () {
      api.handle = (_req, res) => json(res, 200, { zones: [] });
      assert.equal((await rejection(client().getZones(SERIAL))).kind, 'bad-response');
    });

    it('an answer that is not JSON → bad-response; an empty answer → null', async function () {
      let text = '<html>hello</html>';
      api.handle = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(text);
      };
      const c = client();
      const err = await rejection(c.request('GET', '/organizations'));
      assert.equal(err.kind, 'bad-response');
      assert.match(err.message, /not JSON/);
      text = '';
      assert.equal(await c.request('GET', '/organizations'), null);
    });
  });

  describe('errors', function () {
    const cases: [number, string, string][] = [
      [401, 'unauthorised', 'Invalid API key'],
      [403, 'forbidden', 'You do not have permission to access this device'],
      [404, 'not-found', 'No such device Q2GV-7HJK-2LMN'],
      [400, 'http', 'Timestamp must be within the last 365 days'],
    ];
    for (const [status, kind, text] of cases) {
      it(`${status} → ApiError ${kind} with the API's errors text, never the key`, async function () {
        api.handle = (_req, res) => json(res, status, { errors: [text, 'second reason'] });
        const events: string[] = [];
        const err = await rejection(client({ onEvent: (e) => events.push(e) }).generateSnapshot(SERIAL, '2024-06-20T08:00:12.000Z'));
        assert.equal(err.kind, kind);
        assert.equal(err.status, status);
        assert.equal(err.name, 'ApiError');
        assert.ok(err.message.includes(text), err.message);
        assert.ok(err.message.includes('second reason'), err.message);
        assert.ok(err.message.includes(String(status)), err.message);
        assert.ok(err.message.includes('generateSnapshot'), err.message);
        assertNoKey(err);
        assert.equal(api.hits.length, 1, 'not retried');
        assert.deepEqual(events, status === 401 || status === 403 ? ['unauthorised'] : []);
      });
    }

    it('an error answer that is not JSON still gives a readable message', async function () {
      api.handle = (_req, res) => {
        res.writeHead(401, { 'Content-Type': 'text/plain' });
        res.end('nope');
      };
      const err = await rejection(client().getDevice(SERIAL));
      assert.equal(err.kind, 'unauthorised');
      assert.match(err.message, /401/);
      assertNoKey(err);
    });
  });

  describe('429 and 5xx', function () {
    it('429 with Retry-After: waits, then retries and succeeds', async function () {
      api.handle = (_req, res) => {
        if (api.hits.length === 1) json(res, 429, { errors: ['API rate limit exceeded for organization'] }, { 'Retry-After': '1' });
        else json(res, 200, { serial: SERIAL });
      };
      const events: string[] = [];
      const device = await client({ onEvent: (e) => events.push(e) }).getDevice(SERIAL);
      assert.deepEqual(device, { serial: SERIAL });
      assert.equal(api.hits.length, 2);
      assert.ok(api.hits[1].at - api.hits[0].at >= 800, `retried ${api.hits[1].at - api.hits[0].at} ms after the 429 (Retry-After: 1)`);
      assert.equal(api.hits[1].headers.authorization, `Bearer ${KEY}`);
      assert.deepEqual(events, ['rate-limited', 'ok']);
    });

    it('a 429 holds back the other requests of the same client too', async function () {
      let rateLimitedAt = 0;
      api.handle = (req, res) => {
        if (req.url?.endsWith('/a') && rateLimitedAt === 0) {
          rateLimitedAt = Date.now();
          json(res, 429, { errors: ['API rate limit exceeded for organization'] }, { 'Retry-After': '1' });
        } else {
          json(res, 200, {});
        }
      };
      const c = client();
      const a = c.request('GET', '/a');
      while (rateLimitedAt === 0) await delay(5);
      await delay(100); // the client has seen the 429 by now
      await c.request('GET', '/b');
      await a;
      const b = api.hits.find((h) => h.url.endsWith('/b'))!;
      assert.ok(b.at - rateLimitedAt >= 800, `/b went ${b.at - rateLimitedAt} ms after the 429`);
      assert.equal(api.hits.length, 3);
    });

    it('persistent 429 → gives up after `retries` retries with kind rate-limited', async function () {
      api.handle = (_req, res) => json(res, 429, { errors: ['API rate limit exceeded for organization'] }, { 'Retry-After': '0' });
      const events: string[] = [];
      const err = await rejection(client({ retries: 2, onEvent: (e) => events.push(e) }).getDevice(SERIAL));
      assert.equal(err.kind, 'rate-limited');
      assert.equal(err.status, 429);
      assert.equal(api.hits.length, 3, 'one attempt and two retries');
      assert.deepEqual(events, ['rate-limited', 'rate-limited', 'rate-limited']);
      assertNoKey(err);
    });

    it('Retry-After as an HTTP date is honoured', async function () {
      api.handle = (_req, res) => {
        if (api.hits.length === 1) {
          json(res, 429, { errors: ['API rate limit exceeded for organization'] }, { 'Retry-After': new Date(Date.now() + 2000).toUTCString() });
        } else {
          json(res, 200, { serial: SERIAL });
        }
      };
      assert.deepEqual(await client().getDevice(SERIAL), { serial: SERIAL });
      assert.equal(api.hits.length, 2);
      // The date has whole seconds: 2 s ahead, truncated, is at least 1 s ahead.
      assert.ok(api.hits[1].at - api.hits[0].at >= 800, `retried after ${api.hits[1].at - api.hits[0].at} ms`);
    });

    it('5xx is retried, then succeeds', async function () {
      api.handle = (_req, res) => {
        if (api.hits.length === 1) json(res, 502, { errors: ['Bad gateway'] });
        else json(res, 200, { serial: SERIAL });
      };
      assert.deepEqual(await client({ retries: 2 }).getDevice(SERIAL), { serial: SERIAL });
      assert.equal(api.hits.length, 2);
    });

    it('persistent 5xx → retried `retries` times, then an http error with the API text', async function () {
      api.handle = (_req, res) => json(res, 503, { errors: ['Service temporarily unavailable'] });
      const err = await rejection(client({ retries: 1 }).getDevice(SERIAL));
      assert.equal(err.kind, 'http');
      assert.equal(err.status, 503);
      assert.match(err.message, /503/);
      assert.match(err.message, /Service temporarily unavailable/);
      assert.equal(api.hits.length, 2);
      assertNoKey(err);
    });
  });

  describe('transport', function () {
    it('a server that never answers → timeout (not retried)', async function () {
      api.handle = () => undefined; // never answers
      const err = await rejection(client({ timeoutMs: 200 }).getDevice(SERIAL));
      assert.equal(err.kind, 'timeout');
      assert.match(err.message, /200 ms/);
      assert.equal(api.hits.length, 1);
      assertNoKey(err);
    });

    it('a server that sends the headers but stalls in the body → timeout too', async function () {
      api.handle = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"serial": "Q2GV'); // and nothing more
      };
      const err = await rejection(client({ timeoutMs: 300 }).getDevice(SERIAL));
      assert.equal(err.kind, 'timeout');
      assertNoKey(err);
    });

    it('a closed port → network', async function () {
      const gone = await startServer();
      await gone.close();
      const err = await rejection(client({ baseUrl: `${gone.origin}/api/v1` }).getDevice(SERIAL));
      assert.equal(err.kind, 'network');
      assert.ok(err.message.includes(`/devices/${SERIAL}`), err.message);
      assertNoKey(err);
    });

    it('redirects to the same host are followed with the key', async function () {
      api.handle = (req, res) => {
        if (req.url === `/api/v1/devices/${SERIAL}`) {
          res.writeHead(302, { Location: `/api/v1/moved/${SERIAL}` });
          res.end();
        } else if (req.headers.authorization === `Bearer ${KEY}`) {
          json(res, 200, { serial: SERIAL, moved: true });
        } else {
          json(res, 401, { errors: ['Missing API key'] });
        }
      };
      assert.deepEqual(await client().getDevice(SERIAL), { serial: SERIAL, moved: true });
      assert.deepEqual(api.hits.map((h) => [h.url, h.headers.authorization]), [
        [`/api/v1/devices/${SERIAL}`, `Bearer ${KEY}`],
        [`/api/v1/moved/${SERIAL}`, `Bearer ${KEY}`],
      ]);
    });

    it('a 307 redirect of a POST keeps the method and the JSON body', async function () {
      api.handle = (req, res) => {
        if (req.url?.startsWith('/api/v1/devices/')) {
          res.writeHead(307, { Location: `${api.origin}/api/v1/shard/generateSnapshot` });
          res.end();
        } else {
          json(res, 200, { url: 'https://spn4.meraki.com/s/2', expiry: 'later' });
        }
      };
      assert.deepEqual(await client().generateSnapshot(SERIAL, '2024-06-20T08:00:12.000Z'), { url: 'https://spn4.meraki.com/s/2', expiry: 'later' });
      assert.equal(api.hits.length, 2);
      assert.equal(api.hits[1].method, 'POST');
      assert.equal(api.hits[1].headers.authorization, `Bearer ${KEY}`);
      assert.deepEqual(JSON.parse(api.hits[1].body), { timestamp: '2024-06-20T08:00:12.000Z' });
    });

    it('a redirect to another host that is not *.meraki.com → error, and that host never sees the key', async function () {
      const other = await startServer((_req, res) => json(res, 200, { serial: SERIAL, stolen: true }));
      try {
        api.handle = (_req, res) => {
          res.writeHead(301, { Location: `${other.origin}/api/v1/devices/${SERIAL}` });
          res.end();
        };
        const err = await rejection(client().getDevice(SERIAL));
        assert.equal(err.kind, 'http');
        assert.match(err.message, /not a Meraki host/);
        assertNoKey(err);
        await delay(100);
        assert.equal(other.hits.length, 0, 'the other host was contacted');
        assert.equal(api.hits.length, 1);
      } finally {
        await other.close();
      }
    });

    it('the key goes only to https *.meraki.com hosts or the base host', async function () {
      // The Meraki hosts cannot be reached from a test: a fetch wrapper answers for them and
      // records what they would have received; everything else is real HTTP.
      const seen: { url: string; auth: string | null }[] = [];
      const fetchImpl: typeof fetch = async (input, init) => {
        const url = String(input);
        seen.push({ url, auth: new Headers(init?.headers).get('authorization') });
        if (url.startsWith('https://n7.meraki.com/')) return new Response(JSON.stringify({ serial: SERIAL, shard: 7 }), { status: 200, headers: { 'Content-Type': 'application/json' } });
        return fetch(input, init);
      };
      let location = 'https://n7.meraki.com/api/v1/devices/x';
      api.handle = (_req, res) => {
        res.writeHead(302, { Location: location });
        res.end();
      };
      const c = client({ fetch: fetchImpl });
      assert.deepEqual(await c.getDevice(SERIAL), { serial: SERIAL, shard: 7 });
      assert.deepEqual(seen[1], { url: 'https://n7.meraki.com/api/v1/devices/x', auth: `Bearer ${KEY}` });

      for (location of ['http://n7.meraki.com/api/v1/devices/x', 'https://n7.meraki.com.example.org/x', 'https://notmeraki.com/x', 'https://api.example.com/meraki.com']) {
        seen.length = 0;
        const err = await rejection(c.getDevice(SERIAL));
        assert.equal(err.kind, 'http', location);
        assert.deepEqual(seen.map((s) => s.url), [`${base}/devices/${SERIAL}`], `followed ${location}`);
      }
    });

    it('a redirect loop ends with an error', async function () {
      api.handle = (req, res) => {
        res.writeHead(302, { Location: req.url === '/api/v1/a' ? '/api/v1/b' : '/api/v1/a' });
        res.end();
      };
      const err = await rejection(client().request('GET', '/a'));
      assert.equal(err.kind, 'http');
      assert.match(err.message, /redirect/);
      assert.ok(api.hits.length <= 10);
    });
  });
});

describe('retryAfterMs', function () {
  it('reads seconds, caps at 60 s, and defaults to 1 s', function () {
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs('0'), 0);
    assert.equal(retryAfterMs('1.5'), 1500);
    assert.equal(retryAfterMs('3600'), 60_000);
    assert.equal(retryAfterMs(null), 1000);
    assert.equal(retryAfterMs(''), 1000);
    assert.equal(retryAfterMs('soon'), 1000);
  });

  it('reads HTTP dates', function () {
    const ahead = retryAfterMs(new Date(Date.now() + 10_000).toUTCString());
    assert.ok(ahead > 8000 && ahead <= 10_000, String(ahead));
    assert.equal(retryAfterMs(new Date(Date.now() - 10_000).toUTCString()), 0);
    assert.equal(retryAfterMs(new Date(Date.now() + 3_600_000).toUTCString()), 60_000);
  });
});

describe('RateLimiter', function () {
  this.timeout(10_000);
  /** A clock the test moves; the limiter's own timers are real, so each step also waits a little. */
  function fakeClock(): { now: () => number; advance: (ms: number) => Promise<void> } {
    let t = 1_000_000;
    return {
      now: () => t,
      advance: async (ms: number) => {
        t += ms;
        await delay(300); // long enough for the limiter's timer (≤ 100 ms here) to fire
      },
    };
  }

  const limiters: RateLimiter[] = [];
  afterEach(function () {
    for (const l of limiters.splice(0)) l.stop();
  });

  function track(n: number, limiter: RateLimiter): { resolved: number[]; rejected: number } {
    const state = { resolved: [] as number[], rejected: 0 };
    for (let i = 0; i < n; i++) {
      limiter.take().then(
        () => state.resolved.push(i),
        () => (state.rejected += 1),
      );
    }
    return state;
  }

  it('rate 10, burst 10: 25 takes → 10 at once, then 10 a second, in order', async function () {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, 10, clock.now);
    limiters.push(limiter);
    const s = track(25, limiter);
    await delay(0);
    assert.equal(s.resolved.length, 10, 'the burst goes at once');
    assert.equal(limiter.waiting, 15);
    await delay(300);
    assert.equal(s.resolved.length, 10, 'nothing more while the clock stands still');
    await clock.advance(100);
    assert.equal(s.resolved.length, 11);
    await clock.advance(500);
    assert.equal(s.resolved.length, 16);
    await clock.advance(400);
    assert.equal(s.resolved.length, 20);
    await clock.advance(10_000);
    assert.equal(s.resolved.length, 25);
    assert.deepEqual(s.resolved, Array.from({ length: 25 }, (_, i) => i), 'first come, first served');
    assert.equal(limiter.waiting, 0);
    assert.equal(s.rejected, 0);
  });

  it('with the real clock, 25 takes are not all through at once', async function () {
    const limiter = new RateLimiter(10, 10);
    limiters.push(limiter);
    const s = track(25, limiter);
    await delay(0);
    assert.equal(s.resolved.length, 10);
    await waitUntil(() => s.resolved.length === 25, 5000);
  });

  it('pauseFor holds everyone until it has passed', async function () {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, 10, clock.now);
    limiters.push(limiter);
    limiter.pauseFor(300);
    assert.equal(limiter.paused, true);
    const s = track(3, limiter);
    await delay(0);
    assert.equal(s.resolved.length, 0, 'a full bucket does not matter while paused');
    await clock.advance(200);
    assert.equal(s.resolved.length, 0);
    assert.equal(limiter.paused, true);
    await clock.advance(200);
    assert.equal(limiter.paused, false);
    await waitUntil(() => s.resolved.length === 3, 2000);
    // a shorter pause does not shorten a longer one
    limiter.pauseFor(1000);
    limiter.pauseFor(10);
    const t = track(1, limiter);
    await clock.advance(500);
    assert.equal(t.resolved.length, 0);
    assert.equal(limiter.paused, true);
  });

  it('rejects takes beyond its queue bound with rate-limited', async function () {
    const limiter = new RateLimiter(1, 1, () => 0, 3);
    limiters.push(limiter);
    const s = track(6, limiter); // 1 passes, 3 wait, 2 are refused
    await delay(0);
    assert.equal(s.resolved.length, 1);
    assert.equal(limiter.waiting, 3);
    assert.equal(s.rejected, 2);
    const err = await limiter.take().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError);
    assert.equal(err.kind, 'rate-limited');
  });
});

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await delay(5);
  }
}
