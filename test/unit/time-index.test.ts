import { strict as assert } from 'assert';
import fc from 'fast-check';
import { ObservationIndex } from '../../src/lib/time-index';
import { prng } from '../support/seeded';


type Entry = [ts: number, rssi: number, device: string, ap: string | null];

function all(ix: ObservationIndex): Entry[] {
  const out: Entry[] = [];
  ix.range(-Infinity, Infinity, (ts, rssi, device, ap) => out.push([ts, rssi, device, ap]));
  return out;
}

function between(ix: ObservationIndex, from: number, to: number): Entry[] {
  const out: Entry[] = [];
  ix.range(from, to, (ts, rssi, device, ap) => out.push([ts, rssi, device, ap]));
  return out;
}

/** The obvious model: a plain array kept sorted by time, equal times in arrival order. */
class Model {
  rows: Entry[] = [];
  add(e: Entry): void {
    let i = this.rows.length;
    while (i > 0 && this.rows[i - 1][0] > e[0]) i--;
    this.rows.splice(i, 0, e);
  }
  range(from: number, to: number): Entry[] {
    return this.rows.filter((r) => r[0] >= from && r[0] <= to);
  }
  evictBefore(start: number): void {
    this.rows = this.rows.filter((r) => r[0] >= start);
  }
}

describe('ObservationIndex', () => {
  it('is empty at first: size 0, newest −Infinity, range finds nothing', () => {
    const ix = new ObservationIndex();
    assert.equal(ix.size, 0);
    assert.equal(ix.newest, -Infinity);
    assert.deepEqual(all(ix), []);
  });

  it('in-order adds come back in order with every field', () => {
    const ix = new ObservationIndex();
    ix.add(1000, 50, 'a', 'ap1');
    ix.add(2000, 60, 'b', null);
    ix.add(3000, 70, 'c', 'ap2');
    assert.equal(ix.size, 3);
    assert.equal(ix.newest, 3000);
    assert.deepEqual(all(ix), [
      [1000, 50, 'a', 'ap1'],
      [2000, 60, 'b', null],
      [3000, 70, 'c', 'ap2'],
    ]);
  });

  it('a late add lands in its place by time', () => {
    const ix = new ObservationIndex();
    ix.add(1000, 1, 'a', null);
    ix.add(3000, 3, 'c', null);
    ix.add(2000, 2, 'b', null); // late: between the two
    ix.add(500, 0, 'z', null); // late: before everything
    assert.deepEqual(all(ix).map((e) => e[2]), ['z', 'a', 'b', 'c']);
    assert.equal(ix.newest, 3000);
  });

  it('equal times keep arrival order, in order and late', () => {
    const ix = new ObservationIndex();
    ix.add(1000, 1, 'first', null);
    ix.add(1000, 2, 'second', null); // equal, in order
    ix.add(2000, 3, 'later', null);
    ix.add(1000, 4, 'third', null); // equal, but arrives late (after 2000): goes after the other 1000s
    assert.deepEqual(all(ix).map((e) => e[2]), ['first', 'second', 'third', 'later']);
  });

  it('range bounds are inclusive at both ends', () => {
    const ix = new ObservationIndex();
    for (const t of [999, 1000, 1500, 2000, 2001]) ix.add(t, 0, `d${t}`, null);
    assert.deepEqual(between(ix, 1000, 2000).map((e) => e[0]), [1000, 1500, 2000]);
    assert.deepEqual(between(ix, 1000, 1000).map((e) => e[0]), [1000]);
    assert.deepEqual(between(ix, 1001, 1499).map((e) => e[0]), []);
    assert.deepEqual(between(ix, 2000, 1000).map((e) => e[0]), [], 'from > to: nothing');
  });

  it('evictBefore(start) drops entries with ts < start and keeps ts == start', () => {
    const ix = new ObservationIndex();
    for (const t of [1000, 2000, 2000, 3000]) ix.add(t, 0, 'd', null);
    ix.evictBefore(2000);
    assert.deepEqual(all(ix).map((e) => e[0]), [2000, 2000, 3000]);
    assert.equal(ix.size, 3);
    ix.evictBefore(2001);
    assert.deepEqual(all(ix).map((e) => e[0]), [3000]);
    ix.evictBefore(10_000);
    assert.equal(ix.size, 0);
    assert.equal(ix.newest, -Infinity);
    ix.add(5, 1, 'x', null); // usable again after being emptied
    assert.deepEqual(all(ix), [[5, 1, 'x', null]]);
  });

  it('a late add after an eviction still lands in order (never before the head)', () => {
    const ix = new ObservationIndex();
    for (let t = 0; t < 10; t++) ix.add(t * 100, t, `d${t}`, null);
    ix.evictBefore(500);
    ix.add(550, 99, 'late', null);
    ix.add(100, 98, 'old-late', null); // older than the evicted part: kept (the caller evicts again later)
    assert.deepEqual(all(ix).map((e) => e[0]), [100, 500, 550, 600, 700, 800, 900]);
  });

  it('grows past 1024 entries and compacts, with late inserts mixed in (vs a sorted array)', () => {
    const ix = new ObservationIndex();
    const model = new Model();
    let seq = 0;
    let t = 0;
    const add = (ts: number): void => {
      const e: Entry = [ts, seq % 97, `dev${seq % 13}`, seq % 3 ? `ap${seq % 5}` : null];
      seq++;
      ix.add(...e);
      model.add(e);
    };
    // Deterministic pseudo-random sequence (no Math.random: the test must be reproducible).
    const rnd = prng(12345);
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 900; i++) {
        t += rnd(1000);
        // one in five arrives late, up to 60 s behind
        add(rnd(5) === 0 ? Math.max(0, t - rnd(60_000)) : t);
      }
      if (round % 3 === 2) {
        const start = t - 200_000;
        ix.evictBefore(start);
        model.evictBefore(start);
      }
      assert.equal(ix.size, model.rows.length, `size after round ${round}`);
      assert.deepEqual(all(ix), model.rows, `content after round ${round}`);
      const from = t - rnd(300_000);
      const to = from + rnd(100_000);
      assert.deepEqual(between(ix, from, to), model.range(from, to), `range after round ${round}`);
    }
    assert.ok(seq > 1024 * 8, 'went well past several doublings');
  });

  it('minute-late posts from many APs (most adds late, runs past the bulk-ordering bound, growth) match a stable sort by time', () => {
    const ix = new ObservationIndex();
    const added: Entry[] = [];
    const rnd = prng(777);
    let seq = 0;
    // each second an AP posts the last minute's observations, its own order within the post
    for (let sec = 60; sec < 160; sec++) {
      const n = 200 + rnd(800);
      for (let i = 0; i < n; i++) {
        const ts = (sec - 60) * 1000 + rnd(60_000);
        const e: Entry = [ts, seq % 90, `d${seq % 700}`, seq % 4 ? `ap${sec % 7}` : null];
        seq++;
        ix.add(...e);
        added.push(e);
      }
      if (sec % 37 === 0) {
        // a query in between: what is there so far is in order
        const sorted = added.map((e, k) => [e, k] as const).sort((a, b) => a[0][0] - b[0][0] || a[1] - b[1]).map(([e]) => e);
        assert.deepEqual(all(ix), sorted, `after second ${sec}`);
      }
    }
    assert.ok(seq > 3 * 16_384, 'several bulk orderings during the adds');
    const sorted = added.map((e, k) => [e, k] as const).sort((a, b) => a[0][0] - b[0][0] || a[1] - b[1]).map(([e]) => e);
    assert.equal(ix.size, sorted.length);
    assert.equal(ix.newest, sorted[sorted.length - 1][0]);
    assert.deepEqual(all(ix), sorted);
    assert.deepEqual(between(ix, 30_000, 45_000), sorted.filter((e) => e[0] >= 30_000 && e[0] <= 45_000));
  });

  it('property: adds, evictions, ranges and newest in any interleaving match the sorted-array model at every query', () => {
    const op = fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant('add' as const), ts: fc.integer({ min: 0, max: 3000 }), rssi: fc.integer({ min: 0, max: 90 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('evict' as const), ts: fc.integer({ min: 0, max: 3000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('range' as const), from: fc.integer({ min: 0, max: 3000 }), to: fc.integer({ min: 0, max: 3000 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'newest' as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 1500 }), (ops) => {
        const ix = new ObservationIndex();
        const model = new Model();
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'add') {
            const e: Entry = [o.ts, o.rssi, `d${n++}`, n % 3 ? `ap${n % 4}` : null];
            ix.add(...e);
            model.add(e);
          } else if (o.kind === 'evict') {
            ix.evictBefore(o.ts);
            model.evictBefore(o.ts);
          } else if (o.kind === 'range') {
            assert.deepEqual(between(ix, o.from, o.to), model.range(o.from, o.to));
          } else {
            assert.equal(ix.newest, model.rows.length ? model.rows[model.rows.length - 1][0] : -Infinity);
          }
          assert.equal(ix.size, model.rows.length);
        }
        assert.deepEqual(all(ix), model.rows);
      }),
      { numRuns: 80 },
    );
  });

  it('property: any sequence of adds, evictions and ranges matches the sorted-array model', () => {
    const op = fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant('add' as const), ts: fc.integer({ min: 0, max: 5000 }), rssi: fc.integer({ min: 0, max: 90 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('evict' as const), ts: fc.integer({ min: 0, max: 5000 }) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 2500 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (ops, a, b) => {
        const ix = new ObservationIndex();
        const model = new Model();
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'add') {
            const e: Entry = [o.ts, o.rssi, `d${n++}`, null];
            ix.add(...e);
            model.add(e);
          } else {
            ix.evictBefore(o.ts);
            model.evictBefore(o.ts);
          }
        }
        assert.equal(ix.size, model.rows.length);
        assert.deepEqual(all(ix), model.rows);
        assert.deepEqual(between(ix, Math.min(a, b), Math.max(a, b)), model.range(Math.min(a, b), Math.max(a, b)));
        assert.equal(ix.newest, model.rows.length ? model.rows[model.rows.length - 1][0] : -Infinity);
      }),
      { numRuns: 60 },
    );
  });
});
