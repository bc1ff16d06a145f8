/**
 * MV Sense MQTT messages (topic `/merakimv/<serial>/<leaf>`) → normalised counts, detections and
 * light messages (SPEC section 3). Pure: no Node-RED, no I/O.
 */
import { ListFilter, listFilter } from './filter';
import { checkTime, futureToleranceMs, isoUtc, timeRefusal, toEpochMs } from './time';

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

export type MvMessage = CountsMessage | DetectionsMessage | LightMessage;

export type ParseResult =
  | { status: 'ok'; value: MvMessage }
  /** a valid MV topic this package does not model (audio, custom CV, crossings, ...) */
  | { status: 'ignored'; reason: string }
  /** excluded by the camera or zone filter */
  | { status: 'filtered'; reason: string }
  | { status: 'invalid'; reason: string };

type Leaf = 'counts' | 'detections' | 'light' | 'other';

interface TopicInfo {
  serial: string;
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
  'crossing',
  'net.meraki.detector',
  'net_detections',
]);

const MAX_TOPIC_LENGTH = 512;
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
  return { status: 'invalid', reason };
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
    if (r.status !== 'ok') return r;
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
      default:
        return { status: 'ignored', reason: 'topic not modelled' };
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
      return { ...none, reject: { status: 'filtered', reason: 'camera not selected' } };
    }
    if (/^\d+$/.test(leaf)) {
      if (parts.length !== 3) return { ...none, reject: invalid('unexpected topic levels after the zone') };
      if (!this.zones.test(leaf)) return { ...none, reject: { status: 'filtered', reason: 'zone not selected' } };
      return { serial, zone: leaf, leaf: 'counts' };
    }
    if (parts.length === 3 && leaf === 'raw_detections') return { serial, zone: '0', leaf: 'detections' };
    if (parts.length === 3 && leaf === 'light') return { serial, zone: '0', leaf: 'light' };
    if (OTHER_LEAVES.has(leaf)) return { ...none, reject: { status: 'ignored', reason: `${leaf} not modelled` } };
    return { ...none, reject: { status: 'ignored', reason: 'unknown MV topic' } };
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
    status: 'ok',
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
    status: 'ok',
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
  return { status: 'ok', value: { kind: 'light', serial: info.serial, ts, time: isoUtc(ts), lux } };
}
