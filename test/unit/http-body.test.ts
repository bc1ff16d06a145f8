import { strict as assert } from 'assert';
import { EventEmitter, once } from 'events';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { PassThrough } from 'stream';
import { BodyResult, readJsonBody } from '../../src/lib/http-body';

/** Small, so that the over-the-limit bodies stay in one TCP segment. */
const LIMIT = 1000;

/** What the server saw for one request, just after readJsonBody answered. */
interface Seen {
  result: BodyResult;
  /** 'data' listeners left on the request */
  dataListeners: number;
  readableEnded: boolean;
  complete: boolean;
  /** pre-parsed requests only: the body still unread in the stream, read by the test server */
  rest?: string;
}

interface Reply {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

/** `body` exactly `size` bytes of valid JSON. */
function jsonOfSize(size: number): string {
  const s = '{"a":"' + 'x'.repeat(size - 8) + '"}';
  assert.equal(Buffer.byteLength(s), size);
  return s;
}

describe('http-body: readJsonBody through a real HTTP server', () => {
  let server: http.Server;
  let port: number;
  const events = new EventEmitter();
  let handled = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      handled += 1;
      const pre = req.headers['x-preparsed'];
      if (pre) Object.assign(req, { _body: true, body: { pre: 'parsed', n: Number(pre) } });
      events.emit('started', req);
      readJsonBody(req, LIMIT).then(async (result) => {
        const seen: Seen = { result, dataListeners: req.listenerCount('data'), readableEnded: req.readableEnded, complete: req.complete };
        if (pre && result.ok) {
          // Proves the stream was left for us: it still holds the whole body.
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          seen.rest = Buffer.concat(chunks).toString('utf8');
        }
        events.emit('seen', seen);
        if (res.destroyed || req.socket.destroyed) return;
        if (!result.ok) {
          // As the cmx-receiver node does: an unread body is not worth keeping the connection for.
          if (result.status === 413) res.setHeader('Connection', 'close');
          res.writeHead(result.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: result.error }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ body: result.body, bytes: result.bytes, rest: seen.rest ?? null }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /**
   * One POST on its own connection. `chunks` are written in order; `end: false` leaves the request
   * open (the caller destroys it). Resolves once the whole response is in.
   */
  function post(options: { headers?: http.OutgoingHttpHeaders; chunks?: (string | Buffer)[]; end?: boolean; onRequest?: (r: http.ClientRequest) => void } = {}): Promise<Reply & { req: http.ClientRequest }> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/cmx', agent: false, headers: { 'content-type': 'application/json', ...options.headers } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          answered = true;
          const text = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, headers: res.headers, req });
        });
        res.on('error', (err) => { if (!answered) reject(err); });
      });
      req.on('error', (err) => { if (!answered) reject(err); });
      options.onRequest?.(req);
      req.flushHeaders();
      for (const c of options.chunks ?? []) req.write(c);
      if (options.end !== false) req.end();
    });
  }

  function seen(): Promise<Seen> {
    return once(events, 'seen').then(([s]) => s as Seen);
  }

  /** A normal request on a new connection is answered: the server is still serving. */
  async function stillServing(): Promise<void> {
    const before = handled;
    const r = await post({ chunks: ['{"still":"serving"}'] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.body, { still: 'serving' });
    assert.equal(handled, before + 1);
  }

  it('valid JSON with Content-Length → the parsed body and its size', async () => {
    const text = JSON.stringify({ version: '2.0', data: { observations: [1, 2, 3] }, s: 'é' });
    const s = seen();
    const r = await post({ headers: { 'content-length': Buffer.byteLength(text) }, chunks: [text] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { body: JSON.parse(text), bytes: Buffer.byteLength(text), rest: null });
    const v = await s;
    assert.equal(v.dataListeners, 0, 'its listeners are removed once done');
    assert.equal(v.readableEnded, true);
    await stillServing();
  });

  it('valid JSON sent chunked in several writes (no Content-Length)', async () => {
    const r = await post({ chunks: ['{"a":', '[1,2,', '3]', '}'] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.body, { a: [1, 2, 3] });
    assert.equal(r.body.bytes, 13);
    await stillServing();
  });

  it('any JSON value is returned as parsed (array, string, null)', async () => {
    for (const text of ['[1,"x"]', '"text"', 'null', '  {"spaced": true}\n']) {
      const r = await post({ chunks: [text] });
      assert.equal(r.status, 200, text);
      assert.deepEqual(r.body.body, JSON.parse(text));
    }
    await stillServing();
  });

  it('a UTF-8 BOM before the JSON is skipped', async () => {
    const json = Buffer.from('{"ssid":"Café"}', 'utf8');
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]);
    const r = await post({ headers: { 'content-length': body.length }, chunks: [body] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.body, { ssid: 'Café' });
    assert.equal(r.body.bytes, body.length);
    await stillServing();
  });

  it('invalid JSON → 400 "invalid JSON"', async () => {
    for (const text of ['{"a":', 'not json', "{'a':1}", '{"a":1}}', '\ufeff\ufeff{}']) {
      const s = seen();
      const r = await post({ chunks: [text] });
      assert.equal(r.status, 400, text);
      assert.deepEqual(r.body, { error: 'invalid JSON' });
      const v = await s;
      assert.deepEqual(v.result, { ok: false, status: 400, error: 'invalid JSON' });
    }
    await stillServing();
  });

  it('an empty body → 400', async () => {
    const r = await post({ headers: { 'content-length': 0 } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: 'invalid JSON' });
    await stillServing();
  });

  it('Content-Length over the limit → 413 at once, without reading the body (none is even sent)', async () => {
    const s = seen();
    // The body is never written: a reader waiting for it would never answer.
    const r = await post({ headers: { 'content-length': LIMIT + 1 }, end: false });
    assert.equal(r.status, 413);
    assert.deepEqual(r.body, { error: `body larger than ${LIMIT} bytes` });
    const v = await s;
    assert.deepEqual(v.result, { ok: false, status: 413, error: `body larger than ${LIMIT} bytes` });
    assert.equal(v.dataListeners, 0, 'the stream was not read');
    assert.equal(v.complete, false);
    r.req.destroy();
    await stillServing();
  });

  it('a huge Content-Length (25 GB) → 413 at once', async () => {
    const r = await post({ headers: { 'content-length': 25 * 1024 ** 3 }, end: false });
    assert.equal(r.status, 413);
    r.req.destroy();
    await stillServing();
  });

  it('chunked (no Content-Length) over the limit → 413 as soon as the limit is passed, before the body ends', async () => {
    const s = seen();
    // LIMIT + 1 bytes and the request never ended: only a reader that counts as it goes answers.
    const r = await post({ chunks: ['x'.repeat(600), 'y'.repeat(LIMIT + 1 - 600)], end: false });
    assert.equal(r.status, 413);
    assert.deepEqual(r.body, { error: `body larger than ${LIMIT} bytes` });
    const v = await s;
    assert.equal(v.result.ok, false);
    assert.equal(v.dataListeners, 0);
    assert.equal(v.complete, false);
    r.req.destroy();
    await stillServing();
  });

  it('chunked over the limit by one byte, request ended → 413', async () => {
    const r = await post({ chunks: [Buffer.from(jsonOfSize(LIMIT + 1))] });
    assert.equal(r.status, 413);
    await stillServing();
  });

  it('exactly at the limit → accepted (with Content-Length and chunked)', async () => {
    const text = jsonOfSize(LIMIT);
    const a = await post({ headers: { 'content-length': LIMIT }, chunks: [text] });
    assert.equal(a.status, 200);
    assert.equal(a.body.bytes, LIMIT);
    assert.equal(a.body.body.a.length, LIMIT - 8);
    const b = await post({ chunks: [text.slice(0, 500), text.slice(500)] });
    assert.equal(b.status, 200);
    assert.equal(b.body.bytes, LIMIT);
    await stillServing();
  });

  it('one byte over the limit with Content-Length → 413', async () => {
    const r = await post({ headers: { 'content-length': LIMIT + 1 }, end: false });
    assert.equal(r.status, 413);
    r.req.destroy();
    await stillServing();
  });

  it('a body already parsed upstream (req._body, req.body) is used as it is; the stream is not read', async () => {
    const s = seen();
    const raw = '{"sent":"on the wire"}';
    const r = await post({ headers: { 'x-preparsed': '7', 'content-length': Buffer.byteLength(raw) }, chunks: [raw] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.body, { pre: 'parsed', n: 7 });
    assert.equal(r.body.bytes, Buffer.byteLength(raw));
    assert.equal(r.body.rest, raw, 'the whole body was still in the stream');
    const v = await s;
    assert.equal(v.dataListeners, 0);
    assert.equal(v.readableEnded, false, 'readJsonBody answered without consuming the stream');
    await stillServing();
  });

  it('a body already parsed upstream, chunked: still not read; its size is unknown (0)', async () => {
    const r = await post({ headers: { 'x-preparsed': '1' }, chunks: ['{"b":', '2}'] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.body, { pre: 'parsed', n: 1 });
    assert.equal(r.body.bytes, 0);
    assert.equal(r.body.rest, '{"b":2}');
    await stillServing();
  });

  it('a body already parsed upstream but declared over the limit → 413', async () => {
    const r = await post({ headers: { 'x-preparsed': '1', 'content-length': LIMIT + 1 }, end: false });
    assert.equal(r.status, 413);
    r.req.destroy();
    await stillServing();
  });

  it('a client that goes away mid-body → 400 "request aborted" on the server, which keeps serving', async () => {
    const started = once(events, 'started');
    const s = seen();
    let clientReq: http.ClientRequest | undefined;
    const pending = post({
      headers: { 'content-length': 500 }, chunks: ['{"a":"' + 'x'.repeat(100)], end: false, onRequest: (r) => { clientReq = r; },
    });
    pending.catch(() => undefined); // no response will come
    await started;
    clientReq!.destroy();
    const v = await s;
    assert.deepEqual(v.result, { ok: false, status: 400, error: 'request aborted' });
    await assert.rejects(pending);
    await stillServing();
  });
});

describe('http-body: readJsonBody on a stream (chunk boundaries)', () => {
  function fakeRequest(headers: Record<string, string> = {}): PassThrough & { headers: Record<string, string> } {
    return Object.assign(new PassThrough(), { headers });
  }

  it('a multi-byte character split across chunks is decoded whole', async () => {
    const bytes = Buffer.from('{"name":"Café ☕ 🐧"}', 'utf8');
    const req = fakeRequest();
    const p = readJsonBody(req as never, LIMIT);
    for (let i = 0; i < bytes.length; i++) req.write(bytes.subarray(i, i + 1));
    req.end();
    assert.deepEqual(await p, { ok: true, body: { name: 'Café ☕ 🐧' }, bytes: bytes.length });
  });

  it('a BOM split across chunks is skipped', async () => {
    const req = fakeRequest();
    const p = readJsonBody(req as never, LIMIT);
    req.write(Buffer.from([0xef]));
    req.write(Buffer.from([0xbb, 0xbf, 0x7b]));
    req.end(Buffer.from('}'));
    assert.deepEqual(await p, { ok: true, body: {}, bytes: 5 });
  });

  it('the limit counts bytes, not characters', async () => {
    const ok = fakeRequest();
    const text = '"' + 'é'.repeat(10) + '"'; // 22 bytes, 12 characters
    const p = readJsonBody(ok as never, 22);
    ok.end(Buffer.from(text));
    assert.equal((await p).ok, true);
    const over = fakeRequest();
    const q = readJsonBody(over as never, 21);
    over.end(Buffer.from(text));
    assert.deepEqual(await q, { ok: false, status: 413, error: 'body larger than 21 bytes' });
  });

  it('a non-numeric Content-Length is ignored: the body is read and counted', async () => {
    const req = fakeRequest({ 'content-length': 'lots' });
    const p = readJsonBody(req as never, LIMIT);
    req.end('{"x":1}');
    assert.deepEqual(await p, { ok: true, body: { x: 1 }, bytes: 7 });
  });

  it('a stream error → 400 "request aborted", listeners removed', async () => {
    const req = fakeRequest();
    const p = readJsonBody(req as never, LIMIT);
    req.write('{"a":');
    req.destroy(new Error('boom'));
    assert.deepEqual(await p, { ok: false, status: 400, error: 'request aborted' });
    assert.equal(req.listenerCount('data'), 0);
    assert.equal(req.listenerCount('end'), 0);
  });
});
