/**
 * Meraki Scanning API (CMX / Location API) posts, versions 2.0, 2.1 and 3.x, Wi-Fi and BLE:
 * validation in the SPEC's order, then normalisation to one observation per client and time
 * (SPEC sections 3 and 5). Pure: no HTTP, no Node-RED.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { hashMac, MacHashFormat, normaliseMac } from './mac';
import type { ObservationFilter } from './receiver-settings';
import { checkTime, DEFAULT_FUTURE_TOLERANCE_S, isoUtc, parseTime, timeRefusal } from './time';

export { DEFAULT_MIN_RSSI, ObservationFilter, observationFilter, receiverPath } from './receiver-settings';

export type Radio = 'wifi' | 'ble';

export interface Observation {
  ts: number;
  time: string;
  clientMac: string;
  apMac: string | null;
  /** v2 scale ("dB above noise"); a dBm value is converted with rssi = dBm + 95 */
  rssi: number;
  /** the original dBm value when rssi was converted, else null */
  rssiDbm: number | null;
  ssid: string | null;
  manufacturer: string | null;
  os: string | null;
  ipv4: string | null;
  lat: number | null;
  lng: number | null;
  unc: number | null;
  x: number | null;
  y: number | null;
  floor: string | null;
  networkId: string | null;
  radio: Radio;
  version: string;
}

export const DBM_OFFSET = 95;
/** Text values are cut to this length: they come from strangers. */
const MAX_TEXT = 256;

const TYPES: Record<string, Radio> = {
  DevicesSeen: 'wifi',
  WiFi: 'wifi',
  BluetoothDevicesSeen: 'ble',
  BLE: 'ble',
  Bluetooth: 'ble',
};

export interface PostInfo {
  version: string;
  major: 2 | 3;
  radio: Radio;
  type: string;
  data: Record<string, unknown>;
}

export type Verdict = { ok: true; post: PostInfo } | { ok: false; status: 400 | 403; error: string };

/** Process-wide random key: comparing HMACs of both sides takes the same time whatever they hold. */
const COMPARE_KEY = randomBytes(32);

/** Constant-time string equality (no early exit on the first difference, nor on the length). */
export function secretEquals(given: unknown, expected: string): boolean {
  const a = createHmac('sha256', COMPARE_KEY).update(typeof given === 'string' ? given : '').digest();
  const b = createHmac('sha256', COMPARE_KEY).update(expected).digest();
  return timingSafeEqual(a, b) && typeof given === 'string';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The SPEC's checks after the body was read and parsed, in order: no `data` → 400; wrong secret
 * → 403; major version not 2 or 3 → 400; unknown type → 400. With no secret configured every post
 * is refused (403): an open receiver would store whatever anyone posts.
 */
export function checkPost(body: unknown, secret: string): Verdict {
  if (!isObject(body) || !isObject(body.data)) return { ok: false, status: 400, error: 'no data' };
  if (secret === '' || !secretEquals(body.secret, secret)) return { ok: false, status: 403, error: 'invalid secret' };
  return readPost(body);
}

/** checkPost() without the secret: for a post accepted earlier (a spool replay). */
export function readPost(body: unknown): Verdict {
  if (!isObject(body) || !isObject(body.data)) return { ok: false, status: 400, error: 'no data' };
  const version = typeof body.version === 'string' || typeof body.version === 'number' ? String(body.version).trim() : '';
  const major = version.length <= MAX_TEXT && /^\d+(\.\d+)*$/.test(version) ? parseInt(version, 10) : NaN;
  if (major !== 2 && major !== 3) return { ok: false, status: 400, error: 'unsupported version' };
  const type = typeof body.type === 'string' ? body.type : '';
  const radio = Object.prototype.hasOwnProperty.call(TYPES, type) ? TYPES[type] : undefined;
  if (!radio) return { ok: false, status: 400, error: 'unknown type' };
  return { ok: true, post: { version, major, radio, type, data: body.data } };
}

// ---------------------------------------------------------------------------------------------
// tolerant readers: Meraki sends numbers as strings, "NaN" for unknown, arrays for x/y

function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && v.length <= 32) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  if (Array.isArray(v) && v.length > 0 && !Array.isArray(v[0])) return num(v[0]);
  return null;
}

function text(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  return v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v;
}

/** v2 `"hostname/10.0.0.5"` or `"/10.0.0.5"`, v3 `"10.0.0.5"` → the address. */
function ipv4(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const ip = v.slice(v.lastIndexOf('/') + 1).trim();
  return ip === '' ? null : text(ip);
}

export interface NormaliseStats {
  /** observations (v2) or locations / latest records (v3) read */
  read: number;
  /** unusable entries: no client MAC, no time or no signal */
  invalid: number;
  /** same client and time seen twice in the post */
  duplicates: number;
}

/** What a receiver keeps of a post (SPEC section 3), applied in the same pass. */
export interface BatchOptions {
  /** keep only the observations that pass (keep()); default: every valid one */
  filter?: ObservationFilter;
  /** replace each client MAC by its keyed hash; `cache` (MAC → hash) may be shared between posts */
  anonymise?: { salt: string; format: MacHashFormat; cache?: Map<string, string> };
  /** added to, not reset */
  stats?: NormaliseStats;
  /** times checked against the wall clock (refused: counted in `refused`, never in the result) */
  limits?: TimeLimits;
}

/** Observation times against the wall clock (time.ts): more than toleranceMs (default 5 min) ahead, or before 2015, are refused. */
export interface TimeLimits {
  now: number;
  toleranceMs?: number;
}

/** A post that passed checkPost() → observations, one per client and time (strongest signal kept). */
export function normalise(post: PostInfo, stats?: NormaliseStats): Observation[] {
  const n = new PostNormaliser(post, { stats });
  n.step(Infinity);
  return n.result();
}

/** Location fields of an entry without them. */
const EMPTY: Record<string, unknown> = Object.freeze(Object.create(null));

/**
 * A post → the batch a receiver sends on: observations normalised, deduplicated (one per client
 * and time, the strongest signal kept, at the place of the first), filtered and anonymised, in
 * post order. The result equals `normalise(post).filter(keep)` then `anonymise()`, but takes one
 * pass over the post and builds no object for what the signal threshold or radio drops.
 * step() works through it a slice at a time, so that a post of tens of thousands of observations
 * can be done between other requests; deduplication covers the whole post. With `limits`,
 * observations whose time is out of bounds are refused (counted in `refused`, never in the result).
 */
export class PostNormaliser {
  readonly stats: NormaliseStats;
  /** observations refused for their time (with `limits`), and why the last one was */
  refused = 0;
  lastRefusal: string | null = null;
  private readonly list: unknown[];
  private next = 0;
  /** one slot per client and time, in order of first sight; null: below the threshold */
  private readonly slots: (Observation | null)[] = [];
  private readonly slotTs: number[] = [];
  private readonly slotRssi: number[] = [];
  /** clientMac → its slot, or (seen at several times) ts → slot */
  private readonly seen = new Map<string, number | Map<number, number>>();
  private readonly apMac: string | null = null;
  private readonly floor: string | null = null;
  private readonly networkId: string | null;
  /** observations under this rssi get no object (Infinity: the filter drops the post's radio) */
  private readonly minRssi: number;

  constructor(
    private readonly post: PostInfo,
    private readonly options: BatchOptions = {},
  ) {
    this.stats = options.stats ?? { read: 0, invalid: 0, duplicates: 0 };
    this.list = Array.isArray(post.data.observations) ? post.data.observations : [];
    this.networkId = text(post.data.networkId);
    const f = options.filter;
    this.minRssi = !f ? -Infinity : f.radio !== 'both' && f.radio !== post.radio ? Infinity : f.minRssi;
    if (post.major === 2) {
      this.apMac = normaliseMac(post.data.apMac);
      const floors = post.data.apFloors;
      this.floor = Array.isArray(floors) ? text(floors.find((f) => typeof f === 'string' && f !== '')) : null;
    }
  }

  get done(): boolean {
    return this.next >= this.list.length;
  }

  /** Reads up to `count` more entries of data.observations (v2 observations, v3 clients). */
  step(count: number): void {
    const end = Math.min(this.list.length, this.next + count);
    for (; this.next < end; this.next++) {
      const raw = this.list[this.next];
      if (this.post.major === 2) this.readV2(raw);
      else this.readV3(raw);
    }
  }

  /** The kept observations, in post order (call once, when done). */
  result(): Observation[] {
    const apMacs = this.options.filter?.apMacs;
    const byAp = apMacs !== undefined && apMacs.size > 0;
    const out: Observation[] = [];
    for (const o of this.slots) {
      if (o === null || (byAp && (o.apMac === null || !apMacs.has(o.apMac)))) continue;
      out.push(o);
    }
    const a = this.options.anonymise;
    if (a) anonymise(out, a.salt, a.format, a.cache);
    return out;
  }

  private readV2(raw: unknown): void {
    this.stats.read += 1;
    if (!isObject(raw)) {
      this.stats.invalid += 1;
      return;
    }
    const clientMac = normaliseMac(raw.clientMac);
    const ts = raw.seenEpoch !== undefined && raw.seenEpoch !== null ? parseTime(raw.seenEpoch) : parseTime(raw.seenTime);
    const value = num(raw.rssi);
    if (clientMac === null || ts === null || value === null) {
      this.stats.invalid += 1;
      return;
    }
    const i = this.place(clientMac, ts, value);
    if (i < 0) return;
    const loc = isObject(raw.location) ? raw.location : EMPTY;
    this.slots[i] = this.make(raw, ts, clientMac, this.apMac, value,
      num(loc.lat), num(loc.lng), num(loc.unc), num(loc.x), num(loc.y), this.floor);
  }

  /** A v3 client: one observation per location; with none usable, its latestRecord (nearest AP). */
  private readV3(raw: unknown): void {
    const stats = this.stats;
    if (!isObject(raw)) {
      stats.read += 1;
      stats.invalid += 1;
      return;
    }
    const clientMac = normaliseMac(raw.clientMac);
    const latest = isObject(raw.latestRecord) ? raw.latestRecord : null;
    const locations = Array.isArray(raw.locations) ? raw.locations : [];
    let found = 0;
    for (const loc of locations) {
      stats.read += 1;
      if (!isObject(loc)) {
        stats.invalid += 1;
        continue;
      }
      const ts = parseTime(loc.time);
      // The nearest AP of this location: its strongest record with a valid AP MAC.
      let value: number | null = null;
      let apMac: string | null = null;
      const records = loc.rssiRecords;
      if (Array.isArray(records)) {
        for (const r of records) {
          if (!isObject(r)) continue;
          const v = num(r.rssi);
          if (v === null || (value !== null && v <= value)) continue;
          const mac = normaliseMac(r.apMac);
          if (mac !== null) {
            value = v;
            apMac = mac;
          }
        }
      }
      if (value === null) {
        const l = latest ?? EMPTY;
        value = num(l.nearestApRssi);
        apMac = normaliseMac(l.nearestApMac);
      }
      if (clientMac === null || ts === null || value === null) {
        stats.invalid += 1;
        continue;
      }
      found += 1;
      const i = this.place(clientMac, ts, value);
      if (i < 0) continue;
      const fp = isObject(loc.floorPlan) ? loc.floorPlan : EMPTY;
      this.slots[i] = this.make(raw, ts, clientMac, apMac, value,
        num(loc.lat), num(loc.lng), num(loc.variance ?? loc.unc), num(loc.x ?? fp.x), num(loc.y ?? fp.y),
        text(loc.floorPlanName ?? fp.name));
    }
    if (found > 0) return;
    // Heard by fewer than 3 APs: no location, only the nearest AP.
    stats.read += 1;
    const ts = latest ? parseTime(latest.time) : null;
    const value = latest ? num(latest.nearestApRssi) : null;
    if (latest === null || clientMac === null || ts === null || value === null) {
      stats.invalid += 1;
      return;
    }
    const i = this.place(clientMac, ts, value);
    if (i >= 0) this.slots[i] = this.make(raw, ts, clientMac, normaliseMac(latest.nearestApMac), value, null, null, null, null, null, null);
  }

  /**
   * A valid observation (signal `value`, dBm when negative): the slot to build it into, or -1 when
   * nothing is to be built (its time is refused, a stronger duplicate holds the slot, or it is under
   * the threshold: then the slot keeps its place, empty, for a stronger duplicate to come).
   */
  private place(clientMac: string, ts: number, value: number): number {
    if (this.refuses(ts)) return -1;
    const rssi = value < 0 ? value + DBM_OFFSET : value;
    const i = this.slot(clientMac, ts, rssi);
    if (i < 0 || rssi >= this.minRssi) return i;
    this.slots[i] = null;
    return -1;
  }

  /** A valid observation whose time is out of bounds: counted, and no further. */
  private refuses(ts: number): boolean {
    const limits = this.options.limits;
    if (!limits) return false;
    const tolerance = limits.toleranceMs ?? DEFAULT_FUTURE_TOLERANCE_S * 1000;
    const verdict = checkTime(ts, limits.now, tolerance);
    if (verdict === 'ok') return false;
    this.refused += 1;
    this.lastRefusal = timeRefusal(verdict, ts, tolerance);
    return true;
  }

  /**
   * The slot of (client, time): a new one, or the existing one when this signal is stronger than
   * the one it holds (a duplicate); -1 for a weaker duplicate.
   */
  private slot(clientMac: string, ts: number, rssi: number): number {
    const entry = this.seen.get(clientMac);
    let i: number | undefined;
    if (entry === undefined) {
      this.seen.set(clientMac, this.newSlot(ts, rssi));
      return this.slots.length - 1;
    }
    if (typeof entry === 'number') {
      if (this.slotTs[entry] === ts) i = entry;
      else {
        const byTs = new Map<number, number>([[this.slotTs[entry], entry]]);
        this.seen.set(clientMac, byTs);
        byTs.set(ts, this.newSlot(ts, rssi));
        return this.slots.length - 1;
      }
    } else {
      i = entry.get(ts);
      if (i === undefined) {
        entry.set(ts, this.newSlot(ts, rssi));
        return this.slots.length - 1;
      }
    }
    this.stats.duplicates += 1;
    if (rssi <= this.slotRssi[i]) return -1;
    this.slotRssi[i] = rssi;
    return i;
  }

  private newSlot(ts: number, rssi: number): number {
    this.slots.push(null);
    this.slotTs.push(ts);
    this.slotRssi.push(rssi);
    return this.slots.length - 1;
  }

  /** The one place an observation is built (one object shape for every version). */
  private make(
    raw: Record<string, unknown>, ts: number, clientMac: string, apMac: string | null, value: number,
    lat: number | null, lng: number | null, unc: number | null, x: number | null, y: number | null, floor: string | null,
  ): Observation {
    return {
      ts,
      time: isoUtc(ts),
      clientMac,
      apMac,
      rssi: value < 0 ? value + DBM_OFFSET : value,
      rssiDbm: value < 0 ? value : null,
      ssid: text(raw.ssid),
      manufacturer: text(raw.manufacturer),
      os: text(raw.os),
      ipv4: ipv4(raw.ipv4),
      lat,
      lng,
      unc,
      x,
      y,
      floor,
      networkId: this.networkId,
      radio: this.post.radio,
      version: this.post.version,
    };
  }
}

// ---------------------------------------------------------------------------------------------

export function keep(o: Observation, f: ObservationFilter): boolean {
  if (o.rssi < f.minRssi) return false;
  if (f.radio !== 'both' && o.radio !== f.radio) return false;
  if (f.apMacs.size > 0 && (o.apMac === null || !f.apMacs.has(o.apMac))) return false;
  return true;
}

/** Hashes kept in a shared cache at most; then it starts again. */
const HASH_CACHE_MAX = 100_000;

/**
 * Replaces every clientMac by its keyed hash (one HMAC per distinct MAC). A `cache` kept by the
 * caller (for one salt and format) saves the HMACs of MACs seen in earlier posts.
 */
export function anonymise(list: Observation[], salt: string, format: MacHashFormat, cache = new Map<string, string>()): void {
  if (cache.size > HASH_CACHE_MAX) cache.clear();
  for (const o of list) {
    let h = cache.get(o.clientMac);
    if (h === undefined) {
      h = hashMac(o.clientMac, salt, format);
      cache.set(o.clientMac, h);
    }
    o.clientMac = h;
  }
}
