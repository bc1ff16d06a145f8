import { strict as assert } from 'assert';
import { parse } from 'csv-parse/sync';
import { parseAreas } from '../../src/lib/config-maps';
import { type Crossing, crossingFromRow, crossingInput, crossingRow } from '../../src/lib/crossing';
import { CSV_COLUMNS, headerLine, toCsvLines } from '../../src/lib/csv';
import { DailyReset } from '../../src/lib/daily-reset';
import {
  DUPLICATE_MS, LineCounter, MAX_DUPLICATE_KEYS, MAX_LINES, type HistoryInterval,
} from '../../src/lib/line-counter';
import { lineCounterOptions } from '../../src/lib/line-counter-settings';
import { LocalHours } from '../../src/lib/tz';

const S = 'Q2GV-7HJK-2LMN';
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (t: number): string => new Date(t).toISOString();

/** 2024-06-20 10:00 New York (EDT, UTC−4) = 14:00Z. */
const NY_10 = Date.parse('2024-06-20T14:00:00Z');

let nextId = 1;
function crossing(over: Partial<Crossing> = {}): Crossing {
  return { serial: S, boundaryId: 'k1', label: 'Main entrance', event: 'in', objectType: 'person', objectId: nextId++, ts: NY_10, ...over };
}

function nyCounter(extra: Record<string, unknown> = {}, wall = NY_10 + 30 * MIN): LineCounter {
  return new LineCounter({ timeZone: 'America/New_York', ...extra }, wall);
}

describe('line-counter (src/lib/line-counter.ts)', () => {
  describe('settings', () => {
    it('defaults: person, 24 hours, reset at 04:00', () => {
      assert.deepEqual(lineCounterOptions({}), { objectType: 'person', windowHours: 24, resetAt: '04:00' });
      assert.deepEqual(lineCounterOptions({ objectType: '', windowHours: ' ', resetAt: '' }), { objectType: 'person', windowHours: 24, resetAt: '04:00' });
      assert.deepEqual(lineCounterOptions({ objectType: 'both', windowHours: '48', resetAt: '6:30' }), { objectType: 'both', windowHours: 48, resetAt: '6:30' });
    });

    it('refuses bad settings with readable errors', () => {
      assert.throws(() => lineCounterOptions({ objectType: 'cat' }), /objectType must be person, vehicle or both/);
      assert.throws(() => lineCounterOptions({ windowHours: 0 }), /windowHours/);
      assert.throws(() => lineCounterOptions({ windowHours: 745 }), /windowHours/);
      assert.throws(() => lineCounterOptions({ windowHours: 2.5 }), /windowHours/);
      assert.throws(() => lineCounterOptions({ resetAt: '24:00' }), /not a time of day/);
      assert.throws(() => lineCounterOptions({ resetAt: 'noon' }), /not a time of day/);
    });
  });

  describe('counting per line and local hour', () => {
    it('adds in and out to the local hour of ts, per line', () => {
      const lc = nyCounter();
      lc.add(crossing({ ts: NY_10 + 5 * MIN }), NY_10 + 30 * MIN);
      lc.add(crossing({ ts: NY_10 + 6 * MIN }), NY_10 + 30 * MIN);
      lc.add(crossing({ ts: NY_10 - 1, event: 'out' }), NY_10 + 30 * MIN); // 09:59:59.999 local
      lc.add(crossing({ boundaryId: 'k2', label: 'Side door', event: 'out', ts: NY_10 + 10 * MIN }), NY_10 + 30 * MIN);
      const s = lc.summary(NY_10 + 30 * MIN);
      assert.equal(s.timezone, 'America/New_York');
      assert.equal(s.windowHours, 24);
      assert.equal(s.generatedAt, iso(NY_10 + 30 * MIN));
      assert.deepEqual(s.lines, [
        { serial: S, boundaryId: 'k1', label: 'Main entrance', in: 2, out: 1 },
        { serial: S, boundaryId: 'k2', label: 'Side door', in: 0, out: 1 },
      ]);
      const k1 = s.hourly[`${S}/k1`];
      assert.equal(k1.in[10], 2);
      assert.equal(k1.out[9], 1);
      assert.equal(k1.in.reduce((a, b) => a + b), 2);
      assert.equal(s.hourly[`${S}/k2`].out[10], 1);
    });

    it('counts neither other events nor other object types (person by default; vehicle or both by option)', () => {
      const lc = nyCounter();
      assert.deepEqual(lc.add(crossing({ event: 'expired' }), NY_10), { status: 'ignored', reason: 'event "expired" is not counted' });
      assert.equal(lc.add(crossing({ event: 'appeared' }), NY_10).status, 'ignored');
      assert.equal(lc.add(crossing({ objectType: 'vehicle' }), NY_10).status, 'ignored');
      assert.equal(lc.add(crossing({ objectType: null }), NY_10).status, 'counted', 'no type: a person');
      const v = nyCounter({ objectType: 'vehicle' });
      assert.equal(v.add(crossing(), NY_10).status, 'ignored');
      assert.equal(v.add(crossing({ objectType: 'vehicle' }), NY_10).status, 'counted');
      const both = nyCounter({ objectType: 'both' });
      assert.equal(both.add(crossing(), NY_10).status, 'counted');
      assert.equal(both.add(crossing({ objectType: 'vehicle' }), NY_10).status, 'counted');
      assert.deepEqual(lc.counters, { counted: 1, duplicates: 0, ignored: 3, refused: 0 });
    });

    it('a local hour is a clock hour: half-hour zones and DST days', () => {
      const kolkata = new LineCounter({ timeZone: 'Asia/Kolkata' }, Date.parse('2024-06-20T12:00:00Z'));
      kolkata.add(crossing({ ts: Date.parse('2024-06-20T04:29:00Z') }), Date.parse('2024-06-20T12:00:00Z')); // 09:59 IST
      kolkata.add(crossing({ ts: Date.parse('2024-06-20T04:30:00Z') }), Date.parse('2024-06-20T12:00:00Z')); // 10:00 IST
      const k = kolkata.summary(Date.parse('2024-06-20T12:00:00Z')).hourly[`${S}/k1`].in;
      assert.equal(k[9], 1);
      assert.equal(k[10], 1);
      // London, clocks back at 01:00Z: 01:30 BST and 01:30 GMT are two hours, both at hour 1
      const now = Date.parse('2024-10-27T03:00:00Z');
      const london = new LineCounter({ timeZone: 'Europe/London' }, now);
      assert.notEqual(london.bucketStart(Date.parse('2024-10-27T00:30:00Z')), london.bucketStart(Date.parse('2024-10-27T01:30:00Z')));
      london.add(crossing({ ts: Date.parse('2024-10-27T00:30:00Z') }), now);
      london.add(crossing({ ts: Date.parse('2024-10-27T01:30:00Z') }), now);
      assert.equal(london.summary(now).hourly[`${S}/k1`].in[1], 2);
      // Chatham changes at 03:45 local: a new clock hour starts there
      const chatham = new LineCounter({ timeZone: 'Pacific/Chatham' }, Date.parse('2024-04-06T16:00:00Z'));
      assert.equal(chatham.bucketStart(Date.parse('2024-04-06T14:05:00Z')), Date.parse('2024-04-06T14:00:00Z'));
      assert.equal(chatham.bucketStart(Date.parse('2024-04-06T13:30:00Z')), Date.parse('2024-04-06T13:15:00Z'));
    });

    it('the summary covers the current local hour and the windowHours − 1 before it; what falls in one hour of day adds up', () => {
      const wall = NY_10 + 30 * MIN;
      const lc = nyCounter({ windowHours: 3 }, wall);
      assert.equal(lc.add(crossing({ ts: NY_10 - 2 * HOUR }), wall).status, 'counted'); // 08:00, first hour of the window
      assert.equal(lc.add(crossing({ ts: NY_10 - 2 * HOUR - 1 }), wall).status, 'refused'); // 07:59:59.999
      const s = lc.summary(wall);
      assert.equal(s.lines[0].in, 1);
      assert.equal(s.hourly[`${S}/k1`].in[8], 1);
      // an hour later 08:00 has left the window
      assert.equal(lc.summary(wall + HOUR).lines[0].in, 0);
      const day = nyCounter({}, wall);
      day.add(crossing({ ts: NY_10 - 23 * HOUR }), wall); // yesterday 11:00
      day.add(crossing({ ts: NY_10 + HOUR }), wall + HOUR + MIN); // today 11:00
      assert.equal(day.summary(wall + HOUR + MIN).hourly[`${S}/k1`].in[11], 1, 'yesterday 11:00 left as today 11:00 began');
    });

    it('refuses crossings more than 5 minutes ahead of the clock, or older than the window', () => {
      const lc = nyCounter();
      const wall = NY_10;
      assert.equal(lc.add(crossing({ ts: wall + 5 * MIN }), wall).status, 'counted');
      const r = lc.add(crossing({ ts: wall + 5 * MIN + 1 }), wall);
      assert.equal(r.status, 'refused');
      assert.match((r as { reason: string }).reason, /more than 300 s ahead of the clock/);
      assert.match((lc.add(crossing({ ts: wall - 25 * HOUR }), wall) as { reason: string }).reason, /older than the 24-hour window/);
      assert.equal(lc.add(crossing({ ts: 0 }), wall).status, 'refused');
      assert.equal(lc.counters.refused, 3);
    });
  });

  describe('duplicates', () => {
    it('the same serial, boundary, objectId and event within 2 s of the counted one count once', () => {
      const lc = nyCounter();
      const w = NY_10 + MIN;
      const base = { objectId: 7, ts: NY_10 };
      assert.equal(lc.add(crossing(base), w).status, 'counted');
      assert.equal(lc.add(crossing(base), w).status, 'duplicate', 'the same message again');
      assert.equal(lc.add(crossing({ ...base, ts: NY_10 + DUPLICATE_MS }), w).status, 'duplicate', '2 s later: still one');
      assert.equal(lc.add(crossing({ ...base, ts: NY_10 - 1500 }), w).status, 'duplicate', 'arriving out of order');
      assert.equal(lc.add(crossing({ ...base, ts: NY_10 + DUPLICATE_MS + 1 }), w).status, 'counted', 'just over 2 s after the counted one');
      assert.equal(lc.add(crossing({ ...base, event: 'out' }), w).status, 'counted', 'another event');
      assert.equal(lc.add(crossing({ ...base, boundaryId: 'k2' }), w).status, 'counted', 'another line');
      assert.equal(lc.add(crossing({ ...base, serial: 'Q2GV-0000-0000' }), w).status, 'counted', 'another camera');
      assert.equal(lc.add(crossing({ ...base, serial: S.toLowerCase(), ts: NY_10 + 1 }), w).status, 'duplicate', 'serials match whatever their case');
      assert.equal(lc.add(crossing({ objectId: null }), w).status, 'counted');
      assert.equal(lc.add(crossing({ objectId: null }), w).status, 'counted', 'no objectId: never a duplicate');
      assert.equal(lc.counters.duplicates, 4);
    });

    it('a copy delivered an hour later (a resumed MQTT session) still counts once: crossings are remembered while they are inside the window', () => {
      const lc = nyCounter();
      const base = { objectId: 7, ts: NY_10 };
      assert.equal(lc.add(crossing(base), NY_10 + 1000).status, 'counted');
      for (let m = 1; m <= 60; m++) lc.rollover(NY_10 + m * MIN); // the hours roll on meanwhile
      assert.equal(lc.add(crossing(base), NY_10 + HOUR - 10).status, 'duplicate');
      assert.equal(lc.counters.counted, 1);
    });

    it('remembers a bounded number of crossings', () => {
      const lc = nyCounter();
      const w = NY_10 + MIN;
      for (let i = 0; i <= MAX_DUPLICATE_KEYS; i++) lc.add(crossing({ objectId: `o${i}` }), w);
      assert.equal(lc.counters.counted, MAX_DUPLICATE_KEYS + 1);
      assert.equal(lc.add(crossing({ objectId: `o${MAX_DUPLICATE_KEYS}` }), w).status, 'duplicate', 'the newest is remembered');
      assert.equal(lc.add(crossing({ objectId: 'o0' }), w).status, 'counted', 'the oldest was forgotten');
      assert.ok((lc as unknown as { seen: Map<string, number> }).seen.size <= MAX_DUPLICATE_KEYS);
    });
  });

  describe('areas and occupancy', () => {
    const MAP = `Lobby: ${S}/k1, ${S}/k2 reversed\nCafé: ${S}/k3`;

    it('from the map: in enters, out exits, a reversed line the other way round; occupancy never below 0; peak', () => {
      const lc = nyCounter({ areas: parseAreas(MAP) });
      const w = NY_10 + MIN;
      // two leave through the main entrance before anyone came in (the camera started late): floor at 0
      lc.add(crossing({ event: 'out' }), w);
      lc.add(crossing({ event: 'out' }), w);
      for (let i = 0; i < 3; i++) lc.add(crossing(), w); // 3 in by the entrance
      const r = lc.add(crossing({ boundaryId: 'k2', event: 'out' }), w); // reversed: out of k2 enters the lobby
      assert.equal(r.status, 'counted');
      assert.deepEqual(r.status === 'counted' && r.areas, [{ name: 'Lobby', occupancy: 4, enters: 4, exits: 2, peakOccupancy: 4, lines: [`${S}/k1`, `${S}/k2`] }]);
      lc.add(crossing({ boundaryId: 'k2', event: 'in' }), w); // leaves by the side door
      lc.add(crossing({ boundaryId: 'k9' }), w); // a line in no area: counted for the line only
      const s = lc.summary(w);
      assert.deepEqual(s.areas, [
        { name: 'Lobby', occupancy: 3, enters: 4, exits: 3, peakOccupancy: 4, lines: [`${S}/k1`, `${S}/k2`] },
        { name: 'Café', occupancy: 0, enters: 0, exits: 0, peakOccupancy: 0, lines: [`${S}/k3`] },
      ]);
      assert.deepEqual(s.lines.map((l) => l.boundaryId), ['k1', 'k2', 'k3', 'k9'], 'lines of the map are listed before their first crossing');
    });

    it('a line between two areas enters one as it leaves the other', () => {
      const lc = nyCounter({ areas: parseAreas(`Hall: ${S}/k1\nStreet: ${S}/k1 reversed`) });
      lc.add(crossing({ event: 'out' }), NY_10);
      lc.add(crossing(), NY_10);
      lc.add(crossing(), NY_10);
      assert.deepEqual(lc.summary(NY_10).areas.map((a) => [a.name, a.occupancy, a.enters, a.exits]), [['Hall', 2, 2, 1], ['Street', 0, 1, 2]]);
    });

    it('without a map every line is its own area, named by its label (the API name wins) or its boundary id', () => {
      const lc = nyCounter();
      lc.add(crossing({ boundaryId: 'k1', label: 'Main entrance' }), NY_10);
      lc.add(crossing({ boundaryId: 'k2', label: null }), NY_10);
      lc.add(crossing({ serial: 'Q2GV-0000-0000', boundaryId: 'k7', label: 'Main entrance' }), NY_10);
      lc.learnLines(S, [{ id: 'k2', name: 'Side door' }, { id: 'k3', name: null }]);
      const s = lc.summary(NY_10);
      assert.deepEqual(s.areas.map((a) => [a.name, a.occupancy, a.lines]), [
        ['Main entrance', 1, [`${S}/k1`]],
        ['Main entrance (Q2GV-0000-0000/k7)', 1, ['Q2GV-0000-0000/k7']],
        ['Side door', 1, [`${S}/k2`]],
        ['k3', 0, [`${S}/k3`]],
      ]);
      assert.equal(s.lines.find((l) => l.boundaryId === 'k2')!.label, 'Side door');
      assert.equal(s.lines.find((l) => l.boundaryId === 'k3')!.label, null);
    });

    it('starts again at resetAt local time each day; crossings from before the reset no longer move the areas', () => {
      // 03:50 New York on 2024-06-21 = 07:50Z; resetAt 04:00 = 08:00Z
      const before = Date.parse('2024-06-21T07:50:00Z');
      const lc = nyCounter({ areas: parseAreas(`Lobby: ${S}/k1`) }, before);
      lc.add(crossing({ ts: before }), before);
      lc.add(crossing({ ts: before }), before);
      assert.equal(lc.summary(before).areas[0].occupancy, 2);
      const after = Date.parse('2024-06-21T08:00:00Z');
      assert.deepEqual(lc.summary(after).areas[0], { name: 'Lobby', occupancy: 0, enters: 0, exits: 0, peakOccupancy: 0, lines: [`${S}/k1`] });
      lc.add(crossing({ ts: after - 1000 }), after + 1000); // late: 03:59:59 → the line's hour 3, not the area
      lc.add(crossing({ ts: after + 500 }), after + 1000);
      const s = lc.summary(after + 1000);
      assert.equal(s.areas[0].enters, 1);
      assert.equal(s.hourly[`${S}/k1`].in[3], 3);
      assert.equal(lc.lastResetAt, after);
    });
  });

  describe('daily reset across DST (src/lib/daily-reset.ts)', () => {
    const ny = new DailyReset(new LocalHours('America/New_York'), '04:00');

    it('last() and next() on an ordinary day', () => {
      const t = Date.parse('2024-06-20T14:00:00Z');
      assert.equal(iso(ny.last(t)), '2024-06-20T08:00:00.000Z');
      assert.equal(iso(ny.next(t)), '2024-06-21T08:00:00.000Z');
      assert.equal(ny.last(Date.parse('2024-06-20T08:00:00Z')), Date.parse('2024-06-20T08:00:00Z'), 'at the reset itself');
      assert.equal(iso(ny.last(Date.parse('2024-06-20T07:59:59Z'))), '2024-06-19T08:00:00.000Z');
    });

    it('the days the clocks change: 04:00 is 23 or 25 hours after the day before', () => {
      assert.equal(iso(ny.next(Date.parse('2024-03-09T12:00:00Z'))), '2024-03-10T08:00:00.000Z'); // EDT from 2024-03-10 07:00Z
      assert.equal(ny.next(Date.parse('2024-03-10T08:00:00Z')) - Date.parse('2024-03-10T08:00:00Z'), 24 * HOUR);
      assert.equal(Date.parse('2024-03-10T08:00:00Z') - ny.last(Date.parse('2024-03-10T07:59:00Z')), 23 * HOUR);
      assert.equal(iso(ny.next(Date.parse('2024-11-02T12:00:00Z'))), '2024-11-03T09:00:00.000Z'); // EST from 2024-11-03 06:00Z
      assert.equal(Date.parse('2024-11-03T09:00:00Z') - ny.last(Date.parse('2024-11-03T08:59:00Z')), 25 * HOUR);
    });

    it('a reset time the clocks skip happens when they jump; one they repeat happens once', () => {
      const skip = new DailyReset(new LocalHours('America/New_York'), '02:30');
      assert.equal(iso(skip.next(Date.parse('2024-03-10T05:00:00Z'))), '2024-03-10T07:00:00.000Z'); // 02:00 EST → 03:00 EDT
      const twice = new DailyReset(new LocalHours('America/New_York'), '01:30');
      const first = Date.parse('2024-11-03T05:30:00Z'); // 01:30 EDT
      assert.equal(twice.next(Date.parse('2024-11-03T04:00:00Z')), first);
      assert.equal(twice.last(Date.parse('2024-11-03T06:45:00Z')), first, '01:30 EST again: no second reset');
      assert.equal(iso(twice.next(first)), '2024-11-04T06:30:00.000Z');
      const london = new DailyReset(new LocalHours('Europe/London'), '01:30');
      assert.equal(iso(london.next(Date.parse('2024-03-31T00:00:00Z'))), '2024-03-31T01:00:00.000Z');
      const chatham = new DailyReset(new LocalHours('Pacific/Chatham'), '03:00');
      assert.equal(iso(chatham.next(Date.parse('2024-04-06T12:00:00Z'))), '2024-04-06T13:15:00.000Z'); // 03:00 +13:45
      assert.equal(iso(chatham.next(Date.parse('2024-04-06T13:15:00Z'))), '2024-04-07T14:15:00.000Z'); // 03:00 +12:45
    });

    it('an area is reset once on the day the clocks go back', () => {
      const reset = '01:30';
      const lc = new LineCounter({ timeZone: 'America/New_York', resetAt: reset, areas: parseAreas(`Lobby: ${S}/k1`) }, Date.parse('2024-11-03T05:00:00Z'));
      lc.add(crossing({ ts: Date.parse('2024-11-03T05:40:00Z') }), Date.parse('2024-11-03T05:40:00Z')); // after the first 01:30
      lc.add(crossing({ ts: Date.parse('2024-11-03T06:40:00Z') }), Date.parse('2024-11-03T06:40:00Z')); // after the second
      assert.equal(lc.summary(Date.parse('2024-11-03T06:41:00Z')).areas[0].occupancy, 2);
    });
  });

  describe('rebuild from crossings.csv', () => {
    it('rows of the counted crossings give the same figures again, text from strangers included', () => {
      const wall = NY_10 + 50 * MIN;
      const areas = parseAreas(`Lobby: ${S}/k1, ${S}/k2 reversed`);
      const live = nyCounter({ areas }, wall);
      const rows: Record<string, unknown>[] = [];
      const send = (c: Crossing): void => {
        if (live.add(c, wall).status === 'counted') rows.push(crossingRow(c));
      };
      send(crossing({ event: 'out' }));
      for (let i = 0; i < 5; i++) send(crossing({ ts: NY_10 - 2 * HOUR + i * MIN }));
      send(crossing({ objectId: 5, ts: NY_10 + MIN }));
      send(crossing({ objectId: 5, ts: NY_10 + MIN + 100 })); // duplicate: no row
      send(crossing({ event: 'expired' })); // not counted: no row
      send(crossing({ boundaryId: 'k2', label: '=HYPERLINK("http://x")', objectId: 'a,"b"', event: 'in' }));
      send(crossing({ boundaryId: 'k2', label: '<img src=x onerror=alert(1)>', event: 'out', objectType: null }));
      assert.equal(rows.length, 9);
      const text = headerLine(CSV_COLUMNS.crossings) + toCsvLines(rows, CSV_COLUMNS.crossings);
      assert.match(text, /,"'=HYPERLINK/, 'defused in the file');
      const back = nyCounter({ areas }, wall);
      for (const row of parse(text, { columns: true }) as Record<string, string>[]) {
        const c = crossingFromRow(row);
        assert.ok(c, JSON.stringify(row));
        assert.equal(back.add(c, wall, true).status, 'counted');
      }
      assert.deepEqual(back.summary(wall), live.summary(wall));
      assert.equal(back.summary(wall).lines[1].label, '<img src=x onerror=alert(1)>');
    });

    it('with a window shorter than the day, rows older than the window still rebuild the areas since the reset', () => {
      const wall = NY_10 + 30 * MIN; // reset at 04:00, window 2 hours (09:00–10:59)
      const areas = parseAreas(`Lobby: ${S}/k1`);
      const live = nyCounter({ windowHours: 2, areas }, NY_10 - 5 * HOUR);
      const rows: Crossing[] = [];
      for (const ts of [NY_10 - 5 * HOUR, NY_10 - 4 * HOUR, NY_10 - 30 * MIN]) {
        const c = crossing({ ts });
        if (live.add(c, ts + MIN).status === 'counted') rows.push(c);
      }
      const back = nyCounter({ windowHours: 2, areas }, wall);
      for (const c of rows) back.add(c, wall, true);
      assert.deepEqual(back.summary(wall), live.summary(wall));
      assert.equal(back.summary(wall).areas[0].enters, 3);
      assert.equal(back.summary(wall).lines[0].in, 1);
      assert.equal(back.add(crossing({ ts: NY_10 - 7 * HOUR }), wall, true).status, 'refused', 'before the reset and the window');
    });

    it('a crossing and its row: what goes in comes back', () => {
      const c = crossing({ label: '  Main\u0000 entrance\n', objectId: 4127 });
      const input = crossingInput({ kind: 'crossing', ...c, time: iso(c.ts) });
      assert.ok(input && typeof input === 'object');
      assert.equal(input.label, 'Main  entrance');
      assert.deepEqual(crossingRow(input), { time: iso(NY_10), serial: S, boundaryId: 'k1', label: 'Main  entrance', event: 'in', objectType: 'person', objectId: 4127 });
      assert.deepEqual(crossingFromRow((parse(toCsvLines([crossingRow(input)], CSV_COLUMNS.crossings), { columns: [...CSV_COLUMNS.crossings] }) as Record<string, string>[])[0]), input);
      assert.equal(crossingFromRow({ time: 'yesterday', serial: S, boundaryId: 'k1', event: 'in' }), null);
    });

    it('crossingInput: other MV kinds are passed over (null), junk gets a reason', () => {
      assert.equal(crossingInput({ kind: 'counts', serial: S, zone: '0', ts: 1, people: 1 }), null);
      assert.match(String(crossingInput('text')), /crossing object/);
      assert.match(String(crossingInput({ kind: 'crossing', serial: S, boundaryId: 'k1', event: 'in' })), /ts/);
      assert.match(String(crossingInput({ kind: 'crossing', serial: '', boundaryId: 'k1', event: 'in', ts: 1 })), /serial/);
      assert.match(String(crossingInput({ kind: 'crossing', serial: S, boundaryId: 'k'.repeat(200), event: 'in', ts: 1 })), /boundaryId/);
      assert.match(String(crossingInput({ kind: 'crossing', serial: S, boundaryId: 'k1', event: { a: 1 }, ts: 1 })), /event/);
      assert.match(String(crossingInput({ kind: 5 })), /kind/);
      const long = crossingInput({ kind: 'crossing', serial: S, boundaryId: 'k1', event: 'in', ts: 1, label: 'x'.repeat(5000), objectId: { a: 1 } });
      assert.ok(long && typeof long === 'object');
      assert.equal(long.label!.length, 100, 'labels are cut to 100 characters');
      assert.equal(long.objectId, null);
    });
  });

  describe('hours from the Dashboard API (byInterval)', () => {
    // Node-RED started at 10:20 New York; the API knows 08:00 and 09:00 (and 10:00 once it ended)
    const started = NY_10 + 20 * MIN;
    const MAP = parseAreas(`Lobby: ${S}/k1`);
    const iv = (hourStart: number, i: number, o: number, objectType: string | null = 'person'): HistoryInterval => ({ boundaryId: 'k1', start: hourStart, end: hourStart + HOUR, objectType, in: i, out: o });

    it('asks for the whole hours inside the window that began before the start and have ended, once', () => {
      const lc = nyCounter({ windowHours: 4, areas: MAP }, started);
      const req = lc.historyWanted(started, started);
      assert.ok(req);
      assert.deepEqual(req.keys, [`${S}/k1`]);
      assert.deepEqual(req.boundaryIds, ['k1']);
      assert.deepEqual(req.ranges.map((r) => [iso(r.start), iso(r.end)]), [[iso(NY_10 - 3 * HOUR), iso(NY_10)]]);
      lc.mergeHistory(req, [], started);
      assert.equal(lc.historyWanted(started + MIN, started), null, 'asked already');
      // 10:00–11:00 (when Node-RED started) is asked for once it is over (and the API had 2 minutes)
      assert.equal(lc.historyWanted(NY_10 + HOUR + MIN, started), null);
      const later = lc.historyWanted(NY_10 + HOUR + 2 * MIN, started);
      assert.deepEqual(later?.ranges.map((r) => [iso(r.start), iso(r.end)]), [[iso(NY_10), iso(NY_10 + HOUR)]]);
      lc.learnLines(S, [{ id: 'k5', name: 'New line' }]);
      const fresh = lc.historyWanted(NY_10 + HOUR + 3 * MIN, started);
      assert.deepEqual(fresh?.keys, [`${S}/k1`, `${S}/k5`], 'a line learnt later is filled too');
    });

    it('takes the larger of the two figures per hour, never their sum, and never merges an hour twice', () => {
      const lc = nyCounter({ areas: MAP }, started);
      for (let i = 0; i < 3; i++) lc.add(crossing({ ts: NY_10 - HOUR + 50 * MIN }), started); // seen before the restart (CSV)
      lc.add(crossing({ ts: NY_10 + 25 * MIN }), started + 5 * MIN); // live
      const req = lc.historyWanted(started, started)!;
      const answer = [iv(NY_10 - 2 * HOUR, 4, 1), iv(NY_10 - HOUR, 5, 2), iv(NY_10 - HOUR, 1, 0, 'vehicle')];
      lc.mergeHistory(req, answer, started + 5 * MIN);
      let s = lc.summary(started + 5 * MIN);
      const h = s.hourly[`${S}/k1`];
      assert.deepEqual([h.in[8], h.in[9], h.in[10], h.out[8], h.out[9]], [4, 5, 1, 1, 2]);
      assert.deepEqual([s.lines[0].in, s.lines[0].out], [10, 3]);
      lc.mergeHistory(req, answer, started + 6 * MIN);
      s = lc.summary(started + 6 * MIN);
      assert.deepEqual([s.lines[0].in, s.lines[0].out], [10, 3], 'the same answer again changes nothing');
    });

    it('the areas get what the API adds since the reset; a crossing that arrives later for that hour moves nothing twice', () => {
      const lc = nyCounter({ areas: MAP }, started);
      lc.add(crossing({ ts: NY_10 - HOUR + 10 * MIN }), started); // 09:10, from the CSV
      const req = lc.historyWanted(started, started)!;
      lc.mergeHistory(req, [iv(NY_10 - HOUR, 3, 1), iv(NY_10 - 7 * HOUR, 9, 0)], started); // 03:00 is before the 04:00 reset
      assert.deepEqual(lc.summary(started).areas[0], { name: 'Lobby', occupancy: 2, enters: 3, exits: 1, peakOccupancy: 3, lines: [`${S}/k1`] });
      // the rest of 09:00 arrives late (a broker backlog): already in the API's figure
      lc.add(crossing({ ts: NY_10 - HOUR + 20 * MIN }), started + MIN);
      lc.add(crossing({ ts: NY_10 - HOUR + 30 * MIN }), started + MIN);
      assert.deepEqual(lc.summary(started + MIN).areas[0], { name: 'Lobby', occupancy: 2, enters: 3, exits: 1, peakOccupancy: 3, lines: [`${S}/k1`] });
      // one more than the API saw: that one counts
      lc.add(crossing({ ts: NY_10 - HOUR + 40 * MIN }), started + MIN);
      const s = lc.summary(started + MIN);
      assert.deepEqual([s.areas[0].enters, s.areas[0].occupancy, s.hourly[`${S}/k1`].in[9], s.hourly[`${S}/k1`].in[3]], [4, 3, 4, 9]);
    });
  });

  describe('bounds', () => {
    it(`keeps at most ${MAX_LINES} lines`, () => {
      const lc = nyCounter();
      for (let i = 0; i < MAX_LINES; i++) assert.equal(lc.add(crossing({ boundaryId: `k${i}` }), NY_10).status, 'counted');
      const r = lc.add(crossing({ boundaryId: 'one-too-many' }), NY_10);
      assert.deepEqual(r, { status: 'refused', reason: `more than ${MAX_LINES} lines` });
      lc.learnLines(S, [{ id: 'another', name: 'x' }]);
      assert.equal(lc.lineCount, MAX_LINES);
      assert.equal(lc.add(crossing({ boundaryId: 'k0' }), NY_10).status, 'counted', 'known lines still count');
    });

    it('forgets hours as they leave the window', () => {
      const lc = nyCounter({ windowHours: 2 });
      lc.add(crossing({ ts: NY_10 }), NY_10);
      lc.summary(NY_10 + 3 * HOUR);
      const line = (lc as unknown as { lines: Map<string, { buckets: Map<number, unknown> }> }).lines.get(`${S}/k1`)!;
      assert.equal(line.buckets.size, 0);
    });
  });

  describe('parseAreas (src/lib/config-maps.ts)', () => {
    it('reads `name: serial/boundaryId [reversed], ...`, one area per line or | between them', () => {
      assert.deepEqual(parseAreas(`Lobby: q2gv-7hjk-2lmn/k1, ${S}/k2 REVERSED | # comment\n\nCafé= ${S}/k3`), [
        { name: 'Lobby', lines: [{ key: `${S}/k1`, reversed: false }, { key: `${S}/k2`, reversed: true }] },
        { name: 'Café', lines: [{ key: `${S}/k3`, reversed: false }] },
      ]);
      assert.deepEqual(parseAreas(`A: ${S}/k1\nA: ${S}/k2`), [{ name: 'A', lines: [{ key: `${S}/k1`, reversed: false }, { key: `${S}/k2`, reversed: false }] }]);
      assert.deepEqual(parseAreas(''), []);
      assert.deepEqual(parseAreas(undefined), []);
    });

    it('names the line that cannot be read', () => {
      assert.throws(() => parseAreas('Lobby'), /line 1: expected "key: value"/);
      assert.throws(() => parseAreas('Lobby:'), /line 1: no line after "Lobby"/);
      assert.throws(() => parseAreas(`\nLobby: ${S}`), /line 2: "Q2GV-7HJK-2LMN" is not <serial>\/<boundaryId>/);
      assert.throws(() => parseAreas(`Lobby: ${S}/k1 backwards`), /is not <serial>\/<boundaryId>/);
      assert.throws(() => parseAreas(`Lobby: ${S}/k1, ${S}/k1 reversed`), /listed twice/);
      assert.throws(() => parseAreas(`${'x'.repeat(101)}: ${S}/k1`), /longer than 100/);
    });
  });
});
