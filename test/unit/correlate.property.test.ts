/**
 * The indexed Correlator against the naive reference (test/support/naive-correlate.ts, written
 * straight from SPEC section 4): random observations and activities, fed in a random arrival order,
 * settled once every deadline has passed; per activity the devices, and the summary's figures.
 */
import { strict as assert } from 'assert';
import fc from 'fast-check';
import { Correlator, type ActivityInput, type ObservationInput } from '../../src/lib/correlate';
import { assertLikeNaive, naiveCorrelate, naiveSummary, type NaiveActivity, type NaiveObservation, type NaiveOptions } from '../support/naive-correlate';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const iso = (t: number): string => new Date(t).toISOString();

const CAMS = ['Q2GV-7HJK-2LMN', 'Q2GV-AAAA-BBBB'];
const APS = ['e0:55:3d:10:4a:c1', 'e0:55:3d:10:4a:c2', 'e0:55:3d:10:4a:c3'];
const MACS = ['aa:00:00:00:00:01', 'aa:00:00:00:00:02', 'aa:00:00:00:00:03', 'aa:00:00:00:00:04', 'aa:00:00:00:00:05'];

/** Time zones with the start of the generated span: ordinary days, midnight, and DST changes. */
const SCENES: [zone: string, base: string][] = [
  ['America/New_York', '2024-06-20T02:00:00Z'], // 22:00 EDT: crosses local midnight
  ['America/New_York', '2024-11-03T04:00:00Z'], // 00:00 EDT: clocks go back at 06:00Z
  ['Asia/Kolkata', '2024-06-20T16:00:00Z'], // 21:30 IST (+05:30): crosses local midnight
  ['Asia/Kathmandu', '2024-06-20T16:00:00Z'], // 21:45 NPT (+05:45)
  ['Europe/London', '2024-03-30T23:00:00Z'], // clocks go forward at 01:00Z
  ['Europe/London', '2024-10-26T22:00:00Z'], // clocks go back at 01:00Z: hour 1 twice
  ['Pacific/Chatham', '2024-04-06T12:00:00Z'], // +13:45 → +12:45 at 14:00Z (03:45 local, not on the hour)
];
const SPAN = 4 * HOUR;

const observationArb = fc.record({
  t: fc.integer({ min: 0, max: SPAN }),
  dev: fc.integer({ min: 0, max: MACS.length - 1 }),
  rssi: fc.integer({ min: 40, max: 52 }), // around the threshold (45)
  ap: fc.integer({ min: 0, max: APS.length }), // APS.length → null
  order: fc.nat(),
  dup: fc.integer({ min: 0, max: 9 }), // 0 → sent twice
});

const activityArb = fc.record({
  t: fc.integer({ min: -10 * MIN, max: SPAN }),
  lenS: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 60 * 60 })),
  cam: fc.integer({ min: 0, max: CAMS.length - 1 }),
  zone: fc.constantFrom('0', '1'),
  peak: fc.integer({ min: 1, max: 5 }),
  order: fc.nat(),
});

const optionsArb = fc.record({
  scene: fc.integer({ min: 0, max: SCENES.length - 1 }),
  windowS: fc.constantFrom(0, 30, 90),
  sessionGapS: fc.constantFrom(300, 120, 900),
  filterDwellS: fc.constantFrom(3600, 1200),
  windowHours: fc.constantFrom(24, 3), // 3: part of the data falls out of the window
  mapCameras: fc.boolean(),
  nowAfterS: fc.integer({ min: 0, max: 3 * 3600 }),
});

describe('Correlator vs the naive reference (property)', () => {
  it('same devices per activity, and the same summary figures', function () {
    this.timeout(20_000); // bounded by numRuns; nothing here measures time
    fc.assert(
      fc.property(
        fc.array(observationArb, { minLength: 0, maxLength: 60 }),
        fc.array(activityArb, { minLength: 1, maxLength: 6 }),
        optionsArb,
        (rawObs, rawActs, opt) => {
          const [timeZone, baseIso] = SCENES[opt.scene];
          const base = Date.parse(baseIso);
          const cameraAps = opt.mapCameras ? new Map([[CAMS[0], new Set([APS[0], APS[1]])]]) : undefined;
          const o: NaiveOptions = {
            windowS: opt.windowS,
            rssiThreshold: 45,
            sessionGapS: opt.sessionGapS,
            filterDwellS: opt.filterDwellS,
            windowHours: opt.windowHours,
            timeZone,
            cameraAps,
          };

          // The arrival order: observations (some sent twice) and activities shuffled together.
          type Item = { order: number; obs?: ObservationInput & NaiveObservation; act?: ActivityInput & NaiveActivity };
          const items: Item[] = [];
          for (const r of rawObs) {
            const ob = { ts: base + r.t, clientMac: MACS[r.dev], rssi: r.rssi, apMac: r.ap < APS.length ? APS[r.ap] : null };
            items.push({ order: r.order, obs: ob });
            if (r.dup === 0) items.push({ order: (r.order * 7) % 1000, obs: { ...ob } });
          }
          for (const r of rawActs) {
            const tsIn = base + r.t;
            items.push({ order: r.order, act: { serial: CAMS[r.cam], zone: r.zone, tsIn, tsOut: tsIn + r.lenS * S, peakPeople: r.peak } });
          }
          items.sort((x, y) => x.order - y.order);

          const now = base + SPAN + 30 * MIN + opt.nowAfterS * S; // wall clock of the summary
          const c = new Correlator({ windowS: opt.windowS, sessionGapS: opt.sessionGapS, filterDwellS: opt.filterDwellS, windowHours: opt.windowHours, timeZone, cameraAps });
          const arrived: NaiveObservation[] = [];
          const acts: NaiveActivity[] = [];
          for (const it of items) {
            if (it.obs) {
              c.addObservation(it.obs);
              arrived.push(it.obs);
            } else if (it.act) {
              c.addActivity(it.act, now - 10 * MIN);
              acts.push(it.act);
            }
          }
          // Settle once, past every deadline (arrival + 120 s).
          const settled = c.settle(now);
          assert.equal(settled.length, acts.length);
          assert.equal(c.pendingCount, 0);
          for (const corr of settled) {
            const expected = naiveCorrelate(arrived, corr.activity as NaiveActivity, o).map((d) => ({ clientMac: d.clientMac, seenTime: iso(d.ts), rssi: d.rssi, apMac: d.apMac }));
            assert.deepEqual(corr.devices, expected, `activity ${corr.activity.serial}/${corr.activity.zone} ${iso(corr.activity.tsIn)}–${iso(corr.activity.tsOut)}`);
          }

          const got = c.summary(now);
          const want = naiveSummary(arrived, acts, o, now);
          assertLikeNaive(got, want);
        },
      ),
      {
        numRuns: 250,
        examples: [
          // an activity ending at the window's start, when Chatham's clocks go back (14:00Z): its
          // clock hour 3 (13:15Z–14:00Z) lies before the window (it was counted: LocalHours.hourStart)
          [[], [{ t: 4010000, lenS: 3190, cam: 0, zone: '0', peak: 1, order: 0 }, { t: 0, lenS: 0, cam: 0, zone: '0', peak: 1, order: 0 }],
            { scene: 6, windowS: 0, sessionGapS: 300, filterDwellS: 3600, windowHours: 3, mapCameras: false, nowAfterS: 1800 }],
        ],
      },
    );
  });
});
