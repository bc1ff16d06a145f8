import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { acknowledge, Spool, spoolTag } from '../../src/lib/spool';

describe('spool: accepted posts kept until written', () => {
  let dir: string;
  const spools: Spool[] = [];
  const make = (opts: Partial<{ segmentBytes: number }> = {}): Spool => {
    const s = new Spool({ dir, name: 'cmx', ...opts });
    spools.push(s);
    return s;
  };
  const segments = (): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.spool')).sort();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-test-'));
  });

  afterEach(async () => {
    for (const s of spools.splice(0)) await s.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('appends, and after a reopen gives back every entry not done, in order, byte for byte', async () => {
    const s = make();
    assert.deepEqual(await s.open(), []);
    const seqs = [];
    for (let i = 0; i < 5; i++) seqs.push(await s.append(Buffer.from(`{"post":${i}}`)));
    assert.deepEqual(seqs, [0, 1, 2, 3, 4]);
    assert.deepEqual(s.pending, { entries: 5, bytes: 5 * 10 });
    s.expect(1, 3, ['store']);
    acknowledge({ spool: s.id, seq: 1, from: 0, count: 3, total: 3 }, 'store', 3);
    s.expect(3, 0, ['store']); // nothing to write: done at once
    assert.deepEqual(s.pending, { entries: 3, bytes: 30 });
    await s.close();
    const again = make();
    const pending = await again.open();
    assert.equal(again.id, s.id, 'the id is kept');
    assert.deepEqual(pending.map((e) => [e.seq, e.body.toString()]), [[0, '{"post":0}'], [2, '{"post":2}'], [4, '{"post":4}']]);
    assert.equal(await again.append(Buffer.from('{}')), 5, 'sequence numbers go on');
  });

  it('an entry is done when every expected store wrote all its rows (in parts too)', async () => {
    const s = make();
    await s.open();
    const seq = await s.append(Buffer.from('{}'));
    s.expect(seq, 4, ['a', 'b']);
    acknowledge({ spool: s.id, seq, from: 0, count: 4, total: 4 }, 'a', 4);
    acknowledge({ spool: s.id, seq, from: 0, count: 4, total: 4 }, 'other', 4); // not expected: ignored
    acknowledge({ spool: s.id, seq, from: 0, count: 1, total: 4 }, 'b', 1);
    assert.equal(s.pending.entries, 1);
    acknowledge({ spool: s.id, seq, from: 1, count: 3, total: 4 }, 'b', 3);
    assert.equal(s.pending.entries, 0);
    await s.settled(1000);
  });

  it('cuts a torn record off the end (the process died mid-write)', async () => {
    const s = make();
    await s.open();
    await s.append(Buffer.from('{"a":1}'));
    await s.append(Buffer.from('{"b":2}'));
    await s.close();
    const file = path.join(dir, segments()[0]);
    const whole = fs.statSync(file).size;
    fs.truncateSync(file, whole - 3); // the second record loses its end
    const warnings: string[] = [];
    const again = new Spool({ dir, name: 'cmx', warn: (t) => warnings.push(t) });
    spools.push(again);
    const pending = await again.open();
    assert.deepEqual(pending.map((e) => e.body.toString()), ['{"a":1}']);
    assert.match(warnings[0], /torn record/);
    assert.equal(await again.append(Buffer.from('{"c":3}')), 1, 'the torn record was never acknowledged: its number is taken again');
    await again.close();
    const third = make();
    assert.deepEqual((await third.open()).map((e) => e.body.toString()), ['{"a":1}', '{"c":3}']);
  });

  it('starts new segments and deletes old ones once all their entries are done; the newest stays', async () => {
    const s = make({ segmentBytes: 200 });
    await s.open();
    const body = Buffer.alloc(100, 'x');
    const seqs = [];
    for (let i = 0; i < 6; i++) seqs.push(await s.append(body));
    assert.ok(segments().length >= 3, segments().join());
    for (const seq of seqs) s.done(seq);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(segments().length, 1, segments().join());
    await s.close();
    const again = make({ segmentBytes: 200 });
    assert.deepEqual(await again.open(), []);
    assert.equal(await again.append(body), 6);
  });

  it('a spool folder created anew gets a new id (old marks never match its numbers)', async () => {
    const s = make();
    await s.open();
    const id = s.id;
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
    const again = make();
    await again.open();
    assert.notEqual(again.id, id);
    assert.match(again.id, /^[0-9a-f]{16}$/);
  });

  it('park: the entry no longer counts as pending (nor for settled), and comes back at the next open', async () => {
    const s = new Spool({ dir, name: 'cmx' });
    await s.open();
    const a = await s.append(Buffer.from('{"a":1}'));
    const b = await s.append(Buffer.from('{"b":2}'));
    s.done(b);
    s.park(a);
    assert.deepEqual(s.pending, { entries: 0, bytes: 0 });
    await s.settled(5000);
    await s.close();
    const again = new Spool({ dir, name: 'cmx' });
    const back = await again.open();
    assert.deepEqual(back.map((e) => [e.seq, e.body.toString()]), [[a, '{"a":1}']]);
    await again.close();
  });

  it('spoolTag reads only well-formed tags', () => {
    assert.deepEqual(spoolTag({ spool: 'x', seq: 1, from: 0, count: 2, total: 2 }), { spool: 'x', seq: 1, from: 0, count: 2, total: 2 });
    for (const v of [null, 'x', {}, { spool: 1, seq: 1, from: 0, count: 1, total: 1 }, { spool: 'x', seq: -1, from: 0, count: 1, total: 1 }, { spool: 'x', seq: 1.5, from: 0, count: 1, total: 1 }]) {
      assert.equal(spoolTag(v), null, JSON.stringify(v));
    }
  });
});
