/**
 * Issue 10, item 1: the bounds of src/lib/http-body.ts on their own: the process-wide budget of
 * body bytes in flight and of requests read at once, and the cut-off of slow bodies (through a
 * real HTTP server on loopback).
 */
import { strict as assert } from 'assert';
import * as http from 'http';
import * as net from 'net';
import type { AddressInfo } from 'net';
import { BodyBudget, BodyResult, declaredLength, readJsonBody } from '../../src/lib/http-body';

const MB = 1024 * 1024;

describe('http-body bounds (issue 10, item 1)', () => {
  describe('BodyBudget', () => {
    it('reserves a declared length whole; refuses what would go over the bytes or the requests', () => {
      const b = new BodyBudget(64 * MB, 3);
      const a = b.admit(40 * MB);
      assert.ok(typeof a !== 'string');
      assert.equal(b.admit(30 * MB), 'bytes');
      const c = b.admit(MB);
      assert.ok(typeof c !== 'string');
      const d = b.admit(null);
      assert.ok(typeof d !== 'string');
      assert.equal(b.admit(0), 'requests');
      assert.deepEqual(b.refused, { bytes: 1, requests: 1 });
      a.release();
      a.release(); // once only
      assert.equal(b.bytes, MB);
      assert.equal(b.requests, 2);
      (c as { release(): void }).release();
      (d as { release(): void }).release();
      assert.equal(b.bytes, 0);
      assert.equal(b.requests, 0);
    });

    it('one request alone is always let in (its own limit bounds it)', () => {
      const b = new BodyBudget(10 * MB, 8);
      const big = b.admit(25 * MB);
      assert.ok(typeof big !== 'string');
      assert.equal(b.admit(1), 'bytes');
      big.release();
    });

    it('a body without a declared length is charged as it arrives, and stopped at the budget', () => {
      const b = new BodyBudget(10, 8);
      const other = b.admit(4) as Exclude<ReturnType<BodyBudget['admit']>, string>;
      const t = b.admit(null) as Exclude<ReturnType<BodyBudget['admit']>, string>;
      assert.equal(t.charge(5), true);
      assert.equal(b.bytes, 9);
      assert.equal(t.charge(2), false, 'over the budget while another request holds some');
      t.release();
      other.release();
      assert.equal(b.bytes, 0);
      const alone = b.admit(null) as Exclude<ReturnType<BodyBudget['admit']>, string>;
      assert.equal(alone.charge(50), true, 'alone');
      alone.release();
      assert.equal(b.bytes, 0);
    });

    it('declaredLength: a plain non-negative integer, else null', () => {
      const req = (v?: string) => ({ headers: v === undefined ? {} : { 'content-length': v } }) as http.IncomingMessage;
      assert.equal(declaredLength(req('123')), 123);
      assert.equal(declaredLength(req()), null);
      for (const bad of ['-1', 'x', '1e400', '']) assert.equal(declaredLength(req(bad)), bad === '' ? 0 : null, bad);
    });
  });

  describe('slow bodies, through a real server', () => {
    let server: http.Server;
    let port: number;
    let results: BodyResult[];
    before(async () => {
      server = http.createServer((req, res) => {
        readJsonBody(req, MB, { idleMs: 300, graceMs: 400, minBytesPerS: 2000 }).then((r) => {
          results.push(r);
          res.writeHead(r.ok ? 200 : r.status, { Connection: 'close' });
          res.end(JSON.stringify(r.ok ? { ok: true } : { error: r.error }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    beforeEach(() => {
      results = [];
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    function post(declared: number, pace: { every: number; bytes: number } | null, first = 10): Promise<{ text: string; ms: number }> {
      return new Promise((resolve) => {
        const t = Date.now();
        const s = net.connect(port, '127.0.0.1', () => {
          s.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\n\r\n` + ' '.repeat(first));
        });
        let text = '';
        const timer = pace ? setInterval(() => s.writable && s.write(' '.repeat(pace.bytes)), pace.every) : null;
        s.on('data', (d) => (text += d));
        s.on('error', () => undefined);
        s.on('close', () => {
          if (timer) clearInterval(timer);
          resolve({ text, ms: Date.now() - t });
        });
      });
    }

    it('no byte for idleMs → 408', async () => {
      const r = await post(1000, null);
      assert.match(r.text, /^HTTP\/1\.1 408/);
      assert.match(r.text, /no data for/);
      assert.ok(r.ms >= 250 && r.ms < 2000, `${r.ms} ms`);
    });

    it('slower than minBytesPerS on average after graceMs → 408, even if bytes keep coming', async () => {
      const r = await post(100_000, { every: 50, bytes: 20 }); // 400 B/s
      assert.match(r.text, /^HTTP\/1\.1 408/);
      assert.match(r.text, /slower than/);
      assert.ok(r.ms >= 350 && r.ms < 2000, `${r.ms} ms`);
    });

    it('a body at a good pace is read whole', async () => {
      const body = JSON.stringify({ a: 'x'.repeat(4000) });
      const r = await new Promise<string>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
          let i = 0;
          const timer = setInterval(() => {
            s.write(body.slice(i, i + 500));
            i += 500;
            if (i >= body.length) clearInterval(timer);
          }, 20);
        });
        let text = '';
        s.on('data', (d) => (text += d));
        s.on('close', () => resolve(text));
      });
      assert.match(r, /^HTTP\/1\.1 200/);
      assert.equal(results[0].ok, true);
    });
  });
});
