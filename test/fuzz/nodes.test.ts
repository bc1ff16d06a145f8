/**
 * Fuzzing, node level (issue 6, item 1): mv-sense-parse → activity-detector in the real Node-RED
 * runtime (node-red-node-test-helper), random and mutated MQTT messages interleaved with the
 * SPEC's worked vector. Exactly the worked vector's activity comes out; every junk message the
 * parser classes invalid reaches the catch node as one error; nothing throws.
 */
import { strict as assert } from 'assert';
import fc from 'fast-check';
import { MvSenseParser, verdict } from '../../src/lib/mv-sense';
import { collect, getNode, helper, nodeModule, Received, settle, waitFor } from '../support/red';
import { deepArray, fuzzAssert, junkValue, mutatedArb, mvMessageArb, PROTO_KEYS, seedFor } from './arbitraries';

/** A camera no arbitrary uses. */
const CAM = 'Q2FZ-FUZZ-0001';
const T0 = Date.UTC(2024, 5, 20, 8, 0, 0);
/** SPEC section 4's worked vector: people per message, one message a second. */
const WORKED = [...Array(5).fill(0), ...Array.from({ length: 60 }, (_, i) => 1 + (i % 3)), ...Array(25).fill(0)];
const MIN_MESSAGES = 50;

const FLOW = [
  { id: 'p', type: 'mv-sense-parse', name: '', cameras: '*', zones: '*', wires: [['a']] },
  {
    id: 'a', type: 'activity-detector', name: '', peopleThreshold: 1, minMessages: MIN_MESSAGES, minPeak: 1,
    timeoutMessages: 20, pauseSeconds: 5, idleSeconds: 120, wires: [['act'], ['dis']],
  },
  { id: 'act', type: 'helper' },
  { id: 'dis', type: 'helper' },
  { id: 'c', type: 'catch', scope: ['p', 'a'], uncaught: false, wires: [['caught']] },
  { id: 'caught', type: 'helper' },
];

interface Item {
  junk: boolean;
  topic: unknown;
  payload: unknown;
}

/** How a valid message is handed over (as `mqtt in` may: parsed, text or bytes). */
function validPayload(ts: number, people: number, form: number): unknown {
  const body = { ts, counts: { person: people, vehicle: 0 } };
  return form === 0 ? body : form === 1 ? JSON.stringify(body) : Buffer.from(JSON.stringify(body));
}

/** msg.topic is a string when it comes from `mqtt in`, but a flow can set anything there. */
const oddTopic = fc.constantFrom<unknown>(undefined, null, 42, ['/merakimv/x/0'], { toString: 1 }, Object.create(null), deepArray(10_000), Symbol('topic'), { toString: () => { throw new Error('toString'); } });
const junkMessage = fc.oneof(
  { weight: 20, arbitrary: mvMessageArb },
  { weight: 1, arbitrary: fc.record({ topic: oddTopic, payload: fc.constantFrom<unknown>('{"ts":1,"counts":{"person":1}}', {}) }) },
);

const scenarioArb = fc.record({
  junk: fc.array(junkMessage, { minLength: 20, maxLength: 150 }),
  /** where each junk message goes among the 90 valid ones */
  at: fc.array(fc.nat(WORKED.length), { minLength: 150, maxLength: 150 }),
  forms: fc.array(fc.nat(2), { minLength: WORKED.length, maxLength: WORKED.length }),
});

describe('fuzz: node level (mv-sense-parse → activity-detector)', function () {
  this.timeout(120000);

  afterEach(async function () {
    await helper.unload();
  });

  it('junk interleaved with the worked vector: exactly its activity, one caught error per invalid message, no throw', async function () {
    const classifier = new MvSenseParser({ cameras: '*', zones: '*' });
    let invalidTotal = 0;
    let okTotal = 0;
    await fuzzAssert(
      fc.asyncProperty(scenarioArb, async ({ junk, at, forms }) => {
        // Junk must not be a valid count of the worked vector's own key (it would change its
        // activity), nor give another key enough messages for an activity of its own.
        const perKey = new Map<string, number>();
        let invalid = 0;
        for (const j of junk) {
          const r = classifier.parse(j.topic, j.payload, Date.now());
          if (verdict(r) === 'invalid') invalid += 1;
          if (r.ok && r.value.kind === 'counts' && r.value.people !== null) {
            okTotal += 1;
            const k = `${r.value.serial}/${r.value.zone}`;
            perKey.set(k, (perKey.get(k) ?? 0) + 1);
          }
        }
        fc.pre(!perKey.has(`${CAM}/0`) && [...perKey.values()].every((n) => n < MIN_MESSAGES));
        invalidTotal += invalid;

        const items: Item[] = WORKED.map((people, i) => ({
          junk: false, topic: `/merakimv/${CAM}/0`, payload: validPayload(T0 + i * 1000, people, forms[i]),
        }));
        // back to front, so that positions refer to the valid sequence
        const placed = junk.map((j, i) => ({ j, pos: at[i] })).sort((x, y) => y.pos - x.pos);
        for (const { j, pos } of placed) items.splice(pos, 0, { junk: true, topic: j.topic, payload: j.payload });

        await helper.load([nodeModule('mv-sense-parse'), nodeModule('activity-detector')], FLOW);
        try {
        const act = collect('act');
        const dis = collect('dis');
        const caught = collect('caught');
        const p = getNode('p');
        for (const item of items) {
          // what `mqtt in` sends: topic, payload, qos, retain
          p.receive({ topic: item.topic as string, payload: item.payload, qos: 0, retain: false });
        }
        await waitFor(() => act.length >= 1 && caught.length >= invalid, 10000, 'the activity and the errors');
        await settle(30);
        assert.equal(act.length, 1, `activities: ${JSON.stringify(act.map((m) => m.payload))}`);
        assert.deepEqual(act[0].payload, {
          serial: CAM, zone: '0', tsIn: T0 + 5000, tsOut: T0 + 65000,
          timeIn: new Date(T0 + 5000).toISOString(), timeOut: new Date(T0 + 65000).toISOString(),
          durationS: 60, peakPeople: 3, messages: 80,
        });
        assert.equal(dis.filter((m: Received) => m.payload.serial === CAM).length, 0, 'nothing of the camera dismissed');
        assert.equal(caught.length, invalid, `caught ${caught.length} errors for ${invalid} invalid messages`);
        for (const m of caught) {
          assert.equal(m.error.source.id, 'p', `error from ${m.error.source.id}: ${m.error.message}`);
          assert.match(m.error.message, /^MV message dropped \(/);
        }
        } finally {
          await helper.unload();
        }
      }),
      { seed: seedFor(0x40de01), numRuns: 60, endOnFailure: true }, // shrinking a flow run by run takes minutes
    );
    assert.ok(invalidTotal > 1000, `invalid junk messages: ${invalidTotal}`); // the fuzz reached the error path
    assert.ok(okTotal > 50, `valid counts among the junk: ${okTotal}`);
  });
  /**
   * What the detector node makes of a payload (its documented checks): a count, ignored (another
   * kind, or no people reported) or invalid.
   */
  function detectorVerdict(p: unknown): 'invalid' | 'ignored' | { key: string } {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) return 'invalid';
    const o = p as Record<string, unknown>;
    if (o.kind !== undefined && o.kind !== 'counts') return 'ignored';
    if (o.people === null) return 'ignored';
    if (typeof o.serial !== 'string' || o.serial === '') return 'invalid';
    const zone = typeof o.zone === 'number' ? String(o.zone) : o.zone;
    if (typeof zone !== 'string' || zone === '') return 'invalid';
    if (typeof o.ts !== 'number' || !Number.isFinite(o.ts)) return 'invalid';
    if (typeof o.people !== 'number' || !Number.isFinite(o.people) || o.people < 0) return 'invalid';
    if (o.people > 1000) return 'invalid'; // issue 10: a sane bound
    return { key: JSON.stringify([o.serial, zone]) };
  }

  const countPayload = { kind: 'counts', serial: CAM, zone: '0', ts: T0, time: new Date(T0).toISOString(), people: 2, vehicles: null };
  const detectorJunk = fc.oneof(
    { weight: 6, arbitrary: mutatedArb([countPayload, { ...countPayload, serial: 'Q2JV-AB12-CD34', zone: 7 }, { kind: 'light', serial: CAM, ts: T0, lux: 3 }]) },
    { weight: 2, arbitrary: junkValue() },
    { weight: 1, arbitrary: fc.anything({ withMap: true, withNullPrototype: true, withBoxedValues: true }) },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS).map((k) => JSON.parse(`{"${k}": {"kind":"counts","serial":"x","zone":"0","ts":1,"people":1}}`)) },
  );

  it('junk payloads straight into activity-detector, interleaved with the worked vector: exactly its activity, one caught error per invalid payload', async function () {
    let invalidTotal = 0;
    await fuzzAssert(
      fc.asyncProperty(fc.array(detectorJunk, { minLength: 20, maxLength: 120 }), fc.array(fc.nat(WORKED.length), { minLength: 120, maxLength: 120 }), async (junk, at) => {
        const perKey = new Map<string, number>();
        let invalid = 0;
        for (const j of junk) {
          const v = detectorVerdict(j);
          if (v === 'invalid') invalid += 1;
          else if (v !== 'ignored') perKey.set(v.key, (perKey.get(v.key) ?? 0) + 1);
        }
        fc.pre(!perKey.has(JSON.stringify([CAM, '0'])) && [...perKey.values()].every((n) => n < MIN_MESSAGES));
        invalidTotal += invalid;
        const items: { payload: unknown }[] = WORKED.map((people, i) => ({
          payload: { kind: 'counts', serial: CAM, zone: '0', ts: T0 + i * 1000, time: new Date(T0 + i * 1000).toISOString(), people, vehicles: 0 },
        }));
        const placed = junk.map((j, i) => ({ j, pos: at[i] })).sort((x, y) => y.pos - x.pos);
        for (const { j, pos } of placed) items.splice(pos, 0, { payload: j });

        await helper.load(nodeModule('activity-detector'), [
          { ...FLOW[1], wires: [['act'], ['dis']] }, FLOW[2], FLOW[3],
          { id: 'c', type: 'catch', scope: ['a'], uncaught: false, wires: [['caught']] }, FLOW[5],
        ]);
        try {
          const act = collect('act');
          const caught = collect('caught');
          const a = getNode('a');
          for (const item of items) a.receive({ topic: `/merakimv/${CAM}/0`, payload: item.payload });
          await waitFor(() => act.length >= 1 && caught.length >= invalid, 10000, 'the activity and the errors');
          await settle(30);
          assert.equal(act.length, 1, `activities: ${JSON.stringify(act.map((m) => m.payload))}`);
          assert.equal(act[0].payload.tsIn, T0 + 5000);
          assert.equal(act[0].payload.tsOut, T0 + 65000);
          assert.equal(act[0].payload.messages, 80);
          assert.equal(act[0].payload.peakPeople, 3);
          assert.equal(caught.length, invalid, `caught ${caught.length} errors for ${invalid} invalid payloads`);
          for (const m of caught) assert.match(m.error.message, /^count dropped: /);
        } finally {
          await helper.unload();
        }
      }),
      { seed: seedFor(0x40de02), numRuns: 40, endOnFailure: true },
    );
    assert.ok(invalidTotal > 500, `invalid payloads: ${invalidTotal}`);
  });
});
