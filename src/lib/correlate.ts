/**
 * Joins camera activities with the Wi-Fi/BLE devices seen near the camera, and keeps the
 * figures of SPEC section 4: visits, dwell, hourly counts, the analytics summary.
 *
 * - Correlation: a device matches an activity when one of its observations has
 *   tsIn − windowS ≤ ts ≤ tsOut + windowS and rssi > rssiThreshold (from the camera's APs when a
 *   map is given); each device once, with its strongest in-window observation (earliest on ties).
 *   An activity is correlated once the newest observation seen is past tsOut + windowS, or
 *   waitS after it arrived (wall clock), whichever comes first.
 * - Visits: see visits.ts. A device whose visits in the window total ≥ filterDwellS of dwell is
 *   staff: not a visitor, counted in filteredDevices.
 * - Hourly counts in the configured time zone over the rolling window (wall clock): an activity
 *   adds its peak to every local hour its part inside the window overlaps; a visitor's visit adds 1.
 *
 * Lookups by time go through a sorted index (time-index.ts); everything older than the window is
 * evicted as time passes. Pure: the caller gives the wall clock.
 */
import { defaultZoneLabel } from './config-maps';
import { MAX_COUNT } from './mv-sense';
import { Limits, numberOption, numberOptions, NumberRule } from './options';
import { failed, Failed, Ok } from './result';
import { isoUtc } from './time';
import { ObservationIndex } from './time-index';
import { LocalHours } from './tz';
import { DEFAULT_MAX_DEVICES, VisitTracker } from './visits';
import { ZoneFigures } from './zone-figures';

export interface CorrelateOptions {
  windowS: number;
  rssiThreshold: number;
  waitS: number;
  sessionGapS: number;
  filterDwellS: number;
  windowHours: number;
  /** IANA zone of the hourly figures; default the host's */
  timeZone?: string;
  /** upper-case camera serial → AP MACs whose observations count for it (config-maps.ts) */
  cameraAps?: ReadonlyMap<string, ReadonlySet<string>>;
  /** "SERIAL/zone" → zone label, and "SERIAL" → camera name (config-maps.ts; the Dashboard API) */
  labels?: ReadonlyMap<string, string>;
  /** devices whose visits are kept at most (default 500,000; see visits.ts): the oldest visitors are forgotten beyond it */
  maxDevices?: unknown;
}

/** The maxDevices setting: devices whose visits are kept at most. */
export const MAX_DEVICES: Readonly<NumberRule> = Object.freeze({ default: DEFAULT_MAX_DEVICES, min: 1, integer: true });

/** The maxDevices option (empty → the default); throws a readable error when out of range. */
export function maxDevices(raw: unknown): number {
  return numberOption('maxDevices', raw, MAX_DEVICES);
}

export const CORRELATE_DEFAULTS = Object.freeze({
  windowS: 30,
  rssiThreshold: 45,
  waitS: 120,
  sessionGapS: 300,
  filterDwellS: 3600,
  windowHours: 24,
});

export interface ObservationInput {
  ts: number;
  clientMac: string;
  rssi: number;
  apMac?: string | null;
}

export interface ActivityInput {
  serial: string;
  zone: string;
  tsIn: number;
  tsOut: number;
  peakPeople: number;
  [key: string]: unknown;
}

export interface CorrelatedDevice {
  clientMac: string;
  seenTime: string;
  rssi: number;
  apMac: string | null;
}

export interface Correlation {
  activity: ActivityInput;
  devices: CorrelatedDevice[];
  deviceCount: number;
}

export interface SummaryCorrelation {
  serial: string;
  zone: string;
  timeIn: string;
  timeOut: string;
  peakPeople: number;
  devices: CorrelatedDevice[];
}

export interface Summary {
  generatedAt: string;
  timezone: string;
  windowHours: number;
  zones: { serial: string; zone: string; label: string | null; name: string | null; activities: number; people: number; lastActivityAt: string }[];
  hourly: Record<string, number[]>;
  cmxHourly: number[];
  busiestHour: { mv: number | null; cmx: number | null };
  visitors: { devices: number; visits: number; avgDwellS: number; filteredDevices: number };
  devices: { clientMac: string; visits: number; dwellS: number; firstSeen: string; lastSeen: string; staff: boolean }[];
  correlations: SummaryCorrelation[];
}

const HOUR = 3_600_000;
export const MAX_SUMMARY_DEVICES = 100;
export const MAX_SUMMARY_CORRELATIONS = 50;
/** Devices listed per correlation in the summary (the first by time; the correlation itself and correlation.csv keep them all). */
export const MAX_SUMMARY_CORRELATION_DEVICES = 200;

interface Pending {
  activity: ActivityInput;
  /** wall clock after which it is correlated anyway */
  deadline: number;
}

export const CORRELATE_LIMITS: Readonly<Record<keyof typeof CORRELATE_DEFAULTS, Limits>> = Object.freeze({
  windowS: { min: 0 },
  rssiThreshold: { min: -200 },
  waitS: { min: 0 },
  sessionGapS: { min: 1 },
  filterDwellS: { min: 0 },
  windowHours: { min: 1, max: 24 * 31, maxNote: '31 days' },
});

/** Validates options (throws readable errors) and fills defaults. */
export function correlateOptions(input: Partial<Record<keyof typeof CORRELATE_DEFAULTS, unknown>> = {}): Record<keyof typeof CORRELATE_DEFAULTS, number> {
  return numberOptions(input, CORRELATE_DEFAULTS, CORRELATE_LIMITS);
}

export class Correlator {
  readonly options: Required<Pick<CorrelateOptions, keyof typeof CORRELATE_DEFAULTS>> & CorrelateOptions;
  readonly hours: LocalHours;
  private readonly index = new ObservationIndex();
  private readonly visits: VisitTracker;
  /** activities in the window, by zone (zone-figures.ts) */
  private readonly zoneFigures: ZoneFigures;
  private pending: Pending[] = [];
  /** newest first by tsIn, at most MAX_SUMMARY_CORRELATIONS */
  private recent: SummaryCorrelation[] = [];
  /** the newest observation time seen */
  private watermark = -Infinity;
  private readonly learnt = new Map<string, string>();
  /** scratch space of correlate(): best position per device id, and which ids this query saw */
  private best = new Int32Array(1024);
  private stamp = new Uint32Array(1024);
  private query = 0;
  /** Bumped on every change: the node emits a summary when it moved. */
  version = 0;

  constructor(options: Partial<CorrelateOptions> = {}) {
    const checked = correlateOptions(options as Record<string, unknown>);
    this.options = { ...options, ...checked };
    this.hours = new LocalHours(options.timeZone);
    this.zoneFigures = new ZoneFigures(this.hours);
    this.visits = new VisitTracker({
      sessionGapS: this.options.sessionGapS,
      filterDwellS: this.options.filterDwellS,
      hours: this.hours,
      maxDevices: maxDevices(options.maxDevices),
      latestSize: MAX_SUMMARY_DEVICES,
    });
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Observations held for correlation, devices with visits, activities in the window. */
  get sizes(): { observations: number; devices: number; activities: number; pending: number } {
    return { observations: this.index.size, devices: this.visits.deviceCount, activities: this.zoneFigures.size, pending: this.pending.length };
  }

  /** One observation (already past the receiver's filters). */
  addObservation(o: ObservationInput): void {
    // (the tracker's own key string: the index's lookup of it is then a pointer comparison)
    const mac = this.visits.add(o.clientMac, o.ts);
    if (o.rssi > this.options.rssiThreshold) this.index.add(o.ts, o.rssi, mac, o.apMac || null);
    if (o.ts > this.watermark) this.watermark = o.ts;
    this.version += 1;
  }

  /** A closed activity: counted at once, correlated when settled (see settle()). */
  addActivity(a: ActivityInput, wallNow: number): void {
    this.zoneFigures.add(a);
    this.pending.push({ activity: a, deadline: wallNow + this.options.waitS * 1000 });
    this.version += 1;
  }

  /** An activity from before a restart: counted, not correlated again. */
  restoreActivity(a: ActivityInput): void {
    this.zoneFigures.add(a);
    this.version += 1;
  }

  /** A correlation from before a restart (for the summary's recent list). */
  restoreCorrelation(c: SummaryCorrelation): void {
    this.remember(c);
    this.version += 1;
  }

  /** Correlates every pending activity whose time has come. */
  settle(wallNow: number): Correlation[] {
    if (this.pending.length === 0) return [];
    const w = this.options.windowS * 1000;
    const ready: Correlation[] = [];
    const still: Pending[] = [];
    for (const p of this.pending) {
      if (this.watermark > p.activity.tsOut + w || wallNow >= p.deadline) ready.push(this.correlate(p.activity));
      else still.push(p);
    }
    if (ready.length) {
      this.pending = still;
      this.version += 1;
    }
    return ready;
  }

  /** The devices near the camera during the activity (the index holds only rssi > threshold). */
  correlate(a: ActivityInput): Correlation {
    const w = this.options.windowS * 1000;
    const aps = this.camerasAps(a.serial);
    const index = this.index;
    const [start, end] = index.span(a.tsIn - w, a.tsOut + w);
    // Per device id, the position of its best entry; `stamp` marks ids seen in this query.
    const ids = index.deviceIds;
    if (this.best.length < ids) {
      this.best = new Int32Array(Math.max(ids, this.best.length * 2));
      this.stamp = new Uint32Array(this.best.length);
    }
    const best = this.best;
    const stamp = this.stamp;
    if (++this.query === 0xffffffff) {
      stamp.fill(0);
      this.query = 1;
    }
    const q = this.query;
    const touched: number[] = [];
    for (let i = start; i < end; i++) {
      if (aps) {
        const ap = index.apAt(i);
        if (ap === null || !aps.has(ap)) continue;
      }
      const d = index.deviceAt(i);
      if (stamp[d] !== q) {
        stamp[d] = q;
        best[d] = i;
        touched.push(d);
      } else if (index.rssiAt(i) > index.rssiAt(best[d])) {
        best[d] = i; // strictly stronger: on ties the earlier one stays
      }
    }
    // In time order (positions are sorted by time), MAC order for equal times.
    const pos = new Int32Array(touched.length);
    for (let k = 0; k < touched.length; k++) pos[k] = best[touched[k]];
    pos.sort();
    const devices: CorrelatedDevice[] = new Array(pos.length);
    for (let k = 0; k < pos.length; k++) {
      const i = pos[k];
      devices[k] = { clientMac: index.macOf(index.deviceAt(i)), seenTime: isoUtc(index.tsAt(i)), rssi: index.rssiAt(i), apMac: index.apAt(i) };
    }
    for (let k = 1; k < pos.length; k++) {
      if (index.tsAt(pos[k]) !== index.tsAt(pos[k - 1])) continue;
      let end = k + 1;
      while (end < pos.length && index.tsAt(pos[end]) === index.tsAt(pos[k - 1])) end++;
      const run = devices.slice(k - 1, end).sort((x, y) => (x.clientMac < y.clientMac ? -1 : 1));
      for (let j = 0; j < run.length; j++) devices[k - 1 + j] = run[j]; // (not splice(...run): a long run overflows the stack)
      k = end - 1;
    }
    const correlation: Correlation = { activity: a, devices, deviceCount: devices.length };
    this.remember({
      serial: a.serial,
      zone: a.zone,
      timeIn: isoUtc(a.tsIn),
      timeOut: isoUtc(a.tsOut),
      peakPeople: a.peakPeople,
      devices,
    });
    return correlation;
  }

  private camerasAps(serial: string): ReadonlySet<string> | undefined {
    const map = this.options.cameraAps;
    if (!map || map.size === 0) return undefined;
    return map.get(serial.toUpperCase());
  }

  /** Labels typed in the editor win over those learnt from the Dashboard API. */
  private label(key: string): string | null {
    return this.options.labels?.get(key) ?? this.learnt.get(key) ?? null;
  }

  /** Zone labels and camera names from the Dashboard API ("SERIAL/zone" or "SERIAL" → text). */
  learnLabels(entries: Iterable<[string, string]>): void {
    for (const [k, v] of entries) this.learnt.set(k, v);
    this.version += 1;
  }

  private remember(c: SummaryCorrelation): void {
    if (c.devices.length > MAX_SUMMARY_CORRELATION_DEVICES) c = { ...c, devices: c.devices.slice(0, MAX_SUMMARY_CORRELATION_DEVICES) };
    const list = this.recent;
    let i = 0;
    while (i < list.length && list[i].timeIn >= c.timeIn) i++;
    list.splice(i, 0, c);
    if (list.length > MAX_SUMMARY_CORRELATIONS) list.length = MAX_SUMMARY_CORRELATIONS;
  }

  /** Forgets what left the rolling window (observations still needed by a pending activity stay). */
  evict(wallNow: number): void {
    const start = wallNow - this.options.windowHours * HOUR;
    let keepFrom = start - this.options.windowS * 1000;
    for (const p of this.pending) keepFrom = Math.min(keepFrom, p.activity.tsIn - this.options.windowS * 1000);
    this.index.evictBefore(keepFrom);
    this.visits.evictBefore(start);
    this.zoneFigures.evictBefore(start);
  }

  summary(wallNow: number): Summary {
    this.evict(wallNow);
    const start = wallNow - this.options.windowHours * HOUR;
    const hours = this.hours;

    // Zones and MV hourly counts: kept up to date as activities come and go (zone-figures.ts).
    const mv = this.zoneFigures.figures(start, wallNow);
    mv.zones.sort((x, y) => (x.serial + '/' + x.zone < y.serial + '/' + y.zone ? -1 : 1));
    const hourly: Record<string, number[]> = {};
    const zones: Summary['zones'] = [];
    for (const z of mv.zones) {
      hourly[`${z.serial}/${z.zone}`] = z.hourly;
      zones.push({
        serial: z.serial,
        zone: z.zone,
        label: this.label(`${z.serial.toUpperCase()}/${z.zone}`) ?? defaultZoneLabel(z.zone),
        name: this.label(z.serial.toUpperCase()),
        activities: z.activities,
        people: z.people,
        lastActivityAt: isoUtc(z.lastTsIn),
      });
    }
    const mvTotal = mv.hourly;

    // Visits, visitors and staff, CMX hourly counts: kept up to date by the tracker as visits
    // come and go (evict() above dropped those that ended before the start).
    const figures = this.visits.figures(start, wallNow);
    const cmxHourly = figures.cmxHourly;
    const devices: Summary['devices'] = this.visits.latest(MAX_SUMMARY_DEVICES).map((d) => ({
      clientMac: d.clientMac,
      visits: d.visits.length,
      dwellS: this.visits.dwellOf(d) / 1000,
      firstSeen: isoUtc(d.visits[0].first),
      lastSeen: isoUtc(d.visits[d.visits.length - 1].last),
      staff: this.visits.isStaff(d),
    }));

    return {
      generatedAt: isoUtc(wallNow),
      timezone: hours.timeZone,
      windowHours: this.options.windowHours,
      zones,
      hourly,
      cmxHourly,
      busiestHour: { mv: busiest(mvTotal), cmx: busiest(cmxHourly) },
      visitors: {
        devices: figures.devices,
        visits: figures.visits,
        avgDwellS: figures.visits ? Math.round((figures.dwellMs / 1000 / figures.visits) * 10) / 10 : 0,
        filteredDevices: figures.staff,
      },
      devices,
      correlations: this.recent.filter((c) => Date.parse(c.timeOut) >= start),
    };
  }
}

/** A correlation → its correlation.csv rows, one per device (none when no device matched). */
export function correlationRows(c: Correlation): Record<string, unknown>[] {
  const a = c.activity;
  const timeIn = isoUtc(a.tsIn);
  const timeOut = isoUtc(a.tsOut);
  return c.devices.map((d) => ({
    serial: a.serial,
    zone: a.zone,
    timeIn,
    timeOut,
    peakPeople: a.peakPeople,
    clientMac: d.clientMac,
    seenTime: d.seenTime,
    rssi: d.rssi,
    apMac: d.apMac,
  }));
}

/** The hour with the highest count (the earliest on ties); null when all are 0. */
export function busiest(slots: readonly number[]): number | null {
  let best: number | null = null;
  for (let h = 0; h < slots.length; h++) if (slots[h] > 0 && (best === null || slots[h] > slots[best])) best = h;
  return best;
}

export type InputItem = (Ok<ObservationInput> & { kind: 'observation' }) | (Ok<ActivityInput> & { kind: 'activity' }) | Failed;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** An observation (cmx-receiver) or an activity (activity-detector), told apart by their fields. */
export function classifyInput(p: unknown): InputItem {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return failed('not an object');
  const o = p as Record<string, unknown>;
  if (activityShaped(o)) {
    if (typeof o.serial !== 'string' || !o.serial) return failed('activity without serial');
    if (!isNum(o.tsIn) || !isNum(o.tsOut) || o.tsOut < o.tsIn) return failed('activity needs tsIn ≤ tsOut (epoch ms)');
    if (!isNum(o.peakPeople) || o.peakPeople < 0 || o.peakPeople > MAX_COUNT) return failed(`activity needs peakPeople from 0 to ${MAX_COUNT}`);
    const value = (typeof o.zone === 'string' ? o : { ...o, zone: o.zone === undefined || o.zone === null ? '0' : String(o.zone) }) as ActivityInput;
    return { ok: true, kind: 'activity', value };
  }
  if ('clientMac' in o) {
    const problem = observationProblem(o);
    return problem === null ? { ok: true, kind: 'observation', value: o as unknown as ObservationInput } : failed(problem);
  }
  return failed('neither an observation (clientMac, ts, rssi) nor an activity (serial, tsIn, tsOut)');
}

/** An input with tsIn or tsOut is taken for an activity (and checked as one), whatever else it has. */
function activityShaped(o: Record<string, unknown>): boolean {
  return 'tsIn' in o || 'tsOut' in o;
}

/** Why an input with a clientMac is not an observation; null when it is one. */
function observationProblem(o: Record<string, unknown>): string | null {
  if (typeof o.clientMac !== 'string' || !o.clientMac) return 'observation without clientMac';
  if (!isNum(o.ts)) return 'observation needs ts (epoch ms)';
  if (!isNum(o.rssi)) return 'observation needs a numeric rssi';
  if (o.apMac !== undefined && o.apMac !== null && typeof o.apMac !== 'string') return 'apMac must be text';
  return null;
}

/**
 * The input itself when classifyInput() would call it a valid observation, else null (then ask
 * classifyInput why): the per-observation path, without an item object for each.
 */
export function asObservation(p: unknown): ObservationInput | null {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return null;
  const o = p as Record<string, unknown>;
  return 'clientMac' in o && !activityShaped(o) && observationProblem(o) === null ? (o as unknown as ObservationInput) : null;
}
