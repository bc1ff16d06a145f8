/**
 * Fuzzing, library level (issue 6, item 1): MvSenseParser, ActivityDetector, checkPost and
 * normalise fed random and mutated input. Fixed seeds (FUZZ_SEED overrides), bounded runs.
 */
import { strict as assert } from 'assert';
import fc from 'fast-check';
import { ActivityDetector, Closed } from '../../src/lib/activity';
import { MvSenseParser, ParseResult, verdict } from '../../src/lib/mv-sense';
import {
  checkPost, keep, normalise, NormaliseStats, Observation, observationFilter, PostInfo, PostNormaliser,
} from '../../src/lib/scanning';
import {
  A_SERIAL, B_FIXTURES, deepArray, fuzzAssert, deepObject, ExpectedObservation, junkValue, MACS_PER_POST, MIN_RSSI, mutatedArb,
  mutatedTextArb, mvMessageArb, RESERVED_PREFIX, SECRET, seedFor, validPostArb,
} from './arbitraries';

const STATUSES = new Set(['ok', 'ignored', 'filtered', 'invalid']);
const MAX_MS = 8.64e15;

function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** What the test itself reads in a payload (JSON text, Buffer or object), or undefined. */
function decoded(payload: unknown): Record<string, any> | undefined {
  let v = payload;
  try {
    if (Buffer.isBuffer(v)) v = v.toString('utf8');
    if (typeof v === 'string') v = JSON.parse(v);
  } catch {
    return undefined;
  }
  return isPlainObject(v) ? v : undefined;
}

/** SPEC: epoch seconds or ms told apart by magnitude (1e11), as whole ms. */
function specTs(v: unknown): number {
  const n = Number(v);
  return Math.round(n < 1e11 ? n * 1000 : n);
}

function assertTime(ts: unknown, time: unknown, what: string): void {
  assert.equal(typeof ts, 'number', `${what}: ts`);
  assert.ok(Number.isInteger(ts) && (ts as number) >= 0 && (ts as number) <= MAX_MS, `${what}: ts ${ts}`);
  assert.equal(time, new Date(ts as number).toISOString(), `${what}: time`);
}

/** Every property a parse result must have, whatever went in. */
function checkParse(topic: unknown, payload: unknown, receivedAt: number, r: ParseResult): void {
  assert.ok(r && STATUSES.has(verdict(r)), `status ${JSON.stringify(r)}`);
  if (!r.ok) {
    assert.equal(typeof r.reason, 'string');
    return;
  }
  assert.equal(typeof topic, 'string', 'ok only for a string topic');
  // issue 10: at most the tolerance (5 min) ahead of the wall clock, and not before 2015
  assert.ok(r.value.ts <= receivedAt + 300_000 && r.value.ts >= Date.UTC(2015, 0, 1), `ts ${r.value.ts} out of bounds at ${receivedAt}`);
  const parts = (topic as string).replace(/^\//, '').split('/');
  assert.equal(parts[0], 'merakimv');
  const v = r.value;
  assert.equal(v.serial, parts[1]);
  assert.ok(v.serial !== '', 'serial');
  assertTime(v.ts, v.time, v.kind);
  const body = decoded(payload);
  assert.ok(body, 'an ok payload is a JSON object');
  switch (v.kind) {
    case 'counts': {
      assert.deepEqual(Object.keys(v).sort(), ['kind', 'people', 'serial', 'time', 'ts', 'vehicles', 'zone']);
      assert.equal(parts.length, 3);
      assert.equal(v.zone, parts[2]);
      assert.match(v.zone, /^\d+$/);
      for (const [k, name] of [['people', 'person'], ['vehicles', 'vehicle']] as const) {
        const n: number | null = v[k];
        assert.ok(n === null || (typeof n === 'number' && Number.isFinite(n) && n >= 0), `${k} ${n}`);
        assert.equal(n, body.counts[name] ?? null, k);
      }
      assert.equal(v.ts, specTs(body.ts), 'ts');
      break;
    }
    case 'detections': {
      assert.equal(parts[2], 'raw_detections');
      assert.ok(Array.isArray(v.objects));
      assert.equal(v.objects.length, body.objects.length);
      let people = 0;
      for (const o of v.objects) {
        for (const c of [o.x0, o.y0, o.x1, o.y1]) assert.ok(typeof c === 'number' && Number.isFinite(c), `coordinate ${c}`);
        assert.ok(o.x0 <= o.x1 && o.y0 <= o.y1, `box ${JSON.stringify(o)}`);
        assert.equal(typeof o.type, 'string');
        assert.ok(o.oid === null || typeof o.oid === 'number' || typeof o.oid === 'string');
        if (o.type === 'person') people += 1;
      }
      assert.equal(v.people, people);
      assert.equal(v.ts, specTs(body.ts), 'ts');
      break;
    }
    case 'light':
      assert.equal(parts[2], 'light');
      assert.ok(typeof v.lux === 'number' && Number.isFinite(v.lux) && v.lux >= 0);
      assert.equal(v.lux, body.lux);
      assert.equal(v.ts, body.ts === undefined || body.ts === null ? receivedAt : specTs(body.ts));
      break;
    case 'crossing': {
      assert.deepEqual(Object.keys(v).sort(), ['boundaryId', 'event', 'kind', 'label', 'objectId', 'objectType', 'serial', 'time', 'ts']);
      assert.equal(parts.length, 4);
      assert.equal(parts[2], 'crossing');
      assert.equal(v.boundaryId, parts[3]);
      assert.equal(typeof v.event, 'string');
      assert.equal(v.event, body.event === 'crossing_in' ? 'in' : body.event === 'crossing_out' ? 'out' : body.event);
      assert.equal(v.label, body.label ?? null);
      assert.ok(v.objectId === null || typeof v.objectId === 'number' || typeof v.objectId === 'string');
      // SPEC section 3: a crossing ts below 1e12 is in seconds
      assert.equal(v.ts, Math.round(Number(body.ts) < 1e12 ? Number(body.ts) * 1000 : Number(body.ts)), 'ts');
      break;
    }
    default:
      assert.fail(`unknown kind ${(v as { kind: unknown }).kind}`);
  }
}

/** The wall clock: often just after the plausible bodies' own time (1718870412345), so that their times pass the bounds. */
const receivedAtArb = fc.oneof(fc.integer({ min: 1718870412345 - 60_000, max: 1718870412345 + 600_000 }), fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }));

describe('fuzz: library level', function () {
  this.timeout(120000);
  let prototypeBefore: string[] = [];
  before(function () {
    // taken once every test file is loaded (node-red-node-test-helper brings should.js, which adds `should`)
    prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  });

  describe('MvSenseParser.parse', function () {
    it('never throws, classifies everything, and every ok value has the SPEC shape', async function () {
      const parser = new MvSenseParser();
      const seen: Record<string, number> = {};
      await fuzzAssert(
        fc.property(mvMessageArb, receivedAtArb, ({ topic, payload }, receivedAt) => {
          const r = parser.parse(topic, payload, receivedAt);
          checkParse(topic, payload, receivedAt, r);
          const k = r.ok ? r.value.kind : r.drop;
          seen[k] = (seen[k] ?? 0) + 1;
          // the topic cache changes nothing: a fresh parser and a second call agree
          assert.deepEqual(new MvSenseParser().parse(topic, payload, receivedAt), r);
          assert.deepEqual(parser.parse(topic, payload, receivedAt), r);
        }),
        { seed: seedFor(0x6d7601), numRuns: 4000 },
      );
      // the fuzz reaches every branch (a property that only ever sees rejections proves little)
      for (const [k, min] of Object.entries({ counts: 200, detections: 30, light: 50, crossing: 20, invalid: 1000, ignored: 100 })) {
        assert.ok((seen[k] ?? 0) >= min, `${k}: ${seen[k] ?? 0} of 4000 (${JSON.stringify(seen)})`);
      }
    });

    it('with camera and zone filters: the same verdicts, or filtered', async function () {
      const all = new MvSenseParser();
      const some = new MvSenseParser({ cameras: `${A_SERIAL.toLowerCase()}, Q2JV-AB12-CD34`, zones: '0' });
      await fuzzAssert(
        fc.property(mvMessageArb, receivedAtArb, ({ topic, payload }, receivedAt) => {
          const a = all.parse(topic, payload, receivedAt);
          const b = some.parse(topic, payload, receivedAt);
          checkParse(topic, payload, receivedAt, b);
          if (verdict(b) === 'filtered') {
            assert.notEqual(verdict(a), 'filtered');
            return;
          }
          assert.deepEqual(b, a);
          if (a.ok) {
            assert.ok([A_SERIAL, 'Q2JV-AB12-CD34'].includes(a.value.serial.toUpperCase()));
            if (a.value.kind === 'counts') assert.equal(a.value.zone, '0');
          }
        }),
        { seed: seedFor(0x6d7602), numRuns: 2000 },
      );
    });

    it('survives 10,000 levels of nesting and non-string topics', function () {
      const parser = new MvSenseParser();
      for (const payload of [deepArray(10_000), deepObject(10_000), { ts: 1, counts: deepObject(10_000, 'person') }, '['.repeat(10_000) + ']'.repeat(10_000)]) {
        for (const topic of [`/merakimv/${A_SERIAL}/0`, `/merakimv/${A_SERIAL}/raw_detections`, `/merakimv/${A_SERIAL}/light`]) {
          assert.equal(verdict(parser.parse(topic, payload, 1)), 'invalid');
        }
      }
      for (const topic of [undefined, null, 7, {}, [], Symbol('t'), Buffer.from('/merakimv/x/0')]) {
        assert.equal(verdict(parser.parse(topic, '{"ts":1,"counts":{"person":1}}', 1)), 'invalid');
      }
    });
  });

  describe('ActivityDetector', function () {
    type Step =
      | { kind: 'push'; key: number; dts: number; people: number; repeat: number }
      | { kind: 'wall'; ms: number };

    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      {
        weight: 12,
        arbitrary: fc.record({
          kind: fc.constant('push' as const),
          key: fc.nat(4),
          // mostly forward, sometimes duplicate or going back
          dts: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 3000 }) }, { weight: 1, arbitrary: fc.integer({ min: -5000, max: 0 }) }),
          people: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }) }),
          // the same count several times in a row (one a second): runs of zeros and of people
          repeat: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 12 }) }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('wall' as const), ms: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 2000 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 200_000 }) }) }) },
    );

    const optsArb = fc.record({
      peopleThreshold: fc.constantFrom(1, 2, 1.5),
      minMessages: fc.integer({ min: 1, max: 30 }),
      minPeak: fc.constantFrom(0, 1, 2, 4),
      timeoutMessages: fc.integer({ min: 1, max: 8 }),
      pauseSeconds: fc.constantFrom(0, 1, 5, 0.5),
      idleSeconds: fc.constantFrom(0.001, 1, 5, 120, 120),
    });

    const keyArb = fc.array(
      fc.tuple(fc.oneof(fc.constantFrom(A_SERIAL, 'Q2JV-AB12-CD34', '__proto__', 'constructor'), fc.string({ unit: 'binary', minLength: 1, maxLength: 8 })), fc.oneof(fc.constantFrom('0', '1', '__proto__', 'hasOwnProperty'), fc.string({ maxLength: 4 }))),
      { minLength: 5, maxLength: 5 },
    );

    it('never throws; counters add up; activities are well formed and follow the SPEC rules', async function () {
      const total = { activity: 0, dismissed: 0, dropped: 0, zeros: 0, idle: 0 };
      await fuzzAssert(
        fc.property(optsArb, keyArb, fc.integer({ min: -1e12, max: 2e12 }), fc.array(stepArb, { maxLength: 300 }), (opts, keys, t0, steps) => {
          const d = new ActivityDetector(opts);
          let wall = 1_700_000_000_000;
          const lastTs = new Map<string, number>();
          /** wall clock of each key's last accepted message: a key is forgotten idleSeconds × 10 after it (issue 10) */
          const lastWall = new Map<string, number>();
          /** accepted messages per key, in order */
          const history = new Map<string, { ts: number; people: number }[]>();
          const closes: Closed[] = [];
          let dropped = 0;
          const id = (serial: string, zone: string) => JSON.stringify([serial, zone]);
          const check = (c: Closed, byPush?: { serial: string; zone: string; ts: number }) => {
            closes.push(c);
            total[c.kind] += 1;
            total[c.closedBy] += 1;
            const a = c.activity;
            const h = history.get(id(a.serial, a.zone)) ?? [];
            assert.ok(a.tsIn <= a.tsOut, `tsIn ${a.tsIn} > tsOut ${a.tsOut}`);
            assert.equal(a.durationS, (a.tsOut - a.tsIn) / 1000);
            assert.equal(a.timeIn, new Date(a.tsIn).toISOString());
            assert.equal(a.timeOut, new Date(a.tsOut).toISOString());
            assert.ok(Number.isInteger(a.messages) && a.messages >= 1);
            // tsIn and tsOut are times of accepted messages of that key; the trigger reached the threshold
            const trigger = h.find((m) => m.ts === a.tsIn);
            assert.ok(trigger, 'tsIn is a message of the key');
            assert.ok(trigger.people >= opts.peopleThreshold, 'the trigger reached the threshold');
            assert.ok(h.some((m) => m.ts === a.tsOut), 'tsOut is a message of the key');
            const run = h.filter((m) => m.ts >= a.tsIn);
            assert.equal(a.peakPeople, Math.max(...run.map((m) => m.people)), 'peak');
            assert.equal(a.messages, run.length, 'messages: trigger to close');
            if (c.closedBy === 'zeros') {
              assert.ok(byPush, 'zeros close on a push');
              const tail = run.slice(-opts.timeoutMessages);
              assert.ok(tail.length === opts.timeoutMessages && tail.every((m) => m.people === 0), 'closed by a run of zeros');
              assert.equal(a.tsOut, tail[0].ts, 'tsOut = first zero of the run');
              assert.equal(run[run.length - 1].ts, byPush.ts);
            }
            if (c.kind === 'activity') {
              assert.ok(a.messages >= opts.minMessages, `messages ${a.messages} < ${opts.minMessages}`);
              assert.ok(a.peakPeople >= opts.minPeak);
            } else {
              assert.equal(c.activity.reason, a.messages < opts.minMessages ? 'too few messages' : 'peak too low');
              assert.ok(a.messages < opts.minMessages || a.peakPeople < opts.minPeak);
            }
          };
          for (const s of steps) {
            if (s.kind === 'wall') {
              wall += s.ms;
              for (const c of d.sweep(wall)) {
                assert.equal(c.closedBy, 'idle');
                check(c);
              }
              for (const k of [...lastTs.keys()]) {
                const [serial, zone] = JSON.parse(k) as [string, string];
                if (d.has(serial, zone)) continue;
                assert.ok(wall - lastWall.get(k)! >= opts.idleSeconds * 1000 * 10, 'forgotten only after idleSeconds × 10');
                lastTs.delete(k);
                history.delete(k);
              }
              continue;
            }
            const [serial, zone] = keys[s.key];
            const k = id(serial, zone);
            for (let i = 0; i < s.repeat; i++) {
              const prev = lastTs.get(k);
              const ts: number = (prev ?? t0) + (i === 0 ? s.dts : 1000);
              const r = d.push({ serial, zone, ts, people: s.people }, wall);
              // issue 10: more than 5 min ahead of the wall clock → refused, the key untouched
              assert.equal(r === 'refused', ts > wall + 300_000, `refused iff ts is more than 5 min ahead (${ts} vs ${wall})`);
              if (r === 'refused') continue;
              assert.notEqual(r, 'full', 'five keys are far below maxKeys');
              if (r === 'full') continue;
              const outOfOrder: boolean = prev !== undefined && ts <= prev;
              assert.equal(r === 'dropped', outOfOrder, `dropped iff ts ≤ the last ts of the key (${ts} vs ${prev})`);
              if (r === 'dropped') {
                dropped += 1;
                total.dropped += 1;
                continue;
              }
              lastTs.set(k, ts);
              lastWall.set(k, wall);
              if (!history.has(k)) history.set(k, []);
              history.get(k)!.push({ ts, people: s.people });
              if (r !== 'accepted') check(r, { serial, zone, ts });
            }
          }
          const c = d.counters;
          assert.equal(c.dropped, dropped);
          assert.equal(c.activities, closes.filter((x) => x.kind === 'activity').length);
          assert.equal(c.dismissed, closes.filter((x) => x.kind === 'dismissed').length);
          assert.ok(c.active >= 0 && c.active <= d.keys, `active ${c.active}`);
          // far in the future every open activity is closed by the idle sweep
          const open = c.active;
          const late = d.sweep(wall + 1e9);
          assert.equal(late.length, open);
          for (const x of late) check(x);
          assert.equal(d.counters.active, 0);
          assert.equal(d.counters.activities + d.counters.dismissed, closes.length);
        }),
        { seed: seedFor(0xac7101), numRuns: 3000 },
      );
      for (const [k, n] of Object.entries(total)) assert.ok(n >= 100, `${k}: ${n} (${JSON.stringify(total)})`);
    });
  });

  describe('Scanning API: checkPost and normalise', function () {
    const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
    const TEXT_FIELDS = ['ssid', 'manufacturer', 'os', 'ipv4', 'floor', 'networkId'] as const;
    const NUM_FIELDS = ['lat', 'lng', 'unc', 'x', 'y'] as const;
    const FIELDS = ['apMac', 'clientMac', 'floor', 'ipv4', 'lat', 'lng', 'manufacturer', 'networkId', 'os', 'radio', 'rssi', 'rssiDbm', 'ssid', 'time', 'ts', 'unc', 'version', 'x', 'y'];
    const bodies = B_FIXTURES.map((b) => b.body);

    function wellFormed(o: Observation, post: PostInfo): void {
      assert.deepEqual(Object.keys(o).sort(), FIELDS);
      assertTime(o.ts, o.time, 'observation');
      assert.match(o.clientMac, MAC);
      assert.ok(o.apMac === null || MAC.test(o.apMac), `apMac ${o.apMac}`);
      assert.ok(typeof o.rssi === 'number' && Number.isFinite(o.rssi), `rssi ${o.rssi}`);
      if (o.rssiDbm === null) assert.ok(o.rssi >= 0, 'a non-converted rssi is not negative');
      else assert.ok(o.rssiDbm < 0 && o.rssi === o.rssiDbm + 95, `rssiDbm ${o.rssiDbm} → ${o.rssi}`);
      for (const f of TEXT_FIELDS) {
        const v = o[f];
        assert.ok(v === null || (typeof v === 'string' && v !== '' && v.length <= 256), `${f} ${JSON.stringify(v)?.slice(0, 80)}`);
      }
      assert.ok(o.ipv4 === null || !o.ipv4.includes('/'), 'ipv4 is a bare address');
      for (const f of NUM_FIELDS) assert.ok(o[f] === null || (typeof o[f] === 'number' && Number.isFinite(o[f])), `${f} ${o[f]}`);
      assert.equal(o.radio, post.radio);
      assert.equal(o.version, post.version);
    }

    const bodyArb = fc.oneof(
      { weight: 6, arbitrary: mutatedArb(bodies) },
      { weight: 3, arbitrary: mutatedTextArb(bodies).map((t) => { try { return JSON.parse(t.replace(/^\ufeff/, '')); } catch { return t; } }) },
      { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true }) },
      { weight: 1, arbitrary: fc.constantFrom(...bodies) },
    );
    const secretArb = fc.oneof({ weight: 8, arbitrary: fc.constant(SECRET) }, { weight: 1, arbitrary: fc.constantFrom('', 'other', SECRET + ' ') });

    it('checkPost never throws and answers 400/403 or ok; normalise never throws and gives well-formed observations', async function () {
      let accepted = 0;
      let observations = 0;
      await fuzzAssert(
        fc.property(bodyArb, secretArb, fc.integer({ min: 1, max: 50 }), (body, secret, slice) => {
          const v = checkPost(body, secret);
          if (!v.ok) {
            assert.ok(v.status === 400 || v.status === 403, `status ${v.status}`);
            assert.equal(typeof v.error, 'string');
            return;
          }
          assert.notEqual(secret, '', 'no secret configured: nothing is accepted');
          assert.equal((body as Record<string, unknown>).secret, secret);
          assert.ok(v.post.major === 2 || v.post.major === 3);
          assert.match(v.post.version, /^\d+(\.\d+)*$/);
          accepted += 1;
          const stats: NormaliseStats = { read: 0, invalid: 0, duplicates: 0 };
          const list = normalise(v.post, stats);
          observations += list.length;
          assert.ok(stats.read === list.length + stats.invalid + stats.duplicates, `stats ${JSON.stringify(stats)} for ${list.length}`);
          const keys = new Set<string>();
          for (const o of list) {
            wellFormed(o, v.post);
            const k = `${o.clientMac}|${o.ts}`;
            assert.ok(!keys.has(k), `duplicate ${k}`);
            keys.add(k);
          }
          // a slice at a time gives the same
          const n = new PostNormaliser(v.post);
          while (!n.done) n.step(slice);
          assert.deepEqual(n.result(), list);
        }),
        { seed: seedFor(0xc3c001), numRuns: 3000 },
      );
      assert.ok(accepted > 300 && observations > 300, `the fuzz reached normalise: ${accepted} posts, ${observations} observations`);
    });

    it('valid observations interleaved with junk ones still give exactly their rows', async function () {
      const v2Obs = bodies.slice(0, 5).flatMap((b: any) => b.data.observations);
      const v3Obs = bodies.slice(5).flatMap((b: any) => b.data.observations);
      const junkObs = fc.oneof(
        { weight: 4, arbitrary: mutatedArb([...v2Obs, ...v3Obs]) },
        { weight: 1, arbitrary: junkValue() },
        { weight: 1, arbitrary: fc.constantFrom(...v2Obs, ...v3Obs) },
      );
      const sort = (l: (Observation | ExpectedObservation)[]) => [...l].sort((a, b) => (a.clientMac + a.ts < b.clientMac + b.ts ? -1 : 1));
      const filter = observationFilter({});
      await fuzzAssert(
        fc.property(validPostArb(), mutatedArb(bodies), fc.array(junkObs, { maxLength: 12 }), fc.array(fc.nat(), { minLength: MACS_PER_POST, maxLength: MACS_PER_POST }), (make, junkBody, junk, at) => {
          const valid = make(1);
          const data = valid.body.data as Record<string, unknown>;
          const junkData = isPlainObject(junkBody) && isPlainObject(junkBody.data) ? junkBody.data : {};
          const mixed: unknown[] = [...(Array.isArray(junkData.observations) ? junkData.observations : []), ...junk];
          (data.observations as unknown[]).forEach((o, i) => mixed.splice(at[i] % (mixed.length + 1), 0, o));
          const body = {
            ...(isPlainObject(junkBody) ? junkBody : {}),
            secret: SECRET, version: valid.body.version, type: valid.body.type,
            data: { ...junkData, apMac: data.apMac, apFloors: data.apFloors, networkId: data.networkId, observations: mixed },
          };
          const v = checkPost(body, SECRET);
          assert.ok(v.ok, 'the repaired envelope is accepted');
          const list = normalise(v.post);
          for (const o of list) wellFormed(o, v.post);
          const mine = list.filter((o) => o.clientMac.startsWith(RESERVED_PREFIX));
          assert.deepEqual(sort(mine), sort(valid.expected));
          const kept = mine.filter((o) => keep(o, filter));
          assert.deepEqual(sort(kept), sort(valid.expected.filter((o) => o.rssi >= MIN_RSSI)));
        }),
        { seed: seedFor(0xc3c002), numRuns: 2000 },
      );
    });
  });

  describe('afterwards', function () {
    it('Object.prototype is as it was (no pollution through __proto__ / constructor keys)', function () {
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore);
      const probe: Record<string, unknown> = {};
      for (const k of ['secret', 'polluted', 'observations', 'kind', 'serial', 'ts']) assert.equal(probe[k], undefined, k);
    });
  });
});
