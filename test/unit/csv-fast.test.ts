/**
 * formatRecords (the CSV writer's hot path, built without csv-stringify) against the reference
 * toCsvLines (csv-stringify, named by the SPEC for every CSV line): byte-identical for any records.
 */
import { strict as assert } from 'assert';
import fc from 'fast-check';
import { attachedLines, attachLines, CSV_COLUMNS, formatObservations, formatRecords, toCsvLines } from '../../src/lib/csv';
import { fuzzAssert, seedFor } from '../fuzz/arbitraries';

/** Text with what CSV and spreadsheets care about: separators, quotes, line breaks, formula starts. */
const awkward = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) },
    { weight: 3, arbitrary: fc.constantFrom(',', '"', '\n', '\r', '\r\n', '\u2028', '\u2029', '\t', '=', '+', '-', '@', "'", ' ', ';') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 12,
});

const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 1e-7, -1.5, 51.5072813, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE),
);

const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: awkward },
  { weight: 4, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, true, false, '', 10n, -3n) },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: false }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);

const keys = ['a', 'b', 'c', 'time', 'clientMac', '__proto__', 'constructor', 'toString', ''];

describe('formatRecords, formatObservations: the fast CSV line builders equal csv-stringify', () => {
  it('property: byte-identical to toCsvLines for random records and columns', async function () {
    await fuzzAssert(
      fc.property(
        fc.array(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 6 }), { maxLength: 8 }),
        fc.array(fc.constantFrom(...keys), { minLength: 1, maxLength: 6 }),
        (records, columns) => {
          assert.equal(formatRecords(records, columns), toCsvLines(records, columns));
        },
      ),
      { seed: seedFor(0xc5f457), numRuns: 5000 },
    );
  });

  it('property: byte-identical for observation-shaped records with the cmxData columns', async function () {
    const text = fc.option(awkward, { nil: null });
    const num = fc.option(number, { nil: null });
    const obs = fc.record({
      time: fc.integer({ min: 0, max: 4e12 }).map((ms) => new Date(ms).toISOString()),
      clientMac: fc.constantFrom('3c:22:fb:8e:19:0a', 'da:00:01:00:00:2a'),
      apMac: fc.option(fc.constant('e0:55:3d:10:4a:c1'), { nil: null }),
      rssi: number,
      ssid: text, manufacturer: text, os: text, ipv4: text,
      lat: num, lng: num, unc: num, x: num, y: num,
      floor: text, networkId: text, radio: fc.constantFrom('wifi', 'ble'), version: fc.constantFrom('2.0', '3.0'),
    });
    await fuzzAssert(
      fc.property(fc.array(obs, { maxLength: 20 }), (records) => {
        const reference = toCsvLines(records, CSV_COLUMNS.cmxData);
        assert.equal(formatRecords(records, CSV_COLUMNS.cmxData), reference);
        assert.equal(formatObservations(records), reference, 'formatObservations (the post worker\'s) too');
      }),
      { seed: seedFor(0xc5f458), numRuns: 2000 },
    );
  });

  it('property: byte-identical when the columns a post repeats (apMac, floor, networkId, radio, version) repeat or change from line to line', async function () {
    // formatObservations makes these cells again only when the value differs from the line before's:
    // runs of the same value, hostile text, null and non-strings (made every time) must all come out
    // as the reference writes them, whatever came before
    const hostile = fc.constantFrom<unknown>('=cmd()', '+1', '-1', '@x', '\tx', 'a,b', 'say "hi"', 'a\nb', '\u2028', '', null, 'plain', 'e0:55:3d:10:4a:c1');
    const odd = fc.constantFrom<unknown>(7, NaN, -0, undefined, true, new Date(0), { a: ',' }, ['=x']);
    const pooled = fc.oneof({ weight: 8, arbitrary: hostile }, { weight: 1, arbitrary: odd });
    const obs = fc.record({
      time: fc.constant('2026-12-01T10:00:00.000Z'), clientMac: fc.constant('da:00:01:00:00:2a'), rssi: fc.integer(),
      ssid: fc.constant(null), manufacturer: fc.constant(null), os: fc.constant(null), ipv4: fc.constant(null),
      lat: fc.constant(null), lng: fc.constant(null), unc: fc.constant(null), x: fc.constant(null), y: fc.constant(null),
      apMac: pooled, floor: pooled, networkId: pooled, radio: pooled, version: pooled,
    });
    // runs: each record repeated 1–4 times, so equal values meet line after line
    const runs = fc.array(fc.tuple(obs, fc.integer({ min: 1, max: 4 })), { maxLength: 10 })
      .map((xs) => xs.flatMap(([o, k]) => Array.from({ length: k }, (_, i) => (i % 2 ? o : { ...o }))));
    await fuzzAssert(
      fc.property(runs, (records) => {
        assert.equal(formatObservations(records as never), toCsvLines(records, CSV_COLUMNS.cmxData));
      }),
      { seed: seedFor(0xc5f459), numRuns: 2000 },
    );
  });

  it('examples: quoting, defusing, line breaks, nested values, no rows', () => {
    const cols = ['a', 'b'];
    for (const rec of [
      { a: 'x,y', b: 'say "hi"' }, { a: '=1+2', b: '-5' }, { a: -5, b: 'line1\nline2' }, { a: { x: [1, ','] }, b: new Date(0) },
      { a: '', b: null }, { a: '\r\n', b: '"' }, {},
    ]) {
      assert.equal(formatRecords([rec], cols), toCsvLines([rec], cols), JSON.stringify(rec));
    }
    assert.equal(formatRecords([], cols), '');
  });
});

describe('lines formatted ahead (attachLines): for the one store that gets the very array, once', () => {
  const lines = (rows: number, who: string) => ({ columns: CSV_COLUMNS.cmxData, bytes: Buffer.from('x\n'.repeat(rows)), rows, for: who });

  it('the named store takes them once; another store, a copy of the array or a changed length never', () => {
    const list = [{ a: 1 }, { a: 2 }];
    attachLines(list, lines(2, 'store-1'));
    assert.equal(attachedLines([...list], 'store-1'), null, 'a copy (another wire) has none');
    assert.equal(attachedLines(list, 'store-2'), null, 'not for another store');
    attachLines(list, lines(2, 'store-1'));
    assert.ok(attachedLines(list, 'store-1'));
    assert.equal(attachedLines(list, 'store-1'), null, 'taken once: the array may go on and be changed');
    attachLines(list, lines(2, 'store-1'));
    list.push({ a: 3 });
    assert.equal(attachedLines(list, 'store-1'), null, 'rows added since');
  });
});
