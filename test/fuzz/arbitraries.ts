/**
 * Shared fast-check arbitraries for the fuzz tests (test/fuzz/*.test.ts): junk values, mutations of
 * the A-* / B-* example payloads (value level and JSON-text level), MQTT topics and payloads, and
 * valid Scanning API posts with a reserved client-MAC prefix together with the observations and
 * cmxData.csv cells SPEC sections 3 and 5 say they must give (an independent model: it does not
 * call src/lib/scanning).
 *
 * Seeds: every fuzz test uses a fixed seed (overridable with FUZZ_SEED=<n> to explore), so a
 * failure reproduces; fuzzAssert prints the seed, the path and a shortened counterexample, the
 * app-level tests print their seed themselves.
 */
import fc from 'fast-check';
import { fixture } from '../support/fixtures';
import type { Observation } from '../../src/lib/scanning';

export const SECRET = 's3cr3t-shared-value';

/** The seed of a test: FUZZ_SEED when set (to explore), else the test's own fixed one. */
export function seedFor(fixed: number): number {
  const env = process.env.FUZZ_SEED;
  return env !== undefined && env !== '' && Number.isInteger(Number(env)) ? Number(env) : fixed;
}

/** Attaches the seed to a failure of a hand-run (not fc.assert) fuzz scenario. */
export async function withSeed<T>(seed: number, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Error) err.message = `${what} failed with seed ${seed} (rerun: FUZZ_SEED=${seed}): ${err.message}`;
    throw err;
  }
}

/** A short, never-throwing picture of any value (counterexamples can be MBs long or 10,000 deep). */
export function preview(v: unknown, depth = 0): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 120 ? v.slice(0, 120) : v) + (v.length > 120 ? `…(${v.length} chars)` : '');
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v !== 'object' || v === null) return typeof v === 'symbol' ? v.toString() : String(v);
  if (Buffer.isBuffer(v)) return `Buffer(${v.length}) ${JSON.stringify(v.subarray(0, 60).toString('utf8'))}`;
  if (depth > 5) return Array.isArray(v) ? '[…]' : '{…}';
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  if (Array.isArray(v)) {
    const items = v.slice(0, 12).map((x) => preview(x, depth + 1));
    return `[${items.join(', ')}${v.length > 12 ? `, …(${v.length})` : ''}]`;
  }
  if (tag !== 'Object') return tag;
  const keys = Object.keys(v);
  const items = keys.slice(0, 12).map((k) => `${JSON.stringify(k)}: ${preview((v as Record<string, unknown>)[k], depth + 1)}`);
  return `{${items.join(', ')}${keys.length > 12 ? `, …(${keys.length} keys)` : ''}}`;
}

/**
 * fc.assert without fast-check's own report, which overflows the stack on a 10,000-deep
 * counterexample: on failure, the seed and path (to replay: fc.assert(…, { seed, path })), a
 * shortened counterexample and the original error. `endOnFailure` skips shrinking (a node-level
 * run loads a flow: shrinking would take minutes); otherwise shrinking stops once the whole check
 * has taken `timeLimitMs` (default 60 s), which a passing check never comes near.
 */
export async function fuzzAssert<Ts extends [unknown, ...unknown[]]>(
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  params: { seed: number; numRuns: number; endOnFailure?: boolean; timeLimitMs?: number },
): Promise<void> {
  const { timeLimitMs = 60_000, ...rest } = params;
  const details = await fc.check(property as fc.IAsyncProperty<Ts>, { ...rest, interruptAfterTimeLimit: timeLimitMs });
  if (!details.failed) {
    if (details.numRuns < params.numRuns) throw new Error(`only ${details.numRuns} of ${params.numRuns} runs within ${timeLimitMs} ms (seed ${details.seed})`);
    return;
  }
  const example = details.counterexample ? details.counterexample.map((x) => preview(x)).join(', ').slice(0, 6000) : '(none)';
  const cause = details.errorInstance instanceof Error ? details.errorInstance.stack ?? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `Property failed after ${details.numRuns} tests${params.endOnFailure ? ' (not shrunk)' : details.interrupted ? ' (shrinking cut short)' : ''}\n` +
      `{ seed: ${details.seed}, path: "${details.counterexamplePath}" } (rerun with FUZZ_SEED=${details.seed})\n` +
      `Counterexample (shortened): ${example}\nShrunk ${details.numShrinks} time(s)\nCaused by: ${cause}`,
  );
}

// ---------------------------------------------------------------------------------------------
// fixtures

export const A_SERIAL = 'Q2GV-7HJK-2LMN';

/** A-1 … A-21 with the topic each is published on (test/fixtures/README.md). */
export const A_FIXTURES: { name: string; topic: string; payload: unknown }[] = [
  ['A-1', '0'], ['A-2', '0'], ['A-3', '747034588190081129'], ['A-4', '0'], ['A-5', 'raw_detections'],
  ['A-6', 'raw_detections'], ['A-7', 'raw_detections'], ['A-8', 'light'], ['A-9', 'light'], ['A-10', 'light'],
  ['A-11', 'audio_analytics'], ['A-12', 'audio_detections'], ['A-13', 'audio_detections'],
  ['A-14', 'custom_analytics'], ['A-15', 'custom_analytics'], ['A-16', 'custom_analytics'],
  ['A-17', 'crossing/1'], ['A-18', 'crossing/1'], ['A-19', 'crossing/2'], ['A-20', 'net.meraki.detector'],
  ['A-21', 'net.meraki.detector'],
].map(([name, leaf]) => ({ name, topic: `/merakimv/${A_SERIAL}/${leaf}`, payload: fixture(name) }));

export const B_NAMES = ['B-1', 'B-2', 'B-3', 'B-4', 'B-5', 'B-6', 'B-7', 'B-8', 'B-9', 'B-10', 'B-11'];
export const B_FIXTURES: { name: string; body: unknown }[] = B_NAMES.map((name) => ({ name, body: fixture(name) }));

// ---------------------------------------------------------------------------------------------
// junk values

/** Keys that reach prototypes or shadow Object.prototype methods when code is careless. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON', '__defineGetter__'];

/** Deep nesting as a value, built without recursion. */
export function deepArray(depth: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

export function deepObject(depth: number, key = 'a'): unknown {
  let v: unknown = {};
  for (let i = 0; i < depth; i++) v = { [key]: v };
  return v;
}

/**
 * Deep nesting can be parsed by JSON.parse but not written by JSON.stringify (V8 overflows its
 * stack near 10,000 levels), so in JSON text it is a marker string replaced afterwards.
 */
const DEEP_MARK = '\u0000DEEP\u0000';
export function deepMarker(depth: number, kind: 'array' | 'object'): string {
  return `${DEEP_MARK}${kind}:${depth}${DEEP_MARK}`;
}
const DEEP_RE = /"\\u0000DEEP\\u0000(array|object):(\d+)\\u0000DEEP\\u0000"/g;

/** JSON text of a value, with deep-nesting markers expanded. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(DEEP_RE, (_m, kind: string, n: string) => {
    const depth = Number(n);
    return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth);
  });
}

const FORMULAS = ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', "=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', '-', '+', '@', '=', '-2+3', '+33 1 23'];

/** Strings a spreadsheet would run as formulas. */
export const formulaString = fc.tuple(fc.constantFrom(...FORMULAS), fc.string({ maxLength: 8 })).map(([a, b]) => a + b);

const controlString = fc.string({ unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)), maxLength: 12 });

/** Text that CSV writers and readers trip over: quotes, separators, line breaks of every kind, BOMs. */
const csvBreaker = fc
  .tuple(fc.constantFrom('"', '""', ',', ';', '\r\n', '\n', '\r', '\u2028', '\u2029', '\u0085', '\ufeff', '\\', "'", '\t'), fc.string({ maxLength: 6 }), fc.boolean())
  .map(([b, t, first]) => (first ? b + t : t + b + t));

/** Strings that look like numbers, or almost, or like NaN. */
const numberishString = fc.oneof(
  fc.constantFrom('NaN', 'nan', 'Infinity', '-Infinity', '1e400', '-1e400', '0x1F', '1e3', ' 42 ', '', ' ', 'null', 'undefined', 'true', '[]', '{}', '-0', '٣٢', '１２', '1,5', '12abc', '9'.repeat(400)),
  fc.double().map(String),
  fc.integer().map(String),
);

export interface JunkOptions {
  /** the largest huge string, in characters */
  hugeMax: number;
  /** how often (weight) huge strings and deep nesting come up */
  bigWeight: number;
}

export const SMALL_JUNK: JunkOptions = { hugeMax: 300_000, bigWeight: 1 };
/** no huge strings, no deep nesting */
export const PLAIN_JUNK: JunkOptions = { hugeMax: 0, bigWeight: 0 };

/** Any single junk value a JSON body or payload could carry (deep nesting as a marker string when `forText`). */
export function junkValue(opts: JunkOptions = SMALL_JUNK, forText = false): fc.Arbitrary<unknown> {
  const deep = fc.tuple(fc.constantFrom(3000, 10_000), fc.constantFrom<'array' | 'object'>('array', 'object')).map(([d, kind]) =>
    forText ? deepMarker(d, kind) : kind === 'array' ? deepArray(d) : deepObject(d),
  );
  const huge = fc
    .tuple(fc.integer({ min: Math.min(10_000, opts.hugeMax), max: opts.hugeMax }), fc.constantFrom('x', 'é', '😀', '=', '\u0000', ',"\n'))
    .map(([n, c]) => c.repeat(Math.max(1, Math.floor(n / c.length))));
  const protoObject = fc
    .tuple(fc.constantFrom(...PROTO_KEYS), fc.jsonValue({ maxDepth: 2 }))
    .map(([k, v]) => {
      const o: Record<string, unknown> = {};
      Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
      return o;
    });
  const big =
    opts.bigWeight > 0
      ? [{ weight: opts.bigWeight, arbitrary: huge }, { weight: opts.bigWeight, arbitrary: deep }]
      : [];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, -0, 1e308, -1e308, 2 ** 53 + 1, 0.1, 1e-300, 1718870431, 1718870431000, -1718870431) },
    { weight: 3, arbitrary: numberishString },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 2, arbitrary: formulaString },
    { weight: 1, arbitrary: controlString },
    { weight: 1, arbitrary: csvBreaker },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: protoObject },
    { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }) },
    ...big,
  );
}

// ---------------------------------------------------------------------------------------------
// value-level mutations

export type MutationOp = 'replace' | 'delete' | 'add' | 'stringify' | 'number' | 'wrap' | 'duplicate' | 'proto';

export interface Mutation {
  op: MutationOp;
  /** which node of the tree (modulo the number of nodes) */
  at: number;
  key: string;
  value: unknown;
  factor: number;
}

export function mutationArb(opts: JunkOptions = SMALL_JUNK, forText = false): fc.Arbitrary<Mutation> {
  return fc.record({
    op: fc.constantFrom<MutationOp>('replace', 'replace', 'delete', 'delete', 'add', 'stringify', 'number', 'wrap', 'duplicate', 'proto'),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom(...PROTO_KEYS, 'secret', 'version', 'type', 'data', 'observations', 'clientMac', 'rssi', 'ts', 'counts', 'person', 'locations', 'latestRecord'), fc.string({ maxLength: 10 })),
    value: junkValue(opts, forText),
    factor: fc.constantFrom(-1, 0, 1000, 1e-3, 1e12, 0.5, NaN, Infinity),
  });
}

interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null;
}

/** Every (parent, key) of a JSON-like tree, breadth first, at most `limit` of them and `depth` deep. */
function slots(root: unknown, limit = 2000, depth = 12): Slot[] {
  const out: Slot[] = [];
  const queue: [unknown, number][] = [[root, 0]];
  while (queue.length && out.length < limit) {
    const [node, d] = queue.shift()!;
    if (!isContainer(node) || d > depth) continue;
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const k of keys) {
      out.push({ parent: node, key: k });
      queue.push([(node as Record<string, unknown>)[k as string], d + 1]);
    }
  }
  return out;
}

function setOwn(parent: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  Object.defineProperty(parent, key, { value, enumerable: true, configurable: true, writable: true });
}

/** JSON.stringify that survives values too deep for it (then a placeholder). */
function safeStringify(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return '"[too deep]"';
  }
}

/** A JSON clone that keeps own `__proto__` keys as data (JSON.parse does); too deep → the value itself. */
export function jsonClone<T>(v: T): T {
  const text = safeStringify(v);
  return text === undefined || text === '"[too deep]"' ? v : (JSON.parse(text) as T);
}

/** Applies mutations to a clone of `root`; a mutation may also replace the root itself. */
export function mutate(root: unknown, mutations: Mutation[]): unknown {
  const box: unknown[] = [jsonClone(root)];
  for (const m of mutations) {
    const all = [{ parent: box, key: 0 } as Slot, ...slots(box[0])];
    // the root is hit rarely: it turns the whole body into junk
    const slot = all.length > 1 && m.at % 16 !== 0 ? all[1 + (m.at % (all.length - 1))] : all[0];
    const { parent, key } = slot;
    const current = (parent as Record<string, unknown>)[key as string];
    switch (m.op) {
      case 'replace':
        setOwn(parent, key, m.value);
        break;
      case 'delete':
        if (parent === box) setOwn(parent, key, undefined);
        else if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        break;
      case 'add':
        if (Array.isArray(current)) current.push(m.value);
        else if (isContainer(current)) setOwn(current, m.key, m.value);
        else setOwn(parent, key, m.value);
        break;
      case 'stringify':
        setOwn(parent, key, typeof current === 'string' ? current : safeStringify(current) ?? String(current));
        break;
      case 'number':
        setOwn(parent, key, typeof current === 'number' ? current * m.factor : typeof current === 'string' ? Number(current) * m.factor : m.factor);
        break;
      case 'wrap':
        setOwn(parent, key, m.factor > 1 ? [current] : { value: current });
        break;
      case 'duplicate':
        if (Array.isArray(current) && current.length) current.push(jsonClone(current[m.at % current.length]));
        else if (Array.isArray(parent)) parent.push(current === undefined ? null : jsonClone(current));
        else setOwn(parent, key, [current, current]);
        break;
      case 'proto': {
        const target = isContainer(current) && !Array.isArray(current) ? current : isContainer(parent) && !Array.isArray(parent) && (parent as unknown) !== box ? parent : null;
        const k = PROTO_KEYS[m.at % PROTO_KEYS.length];
        if (target) setOwn(target, k, isContainer(m.value) ? m.value : { polluted: m.value, secret: SECRET, observations: [] });
        else setOwn(parent, key, m.value);
        break;
      }
    }
  }
  return box[0];
}

/** A mutated copy of one of `bases` (1–4 mutations). */
export function mutatedArb(bases: unknown[], opts: JunkOptions = SMALL_JUNK, forText = false): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...bases), fc.array(mutationArb(opts, forText), { minLength: 1, maxLength: 4 }))
    .map(([base, ms]) => mutate(base, ms));
}

// ---------------------------------------------------------------------------------------------
// JSON-text-level mutations (what a value cannot express: duplicate keys, broken syntax, BOM…)

export type TextOp =
  | { op: 'duplicateKey'; at: number; key: string; value: string }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'flip'; at: number; ch: string }
  | { op: 'bom' }
  | { op: 'pad'; text: string }
  | { op: 'trailing'; text: string };

const jsonFragment = fc.oneof(
  fc.constantFrom('"x"', 'null', '1', '-1', '"NaN"', '[]', '{}', '"\\u0000"', '"\\ud800"', JSON.stringify(SECRET), '"wrong"', '"9.0"', '"2.0"', '"3"', '{"__proto__":{"secret":"x"}}', '1e400', '-0'),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
);

export const textOpArb: fc.Arbitrary<TextOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('duplicateKey' as const), at: fc.nat(), key: fc.constantFrom('secret', 'version', 'type', 'data', 'observations', 'clientMac', 'rssi', 'ts', 'counts', 'person', 'seenEpoch', '__proto__', 'constructor', 'prototype'), value: jsonFragment }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(',', '"', '{', '}', '[', ']', ':', '\\', '\u0000', '\n')) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), ch: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'bom' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pad' as const), text: fc.constantFrom(' ', '\n', '\t', '\r\n', '  \n  ') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('trailing' as const), text: fc.constantFrom(',', '}', 'x', '{}', ' null', '\u0000') }) },
);

/** Applies text-level mutations to JSON text. */
export function mutateText(text: string, ops: TextOp[]): string {
  let t = text;
  for (const o of ops) {
    switch (o.op) {
      case 'duplicateKey': {
        // after the n-th `{` (keys duplicated before or after their first occurrence: JSON.parse keeps the last)
        const opens: number[] = [];
        for (let i = 0; i < t.length && opens.length < 200; i++) if (t[i] === '{') opens.push(i);
        if (!opens.length) break;
        const i = opens[o.at % opens.length];
        const closes = t[i + 1] === '}';
        t = t.slice(0, i + 1) + `${JSON.stringify(o.key)}:${o.value}${closes ? '' : ','}` + t.slice(i + 1);
        break;
      }
      case 'truncate':
        t = t.slice(0, o.at % (t.length + 1));
        break;
      case 'insert': {
        const i = o.at % (t.length + 1);
        t = t.slice(0, i) + o.text + t.slice(i);
        break;
      }
      case 'flip': {
        if (!t.length) break;
        const i = o.at % t.length;
        t = t.slice(0, i) + o.ch + t.slice(i + 1);
        break;
      }
      case 'bom':
        t = '\ufeff' + t;
        break;
      case 'pad':
        t = o.text + t + o.text;
        break;
      case 'trailing':
        t = t + o.text;
        break;
    }
  }
  return t;
}

/** JSON text of a mutated base, then text-mutated (0–2 text operations). */
export function mutatedTextArb(bases: unknown[], opts: JunkOptions = SMALL_JUNK): fc.Arbitrary<string> {
  return fc
    .tuple(mutatedArb(bases, opts, true), fc.array(textOpArb, { maxLength: 2 }))
    .map(([v, ops]) => mutateText(toJsonText(v), ops));
}

// ---------------------------------------------------------------------------------------------
// MV Sense: topics and payloads

const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 20 });
const leaf = fc.oneof(
  fc.constantFrom('0', '1', '747034588190081129', 'raw_detections', 'light', 'audio_analytics', 'audio_detections', 'custom_analytics', 'crossing', 'net.meraki.detector', 'net_detections', '', '00', '-1', '1.5', '１', '٣', ' 0', '0 ', '+', '#', 'RAW_DETECTIONS', 'Light'),
  digits,
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const serialArb = fc.oneof(
  fc.constantFrom(A_SERIAL, 'Q2JV-AB12-CD34', 'q2gv-7hjk-2lmn', '', ' ', '+', '#', '..', 'merakimv'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }).filter((s) => !s.includes('/')),
);

/** MQTT topics: MV-like ones (right and wrong), random ones, very long ones. */
export const topicArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...A_FIXTURES.map((a) => a.topic)) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom('/merakimv/', 'merakimv/', '//merakimv/', '/MERAKIMV/', '/merakimv', '/meraki/', '', '/'), serialArb, fc.array(leaf, { minLength: 0, maxLength: 3 }))
      .map(([prefix, serial, leaves]) => [prefix + serial, ...leaves].join('/')),
  },
  { weight: 2, arbitrary: fc.array(fc.string({ unit: 'binary', maxLength: 8 }), { maxLength: 6 }).map((p) => p.join('/')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.oneof(fc.integer({ min: 490, max: 530 }), fc.integer({ min: 530, max: 100_000 })), fc.constantFrom('x', '0', '/', 'é'))
      .map(([n, c]) => `/merakimv/${A_SERIAL}/`.padEnd(n, c)),
  },
);

/** Plausible MV bodies with junk inside: these reach the parser's deeper checks. */
function countLike(forText: boolean): fc.Arbitrary<Record<string, unknown>> {
  const junk = () => junkValue(PLAIN_JUNK, forText);
  const often = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: junk() });
  const coordinate = often(fc.double({ min: -2, max: 2, noNaN: true }));
  return fc.record(
    {
      ts: often(fc.oneof(fc.integer({ min: 0, max: 2 ** 52 }), fc.integer({ min: 1_500_000_000, max: 2_000_000_000 }), fc.constant(1718870412345))),
      counts: often(fc.record({ person: often(fc.nat(20)), vehicle: often(fc.nat(5)) }, { requiredKeys: [] })),
      objects: often(
        fc.array(
          fc.record(
            { oid: junk(), type: often(fc.constantFrom('person', 'vehicle')), x0: coordinate, y0: coordinate, x1: coordinate, y1: coordinate, confidence: junk(), frame: junk() },
            { requiredKeys: ['x0', 'y0', 'x1', 'y1'] },
          ),
          { maxLength: 4 },
        ),
      ),
      lux: often(fc.double({ min: 0, max: 1e5, noNaN: true })),
    },
    { requiredKeys: [] },
  );
}

/** Typed arrays, Maps, Dates, BigInts, boxed values, null-prototype objects: a payload is not always JSON. */
const anythingArb = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withBoxedValues: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, maxDepth: 3 });

/** MQTT payloads as `mqtt in` or a user may hand them over: objects, text, Buffers. */
export const mvPayloadArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: anythingArb },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  { weight: 4, arbitrary: mutatedArb(A_FIXTURES.map((a) => a.payload)) },
  { weight: 3, arbitrary: mutatedTextArb(A_FIXTURES.map((a) => a.payload)) },
  { weight: 1, arbitrary: mutatedTextArb(A_FIXTURES.map((a) => a.payload)).map((t) => Buffer.from(t)) },
  { weight: 4, arbitrary: countLike(false) },
  { weight: 2, arbitrary: countLike(true).map((v) => toJsonText(v)) },
  { weight: 1, arbitrary: fc.constantFrom(...A_FIXTURES.map((a) => a.payload)) },
  // right at the 1 MB payload limit, as text and as bytes
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: -3, max: 3 }), fc.boolean()).map(([d, buf]) => {
      const head = '{"ts":1718870412345,"counts":{"person":1},"pad":"';
      const text = head + 'x'.repeat(1024 * 1024 + d - head.length - 2) + '"}';
      return buf ? Buffer.from(text) : text;
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(deepArray(10_000), deepObject(10_000, 'counts'), '['.repeat(10_000) + ']'.repeat(10_000), '{"ts":1,"counts":' + '['.repeat(5000) + ']'.repeat(5000) + '}') },
);

/** MV-shaped topics whose leaf the parser models. */
const modelledTopic = fc
  .tuple(fc.constantFrom(A_SERIAL, 'Q2JV-AB12-CD34', 'x'), fc.oneof(fc.constantFrom('0', '0', '747034588190081129', 'raw_detections', 'light'), digits), fc.boolean())
  .map(([serial, leaf, slash]) => `${slash ? '/' : ''}merakimv/${serial}/${leaf}`);

/** A topic and a payload: a fixture and its topic (mutated), a modelled topic and a plausible body, or anything. */
export const mvMessageArb: fc.Arbitrary<{ topic: unknown; payload: unknown }> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.nat(A_FIXTURES.length - 1), fc.array(mutationArb(SMALL_JUNK, true), { maxLength: 3 }), fc.array(textOpArb, { maxLength: 1 }), fc.nat(3))
      .map(([i, ms, ops, form]) => {
        const value = mutate(A_FIXTURES[i].payload, ms);
        const text = mutateText(toJsonText(value), ops);
        const payload = form === 0 && ops.length === 0 ? JSON.parse(text) : form === 1 ? Buffer.from(text) : text;
        return { topic: A_FIXTURES[i].topic, payload };
      }),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(modelledTopic, countLike(true), fc.nat(2)).map(([topic, body, form]) => {
      const text = toJsonText(body);
      return { topic, payload: form === 0 ? JSON.parse(text) : form === 1 ? Buffer.from(text) : text };
    }),
  },
  { weight: 4, arbitrary: fc.record({ topic: fc.oneof({ weight: 12, arbitrary: topicArb }, { weight: 1, arbitrary: fc.anything() }), payload: mvPayloadArb }) },
);

// ---------------------------------------------------------------------------------------------
// valid Scanning API posts with reserved client MACs, and what they must give

/** No fixture and no mutation uses it. */
export const RESERVED_PREFIX = '02:fe:ed';

export function reservedMac(n: number): string {
  const hex = (n & 0xffffff).toString(16).padStart(6, '0');
  return `${RESERVED_PREFIX}:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

/** The SPEC's fields of an observation (section 3): the lib's type; the values are worked out here. */
export type ExpectedObservation = Observation;

export const MIN_RSSI = 15;

/** Well-formed text without line breaks (what a valid post may carry; CSV keeps it on one line). */
const cleanText = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }),
  formulaString,
  fc.constantFrom('Corp-WiFi', 'a,b', 'say "hi"', "O'Brien", ' =lead space', 'Samsung Electronics Co.,Ltd', 'Ünïcødé 😀', '\t=tab', '@home', '-', '+44'),
).filter((s) => s !== '' && !/[\r\n\u2028\u2029]/.test(s));

const maybeText = fc.option(cleanText, { nil: null });
/** finite doubles, never -0 (JSON writes it as 0) */
const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => (v === 0 ? 0 : v));
const apMacArb = fc.constantFrom('e0:55:3d:10:4a:c1', 'e0:55:3d:10:4a:c7', 'e0:55:3d:10:4b:02');
const ip = fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.20.${a}.${b}`);
/** an instant in 2024, whole seconds (v2 seenEpoch is in seconds) */
const epochS = fc.integer({ min: 1704067200, max: 1735689599 });

interface V2Raw { clientMac: string; epoch: number; rssi: number; ssid: string | null; os: string | null; manufacturer: string | null; ip: string | null; ipForm: number; lat: number | null; lng: number | null; unc: number; x: number | null; y: number | null; macUpper: boolean; epochAsString: boolean }

const v2Obs = fc.record({
  epoch: epochS,
  rssi: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: -100, max: -1 }), fc.constantFrom(14, 15, 16, -80, -81, -79)),
  ssid: maybeText, os: maybeText, manufacturer: maybeText,
  ip: fc.option(ip, { nil: null }), ipForm: fc.nat(2),
  lat: fc.option(finite(-90, 90), { nil: null }), lng: fc.option(finite(-180, 180), { nil: null }), unc: finite(0, 100),
  x: fc.option(finite(0, 500), { nil: null }), y: fc.option(finite(0, 500), { nil: null }),
  macUpper: fc.boolean(), epochAsString: fc.boolean(),
});

interface V3Loc { epoch: number; lat: number; lng: number; x: number; y: number; xAsString: boolean; variance: number; nested: boolean; floorName: string | null; records: { ap: string; rssi: number }[] }

const v3Loc = fc.record({
  epoch: epochS,
  lat: finite(-90, 90), lng: finite(-180, 180), x: finite(0, 500), y: finite(0, 500), xAsString: fc.boolean(),
  variance: finite(0, 50), nested: fc.boolean(), floorName: maybeText,
  records: fc.array(fc.record({ ap: apMacArb, rssi: fc.integer({ min: -100, max: -1 }) }), { minLength: 1, maxLength: 3 }),
});

const v3Obs = fc.record({
  ssid: maybeText, os: maybeText, manufacturer: maybeText, ip: fc.option(ip, { nil: null }), macUpper: fc.boolean(),
  locations: fc.array(v3Loc, { maxLength: 3 }),
  latest: fc.record({ epoch: epochS, epochForm: fc.nat(1), ap: apMacArb, rssi: fc.integer({ min: -100, max: -1 }), rssiAsString: fc.boolean() }),
});

export interface ValidPost {
  body: Record<string, unknown>;
  expected: ExpectedObservation[];
}

const num2 = (n: number) => Math.round(n * 100) / 100;

function macForm(mac: string, upper: boolean): string {
  return upper ? mac.toUpperCase().replace(/:/g, '-') : mac;
}

/**
 * A valid post (v2.0/2.1/3.0/3.x, Wi-Fi or BLE) whose clients are `reservedMac(first …)`, and the
 * observations SPEC section 3 gives (before the RSSI threshold). `first` makes MACs unique.
 */
export function validPostArb(): fc.Arbitrary<(first: number) => ValidPost> {
  const v2 = fc.record({
    version: fc.constantFrom('2.0', '2.1'), ble: fc.boolean(), apMac: apMacArb,
    floors: fc.constantFrom<string[]>([], ['HQ - Floor 2'], ['', 'Ground']), obs: fc.array(v2Obs, { minLength: 1, maxLength: 4 }),
  });
  const v3 = fc.record({
    version: fc.constantFrom('3.0', '3.1', '3'), ble: fc.boolean(), bleType: fc.constantFrom('BLE', 'Bluetooth', 'BluetoothDevicesSeen'), networkId: fc.constantFrom('L_646829496481105433', 'N_1234'),
    obs: fc.array(v3Obs, { minLength: 1, maxLength: 3 }),
  });
  return fc.oneof(
    v2.map((p) => (first: number): ValidPost => {
      const radio = p.ble ? 'ble' : 'wifi';
      const floor = p.floors.find((f) => f !== '') ?? null;
      const expected: ExpectedObservation[] = [];
      const observations = p.obs.map((o, i) => {
        const mac = reservedMac(first + i);
        const ts = o.epoch * 1000;
        const ipText = o.ip === null ? null : o.ipForm === 0 ? `/${o.ip}` : o.ipForm === 1 ? `host-${i}/${o.ip}` : o.ip;
        expected.push({
          ts, time: new Date(ts).toISOString(), clientMac: mac, apMac: p.apMac,
          rssi: o.rssi < 0 ? o.rssi + 95 : o.rssi, rssiDbm: o.rssi < 0 ? o.rssi : null,
          ssid: o.ssid, manufacturer: o.manufacturer, os: o.os, ipv4: o.ip,
          lat: o.lat, lng: o.lng, unc: o.unc, x: o.x, y: o.y, floor, networkId: null, radio, version: p.version,
        });
        return {
          clientMac: macForm(mac, o.macUpper), ipv4: ipText, ipv6: null,
          seenTime: new Date(ts).toISOString().replace('.000Z', 'Z'), seenEpoch: o.epochAsString ? String(o.epoch) : o.epoch,
          ssid: o.ssid, os: o.os, manufacturer: o.manufacturer, rssi: o.rssi,
          location: { lat: o.lat ?? 'NaN', lng: o.lng ?? 'NaN', unc: o.unc, x: o.x === null ? [] : [o.x], y: o.y === null ? [] : [o.y] },
        };
      });
      const body = {
        version: p.version, secret: SECRET, type: p.ble ? 'BluetoothDevicesSeen' : 'DevicesSeen',
        data: { apMac: p.apMac, apTags: ['fuzz'], apFloors: p.floors, observations },
      };
      return { body, expected };
    }),
    v3.map((p) => (first: number): ValidPost => {
      const radio = p.ble ? 'ble' : 'wifi';
      const expected: ExpectedObservation[] = [];
      const observations = p.obs.map((o, i) => {
        const mac = reservedMac(first + i);
        const common = { ssid: o.ssid, manufacturer: o.manufacturer, os: o.os, ipv4: o.ip, networkId: p.networkId, radio, version: p.version } as const;
        // one location per instant (the receiver keeps one observation per client and time)
        const seen = new Set<number>();
        const locs = o.locations.filter((l) => !seen.has(l.epoch) && seen.add(l.epoch) !== undefined);
        const locations = locs.map((l) => {
          const x = num2(l.x);
          const y = num2(l.y);
          let best = l.records[0];
          for (const r of l.records) if (r.rssi > best.rssi) best = r;
          const ts = l.epoch * 1000;
          expected.push({
            ts, time: new Date(ts).toISOString(), clientMac: mac, apMac: best.ap, rssi: best.rssi + 95, rssiDbm: best.rssi,
            lat: l.lat, lng: l.lng, unc: l.variance, x, y, floor: l.floorName, ...common,
          });
          const where = l.nested
            ? { floorPlan: { id: 'g_1', name: l.floorName, x: l.xAsString ? String(x) : x, y } }
            : { x: l.xAsString ? String(x) : x, y: l.xAsString ? String(y) : y, floorPlanId: 'g_1', floorPlanName: l.floorName };
          return {
            time: new Date(ts).toISOString().replace('.000Z', 'Z'), lat: l.lat, lng: l.lng, variance: l.variance, ...where,
            nearestApTags: ['fuzz'], rssiRecords: l.records.map((r) => ({ apMac: r.ap, rssi: r.rssi })),
          };
        });
        const lr = o.latest;
        if (locations.length === 0) {
          const ts = lr.epoch * 1000;
          expected.push({
            ts, time: new Date(ts).toISOString(), clientMac: mac, apMac: lr.ap, rssi: lr.rssi + 95, rssiDbm: lr.rssi,
            lat: null, lng: null, unc: null, x: null, y: null, floor: null, ...common,
          });
        }
        return {
          clientMac: macForm(mac, o.macUpper), ipv4: o.ip, ipv6: null, ssid: o.ssid, os: o.os, manufacturer: o.manufacturer, userId: null,
          locations,
          latestRecord: {
            time: lr.epochForm === 0 ? new Date(lr.epoch * 1000).toISOString() : lr.epoch,
            nearestApMac: lr.ap, nearestApRssi: lr.rssiAsString ? String(lr.rssi) : lr.rssi,
          },
        };
      });
      const body = {
        version: p.version, secret: SECRET, type: p.ble ? p.bleType : 'WiFi',
        data: { networkId: p.networkId, observations },
      };
      return { body, expected };
    }),
  );
}

/** How many client MACs a generated post uses at most (for `first`). */
export const MACS_PER_POST = 4;

// ---------------------------------------------------------------------------------------------
// cmxData.csv

export const CMX_COLUMNS = ['time', 'clientMac', 'apMac', 'rssi', 'ssid', 'manufacturer', 'os', 'ipv4', 'lat', 'lng', 'unc', 'x', 'y', 'floor', 'networkId', 'radio', 'version'] as const;
export const CMX_NUMERIC = new Set(['rssi', 'lat', 'lng', 'unc', 'x', 'y']);

/** SPEC section 5: text a spreadsheet would run as a formula gets a leading `'`. */
export function specDefuse(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
}

/** The cells (as csv-parse reads them back) of an observation's cmxData.csv row. */
export function expectedCells(o: ExpectedObservation): string[] {
  return CMX_COLUMNS.map((c) => {
    const v = o[c];
    if (v === null) return '';
    return typeof v === 'number' ? String(v) : specDefuse(v);
  });
}

/** A cell that starts like a formula and is not a plain number. */
export function undefusedFormula(cell: string): boolean {
  return /^[=+\-@\t\r]/.test(cell) && !/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(cell);
}
