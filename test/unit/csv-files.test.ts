import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import express from 'express';
import { sendCsvFile } from '../../src/lib/csv-download';
import { SharedCsvFiles } from '../../src/lib/csv-files';

describe('SharedCsvFiles and sendCsvFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-files-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('one writer per path (however it is spelt); other fixed columns are refused', async () => {
    const files = new SharedCsvFiles();
    const file = path.join(dir, 'a.csv');
    const a = files.acquire(file, ['x', 'y'], () => undefined);
    const b = files.acquire(path.join(dir, '.', 'a.csv'), null, () => undefined);
    assert.equal(a, b);
    assert.throws(() => files.acquire(file, ['y', 'x'], () => undefined), /already written by another csv-store node with other columns/);
    assert.equal(files.acquire(file, ['x', 'y'], () => undefined), a);
    await a.append([{ x: 1, y: 2 }]);
    await files.release(file);
    await files.release(file);
    assert.equal(files.get(file), a, 'one user left');
    await a.append([{ x: 3, y: 4 }]);
    await files.release(file);
    assert.equal(files.get(file), undefined);
    await assert.rejects(a.append([{ x: 5, y: 6 }]), /closed/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'x,y\n1,2\n3,4\n');
  });

  it('serves acknowledged lines as an attachment, the header alone while empty, 404 with nothing', async () => {
    const files = new SharedCsvFiles();
    const file = path.join(dir, 'mvData.csv');
    const app = express();
    app.get('/:name', (req, res) => sendCsvFile(res, req.params.name, files.get(file)));
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      let res = await fetch(`${base}/mvData.csv`);
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), { error: 'mvData.csv has no data yet' });
      const f = files.acquire(file, ['a', 'b'], () => undefined);
      res = await fetch(`${base}/mvData.csv`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'a,b\n');
      await f.append([{ a: '=1', b: 2 }]);
      res = await fetch(`${base}/mvData.csv`);
      assert.equal(res.headers.get('content-disposition'), 'attachment; filename="mvData.csv"');
      assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(await res.text(), "a,b\n'=1,2\n");
      await files.release(file);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
