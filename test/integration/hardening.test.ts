/**
 * Issue 10 through the real application (`npm start`'s launcher, the supplied flow): what an
 * outside attack test broke, each with its fix.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { findNodeRed } from '../support/proc';
import { App, startApp } from '../support/app';

const SECRET = 's3cr3t-shared-value';
const VALIDATOR = 'validator-hardening-1';

async function waitForFile(file: string, re: RegExp, ms = 20000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (re.test(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${re} in ${file}:\n${text.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw HTTP POST on its own socket: headers (with a declared length) and `first` bytes of body, then nothing. */
interface RawPost {
  socket: net.Socket;
  /** everything the server sent */
  answer: () => string;
  closed: Promise<void>;
  send(bytes: number): void;
}

function rawPost(port: number, declared: number, first: number): Promise<RawPost> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST /cmx HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
      const post: RawPost = {
        socket,
        answer: () => text,
        closed: new Promise((r) => socket.once('close', () => r())),
        send: (bytes) => {
          if (!socket.destroyed) socket.write(Buffer.alloc(bytes, 0x20));
        },
      };
      if (first > 0) post.send(first);
      resolve(post);
    });
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => undefined); // the server may close while we write
    socket.once('error', reject);
  });
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hardening (issue 10), through the real app', function () {
  this.timeout(120000);
  let app: App;
  before(async function () {
    app = await startApp({ CMX_SECRET: SECRET, CMX_VALIDATOR: VALIDATOR });
  });
  after(async function () {
    await app.stop();
    app.cleanup();
  });

  it('item 2: a Scanning API observation far ahead of the clock is refused, never stored; the rest of its post is', async function () {
    const now = Math.floor(Date.now() / 1000);
    const body = {
      version: '2.0', secret: SECRET, type: 'DevicesSeen',
      data: {
        apMac: '00:18:0a:00:00:01', apFloors: [], apTags: [],
        observations: [
          { clientMac: '02:10:00:00:00:01', seenEpoch: 4102444800, rssi: 40 },
          { clientMac: '02:10:00:00:00:02', seenEpoch: now, rssi: 40 },
          { clientMac: '02:10:00:00:00:03', seenEpoch: 99999999999, rssi: 40 },
        ],
      },
    };
    const res = await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 202);
    const csv = await waitForFile(path.join(app.dataDir, 'cmxData.csv'), /02:10:00:00:00:02/);
    await new Promise((r) => setTimeout(r, 500));
    const again = fs.readFileSync(path.join(app.dataDir, 'cmxData.csv'), 'utf8');
    assert.equal(again, csv);
    assert.doesNotMatch(again, /02:10:00:00:00:01|02:10:00:00:00:03|2100-|5138-/);
    await app.waitForOutput(/2 observations of a post refused: time .* (ahead of the clock|before 2015)/);
  });

  describe('item 1: /cmx bodies bounded', function () {
    const open: RawPost[] = [];
    afterEach(function () {
      for (const p of open.splice(0)) p.socket.destroy();
    });

    it('beyond the budget of body bytes in flight (64 MB): 503 with Retry-After before the body is read; GET /cmx and small posts still answered', async function () {
      // three half-sent posts of a declared 20 MB take 60 MB of the budget
      for (let i = 0; i < 3; i++) open.push(await rawPost(app.port, 20_000_000, 1_000_000));
      await new Promise((r) => setTimeout(r, 300));
      const fourth = await rawPost(app.port, 20_000_000, 0);
      open.push(fourth);
      await until(() => /\r\n\r\n/.test(fourth.answer()), 5000, 'an answer to the fourth post');
      assert.match(fourth.answer(), /^HTTP\/1\.1 503 /);
      assert.match(fourth.answer(), /\r\nRetry-After: 10\r\n/i);
      assert.match(fourth.answer(), /too many bodies in flight/);
      await fourth.closed; // the connection is not kept for a body nobody reads
      for (const p of open.slice(0, 3)) assert.equal(p.answer(), '', 'the three half-sent posts are still being read');
      const t = Date.now();
      const get = await fetch(`${app.base}/cmx`);
      assert.equal(get.status, 200);
      assert.equal(await get.text(), VALIDATOR);
      assert.ok(Date.now() - t < 1000, `GET /cmx took ${Date.now() - t} ms`);
      // a small post fits in what is left of the budget
      const small = await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ version: '2.0', secret: SECRET, type: 'DevicesSeen', data: { apMac: '00:18:0a:00:00:01', observations: [] } }) });
      assert.equal(small.status, 202);
    });

    it('a body that trickles in is cut off (408) once it is slower than 64 KiB/s after 10 s, and its connection closed', async function () {
      this.timeout(60000);
      const slow = await rawPost(app.port, 1_000_000, 100);
      open.push(slow);
      const timer = setInterval(() => slow.send(1000), 1000); // 1 KB/s
      try {
        const t = Date.now();
        await slow.closed;
        const took = Date.now() - t;
        assert.match(slow.answer(), /^HTTP\/1\.1 408 /);
        assert.match(slow.answer(), /slower than 64 KiB\/s/);
        assert.ok(took >= 9000 && took < 20000, `cut after ${took} ms`);
      } finally {
        clearInterval(timer);
      }
    });

    it('at most 64 posts are read at once: the next one gets 503 at once', async function () {
      for (let i = 0; i < 64; i++) open.push(await rawPost(app.port, 1000, 10));
      await new Promise((r) => setTimeout(r, 300));
      const extra = await rawPost(app.port, 1000, 0);
      open.push(extra);
      await until(() => /\r\n\r\n/.test(extra.answer()), 5000, 'an answer to the 65th post');
      assert.match(extra.answer(), /^HTTP\/1\.1 503 /);
      assert.match(extra.answer(), /too many posts at once/);
      for (const p of open.slice(0, 64)) p.socket.destroy();
      await new Promise((r) => setTimeout(r, 300));
      // once they are gone, posts are read again
      const again = await fetch(`${app.base}/cmx`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"data":{}}' });
      assert.equal(again.status, 403);
    });
  });

  describe('item 8: malformed URL escapes', function () {
    for (const p of ['/admin/locales/%', '/admin/nodes/%', '/analytics/%.csv', '/ui/%E0%A4%A', '/%', '/cmx/%zz']) {
      it(`GET ${p} → a plain 400, no stack trace, no install path`, async function () {
        const res = await fetch(app.base + p);
        const text = await res.text();
        assert.equal(res.status, 400, text.slice(0, 300));
        assert.doesNotMatch(text, /URIError|at decode|node_modules|\/work\/|\/home\/|\.js:\d+/);
        assert.ok(text.length < 200, text);
      });
    }
  });
});

describe('hardening (issue 10), the app locked down', function () {
  this.timeout(120000);
  let app: App;
  const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
  before(async function () {
    app = await startApp({ CMX_SECRET: SECRET, CMX_VALIDATOR: VALIDATOR, DASHBOARD_USER: 'viewer', DASHBOARD_PASSWORD: 'pw-7s8d9f', NODE_RED_ADMIN_PASSWORD: 'admin-pw-1q2w' });
  });
  after(async function () {
    await app.stop();
    app.cleanup();
  });

  it('item 7: the dashboard websocket handshake itself is refused without credentials (polling and websocket), taken with them', async function () {
    const url = `${app.base}/ui/socket.io/?EIO=4&transport=polling`;
    for (const headers of [{}, { Authorization: basic('viewer', 'wrong') }] as Record<string, string>[]) {
      const res = await fetch(url, { headers });
      const text = await res.text();
      assert.equal(res.status, 401, text);
      assert.doesNotMatch(text, /sid/);
    }
    // a direct websocket upgrade: refused before engine.io answers
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(app.port, '127.0.0.1', () => {
        s.write(`GET /ui/socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      });
      let text = '';
      s.on('data', (d) => (text += d));
      s.on('error', () => undefined);
      s.on('close', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 401 /);
    const ok = await fetch(url, { headers: { Authorization: basic('viewer', 'pw-7s8d9f') } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^0\{"sid"/);
  });

  it('item 7: 2,000 unauthenticated handshakes are all refused and open no session', async function () {
    let refused = 0;
    for (let i = 0; i < 2000; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => fetch(`${app.base}/ui/socket.io/?EIO=4&transport=polling&t=${i}`).then(async (r) => {
        await r.text();
        return r.status;
      })));
      refused += batch.filter((st) => st === 401).length;
    }
    assert.equal(refused, 2000);
  });

  it('item 8: malformed escapes under /admin answer a plain 400 before the login is asked for', async function () {
    for (const p of ['/admin/locales/%', '/admin/nodes/%']) {
      const res = await fetch(app.base + p);
      const text = await res.text();
      assert.equal(res.status, 400);
      assert.doesNotMatch(text, /URIError|node_modules|\/work\/|at /);
    }
  });
});


describe('hardening (issue 10), item 9: when Node-RED dies, the launcher exits for a supervisor', function () {
  this.timeout(120000);

  for (const [how, signal] of [['is killed (SIGKILL, e.g. out of memory)', 'SIGKILL'], ['stops by itself (SIGTERM sent to it, not to the launcher)', 'SIGTERM']] as const) {
    it(`Node-RED ${how}: the launcher closes the broker and exits non-zero, saying so`, async function () {
      const app = await startApp();
      try {
        const red = await findNodeRed(app.proc.pid!);
        process.kill(red, signal);
        const code = await new Promise<number | null>((resolve) => app.proc.once('exit', (c) => resolve(c)));
        assert.notEqual(code, 0, 'a supervisor (systemd Restart=on-failure) must see a failure');
        assert.notEqual(code, null);
        assert.match(app.output(), /Node-RED stopped unexpectedly/);
        assert.match(app.output(), /broker closed/);
      } finally {
        app.cleanup();
      }
    });
  }

  it('ships a systemd unit that restarts it on failure, with a limit', function () {
    const unit = fs.readFileSync(path.join(__dirname, '..', '..', 'contrib', 'meraki-analytics.service'), 'utf8');
    assert.match(unit, /^ExecStart=.*scripts\/start\.js/m);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^RestartSec=\d+/m);
    assert.match(unit, /^StartLimitBurst=\d+/m);
    assert.match(unit, /^StartLimitIntervalSec=\d+/m);
    assert.match(unit, /^KillSignal=SIGTERM$/m);
  });
});
