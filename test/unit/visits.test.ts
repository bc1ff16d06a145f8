import { strict as assert } from 'assert';
import fc from 'fast-check';
import { VisitTracker } from '../../src/lib/visits';
import { LocalHours } from '../../src/lib/tz';
import { naiveVisits } from '../support/naive-correlate';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const T0 = Date.parse('2024-06-20T08:00:00Z');

const visitsOf = (vt: VisitTracker, mac: string): [number, number][] => (vt.get(mac)?.visits ?? []).map((v) => [v.first, v.last]);

function tracker(times: number[], mac = 'aa:aa:aa:aa:aa:01'): VisitTracker {
  const vt = new VisitTracker({ sessionGapS: 300 });
  for (const t of times) vt.add(mac, t);
  return vt;
}

type Op = { dev: number; dt: number } | { evict: number };

/** Observations of devices d0…d<devices − 1> (a negative dt: that late behind the clock) and evictions up to `evictUpTo` behind the clock. */
function opsArb(o: { devices: number; late: number; step: number; evictUpTo: number; addWeight: number; maxLength: number }): fc.Arbitrary<Op[]> {
  return fc.array(
    fc.oneof(
      { weight: o.addWeight, arbitrary: fc.record({ dev: fc.integer({ min: 0, max: o.devices - 1 }), dt: fc.integer({ min: -o.late, max: o.step }) }) },
      { weight: 1, arbitrary: fc.record({ evict: fc.integer({ min: 0, max: o.evictUpTo }) }) },
    ),
    { minLength: 1, maxLength: o.maxLength },
  );
}

/** Plays ops on a clock from T0 (a start that never goes back); `after` runs after each op. Returns the clock at the end. */
function play(ops: Op[], on: { add(mac: string, t: number): void; evict(start: number): void; after(): void }): number {
  let now = T0;
  let start = -Infinity;
  for (const op of ops) {
    if ('evict' in op) {
      start = Math.max(start, now - op.evict);
      on.evict(start);
    } else {
      now += Math.max(0, op.dt);
      on.add(`d${op.dev}`, now + Math.min(0, op.dt));
    }
    on.after();
  }
  return now;
}

describe('VisitTracker', () => {
  const M = 'aa:aa:aa:aa:aa:01';

  it('a single observation is one visit of dwell 0', () => {
    const vt = tracker([T0]);
    assert.deepEqual(visitsOf(vt, M), [[T0, T0]]);
    assert.equal(vt.deviceCount, 1);
  });

  it('a gap of exactly sessionGapS (300 s) starts a new visit', () => {
    // T0, then T0 + 300 000 ms: gap = 300 s ≥ 300 s → two visits, each of dwell 0
    assert.deepEqual(visitsOf(tracker([T0, T0 + 300 * S]), M), [[T0, T0], [T0 + 300 * S, T0 + 300 * S]]);
  });

  it('a gap of 299.999 s stays in the same visit', () => {
    // gap = 299 999 ms < 300 000 ms → one visit [T0, T0 + 299 999], dwell 299.999 s
    assert.deepEqual(visitsOf(tracker([T0, T0 + 299_999]), M), [[T0, T0 + 299_999]]);
  });

  it('the gap is measured from the previous observation, not from the visit start', () => {
    // T0, +4 min, +8 min, +12 min: every gap is 240 s → one visit of 720 s
    assert.deepEqual(visitsOf(tracker([T0, T0 + 4 * MIN, T0 + 8 * MIN, T0 + 12 * MIN]), M), [[T0, T0 + 12 * MIN]]);
  });

  it('duplicates change nothing', () => {
    const once = visitsOf(tracker([T0, T0 + MIN, T0 + 10 * MIN]), M);
    const twice = visitsOf(tracker([T0, T0, T0 + MIN, T0 + MIN, T0 + 10 * MIN, T0 + MIN, T0, T0 + 10 * MIN]), M);
    assert.deepEqual(twice, once);
    assert.deepEqual(once, [[T0, T0 + MIN], [T0 + 10 * MIN, T0 + 10 * MIN]]);
  });

  it('a late observation inside a visit changes nothing', () => {
    assert.deepEqual(visitsOf(tracker([T0, T0 + 4 * MIN, T0 + 2 * MIN]), M), [[T0, T0 + 4 * MIN]]);
  });

  it('a late observation less than the gap before the first visit extends it backwards', () => {
    // visit [T0, T0+1min]; late T0−4min: 240 s before its start < 300 s → [T0−4min, T0+1min]
    assert.deepEqual(visitsOf(tracker([T0, T0 + MIN, T0 - 4 * MIN]), M), [[T0 - 4 * MIN, T0 + MIN]]);
  });

  it('a late observation exactly the gap before a visit is a visit of its own', () => {
    // late T0−300s: next.first − ts = 300 s, not < 300 s → separate visit
    assert.deepEqual(visitsOf(tracker([T0, T0 + MIN, T0 - 300 * S]), M), [[T0 - 300 * S, T0 - 300 * S], [T0, T0 + MIN]]);
  });

  it('a late observation just after a visit (but before the next one) extends that visit', () => {
    // visits [T0, T0] and [T0+20min, T0+20min]; late T0+4min joins the first only (16 min to the second)
    assert.deepEqual(visitsOf(tracker([T0, T0 + 20 * MIN, T0 + 4 * MIN]), M), [[T0, T0 + 4 * MIN], [T0 + 20 * MIN, T0 + 20 * MIN]]);
  });

  it('a late observation far from both neighbours becomes a visit between them', () => {
    assert.deepEqual(visitsOf(tracker([T0, T0 + 60 * MIN, T0 + 30 * MIN]), M), [[T0, T0], [T0 + 30 * MIN, T0 + 30 * MIN], [T0 + 60 * MIN, T0 + 60 * MIN]]);
  });

  it('a late observation that bridges two visits joins them into one', () => {
    // [T0, T0+1min] and [T0+9min, T0+10min] (gap 8 min); late T0+5min is 4 min from each → one visit [T0, T0+10min]
    const vt = tracker([T0, T0 + MIN, T0 + 9 * MIN, T0 + 10 * MIN]);
    assert.equal(visitsOf(vt, M).length, 2);
    vt.add(M, T0 + 5 * MIN);
    assert.deepEqual(visitsOf(vt, M), [[T0, T0 + 10 * MIN]]);
  });

  it('out of order arrival gives the same visits as in order (vs the naive rebuild)', () => {
    const times = [0, 1, 2, 7, 8, 20, 21, 22, 24, 40].map((m) => T0 + m * MIN);
    const shuffled = [22, 0, 40, 8, 1, 24, 7, 21, 2, 20].map((m) => T0 + m * MIN);
    const expect = naiveVisits(times.map((ts) => ({ ts, clientMac: M, rssi: 50, apMac: null })), 300).get(M);
    // by hand: 0,1,2 | 7,8 (gap 5 min = 300 s → new) | 20..24 | 40
    assert.deepEqual(expect, [[T0, T0 + 2 * MIN], [T0 + 7 * MIN, T0 + 8 * MIN], [T0 + 20 * MIN, T0 + 24 * MIN], [T0 + 40 * MIN, T0 + 40 * MIN]]);
    assert.deepEqual(visitsOf(tracker(times), M), expect);
    assert.deepEqual(visitsOf(tracker(shuffled), M), expect);
  });

  it('devices are independent; values() lists them in first-seen order; add returns the MAC', () => {
    const vt = new VisitTracker({ sessionGapS: 300 });
    assert.equal(vt.add('b', T0), 'b');
    assert.equal(vt.add('a', T0 + 10 * MIN), 'a');
    vt.add('b', T0 + 2 * MIN);
    assert.deepEqual([...vt.values()].map((d) => d.clientMac), ['b', 'a']);
    assert.deepEqual(visitsOf(vt, 'b'), [[T0, T0 + 2 * MIN]]);
    assert.deepEqual(visitsOf(vt, 'a'), [[T0 + 10 * MIN, T0 + 10 * MIN]]);
    assert.equal(vt.get('c'), undefined);
    assert.equal(vt.deviceCount, 2);
  });

  it('a different sessionGapS is honoured', () => {
    const vt = new VisitTracker({ sessionGapS: 60 });
    for (const t of [T0, T0 + 59 * S, T0 + 119 * S]) vt.add(M, t);
    // gaps 59 s (< 60: same visit) then 60 s (≥ 60: new visit)
    assert.deepEqual(visitsOf(vt, M), [[T0, T0 + 59 * S], [T0 + 119 * S, T0 + 119 * S]]);
  });

  it('maxDevices: the device whose earliest visit ended longest ago is forgotten, also when a device grew its visit since it was filed', () => {
    const vt = new VisitTracker({ sessionGapS: 300, maxDevices: 2 });
    vt.add('grew', T0);
    vt.add('other', T0 + 2 * MIN);
    vt.add('grew', T0 + 4 * MIN); // its visit now ends after other's (it stays filed under T0 until looked at)
    vt.add('new', T0 + 5 * MIN);
    assert.deepEqual([...vt.values()].map((d) => d.clientMac).sort(), ['grew', 'new']);
    assert.equal(vt.capped, 1);
    // and eviction finds it where it belongs
    vt.evictBefore(T0 + 3 * MIN);
    assert.deepEqual(visitsOf(vt, 'grew'), [[T0, T0 + 4 * MIN]]);
    vt.evictBefore(T0 + 4 * MIN + 1);
    assert.equal(vt.get('grew'), undefined);
    assert.deepEqual([...vt.values()].map((d) => d.clientMac), ['new']);
  });

  it('maxDevices: a minute of many devices is forgotten in the order they came, across calls, with a device re-filed, and the minute emptied and filled again (a new set) in between', () => {
    const vt = new VisitTracker({ sessionGapS: 300, maxDevices: 5 });
    for (const m of ['a', 'b', 'c', 'd', 'e']) vt.add(m, T0 + 1000); // one minute
    vt.add('f', T0 + 2 * MIN); // forgets a
    assert.equal(vt.get('a'), undefined);
    vt.add('b', T0 + 3 * MIN); // b grew: still filed under the first minute until looked at
    vt.add('g', T0 + 2 * MIN); // the walk meets b (filed again where it belongs), forgets c
    assert.equal(vt.get('c'), undefined);
    assert.deepEqual(visitsOf(vt, 'b'), [[T0 + 1000, T0 + 3 * MIN]]);
    vt.add('h', T0 + 2 * MIN); // forgets d
    vt.add('i', T0 + 2 * MIN); // forgets e: the first minute is empty
    assert.deepEqual([...vt.values()].map((d) => d.clientMac).sort(), ['b', 'f', 'g', 'h', 'i']);
    vt.add('z', T0 + 1000); // forgets f (the oldest minute now); z fills the first minute again
    assert.equal(vt.get('f'), undefined);
    vt.add('y', T0 + 10 * MIN); // forgets z, from the new set of that minute
    assert.deepEqual([...vt.values()].map((d) => d.clientMac).sort(), ['b', 'g', 'h', 'i', 'y']);
    assert.equal(vt.capped, 6);
  });

  it('times before 1970 (negative minutes, −1 among them) are filed, evicted and capped like any other', () => {
    const vt = new VisitTracker({ sessionGapS: 300, maxDevices: 2, hours: new LocalHours('UTC') });
    vt.add('b', -90_000); // minute −2
    for (let i = 0; i < 10; i++) vt.add(`x${i}`, 1000 * i);
    assert.equal(vt.deviceCount, 2, 'the cap holds');
    assert.equal(vt.capped, 9);
    const other = new VisitTracker({ sessionGapS: 300, hours: new LocalHours('UTC') });
    other.add('a', -30_000); // minute −1
    other.evictBefore(1_000_000);
    assert.equal(other.deviceCount, 0, 'evicted');
    assert.equal(other.figures(1_000_000, 2_000_000).devices, 0);
  });

  describe('evictBefore', () => {
    // T0 is 08:00Z, on an hour boundary
    it('drops only the visits that ended before the start; a visit that ends at or after it stays whole', () => {
      const vt = new VisitTracker({ sessionGapS: 300 });
      vt.add('old', T0 - 2 * HOUR); // ended 2 h before the start
      vt.add('mixed', T0 - 3 * HOUR); // an old visit...
      vt.add('mixed', T0 + 10 * MIN); // ...and a new one
      vt.add('across', T0 - 3 * MIN); // one visit from before the start...
      vt.add('across', T0 + MIN); // ...to after it
      vt.add('edge', T0 - 61 * MIN);
      vt.add('edge', T0); // ends exactly at the start: last ≥ start, kept
      vt.add('new', T0 + 5 * MIN);
      vt.evictBefore(T0);
      assert.equal(vt.get('old'), undefined, 'a device left without visits disappears');
      assert.deepEqual(visitsOf(vt, 'mixed'), [[T0 + 10 * MIN, T0 + 10 * MIN]]);
      assert.deepEqual(visitsOf(vt, 'across'), [[T0 - 3 * MIN, T0 + MIN]]);
      assert.deepEqual(visitsOf(vt, 'edge'), [[T0, T0]]);
      assert.deepEqual(visitsOf(vt, 'new'), [[T0 + 5 * MIN, T0 + 5 * MIN]]);
      assert.equal(vt.deviceCount, 4);
      assert.deepEqual([...vt.values()].map((d) => d.clientMac).sort(), ['across', 'edge', 'mixed', 'new']);
    });

    it('devices come and go as the start moves on; late old observations are evicted next time', () => {
      const vt = new VisitTracker({ sessionGapS: 300 });
      for (let h = 0; h < 10; h++) vt.add(`d${h}`, T0 + h * HOUR + 30 * MIN);
      vt.evictBefore(T0 + 5 * HOUR); // d0..d4 ended before 13:00
      assert.deepEqual([...vt.values()].map((d) => d.clientMac), ['d5', 'd6', 'd7', 'd8', 'd9']);
      vt.add('late', T0 + HOUR); // an observation from long before the window
      vt.add('d0', T0 + 7 * HOUR); // d0 comes back
      assert.equal(vt.deviceCount, 7);
      vt.evictBefore(T0 + 7 * HOUR);
      assert.deepEqual([...vt.values()].map((d) => d.clientMac).sort(), ['d0', 'd7', 'd8', 'd9']);
      vt.evictBefore(T0 + 24 * HOUR);
      assert.equal(vt.deviceCount, 0);
    });

    it('property: after random adds and an eviction, the visits ending at or after the start are exactly the naive ones; all those ending an hour or more before it are gone', () => {
      // Eviction works hour bucket by hour bucket (see visits.ts): a visit that ended before the
      // start but inside the start's own clock hour may linger until the next eviction (the
      // summary skips it by its end time). Everything older is gone.
      fc.assert(
        fc.property(
          fc.array(fc.record({ dev: fc.integer({ min: 0, max: 4 }), t: fc.integer({ min: 0, max: 10 * HOUR }) }), { minLength: 1, maxLength: 120 }),
          fc.integer({ min: 0, max: 11 * HOUR }),
          (obs, startOffset) => {
            const vt = new VisitTracker({ sessionGapS: 300 });
            for (const o of obs) vt.add(`d${o.dev}`, T0 + o.t);
            const start = T0 + startOffset;
            vt.evictBefore(start);
            const naive = naiveVisits(obs.map((o) => ({ ts: T0 + o.t, clientMac: `d${o.dev}`, rssi: 0, apMac: null })), 300);
            const hourStart = Math.floor(start / HOUR) * HOUR;
            for (const [mac, visits] of naive) {
              const got = visitsOf(vt, mac);
              assert.deepEqual(got.filter(([, l]) => l >= start), visits.filter(([, l]) => l >= start), mac);
              assert.ok(got.every(([, l]) => l >= hourStart), `${mac}: a visit ending before ${hourStart} lingers`);
              // lingering visits are genuine (naive) visits
              for (const v of got) assert.ok(visits.some((n) => n[0] === v[0] && n[1] === v[1]), `${mac}: ${v} is no naive visit`);
              if (visits.every(([, l]) => l < hourStart)) assert.equal(vt.get(mac), undefined, `${mac} should be gone`);
            }
            for (const d of vt.values()) assert.ok(d.visits.length > 0, `${d.clientMac} is listed without visits`);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  it('property: adds interleaved with evictions keep the invariants, and a final eviction empties it', () => {
    fc.assert(
      fc.property(opsArb({ devices: 6, late: 2 * HOUR, step: 10 * MIN, evictUpTo: 3 * HOUR, addWeight: 6, maxLength: 200 }), (ops) => {
        const vt = new VisitTracker({ sessionGapS: 300 });
        const now = play(ops, {
          add: (mac, t) => vt.add(mac, t),
          evict: (start) => {
            vt.evictBefore(start);
            for (const d of vt.values()) {
              assert.ok(d.visits.length > 0, `${d.clientMac} kept without visits`);
              assert.ok(d.visits.every((v) => v.last >= Math.floor(start / HOUR) * HOUR), `${d.clientMac} keeps a visit from an evicted hour`);
            }
          },
          after: () => {
            for (const d of vt.values()) {
              for (let i = 0; i < d.visits.length; i++) {
                const v = d.visits[i];
                assert.ok(v.first <= v.last, 'first ≤ last');
                if (i > 0) assert.ok(v.first - d.visits[i - 1].last >= 300 * S, `${d.clientMac}: visits ${i - 1} and ${i} should be one`);
              }
            }
          },
        });
        vt.evictBefore(now + HOUR * 2);
        assert.equal(vt.deviceCount, 0);
        assert.deepEqual([...vt.values()], []);
      }),
      { numRuns: 300 },
    );
  });

  it('property: with a device cap, at most maxDevices are kept, the one forgotten is of the oldest minute, and the kept visits are the naive ones', () => {
    const CAP = 3;
    fc.assert(
      fc.property(opsArb({ devices: 7, late: 40 * MIN, step: 8 * MIN, evictUpTo: 2 * HOUR, addWeight: 8, maxLength: 150 }), (ops) => {
        const vt = new VisitTracker({ sessionGapS: 300, maxDevices: CAP });
        const kept = new Map<string, number[]>(); // naive: the observations of each kept device
        const naive = (mac: string): [number, number][] => naiveVisits(kept.get(mac)!.map((ts) => ({ clientMac: mac, ts, rssi: 0, apMac: null })), 300).get(mac)!;
        const firstEnd = (mac: string): number => Math.floor(vt.get(mac)!.visits[0].last / MIN);
        play(ops, {
          evict: (start) => {
            vt.evictBefore(start);
            for (const mac of [...kept.keys()]) {
              const live = naive(mac).filter(([, last]) => last >= start);
              const ts = kept.get(mac)!.filter((t) => live.some(([f, l]) => t >= f && t <= l));
              if (ts.length) kept.set(mac, ts);
              else kept.delete(mac);
            }
          },
          add: (mac, t) => {
            const before = [...kept.keys()];
            const oldest = Math.min(...before.map(firstEnd));
            const capped = vt.capped;
            vt.add(mac, t);
            if (!kept.has(mac) && before.length >= CAP) {
              assert.equal(vt.capped, capped + 1, 'a device forgotten for the new one');
              const gone = before.filter((m) => !vt.get(m));
              assert.equal(gone.length, 1, `forgotten: ${gone}`);
              const end = Math.floor(naive(gone[0])[0][1] / MIN);
              assert.equal(end, oldest, `${gone[0]} (earliest visit ended in minute ${end}) forgotten, not one of minute ${oldest}`);
              kept.delete(gone[0]);
            }
            kept.set(mac, [...(kept.get(mac) ?? []), t]);
          },
          after: () => {
            assert.ok(vt.deviceCount <= CAP);
            assert.deepEqual([...vt.values()].map((d) => d.clientMac).sort(), [...kept.keys()].sort());
            for (const d of vt.values()) assert.deepEqual(visitsOf(vt, d.clientMac), naive(d.clientMac), d.clientMac);
          },
        });
      }),
      { numRuns: 300 },
    );
  });

  it('property: any arrival order, with duplicates, gives the naive visits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dev: fc.integer({ min: 0, max: 3 }), t: fc.integer({ min: 0, max: 4 * HOUR }) }), { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 1, max: 900 }),
        (obs, gapS) => {
          const withDups = [...obs, ...obs.filter((_, i) => i % 4 === 0)];
          const vt = new VisitTracker({ sessionGapS: gapS });
          for (const o of withDups) vt.add(`d${o.dev}`, T0 + o.t);
          const naive = naiveVisits(withDups.map((o) => ({ ts: T0 + o.t, clientMac: `d${o.dev}`, rssi: 0, apMac: null })), gapS);
          assert.equal(vt.deviceCount, naive.size);
          for (const [mac, visits] of naive) assert.deepEqual(visitsOf(vt, mac), visits, mac);
        },
      ),
      { numRuns: 300 },
    );
  });
});
