/**
 * Issue 10, item 6: URLs from the Dashboard API (the snapshot's url, the footage videoLink) reach
 * messages and the dashboard's links; node-red-dashboard turns Angular's link sanitising off, so
 * a `javascript:` link would run on click. Only https: is accepted (http: too when the API base
 * URL is on loopback, as the fake API of demo/ is, and the link is on loopback as well).
 */
import { strict as assert } from 'assert';
import { ApiError, MerakiClient, safeLink } from '../../src/lib/meraki-api';
import { takeSnapshot } from '../../src/lib/snapshot';

const KEY = '0123456789abcdef0123456789abcdef01234567';
const HOSTILE = [
  'javascript:alert(document.cookie)',
  'JavaScript:alert(1)',
  ' javascript:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
  '//evil.example/x',
  '/relative/path',
  'ftp://n1.meraki.com/x',
  'https://' + 'a'.repeat(5000) + '.meraki.com/',
];

/** A fetch that answers every API call with `body` (JSON), and the image URL with 200. */
function fakeFetch(body: (url: string) => unknown): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/api/v1/')) return new Response(JSON.stringify(body(url)), { status: 200, headers: { 'Content-Type': 'application/json' } });
    return new Response('img', { status: 200, headers: { 'Content-Type': 'image/jpeg' } });
  }) as typeof fetch;
}

describe('links from the Dashboard API (issue 10, item 6)', () => {
  const clients: MerakiClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.limiter.stop();
  });
  const client = (baseUrl: string, answer: (url: string) => unknown): MerakiClient => {
    const c = new MerakiClient({ baseUrl, apiKey: KEY, fetch: fakeFetch(answer) });
    clients.push(c);
    return c;
  };

  it('safeLink: https only, http only beside a loopback API; never javascript:, data: or relative', () => {
    const real = 'https://api.meraki.com/api/v1';
    const fake = 'http://127.0.0.1:3100/api/v1';
    assert.equal(safeLink('https://n123.meraki.com/x?timestamp=1', real), 'https://n123.meraki.com/x?timestamp=1');
    assert.equal(safeLink('http://n123.meraki.com/x', real), null);
    assert.equal(safeLink('http://127.0.0.1:3100/snap/1.jpg', fake), 'http://127.0.0.1:3100/snap/1.jpg');
    assert.equal(safeLink('http://localhost:3100/snap/1.jpg', 'http://localhost:3100/api/v1'), 'http://localhost:3100/snap/1.jpg');
    assert.equal(safeLink('http://[::1]:3100/snap', 'http://[::1]:3100/api/v1'), 'http://[::1]:3100/snap');
    assert.equal(safeLink('http://evil.example/x', fake), null, 'http elsewhere, even with a loopback API');
    assert.equal(safeLink('https://n1.meraki.com/x', fake), 'https://n1.meraki.com/x');
    for (const bad of HOSTILE) {
      assert.equal(safeLink(bad, real), null, bad);
      assert.equal(safeLink(bad, fake), null, bad);
    }
    for (const v of [null, undefined, 42, {}, ['https://x']]) assert.equal(safeLink(v, real), null);
  });

  for (const bad of HOSTILE.slice(0, 5)) {
    it(`a snapshot url ${JSON.stringify(bad.slice(0, 30))} is refused (bad-response); a videoLink like it becomes null`, async () => {
      const c = client('https://api.meraki.com/api/v1', (url) => ({ url: bad }));
      const err = await c.generateSnapshot('Q2GV-7HJK-2LMN', '2024-06-20T08:00:12.000Z').then(() => null, (e: unknown) => e);
      assert.ok(err instanceof ApiError, String(err));
      assert.equal((err as ApiError).kind, 'bad-response');
      assert.doesNotMatch((err as ApiError).message, /script|alert/);
      assert.equal(await c.videoLink('Q2GV-7HJK-2LMN'), null);
    });
  }

  it('takeSnapshot never hands on a javascript: videoLink: the snapshot comes with videoLink null', async () => {
    const c = client('https://api.meraki.com/api/v1', (url) => (url.includes('videoLink') ? { url: 'javascript:alert(1)' } : { url: 'https://spn4.meraki.com/s/1', expiry: null }));
    const snap = await takeSnapshot(c, 'Q2GV-7HJK-2LMN', '0', Date.UTC(2024, 5, 20, 8), { fetch: fakeFetch(() => ({})), withImage: false });
    assert.equal(snap.url, 'https://spn4.meraki.com/s/1');
    assert.equal(snap.videoLink, null);
  });
});
