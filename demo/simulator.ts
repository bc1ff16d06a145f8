/**
 * The demo's world: MV cameras that publish MV Sense counts over MQTT, and Meraki access points
 * that post Scanning API observations (v2 per AP, v3 per network) over HTTP. One model drives
 * both, so that camera activities and the Wi-Fi devices near that camera coincide.
 *
 * - People come in groups (1–4) that stay 15 s – 4 min in a camera's frame, in one of its zones or
 *   just passing; how often depends on the host's local time (quiet at night, busy at lunch and in
 *   the late afternoon). Zone "0" (whole frame) counts every group; counts flicker a little.
 * - Visitors' phones and watches arrive at the same pace and stay 5–90 minutes, some come back
 *   after a gap (a second visit); a few staff / fixed devices never leave (so the summary's
 *   filteredDevices > 0). When a group walks up to a camera, one of them often carries a device
 *   that the AP beside that camera hears strongly (rssi 47–60 on the v2 scale, −48…−35 dBm in v3):
 *   that makes correlations.
 * - The entrance camera's crossing lines (Areas & Lines): people cross them as crossings.ts says
 *   (more in in the morning, more out in the evening), with a few duplicates and `expired`
 *   events, some with a seconds `ts`, one line with a hostile label; published on
 *   `/merakimv/<serial>/crossing/<boundaryId>`. The fake Dashboard API answers byInterval from the
 *   same model.
 * - Backfill: on start, the last `backfillHours` of camera time are played quickly (past
 *   timestamps, in order, throttled), then the simulation continues in real time.
 *
 * Memory stays bounded: groups, episodes and departed visitors are dropped as time passes, and
 * messages are produced and sent one time step at a time.
 */
import mqtt, { MqttClient } from 'mqtt';
import { cameraNetworkId, DEFAULT_CAMERAS, DEMO_NETWORKS, DemoCamera, DemoLine, hash32, HOSTILE_TEXT, prng } from './cameras';
import { DemoCrossing, demoLines, hourCrossings } from './crossings';

export interface SimulatorOptions {
  /** e.g. mqtt://127.0.0.1:1883 */
  mqttUrl: string;
  /** the Scanning API receiver, e.g. http://127.0.0.1:1880/cmx */
  cmxUrl: string;
  /** the receiver's shared secret, put in every post */
  secret: string;
  /** the same list as the fake Dashboard API's, so that zone ids match (default DEFAULT_CAMERAS) */
  cameras?: readonly DemoCamera[];
  /** hours of camera time played on start (default 6; 0 = none) */
  backfillHours?: number;
  /** epoch ms: do not backfill before this (e.g. the newest row a previous run stored) */
  backfillFrom?: number;
  /**
   * Backfill pace: camera time runs at most `speed` times faster than the wall clock (default
   * 900: six hours take at least 24 s). Live time always runs at 1×: timestamps never lie in
   * the future.
   */
  speed?: number;
  /** backfill pace: at most this many MQTT messages a second (default 5000) */
  maxMessagesPerSecond?: number;
  /**
   * Seconds between live Scanning API cycles (default 15). Real Meraki posts about once a
   * minute (v2: once per AP, v3: once per network); faster keeps the demo lively.
   */
  cmxIntervalS?: number;
  /** PRNG seed (default: from the clock) */
  seed?: number;
  /** a line now and then (failures, phases); nothing without it */
  log?: (line: string) => void;
}

export interface SimulatorStats {
  phase: 'connecting' | 'backfill' | 'live' | 'stopped';
  backfillFrom: string | null;
  backfillDoneAt: string | null;
  mqttMessages: number;
  mqttDropped: number;
  posts: number;
  postFailures: number;
  observations: number;
  groups: number;
  visitorsPresent: number;
}

export interface Simulator {
  stats: SimulatorStats;
  /** resolves when the backfill has been sent (at once when there is none) */
  backfilled: Promise<void>;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Time of day

/** Relative busyness by local hour (0..24): quiet at night, peaks at lunch and late afternoon. */
const DAY_CURVE: [number, number][] = [
  [0, 0.25], [6, 0.25], [8, 0.5], [10, 0.6], [11.5, 0.95], [13.5, 1], [15, 0.6],
  [16.5, 0.9], [18.5, 0.85], [20, 0.45], [22, 0.3], [24, 0.25],
];

export function busyness(ms: number): number {
  const d = new Date(ms);
  const h = d.getHours() + d.getMinutes() / 60;
  for (let i = 1; i < DAY_CURVE.length; i++) {
    const [h1, v1] = DAY_CURVE[i];
    const [h0, v0] = DAY_CURVE[i - 1];
    if (h <= h1) return v0 + ((h - h0) / (h1 - h0)) * (v1 - v0);
  }
  return DAY_CURVE[0][1];
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// ---------------------------------------------------------------------------------------------
// The model

export interface Ap {
  mac: string;
  name: string;
  /** camera it hangs beside, if any */
  serial: string | null;
  x: number;
  y: number;
  tags: string[];
}

export interface Network {
  id: string;
  version: 2 | 3;
  floor: string;
  floorPlanId: string;
  aps: Ap[];
}

interface Stay {
  start: number;
  end: number;
}

interface Episode {
  ap: Ap;
  start: number;
  end: number;
}

interface Device {
  mac: string;
  radio: 'wifi' | 'ble';
  net: Network;
  home: Ap;
  ssid: string | null;
  os: string | null;
  manufacturer: string | null;
  ip: string | null;
  hostname: string | null;
  /** BLE advertised name */
  name: string | null;
  /** v3: heard by ≥ 3 APs (locations) or not (latestRecord only) */
  located: boolean;
  staff: boolean;
  stays: Stay[];
  episodes: Episode[];
}

interface Group {
  id: number;
  /** null: in the frame but in none of the zones */
  zone: string | null;
  size: number;
  start: number;
  end: number;
}

interface CameraModel {
  camera: DemoCamera;
  net: Network;
  ap: Ap;
  subZones: string[];
  groups: Group[];
  nextArrival: number;
  nextRaw: number;
  nextLight: number;
  frame: number;
}

interface Feed {
  cam: CameraModel;
  zone: string;
  topic: string;
  nextTs: number;
  /** zeros reported since the last non-zero count */
  zeros: number;
}

interface Outgoing {
  topic: string;
  payload: string;
}

/** A crossing line and the crossings of the hour being played. */
interface LineFeed {
  serial: string;
  line: DemoLine;
  topic: string;
  /** start of the next clock hour to load */
  nextHour: number;
  queue: DemoCrossing[];
}

interface Sighting {
  device: Device;
  time: number;
  ap: Ap;
  /** v2 scale */
  rssi: number;
  others: { ap: Ap; rssi: number }[];
}

const WIFI_VENDORS: [string, string, string][] = [
  ['3c:22:fb', 'Apple', 'iOS'],
  ['f8:ff:c2', 'Apple', 'Mac OS X'],
  ['8c:f5:a3', 'Samsung', 'Android'],
  ['3c:28:6d', 'Google', 'Android'],
  ['64:09:80', 'Xiaomi', 'Android'],
  ['a4:c3:f0', 'Intel', 'Windows 10'],
];
const BLE_NAMES = ['Galaxy Watch4', 'Apple Watch', 'Tile', 'Fitbit Charge 5', 'AirPods Pro', 'Mi Band 7'];
const SSIDS = ['Guest-WiFi', 'Guest-WiFi', 'Corp-WiFi'];

/**
 * The access points: one beside each camera plus two more per network; networks are those of the
 * cameras, at least two: the first posts Scanning API v2 (per AP), the second v3 (per network).
 */
export function demoNetworks(cameras: readonly DemoCamera[] = DEFAULT_CAMERAS): Network[] {
  const ids: string[] = [];
  cameras.forEach((c, i) => {
    const id = cameraNetworkId(c, i);
    if (!ids.includes(id)) ids.push(id);
  });
  for (const id of DEMO_NETWORKS) if (ids.length < 2 && !ids.includes(id)) ids.push(id);
  return ids.map((id, n) => {
    const net: Network = {
      id,
      version: n % 2 === 0 ? 2 : 3,
      floor: `HQ - Floor ${n + 1}`,
      floorPlanId: `g_${String(646829496481107001n + BigInt(n))}`,
      aps: [],
    };
    const mine = cameras.filter((c, i) => cameraNetworkId(c, i) === id);
    const names = [...mine.map((c) => `AP by ${c.name}`), n % 2 === 0 ? 'AP Entrance hall' : 'AP Stock room', n % 2 === 0 ? 'AP Meeting rooms' : 'AP Back office'];
    names.forEach((name, k) => {
      net.aps.push({
        mac: `e0:55:3d:${(0x10 + (n % 0xf0)).toString(16)}:4a:${(0xc1 + k).toString(16).padStart(2, '0')}`,
        name,
        serial: k < mine.length ? mine[k].serial : null,
        x: 6 + k * 12,
        y: 6 + (k % 2) * 8,
        tags: k < mine.length ? [`floor${n + 1}`, 'camera'] : [`floor${n + 1}`],
      });
    });
    return net;
  });
}

/**
 * camera → the AP beside it, in the `cmx-mv-correlate` node's "camera APs" format
 * (`SERIAL: apMac`, one per line), so that a device counts only for the camera it is near.
 */
export function cameraApMap(cameras: readonly DemoCamera[] = DEFAULT_CAMERAS): string {
  const lines: string[] = [];
  for (const net of demoNetworks(cameras)) for (const ap of net.aps) if (ap.serial) lines.push(`${ap.serial}: ${ap.mac}`);
  return lines.join('\n');
}

class World {
  readonly rnd: () => number;
  readonly networks: Network[];
  readonly cams: CameraModel[];
  readonly feeds: Feed[];
  readonly lineFeeds: LineFeed[];
  devices: Device[] = [];
  private readonly macs = new Set<string>();
  private nextVisitor: number;
  private groupId = 0;
  private readonly hostMap = new Map<string, number>();

  constructor(cameras: readonly DemoCamera[], seed: number, start: number) {
    this.rnd = prng(seed);
    this.networks = demoNetworks(cameras);
    this.cams = cameras.map((camera, i) => {
      const net = this.networks.find((n) => n.id === cameraNetworkId(camera, i)) as Network;
      return {
        camera,
        net,
        ap: net.aps.find((a) => a.serial === camera.serial) as Ap,
        subZones: camera.zones.map((z) => z.id).filter((z) => z !== '0'),
        groups: [],
        nextArrival: start + Math.round(this.rnd() * 30_000),
        nextRaw: start + 5_000 + i * 700,
        nextLight: start + 20_000 + i * 3_000,
        frame: 1_000_000 + (hash32(camera.serial) % 1_000_000),
      };
    });
    this.feeds = [];
    for (const cam of this.cams) {
      const zones = cam.camera.zones.some((z) => z.id === '0') ? cam.camera.zones.map((z) => z.id) : ['0', ...cam.subZones];
      zones.forEach((zone, k) => {
        this.feeds.push({ cam, zone, topic: `/merakimv/${cam.camera.serial}/${zone}`, nextTs: start + 37 * k + this.feeds.length * 11, zeros: 1000 });
      });
    }
    this.lineFeeds = demoLines(cameras).map(({ serial, line }) => {
      const hour = Math.floor(start / 3_600_000) * 3_600_000;
      // the hour under way: only what happens from `start` on
      return { serial, line, topic: `/merakimv/${serial}/crossing/${line.id}`, nextHour: hour + 3_600_000, queue: hourCrossings(serial, line, hour).filter((c) => c.ts >= start) };
    });
    // Staff and fixed devices: always there, never strong enough to correlate.
    const v2 = this.networks.find((n) => n.version === 2) as Network;
    const v3 = this.networks.find((n) => n.version === 3) as Network;
    const always: Stay[] = [{ start: -Infinity, end: Infinity }];
    const fixed: Partial<Device>[] = [
      { net: v2, radio: 'wifi', manufacturer: 'Apple', os: 'iOS', ssid: 'Corp-WiFi', hostname: 'reception-iphone', mac: this.mac('3c:22:fb') },
      { net: v2, radio: 'wifi', manufacturer: 'Samsung', os: 'Android', ssid: HOSTILE_TEXT, hostname: null, mac: this.mac('8c:f5:a3') },
      { net: v3, radio: 'wifi', manufacturer: 'Hewlett Packard', os: null, ssid: 'Corp-WiFi', hostname: 'printer-2f', mac: this.mac('a0:d3:c1') },
      { net: v3, radio: 'ble', manufacturer: null, os: null, ssid: null, name: 'Pallet-0042', mac: this.mac('ble') },
    ];
    for (const f of fixed) {
      const net = f.net as Network;
      const home = net.aps[net.aps.length - 1];
      this.devices.push({
        radio: 'wifi', ssid: null, os: null, manufacturer: null, hostname: null, name: null, ...f,
        mac: f.mac as string, net, home,
        ip: f.radio === 'wifi' ? this.ip() : null,
        located: true, staff: true, stays: always, episodes: [],
      } as Device);
    }
    // Visitors who arrived before the start are already there.
    this.nextVisitor = start - 100 * 60_000;
    this.advanceVisitors(start);
  }

  /** A new MAC: after an OUI, or 'ble' (random static address: top two bits set). */
  private mac(prefix: string): string {
    for (;;) {
      const bytes = prefix === 'ble' ? [(0xc0 | Math.floor(this.rnd() * 64)).toString(16)] : prefix.split(':');
      while (bytes.length < 6) bytes.push(Math.floor(this.rnd() * 256).toString(16).padStart(2, '0'));
      const mac = bytes.join(':');
      if (!this.macs.has(mac)) {
        this.macs.add(mac);
        return mac;
      }
    }
  }

  private ip(): string {
    return `10.20.${1 + Math.floor(this.rnd() * 3)}.${10 + Math.floor(this.rnd() * 240)}`;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)];
  }

  /** Poisson arrivals with rate maxPerMs × busyness(t), by thinning; returns the next time. */
  private nextArrivalAfter(t: number, maxPerMs: number): number {
    for (;;) {
      t += Math.max(1, Math.round(-Math.log(1 - this.rnd()) / maxPerMs));
      if (this.rnd() < busyness(t)) return t;
    }
  }

  private newVisitor(at: number, net?: Network, home?: Ap): Device {
    const nets = this.networks;
    if (!net) {
      const total = nets.reduce((s, n) => s + n.aps.length, 0);
      let k = this.rnd() * total;
      net = nets.find((n) => (k -= n.aps.length) < 0) ?? nets[0];
    }
    home ??= this.pick(net.aps);
    const ble = this.rnd() < 0.15;
    // 5–90 minutes, mostly short (about 5 % stay an hour or more: staff by the summary's rule),
    // sometimes a second visit after a 6–40 minute gap
    const first = Math.round(5 * Math.pow(18, Math.pow(this.rnd(), 2.5)) * 60_000);
    const stays: Stay[] = [{ start: at, end: at + first }];
    if (this.rnd() < 0.25) {
      const back = at + first + Math.round((6 + this.rnd() * 34) * 60_000);
      stays.push({ start: back, end: back + Math.round((5 + this.rnd() * 25) * 60_000) });
    }
    let d: Device;
    if (ble) {
      const name = this.rnd() < 0.7 ? `${this.pick(BLE_NAMES)} (${Math.floor(this.rnd() * 0xffff).toString(16).toUpperCase().padStart(4, '0')})` : null;
      d = { mac: this.mac('ble'), radio: 'ble', net, home, ssid: null, os: null, manufacturer: null, ip: null, hostname: null, name, located: this.rnd() < 0.6, staff: false, stays, episodes: [] };
    } else {
      const [oui, manufacturer, os] = this.pick(WIFI_VENDORS);
      // v3 includes randomised (locally administered) MACs of associated clients; v2 never does
      const randomised = net.version === 3 && this.rnd() < 0.3;
      const associated = this.rnd() < 0.7;
      const mac = randomised ? this.mac(this.pick(['da', '5a', '7e', 'f6'])) : this.mac(oui);
      d = {
        mac, radio: 'wifi', net, home,
        ssid: associated ? this.pick(SSIDS) : null,
        os: associated || this.rnd() < 0.5 ? os : null,
        manufacturer: randomised ? null : manufacturer,
        ip: associated ? this.ip() : null,
        hostname: associated && this.rnd() < 0.3 ? `${manufacturer}-${Math.floor(this.rnd() * 90 + 10)}` : null,
        name: null,
        located: this.rnd() < 0.8,
        staff: false, stays, episodes: [],
      };
    }
    this.devices.push(d);
    return d;
  }

  /** Visitors arrive up to t; those long gone are forgotten. Bounded to 2000 devices. */
  advanceVisitors(t: number): void {
    while (this.nextVisitor <= t) {
      if (this.devices.length < 2000) this.newVisitor(this.nextVisitor);
      this.nextVisitor = this.nextArrivalAfter(this.nextVisitor, 1.2 / 60_000);
    }
  }

  forget(before: number): void {
    this.devices = this.devices.filter((d) => d.staff || d.stays[d.stays.length - 1].end > before);
    for (const d of this.devices) if (d.episodes.length && d.episodes[0].end < before) d.episodes = d.episodes.filter((e) => e.end >= before);
  }

  present(d: Device, from: number, to: number): boolean {
    return d.stays.some((s) => s.start <= from && s.end >= to);
  }

  /** Groups arrive at every camera up to t (and visitors before them). */
  ensure(t: number): void {
    this.advanceVisitors(t);
    for (const cam of this.cams) {
      while (cam.nextArrival <= t) {
        const start = cam.nextArrival;
        const r = this.rnd();
        const size = r < 0.45 ? 1 : r < 0.75 ? 2 : r < 0.9 ? 3 : 4;
        const zone = cam.subZones.length === 0 || this.rnd() < 0.25 ? null : this.pick(cam.subZones);
        const dwell = Math.round(Math.min(240_000, 15_000 + -Math.log(1 - this.rnd()) * 40_000));
        const g: Group = { id: ++this.groupId, zone, size, start, end: start + dwell };
        cam.groups.push(g);
        this.link(cam, g);
        cam.nextArrival = this.nextArrivalAfter(start, 1 / 40_000);
      }
    }
  }

  /** Often one of the group carries a device that the camera's AP hears strongly. */
  private link(cam: CameraModel, g: Group): void {
    if (this.rnd() > Math.min(0.85, 0.35 + 0.15 * g.size)) return;
    const from = g.start - 5_000;
    const to = g.end + 5_000;
    let d: Device | undefined;
    if (this.rnd() < 0.6) {
      const free = this.devices.filter(
        (x) => !x.staff && x.net === cam.net && this.present(x, from, to) && !x.episodes.some((e) => e.end >= from && e.start <= to),
      );
      if (free.length) d = this.pick(free);
    }
    if (!d) {
      d = this.newVisitor(from - 30_000, cam.net, cam.ap);
      if (d.stays[0].end < to) d.stays[0].end = to + 60_000;
    }
    d.episodes.push({ ap: cam.ap, start: from, end: to });
    if (d.episodes.length > 8) d.episodes.shift();
  }

  people(cam: CameraModel, zone: string, ts: number): number {
    let n = 0;
    for (const g of cam.groups) if (g.start <= ts && ts < g.end && (zone === '0' || g.zone === zone)) n += g.size;
    return n;
  }

  private nextStart(cam: CameraModel, zone: string, after: number, before: number): number {
    let best = before;
    for (const g of cam.groups) if (g.start > after && g.start < best && (zone === '0' || g.zone === zone)) best = g.start;
    return best;
  }

  /** Line crossings with ts ≤ t, per line in time order (an hour of them is made at a time). */
  collectCrossings(t: number, out: Outgoing[]): void {
    for (const f of this.lineFeeds) {
      for (;;) {
        while (f.queue.length && f.queue[0].ts <= t) {
          const c = f.queue.shift() as DemoCrossing;
          // now and then a camera on older firmware: ts in seconds (as the PlaceOS test has it)
          const ts = c.objectId % 17 === 0 ? Math.floor(c.ts / 1000) : c.ts;
          out.push({ topic: f.topic, payload: JSON.stringify({ label: f.line.name, event: c.event, type: 'person', ts, object_id: c.objectId }) });
        }
        if (f.queue.length || f.nextHour > t) break;
        f.queue = hourCrossings(f.serial, f.line, f.nextHour);
        f.nextHour += 3_600_000;
      }
    }
  }

  /**
   * MV Sense messages with ts ≤ t, per topic in time order. fastMs between messages while a zone
   * has people (and for 30 messages after), idleMs otherwise; a zone that gains people reports
   * at once. Light messages (no ts: the receiver uses its own clock) only when `live`.
   */
  collectMv(t: number, fastMs: number, idleMs: number, rawMs: number, live: boolean, out: Outgoing[]): void {
    this.ensure(t + idleMs);
    for (const f of this.feeds) {
      while (f.nextTs <= t) {
        const ts = f.nextTs;
        const truth = this.people(f.cam, f.zone, ts);
        let n = truth;
        const r = this.rnd();
        if (truth > 0 && r < 0.04) n = truth - 1;
        else if (truth > 0 && r < 0.07) n = truth + 1;
        else if (truth === 0 && r < 0.004) n = 1;
        f.zeros = n > 0 ? 0 : f.zeros + 1;
        out.push({ topic: f.topic, payload: JSON.stringify({ ts, counts: { person: n, vehicle: 0 } }) });
        f.nextTs = f.zeros <= 30 ? ts + fastMs : this.nextStart(f.cam, f.zone, ts, ts + idleMs);
        f.nextTs = Math.max(f.nextTs, ts + 1) + Math.floor(this.rnd() * 7);
      }
    }
    this.collectCrossings(t, out);
    for (const cam of this.cams) {
      while (cam.nextRaw <= t) {
        const ts = cam.nextRaw;
        cam.frame += Math.round(rawMs / 66);
        const objects: unknown[] = [];
        for (const g of cam.groups) {
          if (g.start > ts || ts >= g.end) continue;
          for (let i = 0; i < g.size && objects.length < 12; i++) {
            const x = 0.05 + this.rnd() * 0.8;
            const y = 0.35 + this.rnd() * 0.45;
            // lower-left then upper-right corner, as older firmware reports them (y0 > y1)
            objects.push({ frame: cam.frame, oid: g.id * 8 + i, type: 'person', x0: +x.toFixed(3), y0: +(y + 0.3).toFixed(3), x1: +(x + 0.07).toFixed(3), y1: +y.toFixed(3), confidence: 70 + Math.floor(this.rnd() * 29) });
          }
        }
        out.push({ topic: `/merakimv/${cam.camera.serial}/raw_detections`, payload: JSON.stringify({ ts, objects }) });
        cam.nextRaw = ts + rawMs + Math.floor(this.rnd() * 500);
      }
      if (live) {
        while (cam.nextLight <= t) {
          const lux = 40 + busyness(cam.nextLight) * 400 + this.rnd() * 30;
          out.push({ topic: `/merakimv/${cam.camera.serial}/light`, payload: JSON.stringify({ lux: Math.round(lux * 10) / 10 }) });
          cam.nextLight += 60_000;
        }
      } else {
        cam.nextLight = Math.max(cam.nextLight, t);
      }
      // forget groups every feed of this camera has passed (crossings: see collectCrossings)
      const oldest = Math.min(...this.feeds.filter((f) => f.cam === cam).map((f) => f.nextTs), cam.nextRaw);
      if (cam.groups.length && cam.groups[0].end < oldest - 1_000) cam.groups = cam.groups.filter((g) => g.end >= oldest - 1_000);
    }
  }

  /**
   * Who the APs heard in (from, to]: one sighting per present device (with probability `p` for
   * visitors not near a camera), at a whole second, with the nearest AP and a few weaker ones.
   */
  sightings(from: number, to: number, p: number): Sighting[] {
    this.ensure(to);
    const out: Sighting[] = [];
    for (const d of this.devices) {
      const stay = d.stays.find((s) => s.start < to && s.end > from);
      if (!stay) continue;
      const a = Math.max(from, stay.start);
      const b = Math.min(to, stay.end);
      const ep = d.episodes.find((e) => e.start < b && e.end > a);
      let time: number;
      let ap: Ap;
      let rssi: number;
      if (ep) {
        const ea = Math.max(a, ep.start);
        const eb = Math.min(b, ep.end);
        time = ea + this.rnd() * (eb - ea);
        ap = ep.ap;
        rssi = 47 + Math.floor(this.rnd() * 14);
      } else {
        if (!d.staff && this.rnd() > p) continue;
        time = a + this.rnd() * (b - a);
        ap = d.home;
        rssi = d.staff ? 24 + Math.floor(this.rnd() * 17) : this.rnd() < 0.1 ? 8 + Math.floor(this.rnd() * 7) : 18 + Math.floor(this.rnd() * 25);
      }
      // whole seconds, inside (from, to]
      time = Math.min(Math.floor(to / 1000) * 1000, Math.max(Math.floor(from / 1000) * 1000 + 1000, Math.round(time / 1000) * 1000));
      const others = d.net.aps
        .filter((x) => x !== ap)
        .map((x) => ({ ap: x, rssi: Math.max(1, Math.min(40, Math.round(rssi - 8 - this.rnd() * 18 - Math.abs(x.x - ap.x) / 4))) }))
        .sort((m, n) => n.rssi - m.rssi)
        .slice(0, 2);
      out.push({ device: d, time, ap, rssi, others });
    }
    return out;
  }

  private position(s: Sighting): { x: number; y: number; lat: number; lng: number } {
    const spread = s.rssi > 45 ? 2 : 6;
    const x = Math.max(0, s.ap.x + (this.rnd() - 0.5) * spread * 2);
    const y = Math.max(0, s.ap.y + (this.rnd() - 0.5) * spread * 2);
    return { x: +x.toFixed(2), y: +y.toFixed(2), lat: +(51.50728 + y * 0.000009).toFixed(7), lng: +(-0.12776 + x * 0.0000144).toFixed(7) };
  }

  private hostCounter(d: Device): string {
    const known = this.hostMap.get(d.mac);
    if (known !== undefined) return String(known);
    const n = this.hostMap.size + 1;
    if (this.hostMap.size > 5000) this.hostMap.clear();
    this.hostMap.set(d.mac, n);
    return String(n);
  }

  /** The Scanning API posts for these sightings: v2 per AP (Wi-Fi, BLE), v3 per network. */
  posts(list: Sighting[], secret: string): { body: string; observations: number }[] {
    const out: { body: string; observations: number }[] = [];
    for (const net of this.networks) {
      const mine = list.filter((s) => s.device.net === net);
      if (net.version === 2) {
        for (const ap of net.aps) {
          for (const radio of ['wifi', 'ble'] as const) {
            const obs: unknown[] = [];
            for (const s of mine) {
              if (s.device.radio !== radio) continue;
              const heard = s.ap === ap ? s.rssi : s.others.find((o) => o.ap === ap && this.rnd() < 0.4)?.rssi;
              if (heard === undefined) continue;
              const pos = this.position(s);
              const location = { lat: pos.lat, lng: pos.lng, unc: +(s.rssi > 45 ? 1.5 + this.rnd() * 2 : 3 + this.rnd() * 20).toFixed(2), x: [pos.x], y: [pos.y] };
              const seen = { seenTime: isoSeconds(s.time), seenEpoch: Math.floor(s.time / 1000) };
              if (radio === 'wifi') {
                const d = s.device;
                obs.push({
                  clientMac: d.mac,
                  ipv4: d.ip ? `${d.hostname ?? ''}/${d.ip}` : null,
                  ipv6: null,
                  ...seen,
                  ssid: d.ssid,
                  os: d.os,
                  manufacturer: d.manufacturer,
                  rssi: Math.round(heard),
                  location,
                });
              } else {
                // v2 Bluetooth posts give dBm (negative); 2.1 adds the advertised name
                obs.push({ name: s.device.name, clientMac: s.device.mac, ...seen, rssi: Math.round(heard) - 95, location });
              }
            }
            if (obs.length === 0) continue;
            const body = {
              version: radio === 'wifi' ? '2.0' : '2.1',
              secret,
              type: radio === 'wifi' ? 'DevicesSeen' : 'BluetoothDevicesSeen',
              data: { apMac: ap.mac, apTags: ['', ...ap.tags], apFloors: [net.floor], observations: obs },
            };
            out.push({ body: JSON.stringify(body), observations: obs.length });
          }
        }
      } else {
        for (const radio of ['wifi', 'ble'] as const) {
          const obs: unknown[] = [];
          let count = 0;
          for (const s of mine) {
            if (s.device.radio !== radio) continue;
            const d = s.device;
            const dbm = Math.round(s.rssi) - 95;
            const latestRecord = {
              time: isoSeconds(s.time),
              nearestApMac: s.ap.mac,
              // seen both ways in the wild: a string or a number
              nearestApRssi: this.rnd() < 0.5 ? String(dbm) : dbm,
            };
            const locations: unknown[] = [];
            if (d.located) {
              const pos = this.position(s);
              const rssiRecords = [{ apMac: s.ap.mac, rssi: dbm }, ...s.others.map((o) => ({ apMac: o.ap.mac, rssi: Math.round(o.rssi) - 95 }))];
              const variance = +(s.rssi > 45 ? 1.2 + this.rnd() * 1.5 : 2 + this.rnd() * 8).toFixed(2);
              locations.push(
                radio === 'wifi'
                  ? { time: isoSeconds(s.time), lat: pos.lat, lng: pos.lng, x: pos.x.toFixed(2), y: pos.y.toFixed(2), variance, floorPlanId: net.floorPlanId, floorPlanName: net.floor, nearestApTags: s.ap.tags, rssiRecords }
                  : { time: isoSeconds(s.time), lat: pos.lat, lng: pos.lng, variance, floorPlan: { id: net.floorPlanId, name: net.floor, x: pos.x, y: pos.y }, nearestApTags: s.ap.tags, rssiRecords },
              );
            }
            count += Math.max(1, locations.length);
            obs.push(
              radio === 'wifi'
                ? {
                    clientMac: d.mac, ipv4: d.ip, ipv6: null, ssid: d.ssid, os: d.os, manufacturer: d.manufacturer,
                    userId: d.ssid === 'Corp-WiFi' && d.hostname ? `user${this.hostCounter(d)}@example.com` : null,
                    locations, latestRecord,
                  }
                : { name: d.name, clientMac: d.mac, bleBeacons: d.staff ? [{ bleType: 'iBeacon', uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 42 }] : [], locations, latestRecord },
            );
          }
          if (obs.length === 0) continue;
          const data: Record<string, unknown> = { networkId: net.id, observations: obs };
          if (radio === 'ble') data.reportingAps = net.aps.map((a) => ({ mac: a.mac, name: a.name, floorPlan: { id: net.floorPlanId, name: net.floor, x: a.x, y: a.y } }));
          const body = { version: radio === 'wifi' ? '3.0' : '3.1', secret, type: radio === 'wifi' ? 'WiFi' : 'BLE', data };
          out.push({ body: JSON.stringify(body), observations: count });
        }
      }
    }
    return out;
  }

  visitorsPresent(t: number): number {
    return this.devices.filter((d) => d.stays.some((s) => s.start <= t && s.end >= t)).length;
  }

  groupCount(): number {
    return this.cams.reduce((n, c) => n + c.groups.length, 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Driving it

/**
 * Message spacing in camera time. Live: every 200 ms while a zone has people (an activity of
 * ≥ 50 messages then takes ≥ 10 s, and its 20 closing zeros 4 s), every second when empty.
 * Backfill: every 500 ms / 5 s, and one Scanning API cycle a minute (as Meraki posts), so
 * that six hours fit in well under a minute. Real cameras send about once a second or on change.
 */
const BACKFILL = { fastMs: 500, idleMs: 5000, rawMs: 60_000, cmxMs: 60_000, stepMs: 60_000 };
const LIVE = { fastMs: 200, idleMs: 1000, rawMs: 10_000, loopMs: 100 };

export function startSimulator(opts: SimulatorOptions): Simulator {
  const log = opts.log ?? (() => undefined);
  const now0 = Date.now();
  const backfillHours = opts.backfillHours ?? 6;
  let start = now0 - backfillHours * 3_600_000;
  if (opts.backfillFrom !== undefined && Number.isFinite(opts.backfillFrom)) start = Math.max(start, opts.backfillFrom + 1000);
  start = Math.min(start, now0);
  const speed = opts.speed ?? 900;
  const maxRate = opts.maxMessagesPerSecond ?? 5000;
  const cmxLiveMs = (opts.cmxIntervalS ?? 15) * 1000;
  const world = new World(opts.cameras ?? DEFAULT_CAMERAS, opts.seed ?? Date.now() % 2_147_483_647, start);

  const stats: SimulatorStats = {
    phase: 'connecting',
    backfillFrom: start < now0 ? new Date(start).toISOString() : null,
    backfillDoneAt: null,
    mqttMessages: 0,
    mqttDropped: 0,
    posts: 0,
    postFailures: 0,
    observations: 0,
    groups: 0,
    visitorsPresent: 0,
  };
  let stopped = false;
  const aborter = new AbortController();
  /** pending waits: stop() ends them at once */
  const sleepers = new Map<NodeJS.Timeout, () => void>();
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (stopped) return resolve();
      const t = setTimeout(() => {
        sleepers.delete(t);
        resolve();
      }, ms);
      sleepers.set(t, resolve);
    });

  // QoS 0 messages are not queued while disconnected (a camera loses them too): memory stays bounded.
  const client: MqttClient = mqtt.connect(opts.mqttUrl, {
    clientId: `meraki-demo-cameras-${process.pid}`,
    reconnectPeriod: 1000,
    queueQoSZero: false,
    clean: true,
  });
  client.on('error', (err) => log(`MQTT: ${err.message}`));
  let wasConnected = false;
  client.on('connect', () => {
    if (wasConnected) log('MQTT: reconnected');
    wasConnected = true;
  });

  /** Publishes a batch; resolves when every message was handed to the socket (or dropped). */
  function publish(batch: Outgoing[]): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    if (!client.connected) {
      stats.mqttDropped += batch.length;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let left = batch.length;
      const guard = setTimeout(resolve, 10_000);
      const done = (err?: Error): void => {
        if (err) stats.mqttDropped += 1;
        else stats.mqttMessages += 1;
        if (--left === 0) {
          clearTimeout(guard);
          resolve();
        }
      };
      for (const m of batch) client.publish(m.topic, m.payload, { qos: 0 }, done);
    });
  }

  let failuresLogged = 0;
  async function post(body: string, observations: number): Promise<void> {
    try {
      const res = await fetch(opts.cmxUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(15_000)]),
      });
      await res.arrayBuffer();
      stats.posts += 1;
      if (res.status < 200 || res.status > 299) {
        stats.postFailures += 1;
        if (failuresLogged++ < 5 || stats.postFailures % 100 === 0) log(`Scanning API post answered ${res.status} (${stats.postFailures} failed so far)`);
      } else {
        stats.observations += observations;
      }
    } catch (err) {
      if (stopped) return;
      stats.posts += 1;
      stats.postFailures += 1;
      if (failuresLogged++ < 5 || stats.postFailures % 100 === 0) log(`Scanning API post failed: ${(err as Error).message} (${stats.postFailures} failed so far)`);
    }
  }

  async function cmxCycle(from: number, to: number, p: number): Promise<void> {
    const posts = world.posts(world.sightings(from, to, p), opts.secret);
    for (const x of posts) {
      if (stopped) return;
      await post(x.body, x.observations);
    }
    world.forget(to - 3_600_000);
  }

  let cmxDone = start;

  async function backfill(): Promise<void> {
    while (!client.connected && !stopped) await wait(100);
    if (stopped) return;
    stats.phase = 'backfill';
    const wall0 = Date.now();
    let sent = 0;
    let t = start;
    if (stats.backfillFrom) log(`backfill from ${stats.backfillFrom}`);
    for (;;) {
      if (stopped) return;
      const target = Date.now();
      if (t >= target - 1000) break;
      const stepEnd = Math.min(t + BACKFILL.stepMs, target);
      const batch: Outgoing[] = [];
      world.collectMv(stepEnd, BACKFILL.fastMs, BACKFILL.idleMs, BACKFILL.rawMs, false, batch);
      while (!client.connected && !stopped) await wait(200);
      await publish(batch);
      sent += batch.length;
      while (cmxDone + BACKFILL.cmxMs <= stepEnd && !stopped) {
        await cmxCycle(cmxDone, cmxDone + BACKFILL.cmxMs, 1);
        cmxDone += BACKFILL.cmxMs;
      }
      t = stepEnd;
      // no faster than `speed` × real time, nor than maxRate messages a second
      const due = wall0 + Math.max((t - start) / speed, (sent / maxRate) * 1000);
      const ahead = due - Date.now();
      if (ahead > 0) await wait(ahead);
      stats.groups = world.groupCount();
    }
    stats.backfillDoneAt = new Date().toISOString();
    log(`backfill done: ${Math.round((Date.now() - start) / 60_000)} minutes of camera time in ${((Date.now() - wall0) / 1000).toFixed(1)} s`);
  }

  async function mvLoop(): Promise<void> {
    while (!stopped) {
      const batch: Outgoing[] = [];
      world.collectMv(Date.now(), LIVE.fastMs, LIVE.idleMs, LIVE.rawMs, true, batch);
      await publish(batch);
      stats.groups = world.groupCount();
      await wait(LIVE.loopMs);
    }
  }

  async function cmxLoop(): Promise<void> {
    while (!stopped) {
      await wait(Math.max(0, cmxDone + cmxLiveMs - Date.now()));
      if (stopped) return;
      const to = Date.now();
      // a visitor away from the cameras is heard in about half of the cycles
      await cmxCycle(cmxDone, to, cmxLiveMs >= 60_000 ? 1 : 0.5);
      cmxDone = to;
      stats.visitorsPresent = world.visitorsPresent(to);
    }
  }

  let loops: Promise<unknown> = Promise.resolve();
  const backfilled = backfill().then(() => {
    if (stopped) return;
    stats.phase = 'live';
    loops = Promise.all([mvLoop(), cmxLoop()]);
  });
  backfilled.catch((err: Error) => log(`simulator failed: ${err.stack ?? err}`));

  let stopping: Promise<void> | null = null;
  return {
    stats,
    backfilled: backfilled.catch(() => undefined),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        for (const [t, resolve] of sleepers) {
          clearTimeout(t);
          resolve();
        }
        sleepers.clear();
        aborter.abort();
        await backfilled.catch(() => undefined);
        await loops.catch(() => undefined);
        await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
        stats.phase = 'stopped';
      })();
      return stopping;
    },
  };
}
