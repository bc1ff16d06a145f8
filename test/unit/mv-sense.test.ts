import { strict as assert } from 'assert';
import { FIXTURES_DIR } from '../support/fixtures';
import * as fs from 'fs';
import * as path from 'path';
import {
  CountsMessage,
  DetectionsMessage,
  LightMessage,
  MvSenseParser,
  ParseResult,
  verdict,
} from '../../src/lib/mv-sense';

/** The example payloads (see test/fixtures/README.md); a missing folder fails the tests loudly. */
const FIXTURES = FIXTURES_DIR;

function fixtureText(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8');
}
function fixture(name: string): unknown {
  return JSON.parse(fixtureText(name));
}

const RECEIVED = Date.UTC(2024, 5, 20, 8, 0, 0); // 1718870400000

function ok(r: ParseResult): CountsMessage | DetectionsMessage | LightMessage {
  assert.equal(verdict(r), 'ok', `expected ok, got ${JSON.stringify(r)}`);
  if (!r.ok || r.value.kind === 'crossing') throw new Error('unreachable');
  return r.value;
}
function counts(r: ParseResult): CountsMessage {
  const v = ok(r);
  assert.equal(v.kind, 'counts');
  return v as CountsMessage;
}
function detections(r: ParseResult): DetectionsMessage {
  const v = ok(r);
  assert.equal(v.kind, 'detections');
  return v as DetectionsMessage;
}
function light(r: ParseResult): LightMessage {
  const v = ok(r);
  assert.equal(v.kind, 'light');
  return v as LightMessage;
}
function assertInvalid(r: ParseResult, reason?: RegExp): void {
  assert.equal(verdict(r), 'invalid', `expected invalid, got ${JSON.stringify(r)}`);
  if (r.ok || r.drop !== 'invalid') return;
  assert.equal(typeof r.reason, 'string');
  assert.ok(r.reason.length > 0, 'an invalid result names its reason');
  if (reason) assert.match(r.reason, reason);
}

describe('MvSenseParser', () => {
  describe('count fixtures (A-1..A-4)', () => {
    const cases: Array<{
      file: string;
      topic: string;
      serial: string;
      zone: string;
      ts: number;
      people: number;
      vehicles: number | null;
    }> = [
      { file: 'A-1', topic: '/merakimv/Q2GV-7HJK-2LMN/0', serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 1718870412345, people: 3, vehicles: 0 },
      { file: 'A-2', topic: '/merakimv/Q2GV-7HJK-2LMN/0', serial: 'Q2GV-7HJK-2LMN', zone: '0', ts: 1562103384712, people: 1, vehicles: null },
      { file: 'A-3', topic: '/merakimv/Q2GV-7HJK-2LMN/747034588190081129', serial: 'Q2GV-7HJK-2LMN', zone: '747034588190081129', ts: 1718870415021, people: 0, vehicles: null },
      { file: 'A-4', topic: '/merakimv/Q2JV-AB12-CD34/0', serial: 'Q2JV-AB12-CD34', zone: '0', ts: 1718870433907, people: 1, vehicles: 4 },
    ];
    for (const c of cases) {
      it(`${c.file} on ${c.topic} → counts`, () => {
        const v = counts(new MvSenseParser().parse(c.topic, fixture(c.file), RECEIVED));
        assert.deepEqual(v, {
          kind: 'counts',
          serial: c.serial,
          zone: c.zone,
          ts: c.ts,
          time: new Date(c.ts).toISOString(),
          people: c.people,
          vehicles: c.vehicles,
        });
      });
    }

    it('A-1 time is ISO-8601 UTC with milliseconds', () => {
      const v = counts(new MvSenseParser().parse('/merakimv/Q2GV-7HJK-2LMN/0', fixture('A-1'), RECEIVED));
      assert.equal(v.time, '2024-06-20T08:00:12.345Z');
    });

    it('person-only payload (A-2) → vehicles null, not 0', () => {
      const v = counts(new MvSenseParser().parse('/merakimv/Q2GV-7HJK-2LMN/0', fixture('A-2'), RECEIVED));
      assert.equal(v.vehicles, null);
      assert.equal(v.people, 1);
    });

    it('vehicle-only payload → people null', () => {
      const v = counts(new MvSenseParser().parse('/merakimv/Q/0', { ts: 1718870412345, counts: { vehicle: 2 } }, RECEIVED));
      assert.equal(v.people, null);
      assert.equal(v.vehicles, 2);
    });

    it('a zero count stays 0 (not null)', () => {
      const v = counts(new MvSenseParser().parse('/merakimv/Q/0', { ts: 1718870412345, counts: { person: 0, vehicle: 0 } }, RECEIVED));
      assert.equal(v.people, 0);
      assert.equal(v.vehicles, 0);
    });

    it('unknown keys in counts and at the top level are ignored', () => {
      const v = counts(
        new MvSenseParser().parse('/merakimv/Q/0', { ts: 1718870412345, extra: 1, counts: { person: 2, bicycle: 9 } }, RECEIVED),
      );
      assert.equal(v.people, 2);
      assert.equal(v.vehicles, null);
      assert.equal(Object.prototype.hasOwnProperty.call(v, 'extra'), false);
    });
  });

  describe('raw_detections fixtures (A-5..A-7)', () => {
    it('A-5: two people, boxes normalised so x0<x1 and y0<y1', () => {
      const v = detections(new MvSenseParser().parse('/merakimv/Q2GV-7HJK-2LMN/raw_detections', fixture('A-5'), RECEIVED));
      assert.equal(v.serial, 'Q2GV-7HJK-2LMN');
      assert.equal(v.ts, 1718870412345);
      assert.equal(v.time, '2024-06-20T08:00:12.345Z');
      assert.equal(v.people, 2);
      assert.deepEqual(v.objects, [
        { oid: 4127, type: 'person', x0: 0.412, y0: 0.431, x1: 0.497, y1: 0.918 },
        { oid: 4131, type: 'person', x0: 0.688, y0: 0.455, x1: 0.741, y1: 0.802 },
      ]);
    });

    it('A-6: person and vehicle with confidence; people counts persons only', () => {
      const v = detections(new MvSenseParser().parse('/merakimv/Q2JV-AB12-CD34/raw_detections', fixture('A-6'), RECEIVED));
      assert.equal(v.serial, 'Q2JV-AB12-CD34');
      assert.equal(v.ts, 1718870433907);
      assert.equal(v.people, 1);
      assert.deepEqual(v.objects, [
        { oid: 88, type: 'vehicle', x0: 0.102, y0: 0.52, x1: 0.339, y1: 0.774, confidence: 91 },
        { oid: 93, type: 'person', x0: 0.561, y0: 0.563, x1: 0.59, y1: 0.7, confidence: 78 },
      ]);
      for (const o of v.objects) {
        assert.ok(o.x0 < o.x1 && o.y0 < o.y1, JSON.stringify(o));
      }
    });

    it('A-7: empty object list → 0 people', () => {
      const v = detections(new MvSenseParser().parse('/merakimv/Q2GV-7HJK-2LMN/raw_detections', fixture('A-7'), RECEIVED));
      assert.deepEqual(v.objects, []);
      assert.equal(v.people, 0);
      assert.equal(v.ts, 1718870460012);
    });

    it('already ordered boxes stay as they are; x is swapped independently of y', () => {
      const v = detections(
        new MvSenseParser().parse(
          '/merakimv/Q/raw_detections',
          { ts: 1718870412345, objects: [{ oid: 'a', type: 'person', x0: 0.9, y0: 0.1, x1: 0.2, y1: 0.3 }] },
          RECEIVED,
        ),
      );
      assert.deepEqual(v.objects, [{ oid: 'a', type: 'person', x0: 0.2, y0: 0.1, x1: 0.9, y1: 0.3 }]);
    });

    it('missing type → "unknown", missing oid → null, not counted as a person', () => {
      const v = detections(
        new MvSenseParser().parse('/merakimv/Q/raw_detections', { ts: 1718870412345, objects: [{ x0: 0, y0: 0, x1: 1, y1: 1 }] }, RECEIVED),
      );
      assert.deepEqual(v.objects, [{ oid: null, type: 'unknown', x0: 0, y0: 0, x1: 1, y1: 1 }]);
      assert.equal(v.people, 0);
    });

    it('objects without a numeric box → invalid', () => {
      const p = new MvSenseParser();
      const topic = '/merakimv/Q/raw_detections';
      const ts = 1718870412345;
      assertInvalid(p.parse(topic, { ts, objects: [{ type: 'person', x0: 0.1, y0: 0.1, x1: 0.2 }] }, RECEIVED), /x0, y0, x1, y1/);
      assertInvalid(p.parse(topic, { ts, objects: [{ type: 'person', x0: '0.1', y0: 0.1, x1: 0.2, y1: 0.2 }] }, RECEIVED));
      assertInvalid(p.parse(topic, { ts, objects: [{ type: 'person', x0: NaN, y0: 0.1, x1: 0.2, y1: 0.2 }] }, RECEIVED));
      assertInvalid(p.parse(topic, { ts, objects: [{ type: 'person', x0: Infinity, y0: 0.1, x1: 0.2, y1: 0.2 }] }, RECEIVED));
      assertInvalid(p.parse(topic, { ts, objects: [null] }, RECEIVED));
      assertInvalid(p.parse(topic, { ts, objects: [[0, 0, 1, 1]] }, RECEIVED));
      assertInvalid(p.parse(topic, { ts, objects: 'none' }, RECEIVED), /objects/);
      assertInvalid(p.parse(topic, { ts }, RECEIVED), /objects/);
    });

    it('raw_detections without ts → invalid', () => {
      assertInvalid(new MvSenseParser().parse('/merakimv/Q/raw_detections', { objects: [] }, RECEIVED), /ts/);
    });
  });

  describe('light fixtures (A-8..A-10)', () => {
    it('A-8: no ts → ts = receivedAt', () => {
      const v = light(new MvSenseParser().parse('/merakimv/Q2GV-7HJK-2LMN/light', fixture('A-8'), RECEIVED));
      assert.deepEqual(v, {
        kind: 'light',
        serial: 'Q2GV-7HJK-2LMN',
        ts: RECEIVED,
        time: new Date(RECEIVED).toISOString(),
        lux: 312.6,
      });
    });

    it('A-9: dim, no ts → ts = receivedAt', () => {
      const v = light(new MvSenseParser().parse('/merakimv/Q2GV-7HJK-2LMN/light', fixture('A-9'), RECEIVED + 7));
      assert.equal(v.lux, 4.81);
      assert.equal(v.ts, RECEIVED + 7);
      assert.equal(v.time, '2024-06-20T08:00:00.007Z');
    });

    it('A-10: ts in seconds → converted to ms', () => {
      const v = light(new MvSenseParser().parse('/merakimv/Q2GV-7HJK-2LMN/light', fixture('A-10'), RECEIVED));
      assert.equal(v.lux, 33.2);
      assert.equal(v.ts, 1642564552000);
      assert.equal(v.time, '2022-01-19T03:55:52.000Z');
    });

    it('ts null is the same as no ts', () => {
      const v = light(new MvSenseParser().parse('/merakimv/Q/light', { lux: 1, ts: null }, RECEIVED));
      assert.equal(v.ts, RECEIVED);
    });

    it('bad lux or bad ts → invalid', () => {
      const p = new MvSenseParser();
      assertInvalid(p.parse('/merakimv/Q/light', {}, RECEIVED), /lux/);
      assertInvalid(p.parse('/merakimv/Q/light', { lux: -1 }, RECEIVED), /lux/);
      assertInvalid(p.parse('/merakimv/Q/light', { lux: '12' }, RECEIVED), /lux/);
      assertInvalid(p.parse('/merakimv/Q/light', { lux: NaN }, RECEIVED), /lux/);
      assertInvalid(p.parse('/merakimv/Q/light', { lux: 3, ts: 'yesterday' }, RECEIVED), /ts/);
      assertInvalid(p.parse('/merakimv/Q/light', { lux: 3, ts: -5 }, RECEIVED), /ts/);
    });
  });

  describe('line crossings (A-17..A-19) → crossing', () => {
    const S = 'Q2GV-7HJK-2LMN';
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['A-17', 'k74272e', { label: 'Main entrance', event: 'in', objectType: 'person', objectId: 4127, ts: 1718870412345 }],
      ['A-18', 'k74272e', { label: 'Main entrance', event: 'out', objectType: 'person', objectId: 4131, ts: 1718870499012 }],
      ['A-19', '5678', { label: 'Gate B', event: 'in', objectType: 'vehicle', objectId: 88, ts: 1718870433907 }],
    ];
    for (const [file, boundaryId, want] of cases) {
      it(`${file} on /merakimv/${S}/crossing/${boundaryId}`, () => {
        const p = new MvSenseParser();
        for (const payload of [fixture(file), fixtureText(file), Buffer.from(fixtureText(file))]) {
          const r = p.parse(`/merakimv/${S}/crossing/${boundaryId}`, payload, RECEIVED);
          assert.equal(verdict(r), 'ok', JSON.stringify(r));
          if (!r.ok) return;
          assert.deepEqual(r.value, { kind: 'crossing', serial: S, boundaryId, ...want, time: new Date(want.ts as number).toISOString() });
        }
      });
    }

    it('a seconds ts (below 1e12, as in the PlaceOS test) is multiplied by 1000', () => {
      const p = new MvSenseParser();
      const payload = { label: 'testing', event: 'crossing_in', type: 'person', ts: 1642564558, object_id: 2 };
      const r = p.parse(`/merakimv/${S}/crossing/1`, payload, RECEIVED);
      assert.equal(r.ok && r.value.ts, 1642564558000);
      const r2 = p.parse(`/merakimv/${S}/crossing/1`, { ...payload, ts: 1_700_000_000 }, RECEIVED);
      assert.equal(r2.ok && r2.value.ts, 1_700_000_000_000);
      // between 1e11 and 1e12 too (the SPEC's line for crossings; elsewhere such a value is ms):
      // seconds, so far in the future, refused as such (read as ms it would be refused as too old)
      const r3 = p.parse(`/merakimv/${S}/crossing/1`, { ...payload, ts: 500_000_000_000 }, RECEIVED);
      assert.ok(!r3.ok && /017814-05-16T00:53:20.000Z is more than 300 s ahead/.test(r3.reason), JSON.stringify(r3));
    });

    it('other events keep their name; label, type and object_id may be missing', () => {
      const p = new MvSenseParser();
      const r = p.parse(`/merakimv/${S}/crossing/1`, { event: 'expired', ts: 1718870412345 }, RECEIVED);
      assert.equal(verdict(r), 'ok');
      if (!r.ok) return;
      assert.deepEqual(r.value, { kind: 'crossing', serial: S, boundaryId: '1', label: null, event: 'expired', objectType: null, objectId: null, ts: 1718870412345, time: '2024-06-20T08:00:12.345Z' });
    });

    it('bad crossings are invalid, naming the reason', () => {
      const p = new MvSenseParser();
      const good = { label: 'L', event: 'crossing_in', type: 'person', ts: 1718870412345, object_id: 1 };
      assertInvalid(p.parse(`/merakimv/${S}/crossing/1`, { ...good, ts: 'now' }, RECEIVED), /ts/);
      assertInvalid(p.parse(`/merakimv/${S}/crossing/1`, { ...good, event: 5 }, RECEIVED), /event/);
      assertInvalid(p.parse(`/merakimv/${S}/crossing/1`, { ...good, event: 'x'.repeat(33) }, RECEIVED), /event/);
      assertInvalid(p.parse(`/merakimv/${S}/crossing/1`, { ...good, label: { a: 1 } }, RECEIVED), /label/);
      assertInvalid(p.parse(`/merakimv/${S}/crossing/1`, { ...good, type: 3 }, RECEIVED), /type/);
      assertInvalid(p.parse(`/merakimv/${S}/crossing`, good, RECEIVED), /crossing\/<boundaryId>/);
      assertInvalid(p.parse(`/merakimv/${S}/crossing/1/2`, good, RECEIVED), /crossing\/<boundaryId>/);
      assertInvalid(p.parse(`/merakimv/${S}/crossing/${'k'.repeat(129)}`, good, RECEIVED), /boundary id/);
      assertInvalid(p.parse(`/merakimv/${S}/crossing/a b`, good, RECEIVED), /boundary id/);
    });

    it('the camera filter applies to crossings; the zone filter does not', () => {
      const p = new MvSenseParser({ cameras: 'Q2JV-AB12-CD34', zones: '0' });
      assert.equal(verdict(p.parse(`/merakimv/${S}/crossing/1`, fixture('A-17'), RECEIVED)), 'filtered');
      assert.equal(verdict(p.parse('/merakimv/Q2JV-AB12-CD34/crossing/1', fixture('A-17'), RECEIVED)), 'ok');
    });
  });

  describe('topics not modelled (A-11..A-16, A-20, A-21) → ignored', () => {
    const S = 'Q2GV-7HJK-2LMN';
    const cases: Array<[string, string]> = [
      ['A-11', `/merakimv/${S}/audio_analytics`],
      ['A-12', `/merakimv/${S}/audio_detections`],
      ['A-13', `/merakimv/${S}/audio_detections`],
      ['A-14', `/merakimv/${S}/custom_analytics`],
      ['A-15', `/merakimv/${S}/custom_analytics`],
      ['A-16', `/merakimv/${S}/custom_analytics`],
      ['A-20', `/merakimv/${S}/net.meraki.detector`],
      ['A-21', `/merakimv/${S}/net.meraki.detector`],
    ];
    for (const [file, topic] of cases) {
      it(`${file} on ${topic}`, () => {
        const p = new MvSenseParser();
        for (const payload of [fixture(file), fixtureText(file), Buffer.from(fixtureText(file))]) {
          const r = p.parse(topic, payload, RECEIVED);
          assert.equal(verdict(r), 'ignored', JSON.stringify(r));
          if (!r.ok && r.drop === 'ignored') assert.ok(r.reason.length > 0);
        }
      });
    }

    it('custom_analytics sub-topics and unknown leaves are ignored too', () => {
      const p = new MvSenseParser();
      assert.equal(verdict(p.parse('/merakimv/Q/custom_analytics/model1', {}, RECEIVED)), 'ignored');
      assert.equal(verdict(p.parse('/merakimv/Q/something_new', {}, RECEIVED)), 'ignored');
    });
  });

  describe('topics', () => {
    const payload = { ts: 1718870412345, counts: { person: 2 } };

    it('with and without the leading slash give the same result', () => {
      const p = new MvSenseParser();
      const a = counts(p.parse('/merakimv/Q2GV-7HJK-2LMN/0', payload, RECEIVED));
      const b = counts(p.parse('merakimv/Q2GV-7HJK-2LMN/0', payload, RECEIVED));
      assert.deepEqual(a, b);
      assert.equal(b.serial, 'Q2GV-7HJK-2LMN');
      const d = detections(p.parse('merakimv/Q/raw_detections', { ts: 1718870412345, objects: [] }, RECEIVED));
      assert.equal(d.serial, 'Q');
      const l = light(p.parse('merakimv/Q/light', { lux: 1 }, RECEIVED));
      assert.equal(l.serial, 'Q');
    });

    it('zone "0" and a long zone id are kept as strings', () => {
      const p = new MvSenseParser();
      assert.equal(counts(p.parse('/merakimv/Q/0', payload, RECEIVED)).zone, '0');
      const long = '747034588190081129';
      const v = counts(p.parse(`/merakimv/Q/${long}`, payload, RECEIVED));
      assert.equal(v.zone, long);
      assert.equal(typeof v.zone, 'string');
    });

    it('the serial keeps the case of the topic', () => {
      assert.equal(counts(new MvSenseParser().parse('/merakimv/q2gv-abcd/0', payload, RECEIVED)).serial, 'q2gv-abcd');
    });

    it('wrong topic shapes → invalid', () => {
      const p = new MvSenseParser();
      for (const topic of [
        '/foo/x/0',
        '/merakimv',
        '/merakimv/',
        '/merakimv/Q',
        '/merakimv/Q/',
        '/merakimv//0',
        '/merakimv/Q/0/extra',
        '/merakimv/Q/0/',
        '//merakimv/Q/0',
        'MERAKIMV/Q/0',
        '',
      ]) {
        assertInvalid(p.parse(topic, payload, RECEIVED));
      }
    });

    it('a topic that is not a string → invalid', () => {
      const p = new MvSenseParser();
      for (const topic of [undefined, null, 42, {}, ['merakimv', 'Q', '0']]) {
        assertInvalid(p.parse(topic, payload, RECEIVED), /topic/);
      }
    });

    it('a very long topic → invalid', () => {
      assertInvalid(new MvSenseParser().parse('/merakimv/' + 'Q'.repeat(600) + '/0', payload, RECEIVED), /topic/);
    });

    it('the same topic gives the same answer every time (topic cache)', () => {
      const p = new MvSenseParser({ zones: '1' });
      for (let i = 0; i < 3; i++) {
        assert.equal(verdict(p.parse('/merakimv/Q/1', { ts: 1718870412345 + i, counts: { person: i } }, RECEIVED)), 'ok');
        assert.equal(verdict(p.parse('/merakimv/Q/2', payload, RECEIVED)), 'filtered');
        assert.equal(verdict(p.parse('/merakimv/Q/0/x', payload, RECEIVED)), 'invalid');
      }
      assert.equal(counts(p.parse('/merakimv/Q/1', { ts: 1718870412999, counts: { person: 7 } }, RECEIVED)).people, 7);
    });

    it('many distinct topics keep working past the topic cache size', () => {
      const p = new MvSenseParser();
      for (let i = 0; i < 5000; i++) {
        const v = counts(p.parse(`/merakimv/Q/${i}`, payload, RECEIVED));
        assert.equal(v.zone, String(i));
      }
      assert.equal(counts(p.parse('/merakimv/Q/0', payload, RECEIVED)).zone, '0');
    });
  });

  describe('payload forms', () => {
    const topic = '/merakimv/Q2GV-7HJK-2LMN/0';
    const expected = counts(new MvSenseParser().parse(topic, fixture('A-1'), RECEIVED));

    it('object, JSON string and Buffer give the same message', () => {
      const p = new MvSenseParser();
      assert.deepEqual(counts(p.parse(topic, fixtureText('A-1'), RECEIVED)), expected);
      assert.deepEqual(counts(p.parse(topic, Buffer.from(fixtureText('A-1'), 'utf8'), RECEIVED)), expected);
      assert.deepEqual(counts(p.parse(topic, JSON.stringify(fixture('A-1')), RECEIVED)), expected);
    });

    it('bad payloads → invalid with a reason, never a throw', () => {
      const p = new MvSenseParser();
      const bad: Array<[unknown, RegExp]> = [
        ['not json', /JSON/],
        ['{"ts": 1', /JSON/],
        ['', /JSON/],
        [Buffer.from('{oops'), /JSON/],
        [Buffer.from([0xff, 0xfe, 0x00]), /JSON/],
        ['null', /null/],
        [null, /null/],
        [undefined, /undefined/],
        ['[]', /array/],
        ['[{"ts":1718870412345,"counts":{"person":1}}]', /array/],
        [[{ ts: 1718870412345, counts: { person: 1 } }], /array/],
        [Buffer.from('[1,2]'), /array/],
        ['42', /number/],
        [42, /number/],
        ['"text"', /string/],
        [true, /boolean/],
      ];
      for (const [payload, reason] of bad) {
        let r: ParseResult | undefined;
        assert.doesNotThrow(() => {
          r = p.parse(topic, payload, RECEIVED);
        }, `payload ${String(payload)}`);
        assertInvalid(r!, reason);
      }
    });

    it('an oversized payload → invalid (string and Buffer)', () => {
      const p = new MvSenseParser();
      const big = '{"ts":1718870412345,"counts":{"person":1},"pad":"' + 'x'.repeat(1024 * 1024) + '"}';
      assertInvalid(p.parse(topic, big, RECEIVED), /too large/);
      assertInvalid(p.parse(topic, Buffer.from(big), RECEIVED), /too large/);
    });
  });

  describe('bad counts', () => {
    const topic = '/merakimv/Q/0';
    const ts = 1718870412345;

    it('negative, non-numeric and NaN-like counts → invalid', () => {
      const p = new MvSenseParser();
      for (const person of [-1, '3', 'NaN', NaN, Infinity, -Infinity, true, {}, [1]]) {
        assertInvalid(p.parse(topic, { ts, counts: { person } }, RECEIVED), /person/);
      }
      assertInvalid(p.parse(topic, { ts, counts: { person: 1, vehicle: -2 } }, RECEIVED), /vehicle/);
      assertInvalid(p.parse(topic, { ts, counts: { person: 1, vehicle: 'many' } }, RECEIVED), /vehicle/);
    });

    it('"NaN" inside a JSON string is not JSON → invalid', () => {
      assertInvalid(new MvSenseParser().parse(topic, `{"ts":${ts},"counts":{"person":NaN}}`, RECEIVED));
    });

    it('counts missing or not an object → invalid', () => {
      const p = new MvSenseParser();
      assertInvalid(p.parse(topic, { ts }, RECEIVED), /counts/);
      assertInvalid(p.parse(topic, { ts, counts: 3 }, RECEIVED), /counts/);
      assertInvalid(p.parse(topic, { ts, counts: null }, RECEIVED), /counts/);
      assertInvalid(p.parse(topic, { ts, counts: [1] }, RECEIVED), /counts/);
    });

    it('an inherited "person" does not count', () => {
      const inherited = Object.create({ person: 5 }) as Record<string, unknown>;
      const v = counts(new MvSenseParser().parse(topic, { ts, counts: inherited }, RECEIVED));
      assert.equal(v.people, null);
    });

    it('missing or garbage ts → invalid', () => {
      const p = new MvSenseParser();
      assertInvalid(p.parse(topic, { counts: { person: 1 } }, RECEIVED), /ts/);
      for (const bad of [null, 'soon', '', '  ', -1, NaN, Infinity, true, {}, [1718870412345], 1e17]) {
        assertInvalid(p.parse(topic, { ts: bad, counts: { person: 1 } }, RECEIVED), /ts/);
      }
    });
  });

  describe('ts in seconds or milliseconds (by magnitude)', () => {
    const topic = '/merakimv/Q/0';
    it('seconds, fractional seconds and ms all give the same instant', () => {
      const p = new MvSenseParser();
      assert.equal(counts(p.parse(topic, { ts: 1718870412, counts: { person: 1 } }, RECEIVED)).ts, 1718870412000);
      assert.equal(counts(p.parse(topic, { ts: 1718870412.345, counts: { person: 1 } }, RECEIVED)).ts, 1718870412345);
      assert.equal(counts(p.parse(topic, { ts: 1718870412345, counts: { person: 1 } }, RECEIVED)).ts, 1718870412345);
      assert.equal(counts(p.parse(topic, { ts: '1718870412345', counts: { person: 1 } }, RECEIVED)).ts, 1718870412345);
      assert.equal(counts(p.parse(topic, { ts: '1718870412', counts: { person: 1 } }, RECEIVED)).ts, 1718870412000);
    });
  });

  describe('camera and zone filters', () => {
    const payload = { ts: 1718870412345, counts: { person: 1 } };

    it("'*', empty and missing select everything", () => {
      for (const cameras of ['*', '', undefined, ' * ', []]) {
        const p = new MvSenseParser({ cameras, zones: cameras });
        assert.equal(verdict(p.parse('/merakimv/ANY/5', payload, RECEIVED)), 'ok', String(cameras));
      }
    });

    it('camera list with commas, spaces, semicolons and new lines; case-insensitive', () => {
      const p = new MvSenseParser({ cameras: 'q2gv-7hjk-2lmn,  Q2JV-AB12-CD34 ;X1\nx2' });
      assert.equal(verdict(p.parse('/merakimv/Q2GV-7HJK-2LMN/0', payload, RECEIVED)), 'ok');
      assert.equal(verdict(p.parse('/merakimv/q2jv-ab12-cd34/0', payload, RECEIVED)), 'ok');
      assert.equal(verdict(p.parse('/merakimv/X1/0', payload, RECEIVED)), 'ok');
      assert.equal(verdict(p.parse('/merakimv/X2/0', payload, RECEIVED)), 'ok');
      const r = p.parse('/merakimv/Q2XX-0000-0000/0', payload, RECEIVED);
      assert.equal(verdict(r), 'filtered');
      if (!r.ok && r.drop === 'filtered') assert.match(r.reason, /camera/);
    });

    it('the camera filter applies to every leaf', () => {
      const p = new MvSenseParser({ cameras: 'A' });
      assert.equal(verdict(p.parse('/merakimv/B/raw_detections', { ts: 1718870412345, objects: [] }, RECEIVED)), 'filtered');
      assert.equal(verdict(p.parse('/merakimv/B/light', { lux: 1 }, RECEIVED)), 'filtered');
      assert.equal(verdict(p.parse('/merakimv/B/audio_analytics', {}, RECEIVED)), 'filtered');
      assert.equal(verdict(p.parse('/merakimv/A/light', { lux: 1 }, RECEIVED)), 'ok');
    });

    it('an array of cameras works like a list', () => {
      const p = new MvSenseParser({ cameras: ['A', ' b '] });
      assert.equal(verdict(p.parse('/merakimv/B/0', payload, RECEIVED)), 'ok');
      assert.equal(verdict(p.parse('/merakimv/C/0', payload, RECEIVED)), 'filtered');
    });

    it('zone filter selects count topics by zone id', () => {
      const p = new MvSenseParser({ zones: '0, 747034588190081129' });
      assert.equal(verdict(p.parse('/merakimv/Q/0', payload, RECEIVED)), 'ok');
      assert.equal(verdict(p.parse('/merakimv/Q/747034588190081129', payload, RECEIVED)), 'ok');
      const r = p.parse('/merakimv/Q/12', payload, RECEIVED);
      assert.equal(verdict(r), 'filtered');
      if (!r.ok && r.drop === 'filtered') assert.match(r.reason, /zone/);
    });

    it('zone filter does not block raw_detections or light', () => {
      const p = new MvSenseParser({ zones: '12' });
      assert.equal(verdict(p.parse('/merakimv/Q/raw_detections', { ts: 1718870412345, objects: [] }, RECEIVED)), 'ok');
      assert.equal(verdict(p.parse('/merakimv/Q/light', { lux: 1 }, RECEIVED)), 'ok');
    });

    it('a filtered topic is filtered whatever the payload', () => {
      const p = new MvSenseParser({ cameras: 'A' });
      assert.equal(verdict(p.parse('/merakimv/B/0', 'not json', RECEIVED)), 'filtered');
    });
  });
});
