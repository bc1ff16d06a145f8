/**
 * Entrances, exits and occupancy from MV line crossings (SPEC section 4, "Entrances and
 * occupancy"):
 *
 * - Each `in`/`out` crossing of the chosen object type adds 1 to its line's `in`/`out` in the local
 *   hour of its `ts` (hour buckets: a local clock hour, DST and half-hour zones included). Other
 *   events (expired, appeared, ...) are not counted.
 * - A duplicate (same serial, boundary, objectId and event within 2 s of the counted one) counts
 *   once, however late it arrives inside the window; crossings without an objectId are never taken
 *   for duplicates.
 * - Areas: from an editor map (config-maps.ts parseAreas), or one per line. A counted `in` enters
 *   the line's areas (exits them when the line is `reversed`), `out` the opposite;
 *   occupancy = max(0, occupancy + enters − exits) crossing by crossing; everything of the areas
 *   starts again at `resetAt` each local day; peakOccupancy is the highest since then.
 * - Hours missed while Node-RED was down come from the Dashboard API (byInterval): per line, hour
 *   and direction the figure is max(counted here, the API's), never the sum, so no hour is counted
 *   twice; what the API adds to an hour since the reset goes to the areas as well, and a crossing
 *   that arrives later for an hour the API already covered moves nothing a second time.
 * - Bounded: at most MAX_LINES lines, hour buckets only inside the window, duplicate memory of
 *   MAX_DUPLICATE_KEYS, labels cut to MAX_LABEL characters. Crossings more than the shared time
 *   bound (time.ts checkTime: 5 minutes by default) ahead of the wall clock, or older than the
 *   window, are refused.
 *
 * The summary covers the last `windowHours` local clock hours (the current one included); what falls
 * in the same hour of day adds up in that hour's slot. Pure: the caller gives the wall clock.
 */
import { parseAreas, type AreaDef, type AreaLine } from './config-maps';
import { cleanLabel, crossingInput, crossingRow, type Crossing } from './crossing';
import { DailyReset } from './daily-reset';
import { lineCounterOptions, type LineCounterSettings } from './line-counter-settings';
import { summaryIntervalMs } from './summary-cadence';
import { checkTime, DEFAULT_FUTURE_TOLERANCE_S, isoUtc, timeRefusal } from './time';
import type { BoundaryInterval } from './meraki-api';
import { LocalHours, timeZoneProblem } from './tz';

const HOUR = 3_600_000;
const QUARTER = 15 * 60_000;

/** Two crossings of one object, line and event at most this far apart are one. */
export const DUPLICATE_MS = 2000;
/** Crossings further ahead of the wall clock than this are refused (time.ts's default bound). */
const FUTURE_TOLERANCE_MS = DEFAULT_FUTURE_TOLERANCE_S * 1000;
/** Lines kept (crossings of more lines are refused). */
export const MAX_LINES = 256;
/** Crossings remembered for the duplicate check. */
export const MAX_DUPLICATE_KEYS = 10_000;

export interface LineCounterOptions extends Partial<LineCounterSettings> {
  /** IANA zone of hours and of the daily reset; default the host's */
  timeZone?: string;
  /** named areas; empty or absent: every line is its own area */
  areas?: readonly AreaDef[];
}

interface Bucket {
  start: number;
  /** local hour of day, 0–23 */
  hour: number;
  in: number;
  out: number;
  /** the Dashboard API's figures for this hour, when fetched */
  apiIn: number | null;
  apiOut: number | null;
  /** the API's part of this hour went to the areas (the hour lies after the last reset) */
  areasHaveApi: boolean;
}

interface LineState {
  key: string;
  serial: string;
  boundaryId: string;
  /** from the crossings */
  label: string | null;
  /** from the Dashboard API (wins) */
  apiLabel: string | null;
  buckets: Map<number, Bucket>;
  /** hour buckets already asked of the Dashboard API */
  fetched: Set<number>;
}

interface AreaState {
  /** null: the area of one line, named after it */
  name: string | null;
  lines: AreaLine[];
  occupancy: number;
  enters: number;
  exits: number;
  peak: number;
}

export interface AreaView {
  name: string;
  occupancy: number;
  enters: number;
  exits: number;
  peakOccupancy: number;
  lines: string[];
}

export interface EntrancesSummary {
  generatedAt: string;
  timezone: string;
  windowHours: number;
  lines: { serial: string; boundaryId: string; label: string | null; in: number; out: number }[];
  hourly: Record<string, { in: number[]; out: number[] }>;
  areas: AreaView[];
}

export type AddResult =
  | { status: 'counted'; key: string; areas: AreaView[] }
  | { status: 'duplicate' | 'ignored' | 'refused'; reason: string };

/** One interval of the Dashboard API's history of a line (byInterval). */
export type HistoryInterval = BoundaryInterval;

/** What to ask the Dashboard API for: these lines over these ranges of whole local hours. */
export interface HistoryRequest {
  keys: string[];
  boundaryIds: string[];
  ranges: { start: number; end: number }[];
  /** every hour bucket asked for */
  buckets: number[];
}

export class LineCounter {
  readonly settings: LineCounterSettings;
  readonly hours: LocalHours;
  private readonly reset: DailyReset;
  private readonly lines = new Map<string, LineState>();
  /** camera serials with a line (upper case) */
  private readonly cameras = new Set<string>();
  private readonly mapped: AreaState[] = [];
  private readonly lineAreas = new Map<string, { area: AreaState; reversed: boolean }[]>();
  /** duplicate check: line|objectId|event → ts of the counted crossing, oldest first */
  private readonly seen = new Map<string, number>();
  private lastReset: number;
  private nextReset: number;
  private evictedFor = -1;
  /** Bumped on every change: the node sends the summary when it moved. */
  version = 0;
  readonly counters = { counted: 0, duplicates: 0, ignored: 0, refused: 0 };

  constructor(options: LineCounterOptions = {}, wallNow = Date.now()) {
    this.settings = lineCounterOptions(options);
    this.hours = new LocalHours(options.timeZone);
    this.reset = new DailyReset(this.hours, this.settings.resetAt);
    this.lastReset = this.reset.last(wallNow);
    this.nextReset = this.reset.next(wallNow);
    for (const def of options.areas ?? []) {
      const area: AreaState = { name: def.name, lines: def.lines.map((l) => ({ ...l })), occupancy: 0, enters: 0, exits: 0, peak: 0 };
      this.mapped.push(area);
      for (const l of area.lines) {
        const slash = l.key.indexOf('/');
        if (!this.line(l.key.slice(0, slash), l.key.slice(slash + 1))) throw new Error(`the areas name more than ${MAX_LINES} lines`);
        this.lineAreas.get(l.key)!.push({ area, reversed: l.reversed });
      }
    }
  }

  get lineCount(): number {
    return this.lines.size;
  }

  /** The camera serials of every line known (for the Dashboard API). */
  serials(): string[] {
    return [...this.cameras];
  }

  /** How many cameras have a line (cheap: for noticing a new one on every message). */
  get cameraCount(): number {
    return this.cameras.size;
  }

  /** The first instant of the summary window: the start of the local hour windowHours − 1 hours back. */
  windowStart(wallNow: number): number {
    return this.bucketStart(wallNow - (this.settings.windowHours - 1) * HOUR);
  }

  /** The start of the local clock hour holding instant t (a DST change inside an hour starts a new one). */
  bucketStart(t: number): number {
    const h = this.hours;
    const off = h.offset(t);
    const local = t + off;
    let start = t - (((local % HOUR) + HOUR) % HOUR);
    if (h.offset(start) !== off) {
      // the offset changed since that hour began (Pacific/Chatham at 03:45): this hour starts there
      start = Math.ceil(start / QUARTER) * QUARTER;
      while (h.offset(start) !== off && start < t) start += QUARTER;
    }
    return start;
  }

  private bucketEnd(start: number): number {
    const next = this.bucketStart(start + HOUR);
    return next > start ? next : start + HOUR;
  }

  /** The line's state; created on first sight (null when MAX_LINES are taken). */
  private line(serial: string, boundaryId: string): LineState | null {
    const key = `${serial.toUpperCase()}/${boundaryId}`;
    let line = this.lines.get(key);
    if (line) return line;
    if (this.lines.size >= MAX_LINES) return null;
    line = { key, serial: serial.toUpperCase(), boundaryId, label: null, apiLabel: null, buckets: new Map(), fetched: new Set() };
    this.lines.set(key, line);
    this.cameras.add(line.serial);
    if (!this.lineAreas.has(key)) {
      // without a map every line is its own area
      this.lineAreas.set(key, this.mapped.length ? [] : [{ area: { name: null, lines: [{ key, reversed: false }], occupancy: 0, enters: 0, exits: 0, peak: 0 }, reversed: false }]);
    }
    return line;
  }

  private bucket(line: LineState, t: number): Bucket {
    const start = this.bucketStart(t);
    let b = line.buckets.get(start);
    if (!b) {
      b = { start, hour: this.hours.hourOf(t), in: 0, out: 0, apiIn: null, apiOut: null, areasHaveApi: false };
      line.buckets.set(start, b);
    }
    return b;
  }

  /**
   * One crossing (live, or a crossings.csv row with `replay`: then the wall-clock check is left
   * out, the row was checked when it was counted). Rows to replay: those since
   * min(windowStart, lastResetAt), in file order.
   */
  add(c: Crossing, wallNow: number, replay = false): AddResult {
    this.rollover(wallNow);
    if (c.event !== 'in' && c.event !== 'out') return this.not('ignored', `event "${c.event}" is not counted`);
    const type = c.objectType ?? 'person';
    if (this.settings.objectType !== 'both' && type !== this.settings.objectType) return this.not('ignored', `${type} crossings are not counted`);
    if (!replay) {
      // the bound mv-sense-parse applies too (it refuses such crossings first); older ones: the window below
      const when = checkTime(c.ts, wallNow, FUTURE_TOLERANCE_MS, false);
      if (when !== 'ok') return this.not('refused', `its ${timeRefusal(when, c.ts, FUTURE_TOLERANCE_MS)}`);
    }
    // A row of crossings.csv was counted when it came: older than the window now, it still
    // belongs to the areas if it came after their last reset.
    const inWindow = c.ts >= this.windowStart(wallNow);
    if (!inWindow && !(replay && c.ts >= this.lastReset)) return this.not('refused', `its time ${isoUtc(c.ts)} is older than the ${this.settings.windowHours}-hour window`);
    const line = this.line(c.serial, c.boundaryId);
    if (!line) return this.not('refused', `more than ${MAX_LINES} lines`);
    if (c.objectId !== null) {
      const k = `${line.key}|${c.objectId}|${c.event}`;
      const prev = this.seen.get(k);
      if (prev !== undefined && Math.abs(c.ts - prev) <= DUPLICATE_MS) return this.not('duplicate', `duplicate of the crossing at ${isoUtc(prev)}`);
      this.seen.delete(k);
      this.seen.set(k, c.ts);
      if (this.seen.size > MAX_DUPLICATE_KEYS) this.seen.delete(this.seen.keys().next().value as string);
    }
    const label = cleanLabel(c.label);
    if (label !== null) line.label = label;

    const dir = c.event as 'in' | 'out';
    let absorbed = false;
    if (inWindow) {
      const b = this.bucket(line, c.ts);
      b[dir] += 1;
      const api = dir === 'in' ? b.apiIn : b.apiOut;
      // an hour the API already gave the areas: this crossing is in its figure, unless it goes beyond
      absorbed = b.areasHaveApi && api !== null && b[dir] <= api;
    }
    if (c.ts >= this.lastReset && !absorbed) this.move(line.key, dir, 1);
    this.counters.counted += 1;
    this.version += 1;
    return { status: 'counted', key: line.key, areas: this.areasOf(line.key) };
  }

  private not(status: 'duplicate' | 'ignored' | 'refused', reason: string): AddResult {
    this.counters[status === 'duplicate' ? 'duplicates' : status] += 1;
    return { status, reason };
  }

  /** `n` crossings of a line in direction `dir` for its areas. */
  private move(key: string, dir: 'in' | 'out', n: number): void {
    for (const { area, reversed } of this.lineAreas.get(key) ?? []) {
      if ((dir === 'in') !== reversed) {
        area.enters += n;
        area.occupancy += n;
        if (area.occupancy > area.peak) area.peak = area.occupancy;
      } else {
        area.exits += n;
        area.occupancy = Math.max(0, area.occupancy - n);
      }
    }
  }

  /** Daily reset of the areas by the wall clock, and hourly eviction of what left the window. */
  rollover(wallNow: number): void {
    if (wallNow >= this.nextReset) {
      this.lastReset = this.reset.last(wallNow);
      this.nextReset = this.reset.next(wallNow);
      for (const { area } of this.allAreas()) {
        area.occupancy = 0;
        area.enters = 0;
        area.exits = 0;
        area.peak = 0;
      }
      this.version += 1;
    }
    const start = this.windowStart(wallNow);
    if (start !== this.evictedFor) {
      this.evictedFor = start;
      for (const line of this.lines.values()) {
        for (const b of line.buckets.keys()) if (b < start) line.buckets.delete(b);
        for (const b of line.fetched) if (b < start) line.fetched.delete(b);
      }
      // a crossing is remembered for the duplicate check as long as it could still be counted (inside
      // the window): a copy delivered late (an MQTT session resumed after an outage) counts once
      for (const [k, ts] of this.seen) {
        if (ts >= start) break;
        this.seen.delete(k);
      }
    }
  }

  /** The last reset of the areas (for replay: crossings since then rebuild them). */
  get lastResetAt(): number {
    return this.lastReset;
  }

  private *allAreas(): Iterable<{ area: AreaState; key: string | null }> {
    for (const area of this.mapped) yield { area, key: null };
    if (this.mapped.length === 0) for (const [key, list] of this.lineAreas) for (const { area } of list) yield { area, key };
  }

  private areaName(area: AreaState): string {
    if (area.name !== null) return area.name;
    const line = this.lines.get(area.lines[0].key);
    return line?.apiLabel ?? line?.label ?? line?.boundaryId ?? area.lines[0].key;
  }

  private view(area: AreaState, name = this.areaName(area)): AreaView {
    return { name, occupancy: area.occupancy, enters: area.enters, exits: area.exits, peakOccupancy: area.peak, lines: area.lines.map((l) => l.key) };
  }

  /** The areas a line belongs to, as they stand. */
  areasOf(key: string): AreaView[] {
    return (this.lineAreas.get(key) ?? []).map(({ area }) => this.view(area));
  }

  /** Line names from the Dashboard API (they win over the crossings' labels); unknown lines are added. */
  learnLines(serial: string, lines: readonly { id: string; name: string | null }[]): void {
    for (const l of lines) {
      const line = this.line(serial, l.id);
      if (!line) return;
      const name = cleanLabel(l.name);
      if (name !== null) line.apiLabel = name;
    }
    this.version += 1;
  }

  /**
   * The hours to ask the Dashboard API for: per line, the whole local hours inside the window that
   * began before `observedFrom` (when this run started counting), ended at least `lagMs` ago, and
   * were not asked for yet. Null when there is nothing to ask.
   */
  historyWanted(wallNow: number, observedFrom: number, lagMs = 2 * 60_000): HistoryRequest | null {
    this.rollover(wallNow);
    const candidates: number[] = [];
    for (let b = this.windowStart(wallNow); b < observedFrom; b = this.bucketEnd(b)) {
      if (this.bucketEnd(b) > wallNow - lagMs) break;
      candidates.push(b);
    }
    if (candidates.length === 0) return null;
    const keys: string[] = [];
    const wanted = new Set<number>();
    for (const line of this.lines.values()) {
      const missing = candidates.filter((b) => !line.fetched.has(b));
      if (missing.length === 0) continue;
      keys.push(line.key);
      for (const b of missing) wanted.add(b);
    }
    if (keys.length === 0) return null;
    const buckets = candidates.filter((b) => wanted.has(b));
    // contiguous runs of hours, at most a day each
    const ranges: { start: number; end: number }[] = [];
    for (const b of buckets) {
      const last = ranges[ranges.length - 1];
      if (last && last.end === b && b - last.start < 24 * HOUR) last.end = this.bucketEnd(b);
      else ranges.push({ start: b, end: this.bucketEnd(b) });
    }
    const boundaryIds = [...new Set(keys.map((k) => this.lines.get(k)!.boundaryId))];
    return { keys, boundaryIds, ranges, buckets };
  }

  /**
   * The Dashboard API's answer to a historyWanted() request: per line and hour the figure becomes
   * max(counted here, the API's); what that adds to an hour since the last reset goes to the areas.
   * Every hour asked for counts as fetched, with or without an answer.
   */
  mergeHistory(request: HistoryRequest, intervals: readonly HistoryInterval[], wallNow: number): void {
    this.rollover(wallNow);
    const asked = new Set(request.buckets);
    const byBoundary = new Map<string, LineState[]>();
    for (const key of request.keys) {
      const line = this.lines.get(key);
      if (!line) continue;
      byBoundary.set(line.boundaryId, [...(byBoundary.get(line.boundaryId) ?? []), line]);
    }
    const totals = new Map<LineState, Map<number, { in: number; out: number; t: number }>>();
    for (const iv of intervals) {
      const type = iv.objectType ?? 'person';
      if (this.settings.objectType !== 'both' && type !== this.settings.objectType) continue;
      const start = this.bucketStart(iv.start);
      if (!asked.has(start)) continue;
      for (const line of byBoundary.get(iv.boundaryId) ?? []) {
        if (line.fetched.has(start)) continue;
        const perLine = totals.get(line) ?? new Map<number, { in: number; out: number; t: number }>();
        totals.set(line, perLine);
        const sum = perLine.get(start) ?? { in: 0, out: 0, t: iv.start };
        sum.in += iv.in;
        sum.out += iv.out;
        perLine.set(start, sum);
      }
    }
    const windowStart = this.windowStart(wallNow);
    for (const [line, perLine] of totals) {
      for (const [start, sum] of perLine) {
        if (start < windowStart) continue;
        const b = this.bucket(line, sum.t);
        const oldIn = Math.max(b.in, b.apiIn ?? 0);
        const oldOut = Math.max(b.out, b.apiOut ?? 0);
        b.apiIn = b.apiIn === null ? sum.in : Math.max(b.apiIn, sum.in);
        b.apiOut = b.apiOut === null ? sum.out : Math.max(b.apiOut, sum.out);
        if (start >= this.lastReset) {
          b.areasHaveApi = true;
          const addIn = Math.max(b.in, b.apiIn) - oldIn;
          const addOut = Math.max(b.out, b.apiOut) - oldOut;
          if (addIn > 0) this.move(line.key, 'in', addIn);
          if (addOut > 0) this.move(line.key, 'out', addOut);
        }
      }
    }
    for (const key of request.keys) {
      const line = this.lines.get(key);
      if (line) for (const b of request.buckets) line.fetched.add(b);
    }
    this.version += 1;
  }

  summary(wallNow: number): EntrancesSummary {
    this.rollover(wallNow);
    const start = this.windowStart(wallNow);
    const lines: EntrancesSummary['lines'] = [];
    const hourly: EntrancesSummary['hourly'] = {};
    const sorted = [...this.lines.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const line of sorted) {
      const slots = { in: new Array<number>(24).fill(0), out: new Array<number>(24).fill(0) };
      let tin = 0;
      let tout = 0;
      for (const b of line.buckets.values()) {
        if (b.start < start || b.start > wallNow) continue;
        const i = Math.max(b.in, b.apiIn ?? 0);
        const o = Math.max(b.out, b.apiOut ?? 0);
        slots.in[b.hour] += i;
        slots.out[b.hour] += o;
        tin += i;
        tout += o;
      }
      lines.push({ serial: line.serial, boundaryId: line.boundaryId, label: line.apiLabel ?? line.label, in: tin, out: tout });
      hourly[line.key] = slots;
    }
    const areas: AreaView[] = [];
    const names = new Set<string>();
    for (const { area, key } of this.allAreas()) {
      let name = this.areaName(area);
      // two lines with the same label (on two cameras) make two areas: tell them apart
      if (key !== null && names.has(name)) name = `${name} (${key})`;
      names.add(name);
      areas.push(this.view(area, name));
    }
    if (this.mapped.length === 0) areas.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { generatedAt: isoUtc(wallNow), timezone: this.hours.timeZone, windowHours: this.settings.windowHours, lines, hourly, areas };
  }
}

// ---------------------------------------------------------------------------------------------
// Running it in a node

/** The node's settings as the editor (or an environment variable) gives them. */
export type LineCounterNodeSettings = Partial<Record<keyof LineCounterSettings | 'timezone' | 'areas' | 'summaryIntervalS' | 'orgId', unknown>>;

/**
 * Editor settings → a counter (starting at `wallNow`), the summary interval and the organisation
 * id; throws a readable error. Text settings come with their `${NAME}` references replaced (envText).
 */
export function lineCounterSetup(settings: LineCounterNodeSettings, wallNow: number): { counter: LineCounter; summaryIntervalMs: number; orgId: string } {
  const get = (k: keyof LineCounterNodeSettings): unknown => settings[k];
  const tz = typeof get('timezone') === 'string' ? (get('timezone') as string).trim() : '';
  const badZone = timeZoneProblem(tz);
  if (badZone) throw new Error(badZone);
  const options = lineCounterOptions({ objectType: get('objectType'), windowHours: get('windowHours'), resetAt: get('resetAt') });
  const counter = new LineCounter({ ...options, timeZone: tz || undefined, areas: parseAreas(get('areas')) }, wallNow);
  const org = get('orgId');
  return { counter, summaryIntervalMs: summaryIntervalMs(get('summaryIntervalS')), orgId: typeof org === 'string' || typeof org === 'number' ? String(org).trim() : '' };
}

/**
 * One payload or an array of them: crossings are added (other MV kinds passed over); returns the
 * counted ones with their areas, and why the others were refused or unreadable (duplicates and
 * events that do not count are no problem).
 */
export function feedLineCounter(counter: LineCounter, payload: unknown, now: number): { counted: Counted[]; problems: string[] } {
  const counted: Counted[] = [];
  const problems: string[] = [];
  for (const p of Array.isArray(payload) ? payload : [payload]) {
    const x = crossingInput(p);
    if (x === null) continue;
    if (typeof x === 'string') {
      problems.push(x);
      continue;
    }
    const r = counter.add(x, now);
    if (r.status === 'counted') counted.push({ crossing: x, areas: r.areas });
    else if (r.status === 'refused') problems.push(r.reason);
  }
  return { counted, problems };
}

/** A counted crossing as fed back by feedLineCounter. */
export interface Counted {
  crossing: Crossing;
  areas: AreaView[];
}

/**
 * Output 1's fields for a counted crossing: its first area's occupancy as the payload (for a
 * gauge) and that area's name as the topic (the line when it has no area), the crossing with its
 * ISO time, its areas, and its crossings.csv row.
 */
export function crossingMessage(x: Counted): { topic: string; payload: number | null; crossing: Crossing & { time: string }; areas: AreaView[]; rows: Record<string, unknown>[] } {
  const first = x.areas[0];
  return {
    topic: first ? first.name : `${x.crossing.serial}/${x.crossing.boundaryId}`,
    payload: first ? first.occupancy : null,
    crossing: { ...x.crossing, time: isoUtc(x.crossing.ts) },
    areas: x.areas,
    rows: [crossingRow(x.crossing)],
  };
}
