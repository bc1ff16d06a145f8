import { strict as assert } from 'assert';
import { parseCameraAps, parseLabels } from '../../src/lib/config-maps';
import {
  busiest,
  CORRELATE_DEFAULTS,
  correlateOptions,
  correlationRows,
  Correlator,
  MAX_SUMMARY_CORRELATION_DEVICES,
  MAX_SUMMARY_CORRELATIONS,
  MAX_SUMMARY_DEVICES,
  type ActivityInput,
  type CorrelateOptions,
  type Correlation,
  type ObservationInput,
} from '../../src/lib/correlate';
import { prng } from '../support/seeded';


const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const T = Date.parse('2024-06-20T12:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();
const utc = (s: string): number => Date.parse(s);

const CAM = 'Q2GV-7HJK-2LMN';
const AP1 = 'e0:55:3d:10:4a:c1';
const AP7 = 'e0:55:3d:10:4a:c7';
const mac = (n: number): string => `aa:bb:cc:00:${Math.floor(n / 256).toString(16).padStart(2, '0')}:${(n % 256).toString(16).padStart(2, '0')}`;
const A = mac(1);
const B = mac(2);
const C = mac(3);
const D = mac(4);

const act = (tsIn: number, tsOut: number, extra: Partial<ActivityInput> = {}): ActivityInput => ({ serial: CAM, zone: '0', tsIn, tsOut, peakPeople: 2, ...extra });
const obs = (ts: number, clientMac: string, rssi = 60, apMac: string | null = AP1): ObservationInput => ({ ts, clientMac, rssi, apMac });

function correlator(opts: Partial<CorrelateOptions> = {}): Correlator {
  return new Correlator({ timeZone: 'UTC', ...opts });
}

/** Feeds the observations, then the activity at wall clock `wall`, and settles it by the timeout. */
function correlateOnce(observations: ObservationInput[], a: ActivityInput, opts: Partial<CorrelateOptions> = {}): Correlation {
  const c = correlator(opts);
  for (const o of observations) c.addObservation(o);
  const wall = a.tsOut + 10 * MIN;
  c.addActivity(a, wall);
  const out = c.settle(wall + c.options.waitS * S);
  assert.equal(out.length, 1);
  return out[0];
}

const brief = (c: Correlation): [string, string, number][] => c.devices.map((d) => [d.clientMac, d.seenTime, d.rssi]);

describe('Correlator', () => {
  describe('options', () => {
    it('defaults per SPEC: windowS 30, rssiThreshold 45, waitS 120, sessionGapS 300, filterDwellS 3600, windowHours 24', () => {
      assert.deepEqual({ ...CORRELATE_DEFAULTS }, { windowS: 30, rssiThreshold: 45, waitS: 120, sessionGapS: 300, filterDwellS: 3600, windowHours: 24 });
      assert.deepEqual(correlateOptions(), { ...CORRELATE_DEFAULTS });
      const c = new Correlator();
      assert.equal(c.options.windowS, 30);
      assert.equal(c.options.rssiThreshold, 45);
    });

    it('numbers as strings are taken, blanks mean the default, bad values throw naming the option', () => {
      assert.equal(correlateOptions({ windowS: '10', waitS: ' ', rssiThreshold: -10 }).windowS, 10);
      assert.equal(correlateOptions({ waitS: '' }).waitS, 120);
      assert.throws(() => correlateOptions({ windowS: 'abc' }), /windowS/);
      assert.throws(() => correlateOptions({ sessionGapS: 0 }), /sessionGapS/);
      assert.throws(() => correlateOptions({ windowHours: 0 }), /windowHours/);
      assert.throws(() => correlateOptions({ windowHours: 745 }), /windowHours/);
      assert.throws(() => correlateOptions({ waitS: -1 }), /waitS/);
    });
  });

  describe('correlation', () => {
    it('window edges: exactly tsIn − windowS and exactly tsOut + windowS match; 1 ms outside does not', () => {
      // activity [T, T+60 s], windowS 30 → the window is [T−30 000, T+90 000] ms, inclusive
      const a = act(T, T + 60 * S);
      const c = correlateOnce(
        [
          obs(T - 30 * S, A), // = tsIn − 30 s: in
          obs(T - 30 * S - 1, B), // 1 ms before: out
          obs(T + 90 * S, C), // = tsOut + 30 s: in
          obs(T + 90 * S + 1, D), // 1 ms after: out
        ],
        a,
      );
      assert.deepEqual(brief(c), [
        [A, iso(T - 30 * S), 60],
        [C, iso(T + 90 * S), 60],
      ]);
      assert.equal(c.deviceCount, 2);
      assert.equal(c.activity, a);
    });

    it('a different windowS moves the edges', () => {
      // windowS 0: only [tsIn, tsOut] itself
      const c = correlateOnce([obs(T - 1, A), obs(T, B), obs(T + 60 * S, C), obs(T + 60 * S + 1, D)], act(T, T + 60 * S), { windowS: 0 });
      assert.deepEqual(c.devices.map((d) => d.clientMac), [B, C]);
    });

    it('rssi 45 vs 46 with rssiThreshold 45 (strictly greater): 45 excluded, 46 included', () => {
      const c = correlateOnce([obs(T + 10 * S, A, 45), obs(T + 10 * S, B, 46)], act(T, T + 60 * S));
      assert.deepEqual(brief(c), [[B, iso(T + 10 * S), 46]]);
    });

    it('a custom rssiThreshold is honoured the same way (> only)', () => {
      const c = correlateOnce([obs(T, A, 20), obs(T, B, 21)], act(T, T + MIN), { rssiThreshold: 20 });
      assert.deepEqual(c.devices.map((d) => d.clientMac), [B]);
    });

    it('each device once, with its strongest in-window observation (earliest on ties); devices ordered by that time', () => {
      // activity [T, T+60 s]; window [T−30 s, T+90 s]
      // A: 50 @+5 s, 70 @+40 s (arrives first), 70 @+20 s (arrives late), 90 @+100 s (outside)
      //    → strongest in window 70, earliest of the two 70s: +20 s, from AP7
      // B: 60 @−20 s only → −20 s
      // C: 80 @+10 s → +10 s
      // D and E (mac 5): best 55 both at +50 s → tie on time, ordered by MAC (D < E)
      const E = mac(5);
      const c = correlateOnce(
        [
          obs(T + 5 * S, A, 50),
          obs(T + 40 * S, A, 70, AP1),
          obs(T - 20 * S, B, 60),
          obs(T + 20 * S, A, 70, AP7),
          obs(T + 100 * S, A, 90),
          obs(T + 10 * S, C, 80, null),
          obs(T + 50 * S, E, 55),
          obs(T + 50 * S, D, 55),
          obs(T + 51 * S, D, 54),
        ],
        act(T, T + 60 * S),
      );
      // by time: B (−20 s), C (+10 s), A (+20 s), D (+50 s), E (+50 s)
      assert.deepEqual(c.devices, [
        { clientMac: B, seenTime: iso(T - 20 * S), rssi: 60, apMac: AP1 },
        { clientMac: C, seenTime: iso(T + 10 * S), rssi: 80, apMac: null },
        { clientMac: A, seenTime: iso(T + 20 * S), rssi: 70, apMac: AP7 },
        { clientMac: D, seenTime: iso(T + 50 * S), rssi: 55, apMac: AP1 },
        { clientMac: E, seenTime: iso(T + 50 * S), rssi: 55, apMac: AP1 },
      ]);
    });

    it('an activity with no matching device still yields a correlation with devices [] (and no correlation.csv row)', () => {
      // A is too weak, B is outside the window
      const a = act(T, T + 60 * S, { peakPeople: 3 });
      const c = correlateOnce([obs(T, A, 40), obs(T + 5 * MIN, B)], a);
      assert.deepEqual(c.devices, []);
      assert.equal(c.deviceCount, 0);
      assert.equal(c.activity, a);
      assert.deepEqual(correlationRows(c), []);
    });

    it('the summary lists at most 200 devices per correlation (the first by time); the correlation keeps them all', () => {
      const c = correlator();
      for (let i = 0; i < 250; i++) c.addObservation(obs(T + i * 100, mac(100 + i)));
      const wall = T + 10 * MIN;
      c.addActivity(act(T, T + MIN), wall);
      const [done] = c.settle(wall + c.options.waitS * S);
      assert.equal(done.devices.length, 250);
      const listed = c.summary(T + 2 * HOUR).correlations[0].devices;
      assert.equal(listed.length, MAX_SUMMARY_CORRELATION_DEVICES);
      assert.deepEqual(listed.map((d) => d.clientMac), done.devices.slice(0, 200).map((d) => d.clientMac));
    });

    it('correlationRows: one row per device, in the correlation.csv columns', () => {
      const c = correlateOnce([obs(T + S, A, 61, AP7), obs(T + 2 * S, B, 50, null)], act(T, T + MIN, { zone: '5', peakPeople: 4 }));
      assert.deepEqual(correlationRows(c), [
        { serial: CAM, zone: '5', timeIn: iso(T), timeOut: iso(T + MIN), peakPeople: 4, clientMac: A, seenTime: iso(T + S), rssi: 61, apMac: AP7 },
        { serial: CAM, zone: '5', timeIn: iso(T), timeOut: iso(T + MIN), peakPeople: 4, clientMac: B, seenTime: iso(T + 2 * S), rssi: 50, apMac: null },
      ]);
    });

    describe('camera → AP map', () => {
      const cameraAps = parseCameraAps(`q2gv-7hjk-2lmn: ${AP1.toUpperCase()}`); // serial typed in lower case, MAC in upper
      const observations = [
        obs(T + 10 * S, A, 50, AP1), // from the camera's AP
        obs(T + 20 * S, A, 90, AP7), // A's strongest, but from another AP: does not count
        obs(T + 15 * S, B, 70, AP7), // only from another AP
        obs(T + 25 * S, C, 70, null), // no AP known
      ];

      it('only observations from the camera\'s APs count (the strongest among those)', () => {
        const c = correlateOnce(observations, act(T, T + MIN), { cameraAps });
        assert.deepEqual(c.devices, [{ clientMac: A, seenTime: iso(T + 10 * S), rssi: 50, apMac: AP1 }]);
      });

      it('the activity\'s serial is matched in any case', () => {
        const c = correlateOnce(observations, act(T, T + MIN, { serial: 'Q2gv-7HJK-2lmn' }), { cameraAps });
        assert.deepEqual(c.devices.map((d) => d.clientMac), [A]);
      });

      it('a camera absent from a non-empty map is not filtered: every AP counts for it', () => {
        // correlate.ts camerasAps(): map.get(serial) is undefined → no AP filter for that camera
        const c = correlateOnce(observations, act(T, T + MIN, { serial: 'Q2XX-0000-0000' }), { cameraAps });
        assert.deepEqual(brief(c), [
          [B, iso(T + 15 * S), 70],
          [A, iso(T + 20 * S), 90],
          [C, iso(T + 25 * S), 70],
        ]);
      });

      it('an empty map filters nothing', () => {
        const c = correlateOnce(observations, act(T, T + MIN), { cameraAps: new Map() });
        assert.equal(c.deviceCount, 3);
      });
    });
  });

  describe('settling (late observations)', () => {
    // activity [T, T+60 s]: window end tsOut + windowS = T+90 s; it arrives at wall clock W
    const W = T + 5 * MIN;

    it('an observation that arrives after the activity but before it settles is included', () => {
      const c = correlator();
      c.addObservation(obs(T + 10 * S, A));
      c.addActivity(act(T, T + 60 * S), W);
      assert.deepEqual(c.settle(W), [], 'not settled yet: no observation past T+90 s, and the wait is not over');
      c.addObservation(obs(T + 30 * S, B)); // late, but in time
      const out = c.settle(W + 120 * S);
      assert.deepEqual(out.map((x) => x.devices.map((d) => d.clientMac)), [[A, B]]);
    });

    it('settles by watermark: an observation exactly AT tsOut + windowS does not settle it, one 1 ms later does', () => {
      const c = correlator();
      c.addActivity(act(T, T + 60 * S), W);
      c.addObservation(obs(T + 90 * S, A)); // = tsOut + windowS: not past it
      assert.deepEqual(c.settle(W), []);
      assert.equal(c.pendingCount, 1);
      c.addObservation(obs(T + 90 * S + 1, B)); // past it (and itself outside the window)
      const out = c.settle(W); // same wall clock: the watermark alone settles it
      assert.equal(out.length, 1);
      assert.deepEqual(out[0].devices.map((d) => d.clientMac), [A]);
      assert.equal(c.pendingCount, 0);
      assert.deepEqual(c.settle(W + HOUR), [], 'settled once only');
    });

    it('the watermark counts any observation, weak ones included (the newest observation seen)', () => {
      const c = correlator();
      c.addActivity(act(T, T + 60 * S), W);
      c.addObservation(obs(T + 91 * S, A, 10)); // below the threshold, but newer than T+90 s
      assert.equal(c.settle(W).length, 1);
    });

    it('an activity that arrives when newer observations are already in settles at the next settle()', () => {
      const c = correlator();
      c.addObservation(obs(T + 20 * S, A));
      c.addObservation(obs(T + 3 * MIN, B));
      c.addActivity(act(T, T + 60 * S), W);
      const out = c.settle(W);
      assert.deepEqual(out.map((x) => x.devices.map((d) => d.clientMac)), [[A]]);
    });

    it('settles by timeout: nothing before wallNow reaches arrival + waitS; at that moment, with whatever was there', () => {
      const c = correlator();
      c.addObservation(obs(T + 10 * S, A));
      c.addActivity(act(T, T + 60 * S), W);
      assert.deepEqual(c.settle(W + 120 * S - 1), []); // 1 ms before the deadline: nothing
      assert.equal(c.pendingCount, 1);
      const out = c.settle(W + 120 * S); // wallNow = arrival + 120 s ≥ deadline
      assert.deepEqual(out.map((x) => x.devices.map((d) => d.clientMac)), [[A]]);
      assert.equal(c.pendingCount, 0);
      c.addObservation(obs(T + 11 * S, B)); // too late: the correlation was emitted
      assert.deepEqual(c.settle(W + HOUR), []);
      assert.deepEqual(c.summary(W + HOUR).correlations[0].devices.map((d) => d.clientMac), [A]);
    });

    it('a custom waitS is honoured, and each activity has its own deadline', () => {
      const c = correlator({ waitS: 10 });
      c.addActivity(act(T, T + MIN, { zone: '1' }), W);
      c.addActivity(act(T, T + MIN, { zone: '2' }), W + 5 * S);
      assert.deepEqual(c.settle(W + 10 * S - 1), []);
      assert.deepEqual(c.settle(W + 10 * S).map((x) => x.activity.zone), ['1']);
      assert.deepEqual(c.settle(W + 15 * S).map((x) => x.activity.zone), ['2']);
    });

    it('the version moves on every change (the node emits a summary when it moved)', () => {
      const c = correlator();
      const v0 = c.version;
      c.addObservation(obs(T, A));
      const v1 = c.version;
      assert.ok(v1 > v0);
      c.addActivity(act(T, T + MIN), W);
      const v2 = c.version;
      assert.ok(v2 > v1);
      c.settle(W);
      assert.equal(c.version, v2, 'nothing settled, nothing changed');
      c.settle(W + HOUR);
      assert.ok(c.version > v2);
    });
  });

  describe('visits in the summary', () => {
    const NOW = T + MIN; // wall clock; the window is the 24 h before it

    function summaryOf(observations: ObservationInput[], opts: Partial<CorrelateOptions> = {}) {
      const c = correlator(opts);
      for (const o of observations) c.addObservation(o);
      return c.summary(NOW);
    }
    const dev = (s: ReturnType<typeof summaryOf>, m: string) => s.devices.find((d) => d.clientMac === m);

    it('a gap of exactly 300 s starts a new visit; 299.999 s does not', () => {
      const s = summaryOf([obs(T - HOUR, A), obs(T - HOUR + 300 * S, A), obs(T - HOUR, B), obs(T - HOUR + 299_999, B)]);
      // A: two visits of dwell 0; B: one visit of 299.999 s
      assert.deepEqual(dev(s, A), { clientMac: A, visits: 2, dwellS: 0, firstSeen: iso(T - HOUR), lastSeen: iso(T - HOUR + 300 * S), staff: false });
      assert.deepEqual(dev(s, B), { clientMac: B, visits: 1, dwellS: 299.999, firstSeen: iso(T - HOUR), lastSeen: iso(T - HOUR + 299_999), staff: false });
    });

    it('a single observation is a visit of dwell 0', () => {
      const s = summaryOf([obs(T - 10 * MIN, A)]);
      assert.deepEqual(s.devices, [{ clientMac: A, visits: 1, dwellS: 0, firstSeen: iso(T - 10 * MIN), lastSeen: iso(T - 10 * MIN), staff: false }]);
      assert.deepEqual(s.visitors, { devices: 1, visits: 1, avgDwellS: 0, filteredDevices: 0 });
    });

    it('weak observations (below rssiThreshold) still make visits', () => {
      const s = summaryOf([obs(T - 10 * MIN, A, 16), obs(T - 8 * MIN, A, 16)]);
      assert.equal(dev(s, A)?.dwellS, 120);
    });

    it('late observations join visits; one that bridges two visits makes them one; duplicates change nothing', () => {
      const base = [obs(T - 30 * MIN, A), obs(T - 29 * MIN, A), obs(T - 21 * MIN, A), obs(T - 20 * MIN, A)];
      // in order: [−30, −29] and [−21, −20] (gap 8 min) → 2 visits, dwell 60 + 60 = 120 s
      assert.deepEqual(dev(summaryOf(base), A), { clientMac: A, visits: 2, dwellS: 120, firstSeen: iso(T - 30 * MIN), lastSeen: iso(T - 20 * MIN), staff: false });
      // a late one at −25 min (4 min from each) bridges them: one visit of 600 s
      const bridged = summaryOf([...base, obs(T - 25 * MIN, A)]);
      assert.deepEqual(dev(bridged, A), { clientMac: A, visits: 1, dwellS: 600, firstSeen: iso(T - 30 * MIN), lastSeen: iso(T - 20 * MIN), staff: false });
      // a late one at −40 min (10 min before the first) is a visit of its own, in front
      const split = summaryOf([...base, obs(T - 40 * MIN, A)]);
      assert.deepEqual(dev(split, A), { clientMac: A, visits: 3, dwellS: 120, firstSeen: iso(T - 40 * MIN), lastSeen: iso(T - 20 * MIN), staff: false });
      // arrival order does not matter
      const shuffled = summaryOf([base[3], base[0], obs(T - 25 * MIN, A), base[2], base[1]]);
      assert.deepEqual(dev(shuffled, A), dev(bridged, A));
      // duplicates (in and out of order) change nothing
      const dup = summaryOf([...base, ...base, base[0], base[3]]);
      assert.deepEqual(dup.devices, summaryOf(base).devices);
      assert.deepEqual(dup.visitors, summaryOf(base).visitors);
      assert.deepEqual(dup.cmxHourly, summaryOf(base).cmxHourly);
    });

    it('long dwell: total dwell ≥ filterDwellS (3600 s) is staff, excluded from visitor figures and cmxHourly, still listed', () => {
      const o: ObservationInput[] = [];
      // S1: every 4 min from 10:00Z to 11:00Z → one visit, dwell exactly 3600 s → staff
      for (let t = T - 2 * HOUR; t <= T - HOUR; t += 4 * MIN) o.push(obs(t, 'staff-1'));
      // S2: two visits 10:00–10:40 and 11:00–11:20 (40 + 20 min = 3600 s in total) → staff
      for (let t = T - 2 * HOUR; t <= T - 80 * MIN; t += 4 * MIN) o.push(obs(t, 'staff-2'));
      for (let t = T - HOUR; t <= T - 40 * MIN; t += 4 * MIN) o.push(obs(t, 'staff-2'));
      // X: 10:00:00.001 → 11:00 = 3599.999 s → a visitor
      o.push(obs(T - 2 * HOUR + 1, 'x-almost'));
      for (let t = T - 2 * HOUR + 4 * MIN; t <= T - HOUR; t += 4 * MIN) o.push(obs(t, 'x-almost'));
      // V1: 11:30, 11:34, 11:38, 11:40 → [11:30, 11:40] (600 s), then 11:50 (gap 10 min) → [11:50] (0 s): 2 visits
      // V2: 11:10, 11:13, 11:15 → [11:10, 11:15] (300 s)
      o.push(obs(T - 30 * MIN, 'v1'), obs(T - 26 * MIN, 'v1'), obs(T - 22 * MIN, 'v1'), obs(T - 20 * MIN, 'v1'), obs(T - 10 * MIN, 'v1'));
      o.push(obs(T - 50 * MIN, 'v2'), obs(T - 47 * MIN, 'v2'), obs(T - 45 * MIN, 'v2'));
      const s = summaryOf(o);
      const byMac = Object.fromEntries(s.devices.map((d) => [d.clientMac, d]));
      assert.deepEqual(byMac['staff-1'], { clientMac: 'staff-1', visits: 1, dwellS: 3600, firstSeen: iso(T - 2 * HOUR), lastSeen: iso(T - HOUR), staff: true });
      assert.deepEqual(byMac['staff-2'], { clientMac: 'staff-2', visits: 2, dwellS: 3600, firstSeen: iso(T - 2 * HOUR), lastSeen: iso(T - 40 * MIN), staff: true });
      assert.equal(byMac['x-almost'].dwellS, 3599.999);
      assert.equal(byMac['x-almost'].staff, false);
      assert.deepEqual(byMac.v1, { clientMac: 'v1', visits: 2, dwellS: 600, firstSeen: iso(T - 30 * MIN), lastSeen: iso(T - 10 * MIN), staff: false });
      assert.deepEqual(byMac.v2, { clientMac: 'v2', visits: 1, dwellS: 300, firstSeen: iso(T - 50 * MIN), lastSeen: iso(T - 45 * MIN), staff: false });
      // visitors: x-almost (1 visit, 3599.999 s), v1 (2, 600 s), v2 (1, 300 s)
      // avgDwellS = (3599.999 + 600 + 300) / 4 = 1124.99975 → 1125.0 (one decimal)
      assert.deepEqual(s.visitors, { devices: 3, visits: 4, avgDwellS: 1125, filteredDevices: 2 });
      // cmxHourly (UTC): x-almost's visit 10:00–11:00 → hours 10 and 11; v1's two visits → 11, 11; v2 → 11.
      // The staff devices (10:00–11:00, 11:00–11:20) would add to 10 and 11 if counted.
      const expected = new Array(24).fill(0);
      expected[10] = 1;
      expected[11] = 4;
      assert.deepEqual(s.cmxHourly, expected);
      assert.equal(s.busiestHour.cmx, 11);
    });

    it('avgDwellS = total dwell ÷ visits over the visitors; 0 when there are none', () => {
      // A: visits of 120 s and 0 s; B: 90 s → (120 + 0 + 90) / 3 = 70
      const s = summaryOf([obs(T - 30 * MIN, A), obs(T - 28 * MIN, A), obs(T - 10 * MIN, A), obs(T - 5 * MIN, B), obs(T - 5 * MIN + 90 * S, B)]);
      assert.deepEqual(s.visitors, { devices: 2, visits: 3, avgDwellS: 70, filteredDevices: 0 });
      const staffOnly = summaryOf([obs(T - 3 * HOUR, A), obs(T - 3 * HOUR + 2 * MIN, A)], { filterDwellS: 60 });
      assert.deepEqual(staffOnly.visitors, { devices: 0, visits: 0, avgDwellS: 0, filteredDevices: 1 });
      assert.deepEqual(staffOnly.cmxHourly, new Array(24).fill(0));
      assert.equal(staffOnly.busiestHour.cmx, null);
      assert.deepEqual(summaryOf([]).visitors, { devices: 0, visits: 0, avgDwellS: 0, filteredDevices: 0 });
    });
  });

  describe('hourly counts', () => {
    it('America/New_York: an activity 23:40 → 00:20 local adds its peak to slots 23 and 0; a visit across midnight adds 1 to both', () => {
      const c = correlator({ timeZone: 'America/New_York' });
      // June: EDT = UTC−4. 23:40 EDT on the 20th = 2024-06-21T03:40Z; 00:20 EDT = 04:20Z
      c.addActivity(act(utc('2024-06-21T03:40:00Z'), utc('2024-06-21T04:20:00Z'), { peakPeople: 3 }), utc('2024-06-21T04:21:00Z'));
      // a visit 23:50 → 00:06 EDT (every 4 min: one visit)
      for (const m of [50, 54, 58, 62, 66]) c.addObservation(obs(utc('2024-06-21T03:00:00Z') + m * MIN, A));
      const s = c.summary(utc('2024-06-21T05:00:00Z'));
      assert.equal(s.timezone, 'America/New_York');
      const mv = new Array(24).fill(0);
      mv[23] = 3;
      mv[0] = 3;
      assert.deepEqual(s.hourly, { [`${CAM}/0`]: mv });
      const cmx = new Array(24).fill(0);
      cmx[23] = 1;
      cmx[0] = 1;
      assert.deepEqual(s.cmxHourly, cmx);
      // ties: the earliest hour (0 before 23)
      assert.deepEqual(s.busiestHour, { mv: 0, cmx: 0 });
    });

    it('Asia/Kolkata (UTC+5:30): local hour boundaries fall on hh:30 UTC', () => {
      const c = correlator({ timeZone: 'Asia/Kolkata' });
      // 18:00Z–19:00Z = 23:30–00:30 IST → 23 and 0
      c.addActivity(act(utc('2024-06-20T18:00:00Z'), utc('2024-06-20T19:00:00Z'), { zone: '1', peakPeople: 2 }), utc('2024-06-20T19:01:00Z'));
      // 04:00Z–04:59Z = 09:30–10:29 IST → 9 and 10 (whole-hour arithmetic on UTC would give hour 4 only)
      c.addActivity(act(utc('2024-06-20T04:00:00Z'), utc('2024-06-20T04:59:00Z'), { zone: '1', peakPeople: 5 }), utc('2024-06-20T05:00:00Z'));
      // 04:31Z–05:29Z = 10:01–10:59 IST → 10 only
      c.addActivity(act(utc('2024-06-20T04:31:00Z'), utc('2024-06-20T05:29:00Z'), { zone: '1', peakPeople: 1 }), utc('2024-06-20T05:30:00Z'));
      const s = c.summary(utc('2024-06-20T20:00:00Z'));
      const mv = new Array(24).fill(0);
      mv[23] = 2;
      mv[0] = 2;
      mv[9] = 5;
      mv[10] = 5 + 1;
      assert.deepEqual(s.hourly[`${CAM}/1`], mv);
      assert.equal(s.busiestHour.mv, 10);
      assert.deepEqual(s.zones.map((z) => [z.zone, z.activities, z.people]), [['1', 3, 8]]);
    });

    it('Europe/London on 2024-03-31 (clocks go forward at 01:00Z): 00:30 GMT → 02:30 BST adds to 0 and 2, never to the missing 1', () => {
      const c = correlator({ timeZone: 'Europe/London' });
      c.addActivity(act(utc('2024-03-31T00:30:00Z'), utc('2024-03-31T01:30:00Z'), { peakPeople: 5 }), utc('2024-03-31T01:31:00Z'));
      // a visit 00:50Z → 01:10Z (00:50 GMT → 02:10 BST)
      for (const m of [50, 54, 58, 62, 66, 70]) c.addObservation(obs(utc('2024-03-31T00:00:00Z') + m * MIN, A));
      const s = c.summary(utc('2024-03-31T03:00:00Z'));
      const mv = new Array(24).fill(0);
      mv[0] = 5;
      mv[2] = 5;
      assert.deepEqual(s.hourly[`${CAM}/0`], mv);
      const cmx = new Array(24).fill(0);
      cmx[0] = 1;
      cmx[2] = 1;
      assert.deepEqual(s.cmxHourly, cmx);
      assert.deepEqual(s.busiestHour, { mv: 0, cmx: 0 });
    });

    it('Europe/London on 2024-10-27 (clocks go back at 01:00Z): the two clock hours labelled 01 both add to slot 1', () => {
      // 00:30Z–01:30Z = 01:30 BST → 01:30 GMT: it overlaps the 01:00 BST hour and the 01:00 GMT hour,
      // two hours that fall in the same hour-of-day slot and so "add up in that hour's slot"
      const c = correlator({ timeZone: 'Europe/London' });
      c.addActivity(act(utc('2024-10-27T00:30:00Z'), utc('2024-10-27T01:30:00Z'), { peakPeople: 2 }), utc('2024-10-27T01:31:00Z'));
      const s = c.summary(utc('2024-10-27T03:00:00Z'));
      const mv = new Array(24).fill(0);
      mv[1] = 4;
      assert.deepEqual(s.hourly[`${CAM}/0`], mv);
    });

    it('what falls in the same hour of day on different days adds up in that slot', () => {
      const c = correlator();
      c.addActivity(act(T - 23 * HOUR - 30 * MIN, T - 23 * HOUR - 20 * MIN, { peakPeople: 2 }), T); // 12:30Z yesterday → 12
      c.addActivity(act(T + 10 * MIN, T + 20 * MIN, { peakPeople: 3 }), T + 21 * MIN); // 12:10Z today → 12
      const s = c.summary(T + 30 * MIN);
      assert.equal(s.hourly[`${CAM}/0`][12], 5);
      assert.equal(s.busiestHour.mv, 12);
    });

    it('busiest(): the highest slot, the earliest on ties; null when all are zero', () => {
      assert.equal(busiest(new Array(24).fill(0)), null);
      const slots = new Array(24).fill(0);
      slots[7] = 4;
      slots[3] = 4;
      slots[20] = 1;
      assert.equal(busiest(slots), 3);
      slots[22] = 5;
      assert.equal(busiest(slots), 22);
      assert.deepEqual(correlator().summary(T).busiestHour, { mv: null, cmx: null });
    });
  });

  describe('rolling window', () => {
    it('activities, visits and correlations older than windowHours (by wall clock) leave the summary', () => {
      const c = correlator({ windowHours: 2 });
      // wall clock runs from T; the window at T+3h starts at T+1h
      c.addActivity(act(T, T + 10 * MIN, { zone: 'old' }), T + 11 * MIN);
      c.addActivity(act(T + 50 * MIN, T + 70 * MIN, { zone: 'straddles', peakPeople: 7 }), T + 71 * MIN);
      c.addActivity(act(T + 2 * HOUR, T + 2 * HOUR + 5 * MIN, { zone: 'new' }), T + 2 * HOUR + 6 * MIN);
      c.addObservation(obs(T + 9 * MIN + 30 * S, A)); // old visit
      c.addObservation(obs(T + 2 * HOUR, B)); // new visit
      assert.equal(c.settle(T + 2 * HOUR + 9 * MIN).length, 3); // every wait is over
      const early = c.summary(T + 2 * HOUR + 9 * MIN); // window from T+9 min: all three activities, both devices
      assert.deepEqual(early.zones.map((z) => z.zone), ['new', 'old', 'straddles']);
      assert.deepEqual(early.devices.map((d) => d.clientMac).sort(), [A, B]);
      assert.equal(early.correlations.length, 3);

      const s = c.summary(T + 3 * HOUR); // an hour later the window starts at T+1h
      assert.deepEqual(s.zones.map((z) => z.zone), ['new', 'straddles']);
      assert.deepEqual(s.devices.map((d) => d.clientMac), [B]);
      assert.deepEqual(s.correlations.map((x) => x.zone), ['new', 'straddles']);
      // the straddling activity (12:50–13:10Z) counts, but only its part inside the window (from 13:00Z) is charted
      const straddles = new Array(24).fill(0);
      straddles[13] = 7;
      assert.deepEqual(s.hourly[`${CAM}/straddles`], straddles);
      assert.equal(s.zones.find((z) => z.zone === 'straddles')?.people, 7);
      // and what left the window is forgotten, not just hidden
      assert.equal(c.sizes.activities, 2);
      assert.equal(c.sizes.devices, 1);
    });

    it('evict() forgets observations that left the window, but keeps those a pending activity still needs', () => {
      const c = correlator({ windowHours: 1 });
      const now = T + 3 * HOUR;
      // an activity from two hours ago arrives now (e.g. replayed): its observations are older than the window
      c.addObservation(obs(T + HOUR + 10 * S, A));
      c.addObservation(obs(T + HOUR + 20 * MIN, B)); // not needed by the activity
      c.addObservation(obs(now - 10 * MIN, C)); // recent
      c.addActivity(act(T + HOUR, T + HOUR + MIN), now);
      c.evict(now);
      // kept: everything from tsIn − windowS on (A, B and C), since the activity is pending
      assert.equal(c.sizes.observations, 3);
      const out = c.settle(now + 120 * S);
      assert.deepEqual(out.map((x) => x.devices.map((d) => d.clientMac)), [[A]]);
      c.evict(now + 120 * S);
      assert.equal(c.sizes.observations, 1, 'once settled, only the recent observation stays');
    });

    it('evict() keeps observations back to windowS before the window start (an activity may still need them)', () => {
      const c = correlator({ windowHours: 1 });
      const now = T + 2 * HOUR;
      const start = now - HOUR;
      c.addObservation(obs(start - 30 * S - 1, A)); // older than start − windowS: dropped
      c.addObservation(obs(start - 30 * S, B)); // kept
      c.evict(now);
      assert.equal(c.sizes.observations, 1);
    });
  });

  describe('summary shape', () => {
    it('has exactly the SPEC keys (zones also carry the camera name, null when unknown)', () => {
      const c = correlator();
      c.addObservation(obs(T + 10 * S, A));
      c.addActivity(act(T, T + MIN), T + 2 * MIN);
      c.settle(T + 10 * MIN);
      const s = c.summary(T + 10 * MIN);
      assert.deepEqual(Object.keys(s).sort(), ['busiestHour', 'cmxHourly', 'correlations', 'devices', 'generatedAt', 'hourly', 'timezone', 'visitors', 'windowHours', 'zones']);
      assert.equal(s.generatedAt, iso(T + 10 * MIN));
      assert.equal(s.timezone, 'UTC');
      assert.equal(s.windowHours, 24);
      // SPEC: { serial, zone, label, activities, people, lastActivityAt }; `name` is the camera name
      // (SPEC section 4: "Camera names likewise … shown beside serials where known")
      assert.deepEqual(Object.keys(s.zones[0]).sort(), ['activities', 'label', 'lastActivityAt', 'name', 'people', 'serial', 'zone']);
      assert.deepEqual(s.zones[0], { serial: CAM, zone: '0', label: 'Full frame', name: null, activities: 1, people: 2, lastActivityAt: iso(T) });
      assert.deepEqual(Object.keys(s.hourly), [`${CAM}/0`]);
      assert.equal(s.hourly[`${CAM}/0`].length, 24);
      assert.equal(s.cmxHourly.length, 24);
      assert.deepEqual(Object.keys(s.busiestHour).sort(), ['cmx', 'mv']);
      assert.deepEqual(Object.keys(s.visitors).sort(), ['avgDwellS', 'devices', 'filteredDevices', 'visits']);
      assert.deepEqual(Object.keys(s.devices[0]).sort(), ['clientMac', 'dwellS', 'firstSeen', 'lastSeen', 'staff', 'visits']);
      assert.deepEqual(Object.keys(s.correlations[0]).sort(), ['devices', 'peakPeople', 'serial', 'timeIn', 'timeOut', 'zone']);
      assert.deepEqual(Object.keys(s.correlations[0].devices[0]).sort(), ['apMac', 'clientMac', 'rssi', 'seenTime']);
      assert.deepEqual(s.correlations[0], { serial: CAM, zone: '0', timeIn: iso(T), timeOut: iso(T + MIN), peakPeople: 2, devices: [{ clientMac: A, seenTime: iso(T + 10 * S), rssi: 60, apMac: AP1 }] });
      assert.doesNotThrow(() => JSON.stringify(s));
    });

    it('zones: people = sum of peaks, activities = their number, lastActivityAt = the latest tsIn', () => {
      const c = correlator();
      c.addActivity(act(T - 2 * HOUR, T - HOUR, { peakPeople: 3 }), T);
      c.addActivity(act(T - 30 * MIN, T - 20 * MIN, { peakPeople: 4 }), T);
      c.addActivity(act(T - 3 * HOUR, T - 170 * MIN, { peakPeople: 1 }), T); // arrives last, but is the oldest
      const z = c.summary(T).zones;
      assert.deepEqual(z, [{ serial: CAM, zone: '0', label: 'Full frame', name: null, activities: 3, people: 8, lastActivityAt: iso(T - 30 * MIN) }]);
    });

    it('zone labels: "Full frame" for zone "0", null for others; the label map wins (serial in any case); camera names', () => {
      const labels = parseLabels('q2gv-7hjk-2lmn/0: Shop floor\nQ2GV-7HJK-2LMN/5: Till\nq2gv-7hjk-2lmn: Front door');
      const c = correlator({ labels });
      const add = (serial: string, zone: string): void => c.addActivity(act(T - HOUR, T - 50 * MIN, { serial, zone }), T);
      add(CAM, '0');
      add('q2gv-7hjk-2lmn', '5'); // serial in lower case: same labels
      add(CAM, '7');
      add('Q2XX-0000-0000', '0');
      add('Q2XX-0000-0000', '3');
      const got = c.summary(T).zones.map((z) => [z.serial, z.zone, z.label, z.name]);
      assert.deepEqual(got, [
        [CAM, '0', 'Shop floor', 'Front door'],
        [CAM, '7', null, 'Front door'],
        ['Q2XX-0000-0000', '0', 'Full frame', null],
        ['Q2XX-0000-0000', '3', null, null],
        ['q2gv-7hjk-2lmn', '5', 'Till', 'Front door'],
      ]);
    });

    it('labels typed in the editor win over those learnt from the Dashboard API', () => {
      const c = correlator({ labels: parseLabels(`${CAM}/1: Typed`) });
      c.learnLabels([[`${CAM}/1`, 'Learnt'], [`${CAM}/2`, 'Learnt 2'], [CAM, 'Cam name']]);
      c.addActivity(act(T - HOUR, T - 50 * MIN, { zone: '1' }), T);
      c.addActivity(act(T - HOUR, T - 50 * MIN, { zone: '2' }), T);
      assert.deepEqual(c.summary(T).zones.map((z) => [z.zone, z.label, z.name]), [['1', 'Typed', 'Cam name'], ['2', 'Learnt 2', 'Cam name']]);
    });

    it(`devices: latest first, at most ${MAX_SUMMARY_DEVICES} (visitor figures still count them all)`, () => {
      assert.equal(MAX_SUMMARY_DEVICES, 100);
      const c = correlator();
      // 120 devices, device i last seen at T − i min, fed in a scrambled order
      for (let k = 0; k < 120; k++) {
        const i = (k * 37) % 120;
        c.addObservation(obs(T - i * MIN - 30 * S, mac(i)));
        c.addObservation(obs(T - i * MIN, mac(i)));
      }
      const s = c.summary(T);
      assert.equal(s.devices.length, 100);
      assert.deepEqual(s.devices.map((d) => d.clientMac), Array.from({ length: 100 }, (_, i) => mac(i)));
      assert.equal(s.devices[0].lastSeen, iso(T));
      assert.equal(s.visitors.devices, 120);
      assert.equal(s.visitors.visits, 120);
      assert.equal(s.visitors.avgDwellS, 30);
    });

    it(`correlations: newest first by tsIn, at most ${MAX_SUMMARY_CORRELATIONS}, whatever the order they settle in`, () => {
      assert.equal(MAX_SUMMARY_CORRELATIONS, 50);
      const c = correlator();
      // 60 activities, activity i at T − i × 10 min, arriving in a scrambled order
      for (let k = 0; k < 60; k++) {
        const i = (k * 23) % 60;
        c.addActivity(act(T - i * 10 * MIN, T - i * 10 * MIN + MIN, { zone: String(i) }), T + k * S);
        if (k % 7 === 0) c.settle(T + HOUR); // settle some early, in between
      }
      c.settle(T + HOUR);
      const s = c.summary(T + HOUR);
      assert.equal(s.correlations.length, 50);
      assert.deepEqual(s.correlations.map((x) => x.zone), Array.from({ length: 50 }, (_, i) => String(i)));
      assert.deepEqual(s.correlations.map((x) => x.timeIn), Array.from({ length: 50 }, (_, i) => iso(T - i * 10 * MIN)));
      assert.equal(s.zones.length, 60, 'the zones still count every activity');
    });

    it('restored activities are counted but not correlated; restored correlations take their place in the list', () => {
      const c = correlator();
      c.restoreActivity(act(T - HOUR, T - 50 * MIN, { peakPeople: 6 }));
      assert.equal(c.pendingCount, 0);
      assert.deepEqual(c.settle(T + HOUR), []);
      c.restoreCorrelation({ serial: CAM, zone: '0', timeIn: iso(T - 2 * HOUR), timeOut: iso(T - 2 * HOUR + MIN), peakPeople: 1, devices: [] });
      c.addActivity(act(T - 30 * MIN, T - 29 * MIN), T);
      c.restoreCorrelation({ serial: CAM, zone: '0', timeIn: iso(T - 40 * MIN), timeOut: iso(T - 39 * MIN), peakPeople: 1, devices: [] });
      c.settle(T + HOUR);
      const s = c.summary(T);
      assert.equal(s.zones[0].people, 6 + 2);
      assert.deepEqual(s.correlations.map((x) => x.timeIn), [iso(T - 30 * MIN), iso(T - 40 * MIN), iso(T - 2 * HOUR)]);
    });
  });

  describe('memory', () => {
    it('stays bounded over 3 simulated days while the wall clock advances (sizes do not grow with the days)', function () {
      this.timeout(20_000); // a lot of work in one test; nothing here measures time
      const c = correlator({ windowHours: 24 });
      const DAY = 24 * HOUR;
      const start = T;
      const maxima: { observations: number; devices: number; activities: number; pending: number }[] = [];
      let cur = { observations: 0, devices: 0, activities: 0, pending: 0 };
      let settled = 0;
      const rnd = prng(42);
      for (let m = 0; m < 3 * 24 * 60; m++) {
        const wall = start + m * MIN;
        if (m % (24 * 60) === 0) {
          if (m > 0) maxima.push(cur);
          cur = { observations: 0, devices: 0, activities: 0, pending: 0 };
        }
        // 8 observations a minute, about a minute late, some later; visitors change every hour, plus 3 staff devices
        const hour = Math.floor(m / 60);
        for (let k = 0; k < 8; k++) {
          const who = k < 2 ? `staff-${rnd(3)}` : `v-${hour}-${rnd(30)}`;
          c.addObservation(obs(wall - MIN - rnd(rnd(10) === 0 ? 10 * MIN : 30 * S), who, 30 + rnd(40), rnd(2) ? AP1 : AP7));
        }
        // an activity closes every 10 minutes
        if (m % 10 === 0) c.addActivity(act(wall - 6 * MIN, wall - 2 * MIN, { zone: String(rnd(3)), peakPeople: 1 + rnd(4) }), wall);
        settled += c.settle(wall).length;
        if (m % 15 === 0) c.summary(wall);
        else if (m % 5 === 0) c.evict(wall);
        const z = c.sizes;
        cur = {
          observations: Math.max(cur.observations, z.observations),
          devices: Math.max(cur.devices, z.devices),
          activities: Math.max(cur.activities, z.activities),
          pending: Math.max(cur.pending, z.pending),
        };
      }
      maxima.push(cur);
      assert.equal(settled, 3 * 24 * 6, 'every activity was correlated');
      // Bounds from the window (24 h) plus an hour of slack, independent of the number of days:
      //   observations: 8/min × 60 × 25 h = 12 000 at most
      //   devices: 3 staff + 30 visitors per hour × 26 h (late observations touch the next hour) = 783
      //   activities: 6/h × 25 h = 150; pending: settled each minute by the watermark or the wait (120 s)
      for (const [day, mx] of maxima.entries()) {
        assert.ok(mx.observations <= 12_000, `day ${day + 1}: observations ${mx.observations}`);
        assert.ok(mx.devices <= 783, `day ${day + 1}: devices ${mx.devices}`);
        assert.ok(mx.activities <= 150, `day ${day + 1}: activities ${mx.activities}`);
        assert.ok(mx.pending <= 1, `day ${day + 1}: pending ${mx.pending}`);
      }
      // and day 3 holds no more than day 2 (a full window each): no slow leak
      assert.ok(maxima[2].observations <= maxima[1].observations * 1.02 + 50, JSON.stringify(maxima));
      assert.ok(maxima[2].devices <= maxima[1].devices + 10, JSON.stringify(maxima));
      assert.ok(maxima[2].activities <= maxima[1].activities + 1, JSON.stringify(maxima));
      // the summary still describes a full window: activities with tsOut (wall − 2 min) ≥ start + 2 days,
      // i.e. those of minutes 2890, 2900, …, 4310 → 143
      const s = c.summary(start + 3 * DAY);
      assert.equal(s.zones.reduce((n, z) => n + z.activities, 0), 143);
      assert.equal(s.correlations.length, 50);
    });
  });
});
