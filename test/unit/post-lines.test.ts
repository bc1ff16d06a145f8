/**
 * The cmxData.csv lines the post worker formats (PostProcessor → formatObservations(list, true)):
 * byte for byte what csv-stringify writes for the observations it sends (toCsvLines, the SPEC's
 * reference), for any post. formatObservations writes clientMac, and a time starting with a
 * digit, without checking them when they are PostNormaliser's own (`own`): this shows that every
 * clientMac it keeps is hex digits and `:` (normaliseMac or hashMac) and every time is isoUtc's,
 * whatever the post holds, and that a time outside the years 0–9999 (a sign first) is still defused.
 */
import { strict as assert } from 'assert';
import fc from 'fast-check';
import { CSV_COLUMNS, formatObservations, toCsvLines } from '../../src/lib/csv';
import { decodeObservations } from '../../src/lib/post-codec';
import { PostProcessor, ProcessorConfig } from '../../src/lib/post-processor';
import { Observation, observationFilter } from '../../src/lib/scanning';
import { isoUtc } from '../../src/lib/time';
import { B_FIXTURES, formulaString, fuzzAssert, mutatedArb, seedFor, SECRET } from '../fuzz/arbitraries';

const OWN_MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$|^[0-9a-f]{16}$/;

/** The post's observations and lines as the worker sends them, or null when it refused the post. */
function processed(config: ProcessorConfig, body: unknown, now = Date.now()): { list: Observation[]; lines: string } | null {
  const { reply } = new PostProcessor(config).handle({ id: 1, kind: 'replay', body: null, parsed: body, now, lines: true });
  if (!reply.ok) return null;
  const list = decodeObservations(reply.observations);
  return { list, lines: reply.lines ? Buffer.from(reply.lines).toString('utf8') : '' };
}

function assertOwn(list: Observation[]): void {
  for (const o of list) {
    assert.match(o.clientMac, OWN_MAC);
    assert.equal(o.time, isoUtc(o.ts));
  }
}

const configs: ProcessorConfig[] = [
  { secret: SECRET, filter: observationFilter({ minRssi: -1000 }) },
  { secret: SECRET, filter: observationFilter({ minRssi: -1000 }), anonymise: { salt: 'salt', format: 'mac' } },
  { secret: SECRET, filter: observationFilter({ minRssi: -1000 }), anonymise: { salt: 'salt', format: 'hex' } },
  // times up to the year 275760 allowed: isoUtc writes a sign first beyond 9999
  { secret: SECRET, filter: observationFilter({ minRssi: -1000 }), toleranceMs: 1e16 },
];

describe('post worker lines: formatObservations(list, own) equals csv-stringify on what PostNormaliser keeps', () => {
  it('property: any post (fixtures mutated, hostile MACs and times), any config: own fields are plain, lines byte-identical', async function () {
    const bodies = B_FIXTURES.map((b) => b.body);
    const hostile = fc.oneof(formulaString, fc.constantFrom('a,b', '"x"', 'aa:bb:cc:dd:ee:f\n', '=aa:bb:cc:dd:ee:ff', 'AA-BB-CC-DD-EE-FF', ' aabb.ccdd.eeff'));
    const v2 = fc.array(fc.record({
      clientMac: fc.oneof(hostile, fc.constantFrom('aa:bb:cc:dd:ee:01', 'AABBCCDDEE02')),
      seenEpoch: fc.oneof(fc.integer({ min: 1.5e9, max: 2e9 }), fc.constant(3e14), fc.constant(8e15)),
      rssi: fc.integer({ min: 0, max: 60 }), ssid: hostile,
    }), { maxLength: 6 }).map((observations) => ({ version: '2.0', secret: SECRET, type: 'DevicesSeen', data: { apMac: 'e0:55:3d:10:4a:c1', observations } }));
    let lines = 0;
    await fuzzAssert(
      fc.property(fc.oneof(mutatedArb(bodies), v2), fc.constantFrom(...configs), (body, config) => {
        const p = processed(config, body);
        if (!p) return;
        assertOwn(p.list);
        assert.equal(p.lines, toCsvLines(p.list as unknown as Record<string, unknown>[], CSV_COLUMNS.cmxData));
        assert.equal(formatObservations(p.list, true), formatObservations(p.list));
        lines += p.list.length;
      }),
      { seed: seedFor(0x11e5), numRuns: 1500 },
    );
    assert.ok(lines > 500, `${lines} lines compared`);
  });

  it('a time beyond the year 9999 (a sign first) is defused as the reference does; a hostile client MAC never gets through', () => {
    const body = {
      version: '2.0', secret: SECRET, type: 'DevicesSeen',
      data: { apMac: 'e0:55:3d:10:4a:c1', observations: [
        { clientMac: 'aa:bb:cc:dd:ee:01', seenEpoch: 3e14, rssi: 30 }, // ms 3e14: the year 11476
        { clientMac: '=aa:bb:cc:dd:ee:02', seenEpoch: 1.7e9, rssi: 30 },
        { clientMac: 'aa:bb:cc:dd:ee:03,x', seenEpoch: 1.7e9, rssi: 30 },
      ] },
    };
    const p = processed(configs[3], body);
    assert.ok(p);
    assert.equal(p.list.length, 1);
    assert.match(p.lines, /^'\+011476-/);
    assert.equal(p.lines, toCsvLines(p.list as unknown as Record<string, unknown>[], CSV_COLUMNS.cmxData));
  });
});
