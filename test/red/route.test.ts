import { strict as assert } from 'assert';
import { EventEmitter } from 'events';
import * as http from 'http';
import type { AddressInfo } from 'net';
import express from 'express';
import { Routes } from '../../src/red/route';

/** A node as the route helper sees it: close events, warnings. */
function fakeNode(id: string) {
  const node = new EventEmitter() as any;
  node.id = id;
  node.warnings = [] as string[];
  node.warn = (t: string) => node.warnings.push(t);
  return node;
}

describe('route helper (src/red/route)', function () {
  let app: express.Express;
  let server: http.Server;
  let base: string;
  let red: any;

  beforeEach(async function () {
    app = express();
    red = { settings: {}, httpNode: app };
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app.use((_req, res) => res.status(404).send('nobody'));
  });
  afterEach(async function () {
    await new Promise((r) => server.close(r));
  });

  /** express answers routes in registration order: put the 404 fallback last again. */
  function fallbackLast(): void {
    const stack = (app as any)._router.stack;
    const i = stack.findIndex((l: any) => l.route === undefined && l.name === '<anonymous>');
    if (i >= 0) stack.push(stack.splice(i, 1)[0]);
  }

  it('registers a path once, dispatches to its owner, and answers next() once released', async function () {
    const routes = new Routes(red, { methods: ['get', 'post'] });
    const a = fakeNode('a');
    const claim = routes.claim(a, '/cmx', { get: (_q, res) => res.send('a-get'), post: (_q, res) => res.send('a-post') }, undefined);
    fallbackLast();
    assert.equal(claim.ok, true);
    assert.equal(await (await fetch(`${base}/cmx`)).text(), 'a-get');
    assert.equal(await (await fetch(`${base}/cmx`, { method: 'POST' })).text(), 'a-post');
    a.emit('close'); // released on close
    assert.equal(routes.owner('/cmx'), undefined);
    assert.equal((await fetch(`${base}/cmx`)).status, 404);
    // a redeployed node takes the path again without a second express route
    const before = (app as any)._router.stack.length;
    const b = fakeNode('b');
    assert.equal(routes.claim(b, '/cmx', { get: (_q, res) => res.send('b-get') }, undefined).ok, true);
    assert.equal((app as any)._router.stack.length, before);
    assert.equal(await (await fetch(`${base}/cmx`)).text(), 'b-get');
    assert.equal((await fetch(`${base}/cmx`, { method: 'POST' })).status, 404, 'b has no POST handler');
  });

  it('refuses a second owner, naming the first and the data it claimed with', async function () {
    const routes = new Routes<string>(red, { methods: ['get'] });
    const a = fakeNode('a');
    const b = fakeNode('b');
    routes.claim(a, '/analytics/summary', { get: (_q, res) => res.send('a') }, 'from a');
    fallbackLast();
    const refused = routes.claim(b, '/analytics/summary', { get: (_q, res) => res.send('b') }, 'from b');
    assert.equal(refused.ok, false);
    if (refused.ok) return;
    assert.equal(refused.owner, a);
    assert.equal(refused.data, 'from a');
    assert.equal(await (await fetch(`${base}/analytics/summary`)).text(), 'a');
    b.emit('close'); // the refused node's close does not release a's claim
    assert.equal(await (await fetch(`${base}/analytics/summary`)).text(), 'a');
    assert.equal(routes.claim(a, '/analytics/summary', { get: (_q, res) => res.send('a2') }, 'again').ok, true, 'the owner may claim again');
    assert.equal(await (await fetch(`${base}/analytics/summary`)).text(), 'a2');
  });

  it('one path for many keys: the request names its key', async function () {
    const routes = new Routes(red, { methods: ['get'], path: () => '/analytics/:file', key: (req) => String(req.params.file) });
    routes.claim(fakeNode('a'), 'a.csv', { get: (_q, res) => res.send('A') }, undefined);
    routes.claim(fakeNode('b'), 'b.csv', { get: (_q, res) => res.send('B') }, undefined);
    fallbackLast();
    assert.equal((app as any)._router.stack.filter((l: any) => l.route).length, 1);
    assert.equal(await (await fetch(`${base}/analytics/a.csv`)).text(), 'A');
    assert.equal(await (await fetch(`${base}/analytics/b.csv`)).text(), 'B');
    assert.equal((await fetch(`${base}/analytics/c.csv`)).status, 404);
  });

  it('a parameter whose %-escape does not decode: a plain 400, no stack trace (issue 10, item 8)', async function () {
    const routes = new Routes(red, { methods: ['get'], path: () => '/analytics/:file', key: (req) => String(req.params.file) });
    routes.claim(fakeNode('a'), 'a.csv', { get: (_q, res) => res.send('A') }, undefined);
    fallbackLast();
    const res = await fetch(`${base}/analytics/%.csv`);
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(text), { error: 'malformed URL' });
    assert.equal(await (await fetch(`${base}/analytics/a.csv`)).text(), 'A', 'the route still answers');
  });

  it('warns once per claim when HTTP nodes are disabled, and registers nothing', function () {
    red.settings.httpNodeRoot = false;
    const routes = new Routes(red, { methods: ['get'] });
    const a = fakeNode('a');
    assert.equal(routes.claim(a, '/analytics/summary', { get: () => undefined }, undefined).ok, true);
    assert.deepEqual(a.warnings, ['HTTP nodes are disabled (httpNodeRoot: false): GET /analytics/summary is not served']);
    assert.equal((app as any)._router.stack.filter((l: any) => l.route).length, 0);
  });
});
