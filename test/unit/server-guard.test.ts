import { strict as assert } from 'assert';
import { malformedUrl, screenRequest } from '../../src/lib/server-guard';

const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
const ON = { socketPaths: ['/ui/socket.io'], user: 'viewer', password: 'pw' };
const OFF = { socketPaths: ['/ui/socket.io'], user: '', password: '' };

describe('server-guard (issue 10, items 7 and 8)', () => {
  it('a path whose escapes do not decode → 400, whatever the credentials; the query is not the path', () => {
    for (const url of ['/admin/locales/%', '/admin/nodes/%', '/analytics/%.csv', '/%E0%A4%A', '/ui/%zz/x']) {
      assert.deepEqual(screenRequest(url, undefined, OFF), { status: 400, error: 'malformed URL' }, url);
      assert.deepEqual(screenRequest(url, basic('viewer', 'pw'), ON), { status: 400, error: 'malformed URL' }, url);
    }
    assert.equal(screenRequest('/analytics/a%20b.csv?x=%', undefined, OFF), null);
    assert.equal(screenRequest(undefined, undefined, OFF), null);
  });

  it('with credentials set, the dashboard websocket needs them; other paths are left to the routes', () => {
    const url = '/ui/socket.io/?EIO=4&transport=polling';
    assert.deepEqual(screenRequest(url, undefined, ON), { status: 401, error: 'authentication required' });
    assert.deepEqual(screenRequest(url, basic('viewer', 'nope'), ON), { status: 401, error: 'authentication required' });
    assert.deepEqual(screenRequest('/ui/socket.io', undefined, ON), { status: 401, error: 'authentication required' });
    assert.equal(screenRequest(url, basic('viewer', 'pw'), ON), null);
    assert.equal(screenRequest(url, undefined, OFF), null, 'no credentials set: nothing to check');
    assert.equal(screenRequest('/ui/', undefined, ON), null, 'the page itself: httpNodeAuth');
    assert.equal(screenRequest('/cmx', undefined, ON), null);
  });
});

describe('malformedUrl: our own routes (issue 10, item 8)', () => {
  it('/analytics/%.csv through an Express route with a parameter: a plain 400 JSON, no stack trace', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const express = require(require.resolve('express', { paths: [require.resolve('node-red')] }));
    const app = express();
    app.get('/analytics/:file', (_req: unknown, res: { send(s: string): void }) => res.send('file'));
    app.use('/analytics', malformedUrl);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${server.address().port}`;
      const bad = await fetch(`${base}/analytics/%.csv`);
      assert.equal(bad.status, 400);
      assert.deepEqual(await bad.json(), { error: 'malformed URL' });
      const good = await fetch(`${base}/analytics/a.csv`);
      assert.equal(await good.text(), 'file');
    } finally {
      server.close();
    }
  });
});
