/**
 * CsvFile with spool tags: the write-ahead journal makes replayed rows land exactly once, even
 * when the process died between the CSV write and the spool's done mark, or in the middle of it.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CsvFile } from '../../src/lib/csv-file';
import type { SpoolTag } from '../../src/lib/spool';

const COLS = ['k', 'v'];
const rows = (seq: number, n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ k: `${seq}-${from + i}`, v: i }));
const tag = (seq: number, total: number, from = 0, count = total, spool = 'sp1'): SpoolTag => ({ spool, seq, from, count, total });

describe('CsvFile: spool tags and the journal', () => {
  let dir: string;
  let file: string;
  let warnings: string[];
  const files: CsvFile[] = [];
  const csv = (): CsvFile => {
    const f = new CsvFile({ file, columns: COLS, warn: (t) => warnings.push(t) });
    files.push(f);
    return f;
  };
  const lines = (): string[] => fs.readFileSync(file, 'utf8').trimEnd().split('\n');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-journal-test-'));
    file = path.join(dir, 'cmxData.csv');
    warnings = [];
  });

  afterEach(async () => {
    for (const f of files.splice(0)) await f.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tagged rows written once: a replay of the same entries after a restart writes nothing', async () => {
    const f = csv();
    assert.equal(await f.appendOnce(rows(0, 3), tag(0, 3)), 3);
    assert.equal(await f.appendOnce(rows(1, 2), tag(1, 2)), 2);
    assert.equal(f.held(tag(1, 2)), 2);
    assert.equal(f.held(tag(2, 2)), 0);
    await f.close();
    const g = csv();
    await g.open();
    assert.equal(g.held(tag(0, 3)), 3, 'from the journal');
    assert.equal(await g.appendOnce(rows(0, 3), tag(0, 3)), 0);
    assert.equal(await g.appendOnce(rows(1, 2), tag(1, 2)), 0);
    assert.equal(await g.appendOnce(rows(2, 2), tag(2, 2)), 2);
    assert.equal(lines().length, 1 + 3 + 2 + 2);
    assert.equal(new Set(lines()).size, lines().length, 'no line twice');
  });

  it('entries written in parts (one message per observation): only the missing rows are written again', async () => {
    const f = csv();
    await f.appendOnce(rows(7, 1, 0), tag(7, 4, 0, 1));
    await f.appendOnce(rows(7, 1, 1), tag(7, 4, 1, 1));
    await f.close();
    const g = csv();
    await g.open();
    assert.equal(g.held(tag(7, 4)), 2);
    // the whole entry replayed as one batch
    assert.equal(await g.appendOnce(rows(7, 4), tag(7, 4)), 2);
    assert.deepEqual(lines().slice(1).map((l) => l.split(',')[0]), ['7-0', '7-1', '7-2', '7-3']);
    assert.equal(g.held(tag(7, 4)), 4);
  });

  it('a write the process did not finish (intent in the journal, rows cut short) is cut back whole', async () => {
    const f = csv();
    await f.appendOnce(rows(0, 2), tag(0, 2));
    await f.close();
    const before = fs.statSync(file).size;
    // what a kill mid-write leaves: the intent line, then part of the rows (torn within a line)
    const text = 'a,1\nb,2\nc,';
    const ino = fs.statSync(file).ino;
    fs.appendFileSync(`${file}.journal`, JSON.stringify({ i: ino, o: before, l: text.length + 3, t: [['sp1', 1, 0, 3, 3]] }) + '\n');
    fs.appendFileSync(file, text);
    const g = csv();
    await g.open();
    assert.equal(fs.statSync(file).size, before, 'the two whole lines of the unfinished write are gone too');
    assert.equal(g.held(tag(1, 3)), 0);
    assert.equal(await g.appendOnce(rows(1, 3), tag(1, 3)), 3);
    assert.equal(lines().length, 1 + 2 + 3);
    assert.ok(warnings.some((w) => /did not finish/.test(w)), warnings.join('\n'));
  });

  it('killed after the write but before anything else: the rows count as held', async () => {
    const f = csv();
    await f.appendOnce(rows(0, 2), tag(0, 2));
    await f.appendOnce(rows(1, 2), tag(1, 2));
    // no close(): as after a kill, only what reached the OS is there
    const g = csv();
    await g.open();
    assert.equal(g.held(tag(1, 2)), 2);
    await f.close();
  });

  it('tags of different spools are apart; untagged rows are always written', async () => {
    const f = csv();
    await f.appendOnce(rows(0, 1), tag(0, 1, 0, 1, 'a'));
    assert.equal(f.held(tag(0, 1, 0, 1, 'b')), 0);
    await f.append(rows(0, 1));
    await f.append(rows(0, 1));
    assert.equal(lines().length, 1 + 3);
  });

  it('a deleted or replaced CSV file starts without marks', async () => {
    const f = csv();
    await f.appendOnce(rows(0, 2), tag(0, 2));
    await f.close();
    fs.unlinkSync(file);
    const g = csv();
    await g.open();
    assert.equal(g.held(tag(0, 2)), 0);
    assert.equal(await g.appendOnce(rows(0, 2), tag(0, 2)), 2);
  });

  it('the journal stays small: rewritten as one line at open', async () => {
    const f = csv();
    for (let s = 0; s < 50; s++) await f.appendOnce(rows(s, 1), tag(s, 1));
    await f.close();
    const g = csv();
    await g.open();
    const j = fs.readFileSync(`${file}.journal`, 'utf8').trimEnd().split('\n');
    assert.equal(j.length, 1);
    assert.deepEqual(JSON.parse(j[0]).s.sp1.d, [[0, 50]]);
  });
});
