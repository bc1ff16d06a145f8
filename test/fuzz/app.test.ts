/**
 * Fuzzing, the real application (issue 6, item 1): `npm start`'s launcher, Node-RED 4, the
 * supplied flow, started once. (a) Mutated Scanning API posts (every B-* example: wrong types,
 * deleted fields, huge strings, 10,000-deep nesting, unicode and control characters, prototype
 * keys, numbers as strings, NaN-ish values, duplicated keys, broken JSON, random bytes) interleaved
 * with valid posts of reserved client MACs; (b) MQTT junk interleaved with the worked vector.
 * The scenario is drawn from a fixed seed (FUZZ_SEED overrides) and printed on failure.
 */
import { strict as assert } from 'assert';
import { isUtf8 } from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { parse } from 'csv-parse/sync';
import { checkPost } from '../../src/lib/scanning';
import { MvSenseParser } from '../../src/lib/mv-sense';
import { App, startApp } from '../support/app';
import {
  B_FIXTURES, CMX_COLUMNS, CMX_NUMERIC, expectedCells, ExpectedObservation, JunkOptions, MACS_PER_POST, MIN_RSSI,
  mutatedArb, mutateText, mvMessageArb, preview, RESERVED_PREFIX, SECRET, seedFor, textOpArb, toJsonText, topicArb,
  undefusedFormula, validPostArb, withSeed,
} from './arbitraries';

const VALIDATOR = 'fuzz-validator-0123456789';
const MV_HEADER = 'serial,zone,timeIn,timeOut,durationS,peakPeople,messages';
const BAD_OUTPUT = /Uncaught|TypeError|RangeError/;

// ---------------------------------------------------------------------------------------------
// (a) Scanning API

interface Post {
  body: string | Buffer;
  contentType: string | null;
  /** null = junk; else the rows it must give */
  expected: ExpectedObservation[] | null;
  what: string;
}

/** Huge strings up to a few MB, now and then. */
const APP_JUNK: JunkOptions = { hugeMax: 3_000_000, bigWeight: 1 };
const bodies = B_FIXTURES.map((b) => b.body);

const junkPostArb: fc.Arbitrary<{ body: string | Buffer; what: string }> = fc.oneof(
  // a mutated example post as JSON text, sometimes also mutated as text (duplicate keys, broken syntax, BOM…)
  {
    weight: 14,
    arbitrary: fc
      .tuple(mutatedArb(bodies, APP_JUNK, true), fc.array(textOpArb, { maxLength: 2 }))
      .map(([v, ops]) => ({ body: mutateText(toJsonText(v), ops), what: `mutated example${ops.length ? ' + text ops ' + ops.map((o) => o.op).join(',') : ''}` })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => ({ body: Buffer.from(b), what: 'random bytes' })) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => ({ body: JSON.stringify(v) ?? 'null', what: 'random JSON' })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { body: '['.repeat(10_000) + ']'.repeat(10_000), what: '10,000-deep array' },
      { body: JSON.stringify({ ...(bodies[0] as object), data: 'DEEP' }).replace('"DEEP"', '{"observations":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'), what: 'deep observations' },
      { body: JSON.stringify({ ...(bodies[5] as object) }).replace('"observations":[', '"observations":[' + '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000) + ','), what: 'deep observation' },
      { body: '{"__proto__":{"secret":"' + SECRET + '"},"version":"2.0","type":"DevicesSeen","data":{"observations":[]}}', what: '__proto__ secret' },
      { body: '{"constructor":{"prototype":{"secret":"' + SECRET + '"}},"version":"2.0","type":"DevicesSeen","data":{}}', what: 'constructor.prototype' },
      { body: '', what: 'empty body' },
      { body: 'null', what: 'null' },
      { body: '\ufeff', what: 'BOM only' },
      { body: Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), what: 'BOM bytes + {}' },
    ),
  },
);

const contentTypeArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/octet-stream') },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** The answer a post must get, worked out from the SPEC's order of checks (and checkPost for the verdict). */
function expectedStatus(body: string | Buffer): number {
  let text = Buffer.isBuffer(body) ? body.toString('utf8') : Buffer.from(body, 'utf8').toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 400;
  }
  const v = checkPost(parsed, SECRET);
  return v.ok ? 202 : v.status;
}

function cmxScenario(seed: number): Post[] {
  const [junk, valid, at, types] = fc.sample(
    fc.tuple(
      fc.array(junkPostArb, { minLength: 300, maxLength: 300 }),
      fc.array(validPostArb(), { minLength: 60, maxLength: 60 }),
      fc.array(fc.nat(299), { minLength: 60, maxLength: 60 }),
      fc.array(contentTypeArb, { minLength: 360, maxLength: 360 }),
    ),
    { seed, numRuns: 1 },
  )[0];
  const posts: Post[] = junk.map((j, i) => ({ body: j.body, contentType: types[i], expected: null, what: j.what }));
  // whatever the seed, a few posts of several MB (accepted ones included: their text is cut, not stored whole)
  const b1 = bodies[0] as { data: { observations: Record<string, unknown>[] } };
  const huge = (ssid: string) => JSON.stringify({ ...b1, data: { ...b1.data, observations: [{ ...b1.data.observations[0], ssid, os: ssid.slice(0, 1000) }] } });
  posts.splice(50, 0, { body: huge('=' + 'x'.repeat(3_000_000)), contentType: 'application/json', expected: null, what: '3 MB formula ssid' });
  posts.splice(150, 0, { body: huge('a' + '😀'.repeat(1_000_000)), contentType: 'application/json', expected: null, what: '4 MB of emoji (cut in a surrogate pair)' });
  posts.splice(250, 0, { body: JSON.stringify({ ...b1, secret: 's'.repeat(2_000_000) }), contentType: 'application/json', expected: null, what: '2 MB secret' });
  // back to front, so that positions refer to the junk list
  const placed = valid.map((make, i) => ({ make, i, pos: at[i] })).sort((a, b) => b.pos - a.pos);
  for (const { make, i, pos } of placed) {
    const v = make(0x100 + i * MACS_PER_POST);
    posts.splice(pos, 0, { body: JSON.stringify(v.body), contentType: 'application/json', expected: v.expected, what: `valid post ${i}` });
  }
  return posts;
}

async function send(app: App, p: Post): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = {};
  if (p.contentType) headers['Content-Type'] = p.contentType;
  const res = await fetch(`${app.base}/cmx`, { method: 'POST', headers, body: typeof p.body === 'string' ? p.body : new Uint8Array(p.body) });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: res.status, json };
}

function readFile(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** Waits until `ready(text)` holds and the file has not changed for `quietMs`. */
async function settledFile(file: string, ready: (text: string) => boolean, ms = 30000, quietMs = 1500): Promise<string> {
  const end = Date.now() + ms;
  let last = readFile(file);
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const text = readFile(file);
    if (text !== last) {
      last = text;
      since = Date.now();
    }
    if (ready(text) && Date.now() - since >= quietMs) return text;
    if (Date.now() > end) throw new Error(`${path.basename(file)} not as expected after ${ms} ms (${text.length} bytes)`);
  }
}

function reservedCount(text: string): number {
  return text.split('\n').filter((l) => l.includes(`,${RESERVED_PREFIX}:`)).length;
}

// ---------------------------------------------------------------------------------------------
// (b) MQTT

const CAM = 'Q2FZ-FUZZ-0002';
const T0 = Date.UTC(2024, 5, 20, 9, 0, 0);
const WORKED = [...Array(5).fill(0), ...Array.from({ length: 60 }, (_, i) => 1 + (i % 3)), ...Array(25).fill(0)];

interface Pub {
  topic: string;
  payload: string | Buffer;
  junk: boolean;
}

/** MQTT forbids wildcards, U+0000 and empty topic names in a publish, and caps them at 65,535 bytes. */
function publishableTopic(t: string): string {
  let s = Buffer.from(t, 'utf8').toString('utf8').replace(/[+#\u0000]/g, '_');
  if (s.startsWith('$')) s = '_' + s;
  while (Buffer.byteLength(s) > 60_000) s = s.slice(0, Math.floor(s.length / 2));
  return s === '' ? '_' : s;
}

/**
 * What the flow's `mqtt in` node (datatype auto-detect) hands on: text when the bytes are UTF-8,
 * then parsed when that text is JSON (so the JSON text of a string arrives as that string).
 */
function delivered(payload: string | Buffer): unknown {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  if (!isUtf8(bytes)) return bytes;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Any payload as bytes or text on the wire. */
function wire(p: unknown): string | Buffer {
  if (typeof p === 'string' || Buffer.isBuffer(p)) return p;
  try {
    const t = JSON.stringify(p);
    if (typeof t === 'string') return t;
  } catch {
    // too deep, BigInt, …
  }
  return Buffer.from([0x80, 0x81]);
}

const bigPayloadArb = fc.oneof(
  fc.integer({ min: 100_000, max: 256 * 1024 }).map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919 + n) & 0xff))),
  fc.integer({ min: 100_000, max: 256 * 1024 - 64 }).map((n) => JSON.stringify({ ts: T0, counts: { person: 1 }, pad: 'é'.repeat(n / 2) })),
  fc.constantFrom('['.repeat(100_000) + ']'.repeat(100_000), '{"ts":1,"counts":' + '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_001)),
);

function mqttScenario(seed: number): Pub[] {
  const [junk, big, at] = fc.sample(
    fc.tuple(
      fc.array(fc.oneof({ weight: 3, arbitrary: mvMessageArb }, { weight: 1, arbitrary: fc.record({ topic: topicArb, payload: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) }) }), { minLength: 400, maxLength: 400 }),
      fc.array(fc.record({ topic: fc.oneof(fc.constant(`/merakimv/${CAM}/0`), topicArb), payload: bigPayloadArb }), { minLength: 12, maxLength: 12 }),
      fc.array(fc.nat(WORKED.length), { minLength: 412, maxLength: 412 }),
    ),
    { seed, numRuns: 1 },
  )[0];
  const classifier = new MvSenseParser();
  const perKey = new Map<string, number>();
  const items: Pub[] = [];
  for (const j of [...junk, ...big]) {
    const topic = publishableTopic(typeof j.topic === 'string' ? j.topic : '/merakimv/odd');
    const payload = wire(j.payload);
    // Junk must not be a count of the worked vector's own key, nor give another key the 50
    // messages an activity needs.
    const r = classifier.parse(topic, delivered(payload), Date.now());
    if (r.ok && r.value.kind === 'counts' && r.value.people !== null) {
      const k = `${r.value.serial}/${r.value.zone}`;
      if (k === `${CAM}/0` || (perKey.get(k) ?? 0) >= 40) continue;
      perKey.set(k, (perKey.get(k) ?? 0) + 1);
    }
    items.push({ topic, payload, junk: true });
  }
  const out: Pub[] = WORKED.map((people, i) => ({
    topic: `/merakimv/${CAM}/0`, payload: JSON.stringify({ ts: T0 + i * 1000, counts: { person: people, vehicle: 0 } }), junk: false,
  }));
  const placed = items.map((item, i) => ({ item, pos: at[i] })).sort((a, b) => b.pos - a.pos);
  for (const { item, pos } of placed) out.splice(pos, 0, item);
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('fuzz: the real application (npm start)', function () {
  this.timeout(240000);
  let app: App;

  before(async function () {
    app = await startApp({ CMX_VALIDATOR: VALIDATOR, CMX_SECRET: SECRET });
  });

  after(async function () {
    if (app) {
      await app.stop();
      app.cleanup();
    }
  });

  it('(a) POST /cmx: junk gets 202 or 4xx, never a 5xx or a dropped connection; cmxData.csv holds exactly the valid posts\' rows, well formed and defused', async function () {
    const seed = seedFor(0xa99c01);
    await withSeed(seed, 'Scanning API fuzz', async () => {
      const posts = cmxScenario(seed);
      const file = path.join(app.dataDir, 'cmxData.csv');
      const statuses: Record<number, number> = {};
      let bytes = 0;
      for (const [i, p] of posts.entries()) {
        bytes += Buffer.byteLength(p.body);
        let res: { status: number; json: any };
        try {
          res = await send(app, p);
        } catch (err) {
          throw new Error(`post ${i} (${p.what}, ${Buffer.byteLength(p.body)} bytes): no answer: ${(err as Error).message}; body ${preview(p.body)}`);
        }
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const what = `post ${i} (${p.what}): ${res.status} ${preview(res.json)} for ${preview(p.body)}`;
        assert.ok(res.status === 202 || (res.status >= 400 && res.status < 500), what);
        assert.equal(res.status, p.expected ? 202 : expectedStatus(p.body), what);
        if (res.status === 202) assert.deepEqual(res.json, { status: 'accepted' }, what);
        else assert.equal(typeof res.json?.error, 'string', what);
      }
      assert.ok(statuses[202] > 60 && statuses[400] > 20 && statuses[403] > 5, `a mix of answers: ${JSON.stringify(statuses)}`);
      assert.ok(bytes > 5e6, `${bytes} bytes posted`);

      const want = posts.flatMap((p) => p.expected ?? []).filter((o) => o.rssi >= MIN_RSSI);
      assert.ok(want.length > 50, `${want.length} valid rows`);
      const text = await settledFile(file, (t) => reservedCount(t) >= want.length);
      let records: string[][];
      try {
        records = parse(text, { relax_column_count: false, bom: false });
      } catch (err) {
        throw new Error(`cmxData.csv is not valid CSV: ${(err as Error).message}`);
      }
      assert.deepEqual(records[0], [...CMX_COLUMNS], 'the header first');
      assert.equal(records.filter((r) => r.join(',') === CMX_COLUMNS.join(',')).length, 1, 'one header');
      assert.equal(text.split('\n').length - 1, records.length, 'one line per record');
      for (const r of records.slice(1)) {
        assert.equal(r.length, CMX_COLUMNS.length, `17 columns: ${JSON.stringify(r)}`);
        r.forEach((cell, c) => {
          const column = CMX_COLUMNS[c];
          assert.ok(!undefusedFormula(cell), `undefused formula in ${column}: ${JSON.stringify(cell)}`);
          if (CMX_NUMERIC.has(column)) assert.ok(cell === '' || Number.isFinite(Number(cell)), `${column} is a number: ${JSON.stringify(cell)}`);
          else assert.ok(!/^[=+\-@\t\r]/.test(cell), `text in ${column} defused: ${JSON.stringify(cell)}`);
        });
      }
      const got = records.slice(1).filter((r) => r[1].startsWith(RESERVED_PREFIX)).map((r) => JSON.stringify(r)).sort();
      const expected = want.map((o) => JSON.stringify(expectedCells(o))).sort();
      assert.deepEqual(got, expected, 'exactly the valid posts\' rows');

      // still serving, nothing crashed
      assert.equal(app.proc.exitCode, null, 'still running');
      const get = await fetch(`${app.base}/cmx`);
      assert.equal(await get.text(), VALIDATOR);
      assert.doesNotMatch(app.output(), BAD_OUTPUT);
    });
  });

  it('(b) MQTT: junk interleaved with the worked vector gives exactly its activity in mvData.csv, every invalid message is accounted for in the log (at most 5 a minute in full, then a count); the app keeps running', async function () {
    const seed = seedFor(0x3a7701);
    await withSeed(seed, 'MQTT fuzz', async () => {
      const pubs = mqttScenario(seed);
      const url = `mqtt://127.0.0.1:${app.mqttPort}`;
      const connect = (id: string) => mqtt.connectAsync(url, { clientId: `fuzz-${id}-${process.pid}`, reconnectPeriod: 0 });
      // The camera and the stranger are different clients. The broker (aedes) drops a client that
      // publishes a topic of more than 100 levels, with whatever it had sent that was not read
      // yet: such a message goes out alone, on a client of its own, and is never delivered.
      const camera = await connect('camera');
      const stranger = await connect('stranger');
      let closed = 0;
      camera.on('close', () => (closed += 1));
      stranger.on('close', () => (closed += 1));
      const refused = (p: Pub) => p.topic.split('/').length > 100;
      try {
        for (const [i, p] of pubs.entries()) {
          if (!p.junk) await camera.publishAsync(p.topic, p.payload, { qos: 0 });
          else if (!refused(p)) await stranger.publishAsync(p.topic, p.payload, { qos: 0 });
          else {
            const doomed = await connect(`doomed-${i}`);
            const gone = new Promise((r) => doomed.once('close', () => r(undefined)));
            doomed.publish(p.topic, p.payload, { qos: 0 });
            await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
            doomed.end(true);
          }
        }
        assert.equal(closed, 0, 'the broker kept the camera and the stranger connected');
      } finally {
        await camera.endAsync();
        await stranger.endAsync();
      }
      const junk = pubs.filter((p) => p.junk);
      assert.ok(junk.length > 350, `${junk.length} junk messages`);

      const row = `${CAM},0,${new Date(T0 + 5000).toISOString()},${new Date(T0 + 65000).toISOString()},60,3,80`;
      const file = path.join(app.dataDir, 'mvData.csv');
      const text = await settledFile(file, (t) => t.includes(row), 30000, 1500).catch((err: Error) => {
        err.message += `\napplication output (end):\n${app.output().slice(-4000)}`;
        throw err;
      });
      assert.equal(text, `${MV_HEADER}\n${row}\n`);

      // Every invalid message the flow received (subscribed topic, not refused by the broker) was
      // reported once: none was lost, none stalled or crashed the parser.
      const classifier = new MvSenseParser();
      // Node-RED matches `/merakimv/#` with /^\/merakimv(\/.*)?$/: a topic with a line break never reaches the flow
      const subscribed = (p: Pub) => /^\/merakimv(\/.*)?$/.test(p.topic);
      const lines = junk.flatMap((p) => {
        if (!subscribed(p) || refused(p)) return [];
        const r = classifier.parse(p.topic, delivered(p.payload), Date.now()); // (issue 10: times are checked against the clock)
        return !r.ok && r.drop === 'invalid' ? [`MV message dropped (${r.reason}) on topic ${p.topic}\n`] : [];
      });
      const invalid = lines.length;
      assert.ok(invalid > 80, `${invalid} invalid junk messages`);
      assert.equal(app.proc.exitCode, null, 'still running');
      assert.equal((await fetch(`${app.base}/analytics/mvData.csv`)).status, 200);
      // The log (issue 10): at most 5 invalid messages a minute in full, then a count of the rest,
      // written at the end of the minute or when the node closes: stopping the app writes it.
      await app.stop();
      const out = app.output();
      const summaries = [...out.matchAll(/([\d,]+) more invalid MV messages dropped/g)];
      const more = summaries.reduce((n, m) => n + Number(m[1].replace(/,/g, '')), 0);
      const full = (out.match(/MV message dropped \(/g) ?? []).length - summaries.length; // (a summary quotes the last one)
      assert.ok(full <= 10, `${full} invalid messages logged in full`);
      if (full + more !== invalid) {
        const missing = [...new Set(lines)].filter((l) => out.split(l).length - 1 < lines.filter((x) => x === l).length);
        assert.fail(`${full} errors logged and ${more} counted for ${invalid} invalid messages; not in full: ${missing.slice(0, 5).map((l) => preview(l)).join(' | ')}`);
      }
      assert.doesNotMatch(out, BAD_OUTPUT);
    });
  });
});
