/**
 * post-codec: the observations in columns for the trip from the post worker to the main thread.
 * encodeObservations equals the plain definition (each text field looked up in the post's table of
 * strings, in field order, a new string appended) column for column and string for string, also
 * where it reuses the code of the observation before (apMac, floor, networkId, radio, version);
 * and decoding gives the observations back.
 */
import { strict as assert } from 'assert';
import fc from 'fast-check';
import { decodeObservations, encodeObservations, EncodedObservations } from '../../src/lib/post-codec';
import type { Observation } from '../../src/lib/scanning';
import { isoUtc } from '../../src/lib/time';
import { fuzzAssert, seedFor } from '../fuzz/arbitraries';

const TEXT_FIELDS = ['clientMac', 'apMac', 'ssid', 'manufacturer', 'os', 'ipv4', 'floor', 'networkId', 'radio', 'version'] as const;
const NUM_FIELDS = ['ts', 'rssi', 'rssiDbm', 'lat', 'lng', 'unc', 'x', 'y'] as const;

/** The definition: one Map lookup per text field, in field order. */
function reference(list: readonly Observation[]): EncodedObservations {
  const index = new Map<string, number>();
  const strings: string[] = [];
  const num = new Float64Array(list.length * NUM_FIELDS.length);
  const codes = new Int32Array(list.length * TEXT_FIELDS.length);
  list.forEach((o, i) => {
    NUM_FIELDS.forEach((f, k) => (num[i * NUM_FIELDS.length + k] = o[f] ?? NaN));
    TEXT_FIELDS.forEach((f, k) => {
      const s = o[f];
      let c = -1;
      if (s !== null) {
        c = index.get(s) ?? strings.length;
        if (c === strings.length) {
          strings.push(s);
          index.set(s, c);
        }
      }
      codes[i * TEXT_FIELDS.length + k] = c;
    });
  });
  return { n: list.length, num, codes, strings };
}

describe('post-codec: observations in columns', () => {
  it('property: the same columns and table of strings as the plain definition, and the observations back', async function () {
    // few values per field, so that they repeat from one observation to the next and across fields
    const pool = fc.constantFrom<string | null>('e0:55:3d:10:4a:c1', 'e0:55:3d:10:4a:c7', 'L_1', 'Floor 2', 'wifi', 'ble', '2.0', '3.0', '', null);
    const mac = fc.constantFrom('da:00:00:00:00:01', 'da:00:00:00:00:02', 'e0:55:3d:10:4a:c1');
    const numOrNull = fc.option(fc.double({ noNaN: true }), { nil: null });
    const obs = fc.record({
      ts: fc.integer({ min: 0, max: 4e12 }), clientMac: mac, apMac: pool, rssi: fc.integer({ min: -10, max: 90 }), rssiDbm: numOrNull,
      ssid: pool, manufacturer: pool, os: pool, ipv4: pool, lat: numOrNull, lng: numOrNull, unc: numOrNull, x: numOrNull, y: numOrNull,
      floor: pool, networkId: pool, radio: fc.constantFrom('wifi', 'ble'), version: fc.constantFrom('2.0', '3.0', 'wifi'),
    }).map((o) => ({ ...o, time: isoUtc(o.ts) }) as Observation);
    const runs = fc.array(fc.tuple(obs, fc.integer({ min: 1, max: 4 })), { maxLength: 12 })
      .map((xs) => xs.flatMap(([o, k]) => Array.from({ length: k }, () => ({ ...o }))));
    await fuzzAssert(
      fc.property(runs, (list) => {
        const e = encodeObservations(list);
        assert.deepEqual(e, reference(list));
        assert.deepEqual(decodeObservations(e), list);
      }),
      { seed: seedFor(0xc0dec), numRuns: 2000 },
    );
  });
});
