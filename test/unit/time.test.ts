import { strict as assert } from 'assert';
import fc from 'fast-check';
import { isoUtc, parseTime, toEpochMs } from '../../src/lib/time';

describe('time', () => {
  describe('toEpochMs', () => {
    it('milliseconds stay milliseconds', () => {
      assert.equal(toEpochMs(1718870412345), 1718870412345);
      assert.equal(toEpochMs(1e11), 1e11, '1e11 is the first value read as ms');
    });

    it('seconds are converted to milliseconds (told apart by magnitude)', () => {
      assert.equal(toEpochMs(1718870412), 1718870412000);
      assert.equal(toEpochMs(1642564552), 1642564552000);
      assert.equal(toEpochMs(1e11 - 1), (1e11 - 1) * 1000, 'just below 1e11 is still seconds');
      assert.equal(toEpochMs(0), 0);
      assert.equal(toEpochMs(1), 1000);
    });

    it('fractional seconds and ms are rounded to whole ms', () => {
      assert.equal(toEpochMs(1718870412.345), 1718870412345);
      assert.equal(toEpochMs(1718870412.3456), 1718870412346);
      assert.equal(toEpochMs(1718870412345.4), 1718870412345);
      assert.equal(toEpochMs(1718870412345.5), 1718870412346);
    });

    it('numeric strings are accepted (trimmed), seconds or ms', () => {
      assert.equal(toEpochMs('1718870412345'), 1718870412345);
      assert.equal(toEpochMs(' 1718870412 '), 1718870412000);
      assert.equal(toEpochMs('1718870412.5'), 1718870412500);
    });

    it('empty, blank, non-numeric and overlong strings → null', () => {
      for (const s of ['', '   ', 'abc', '12abc', 'NaN', 'Infinity', '-5', '1'.repeat(33), '2024-06-20T08:00:00Z']) {
        assert.equal(toEpochMs(s), null, JSON.stringify(s));
      }
    });

    it('negative, NaN and infinite numbers → null', () => {
      for (const n of [-1, -0.5, -1718870412345, NaN, Infinity, -Infinity]) {
        assert.equal(toEpochMs(n), null, String(n));
      }
    });

    it('beyond the largest Date → null; the largest Date itself is fine', () => {
      assert.equal(toEpochMs(8.64e15), 8.64e15);
      assert.equal(toEpochMs(8.64e15 + 1), null);
      assert.equal(toEpochMs(1e20), null);
    });

    it('other types → null', () => {
      for (const v of [undefined, null, true, {}, [1718870412345], new Date(0), 1718870412345n]) {
        assert.equal(toEpochMs(v), null, String(v));
      }
    });

    it('every value it returns can be formatted', () => {
      for (const v of [0, 1, 1e11 - 1, 1e11, 8.64e15, '99999999999']) {
        const ms = toEpochMs(v);
        assert.notEqual(ms, null);
        assert.doesNotThrow(() => isoUtc(ms!));
      }
    });
  });

  describe('plain decimal strings only', () => {
    it('hex and exponent strings are not epochs', () => {
      assert.equal(toEpochMs('0x10'), null);
      assert.equal(toEpochMs('1e3'), null);
      assert.equal(toEpochMs('1718870412.5'), 1718870412500);
    });

    it('an ISO time without a zone is UTC, not the host\'s zone', () => {
      assert.equal(parseTime('2024-06-20 08:00:12'), Date.UTC(2024, 5, 20, 8, 0, 12));
      assert.equal(parseTime('2024-06-20T08:00:12'), Date.UTC(2024, 5, 20, 8, 0, 12));
      assert.equal(parseTime('2024-06-20T10:00:12+02:00'), Date.UTC(2024, 5, 20, 8, 0, 12));
    });
  });

  describe('parseTime', () => {
    it('epoch numbers and numeric strings as toEpochMs', () => {
      assert.equal(parseTime(1718870412345), 1718870412345);
      assert.equal(parseTime(1718870412), 1718870412000);
      assert.equal(parseTime('1718870412345'), 1718870412345);
    });

    it('ISO-8601 strings with Z or an offset', () => {
      assert.equal(parseTime('2024-06-20T08:00:12.345Z'), 1718870412345);
      assert.equal(parseTime('2024-06-20T08:00:12Z'), 1718870412000);
      assert.equal(parseTime('2024-06-20T08:00Z'), 1718870400000);
      assert.equal(parseTime('2024-06-20T10:00:12+02:00'), 1718870412000);
      assert.equal(parseTime('2024-06-20T03:00:12-05:00'), 1718870412000);
      assert.equal(parseTime('2024-06-20 08:00:12Z'), 1718870412000);
    });

    /** parseTime's general way for a string (regular expressions and Date.parse), which its fast path for `…Z` must equal. */
    function general(value: string): number | null {
      const epoch = toEpochMs(value);
      if (epoch !== null) return epoch;
      if (value.length > 64 || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) return null;
      const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : value + 'Z';
      const ms = Date.parse(zoned.replace(' ', 'T'));
      return Number.isFinite(ms) && ms >= 0 ? ms : null;
    }

    it('the fast path for Meraki\'s `YYYY-MM-DDTHH:MM:SS(.sss)Z` equals the general way: edge dates and times', () => {
      const edges = [
        '1970-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2024-02-29T12:00:00Z',
        '2023-02-29T12:00:00Z', '2100-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z',
        '2026-04-30T00:00:00Z', '2026-12-31T00:00:00Z', '2026-12-32T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-01T00:00:00Z',
        '2026-01-00T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T23:59:60Z', '2026-01-01t00:00:00Z',
        '2026-01-01T00:00:00z', '2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00,500Z', '2026-01-01 00:00:00Z', '+02026-01-01T00:00:00Z',
        '2026-01-01T00:00:00.5000Z', '2026-01-01T00:00:0aZ', '2026-1-01T00:00:00.00Z', '2026-01-01T00:00:00+0000', '２０２６-01-01T00:00:00Z',
        '2026/01/01T00:00:00Z', '2026-01-01T00:00:00.-01Z', ' 026-01-01T00:00:00Z', '2026-01-01T00:00:00.00 Z',
      ];
      for (const s of edges) assert.equal(parseTime(s), general(s), s);
    });

    it('property: the fast path equals the general way, for times of any year and for strings one character off', () => {
      const iso = fc.integer({ min: -62167219200000, max: 253402300799999 }).chain((ms) => {
        const t = new Date(ms).toISOString();
        return fc.constantFrom(t, t.replace(/\.\d{3}Z$/, 'Z'));
      });
      const mutated = fc.tuple(iso, fc.nat(), fc.constantFrom(...'0123456789-:.TZtz +/a\u0660')).map(([t, at, c]) => {
        const i = at % t.length;
        return t.slice(0, i) + c + t.slice(i + 1);
      });
      fc.assert(fc.property(fc.oneof(iso, mutated), (s) => assert.equal(parseTime(s), general(s), s)), { numRuns: 20000, seed: 0x7153 });
    });

    it('strings that are not ISO-like → null (Date.parse would accept some)', () => {
      for (const s of ['March 7, 2024', 'Thu, 20 Jun 2024 08:00:12 GMT', '2024-06-20', '20/06/2024 08:00', 'now', '', 'T08:00']) {
        assert.equal(parseTime(s), null, JSON.stringify(s));
      }
    });

    it('impossible dates, times before 1970 and overlong strings → null', () => {
      assert.equal(parseTime('2024-13-01T00:00:00Z'), null);
      assert.equal(parseTime('2024-06-20T25:00:00Z'), null);
      assert.equal(parseTime('1969-12-31T23:59:59Z'), null);
      assert.equal(parseTime('2024-06-20T08:00:12Z' + ' '.repeat(60)), null);
    });

    it('other types → null', () => {
      for (const v of [undefined, null, {}, [], true, -1]) {
        assert.equal(parseTime(v), null, String(v));
      }
    });
  });

  describe('isoUtc (hand-written for speed)', () => {
    it('equals Date#toISOString for any instant, boundaries included', () => {
      for (const v of [0, 1, 999, 86399999, 86400000, 951782400000, 951868800000, 4107542400000, 253402300799999, 253402300800000, -1, 1.5]) {
        assert.equal(isoUtc(v), new Date(v).toISOString(), String(v));
      }
      fc.assert(fc.property(fc.integer({ min: 0, max: 253402300799999 }), (v) => isoUtc(v) === new Date(v).toISOString()), { numRuns: 20000 });
      // Same day twice, then another day: the cached date part must not leak.
      const a = Date.UTC(2024, 1, 29, 23, 59, 59, 999);
      assert.equal(isoUtc(a), '2024-02-29T23:59:59.999Z');
      assert.equal(isoUtc(a + 1), '2024-03-01T00:00:00.000Z');
      assert.equal(isoUtc(a), '2024-02-29T23:59:59.999Z');
    });

    it('whole seconds (kept in 64 slots) equal Date#toISOString too, when seconds 64 apart share a slot', () => {
      const base = Date.UTC(2024, 5, 20, 8, 0, 0);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 1, maxLength: 200 }), fc.constantFrom(0, 64_000, 86_400_000 * 365), (seconds, shift) => {
          for (const s of seconds) {
            const v = base + shift + s * 1000;
            assert.equal(isoUtc(v), new Date(v).toISOString(), String(v));
          }
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('isoUtc', () => {
    it('formats epoch ms as ISO-8601 UTC with milliseconds', () => {
      assert.equal(isoUtc(0), '1970-01-01T00:00:00.000Z');
      assert.equal(isoUtc(1718870412345), '2024-06-20T08:00:12.345Z');
      assert.equal(isoUtc(1642564552000), '2022-01-19T03:55:52.000Z');
    });

    it('round-trips with parseTime', () => {
      for (const ms of [0, 1, 1718870412345, 4102444800000]) {
        assert.equal(parseTime(isoUtc(ms)), ms);
      }
    });
  });
});
