/**
 * Issue 10, item 4 (and the zone list of item 5): the summary's figures are kept up to date as
 * observations and activities arrive and as the window rolls on; checked against the naive
 * reference (test/support/naive-correlate.ts) at many points of a rolling window, with late
 * observations and clocks slightly ahead. The memory caps: maxDevices, MAX_SUMMARY_ZONES.
 */
import { strict as assert } from 'assert';
import fc from 'fast-check';
import { Correlator, maxDevices } from '../../src/lib/correlate';
import { MAX_SUMMARY_ZONES } from '../../src/lib/zone-figures';
import { assertLikeNaive, naiveSummary, type NaiveActivity, type NaiveObservation } from '../support/naive-correlate';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const MACS = Array.from({ length: 8 }, (_, i) => `aa:00:00:00:00:0${i}`);
const SCENES: [string, string][] = [
  ['Europe/London', '2024-10-26T20:00:00Z'], // clocks go back at 01:00Z
  ['Asia/Kolkata', '2024-06-20T16:00:00Z'],
  ['Pacific/Chatham', '2024-04-06T10:00:00Z'],
  ['UTC', '2024-06-20T00:00:00Z'],
];

describe('summary kept up to date (issue 10, item 4)', () => {
  it('property: at every step of a rolling window the figures equal the naive ones', function () {
    this.timeout(60_000);
    const step = fc.oneof(
      { weight: 8, arbitrary: fc.record({ kind: fc.constant('obs' as const), dev: fc.nat(MACS.length - 1), late: fc.integer({ min: -4 * MIN, max: 90 * MIN }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('act' as const), zone: fc.constantFrom('0', '1', '2'), ago: fc.integer({ min: -4 * MIN, max: 3 * HOUR }), lenS: fc.integer({ min: 0, max: 7200 }), peak: fc.integer({ min: 0, max: 4 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), s: fc.integer({ min: 1, max: 40 * 60 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('summary' as const) }) },
    );
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 5, maxLength: 120 }),
        fc.nat(SCENES.length - 1),
        fc.constantFrom(1, 3, 24),
        fc.constantFrom(300, 900),
        fc.constantFrom(1200, 3600),
        (steps, scene, windowHours, sessionGapS, filterDwellS) => {
          const [timeZone, baseIso] = SCENES[scene];
          let now = Date.parse(baseIso);
          const c = new Correlator({ windowHours, sessionGapS, filterDwellS, timeZone, waitS: 0 });
          const o = { windowS: 30, rssiThreshold: 45, sessionGapS, filterDwellS, windowHours, timeZone };
          const seen: NaiveObservation[] = [];
          const acts: NaiveActivity[] = [];
          let lastStart = -Infinity;
          for (const s of steps) {
            if (s.kind === 'obs') {
              // a late observation, or one up to 4 min ahead of the clock; not one that would join a
              // visit the window already left (evicted: the reference keeps everything)
              const ob = { ts: now - s.late, clientMac: MACS[s.dev], rssi: 50, apMac: null };
              if (ob.ts < lastStart + sessionGapS * S) continue;
              c.addObservation(ob);
              seen.push(ob);
            } else if (s.kind === 'act') {
              const tsIn = now - s.ago;
              const a = { serial: 'Q2GV-7HJK-2LMN', zone: s.zone, tsIn, tsOut: tsIn + s.lenS * S, peakPeople: s.peak };
              c.addActivity(a, now);
              acts.push(a);
            } else if (s.kind === 'tick') {
              now += s.s * S;
            } else {
              lastStart = now - windowHours * HOUR;
              const got = c.summary(now);
              const want = naiveSummary(seen, acts, o, now);
              assertLikeNaive(got, want);
              // latest first by last seen
              for (let i = 1; i < got.devices.length; i++) assert.ok(got.devices[i - 1].lastSeen >= got.devices[i].lastSeen);
              // lastActivityAt: the latest start among the zone's activities in the window
              for (const z of got.zones) {
                const mine = acts.filter((a) => a.zone === z.zone && a.tsOut >= now - windowHours * HOUR && a.tsIn <= now);
                assert.equal(z.lastActivityAt, new Date(Math.max(...mine.map((a) => a.tsIn))).toISOString());
              }
            }
          }
        },
      ),
      { numRuns: 300, seed: 0x10a4 },
    );
  });

  it('at most maxDevices devices are kept: the oldest visitors are forgotten first', () => {
    assert.equal(maxDevices(undefined), 500_000);
    assert.equal(maxDevices('1000'), 1000);
    assert.throws(() => maxDevices('0'), /maxDevices/);
    const T = Date.parse('2024-06-20T08:00:00Z');
    const c = new Correlator({ maxDevices: 3, timeZone: 'UTC' });
    for (let i = 0; i < 5; i++) c.addObservation({ ts: T + i * MIN, clientMac: MACS[i], rssi: 50 });
    c.addObservation({ ts: T + 10 * MIN, clientMac: MACS[2], rssi: 50 });
    assert.equal(c.sizes.devices, 3);
    const s = c.summary(T + HOUR);
    assert.deepEqual(s.devices.map((d) => d.clientMac), [MACS[2], MACS[4], MACS[3]]);
    assert.equal(s.visitors.devices, 3);
  });

  it(`the zone list holds at most ${MAX_SUMMARY_ZONES} zones (those active last); the busiest hour counts all`, () => {
    const T = Date.parse('2024-06-20T08:00:00Z');
    const c = new Correlator({ timeZone: 'UTC' });
    for (let i = 0; i < 3000; i++) c.addActivity({ serial: `Q2GV-0000-${String(i).padStart(4, '0')}`, zone: '1', tsIn: T + i * S, tsOut: T + i * S + MIN, peakPeople: i < 2500 ? 1 : 0 }, T);
    const s = c.summary(T + HOUR);
    assert.equal(s.zones.length, MAX_SUMMARY_ZONES);
    assert.equal(Object.keys(s.hourly).length, MAX_SUMMARY_ZONES);
    assert.equal(s.zones[0].serial, 'Q2GV-0000-2500', 'the 500 zones active last, in serial/zone order');
    assert.equal(s.busiestHour.mv, 8);
    assert.ok(JSON.stringify(s).length < 200_000, `${JSON.stringify(s).length} bytes`);
  });
});
