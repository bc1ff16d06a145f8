/**
 * Meraki Scanning API (CMX / Location API) posts, versions 2.0, 2.1 and 3.x, Wi-Fi and BLE:
 * validation in the SPEC's order, then normalisation to one observation per client and time
 * (SPEC sections 3 and 5). Pure: no HTTP, no Node-RED.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { hashMac, MacHashFormat, normaliseMac } from './mac';
import { checkTime, DEFAULT_FUTURE_TOLERANCE_S, isoUtc, parseTime, timeRefusal } from './time';

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
export const DEFAULT_MIN_RSSI = 15;
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

/** Negative values are dBm (any version): rssi = dBm + 95, the dBm kept aside. */
function signal(v: unknown): { rssi: number; rssiDbm: number | null } | null {
  const n = num(v);
  if (n === null) return null;
  return n < 0 ? { rssi: n + DBM_OFFSET, rssiDbm: n } : { rssi: n, rssiDbm: null };
}

export interface NormaliseStats {
  /** observations (v2) or locations / latest records (v3) read */
  read: number;
  /** unusable entries: no client MAC, no time or no signal */
  invalid: number;
  /** same client and time seen twice in the post */
  duplicates: number;
}

/** A post that passed checkPost() → observations, one per client and time (strongest signal kept). */
export function normalise(post: PostInfo, stats?: NormaliseStats): Observation[] {
  const n = new PostNormaliser(post, stats);
  n.step(Infinity);
  return n.result();
}

/** Observation times against the wall clock (time.ts): more than toleranceMs (default 5 min) ahead, or before 2015, are refused. */
export interface TimeLimits {
  now: number;
  toleranceMs?: number;
}

/**
 * normalise() a slice at a time, so that a post of tens of thousands of observations can be
 * worked through between other requests. Deduplication covers the whole post. With `limits`,
 * observations whose time is out of bounds are refused (counted in `refused`, never in the result).
 */
export class PostNormaliser {
  readonly stats: NormaliseStats;
  /** observations refused for their time (with `limits`), and why the last one was */
  refused = 0;
  lastRefusal: string | null = null;
  private readonly list: unknown[];
  private readonly byKey = new Map<string, Observation>();
  private next = 0;
  private readonly apMac: string | null = null;
  private readonly floor: string | null = null;

  constructor(
    private readonly post: PostInfo,
    stats?: NormaliseStats,
    private readonly limits?: TimeLimits,
  ) {
    this.stats = stats ?? { read: 0, invalid: 0, duplicates: 0 };
    this.list = Array.isArray(post.data.observations) ? post.data.observations : [];
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
      if (this.post.major === 2) {
        this.stats.read += 1;
        this.add(isObject(raw) ? fromV2(raw, this.post, this.apMac, this.floor) : null);
        continue;
      }
      if (!isObject(raw)) {
        this.stats.read += 1;
        this.add(null);
        continue;
      }
      const locations = Array.isArray(raw.locations) ? raw.locations : [];
      let found = 0;
      for (const loc of locations) {
        this.stats.read += 1;
        const o = isObject(loc) ? fromV3(raw, loc, this.post) : null;
        this.add(o);
        if (o) found += 1;
      }
      if (found === 0) {
        // Heard by fewer than 3 APs: no location, only the nearest AP.
        this.stats.read += 1;
        this.add(isObject(raw.latestRecord) ? fromV3(raw, null, this.post) : null);
      }
    }
  }

  result(): Observation[] {
    return [...this.byKey.values()];
  }

  private add(o: Observation | null): void {
    if (!o) {
      this.stats.invalid += 1;
      return;
    }
    if (this.limits) {
      const tolerance = this.limits.toleranceMs ?? DEFAULT_FUTURE_TOLERANCE_S * 1000;
      const verdict = checkTime(o.ts, this.limits.now, tolerance);
      if (verdict !== 'ok') {
        this.refused += 1;
        this.lastRefusal = timeRefusal(verdict, o.ts, tolerance);
        return;
      }
    }
    const key = o.clientMac + '|' + o.ts;
    const seen = this.byKey.get(key);
    if (seen) {
      this.stats.duplicates += 1;
      if (o.rssi > seen.rssi) this.byKey.set(key, o);
    } else {
      this.byKey.set(key, o);
    }
  }
}

type Place = Pick<Observation, 'lat' | 'lng' | 'unc' | 'x' | 'y' | 'floor'>;
const NOWHERE: Place = { lat: null, lng: null, unc: null, x: null, y: null, floor: null };

/** The fields every version shares, around what the version-specific readers found. */
function observation(
  raw: Record<string, unknown>,
  post: PostInfo,
  found: { ts: number; clientMac: string; apMac: string | null; rssi: number; rssiDbm: number | null },
  place: Place,
): Observation {
  return {
    ts: found.ts,
    time: isoUtc(found.ts),
    clientMac: found.clientMac,
    apMac: found.apMac,
    rssi: found.rssi,
    rssiDbm: found.rssiDbm,
    ssid: text(raw.ssid),
    manufacturer: text(raw.manufacturer),
    os: text(raw.os),
    ipv4: ipv4(raw.ipv4),
    ...place,
    networkId: text(post.data.networkId),
    radio: post.radio,
    version: post.version,
  };
}

function fromV2(raw: Record<string, unknown>, post: PostInfo, apMac: string | null, floor: string | null): Observation | null {
  const clientMac = normaliseMac(raw.clientMac);
  const ts = raw.seenEpoch !== undefined && raw.seenEpoch !== null ? parseTime(raw.seenEpoch) : parseTime(raw.seenTime);
  const sig = signal(raw.rssi);
  if (!clientMac || ts === null || !sig) return null;
  const loc = isObject(raw.location) ? raw.location : {};
  return observation(raw, post, { ts, clientMac, apMac, ...sig }, {
    lat: num(loc.lat), lng: num(loc.lng), unc: num(loc.unc), x: num(loc.x), y: num(loc.y), floor,
  });
}

/** One v3 location entry, or (loc = null) the client's latestRecord. */
function fromV3(raw: Record<string, unknown>, loc: Record<string, unknown> | null, post: PostInfo): Observation | null {
  const clientMac = normaliseMac(raw.clientMac);
  const latest = isObject(raw.latestRecord) ? raw.latestRecord : {};
  let ts: number | null;
  let apMac: string | null = null;
  let sig: { rssi: number; rssiDbm: number | null } | null = null;
  if (loc) {
    ts = parseTime(loc.time);
    // The nearest AP of this location: its strongest record.
    let best: number | null = null;
    for (const r of Array.isArray(loc.rssiRecords) ? loc.rssiRecords : []) {
      if (!isObject(r)) continue;
      const v = num(r.rssi);
      const mac = normaliseMac(r.apMac);
      if (v !== null && mac && (best === null || v > best)) {
        best = v;
        apMac = mac;
      }
    }
    if (best !== null) sig = signal(best);
  } else {
    ts = parseTime(latest.time);
  }
  if (!sig) {
    sig = signal(latest.nearestApRssi);
    apMac = normaliseMac(latest.nearestApMac);
  }
  if (!clientMac || ts === null || !sig) return null;
  if (!loc) return observation(raw, post, { ts, clientMac, apMac, ...sig }, NOWHERE);
  const fp = isObject(loc.floorPlan) ? loc.floorPlan : {};
  return observation(raw, post, { ts, clientMac, apMac, ...sig }, {
    lat: num(loc.lat),
    lng: num(loc.lng),
    unc: num(loc.variance ?? loc.unc),
    x: num(loc.x ?? fp.x),
    y: num(loc.y ?? fp.y),
    floor: text(loc.floorPlanName ?? fp.name),
  });
}

// ---------------------------------------------------------------------------------------------

export interface ObservationFilter {
  /** keep rssi ≥ minRssi (v2 scale, inclusive) */
  minRssi: number;
  /** normalised AP MACs; empty = every AP */
  apMacs: ReadonlySet<string>;
  radio: Radio | 'both';
}

export function observationFilter(options: { minRssi?: unknown; apMacs?: unknown; radio?: unknown } = {}): ObservationFilter {
  const raw = options.minRssi;
  const minRssi = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '') ? DEFAULT_MIN_RSSI : Number(raw);
  if (!Number.isFinite(minRssi)) throw new Error('RSSI threshold must be a number');
  const list = Array.isArray(options.apMacs) ? options.apMacs : typeof options.apMacs === 'string' ? options.apMacs.split(/[\s,;]+/) : [];
  const apMacs = new Set<string>();
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '') continue;
    const mac = normaliseMac(item.trim());
    if (!mac) throw new Error(`"${item}" is not a MAC address`);
    apMacs.add(mac);
  }
  const radio = options.radio === 'wifi' || options.radio === 'ble' ? options.radio : 'both';
  return { minRssi, apMacs, radio };
}

export function keep(o: Observation, f: ObservationFilter): boolean {
  if (o.rssi < f.minRssi) return false;
  if (f.radio !== 'both' && o.radio !== f.radio) return false;
  if (f.apMacs.size > 0 && (o.apMac === null || !f.apMacs.has(o.apMac))) return false;
  return true;
}

/** Replaces every clientMac by its keyed hash (one HMAC per distinct MAC). */
export function anonymise(list: Observation[], salt: string, format: MacHashFormat): void {
  const cache = new Map<string, string>();
  for (const o of list) {
    let h = cache.get(o.clientMac);
    if (h === undefined) {
      h = hashMac(o.clientMac, salt, format);
      cache.set(o.clientMac, h);
    }
    o.clientMac = h;
  }
}

/** `/cmx`, `cmx/` → `/cmx`; only plain URL path characters (no route patterns). */
export function receiverPath(p: unknown): string | null {
  let s = typeof p === 'string' && p.trim() ? p.trim() : '/cmx';
  if (!s.startsWith('/')) s = '/' + s;
  if (s.length > 1) s = s.replace(/\/+$/, '');
  return /^\/[A-Za-z0-9._~\-/]*$/.test(s) ? s : null;
}
