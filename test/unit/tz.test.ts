import { strict as assert } from 'assert';
import fc from 'fast-check';
import { hostTimeZone, isTimeZone, LocalHours } from '../../src/lib/tz';

const MIN = 60_000;
const QUARTER = 15 * MIN;
const HOUR = 3_600_000;
const utc = (s: string): number => Date.parse(s);

function hoursOf(lh: LocalHours, from: number, to: number): number[] {
  const out: number[] = [];
  lh.forEachHour(from, to, (h) => out.push(h));
  return out;
}

/** Independent oracle: the local clock reading from Intl (one formatter per zone, reused). */
const formatters = new Map<string, Intl.DateTimeFormat>();
function clock(t: number, timeZone: string): { hour: number; key: string } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(t);
  const get = (type: string): string => parts.find((p) => p.type === type)!.value;
  // the offset is part of the key: it tells apart the two 01:00 hours of a fall-back night
  return { hour: Number(get('hour')), key: `${get('year')}-${get('month')}-${get('day')} ${get('hour')} ${get('timeZoneName')}` };
}

/**
 * Every local clock hour [from, to] touches, by probing `from` and each quarter hour after it:
 * offsets are whole quarter hours and change only at quarter-hour instants, so the clock's hour
 * (and offset) cannot change inside a quarter.
 */
function oracleHours(from: number, to: number, timeZone: string): number[] {
  const out: number[] = [];
  let prev = '';
  const probes = [from];
  for (let t = Math.floor(from / QUARTER) * QUARTER + QUARTER; t <= to; t += QUARTER) probes.push(t);
  for (const t of probes) {
    const c = clock(t, timeZone);
    if (c.key !== prev) {
      out.push(c.hour);
      prev = c.key;
    }
  }
  return out;
}

const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Asia/Kolkata', // +05:30
  'Asia/Kathmandu', // +05:45
  'America/St_Johns', // −03:30 / −02:30
  'Australia/Lord_Howe', // +10:30 / +11:00: a half-hour DST shift
  'Pacific/Chatham', // +12:45 / +13:45
];

describe('tz', () => {
  describe('hostTimeZone / isTimeZone', () => {
    it('the host zone is a zone Intl knows', () => {
      const z = hostTimeZone();
      assert.equal(typeof z, 'string');
      assert.ok(isTimeZone(z), z);
    });

    it('isTimeZone: IANA names yes, nonsense no', () => {
      for (const z of ['UTC', 'Europe/London', 'Asia/Kolkata', 'America/New_York']) assert.equal(isTimeZone(z), true, z);
      for (const z of ['Mars/Olympus_Mons', 'Not a zone', 'Europe/Londres']) assert.equal(isTimeZone(z), false, z);
    });

    it('LocalHours takes the host zone when none (or a blank one) is given, and trims the name', () => {
      assert.equal(new LocalHours().timeZone, hostTimeZone());
      assert.equal(new LocalHours('  ').timeZone, hostTimeZone());
      assert.equal(new LocalHours(' Asia/Kolkata ').timeZone, 'Asia/Kolkata');
    });
  });

  describe('offset / hourOf', () => {
    it('offsets: London winter 0 and summer +1 h, Kolkata +5:30, New York −5 h / −4 h', () => {
      assert.equal(new LocalHours('Europe/London').offset(utc('2024-01-15T12:00:00Z')), 0);
      assert.equal(new LocalHours('Europe/London').offset(utc('2024-07-15T12:00:00Z')), HOUR);
      assert.equal(new LocalHours('Asia/Kolkata').offset(utc('2024-07-15T12:00:00Z')), 5.5 * HOUR);
      assert.equal(new LocalHours('America/New_York').offset(utc('2024-01-15T12:00:00Z')), -5 * HOUR);
      assert.equal(new LocalHours('America/New_York').offset(utc('2024-07-15T12:00:00Z')), -4 * HOUR);
    });

    it('New York in June (EDT, UTC−4): 03:40Z is 23:40 local → 23; 04:20Z is 00:20 → 0', () => {
      const ny = new LocalHours('America/New_York');
      assert.equal(ny.hourOf(utc('2024-06-20T03:40:00Z')), 23);
      assert.equal(ny.hourOf(utc('2024-06-20T03:59:59.999Z')), 23);
      assert.equal(ny.hourOf(utc('2024-06-20T04:00:00Z')), 0); // local midnight
      assert.equal(ny.hourOf(utc('2024-06-20T04:20:00Z')), 0);
    });

    it('Kolkata (UTC+5:30): local hours begin at hh:30 UTC', () => {
      const k = new LocalHours('Asia/Kolkata');
      // 18:29:59.999Z + 5:30 = 23:59:59.999 → 23; 18:30Z = 00:00 local → 0
      assert.equal(k.hourOf(utc('2024-06-20T18:29:59.999Z')), 23);
      assert.equal(k.hourOf(utc('2024-06-20T18:30:00Z')), 0);
      // 04:00Z = 09:30 local → 9 (a whole-hour zone would say 4 or 5)
      assert.equal(k.hourOf(utc('2024-06-20T04:00:00Z')), 9);
    });

    it('Kathmandu (UTC+5:45): 00:14:59.999Z is 05:59 → 5, 00:15Z is 06:00 → 6', () => {
      const k = new LocalHours('Asia/Kathmandu');
      assert.equal(k.hourOf(utc('2024-06-20T00:14:59.999Z')), 5);
      assert.equal(k.hourOf(utc('2024-06-20T00:15:00Z')), 6);
    });

    it('London spring forward (2024-03-31 01:00Z: 01:00 GMT → 02:00 BST): hour 1 never happens', () => {
      const l = new LocalHours('Europe/London');
      assert.equal(l.hourOf(utc('2024-03-31T00:59:59.999Z')), 0);
      assert.equal(l.hourOf(utc('2024-03-31T01:00:00Z')), 2);
    });

    it('London fall back (2024-10-27 01:00Z: 02:00 BST → 01:00 GMT): hour 1 happens twice', () => {
      const l = new LocalHours('Europe/London');
      assert.equal(l.hourOf(utc('2024-10-27T00:00:00Z')), 1); // 01:00 BST
      assert.equal(l.hourOf(utc('2024-10-27T00:59:59.999Z')), 1); // 01:59 BST
      assert.equal(l.hourOf(utc('2024-10-27T01:00:00Z')), 1); // 01:00 GMT
      assert.equal(l.hourOf(utc('2024-10-27T02:00:00Z')), 2);
    });

    it('instants before 1970 work too (negative epoch)', () => {
      assert.equal(new LocalHours('UTC').hourOf(utc('1969-12-31T23:30:00Z')), 23);
      assert.equal(new LocalHours('Asia/Kolkata').hourOf(utc('1969-12-31T23:30:00Z')), 5); // 05:00 local
    });

    it('property: hourOf agrees with Intl for random instants (1980–2037) in several zones', () => {
      const zones = ZONES.map((z) => new LocalHours(z));
      fc.assert(
        fc.property(fc.integer({ min: utc('1980-01-01T00:00:00Z'), max: utc('2037-12-31T00:00:00Z') }), fc.integer({ min: 0, max: zones.length - 1 }), (t, zi) => {
          assert.equal(zones[zi].hourOf(t), clock(t, ZONES[zi]).hour, `${ZONES[zi]} at ${new Date(t).toISOString()}`);
        }),
        { numRuns: 2000 },
      );
    });

    it('property: hourOf agrees with Intl near DST changes (instants packed around the 2024 transitions)', () => {
      const transitions = ['2024-03-10T07:00:00Z', '2024-11-03T06:00:00Z', '2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z', '2024-04-06T15:00:00Z', '2024-10-05T16:00:00Z'].map(utc);
      const zones = ZONES.map((z) => new LocalHours(z));
      fc.assert(
        fc.property(fc.constantFrom(...transitions), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), fc.integer({ min: 0, max: zones.length - 1 }), (t0, d, zi) => {
          assert.equal(zones[zi].hourOf(t0 + d), clock(t0 + d, ZONES[zi]).hour, `${ZONES[zi]} at ${new Date(t0 + d).toISOString()}`);
        }),
        { numRuns: 1500 },
      );
    });
  });

  describe('forEachHour', () => {
    it('a span inside one hour (or a single instant) visits that hour once', () => {
      const u = new LocalHours('UTC');
      assert.deepEqual(hoursOf(u, utc('2024-06-20T10:05:00Z'), utc('2024-06-20T10:55:00Z')), [10]);
      assert.deepEqual(hoursOf(u, utc('2024-06-20T10:05:00Z'), utc('2024-06-20T10:05:00Z')), [10]);
    });

    it('the bounds are inclusive: ending exactly on the hour touches the next hour', () => {
      const u = new LocalHours('UTC');
      assert.deepEqual(hoursOf(u, utc('2024-06-20T10:05:00Z'), utc('2024-06-20T11:00:00Z')), [10, 11]);
      assert.deepEqual(hoursOf(u, utc('2024-06-20T10:05:00Z'), utc('2024-06-20T10:59:59.999Z')), [10]);
    });

    it('to < from (or NaN) visits nothing', () => {
      const u = new LocalHours('UTC');
      assert.deepEqual(hoursOf(u, 2 * HOUR, HOUR), []);
      assert.deepEqual(hoursOf(u, NaN, HOUR), []);
    });

    it('New York, 23:40 → 00:20 local (03:40Z → 04:20Z in June) crosses midnight: [23, 0]', () => {
      assert.deepEqual(hoursOf(new LocalHours('America/New_York'), utc('2024-06-20T03:40:00Z'), utc('2024-06-20T04:20:00Z')), [23, 0]);
    });

    it('Kolkata, 23:30 → 00:30 local (18:00Z → 19:00Z): [23, 0]; 00:01 → 00:59 local: [0]', () => {
      const k = new LocalHours('Asia/Kolkata');
      assert.deepEqual(hoursOf(k, utc('2024-06-20T18:00:00Z'), utc('2024-06-20T19:00:00Z')), [23, 0]);
      assert.deepEqual(hoursOf(k, utc('2024-06-20T18:31:00Z'), utc('2024-06-20T19:29:00Z')), [0]);
    });

    it('London spring forward: 00:30 GMT → 02:30 BST (00:30Z → 01:30Z) is [0, 2]', () => {
      assert.deepEqual(hoursOf(new LocalHours('Europe/London'), utc('2024-03-31T00:30:00Z'), utc('2024-03-31T01:30:00Z')), [0, 2]);
    });

    it('London fall back: 00:30 BST → 01:30 GMT (2024-10-26T23:30Z → 2024-10-27T01:30Z) is [0, 1, 1]: two distinct clock hours labelled 1', () => {
      // 23:30Z = 00:30 BST (hour 0), 00:00Z = 01:00 BST (hour 1), 01:00Z = 01:00 GMT (hour 1 again)
      assert.deepEqual(hoursOf(new LocalHours('Europe/London'), utc('2024-10-26T23:30:00Z'), utc('2024-10-27T01:30:00Z')), [0, 1, 1]);
    });

    it('Chatham (offset changes at 02:45 local, not on the hour): every clock hour is visited', () => {
      const c = new LocalHours('Pacific/Chatham');
      // DST starts 2024-09-29 02:45 +12:45 → 03:45 +13:45, i.e. at 2024-09-28T14:00Z.
      // 13:45Z = 02:30 (hour 2); 14:00Z = 03:45 (hour 3, for a quarter); 14:15Z = 04:00 (hour 4); 14:20Z = 04:05.
      assert.deepEqual(hoursOf(c, utc('2024-09-28T13:45:00Z'), utc('2024-09-28T14:20:00Z')), [2, 3, 4]);
      // DST ends 2024-04-07 03:45 +13:45 → 02:45 +12:45, i.e. at 2024-04-06T14:00Z.
      // 13:30Z = 03:15 (hour 3); 14:00Z = 02:45 (hour 2); 14:15Z = 03:00 (hour 3 again, a new clock hour).
      assert.deepEqual(hoursOf(c, utc('2024-04-06T13:30:00Z'), utc('2024-04-06T14:20:00Z')), [3, 2, 3]);
    });

    it('hourStart: where the clock hour began, also when the offset changed inside it (Chatham 02:45)', () => {
      const c = new LocalHours('Pacific/Chatham');
      const iso = (t: number): string => new Date(t).toISOString();
      // 13:15Z = 03:00 +13:45 (hour 3 begins); 14:00Z = 02:45 +12:45 (hour 2 again, begun by the change)
      assert.equal(iso(c.hourStart(utc('2024-04-06T13:59:59Z'))), '2024-04-06T13:15:00.000Z');
      assert.equal(iso(c.hourStart(utc('2024-04-06T14:00:00Z'))), '2024-04-06T14:00:00.000Z');
      assert.equal(iso(c.hourStart(utc('2024-04-06T14:14:59Z'))), '2024-04-06T14:00:00.000Z');
      assert.equal(iso(c.hourStart(utc('2024-04-06T14:15:00Z'))), '2024-04-06T14:15:00.000Z');
      // spring: 14:00Z = 03:45 +13:45, a quarter of hour 3 that begins at the change
      assert.equal(iso(c.hourStart(utc('2024-09-28T14:10:00Z'))), '2024-09-28T14:00:00.000Z');
      assert.equal(iso(c.hourStart(utc('2024-09-28T13:59:00Z'))), '2024-09-28T13:15:00.000Z');
    });

    it('property: hourStart of any instant is where forEachHour began its clock hour', () => {
      const around = ['2024-03-10T07:00:00Z', '2024-11-03T06:00:00Z', '2024-10-27T01:00:00Z', '2024-04-06T14:00:00Z', '2024-09-28T14:00:00Z', '2024-04-06T15:30:00Z'].map(utc);
      fc.assert(
        fc.property(fc.constantFrom(...around), fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), fc.constantFrom(...ZONES), (t0, d, zone) => {
          const lh = new LocalHours(zone);
          const t = t0 + d;
          const starts: number[] = [];
          lh.forEachHour(t - 2 * HOUR, t, (_h, at) => starts.push(at));
          // the last clock hour visited holds t; it began at its t unless that is the span's start
          const began = starts.length > 1 ? starts[starts.length - 1] : lh.hourStart(t - 2 * HOUR);
          assert.equal(lh.hourStart(t), began, `${zone} ${new Date(t).toISOString()}`);
        }),
        { numRuns: 300 },
      );
    });

    it('30 hours in UTC: 0..23 then 0..6, hours 0–5 twice', () => {
      const got = hoursOf(new LocalHours('UTC'), utc('2024-06-20T00:30:00Z'), utc('2024-06-21T06:30:00Z'));
      assert.deepEqual(got, [...Array(24).keys(), 0, 1, 2, 3, 4, 5, 6]);
    });

    it('property: spans of a minute to 30 hours visit exactly the clock hours Intl sees, in several zones', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: utc('2023-01-01T00:00:00Z'), max: utc('2025-12-31T00:00:00Z') }),
          fc.integer({ min: 0, max: 30 * 60 }),
          fc.integer({ min: 0, max: 59_999 }),
          fc.constantFrom(...ZONES),
          (from, minutes, ms, zone) => {
            const to = from + minutes * MIN + ms;
            assert.deepEqual(hoursOf(new LocalHours(zone), from, to), oracleHours(from, to, zone), `${zone} ${new Date(from).toISOString()} → ${new Date(to).toISOString()}`);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('property: spans around DST changes visit exactly the clock hours Intl sees', () => {
      const around = ['2024-03-10T07:00:00Z', '2024-11-03T06:00:00Z', '2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z', '2024-04-06T15:00:00Z', '2024-10-05T16:00:00Z'].map(utc);
      fc.assert(
        fc.property(fc.constantFrom(...around), fc.integer({ min: -4 * HOUR, max: HOUR }), fc.integer({ min: 0, max: 6 * 60 }), fc.constantFrom(...ZONES), (t0, d, minutes, zone) => {
          const from = t0 + d;
          const to = from + minutes * MIN;
          assert.deepEqual(hoursOf(new LocalHours(zone), from, to), oracleHours(from, to, zone), `${zone} ${new Date(from).toISOString()} → ${new Date(to).toISOString()}`);
        }),
        { numRuns: 200 },
      );
    });
  });
});
