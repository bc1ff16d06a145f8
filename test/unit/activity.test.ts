import { strict as assert } from 'assert';
import {
  ACTIVITY_DEFAULTS,
  Activity,
  ActivityDetector,
  ActivityOptions,
  Closed,
  Dismissed,
  PushResult,
  activityOptions,
} from '../../src/lib/activity';

const WALL0 = 1_700_000_000_000;

function isClosed(r: PushResult): r is Closed {
  return typeof r === 'object';
}

/**
 * Feeds `people` as one message per `stepMs` from `t0` (wall clock advancing with message time)
 * and returns every closed activity in order.
 */
function feed(
  det: ActivityDetector,
  people: readonly number[],
  opts: { serial?: string; zone?: string; t0?: number; stepMs?: number } = {},
): Closed[] {
  const { serial = 'Q2GV-7HJK-2LMN', zone = '0', t0 = 0, stepMs = 1000 } = opts;
  const out: Closed[] = [];
  people.forEach((p, i) => {
    const ts = t0 + i * stepMs;
    const r = det.push({ serial, zone, ts, people: p }, WALL0 + ts);
    if (isClosed(r)) out.push(r);
  });
  return out;
}

function repeat(value: number, n: number): number[] {
  return new Array<number>(n).fill(value);
}

function only<T>(list: readonly T[]): T {
  assert.equal(list.length, 1, `expected exactly one, got ${JSON.stringify(list)}`);
  return list[0];
}

function emitted(c: Closed): Activity {
  assert.equal(c.kind, 'activity', JSON.stringify(c));
  return c.activity;
}

function dismissed(c: Closed): Dismissed {
  assert.equal(c.kind, 'dismissed', JSON.stringify(c));
  return c.activity as Dismissed;
}

describe('ActivityDetector', () => {
  describe('SPEC worked vector', () => {
    it('defaults, 0×5 then 60 of 1..3 then 25×0 → one activity 5000..65000', () => {
      const det = new ActivityDetector();
      const people = [...repeat(0, 5), ...Array.from({ length: 60 }, (_, i) => (i % 3) + 1), ...repeat(0, 25)];
      assert.equal(people.length, 90);
      const closed = feed(det, people);
      const c = only(closed);
      assert.equal(c.closedBy, 'zeros');
      assert.deepEqual(emitted(c), {
        serial: 'Q2GV-7HJK-2LMN',
        zone: '0',
        tsIn: 5000,
        tsOut: 65000,
        timeIn: '1970-01-01T00:00:05.000Z',
        timeOut: '1970-01-01T00:01:05.000Z',
        durationS: 60,
        peakPeople: 3,
        messages: 80,
      });
      assert.deepEqual(det.counters, { active: 0, activities: 1, dismissed: 0, dropped: 0 });
    });

    it('closes on the 20th zero (ts 84000), not before', () => {
      const det = new ActivityDetector();
      const people = [...repeat(0, 5), ...Array.from({ length: 60 }, (_, i) => (i % 3) + 1), ...repeat(0, 25)];
      let closedAt = -1;
      people.forEach((p, i) => {
        const r = det.push({ serial: 'S', zone: '0', ts: i * 1000, people: p }, WALL0);
        if (isClosed(r)) closedAt = i * 1000;
      });
      assert.equal(closedAt, 84000);
    });

    it('a burst of 10 non-zero then 20 zeros (30 messages) is dismissed as too few messages', () => {
      const det = new ActivityDetector();
      const c = only(feed(det, [...repeat(2, 10), ...repeat(0, 20)]));
      const a = dismissed(c);
      assert.equal(a.reason, 'too few messages');
      assert.equal(a.messages, 30);
      assert.equal(a.tsIn, 0);
      assert.equal(a.tsOut, 10000);
      assert.equal(a.peakPeople, 2);
      assert.deepEqual(det.counters, { active: 0, activities: 0, dismissed: 1, dropped: 0 });
    });

    it('exactly minMessages is enough (boundary is inclusive)', () => {
      // 30 non-zero + 20 zeros = 50 = minMessages
      const det = new ActivityDetector();
      const a = emitted(only(feed(det, [...repeat(1, 30), ...repeat(0, 20)])));
      assert.equal(a.messages, 50);
      // 29 + 20 = 49 → dismissed
      const det2 = new ActivityDetector();
      assert.equal(dismissed(only(feed(det2, [...repeat(1, 29), ...repeat(0, 20)]))).messages, 49);
    });
  });

  describe('rules', () => {
    it('peak below minPeak → dismissed as peak too low', () => {
      const det = new ActivityDetector({ minPeak: 4 });
      const a = dismissed(only(feed(det, [...Array.from({ length: 60 }, (_, i) => (i % 3) + 1), ...repeat(0, 20)])));
      assert.equal(a.reason, 'peak too low');
      assert.equal(a.peakPeople, 3);
      assert.equal(a.messages, 80);
      assert.deepEqual(det.counters, { active: 0, activities: 0, dismissed: 1, dropped: 0 });
    });

    it('peak equal to minPeak is enough', () => {
      const det = new ActivityDetector({ minPeak: 3, minMessages: 1, timeoutMessages: 1 });
      assert.equal(emitted(only(feed(det, [1, 3, 2, 0]))).peakPeople, 3);
    });

    it('the first trigger is kept as tsIn; later non-zero messages do not overwrite it', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 2 });
      const a = emitted(only(feed(det, [0, 0, 2, 5, 1, 4, 3, 0, 0])));
      assert.equal(a.tsIn, 2000);
      assert.equal(a.timeIn, '1970-01-01T00:00:02.000Z');
    });

    it('the peak includes the trigger message', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 2 });
      const a = emitted(only(feed(det, [7, 1, 2, 0, 0])));
      assert.equal(a.peakPeople, 7);
      assert.equal(a.messages, 5);
    });

    it('zeros before the trigger are not counted; the trigger and the closing zeros are', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 3 });
      const a = emitted(only(feed(det, [0, 0, 0, 0, 1, 0, 0, 0])));
      assert.equal(a.messages, 4);
      assert.equal(a.tsIn, 4000);
      assert.equal(a.tsOut, 5000);
      assert.equal(a.durationS, 1);
    });

    it('a non-zero message resets the zero run; tsOut is the first zero of the final run', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 3 });
      // zeros at 2,3 (run of 2), then 1 at 4 resets; zeros at 5,6 (2), 1 at 7; zeros 8,9,10 close.
      const people = [1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0];
      const closed = feed(det, people);
      const a = emitted(only(closed));
      assert.equal(a.tsOut, 8000);
      assert.equal(a.messages, 11);
      assert.equal(a.durationS, 8);
    });

    it('a message below peopleThreshold but above 0 neither starts an activity nor extends a zero run', () => {
      const det = new ActivityDetector({ peopleThreshold: 2, minMessages: 1, timeoutMessages: 2 });
      // 1 does not start; 2 at ts 2000 does; 0 at 3000, then 1 at 4000 resets the run; 0,0 close.
      const a = emitted(only(feed(det, [1, 1, 2, 0, 1, 0, 0])));
      assert.equal(a.tsIn, 2000);
      assert.equal(a.tsOut, 5000);
      assert.equal(a.messages, 5);
    });

    it('fractional durations are kept (ms precision)', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 1 });
      det.push({ serial: 'S', zone: '0', ts: 1000, people: 1 }, WALL0);
      const r = det.push({ serial: 'S', zone: '0', ts: 3500, people: 0 }, WALL0);
      assert.ok(isClosed(r));
      assert.equal(emitted(r).durationS, 2.5);
    });

    it('one independent state per serial+zone: two cameras interleaved → two activities', () => {
      const det = new ActivityDetector({ minMessages: 3, timeoutMessages: 2 });
      const closed: Closed[] = [];
      // camera A zone 0: starts at 1000, zeros at 4000,5000 → closes at 5000
      // camera B zone 0: starts at 2000, zeros at 6000,7000 → closes at 7000
      // camera A zone 9: only zeros, never starts
      const a = [0, 1, 2, 3, 0, 0, 0, 0];
      const b = [0, 0, 1, 1, 1, 1, 0, 0];
      for (let i = 0; i < a.length; i++) {
        const ts = i * 1000;
        for (const [serial, zone, people] of [
          ['A', '0', a[i]],
          ['B', '0', b[i]],
          ['A', '9', 0],
        ] as const) {
          const r = det.push({ serial, zone, ts, people }, WALL0 + ts);
          if (isClosed(r)) closed.push(r);
        }
      }
      assert.equal(closed.length, 2);
      const [first, second] = closed.map(emitted);
      assert.deepEqual(
        { serial: first.serial, zone: first.zone, tsIn: first.tsIn, tsOut: first.tsOut, peak: first.peakPeople, m: first.messages },
        { serial: 'A', zone: '0', tsIn: 1000, tsOut: 4000, peak: 3, m: 5 },
      );
      assert.deepEqual(
        { serial: second.serial, zone: second.zone, tsIn: second.tsIn, tsOut: second.tsOut, peak: second.peakPeople, m: second.messages },
        { serial: 'B', zone: '0', tsIn: 2000, tsOut: 6000, peak: 1, m: 6 },
      );
      assert.equal(det.keys, 3);
      assert.deepEqual(det.counters, { active: 0, activities: 2, dismissed: 0, dropped: 0 });
    });

    it('same serial, different zones are different keys; keys whose parts could be joined do not collide', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 1 });
      det.push({ serial: 'AB', zone: '1', ts: 1000, people: 1 }, WALL0);
      // "A"+"B1" would collide with "AB"+"1" with naive concatenation
      assert.equal(det.push({ serial: 'A', zone: 'B1', ts: 1000, people: 1 }, WALL0), 'accepted');
      assert.equal(det.keys, 2);
      assert.equal(det.counters.active, 2);
    });
  });

  describe('pause after a close (message time)', () => {
    const opts: Partial<ActivityOptions> = { minMessages: 1, timeoutMessages: 2, pauseSeconds: 5 };

    it('no new activity until ts > closing ts + pauseSeconds*1000; exactly at the boundary is still paused', () => {
      const det = new ActivityDetector(opts);
      // starts at 0, zeros at 1000 and 2000 → closed by the message at 2000; paused until 7000 inclusive
      assert.equal(emitted(only(feed(det, [1, 0, 0]))).tsOut, 1000);
      assert.equal(det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 3000, people: 4 }, WALL0), 'accepted');
      assert.equal(det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 7000, people: 4 }, WALL0), 'accepted');
      assert.equal(det.counters.active, 0, 'exactly at closing ts + pause: still paused');
      assert.equal(det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 7001, people: 4 }, WALL0), 'accepted');
      assert.equal(det.counters.active, 1, '1 ms later: a new activity starts');
      det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 8000, people: 0 }, WALL0);
      const r = det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 9000, people: 0 }, WALL0);
      assert.ok(isClosed(r));
      const a = emitted(r);
      assert.equal(a.tsIn, 7001, 'the paused messages at 3000 and 7000 did not start it');
      assert.equal(a.peakPeople, 4);
      assert.equal(a.messages, 3);
    });

    it('the pause counts from the closing message, not from tsOut', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 3, pauseSeconds: 5 });
      // zeros at 1000, 2000, 3000 → tsOut 1000, closing ts 3000 → paused through 8000
      feed(det, [1, 0, 0, 0]);
      det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 6500, people: 1 }, WALL0);
      assert.equal(det.counters.active, 0);
      det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 8000, people: 1 }, WALL0);
      assert.equal(det.counters.active, 0);
      det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 8001, people: 1 }, WALL0);
      assert.equal(det.counters.active, 1);
    });

    it('the pause of one key does not block another key', () => {
      const det = new ActivityDetector(opts);
      feed(det, [1, 0, 0], { serial: 'A' });
      det.push({ serial: 'B', zone: '0', ts: 2500, people: 1 }, WALL0);
      assert.equal(det.counters.active, 1);
    });

    it('pauseSeconds 0: a new activity may start on the next message', () => {
      const det = new ActivityDetector({ ...opts, pauseSeconds: 0 });
      const closed = feed(det, [1, 0, 0, 2, 0, 0]);
      assert.equal(closed.length, 2);
      assert.equal(emitted(closed[1]).tsIn, 3000);
    });

    it('a dismissed activity pauses the key too', () => {
      const det = new ActivityDetector({ minMessages: 10, timeoutMessages: 2, pauseSeconds: 5 });
      dismissed(only(feed(det, [1, 0, 0])));
      det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 7000, people: 1 }, WALL0);
      assert.equal(det.counters.active, 0);
      det.push({ serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 7001, people: 1 }, WALL0);
      assert.equal(det.counters.active, 1);
    });
  });

  describe('out-of-order and duplicate ts', () => {
    it('are dropped, counted, and do not change the activity', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 2 });
      const k = { serial: 'S', zone: '0' };
      assert.equal(det.push({ ...k, ts: 1000, people: 1 }, WALL0), 'accepted');
      assert.equal(det.push({ ...k, ts: 1000, people: 9 }, WALL0), 'dropped');
      assert.equal(det.push({ ...k, ts: 999, people: 9 }, WALL0), 'dropped');
      assert.equal(det.push({ ...k, ts: 2000, people: 2 }, WALL0), 'accepted');
      assert.equal(det.push({ ...k, ts: 1500, people: 0 }, WALL0), 'dropped');
      assert.equal(det.push({ ...k, ts: 3000, people: 0 }, WALL0), 'accepted');
      assert.equal(det.push({ ...k, ts: 3000, people: 0 }, WALL0), 'dropped', 'a duplicate zero does not extend the run');
      assert.equal(det.counters.dropped, 4);
      const r = det.push({ ...k, ts: 4000, people: 0 }, WALL0);
      assert.ok(isClosed(r));
      const a = emitted(r);
      assert.equal(a.peakPeople, 2, 'dropped messages do not raise the peak');
      assert.equal(a.messages, 4, 'dropped messages are not counted');
      assert.equal(a.tsIn, 1000);
      assert.equal(a.tsOut, 3000);
      assert.equal(det.counters.dropped, 4);
    });

    it('are dropped while idle too, and NaN ts is dropped', () => {
      const det = new ActivityDetector();
      det.push({ serial: 'S', zone: '0', ts: 5000, people: 0 }, WALL0);
      assert.equal(det.push({ serial: 'S', zone: '0', ts: 4000, people: 5 }, WALL0), 'dropped');
      assert.equal(det.counters.active, 0, 'a dropped message does not start an activity');
      assert.equal(det.push({ serial: 'S', zone: '0', ts: NaN, people: 5 }, WALL0), 'dropped');
      assert.equal(det.counters.dropped, 2);
    });

    it('are judged per key', () => {
      const det = new ActivityDetector();
      assert.equal(det.push({ serial: 'A', zone: '0', ts: 5000, people: 0 }, WALL0), 'accepted');
      assert.equal(det.push({ serial: 'B', zone: '0', ts: 1000, people: 0 }, WALL0), 'accepted');
      assert.equal(det.push({ serial: 'A', zone: '1', ts: 1000, people: 0 }, WALL0), 'accepted');
      assert.equal(det.counters.dropped, 0);
    });
  });

  describe('idle close via sweep(wallNow)', () => {
    const k = { serial: 'S', zone: '0' };

    it('is not closed before idleSeconds of wall clock; closed at exactly idleSeconds', () => {
      const det = new ActivityDetector({ minMessages: 1, idleSeconds: 120 });
      det.push({ ...k, ts: 1000, people: 2 }, WALL0);
      det.push({ ...k, ts: 2000, people: 3 }, WALL0 + 1000);
      assert.deepEqual(det.sweep(WALL0 + 1000 + 119_999), []);
      assert.equal(det.counters.active, 1);
      const c = only(det.sweep(WALL0 + 1000 + 120_000));
      assert.equal(c.closedBy, 'idle');
      const a = emitted(c);
      assert.equal(a.tsIn, 1000);
      assert.equal(a.tsOut, 2000, 'no zero came: tsOut = last message ts');
      assert.equal(a.messages, 2);
      assert.equal(a.peakPeople, 3);
      assert.equal(a.durationS, 1);
      assert.equal(det.counters.active, 0);
      assert.deepEqual(det.sweep(WALL0 + 10_000_000), [], 'closed only once');
    });

    it('tsOut = the first zero of the current run when zeros came', () => {
      const det = new ActivityDetector({ minMessages: 1, timeoutMessages: 20 });
      const people = [1, 2, 0, 0, 1, 0, 0, 0];
      people.forEach((p, i) => det.push({ ...k, ts: i * 1000, people: p }, WALL0 + i * 1000));
      const a = emitted(only(det.sweep(WALL0 + 7000 + 120_000)));
      assert.equal(a.tsOut, 5000);
      assert.equal(a.messages, 8);
    });

    it('applies the same rules: too few messages → dismissed', () => {
      const det = new ActivityDetector(); // minMessages 50
      det.push({ ...k, ts: 1000, people: 2 }, WALL0);
      const c = only(det.sweep(WALL0 + 120_000));
      assert.equal(c.closedBy, 'idle');
      assert.equal(dismissed(c).reason, 'too few messages');
      assert.deepEqual(det.counters, { active: 0, activities: 0, dismissed: 1, dropped: 0 });
    });

    it('applies the same rules: peak too low → dismissed', () => {
      const det = new ActivityDetector({ minMessages: 1, minPeak: 5 });
      det.push({ ...k, ts: 1000, people: 2 }, WALL0);
      assert.equal(dismissed(only(det.sweep(WALL0 + 120_000))).reason, 'peak too low');
    });

    it('uses the wall clock of the last accepted message, per key', () => {
      const det = new ActivityDetector({ minMessages: 1, idleSeconds: 10 });
      det.push({ serial: 'A', zone: '0', ts: 1000, people: 1 }, WALL0);
      det.push({ serial: 'B', zone: '0', ts: 1000, people: 1 }, WALL0 + 5000);
      const first = only(det.sweep(WALL0 + 10_000));
      assert.equal(first.activity.serial, 'A');
      const second = only(det.sweep(WALL0 + 15_000));
      assert.equal(second.activity.serial, 'B');
    });

    it('idle keys (no activity) are never closed', () => {
      const det = new ActivityDetector({ idleSeconds: 1 });
      det.push({ ...k, ts: 1000, people: 0 }, WALL0);
      assert.deepEqual(det.sweep(WALL0 + 1e9), []);
    });

    it('an idle close pauses the key from its last message ts', () => {
      const det = new ActivityDetector({ minMessages: 1, idleSeconds: 1, pauseSeconds: 5 });
      det.push({ ...k, ts: 1000, people: 1 }, WALL0);
      assert.equal(det.sweep(WALL0 + 1000).length, 1);
      det.push({ ...k, ts: 6000, people: 1 }, WALL0 + 2000);
      assert.equal(det.counters.active, 0);
      det.push({ ...k, ts: 6001, people: 1 }, WALL0 + 3000);
      assert.equal(det.counters.active, 1);
    });

    it('a late message after an idle close with an older ts is still dropped', () => {
      const det = new ActivityDetector({ minMessages: 1, idleSeconds: 1 });
      det.push({ ...k, ts: 5000, people: 1 }, WALL0);
      det.sweep(WALL0 + 1000);
      assert.equal(det.push({ ...k, ts: 5000, people: 1 }, WALL0 + 2000), 'dropped');
    });
  });

  describe('counters', () => {
    it('track active, activities, dismissed and dropped across keys', () => {
      const det = new ActivityDetector({ minMessages: 4, timeoutMessages: 2 });
      assert.deepEqual(det.counters, { active: 0, activities: 0, dismissed: 0, dropped: 0 });
      det.push({ serial: 'A', zone: '0', ts: 0, people: 1 }, WALL0);
      det.push({ serial: 'B', zone: '0', ts: 0, people: 1 }, WALL0);
      assert.equal(det.counters.active, 2);
      det.push({ serial: 'B', zone: '0', ts: 0, people: 1 }, WALL0);
      assert.equal(det.counters.dropped, 1);
      feed(det, [1, 0, 0], { serial: 'A', t0: 1000 }); // 4 messages → emitted
      assert.deepEqual(det.counters, { active: 1, activities: 1, dismissed: 0, dropped: 1 });
      feed(det, [0, 0], { serial: 'B', t0: 1000 }); // 3 messages → dismissed
      assert.deepEqual(det.counters, { active: 0, activities: 1, dismissed: 1, dropped: 1 });
    });
  });

  describe('the original demo, re-run with the fixed semantics', () => {
    it('minMessages 5, timeoutMessages 3 on 0,1,2,3,1,0,1,0,0,0,0,1,0,0,0,2,2,2,2,2,2,0,0,0', () => {
      /*
       * ts = 1000·i, other options at their defaults (threshold 1, minPeak 1, pause 5 s).
       *  i=0  people 0: idle, nothing.
       *  i=1  people 1: starts: tsIn 1000, peak 1, messages 1.
       *  i=2..4 (2,3,1): messages 4, peak 3.
       *  i=5  0: messages 5, zero run 1 (first zero 5000).
       *  i=6  1: messages 6, run reset.
       *  i=7..9 0,0,0: messages 9, run 1,2,3 (first zero 7000) → closes at ts 9000.
       *       9 ≥ 5 and peak 3 ≥ 1 → emitted: tsIn 1000, tsOut 7000, 6 s, peak 3, 9 messages.
       *       Paused until ts > 9000 + 5000 = 14000.
       *  i=10 0: idle.  i=11 1: ts 11000 ≤ 14000 → paused, does not start.
       *  i=12..14 0: idle (14000 is the boundary, and a zero anyway).
       *  i=15 2: ts 15000 > 14000 → starts: tsIn 15000, peak 2, messages 1.
       *  i=16..20 2: messages 6.
       *  i=21..23 0,0,0: messages 9, first zero 21000 → closes at 23000:
       *       emitted: tsIn 15000, tsOut 21000, 6 s, peak 2, 9 messages.
       * (The original demo overwrote the start time on each non-zero message and never paused by
       *  message time; here the second burst at i=11 is swallowed by the pause instead.)
       */
      const det = new ActivityDetector({ minMessages: 5, timeoutMessages: 3 });
      const seq = [0, 1, 2, 3, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0];
      const closed = feed(det, seq, { serial: 'Q2GV-7HJK-2LMN', zone: '0' });
      assert.equal(closed.length, 2);
      const [a, b] = closed.map(emitted);
      assert.deepEqual(a, {
        serial: 'Q2GV-7HJK-2LMN',
        zone: '0',
        tsIn: 1000,
        tsOut: 7000,
        timeIn: '1970-01-01T00:00:01.000Z',
        timeOut: '1970-01-01T00:00:07.000Z',
        durationS: 6,
        peakPeople: 3,
        messages: 9,
      });
      assert.deepEqual(b, {
        serial: 'Q2GV-7HJK-2LMN',
        zone: '0',
        tsIn: 15000,
        tsOut: 21000,
        timeIn: '1970-01-01T00:00:15.000Z',
        timeOut: '1970-01-01T00:00:21.000Z',
        durationS: 6,
        peakPeople: 2,
        messages: 9,
      });
      assert.deepEqual(det.counters, { active: 0, activities: 2, dismissed: 0, dropped: 0 });
    });
  });

  describe('options', () => {
    it('the detector uses the defaults for what is not given', () => {
      assert.deepEqual(new ActivityDetector().options, ACTIVITY_DEFAULTS);
      assert.deepEqual(new ActivityDetector({ minMessages: 3 }).options, { ...ACTIVITY_DEFAULTS, minMessages: 3 });
    });
  });
});

describe('activityOptions', () => {
  it('defaults are the SPEC defaults', () => {
    assert.deepEqual(activityOptions(), {
      peopleThreshold: 1,
      minMessages: 50,
      minPeak: 1,
      timeoutMessages: 20,
      pauseSeconds: 5,
      idleSeconds: 120,
    });
    assert.deepEqual(activityOptions({}), ACTIVITY_DEFAULTS);
  });

  it('undefined, null and empty string mean "default"', () => {
    assert.deepEqual(activityOptions({ minMessages: undefined, minPeak: null, pauseSeconds: '' }), ACTIVITY_DEFAULTS);
  });

  it('accepts numbers and numeric strings', () => {
    assert.deepEqual(
      activityOptions({
        peopleThreshold: '2',
        minMessages: '10',
        minPeak: 0,
        timeoutMessages: 5,
        pauseSeconds: '0',
        idleSeconds: '0.5',
      }),
      { peopleThreshold: 2, minMessages: 10, minPeak: 0, timeoutMessages: 5, pauseSeconds: 0, idleSeconds: 0.5 },
    );
  });

  it('does not mutate the defaults', () => {
    activityOptions({ minMessages: 3 });
    assert.equal(ACTIVITY_DEFAULTS.minMessages, 50);
    assert.ok(Object.isFrozen(ACTIVITY_DEFAULTS));
  });

  const bad: Array<[keyof ActivityOptions, unknown, RegExp]> = [
    ['peopleThreshold', 0, /peopleThreshold must be a number ≥ 1/],
    ['peopleThreshold', 'abc', /peopleThreshold/],
    ['minMessages', 0, /minMessages must be a whole number ≥ 1/],
    ['minMessages', 2.5, /minMessages must be a whole number/],
    ['minMessages', '-3', /minMessages/],
    ['minPeak', -1, /minPeak must be a number ≥ 0/],
    ['timeoutMessages', 0, /timeoutMessages must be a whole number ≥ 1/],
    ['timeoutMessages', '1.5', /timeoutMessages/],
    ['pauseSeconds', -0.1, /pauseSeconds must be a number ≥ 0/],
    ['idleSeconds', 0, /idleSeconds must be a number/],
    ['idleSeconds', 'Infinity', /idleSeconds/],
    ['idleSeconds', NaN, /idleSeconds/],
    ['minMessages', {}, /minMessages/],
    ['minMessages', true, /minMessages/],
  ];

  it('blank text means the default, and the detector constructor checks its options too', () => {
    assert.equal(activityOptions({ timeoutMessages: '  ' }).timeoutMessages, 20);
    assert.equal(new ActivityDetector({ minMessages: undefined }).options.minMessages, 50);
    assert.throws(() => new ActivityDetector({ minMessages: 0 }), /minMessages/);
  });
  for (const [key, value, message] of bad) {
    it(`${key} = ${typeof value === 'number' ? String(value) : JSON.stringify(value)} throws a readable error`, () => {
      assert.throws(() => activityOptions({ [key]: value }), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
