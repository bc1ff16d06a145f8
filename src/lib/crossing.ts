/**
 * A line crossing as line-counter takes it (from mv-sense-parse, SPEC section 3), its
 * crossings.csv row (SPEC section 5) and the way back from that row after a restart.
 * Framework-free.
 */
import { undefuse } from './csv';
import type { CrossingMessage } from './mv-sense';
import { isoUtc } from './time';

/** What line-counter reads of mv-sense-parse's crossing message (`event`: in, out, or another name). */
export type Crossing = Omit<CrossingMessage, 'kind' | 'time'>;

/** Longest line label kept (the camera's text; the Dashboard API's names too). */
export const MAX_LABEL = 100;
const MAX_SERIAL = 64;
const MAX_ID = 128;
const MAX_WORD = 32;

/** A label from the network: text without control characters, trimmed, at most MAX_LABEL characters; otherwise null. */
export function cleanLabel(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  // (a label may be as long as the payload: only its start is looked at)
  const text = v.slice(0, 4 * MAX_LABEL).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  if (text === '') return null;
  return Array.from(text).slice(0, MAX_LABEL).join('');
}

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v !== '' && v.length <= max;

/**
 * A message payload → a crossing; null for other MV kinds (counts, detections, light: not for
 * this node, passed over quietly); an error text for anything else.
 */
export function crossingInput(p: unknown): Crossing | null | string {
  if (typeof p !== 'object' || p === null || Array.isArray(p) || Buffer.isBuffer(p)) return 'payload must be a crossing object (from mv sense)';
  const o = p as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== 'crossing') return typeof o.kind === 'string' ? null : 'payload.kind must be text';
  if (!isText(o.serial, MAX_SERIAL)) return 'payload.serial must be a camera serial';
  if (!isText(o.boundaryId, MAX_ID)) return 'payload.boundaryId must be a line id';
  if (!isText(o.event, MAX_WORD)) return 'payload.event must be in, out or another event name';
  if (typeof o.ts !== 'number' || !Number.isFinite(o.ts) || o.ts < 0) return 'payload.ts must be epoch milliseconds';
  if (o.objectType !== undefined && o.objectType !== null && !isText(o.objectType, MAX_WORD)) return 'payload.objectType must be a short text';
  const id = o.objectId;
  const objectId = (typeof id === 'number' && Number.isFinite(id)) || isText(id, 64) ? (id as number | string) : null;
  return {
    serial: o.serial,
    boundaryId: o.boundaryId,
    label: cleanLabel(o.label),
    event: o.event,
    objectType: typeof o.objectType === 'string' ? o.objectType : null,
    objectId,
    ts: Math.round(o.ts),
  };
}

/** The crossings.csv record of a counted crossing (csv.ts defuses formulas when it is written). */
export function crossingRow(c: Crossing): Record<string, unknown> {
  return {
    time: isoUtc(c.ts),
    serial: c.serial,
    boundaryId: c.boundaryId,
    label: c.label,
    event: c.event,
    objectType: c.objectType,
    objectId: c.objectId,
  };
}

/** A crossings.csv row (csv-parse record) → the crossing; null when unusable. */
export function crossingFromRow(row: Record<string, string>): Crossing | null {
  const ts = Date.parse(row.time);
  const serial = undefuse(row.serial ?? '');
  const boundaryId = undefuse(row.boundaryId ?? '');
  const event = undefuse(row.event ?? '');
  if (!Number.isFinite(ts) || !isText(serial, MAX_SERIAL) || !isText(boundaryId, MAX_ID) || !isText(event, MAX_WORD)) return null;
  const id = row.objectId ?? '';
  const objectId = id === '' ? null : /^\d{1,15}$/.test(id) ? Number(id) : undefuse(id);
  return {
    serial,
    boundaryId,
    label: cleanLabel(undefuse(row.label ?? '')),
    event,
    objectType: row.objectType ? undefuse(row.objectType) : null,
    objectId,
    ts,
  };
}
