/**
 * MV Sense MQTT messages (topic `/merakimv/<serial>/<leaf>`) → normalised counts, detections,
 * light and line-crossing messages (SPEC section 3). Pure: no Node-RED, no I/O.
 */
import { ListFilter, listFilter } from './filter';
import { checkTime, futureToleranceMs, isoUtc, timeRefusal, toEpochMs } from './time';
import type { Result } from './result';

/** The most people (or vehicles) one camera zone may report: more is a broken or hostile sender
 *  (`1e308` in two zones sums to Infinity). */
export const MAX_COUNT = 1000;

export interface CountsMessage {
  kind: 'counts';
  serial: string;
  /** "0" = the whole frame; otherwise the zone id from the topic */
  zone: string;
  ts: number;
  time: string;
  people: number | null;
  vehicles: number | null;
}

export interface DetectedObject {
  oid: number | string | null;
  type: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  confidence?: number;
}

export interface DetectionsMessage {
  kind: 'detections';
  serial: string;
  ts: number;
  time: string;
  objects: DetectedObject[];
  /** objects of type "person" */
  people: number;
}

export interface LightMessage {
  kind: 'light';
  serial: string;
  ts: number;
  time: string;
  lux: number;
}

/** A line crossing (Areas & Lines), topic `/merakimv/<serial>/crossing/<boundaryId>`. */
export interface CrossingMessage {
  kind: 'crossing';
  serial: string;
  /** the line's id, from the topic */
  boundaryId: string;
  /** the line's name as configured in Dashboard, or null */
  label: string | null;
  /** `in` (crossing_in), `out` (crossing_out), or the camera's own word (expired, appeared, ...) */
  event: string;
  /** person, vehicle, or the camera's word; null when not given */
  objectType: string | null;
  objectId: number | string | null;
  ts: number;
  time: string;
}

export type MvMessage = CountsMessage | DetectionsMessage | LightMessage | CrossingMessage;

/**
 * Why a message gave no value: `invalid` (an error to report), `ignored` (a valid MV topic this
 * package does not model: audio, custom CV, desks, ...), `filtered` (the camera or zone filter).
 */
export type Drop = 'invalid' | 'ignored' | 'filtered';

export type ParseResult = Result<MvMessage, { drop: Drop }>;

/** A result in one word: 'ok', or why it was dropped. */
export function verdict(r: ParseResult): 'ok' | Drop {
  return r.ok ? 'ok' : r.drop;
}

const dropped = (drop: Drop, reason: string): ParseResult => ({ ok: false, drop, reason });

type Leaf = 'counts' | 'detections' | 'light' | 'crossing' | 'other';

interface TopicInfo {
  serial: string;
  /** the zone id; for a crossing, the boundary id */
  zone: string;
  leaf: Leaf;
  /** set when the topic itself is unusable or filtered out */
  reject?: ParseResult;
}

/** MV leaves that are valid but not modelled here. */
const OTHER_LEAVES = new Set([
  'audio_analytics',
  'audio_detections',
  'custom_analytics',
  'net.meraki.detector',
  'net_detections',
]);

const MAX_TOPIC_LENGTH = 512;
/** A crossing topic's boundary id: plain characters, at most 128. */
const BOUNDARY_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Crossing events: the camera's word, as long as it is a short one. */
const MAX_EVENT_LENGTH = 32;
/** Below this a crossing's ts is in seconds (SPEC section 3). */
const CROSSING_SECONDS_BELOW = 1e12;
const MAX_PAYLOAD_LENGTH = 1024 * 1024;
const TOPIC_CACHE_SIZE = 4096;

export interface MvParserOptions {
  /** `*`, empty, or a list of camera serials */
  cameras?: unknown;
  /** `*`, empty, or a list of zone ids (applies to count topics) */
  zones?: unknown;
  /** seconds a message time may be ahead of the wall clock (default 300); times before 2015 are refused too (time.ts) */
  futureToleranceS?: unknown;
}

function invalid(reason: string): ParseResult {
  return dropped('invalid', reason);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** A count: absent → null; otherwise a number from 0 to MAX_COUNT, or an error text. */
function readCount(counts: Record<string, unknown>, key: string): number | null | string {
  const v = Object.prototype.hasOwnProperty.call(counts, key) ? counts[key] : undefined;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    return `counts.${key} must be a non-negative number`;
  }
  if (v > MAX_COUNT) return `counts.${key} must be at most ${MAX_COUNT}`;
  return v;
}

function readNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Parses MV Sense messages. Keeps a small cache of topic → (serial, zone, filter verdict) because
 * a camera publishes on a handful of topics many times a second.
 */
export class MvSenseParser {
  private readonly cameras: ListFilter;
  private readonly zones: ListFilter;
  private readonly topics = new Map<string, TopicInfo>();
  private readonly toleranceMs: number;

  /** Throws a readable error on a bad futureToleranceS. */
  constructor(options: MvParserOptions = {}) {
    this.cameras = listFilter(options.cameras);
    this.zones = listFilter(options.zones);
    this.toleranceMs = futureToleranceMs(options.futureToleranceS);
  }

  /**
   * @param topic MQTT topic
   * @param payload an object (already parsed), a JSON string or a Buffer of JSON
   * @param receivedAt the wall clock (epoch ms): a message time more than the tolerance ahead of
   *   it, or before 2015, makes the message invalid; also the time of a light message without one
   */
  parse(topic: unknown, payload: unknown, receivedAt: number): ParseResult {
    const r = this.parseAny(topic, payload, receivedAt);
    if (!r.ok) return r;
    const verdict = checkTime(r.value.ts, receivedAt, this.toleranceMs);
    return verdict === 'ok' ? r : invalid(timeRefusal(verdict, r.value.ts, this.toleranceMs));
  }

  private parseAny(topic: unknown, payload: unknown, receivedAt: number): ParseResult {
    if (typeof topic !== 'string') return invalid('topic missing');
    const info = this.topicInfo(topic);
    if (info.reject) return info.reject;

    const body = decode(payload);
    if (typeof body === 'string') return invalid(body);

    switch (info.leaf) {
      case 'counts':
        return parseCounts(info, body);
      case 'detections':
        return parseDetections(info, body);
      case 'light':
        return parseLight(info, body, receivedAt);
      case 'crossing':
        return parseCrossing(info, body);
      default:
        return dropped('ignored', 'topic not modelled');
    }
  }

  private topicInfo(topic: string): TopicInfo {
    let info = this.topics.get(topic);
    if (info === undefined) {
      info = this.classify(topic);
      if (this.topics.size >= TOPIC_CACHE_SIZE) this.topics.clear();
      this.topics.set(topic, info);
    }
    return info;
  }

  private classify(topic: string): TopicInfo {
    const none: TopicInfo = { serial: '', zone: '', leaf: 'other' };
    if (topic.length > MAX_TOPIC_LENGTH) return { ...none, reject: invalid('topic too long') };
    const parts = (topic.startsWith('/') ? topic.slice(1) : topic).split('/');
    const [root, serial, leaf] = parts;
    if (root !== 'merakimv' || !serial || !leaf) {
      return { ...none, reject: invalid('topic is not /merakimv/<serial>/<zone|raw_detections|light>') };
    }
    if (!this.cameras.test(serial)) {
      return { ...none, reject: dropped('filtered', 'camera not selected') };
    }
    if (/^\d+$/.test(leaf)) {
      if (parts.length !== 3) return { ...none, reject: invalid('unexpected topic levels after the zone') };
      if (!this.zones.test(leaf)) return { ...none, reject: dropped('filtered', 'zone not selected') };
      return { serial, zone: leaf, leaf: 'counts' };
    }
    if (parts.length === 3 && leaf === 'raw_detections') return { serial, zone: '0', leaf: 'detections' };
    if (parts.length === 3 && leaf === 'light') return { serial, zone: '0', leaf: 'light' };
    if (leaf === 'crossing') {
      if (parts.length !== 4) return { ...none, reject: invalid('expected /merakimv/<serial>/crossing/<boundaryId>') };
      const boundaryId = parts[3];
      if (!BOUNDARY_ID.test(boundaryId)) return { ...none, reject: invalid('the boundary id in /merakimv/<serial>/crossing/<boundaryId> is empty, too long or not plain text') };
      return { serial, zone: boundaryId, leaf: 'crossing' };
    }
    if (OTHER_LEAVES.has(leaf)) return { ...none, reject: dropped('ignored', `${leaf} not modelled`) };
    return { ...none, reject: dropped('ignored', 'unknown MV topic') };
  }
}

/** Payload → plain object, or an error text. */
function decode(payload: unknown): Record<string, unknown> | string {
  let value: unknown = payload;
  if (Buffer.isBuffer(value)) {
    if (value.length > MAX_PAYLOAD_LENGTH) return 'payload too large';
    value = value.toString('utf8');
  }
  if (typeof value === 'string') {
    if (value.length > MAX_PAYLOAD_LENGTH) return 'payload too large';
    try {
      value = JSON.parse(value);
    } catch {
      return 'payload is not JSON';
    }
  }
  if (!isPlainObject(value)) {
    return `payload must be a JSON object, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  }
  return value;
}

function parseCounts(info: TopicInfo, body: Record<string, unknown>): ParseResult {
  const ts = toEpochMs(body.ts);
  if (ts === null) return invalid('missing or invalid ts');
  const counts = body.counts;
  if (!isPlainObject(counts)) return invalid('counts must be an object');
  const people = readCount(counts, 'person');
  if (typeof people === 'string') return invalid(people);
  const vehicles = readCount(counts, 'vehicle');
  if (typeof vehicles === 'string') return invalid(vehicles);
  return {
    ok: true,
    value: { kind: 'counts', serial: info.serial, zone: info.zone, ts, time: isoUtc(ts), people, vehicles },
  };
}

function parseDetections(info: TopicInfo, body: Record<string, unknown>): ParseResult {
  const ts = toEpochMs(body.ts);
  if (ts === null) return invalid('missing or invalid ts');
  if (!Array.isArray(body.objects)) return invalid('objects must be an array');
  const objects: DetectedObject[] = [];
  let people = 0;
  for (const o of body.objects) {
    if (!isPlainObject(o)) return invalid('objects[] entries must be objects');
    const x0 = readNumber(o.x0);
    const y0 = readNumber(o.y0);
    const x1 = readNumber(o.x1);
    const y1 = readNumber(o.y1);
    if (x0 === null || y0 === null || x1 === null || y1 === null) {
      return invalid('objects[] need numeric x0, y0, x1, y1');
    }
    const type = typeof o.type === 'string' ? o.type : 'unknown';
    const oid = typeof o.oid === 'number' || typeof o.oid === 'string' ? o.oid : null;
    const obj: DetectedObject = {
      oid,
      type,
      x0: Math.min(x0, x1),
      y0: Math.min(y0, y1),
      x1: Math.max(x0, x1),
      y1: Math.max(y0, y1),
    };
    const confidence = readNumber(o.confidence);
    if (confidence !== null) obj.confidence = confidence;
    if (type === 'person') people += 1;
    objects.push(obj);
  }
  return {
    ok: true,
    value: { kind: 'detections', serial: info.serial, ts, time: isoUtc(ts), objects, people },
  };
}

function parseLight(info: TopicInfo, body: Record<string, unknown>, receivedAt: number): ParseResult {
  const lux = readNumber(body.lux);
  if (lux === null || lux < 0) return invalid('lux must be a non-negative number');
  let ts = receivedAt;
  if (body.ts !== undefined && body.ts !== null) {
    const parsed = toEpochMs(body.ts);
    if (parsed === null) return invalid('invalid ts');
    ts = parsed;
  }
  return { ok: true, value: { kind: 'light', serial: info.serial, ts, time: isoUtc(ts), lux } };
}

/** crossing_in → in, crossing_out → out; other events keep their own name. */
const CROSSING_EVENTS: Record<string, string> = { crossing_in: 'in', crossing_out: 'out' };

function parseCrossing(info: TopicInfo, body: Record<string, unknown>): ParseResult {
  let ts = toEpochMs(body.ts);
  if (ts === null) return invalid('missing or invalid ts');
  // toEpochMs reads values below 1e11 as seconds; the SPEC draws that line at 1e12 for crossings.
  if (typeof body.ts === 'number' || typeof body.ts === 'string') {
    const raw = Number(body.ts);
    if (raw >= 1e11 && raw < CROSSING_SECONDS_BELOW) ts = Math.round(raw * 1000);
  }
  const event = body.event;
  if (typeof event !== 'string' || event === '' || event.length > MAX_EVENT_LENGTH) return invalid('event must be a short text (crossing_in, crossing_out, ...)');
  const label = body.label;
  if (label !== undefined && label !== null && typeof label !== 'string') return invalid('label must be text');
  const type = body.type;
  if (type !== undefined && type !== null && typeof type !== 'string') return invalid('type must be text');
  const oid = body.object_id;
  const objectId = (typeof oid === 'number' && Number.isFinite(oid)) || (typeof oid === 'string' && oid !== '' && oid.length <= 64) ? oid : null;
  return {
    ok: true,
    value: {
      kind: 'crossing',
      serial: info.serial,
      boundaryId: info.zone,
      label: typeof label === 'string' ? label : null,
      event: Object.prototype.hasOwnProperty.call(CROSSING_EVENTS, event) ? CROSSING_EVENTS[event] : event,
      objectType: typeof type === 'string' && type !== '' ? type : null,
      objectId,
      ts,
      time: isoUtc(ts),
    },
  };
}
