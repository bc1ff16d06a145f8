/**
 * PostNormaliser with a filter and anonymisation (the receiver's batch, SPEC section 3): one pass
 * over the post gives exactly what normalise() → filter(keep) → anonymise() gives, in order.
 */
import { strict as assert } from 'assert';
import fc from 'fast-check';
import { hashMac } from '../../src/lib/mac';
import { decodeObservations, encodeObservations } from '../../src/lib/post-codec';
import {
  anonymise, checkPost, keep, normalise, Observation, observationFilter, ObservationFilter, PostInfo, PostNormaliser,
} from '../../src/lib/scanning';
import { B_FIXTURES, fuzzAssert, mutatedArb, seedFor, SECRET } from '../fuzz/arbitraries';

const AP_C1 = 'e0:55:3d:10:4a:c1';
const AP_C7 = 'e0:55:3d:10:4a:c7';
const SALT = 'a-long-random-salt';

function accept(body: unknown): PostInfo {
  const v = checkPost(body, SECRET);
  if (!v.ok) assert.fail(`not accepted: ${JSON.stringify(v)}`);
  return v.post;
}

/** The definition: every valid observation, then the filter, then the hashes. */
function oracle(post: PostInfo, filter: ObservationFilter | undefined, salt: string | null): Observation[] {
  const list = normalise(post).filter((o) => !filter || keep(o, filter));
  if (salt !== null) anonymise(list, salt, 'mac');
  return list;
}

function batch(post: PostInfo, filter: ObservationFilter | undefined, salt: string | null, slice = Infinity): Observation[] {
  const n = new PostNormaliser(post, { filter, anonymise: salt === null ? undefined : { salt, format: 'mac' } });
  while (!n.done) n.step(slice);
  return n.result();
}

function v2(observations: unknown[], type = 'DevicesSeen'): unknown {
  return { version: '2.0', secret: SECRET, type, data: { apMac: AP_C1, apFloors: ['F1'], observations } };
}

const obs = (mac: string, epoch: number, rssi: number): unknown => ({ clientMac: mac, seenEpoch: epoch, rssi, ssid: 'Net' });

describe('PostNormaliser: filtered, anonymised batches in one pass', () => {
  it('keeps rssi ≥ minRssi, the configured radio and APs, in post order', () => {
    const post = accept(v2([obs('aa:aa:aa:aa:aa:01', 1718870400, 14), obs('aa:aa:aa:aa:aa:02', 1718870400, 15), obs('aa:aa:aa:aa:aa:03', 1718870400, -80)]));
    assert.deepEqual(batch(post, observationFilter({}), null).map((o) => o.clientMac), ['aa:aa:aa:aa:aa:02', 'aa:aa:aa:aa:aa:03']);
    assert.deepEqual(batch(post, observationFilter({ radio: 'ble' }), null), []);
    assert.equal(batch(post, observationFilter({ radio: 'wifi' }), null).length, 2);
    assert.deepEqual(batch(post, observationFilter({ apMacs: AP_C7 }), null), []);
    assert.equal(batch(post, observationFilter({ apMacs: AP_C1 }), null).length, 2);
  });

  it('a duplicate: the strongest one counts, at the place of the first, even when the first is under the threshold', () => {
    const post = accept(v2([
      obs('aa:aa:aa:aa:aa:01', 1718870400, 10), // under the threshold, replaced by the third
      obs('aa:aa:aa:aa:aa:02', 1718870400, 30),
      obs('aa:aa:aa:aa:aa:01', 1718870400, 40),
      obs('aa:aa:aa:aa:aa:02', 1718870400, 12), // weaker: ignored
      obs('aa:aa:aa:aa:aa:02', 1718870401, 13), // another time of the same client: under the threshold
    ]));
    const stats = { read: 0, invalid: 0, duplicates: 0 };
    const n = new PostNormaliser(post, { filter: observationFilter({}), stats });
    n.step(Infinity);
    const list = n.result();
    assert.deepEqual(list.map((o) => [o.clientMac, o.rssi]), [['aa:aa:aa:aa:aa:01', 40], ['aa:aa:aa:aa:aa:02', 30]]);
    assert.deepEqual(list, oracle(post, observationFilter({}), null));
    assert.deepEqual(stats, { read: 5, invalid: 0, duplicates: 2 });
  });

  it('anonymises with a cache shared between posts (one HMAC per MAC)', () => {
    const cache = new Map<string, string>();
    const post = accept(v2([obs('aa:aa:aa:aa:aa:01', 1718870400, 30), obs('aa:aa:aa:aa:aa:01', 1718870401, 30)]));
    for (let i = 0; i < 2; i++) {
      const n = new PostNormaliser(post, { anonymise: { salt: SALT, format: 'mac', cache } });
      n.step(Infinity);
      assert.deepEqual(n.result().map((o) => o.clientMac), Array(2).fill(hashMac('aa:aa:aa:aa:aa:01', SALT, 'mac')));
    }
    assert.equal(cache.size, 1);
  });

  it('property: equals normalise → filter → anonymise for any accepted post, filter and slice size; post-codec gives it back unchanged', async function () {
    const bodies = B_FIXTURES.map((b) => b.body);
    // posts that repeat clients and times (duplicates across versions and slices)
    const repeated = fc.array(fc.constantFrom(...bodies), { minLength: 1, maxLength: 4 }).map((list) => {
      const first = list[0] as { data: { observations: unknown[] } };
      const all = list.flatMap((b: any) => (Array.isArray(b.data?.observations) ? b.data.observations : []));
      return { ...(first as object), data: { ...first.data, observations: all } };
    });
    const bodyArb = fc.oneof(mutatedArb(bodies), repeated, fc.constantFrom(...bodies));
    const filterArb = fc.option(
      fc.record({
        minRssi: fc.oneof(fc.integer({ min: -10, max: 60 }), fc.constant(15)),
        radio: fc.constantFrom('both', 'wifi', 'ble'),
        apMacs: fc.constantFrom('', AP_C1, `${AP_C1}, ${AP_C7}`),
      }),
      { nil: undefined },
    );
    let compared = 0;
    await fuzzAssert(
      fc.property(bodyArb, filterArb, fc.boolean(), fc.integer({ min: 1, max: 7 }), (body, f, hashed, slice) => {
        const v = checkPost(body, SECRET);
        if (!v.ok) return;
        const filter = f ? observationFilter(f) : undefined;
        const salt = hashed ? SALT : null;
        const out = batch(v.post, filter, salt, slice);
        assert.deepEqual(out, oracle(v.post, filter, salt));
        // and across the worker thread (post-codec): the same observations come back
        assert.deepEqual(decodeObservations(encodeObservations(out)), out);
        compared += 1;
      }),
      { seed: seedFor(0xba7c4), numRuns: 1500 },
    );
    assert.ok(compared > 500, `${compared} posts compared`);
  });
});
