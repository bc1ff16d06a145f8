/**
 * Child process of the soak bench (bench/soak.ts): the cameras and the access points of the site
 * in bench/lib/soak-world.ts, in their own process so that they do not share the Node-RED
 * process's CPU.
 *
 * MV: an mqtt.js client publishes count messages (QoS 0) round-robin over the 200 topics at
 * `rate` messages/s (2,000: each topic every 100 ms, ts = the wall clock, strictly increasing per
 * topic). Per topic: idle (30–150 s of zeros), then people present (8–60 s, 1–5 people, a
 * dropped frame now and then), or one time in ten a short visit (0.5–2.4 s) that the detector
 * dismisses. Every message is also fed to an ActivityDetector with the flow's settings
 * (src/lib/activity.ts, the node's own state machine), so the activities the app must store are
 * known exactly. When the duration is over every topic sends zeros for 3 s (every open activity
 * closes), then MV stops.
 *
 * Scanning API: `postsPerMinute` posts (20: one every 3 s) to /cmx, open loop, going round the
 * site's 20 scopes (v2 per AP, v3 WiFi and BLE per network), each post covering what its scope
 * heard since its previous post: a few hundred devices, visitors who come and go (2–20 min, a
 * quarter come back later: recurring MACs), staff devices that never leave, and the phone of a
 * person in front of a camera (for 4 in 10 long presences in a zone: heard strongly by the AP
 * beside that camera, so that the activity correlates). Times are the wall clock (whole seconds,
 * up to a minute old, as Meraki reports them). Posts go on for `tailMs` after MV stopped, so that
 * the last activities' correlation windows see newer observations.
 *
 * IPC:  parent → child { type: 'start', mqttUrl, cmxUrl, secret, rate, durationMs, drainMs,
 *                        postsPerMinute, tailMs, seed }
 *       child → parent { type: 'ready' } (MQTT connected), { type: 'stats', stats } every second,
 *                      { type: 'done', stats }, { type: 'error', message }
 *       parent → child { type: 'stop' } (or the channel closes): exit
 */
import * as http from 'http';
import { connect, type MqttClient } from 'mqtt';
import { prng } from '../../demo/cameras';
import type { Ap } from '../../demo/simulator';
import { ActivityDetector, ACTIVITY_DEFAULTS } from '../../src/lib/activity';
import { soakSite, type Feed, type Scope } from './soak-world';

export interface LoadStats {
  phase: 'connecting' | 'load' | 'drain' | 'tail' | 'done';
  /** MQTT messages handed to publish(), written to the socket, failed */
  queued: number;
  published: number;
  publishErrors: number;
  /** the most the publisher fell behind its schedule, ms */
  maxBehindMs: number;
  /** from the mirrored detector: activities (mvData.csv rows), dismissed, still open */
  activities: number;
  dismissed: number;
  open: number;
  /** activities during which a phone was next to the camera */
  companionActivities: number;
  posts: number;
  /** answer status → count (0 = the request failed) */
  statuses: Record<string, number>;
  postErrors: Record<string, number>;
  answerMs: { max: number; sum: number; n: number; p99: number };
  observations: number;
  /** observations of posts answered 202 that pass the receiver's RSSI filter (cmxData.csv rows) */
  expectedRows: number;
  /** of those, rssi > 45 (what the correlator indexes) */
  strongRows: number;
  devices: number;
  bytes: number;
  /** posts sent after MV stopped (tail) */
  tailPosts: number;
  /** ms since the load started */
  elapsedMs: number;
}

interface Start {
  mqttUrl: string;
  cmxUrl: string;
  secret: string;
  rate: number;
  durationMs: number;
  drainMs: number;
  postsPerMinute: number;
  tailMs: number;
  seed: number;
}

const MIN_RSSI = 15; // the flow's cmx-receiver minRssi
const STRONG = 45; // the flow's correlate rssiThreshold (strictly above)
const MINUTE = 60_000;

const stats: LoadStats = {
  phase: 'connecting',
  queued: 0,
  published: 0,
  publishErrors: 0,
  maxBehindMs: 0,
  activities: 0,
  dismissed: 0,
  open: 0,
  companionActivities: 0,
  posts: 0,
  statuses: {},
  postErrors: {},
  answerMs: { max: 0, sum: 0, n: 0, p99: 0 },
  observations: 0,
  expectedRows: 0,
  strongRows: 0,
  devices: 0,
  bytes: 0,
  tailPosts: 0,
  elapsedMs: 0,
};

function send(msg: object): void {
  if (process.send && process.connected) process.send(msg);
}

const site = soakSite();
let rnd = prng(1);
const between = (lo: number, hi: number) => lo + rnd() * (hi - lo);
const int = (lo: number, hi: number) => Math.floor(between(lo, hi + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// ---------------------------------------------------------------------------------------------
// Scanning API world

interface Device {
  mac: string;
  radio: 'wifi' | 'ble';
  ssid: string | null;
  os: string | null;
  manufacturer: string | null;
  ip: string | null;
  name: string | null;
  /** v3: heard by ≥ 3 APs (a location) or only its nearest AP */
  located: boolean;
  /** v2-scale signal around which its readings vary */
  rssi: number;
  home: Ap;
  stays: [number, number][];
}

/** A phone carried by someone standing in a camera zone: strong at the camera's AP meanwhile. */
interface Companion {
  mac: string;
  ap: Ap;
  from: number;
  to: number;
  rssi: number;
}

const WIFI_VENDORS: [string, string, string][] = [
  ['3c:22:fb', 'Apple', 'iOS'], ['f8:ff:c2', 'Apple', 'Mac OS X'], ['8c:f5:a3', 'Samsung', 'Android'],
  ['3c:28:6d', 'Google', 'Android'], ['64:09:80', 'Xiaomi', 'Android'], ['a4:c3:f0', 'Intel', 'Windows 10'],
];
const BLE_NAMES = ['Galaxy Watch4', 'Apple Watch', 'Tile', 'Fitbit Charge 5', 'AirPods Pro', 'Mi Band 7'];
const SSIDS = ['Guest-WiFi', 'Guest-WiFi', 'Corp-WiFi'];
const usedMacs = new Set<string>();
/**
 * The site's device population: a visitor's MAC is drawn from a pool of this many (a shop sees a few
 * thousand devices a day, regulars come back), so the app's 24-hour visit records level off within
 * the soak instead of growing with ever new MACs (a 24-hour retention the soak could not outlast).
 */
const POOL = Number(process.env.BENCH_SOAK_DEVICES) || 4000;
const pool: { mac: string; manufacturer: string | null; os: string | null }[] = [];

function newMac(radio: 'wifi' | 'ble', v3: boolean): { mac: string; manufacturer: string | null; os: string | null } {
  if (pool.length >= POOL) return pick(pool);
  const m = freshMac(radio, v3);
  pool.push(m);
  return m;
}

function freshMac(radio: 'wifi' | 'ble', v3: boolean): { mac: string; manufacturer: string | null; os: string | null } {
  for (;;) {
    let bytes: string[];
    let manufacturer: string | null = null;
    let os: string | null = null;
    if (radio === 'ble') bytes = [(0xc0 | int(0, 63)).toString(16)];
    else if (v3 && rnd() < 0.3) bytes = [pick(['da', '5a', '7e', 'f6'])]; // randomised MAC
    else {
      const [oui, m, o] = pick(WIFI_VENDORS);
      bytes = oui.split(':');
      manufacturer = m;
      os = o;
    }
    while (bytes.length < 6) bytes.push(int(0, 255).toString(16).padStart(2, '0'));
    const mac = bytes.join(':');
    if (!usedMacs.has(mac)) {
      usedMacs.add(mac);
      return { mac, manufacturer, os };
    }
  }
}

function backgroundRssi(): number {
  const r = rnd();
  if (r < 0.05) return int(8, 13); // too weak: the receiver drops it
  if (r < 0.09) return int(47, 52); // walking right past an AP
  return int(17, 41);
}

class ScopeWorld {
  devices: Device[] = [];
  companions: Companion[] = [];
  private nextArrival: number;
  /** end of the window its previous post covered */
  lastPost: number;
  private readonly target: number;
  private readonly radio: 'wifi' | 'ble';
  private readonly v3: boolean;
  private readonly aps: Ap[];

  constructor(readonly scope: Scope, now: number) {
    this.target = scope.kind === 'v2' ? 240 : scope.kind === 'v3-wifi' ? 340 : 150;
    this.radio = scope.kind === 'v3-ble' ? 'ble' : 'wifi';
    this.v3 = scope.kind !== 'v2';
    this.aps = scope.kind === 'v2' ? [scope.ap] : scope.net.aps;
    this.lastPost = now - MINUTE;
    // already there: 8 % staff (never leave), visitors part-way through their stay
    for (let i = 0; i < this.target; i++) {
      if (i < this.target * 0.08) this.add([[-Infinity, Infinity]]);
      else {
        const len = between(2, 20) * MINUTE;
        const start = now - rnd() * len;
        this.add(this.visit(start, len));
      }
    }
    this.nextArrival = now;
    this.advance(now);
  }

  /** a stay, and one time in four a second one after a gap */
  private visit(start: number, len: number): [number, number][] {
    const stays: [number, number][] = [[start, start + len]];
    if (rnd() < 0.25) {
      const back = start + len + between(3, 12) * MINUTE;
      stays.push([back, back + between(2, 10) * MINUTE]);
    }
    return stays;
  }

  private add(stays: [number, number][]): void {
    const m = newMac(this.radio, this.v3);
    const associated = this.radio === 'wifi' && rnd() < 0.7;
    this.devices.push({
      mac: m.mac,
      radio: this.radio,
      ssid: associated ? pick(SSIDS) : null,
      os: m.os && (associated || rnd() < 0.5) ? m.os : null,
      manufacturer: m.manufacturer,
      ip: associated ? `10.${20 + int(0, 3)}.${int(0, 255)}.${int(10, 250)}` : null,
      name: this.radio === 'ble' && rnd() < 0.7 ? `${pick(BLE_NAMES)} (${int(0, 0xffff).toString(16).toUpperCase().padStart(4, '0')})` : null,
      located: !this.v3 || rnd() < 0.8,
      rssi: backgroundRssi(),
      home: pick(this.aps),
      stays,
    });
  }

  /** arrivals up to `now` (Poisson, mean stay 11 min → rate target / 11 per minute); the long gone are forgotten */
  advance(now: number): void {
    const perMs = this.target / (11 * MINUTE);
    while (this.nextArrival <= now) {
      this.add(this.visit(this.nextArrival, between(2, 20) * MINUTE));
      this.nextArrival += -Math.log(1 - rnd()) / perMs;
    }
    const before = this.lastPost - 2 * MINUTE;
    if (this.devices.length > 2 * this.target) this.devices = this.devices.filter((d) => d.stays[d.stays.length - 1][1] > before);
    if (this.companions.length > 200) this.companions = this.companions.filter((c) => c.to > before);
  }
}

/** a time (whole seconds) when [from, to] overlaps (lo, hi]; null when it does not */
function seenIn(from: number, to: number, lo: number, hi: number): number | null {
  const a = Math.max(from, lo);
  const b = Math.min(to, hi);
  if (b <= a) return null;
  return Math.floor((a + rnd() * (b - a)) / 1000) * 1000;
}

interface Built {
  body: Buffer;
  observations: number;
  rows: number;
  strong: number;
  macs: string[];
}

function buildPost(w: ScopeWorld, now: number, secret: string): Built {
  w.advance(now);
  const lo = w.lastPost;
  w.lastPost = now;
  const scope = w.scope;
  type Obs = { d: Device | null; mac: string; t: number; rssi: number; ap: Ap; c?: Companion };
  const seen: Obs[] = [];
  const inPost = new Set<string>();
  for (const d of w.devices) {
    if (rnd() > 0.92) continue; // not heard this time
    if (inPost.has(d.mac)) continue; // one MAC, one device (the pool hands a MAC out again)
    for (const [from, to] of d.stays) {
      const t = seenIn(from, to, lo, now);
      if (t === null) continue;
      const rssi = Math.max(1, d.rssi + int(-3, 3));
      seen.push({ d, mac: d.mac, t, rssi, ap: d.home });
      inPost.add(d.mac);
      break;
    }
  }
  for (const c of w.companions) {
    if (inPost.has(c.mac)) continue;
    const t = seenIn(c.from, c.to, lo, now);
    if (t === null) continue;
    inPost.add(c.mac);
    seen.push({ d: null, mac: c.mac, t, rssi: c.rssi, ap: c.ap, c });
  }
  let rows = 0;
  let strong = 0;
  for (const o of seen) {
    if (o.rssi >= MIN_RSSI) rows += 1;
    if (o.rssi > STRONG) strong += 1;
  }
  const net = scope.net;
  const fp = net.floorPlanId;
  const observations = seen.map((o, i) => {
    const d = o.d;
    const x = o.ap.x + ((i * 7) % 9) - 4;
    const y = o.ap.y + ((i * 5) % 7) - 3;
    if (scope.kind === 'v2') {
      return {
        clientMac: o.mac,
        ipv4: d?.ip ? `/${d.ip}` : null,
        ipv6: null,
        seenTime: isoSeconds(o.t),
        seenEpoch: o.t / 1000,
        ssid: d ? d.ssid : 'Guest-WiFi',
        os: d ? d.os : 'iOS',
        manufacturer: d ? d.manufacturer : 'Apple',
        rssi: o.rssi,
        location: { lat: 51.5072 + x * 1e-5, lng: -0.1277 - y * 1e-5, unc: 2 + (i % 30) / 4, x: [x], y: [y] },
      };
    }
    const dbm = o.rssi - 95;
    const others = net.aps.filter((a) => a !== o.ap);
    const located = d ? d.located : true;
    const time = isoSeconds(o.t);
    const locations = located
      ? [{
          time,
          lat: 51.5072 + x * 1e-5,
          lng: -0.1277 - y * 1e-5,
          x: x.toFixed(2),
          y: y.toFixed(2),
          variance: 1.5 + (i % 40) / 8,
          floorPlan: { id: fp, name: net.floor, x, y },
          floorPlanId: fp,
          floorPlanName: net.floor,
          nearestApTags: o.ap.tags,
          rssiRecords: [
            { apMac: o.ap.mac, rssi: dbm },
            { apMac: others[i % others.length].mac, rssi: dbm - 8 },
            { apMac: others[(i + 1) % others.length].mac, rssi: dbm - 15 },
          ],
        }]
      : [];
    const latestRecord = { time, nearestApMac: o.ap.mac, nearestApRssi: dbm };
    if (scope.kind === 'v3-ble') return { name: d?.name ?? null, clientMac: o.mac, bleBeacons: [], locations, latestRecord };
    return {
      clientMac: o.mac,
      ipv4: d ? d.ip : '10.20.9.9',
      ipv6: null,
      ssid: d ? d.ssid : 'Guest-WiFi',
      os: d ? d.os : 'Android',
      manufacturer: d ? d.manufacturer : 'Samsung',
      userId: null,
      locations,
      latestRecord,
    };
  });
  let body: object;
  if (scope.kind === 'v2') {
    body = { version: '2.0', secret, type: 'DevicesSeen', data: { apMac: scope.ap.mac, apTags: scope.ap.tags, apFloors: [net.floor], observations } };
  } else {
    const data: Record<string, unknown> = { networkId: net.id, observations };
    if (scope.kind === 'v3-ble') data.reportingAps = net.aps.map((a) => ({ mac: a.mac, name: a.name, floorPlan: { id: fp, name: net.floor, x: a.x, y: a.y } }));
    body = scope.kind === 'v3-ble' ? { version: '3.1', secret, type: 'BLE', data } : { version: '3.0', secret, type: 'WiFi', data };
  }
  return { body: Buffer.from(JSON.stringify(body)), observations: seen.length, rows, strong, macs: [...inPost] };
}

// ---------------------------------------------------------------------------------------------
// MV feeds

interface FeedState {
  feed: Feed;
  lastTs: number;
  present: boolean;
  left: number;
  level: number;
  /** the presence that the next close ends had a phone next to the camera */
  companion: boolean;
}

function startPresence(s: FeedState, now: number, periodMs: number, worlds: ScopeWorld[]): void {
  const short = rnd() < 0.1;
  s.present = true;
  s.left = short ? int(5, 24) : int(80, 600);
  s.level = int(1, s.feed.zone === '0' ? 5 : 3);
  s.companion = !short && s.feed.zone !== '0' && rnd() < 0.4;
  if (s.companion) {
    const w = worlds[s.feed.scope];
    // a returning phone now and then: a MAC this scope heard next to a camera before
    const again = w.companions.length > 10 && rnd() < 0.3 ? pick(w.companions).mac : null;
    w.companions.push({
      mac: again ?? newMac('wifi', w.scope.kind !== 'v2').mac,
      ap: s.feed.ap,
      from: now,
      to: now + s.left * periodMs,
      rssi: int(53, 62),
    });
  }
}

/** the next people count of a feed */
function nextCount(s: FeedState, now: number, periodMs: number, worlds: ScopeWorld[], draining: boolean): number {
  if (draining) return 0;
  if (!s.present) {
    if (--s.left > 0) return 0;
    startPresence(s, now, periodMs, worlds);
  }
  if (--s.left <= 0) {
    s.present = false;
    s.left = int(300, 1500);
  }
  if (rnd() < 0.1) s.level = Math.max(1, Math.min(6, s.level + (rnd() < 0.5 ? -1 : 1)));
  return rnd() < 0.02 && s.left > 1 ? 0 : s.level; // a frame without anyone now and then
}

// ---------------------------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const answers: number[] = [];

function post(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let settled = false;
    const finish = (status: number, code?: string) => {
      if (settled) return;
      settled = true;
      const ms = performance.now() - t0;
      answers.push(ms);
      stats.answerMs.max = Math.max(stats.answerMs.max, ms);
      stats.answerMs.sum += ms;
      stats.answerMs.n += 1;
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (code) stats.postErrors[code] = (stats.postErrors[code] ?? 0) + 1;
      resolve(status);
    };
    const req = http.request(url, {
      method: 'POST',
      agent,
      timeout: 30_000,
      headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode ?? 0));
      res.on('error', (err: NodeJS.ErrnoException) => finish(0, err.code ?? err.message));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => finish(0, err.code ?? err.message));
    req.end(body);
  });
}

let client: MqttClient | null = null;

async function run(m: Start): Promise<void> {
  rnd = prng(m.seed);
  client = connect(m.mqttUrl, { clientId: `soak-cameras-${process.pid}`, reconnectPeriod: 1000, queueQoSZero: false, clean: true });
  client.on('error', (err) => send({ type: 'log', text: `MQTT: ${err.message}` }));
  await new Promise<void>((resolve) => client!.once('connect', () => resolve()));
  send({ type: 'ready' });

  const t0 = Date.now();
  const feeds = site.feeds;
  const periodMs = (feeds.length / m.rate) * 1000;
  const worlds = site.scopes.map((s) => new ScopeWorld(s, t0));
  const states: FeedState[] = feeds.map((feed) => ({ feed, lastTs: 0, present: false, left: int(1, 1500), level: 0, companion: false }));
  const detector = new ActivityDetector(ACTIVITY_DEFAULTS);
  const devices = new Set<string>();
  const published = (err?: Error) => {
    if (err) stats.publishErrors += 1;
    else stats.published += 1;
  };
  stats.phase = 'load';
  const ticker = setInterval(() => {
    stats.elapsedMs = Date.now() - t0;
    stats.open = detector.counters.active;
    stats.devices = devices.size;
    send({ type: 'stats', stats });
  }, 1000);

  // MV: every 5 ms, whatever is due (catching up after a stall, each message with its own ts)
  const mvEnd = t0 + m.durationMs;
  const drainEnd = mvEnd + m.drainMs;
  let k = 0;
  const mvDone = new Promise<void>((resolve) => {
    const tick = () => {
      const now = Date.now();
      const draining = now >= mvEnd;
      if (draining && stats.phase === 'load') stats.phase = 'drain';
      const due = Math.floor(((Math.min(now, drainEnd) - t0) * m.rate) / 1000);
      if (due - k > 0) stats.maxBehindMs = Math.max(stats.maxBehindMs, ((due - k) / m.rate) * 1000 - 5);
      for (; k < due; k++) {
        const s = states[k % states.length];
        const people = nextCount(s, now, periodMs, worlds, draining);
        const ts = Math.max(now, s.lastTs + 1);
        s.lastTs = ts;
        const r = detector.push({ serial: s.feed.serial, zone: s.feed.zone, ts, people }, now);
        if (typeof r === 'object') {
          if (r.kind === 'activity') {
            stats.activities += 1;
            if (s.companion) stats.companionActivities += 1;
          } else stats.dismissed += 1;
          s.companion = s.present && s.companion;
        }
        stats.queued += 1;
        client!.publish(s.feed.topic, `{"ts":${ts},"counts":{"person":${people}}}`, { qos: 0 }, published);
      }
      if (now >= drainEnd) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });

  // Scanning API: open loop, post n at t0 + n × period
  const periodPost = MINUTE / m.postsPerMinute;
  const cmxEnd = drainEnd + m.tailMs;
  const pending: Promise<unknown>[] = [];
  const cmxDone = (async () => {
    for (let n = 0; ; n++) {
      const at = t0 + 500 + n * periodPost;
      if (at >= cmxEnd) break;
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      const w = worlds[n % worlds.length];
      const b = buildPost(w, Date.now(), m.secret);
      for (const mac of b.macs) devices.add(mac);
      stats.posts += 1;
      if (at >= drainEnd) stats.tailPosts += 1;
      stats.observations += b.observations;
      stats.bytes += b.body.length;
      pending.push(post(m.cmxUrl, b.body).then((status) => {
        if (status === 202) {
          stats.expectedRows += b.rows;
          stats.strongRows += b.strong;
        }
      }));
    }
    await Promise.all(pending);
  })();

  await mvDone;
  // every publish callback in (QoS 0: written to the socket)
  const deadline = Date.now() + 30_000;
  while (stats.published + stats.publishErrors < stats.queued && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  stats.phase = 'tail';
  await cmxDone;
  clearInterval(ticker);
  stats.phase = 'done';
  stats.elapsedMs = Date.now() - t0;
  stats.open = detector.counters.active;
  stats.devices = devices.size;
  const sorted = answers.slice().sort((a, b) => a - b);
  stats.answerMs.p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] : 0;
  send({ type: 'done', stats });
}

let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  agent.destroy();
  if (client) client.end(true, {}, () => process.exit(0));
  else process.exit(0);
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('message', (msg: any) => {
  if (msg?.type === 'start') {
    run(msg as Start).catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
  } else if (msg?.type === 'stop') shutdown();
});
process.on('disconnect', shutdown);
