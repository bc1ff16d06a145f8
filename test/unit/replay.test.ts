import { strict as assert } from 'assert';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { correlationRows, type Correlation } from '../../src/lib/correlate';
import { CSV_COLUMNS, headerLine, toCsvLines } from '../../src/lib/csv';
import { activityFromRow, CorrelationRows, observationFromRow, readCsvSince, replayInto } from '../../src/lib/replay';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const T0 = Date.parse('2024-06-01T00:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();

let dir = '';
let n = 0;
const tmp = (): string => path.join(dir, `f${n++}.csv`);

/** A file as csv-store writes it: the header line, then one line per record (csv.ts). */
async function writeCsv(file: string, columns: readonly string[], records: Record<string, unknown>[]): Promise<void> {
  await fsp.writeFile(file, headerLine(columns) + toCsvLines(records, columns));
}

async function readAll(file: string, column: string, since: number): Promise<{ count: number; rows: Record<string, string>[] }> {
  const rows: Record<string, string>[] = [];
  const count = await readCsvSince(file, column, since, (r) => rows.push(r));
  return { count, rows };
}

const obsRecord = (t: number, i: number): Record<string, unknown> => ({
  time: iso(t),
  clientMac: `aa:bb:cc:00:${(i % 256).toString(16).padStart(2, '0')}:01`,
  apMac: 'e0:55:3d:10:4a:c1',
  rssi: 20 + (i % 50),
  ssid: 'guest',
  manufacturer: 'Apple',
  os: null,
  ipv4: '10.0.0.7',
  lat: 51.5,
  lng: -0.12,
  unc: 3.2,
  x: [],
  y: [],
  floor: null,
  networkId: 'N_1',
  radio: 'wifi',
  version: '3.0',
});

describe('replay', () => {
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'replay-test-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  describe('readCsvSince', () => {
    it('a missing file gives 0 rows (no error)', async () => {
      const { count, rows } = await readAll(path.join(dir, 'nope.csv'), 'time', 0);
      assert.equal(count, 0);
      assert.deepEqual(rows, []);
    });

    it('an empty file, or one with only a header, gives 0 rows', async () => {
      const empty = tmp();
      await fsp.writeFile(empty, '');
      assert.equal((await readAll(empty, 'time', 0)).count, 0);
      const header = tmp();
      await fsp.writeFile(header, headerLine(CSV_COLUMNS.cmxData));
      assert.equal((await readAll(header, 'time', 0)).count, 0);
    });

    it('a file without the time column throws naming the file and the column', async () => {
      const f = tmp();
      await writeCsv(f, ['a', 'b'], [{ a: 1, b: 2 }]);
      await assert.rejects(readCsvSince(f, 'time', 0, () => undefined), (err: Error) => err.message.includes(f) && err.message.includes('time'));
    });

    it('returns the records (keyed by the header, as strings) whose time is ≥ since; since itself included', async () => {
      const f = tmp();
      const times = [T0, T0 + MIN - 1, T0 + MIN, T0 + 2 * MIN];
      await writeCsv(f, CSV_COLUMNS.cmxData, times.map((t, i) => obsRecord(t, i)));
      const { count, rows } = await readAll(f, 'time', T0 + MIN);
      assert.equal(count, 2);
      assert.deepEqual(rows.map((r) => r.time), [iso(T0 + MIN), iso(T0 + 2 * MIN)]);
      assert.deepEqual(Object.keys(rows[0]), [...CSV_COLUMNS.cmxData]);
      assert.equal(rows[0].rssi, '22');
      assert.equal(rows[0].os, '');
      assert.equal(rows[0].x, '[]');
    });

    it('defused cells stay defused in the records (the *FromRow helpers undo it); a defused header name is undone', async () => {
      const f = tmp();
      await writeCsv(f, ['time', '-note'], [{ time: iso(T0), '-note': '=SUM(A1)' }]);
      const text = await fsp.readFile(f, 'utf8');
      assert.equal(text, "time,'-note\n2024-06-01T00:00:00.000Z,'=SUM(A1)\n", 'as written');
      const { rows } = await readAll(f, 'time', 0);
      assert.deepEqual(rows, [{ time: iso(T0), '-note': "'=SUM(A1)" }]);
    });

    it('a large file (200 000 rows over 4 days): exactly the rows since the time, the old part never parsed', async function () {
      this.timeout(30_000); // room for writing ~30 MB on a slow disk; nothing here measures time
      const f = tmp();
      const N = 200_000;
      const step = (4 * 24 * HOUR) / N; // 1.728 s
      // 64 distinct lines from toCsvLines, with the time spliced in (the time column is never quoted)
      const templates = toCsvLines(
        Array.from({ length: 64 }, (_, i) => obsRecord(0, i * 7)),
        CSV_COLUMNS.cmxData,
      )
        .split('\n')
        .slice(0, 64)
        .map((l) => l.slice(l.indexOf(',')));
      const since = T0 + 4 * 24 * HOUR - 5 * HOUR - 123; // the last ~5 hours
      const parts: string[] = [headerLine(CSV_COLUMNS.cmxData)];
      let expected = 0;
      for (let i = 0; i < N; i++) {
        let t = Math.round(T0 + i * step);
        // Far out of order, deep in the old part: a row stamped inside the window. Files are read
        // from about an hour before `since` (SPEC: only the part inside the window is read), so
        // this row is not returned; that proves the search skipped the old part.
        if (i === 1000) t = since + 10 * MIN;
        else if (t >= since) expected += 1;
        parts.push(iso(t) + templates[i % 64] + '\n');
      }
      await fsp.writeFile(f, parts.join(''));
      const { count, rows } = await readAll(f, 'time', since);
      assert.equal(count, expected);
      assert.equal(rows.length, expected);
      assert.ok(expected > 10_000 && expected < 11_000, `about 5 h of rows (${expected})`);
      assert.ok(rows.every((r) => Date.parse(r.time) >= since));
      assert.equal(rows[0].time, iso(Math.round(T0 + Math.ceil((since - T0) / step) * step)));
      assert.equal(rows[rows.length - 1].time, iso(Math.round(T0 + (N - 1) * step)));
      // every row came through whole
      assert.ok(rows.every((r) => r.version === '3.0' && r.clientMac.startsWith('aa:bb:cc:00:')));
    });

    it('rows slightly out of order around `since` are all found, and nothing older than since', async function () {
      this.timeout(20_000); // file writing only; nothing here measures time
      const f = tmp();
      const since = T0 + 20 * HOUR;
      const records: Record<string, unknown>[] = [];
      // 24 hours of a row every 5 s, then shuffle each run of 40 rows (±2 min) to mimic late arrivals
      const times: number[] = [];
      for (let t = T0; t < T0 + 24 * HOUR; t += 5 * S) times.push(t);
      for (let i = 0; i + 40 <= times.length; i += 40) {
        const chunk = times.slice(i, i + 40);
        for (let k = 0; k < 40; k++) times[i + k] = chunk[(k * 17) % 40];
      }
      times.forEach((t, i) => records.push(obsRecord(t, i)));
      await writeCsv(f, CSV_COLUMNS.cmxData, records);
      const { count, rows } = await readAll(f, 'time', since);
      const expected = times.filter((t) => t >= since).sort((a, b) => a - b);
      assert.equal(count, expected.length);
      assert.deepEqual(rows.map((r) => Date.parse(r.time)).sort((a, b) => a - b), expected);
    });

    it('multi-byte text and quoted fields in the old part do not make it lose rows', async function () {
      this.timeout(20_000); // file writing only; nothing here measures time
      // Crafted: rows every 5 s for 10 h, all plain ASCII but one (03:45:00Z) holding multi-byte text
      // and a quoted field near its end. Simulating the binary search shows its last probe lands at
      // the start of that row. If the search measured the line break in characters instead of bytes
      // it would start reading 14 bytes early, at the closing quote of `"a, b"`, and csv-parse would
      // read the rest of the file as one unterminated quoted field: 0 rows instead of 3600.
      const f = tmp();
      const records: Record<string, unknown>[] = [];
      let i = 0;
      for (let t = T0; t < T0 + 10 * HOUR; t += 5 * S, i++) {
        const special = i === 2700;
        records.push({
          time: iso(t), clientMac: 'aa:bb:cc:00:00:01', apMac: 'e0:55:3d:10:4a:c1', rssi: 50,
          ssid: special ? '日本語日本語日' : 'abcdefghijklmnopqrstu', // 21 bytes either way
          floor: special ? 'a, b' : 'ab; cd', // 6 bytes either way ("a, b" is quoted)
          networkId: 'N_1', radio: 'ble', version: '3.0',
        });
      }
      assert.equal(records[2700].time, '2024-06-01T03:45:00.000Z');
      await writeCsv(f, CSV_COLUMNS.cmxData, records);
      const since = Date.parse('2024-06-01T05:00:00Z');
      const { count, rows } = await readAll(f, 'time', since);
      assert.equal(count, 3600); // 05:00:00 … 09:59:55
      assert.equal(rows[0].time, iso(since));
    });

    it('multi-byte text everywhere: the same rows as a full scan', async function () {
      this.timeout(20_000); // file writing only; nothing here measures time
      const f = tmp();
      const records: Record<string, unknown>[] = [];
      for (let k = 0; k < 12_000; k++) {
        records.push({ ...obsRecord(T0 + k * 4 * S, k), ssid: ['Café ☕', 'naïve, "quoted"', '日本語', 'plain', '🙂🙂🙂'][k % 5], floor: k % 7 ? 'Étage 2, est' : null });
      }
      await writeCsv(f, CSV_COLUMNS.cmxData, records);
      for (const hours of [3, 7, 12]) {
        const since = T0 + hours * HOUR + 2 * S;
        const { count, rows } = await readAll(f, 'time', since);
        const expected = records.filter((r) => Date.parse(r.time as string) >= since);
        assert.equal(count, expected.length, `since +${hours} h`);
        assert.deepEqual(rows.map((r) => [r.time, r.ssid]), expected.map((r) => [r.time, r.ssid]));
      }
    });
  });

  describe('observationFromRow', () => {
    it('a cmxData row → { ts, clientMac, rssi, apMac }', () => {
      assert.deepEqual(observationFromRow({ time: '2024-06-01T00:00:05.000Z', clientMac: 'aa:bb:cc:dd:ee:ff', apMac: 'e0:55:3d:10:4a:c1', rssi: '47' }), {
        ts: T0 + 5 * S,
        clientMac: 'aa:bb:cc:dd:ee:ff',
        rssi: 47,
        apMac: 'e0:55:3d:10:4a:c1',
      });
    });

    it('defused cells are read back without their quote mark', () => {
      const o = observationFromRow({ time: iso(T0), clientMac: "'=x", apMac: "'-ap", rssi: '50' });
      assert.equal(o?.clientMac, '=x');
      assert.equal(o?.apMac, '-ap');
    });

    it('an empty apMac is null; unusable rows are null', () => {
      assert.equal(observationFromRow({ time: iso(T0), clientMac: 'm', apMac: '', rssi: '50' })?.apMac, null);
      assert.equal(observationFromRow({ time: iso(T0), clientMac: 'm', rssi: '50' })?.apMac, null);
      assert.equal(observationFromRow({ time: 'yesterday', clientMac: 'm', rssi: '50' }), null);
      assert.equal(observationFromRow({ time: iso(T0), clientMac: '', rssi: '50' }), null);
      assert.equal(observationFromRow({ time: iso(T0), clientMac: 'm', rssi: '' }), null);
      assert.equal(observationFromRow({ time: iso(T0), clientMac: 'm', rssi: 'NaN' }), null);
      assert.equal(observationFromRow({}), null);
    });
  });

  describe('activityFromRow', () => {
    it('an mvData row → an activity', () => {
      assert.deepEqual(
        activityFromRow({ serial: 'Q2GV-7HJK-2LMN', zone: '0', timeIn: '2024-06-01T00:00:05.000Z', timeOut: '2024-06-01T00:01:05.000Z', durationS: '60', peakPeople: '3', messages: '80' }),
        { serial: 'Q2GV-7HJK-2LMN', zone: '0', tsIn: T0 + 5 * S, tsOut: T0 + 65 * S, timeIn: '2024-06-01T00:00:05.000Z', timeOut: '2024-06-01T00:01:05.000Z', durationS: 60, peakPeople: 3, messages: 80 },
      );
    });

    it('missing durationS is computed, missing messages is 0, missing zone is "0"; defused cells are undone', () => {
      const a = activityFromRow({ serial: "'=Q2", timeIn: iso(T0), timeOut: iso(T0 + 90 * S), peakPeople: '2', durationS: '', messages: '' });
      assert.equal(a?.serial, '=Q2');
      assert.equal(a?.zone, '0');
      assert.equal(a?.durationS, 90);
      assert.equal(a?.messages, 0);
      assert.equal(activityFromRow({ serial: 'Q2', zone: "'+1", timeIn: iso(T0), timeOut: iso(T0), peakPeople: '1' })?.zone, '+1');
    });

    it('unusable rows are null', () => {
      const ok = { serial: 'Q2', zone: '1', timeIn: iso(T0), timeOut: iso(T0 + MIN), peakPeople: '1' };
      assert.ok(activityFromRow(ok));
      assert.equal(activityFromRow({ ...ok, serial: '' }), null);
      assert.equal(activityFromRow({ ...ok, timeIn: 'x' }), null);
      assert.equal(activityFromRow({ ...ok, timeOut: '' }), null);
      assert.equal(activityFromRow({ ...ok, peakPeople: '' }), null);
    });
  });

  describe('CorrelationRows', () => {
    it('groups correlation.csv rows by activity, in file order, devices in row order', () => {
      const rows = new CorrelationRows();
      const base = { serial: 'Q2', zone: '1', timeIn: iso(T0), timeOut: iso(T0 + MIN), peakPeople: '2' };
      rows.add({ ...base, clientMac: 'a', seenTime: iso(T0 + S), rssi: '50', apMac: 'ap1' });
      rows.add({ ...base, zone: '2', clientMac: 'c', seenTime: iso(T0 + 3 * S), rssi: '60', apMac: '' });
      rows.add({ ...base, clientMac: 'b', seenTime: iso(T0 + 2 * S), rssi: '', apMac: "'-ap" });
      rows.add({ ...base, clientMac: '' }); // no device: skipped
      rows.add({ ...base, serial: '' , clientMac: 'x' }); // unusable: skipped
      assert.deepEqual(rows.values(), [
        {
          serial: 'Q2', zone: '1', timeIn: iso(T0), timeOut: iso(T0 + MIN), peakPeople: 2,
          devices: [
            { clientMac: 'a', seenTime: iso(T0 + S), rssi: 50, apMac: 'ap1' },
            { clientMac: 'b', seenTime: iso(T0 + 2 * S), rssi: 0, apMac: '-ap' },
          ],
        },
        { serial: 'Q2', zone: '2', timeIn: iso(T0), timeOut: iso(T0 + MIN), peakPeople: 2, devices: [{ clientMac: 'c', seenTime: iso(T0 + 3 * S), rssi: 60, apMac: null }] },
      ]);
    });

    it('round trip: correlationRows() → file → readCsvSince → CorrelationRows gives the correlation back', async () => {
      const c: Correlation = {
        activity: { serial: 'Q2GV-7HJK-2LMN', zone: '0', tsIn: T0 + HOUR, tsOut: T0 + HOUR + 2 * MIN, peakPeople: 4 },
        devices: [
          { clientMac: 'aa:bb:cc:dd:ee:01', seenTime: iso(T0 + HOUR - 10 * S), rssi: 61, apMac: 'e0:55:3d:10:4a:c1' },
          { clientMac: '=cmd', seenTime: iso(T0 + HOUR + 5 * S), rssi: 48, apMac: null },
        ],
        deviceCount: 2,
      };
      const f = tmp();
      await writeCsv(f, CSV_COLUMNS.correlation, correlationRows(c));
      const rows = new CorrelationRows();
      assert.equal(await readCsvSince(f, 'timeIn', T0, (r) => rows.add(r)), 2);
      assert.deepEqual(rows.values(), [
        { serial: 'Q2GV-7HJK-2LMN', zone: '0', timeIn: iso(T0 + HOUR), timeOut: iso(T0 + HOUR + 2 * MIN), peakPeople: 4, devices: c.devices },
      ]);
    });
  });
  describe('replayInto', () => {
    it('restores activities (from 6 h before since), observations and correlations since `since`; stops adding once stopped', async () => {
      const mv = tmp();
      const cmx = tmp();
      const corr = tmp();
      const act = (t: number) => ({ serial: 'Q2', zone: '0', timeIn: iso(t), timeOut: iso(t + MIN), durationS: 60, peakPeople: 2, messages: 60 });
      await writeCsv(mv, CSV_COLUMNS.mvData, [act(T0 - 7 * HOUR), act(T0 - 5 * HOUR), act(T0 + HOUR)]);
      await writeCsv(cmx, CSV_COLUMNS.cmxData, [obsRecord(T0 - MIN, 1), obsRecord(T0 + MIN, 2), obsRecord(T0 + 2 * MIN, 3)]);
      await writeCsv(corr, CSV_COLUMNS.correlation, [
        { serial: 'Q2', zone: '0', timeIn: iso(T0 + HOUR), timeOut: iso(T0 + HOUR + MIN), peakPeople: 2, clientMac: 'a', seenTime: iso(T0 + HOUR), rssi: 50, apMac: '' },
      ]);
      const got: string[] = [];
      const target = {
        restoreActivity: (a: { tsIn: number }) => got.push(`activity ${iso(a.tsIn)}`),
        addObservation: (o: { ts: number }) => got.push(`observation ${iso(o.ts)}`),
        restoreCorrelation: (c: { timeIn: string }) => got.push(`correlation ${c.timeIn}`),
      };
      const learnt: string[] = [];
      const counts = await replayInto(target, { mv, cmx, correlation: corr }, T0, { onActivity: (a) => learnt.push(a.serial) });
      assert.deepEqual(counts, { activities: 2, observations: 2, correlations: 1 });
      assert.deepEqual(got, [
        `activity ${iso(T0 - 5 * HOUR)}`, `activity ${iso(T0 + HOUR)}`,
        `observation ${iso(T0 + MIN)}`, `observation ${iso(T0 + 2 * MIN)}`,
        `correlation ${iso(T0 + HOUR)}`,
      ]);
      assert.deepEqual(learnt, ['Q2', 'Q2']);
      const none = await replayInto(target, { mv, cmx, correlation: null }, T0, { stopped: () => true });
      assert.deepEqual(none, { activities: 0, observations: 0, correlations: 0 });
      assert.deepEqual(await replayInto(target, { mv: null, cmx: null, correlation: null }, T0), { activities: 0, observations: 0, correlations: 0 });
    });
  });
});
