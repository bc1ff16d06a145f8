import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CsvFile } from '../../src/lib/csv-file';

describe('CsvFile', () => {
  let dir: string;
  let warnings: string[];
  const open: CsvFile[] = [];

  function csv(name: string, columns?: readonly string[] | null): CsvFile {
    const f = new CsvFile({ file: path.join(dir, name), columns, warn: (t) => warnings.push(t) });
    open.push(f);
    return f;
  }
  function read(name: string): string {
    return fs.readFileSync(path.join(dir, name), 'utf8');
  }
  function write(name: string, text: string): void {
    fs.writeFileSync(path.join(dir, name), text);
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-file-test-'));
    warnings = [];
  });

  afterEach(async () => {
    for (const f of open.splice(0)) await f.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('header', () => {
    it('is written once for a new file (fixed columns), folders are created', async () => {
      const f = csv('sub/dir/a.csv', ['a', 'b']);
      await f.append([{ a: 1, b: 'x' }]);
      await f.append([{ a: 2, b: 'y' }]);
      assert.equal(read('sub/dir/a.csv'), 'a,b\n1,x\n2,y\n');
      assert.deepEqual(f.header, ['a', 'b']);
      assert.deepEqual(warnings, []);
    });

    it('is written for an existing empty file', async () => {
      write('a.csv', '');
      const f = csv('a.csv', ['a', 'b']);
      await f.append([{ a: 1, b: 2 }]);
      assert.equal(read('a.csv'), 'a,b\n1,2\n');
      assert.deepEqual(warnings, []);
    });

    it('is not written again when a file with content is reopened', async () => {
      const f1 = csv('a.csv', ['a', 'b']);
      await f1.append([{ a: 1, b: 2 }]);
      await f1.close();
      const f2 = csv('a.csv', ['a', 'b']);
      await f2.append([{ a: 3, b: 4 }]);
      await f2.close();
      assert.equal(read('a.csv'), 'a,b\n1,2\n3,4\n');
      assert.deepEqual(warnings, []);
    });

    it('a header-only file gets rows and no second header', async () => {
      write('a.csv', 'a,b\n');
      const f = csv('a.csv', ['a', 'b']);
      await f.append([{ a: 1, b: 2 }]);
      assert.equal(read('a.csv'), 'a,b\n1,2\n');
    });

    it('open() creates the folder and an empty file; the header comes with the first row', async () => {
      const f = csv('d/a.csv', ['a']);
      await f.open();
      assert.ok(fs.statSync(path.join(dir, 'd')).isDirectory());
      // the handle is open in append mode; the file exists but is empty until the first row
      assert.equal(fs.statSync(path.join(dir, 'd/a.csv')).size, 0);
      await f.close();
      const g = csv('d/a.csv', ['a']);
      await g.append([{ a: 1 }]);
      assert.equal(read('d/a.csv'), 'a\n1\n');
    });
  });

  describe('columns', () => {
    it('fixed columns: order as given, missing keys empty, extra keys ignored', async () => {
      const f = csv('a.csv', ['c', 'a']);
      await f.append([{ a: 1, b: 2, c: 3 }, { a: 4 }]);
      assert.equal(read('a.csv'), 'c,a\n3,1\n,4\n');
    });

    it('auto columns: the first record\'s keys', async () => {
      const f = csv('a.csv');
      assert.equal(f.header, null);
      await f.append([{ x: 1, y: 'two' }, { y: 'three', z: 9 }]);
      assert.equal(read('a.csv'), 'x,y\n1,two\n,three\n');
      assert.deepEqual(f.header, ['x', 'y']);
    });

    it('auto columns: an existing file\'s header wins', async () => {
      write('a.csv', 'b,a\n1,2\n');
      const f = csv('a.csv', null);
      await f.append([{ a: 'A', b: 'B', c: 'C' }]);
      assert.equal(read('a.csv'), 'b,a\n1,2\nB,A\n');
      assert.deepEqual(f.header, ['b', 'a']);
      assert.deepEqual(warnings, []);
    });

    it('auto columns: keys that look like formulas keep their values after a reopen', async () => {
      const f1 = csv('a.csv');
      await f1.append([{ '@timestamp': 't1', '-x': 'a', v: 1 }]);
      await f1.close();
      assert.equal(read('a.csv'), "'@timestamp,'-x,v\nt1,a,1\n", 'the header names are defused');
      const f2 = csv('a.csv');
      await f2.append([{ '@timestamp': 't2', '-x': 'b', v: 2 }]);
      assert.equal(read('a.csv'), "'@timestamp,'-x,v\nt1,a,1\nt2,b,2\n");
      assert.deepEqual(warnings, []);
    });

    it('an empty column list means auto', async () => {
      const f = csv('a.csv', []);
      await f.append([{ k: 1 }]);
      assert.equal(read('a.csv'), 'k\n1\n');
    });

    it('auto columns: a CRLF file\'s header is read without its CR (no column loses its values)', async () => {
      write('a.csv', 'a,b\r\n1,2\r\n');
      const f = csv('a.csv');
      await f.append([{ a: 3, b: 4 }]);
      assert.deepEqual(f.header, ['a', 'b']);
      assert.equal(read('a.csv'), 'a,b\r\n1,2\r\n3,4\n');
    });

    it('fixed columns: a CRLF file with the same header is kept', async () => {
      write('a.csv', 'a,b\r\n1,2\r\n');
      const f = csv('a.csv', ['a', 'b']);
      await f.append([{ a: 3, b: 4 }]);
      assert.equal(read('a.csv'), 'a,b\r\n1,2\r\n3,4\n');
      assert.deepEqual(warnings, []);
      assert.deepEqual(fs.readdirSync(dir), ['a.csv']);
    });

    it('quoted header names are compared by value', async () => {
      const f1 = csv('a.csv', ['a,b', 'c']);
      await f1.append([{ 'a,b': 1, c: 2 }]);
      await f1.close();
      assert.equal(read('a.csv'), '"a,b",c\n1,2\n');
      const f2 = csv('a.csv', ['a,b', 'c']);
      await f2.append([{ 'a,b': 3, c: 4 }]);
      assert.equal(read('a.csv'), '"a,b",c\n1,2\n3,4\n');
      assert.deepEqual(warnings, []);
    });
  });

  describe('batching and order', () => {
    it('many append() calls in the same tick all resolve, in order, exactly once each', async () => {
      const f = csv('a.csv', ['i', 'text']);
      const n = 500;
      const order: number[] = [];
      const promises: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        promises.push(f.append([{ i, text: `row ${i}` }]).then(() => void order.push(i)));
      }
      assert.ok(f.backlog > 0, 'rows wait in the queue while the first write is in flight');
      await Promise.all(promises);
      assert.equal(order.length, n);
      const lines = read('a.csv').split('\n');
      assert.equal(lines.pop(), '', 'the file ends with a newline');
      assert.equal(lines[0], 'i,text');
      assert.deepEqual(lines.slice(1), Array.from({ length: n }, (_, i) => `${i},row ${i}`));
      assert.equal(f.rowsWritten, n);
      assert.equal(f.backlog, 0);
    });

    it('multi-record appends keep their rows together and in order', async () => {
      const f = csv('a.csv', ['g', 'k']);
      const all: Promise<void>[] = [];
      for (let g = 0; g < 20; g++) {
        all.push(f.append(Array.from({ length: 5 }, (_, k) => ({ g, k }))));
      }
      await Promise.all(all);
      const rows = read('a.csv').trim().split('\n').slice(1);
      const expected: string[] = [];
      for (let g = 0; g < 20; g++) for (let k = 0; k < 5; k++) expected.push(`${g},${k}`);
      assert.deepEqual(rows, expected);
      assert.equal(f.rowsWritten, 100);
    });

    it('appends interleaved with awaits still come out in call order', async () => {
      const f = csv('a.csv', ['i']);
      const ps: Promise<void>[] = [];
      for (let i = 0; i < 30; i++) {
        ps.push(f.append([{ i }]));
        if (i % 7 === 0) await Promise.resolve();
        if (i % 11 === 0) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(ps);
      assert.deepEqual(
        read('a.csv').trim().split('\n'),
        ['i', ...Array.from({ length: 30 }, (_, i) => String(i))],
      );
    });

    it('append([]) resolves and writes nothing', async () => {
      const f = csv('a.csv', ['a']);
      await f.append([]);
      assert.equal(fs.existsSync(path.join(dir, 'a.csv')), false);
      assert.equal(f.rowsWritten, 0);
    });

    it('committedSize equals the file size after writes', async () => {
      const f = csv('a.csv', ['a', 'b']);
      await f.append([{ a: 'ünïcødé', b: 1 }]);
      assert.equal(f.committedSize, fs.statSync(path.join(dir, 'a.csv')).size);
      await Promise.all([f.append([{ a: 'x,y', b: 2 }]), f.append([{ a: '"q"', b: 3 }])]);
      assert.equal(f.committedSize, fs.statSync(path.join(dir, 'a.csv')).size);
      assert.equal(f.committedSize, Buffer.byteLength(read('a.csv')));
    });

    it('committedSize of a reopened file counts the existing bytes', async () => {
      write('a.csv', 'a\n1\n');
      const f = csv('a.csv', ['a']);
      await f.append([{ a: 2 }]);
      assert.equal(f.committedSize, 6);
      assert.equal(f.rowsWritten, 1, 'rowsWritten counts this session only');
    });
  });

  describe('torn last line', () => {
    it('is cut on open, with a warning', async () => {
      write('a.csv', 'a,b\n1,2\n3,');
      const f = csv('a.csv', ['a', 'b']);
      await f.append([{ a: 5, b: 6 }]);
      assert.equal(read('a.csv'), 'a,b\n1,2\n5,6\n');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /torn/);
      assert.match(warnings[0], /a\.csv/);
    });

    it('a file holding only a partial header is emptied and gets a full header', async () => {
      write('a.csv', 'a,');
      const f = csv('a.csv', ['a', 'b']);
      await f.append([{ a: 1, b: 2 }]);
      assert.equal(read('a.csv'), 'a,b\n1,2\n');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /torn/);
    });

    it('a partial header in auto mode: the first record\'s keys make the header', async () => {
      write('a.csv', 'old,hea');
      const f = csv('a.csv');
      await f.append([{ x: 1 }]);
      assert.equal(read('a.csv'), 'x\n1\n');
      assert.equal(warnings.length, 1);
    });

    it('a torn line longer than the tail chunk is cut back to the last complete line', async () => {
      write('a.csv', 'a\n1\n' + 'x'.repeat(200 * 1024));
      const f = csv('a.csv', ['a']);
      await f.append([{ a: 2 }]);
      assert.equal(read('a.csv'), 'a\n1\n2\n');
      assert.equal(warnings.length, 1);
    });

    it('a large intact file is left alone', async () => {
      const body = 'a\n' + Array.from({ length: 20000 }, (_, i) => `${i}\n`).join('');
      write('a.csv', body);
      const f = csv('a.csv', ['a']);
      await f.append([{ a: 'end' }]);
      assert.equal(read('a.csv'), body + 'end\n');
      assert.deepEqual(warnings, []);
    });
  });

  describe('header mismatch with fixed columns', () => {
    it('moves the old file aside, warns, and starts a new file with the right header', async () => {
      write('a.csv', 'x,y\n1,2\n');
      const f = csv('a.csv', ['a', 'b']);
      await f.append([{ a: 3, b: 4 }]);
      assert.equal(read('a.csv'), 'a,b\n3,4\n');
      const others = fs.readdirSync(dir).filter((n) => n !== 'a.csv');
      assert.equal(others.length, 1);
      assert.match(others[0], /^a\.\d{8}T\d{6}Z\.csv$/);
      assert.equal(read(others[0]), 'x,y\n1,2\n', 'the old rows are kept');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /x,y/);
      assert.match(warnings[0], /a,b/);
      assert.ok(warnings[0].includes(others[0]), 'the warning names where the old file went');
    });

    it('moving aside twice never overwrites an earlier moved-aside file (no acknowledged row is lost)', async () => {
      // Three layouts in a row, typically within the same second: each open moves the previous
      // file aside. Whatever the clock says, every row written must still be in some file.
      const f1 = csv('a.csv', ['x']);
      await f1.append([{ x: 'first' }]);
      await f1.close();
      const f2 = csv('a.csv', ['y']);
      await f2.append([{ y: 'second' }]);
      await f2.close();
      const f3 = csv('a.csv', ['z']);
      await f3.append([{ z: 'third' }]);
      await f3.close();
      const names = fs.readdirSync(dir).sort();
      assert.equal(names.length, 3, names.join(' '));
      const all = names.map((n) => read(n)).sort();
      assert.deepEqual(all, ['x\nfirst\n', 'y\nsecond\n', 'z\nthird\n']);
      assert.equal(read('a.csv'), 'z\nthird\n');
      for (const n of names) assert.match(n, /^a(\.\d{8}T\d{6}Z(-\d+)?)?\.csv$/);
      assert.equal(warnings.length, 2);
    });

    it('an existing file with the moved-aside name is left untouched', async () => {
      // Occupy the names the stamp can take now and in the next seconds.
      const sentinels: string[] = [];
      for (let s = 0; s < 3; s++) {
        const stamp = new Date(Date.now() + s * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
        const name = `a.${stamp}.csv`;
        write(name, `sentinel ${s}\n`);
        sentinels.push(name);
      }
      write('a.csv', 'old\n1\n');
      const f = csv('a.csv', ['new']);
      await f.append([{ new: 2 }]);
      sentinels.forEach((name, s) => assert.equal(read(name), `sentinel ${s}\n`));
      const moved = fs.readdirSync(dir).filter((n) => n !== 'a.csv' && !sentinels.includes(n));
      assert.equal(moved.length, 1);
      assert.equal(read(moved[0]), 'old\n1\n');
      assert.equal(read('a.csv'), 'new\n2\n');
    });

    it('a header with the same names in another order is a mismatch too', async () => {
      write('a.csv', 'b,a\n1,2\n');
      const f = csv('a.csv', ['a', 'b']);
      await f.append([{ a: 3, b: 4 }]);
      assert.equal(read('a.csv'), 'a,b\n3,4\n');
      assert.equal(fs.readdirSync(dir).length, 2);
    });
  });

  describe('file replaced while open', () => {
    it('a file deleted while open is recreated with a header by the next append', async () => {
      const f = csv('a.csv', ['a']);
      await f.append([{ a: 1 }]);
      fs.unlinkSync(path.join(dir, 'a.csv'));
      await f.append([{ a: 2 }]);
      assert.equal(read('a.csv'), 'a\n2\n');
      assert.equal(f.committedSize, 4);
    });

    it('auto columns survive the file being deleted', async () => {
      const f = csv('a.csv');
      await f.append([{ p: 1, q: 2 }]);
      fs.unlinkSync(path.join(dir, 'a.csv'));
      await f.append([{ q: 4, p: 3 }]);
      assert.equal(read('a.csv'), 'p,q\n3,4\n');
    });

    it('a file rotated (renamed away) is left alone and a new one is started', async () => {
      const f = csv('a.csv', ['a']);
      await f.append([{ a: 1 }]);
      fs.renameSync(path.join(dir, 'a.csv'), path.join(dir, 'a.1.csv'));
      await f.append([{ a: 2 }]);
      assert.equal(read('a.1.csv'), 'a\n1\n');
      assert.equal(read('a.csv'), 'a\n2\n');
    });
  });

  describe('close', () => {
    it('flushes everything queued before closing', async () => {
      const f = csv('a.csv', ['i']);
      const ps: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) ps.push(f.append([{ i }]));
      await f.close();
      assert.equal(read('a.csv').trim().split('\n').length, 101);
      assert.equal(f.rowsWritten, 100);
      await Promise.all(ps);
    });

    it('append after close rejects and writes nothing', async () => {
      const f = csv('a.csv', ['a']);
      await f.append([{ a: 1 }]);
      await f.close();
      await assert.rejects(f.append([{ a: 2 }]), /closed/);
      assert.equal(read('a.csv'), 'a\n1\n');
    });

    it('close() twice, or without any write, is harmless', async () => {
      const f = csv('a.csv', ['a']);
      await f.close();
      await f.close();
      assert.equal(fs.existsSync(path.join(dir, 'a.csv')), false);
    });
  });

  describe('failures', () => {
    it('append rejects when the parent path is a regular file, and every row of the batch is rejected', async () => {
      write('blocker', 'not a folder');
      const f = csv('blocker/a.csv', ['a']);
      const results = await Promise.allSettled([f.append([{ a: 1 }]), f.append([{ a: 2 }])]);
      assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
      for (const r of results) {
        if (r.status === 'rejected') assert.ok(r.reason instanceof Error);
      }
      assert.equal(f.rowsWritten, 0);
      assert.equal(read('blocker'), 'not a folder');
    });

    it('retries opening with the next append once the path is usable', async () => {
      write('blocker', 'not a folder');
      const f = csv('blocker/a.csv', ['a']);
      await assert.rejects(f.append([{ a: 1 }]));
      fs.unlinkSync(path.join(dir, 'blocker'));
      await f.append([{ a: 2 }]);
      assert.equal(read('blocker/a.csv'), 'a\n2\n');
    });
  });
});
