/**
 * Entrances and occupancy through the real application: line crossings published over MQTT to
 * `npm start` (supplied flow: mqtt in → mv sense → line-counter → crossings.csv), then
 * GET /analytics/entrances and the crossings.csv download; then a restart on the same data folder,
 * after which the figures are the same.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import mqtt from 'mqtt';
import { App, startApp, waitFor } from '../support/app';

const CAM = 'Q2GV-7HJK-2LMN';
const HEADER = 'time,serial,boundaryId,label,event,objectType,objectId';
const MIN = 60_000;
const iso = (t: number) => new Date(t).toISOString();

/** A fixed-offset zone where it is about noon now: the crossings of the last two hours are all
 *  after the 04:00 reset of the same local day, whenever the test runs. */
const OFFSET = ((new Date().getUTCHours() - 12 + 36) % 24) - 12; // local = UTC − OFFSET
const TZ = OFFSET === 0 ? 'UTC' : `Etc/GMT${OFFSET > 0 ? '+' : '-'}${Math.abs(OFFSET)}`;
const hourOf = (t: number) => Number(new Intl.DateTimeFormat('en-US', { timeZone: TZ, hour: 'numeric', hourCycle: 'h23' }).format(t));

// Two whole hours before this one: every crossing lies in the past.
const NOW = Date.now();
const H0 = Math.floor(NOW / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const H1 = H0 + 3_600_000;

type Sent = { boundaryId: string; payload: Record<string, unknown>; counted: boolean };
const c = (boundaryId: string, event: string, ts: number, objectId: number | null, counted: boolean, extra: Record<string, unknown> = {}): Sent => ({
  boundaryId,
  payload: { label: boundaryId === 'k1' ? 'Main entrance' : boundaryId === 'k2' ? 'Side door' : '<img src=x onerror=alert(1)>', event, type: 'person', ts, ...(objectId === null ? {} : { object_id: objectId }), ...extra },
  counted,
});

const SEQUENCE: Sent[] = [
  c('k1', 'crossing_in', H0 + 5 * MIN, 1, true),
  c('k1', 'crossing_in', H0 + 6 * MIN, 2, true),
  c('k1', 'crossing_in', H0 + 6 * MIN + 700, 2, false), // the same crossing again: a duplicate
  c('k1', 'crossing_in', H0 + 7 * MIN, null, true), // no object id: never a duplicate
  c('k1', 'expired', H0 + 8 * MIN, 3, false),
  c('k1', 'crossing_in', H0 + 9 * MIN, 4, false, { type: 'vehicle' }),
  c('k2', 'crossing_out', Math.floor((H0 + 20 * MIN) / 1000), 5, true), // seconds; reversed line: enters the lobby
  c('k1', 'crossing_out', H1 + 1 * MIN, 6, true),
  c('k1', 'crossing_out', H1 + 2 * MIN, 7, true),
  c('k2', 'crossing_in', H1 + 3 * MIN, 8, true), // leaves by the side door
  c('k1', 'crossing_out', H1 + 4 * MIN, 9, true), // the lobby is empty by now
  c('k1', 'crossing_out', H1 + 6 * MIN, 12, true), // one more out than in (the camera missed one): floor at 0
  c('k3', 'crossing_in', H1 + 5 * MIN, 10, true), // a line in no area, with a hostile label
  c('k1', 'crossing_in', NOW + 30 * MIN, 11, false), // half an hour ahead of the clock: refused
];

const entrances = async (app: App) => (await fetch(`${app.base}/analytics/entrances`)).json();
const ENV = { TZ, LINE_AREAS: `Lobby: ${CAM}/k1, ${CAM}/k2 reversed` };

describe('npm start: entrances and occupancy from line crossings end to end', function () {
  this.timeout(120000);
  let app: App;
  let restarted: App | undefined;

  after(async function () {
    for (const a of [restarted, app]) {
      if (a) {
        await a.stop();
        a.cleanup();
      }
    }
  });

  it('counts the crossings published over MQTT into crossings.csv, one row per counted crossing', async function () {
    app = await startApp(ENV);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mqttPort}`);
    for (const s of SEQUENCE) await client.publishAsync(`/merakimv/${CAM}/crossing/${s.boundaryId}`, JSON.stringify(s.payload));
    await client.endAsync();
    const file = path.join(app.dataDir, 'crossings.csv');
    const counted = SEQUENCE.filter((s) => s.counted);
    const text = await waitFor('crossings.csv', () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''), (t) => t.split('\n').length === counted.length + 2);
    await new Promise((r) => setTimeout(r, 500));
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, counted.length + 1, text);
    assert.equal(lines[0], HEADER);
    assert.deepEqual(lines.slice(1), counted.map((s) => {
      const p = s.payload as { label: string; event: string; ts: number; object_id?: number };
      const ts = p.ts < 1e12 ? p.ts * 1000 : p.ts;
      return [iso(ts), CAM, s.boundaryId, p.label, p.event === 'crossing_in' ? 'in' : 'out', 'person', p.object_id ?? ''].join(',');
    }));
    const download = await fetch(`${app.base}/analytics/crossings.csv`);
    assert.equal(download.status, 200);
    assert.equal(await download.text(), fs.readFileSync(file, 'utf8'));
  });

  it('answers GET /analytics/entrances with the lines, local hours and areas', async function () {
    const s = await waitFor('the summary', () => entrances(app), (e) => e.lines?.length === 3);
    assert.deepEqual(Object.keys(s), ['generatedAt', 'timezone', 'windowHours', 'lines', 'hourly', 'areas']);
    assert.equal(s.timezone, TZ);
    assert.equal(s.windowHours, 24);
    assert.deepEqual(s.lines, [
      { serial: CAM, boundaryId: 'k1', label: 'Main entrance', in: 3, out: 4 },
      { serial: CAM, boundaryId: 'k2', label: 'Side door', in: 1, out: 1 },
      { serial: CAM, boundaryId: 'k3', label: '<img src=x onerror=alert(1)>', in: 1, out: 0 },
    ]);
    const zeros = () => new Array(24).fill(0);
    const k1 = { in: zeros(), out: zeros() };
    k1.in[hourOf(H0)] = 3;
    k1.out[hourOf(H1)] = 4;
    const k2 = { in: zeros(), out: zeros() };
    k2.out[hourOf(H0)] = 1;
    k2.in[hourOf(H1)] = 1;
    const k3 = { in: zeros(), out: zeros() };
    k3.in[hourOf(H1)] = 1;
    assert.deepEqual(s.hourly, { [`${CAM}/k1`]: k1, [`${CAM}/k2`]: k2, [`${CAM}/k3`]: k3 });
    // 3 in + 1 through the side door = 4 in; 4 out + 1 = 5 out, the last one with nobody left: still 0
    assert.deepEqual(s.areas, [{ name: 'Lobby', occupancy: 0, enters: 4, exits: 5, peakOccupancy: 4, lines: [`${CAM}/k1`, `${CAM}/k2`] }]);
    // refused by mv sense (the shared time bound) before it reaches line-counter
    assert.match(app.output(), /time \S+ is more than 300 s ahead of the clock/);
  });

  it('has the same figures after a restart (rebuilt from crossings.csv)', async function () {
    const before = await entrances(app);
    assert.equal(await app.stop(), 0);
    restarted = await startApp(ENV, { after: app });
    await restarted.waitForOutput(/rebuilt from crossings.csv: 10 crossings, 3 lines/);
    const s = await entrances(restarted);
    for (const key of ['timezone', 'windowHours', 'lines', 'hourly', 'areas']) assert.deepEqual(s[key], before[key], key);
  });
});
