/**
 * Issue 10 (items 2 and 3): times from the network are bounded against the wall clock, in one
 * helper (src/lib/time.ts) used by the MV parser, the activity detector and the Scanning API
 * normalisation; and nothing spreads a large collection into a call's arguments.
 */
import { strict as assert } from 'assert';
import { ActivityDetector, countInput } from '../../src/lib/activity';
import { classifyInput, Correlator } from '../../src/lib/correlate';
import { MvSenseParser, verdict } from '../../src/lib/mv-sense';
import { checkPost, normalise, PostNormaliser } from '../../src/lib/scanning';
import {
  checkTime, DEFAULT_FUTURE_TOLERANCE_S, futureToleranceMs, MIN_TIME_MS, timeRefusal,
} from '../../src/lib/time';
import { VisitTracker } from '../../src/lib/visits';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const Y2100 = 4102444800000;
const SECRET = 's3cr3t-shared-value';

describe('time bounds', () => {
  describe('checkTime / futureToleranceMs', () => {
    it('up to the tolerance ahead of the clock is fine, beyond it is "future"', () => {
      const tol = DEFAULT_FUTURE_TOLERANCE_S * 1000;
      assert.equal(tol, 300_000, 'the default tolerance is 5 min');
      assert.equal(checkTime(NOW + tol, NOW), 'ok');
      assert.equal(checkTime(NOW + tol + 1, NOW), 'future');
      assert.equal(checkTime(Y2100, NOW), 'future');
      assert.equal(checkTime(NOW + 10_000, NOW, 5_000), 'future');
    });

    it('before 2015-01-01 is "old" (a reset clock, or a number in the wrong unit); the floor can be left out', () => {
      assert.equal(MIN_TIME_MS, Date.parse('2015-01-01T00:00:00Z'));
      assert.equal(checkTime(MIN_TIME_MS, NOW), 'ok');
      assert.equal(checkTime(MIN_TIME_MS - 1, NOW), 'old');
      assert.equal(checkTime(0, NOW), 'old');
      assert.equal(checkTime(99999999999, NOW), 'old', '99999999999 read as ms is 1973');
      assert.equal(checkTime(1000, NOW, 300_000, false), 'ok');
      assert.equal(checkTime(NaN, NOW), 'old');
    });

    it('the option: empty → 5 min; seconds 0..86400; anything else is refused with a readable error', () => {
      assert.equal(futureToleranceMs(undefined), 300_000);
      assert.equal(futureToleranceMs(''), 300_000);
      assert.equal(futureToleranceMs('60'), 60_000);
      assert.equal(futureToleranceMs(0), 0);
      for (const bad of ['-1', 'x', 86_401, Infinity, {}]) assert.throws(() => futureToleranceMs(bad), /ahead of the clock/);
    });

    it('timeRefusal names the time and the bound', () => {
      assert.match(timeRefusal('future', Y2100, 300_000), /2100-01-01T00:00:00.000Z is more than 300 s ahead/);
      assert.match(timeRefusal('old', 0, 300_000), /1970-01-01.* before 2015-01-01/);
    });
  });

  describe('MV parser', () => {
    const p = new MvSenseParser();
    it('a count more than 5 min ahead of the clock is invalid, with the reason', () => {
      const r = p.parse('/merakimv/S/0', { ts: Y2100, counts: { person: 0 } }, NOW);
      assert.equal(verdict(r), 'invalid');
      if (!r.ok) assert.match(r.reason, /ahead of the clock/);
    });

    it('99999999999 is not accepted as seconds of the year 5138', () => {
      const r = p.parse('/merakimv/S/0', { ts: 99999999999, counts: { person: 1 } }, NOW);
      assert.equal(verdict(r), 'invalid');
      assert.equal(verdict(p.parse('/merakimv/S/0', { ts: '99999999999', counts: { person: 1 } }, NOW)), 'invalid');
    });

    it('detections and light with a far-future or pre-2015 ts are invalid too', () => {
      assert.equal(verdict(p.parse('/merakimv/S/raw_detections', { ts: Y2100, objects: [] }, NOW)), 'invalid');
      assert.equal(verdict(p.parse('/merakimv/S/light', { ts: Y2100, lux: 3 }, NOW)), 'invalid');
      assert.equal(verdict(p.parse('/merakimv/S/0', { ts: 5, counts: { person: 1 } }, NOW)), 'invalid');
    });

    it('within the tolerance (and in the past) is fine; the tolerance is an option', () => {
      assert.equal(verdict(p.parse('/merakimv/S/0', { ts: NOW + 299_000, counts: { person: 1 } }, NOW)), 'ok');
      assert.equal(verdict(p.parse('/merakimv/S/0', { ts: NOW - 86_400_000, counts: { person: 1 } }, NOW)), 'ok');
      const strict = new MvSenseParser({ futureToleranceS: '10' });
      assert.equal(verdict(strict.parse('/merakimv/S/0', { ts: NOW + 11_000, counts: { person: 1 } }, NOW)), 'invalid');
      assert.equal(verdict(strict.parse('/merakimv/S/0', { ts: NOW + 9_000, counts: { person: 1 } }, NOW)), 'ok');
    });
  });

  describe('activity detector', () => {
    it('a far-future ts is refused and counted; it neither silences the key nor creates one', () => {
      const det = new ActivityDetector();
      assert.equal(det.push({ serial: 'S', zone: '0', ts: Y2100, people: 0 }, NOW), 'refused');
      assert.equal(det.refused, 1);
      assert.equal(det.keys, 0, 'a refused message creates no key');
      assert.equal(det.push({ serial: 'S', zone: '0', ts: NOW, people: 1 }, NOW), 'accepted');
      assert.equal(det.counters.active, 1);
      // inside an activity: refused, so it can never become its end
      assert.equal(det.push({ serial: 'S', zone: '0', ts: Y2100, people: 0 }, NOW + 1000), 'refused');
      assert.equal(det.push({ serial: 'S', zone: '0', ts: NOW + 1000, people: 2 }, NOW + 1000), 'accepted');
      assert.equal(det.counters.dropped, 0);
    });

    it('its tolerance is an option', () => {
      const det = new ActivityDetector({}, { futureToleranceS: 1 });
      assert.equal(det.push({ serial: 'S', zone: '0', ts: NOW + 2000, people: 1 }, NOW), 'refused');
      assert.equal(det.push({ serial: 'S', zone: '0', ts: NOW + 500, people: 1 }, NOW), 'accepted');
    });
  });

  describe('Scanning API normalisation', () => {
    const post = (observations: unknown[]) => {
      const v = checkPost({ version: '2.0', secret: SECRET, type: 'DevicesSeen', data: { apMac: '00:18:0a:00:00:01', observations } }, SECRET);
      if (!v.ok) throw new Error(v.error);
      return v.post;
    };
    const obs = (mac: string, seenEpoch: unknown) => ({ clientMac: mac, seenEpoch, rssi: 30 });

    it('observations more than the tolerance ahead, or before 2015, are refused and counted; the rest kept', () => {
      const p = post([obs('aa:00:00:00:00:01', Y2100 / 1000), obs('aa:00:00:00:00:02', NOW / 1000), obs('aa:00:00:00:00:03', 99999999999), obs('aa:00:00:00:00:04', 1000)]);
      const n = new PostNormaliser(p, { limits: { now: NOW } });
      n.step(Infinity);
      const kept = n.result();
      assert.deepEqual(kept.map((o) => o.clientMac), ['aa:00:00:00:00:02']);
      assert.equal(n.refused, 3);
      assert.match(n.lastRefusal ?? '', /ahead of the clock|before 2015/);
    });

    it('the tolerance is an option; without bounds (replay, tests of old posts) nothing is refused', () => {
      const p = post([obs('aa:00:00:00:00:01', NOW / 1000 + 60)]);
      const strict = new PostNormaliser(p, { limits: { now: NOW, toleranceMs: 30_000 } });
      strict.step(Infinity);
      assert.equal(strict.result().length, 0);
      assert.equal(normalise(p).length, 1);
    });
  });

  describe('no spread of a large collection into arguments', () => {
    it('VisitTracker.evictBefore with 200,000 distinct hours does not throw', function () {
      this.timeout(60_000);
      const vt = new VisitTracker({ sessionGapS: 300 });
      const HOUR = 3_600_000;
      for (let h = 0; h < 200_000; h++) vt.add(`aa:00:00:00:${(h >> 8) & 0xff}:${h & 0xff}`, NOW + h * HOUR);
      vt.add('bb:00:00:00:00:01', NOW - 2 * HOUR);
      assert.doesNotThrow(() => vt.evictBefore(NOW - HOUR));
      assert.equal(vt.get('bb:00:00:00:00:01'), undefined);
      assert.doesNotThrow(() => vt.evictBefore(NOW + 1000 * HOUR));
    });

    it('correlating an activity with 150,000 devices seen at the same instant does not throw', function () {
      this.timeout(60_000);
      const c = new Correlator({ waitS: 0 });
      for (let i = 0; i < 150_000; i++) {
        c.addObservation({ ts: NOW, clientMac: `aa:00:00:${(i >> 16) & 0xff}:${(i >> 8) & 0xff}:${i & 0xff}`, rssi: 60 });
      }
      const r = c.correlate({ serial: 'S', zone: '0', tsIn: NOW, tsOut: NOW + 1000, peakPeople: 1 });
      assert.equal(r.devices.length, 150_000);
      for (let k = 1; k < 1000; k++) assert.ok(r.devices[k - 1].clientMac < r.devices[k].clientMac, 'MAC order on equal times');
    });
  });
});

describe('counts beyond a sane bound (issue 10, item 8)', () => {
  it('the MV parser refuses person/vehicle counts above 1,000 (1e308 would sum to Infinity)', () => {
    const p = new MvSenseParser();
    for (const person of [1e308, 1001, 5000]) {
      const r = p.parse('/merakimv/S/0', { ts: NOW, counts: { person } }, NOW);
      assert.equal(verdict(r), 'invalid', String(person));
      if (!r.ok) assert.match(r.reason, /at most 1000/);
    }
    assert.equal(verdict(p.parse('/merakimv/S/0', { ts: NOW, counts: { vehicle: 1e308 } }, NOW)), 'invalid');
    assert.equal(verdict(p.parse('/merakimv/S/0', { ts: NOW, counts: { person: 1000, vehicle: 1000 } }, NOW)), 'ok');
  });

  it('the detector and the correlator refuse such counts fed to them directly', () => {
    const over = countInput({ kind: 'counts', serial: 'S', zone: '0', ts: NOW, people: 1e308 });
    assert.equal(over.ok, false);
    if (!over.ok) assert.match(over.reason, /at most 1000/);
    const atMost = countInput({ kind: 'counts', serial: 'S', zone: '0', ts: NOW, people: 1000 });
    assert.ok(atMost.ok && typeof atMost.value === 'object' && atMost.value !== null);
    const a = classifyInput({ serial: 'S', zone: '0', tsIn: NOW, tsOut: NOW + 1000, peakPeople: 1e308 });
    assert.equal(a.ok, false);
    const b = classifyInput({ serial: 'S', zone: '0', tsIn: NOW, tsOut: NOW + 1000, peakPeople: 1000 });
    assert.ok(b.ok && b.kind === 'activity');
  });
});

describe('activity detector keys bounded (issue 10, item 5)', () => {
  it('a key without messages for idleSeconds × 10 of wall clock is forgotten (closing an open activity first)', () => {
    const det = new ActivityDetector({ idleSeconds: 10 });
    det.push({ serial: 'S', zone: '1', ts: NOW, people: 0 }, NOW);
    det.push({ serial: 'S', zone: '2', ts: NOW, people: 3 }, NOW);
    det.push({ serial: 'T', zone: '1', ts: NOW, people: 0 }, NOW + 60_000);
    assert.equal(det.keys, 3);
    const closed = det.sweep(NOW + 20_000);
    assert.equal(closed.length, 1, 'the open one is closed by the idle rule first');
    det.sweep(NOW + 99_000);
    assert.equal(det.keys, 3, 'not before idleSeconds × 10');
    det.sweep(NOW + 110_000); // (looked for every idleSeconds: forgotten by idleSeconds × 11 at the latest)
    assert.equal(det.keys, 1, 'S/1 and S/2 forgotten, T/1 (seen later) kept');
    assert.equal(det.forgotten, 2);
    // a forgotten key starts afresh
    assert.equal(det.push({ serial: 'S', zone: '1', ts: NOW - 1000, people: 1 }, NOW + 110_000), 'accepted');
  });

  it('beyond maxKeys a new key is refused (its message counted), known keys carry on', () => {
    const det = new ActivityDetector({}, { maxKeys: 3 });
    for (let z = 0; z < 3; z++) assert.equal(det.push({ serial: 'S', zone: String(z), ts: NOW, people: 1 }, NOW), 'accepted');
    assert.equal(det.push({ serial: 'S', zone: '9', ts: NOW, people: 1 }, NOW), 'full');
    assert.equal(det.push({ serial: 'U', zone: '0', ts: NOW, people: 1 }, NOW), 'full');
    assert.equal(det.overCap, 2);
    assert.equal(det.keys, 3);
    assert.equal(det.push({ serial: 'S', zone: '1', ts: NOW + 1000, people: 2 }, NOW), 'accepted');
  });

  it('1,000,000 keys are not kept: the default cap is 10,000', () => {
    const det = new ActivityDetector();
    let full = 0;
    for (let i = 0; i < 20_000; i++) if (det.push({ serial: `S${i}`, zone: '0', ts: NOW, people: 0 }, NOW) === 'full') full += 1;
    assert.equal(det.keys, 10_000);
    assert.equal(full, 10_000);
  });
});
