/**
 * A small fake of the Meraki Dashboard API v1 on loopback, for `npm run demo` and the tests.
 * It behaves like the real one where our nodes can tell (reference/meraki-wire-formats.md, A.5):
 *
 * - auth: `Authorization: Bearer <key>` or `X-Cisco-Meraki-API-Key: <key>`; otherwise
 *   401 {"errors":["Invalid API key"]}
 * - rate limit on /api/v1 (token bucket: ratePerSecond, plus a burst): 429, `Retry-After: <s>`,
 *   {"errors":["API rate limit exceeded for organization"]}
 * - errors as {"errors":[...]}; unknown serial or path → 404 {"errors":["Not found"]}
 * - GET  /devices/{serial}                             device (name, model, networkId, mac, lanIp…)
 * - GET  /devices/{serial}/camera/analytics/zones      [{id, type, label, regionOfInterest}] (strings)
 * - POST /devices/{serial}/camera/generateSnapshot     {timestamp?, fullframe?} → 202 {url, expiry};
 *   the URL (no auth, like spnX.meraki.com) answers 404 for snapshotDelayMs, then a PNG, and 404
 *   again once snapshotTtlMs has passed
 * - GET  /devices/{serial}/camera/videoLink?timestamp= {url, visionUrl} (timestamp in ms in both);
 *   both URLs open a small page of this server showing the "footage" at that time
 * - GET  /devices/{serial}/camera/sense, /organizations, /organizations/{id}/devices,
 *   /networks/{id}/devices: enough for a "test the key" or "pick a camera" button
 * - GET  /networks/{networkId}                         {id, organizationId, name, ...}
 * - GET  /organizations/{id}/camera/boundaries/lines/byDevice?serials[]=
 *                                                      [{serial, networkId, boundaries: [{id, name, type: "line", vertices, directionVertex}]}]
 * - GET  /organizations/{id}/camera/detections/history/byBoundary/byInterval?boundaryIds[]=&ranges[]interval=
 *   &ranges[]startTime=&ranges[]endTime=[&boundaryTypes[]=][&perPage=]: [{boundaryId, type: "line", results:
 *   [{startTime, endTime, objectType, in, out}]}] from the same model the simulator publishes
 *   (crossings.ts); perPage 1–1000 (default 1000) result rows a page, the next page in a
 *   `Link: <…&startingAfter=…>; rel=next` header; 400 for missing or malformed parameters
 *
 * Runs alone too: `npx tsx demo/fake-meraki-api.ts` (MERAKI_API_KEY, FAKE_API_PORT).
 */
import * as crypto from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
import { cameraNetworkId, DEFAULT_CAMERAS, DemoCamera, hash32 } from './cameras';
import { countCrossings } from './crossings';
import { renderSnapshot } from './snapshot-png';

export type { DemoCamera, DemoZone } from './cameras';
export { DEFAULT_CAMERAS, HOSTILE_TEXT } from './cameras';

export interface FakeMerakiApiOptions {
  /** the only key accepted */
  apiKey: string;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: a free port */
  port?: number;
  /** the image URL answers 404 until this long after generateSnapshot (default 1500 ms) */
  snapshotDelayMs?: number;
  /** and 404 again after this long (default 1 h) */
  snapshotTtlMs?: number;
  /** token bucket refill (default 10 requests/s) */
  ratePerSecond?: number;
  /** extra requests the bucket holds on top of one second's worth (default 10) */
  burst?: number;
  cameras?: readonly DemoCamera[];
  /** one line per request; nothing is logged without it */
  log?: (line: string) => void;
}

export interface FakeApiStats {
  /** every request to the server */
  requests: number;
  /** per endpoint, e.g. "GET /devices/{serial}"; "GET /snapshots/{token}" for the images */
  byEndpoint: Record<string, number>;
  /** per HTTP status */
  byStatus: Record<string, number>;
  rateLimited: number;
  unauthorized: number;
  notFound: number;
  snapshotsGenerated: number;
  imagesServed: number;
  imagesNotReady: number;
  imagesExpired: number;
}

export interface FakeMerakiApi {
  /** e.g. http://127.0.0.1:PORT/api/v1 */
  baseUrl: string;
  /** e.g. http://127.0.0.1:PORT */
  origin: string;
  port: number;
  stats: FakeApiStats;
  close(): Promise<void>;
}

export const ORGANIZATION_ID = '549236';
const MAX_SNAPSHOTS = 5000;
const MAX_BODY = 64 * 1024;

interface Snapshot {
  serial: string;
  imageTime: number;
  readyAt: number;
  expiresAt: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const errors = (status: number, ...messages: string[]): Reply => ({ status, body: { errors: messages } });
const NOT_FOUND = (): Reply => errors(404, 'Not found');

/** ISO-8601 UTC without milliseconds, as the Dashboard writes times. */
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Accepts ISO-8601 with a zone (or a bare date-time, read as UTC); null when unreadable. */
function parseIso(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const text = /([zZ]|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);

function sameKey(given: string, key: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(key).digest();
  return crypto.timingSafeEqual(a, b);
}

export async function startFakeMerakiApi(opts: FakeMerakiApiOptions): Promise<FakeMerakiApi> {
  if (!opts || typeof opts.apiKey !== 'string' || opts.apiKey === '') throw new Error('startFakeMerakiApi: apiKey is required');
  const host = opts.host ?? '127.0.0.1';
  const delayMs = opts.snapshotDelayMs ?? 1500;
  const ttlMs = opts.snapshotTtlMs ?? 3_600_000;
  const rate = opts.ratePerSecond ?? 10;
  const capacity = rate + (opts.burst ?? 10);
  const cameras = (opts.cameras ?? DEFAULT_CAMERAS).map((c, i) => ({ ...c, networkId: cameraNetworkId(c, i), index: i }));
  const bySerial = new Map(cameras.map((c) => [c.serial.toUpperCase(), c]));
  const log = opts.log;

  const stats: FakeApiStats = {
    requests: 0,
    byEndpoint: {},
    byStatus: {},
    rateLimited: 0,
    unauthorized: 0,
    notFound: 0,
    snapshotsGenerated: 0,
    imagesServed: 0,
    imagesNotReady: 0,
    imagesExpired: 0,
  };
  const snapshots = new Map<string, Snapshot>();
  let tokens = capacity;
  let refilledAt = Date.now();
  let origin = '';

  /** Takes one token; the number of seconds to wait when there is none. */
  function takeToken(): number {
    const now = Date.now();
    tokens = Math.min(capacity, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - tokens) / rate));
  }

  const nodeId = (serial: string): string => String(29_048_243_990_000 + (hash32(serial) % 9_999));
  const networkCode = (networkId: string): string => crypto.createHash('sha1').update(networkId).digest('base64url').slice(0, 8);
  const networkSlug = (networkId: string): string => `Demo-${networkId.slice(-4)}`;

  function device(c: (typeof cameras)[number]): Record<string, unknown> {
    const h = hash32(c.serial);
    const mac = ['34', '56', 'fe', (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff]
      .map((b) => (typeof b === 'number' ? b.toString(16).padStart(2, '0') : b))
      .join(':');
    return {
      name: c.name,
      lat: 51.5072 + c.index * 0.0001,
      lng: -0.1277 - c.index * 0.0001,
      address: '1 Demo Street, London',
      notes: '',
      tags: ['demo'],
      networkId: c.networkId,
      serial: c.serial,
      model: c.model,
      mac,
      lanIp: `10.20.0.${10 + c.index}`,
      firmware: 'cameras-5-2',
      floorPlanId: null,
      url: `${origin}/${networkSlug(c.networkId)}/n/${networkCode(c.networkId)}/manage/nodes/new_list/${nodeId(c.serial)}`,
      details: [],
    };
  }

  function zones(c: (typeof cameras)[number]): unknown[] {
    return c.zones.map((z, i) => {
      if (z.id === '0') return { id: '0', type: 'occupancy', label: z.label, regionOfInterest: { x0: '0.00', y0: '0.00', x1: '1.00', y1: '1.00' } };
      const x0 = 0.05 + ((i * 0.31) % 0.5);
      const y0 = 0.3 + ((i * 0.17) % 0.3);
      return {
        id: z.id,
        type: 'occupancy',
        label: z.label,
        regionOfInterest: { x0: x0.toFixed(2), y0: y0.toFixed(2), x1: (x0 + 0.4).toFixed(2), y1: Math.min(1, y0 + 0.35).toFixed(2) },
      };
    });
  }

  function footageLinks(c: (typeof cameras)[number], ms: number): { url: string; visionUrl: string } {
    const code = networkCode(c.networkId);
    return {
      url: `${origin}/${networkSlug(c.networkId)}/n/${code}/manage/nodes/new_list/${nodeId(c.serial)}?timestamp=${ms}`,
      visionUrl: `${origin}/vision/n/${code}/cameras/${nodeId(c.serial)}?timestamp=${ms}`,
    };
  }

  function generateSnapshot(c: (typeof cameras)[number], body: Record<string, unknown>): Reply {
    const now = Date.now();
    if (body.fullframe !== undefined && typeof body.fullframe !== 'boolean') return errors(400, "'fullframe' must be a boolean");
    if (body.timestamp !== undefined && body.timestamp !== null && body.fullframe === true) {
      return errors(400, "'fullframe' cannot be used together with 'timestamp'");
    }
    let imageTime = now;
    if (body.timestamp !== undefined && body.timestamp !== null) {
      const ms = parseIso(body.timestamp);
      if (ms === null) return errors(400, "'timestamp' must be an ISO 8601 date and time");
      if (ms > now + 60_000) return errors(400, "'timestamp' cannot be in the future");
      imageTime = ms;
    }
    // Bounded: forget what expired long ago, and the oldest beyond MAX_SNAPSHOTS.
    for (const [token, s] of snapshots) {
      if (snapshots.size < MAX_SNAPSHOTS && s.expiresAt + 600_000 > now) break;
      snapshots.delete(token);
    }
    const token = crypto.randomBytes(18).toString('base64url');
    const expiresAt = now + ttlMs;
    snapshots.set(token, { serial: c.serial, imageTime, readyAt: now + delayMs, expiresAt });
    stats.snapshotsGenerated += 1;
    return { status: 202, body: { url: `${origin}/snapshots/${token}.png`, expiry: `Access to the image will expire at ${isoSeconds(expiresAt)}.` } };
  }

  function linesByDevice(query: URLSearchParams): Reply {
    const wanted = query.getAll('serials[]').map((x) => x.toUpperCase());
    const list = cameras.filter((c) => c.lines?.length && (wanted.length === 0 || wanted.includes(c.serial.toUpperCase())));
    return {
      status: 200,
      body: list.map((c) => ({
        serial: c.serial,
        networkId: c.networkId,
        boundaries: (c.lines ?? []).map((l, i) => ({
          id: l.id,
          name: l.name,
          type: 'line',
          vertices: [{ x: 0.2 + i * 0.2, y: 0.3 }, { x: 0.2 + i * 0.2, y: 0.9 }],
          directionVertex: { x: 0.3 + i * 0.2, y: 0.6 },
        })),
      })),
    };
  }

  /** `ranges[]interval=…&ranges[]startTime=…` (or `ranges[][interval]=…`) → one object per range, as Rails reads them. */
  function readRanges(query: URLSearchParams): Record<string, string>[] {
    const ranges: Record<string, string>[] = [];
    for (const [k, v] of query) {
      const m = /^ranges\[\](?:\[(\w+)\]|(\w+))$/.exec(k);
      if (!m) continue;
      const field = m[1] ?? m[2];
      const last = ranges[ranges.length - 1];
      if (!last || field in last) ranges.push({ [field]: v });
      else last[field] = v;
    }
    return ranges;
  }

  function byInterval(query: URLSearchParams): Reply {
    const ids = query.getAll('boundaryIds[]');
    if (ids.length === 0) return errors(400, "'boundaryIds' must be given");
    const ranges = readRanges(query);
    if (ranges.length === 0) return errors(400, "'ranges' must be given");
    const perPageText = query.get('perPage') ?? '1000';
    const perPage = Number(perPageText);
    if (!/^\d+$/.test(perPageText) || perPage < 1 || perPage > 1000) return errors(400, "'perPage' must be an integer from 1 to 1000");
    const types = query.getAll('boundaryTypes[]');
    for (const t of types) if (t !== 'person' && t !== 'vehicle') return errors(400, "'boundaryTypes' must be person or vehicle");
    const now = Date.now();
    const rows: { boundaryId: string; startTime: string; endTime: string; objectType: string; in: number; out: number }[] = [];
    for (const r of ranges) {
      const start = parseIso(r.startTime);
      const end = parseIso(r.endTime);
      const interval = Number(r.interval);
      if (start === null || end === null || end <= start) return errors(400, "each range needs a 'startTime' before its 'endTime' (ISO 8601)");
      if (!Number.isInteger(interval) || interval < 60 || interval > 86_400) return errors(400, "each range needs an 'interval' in seconds (60 to 86400)");
      if ((end - start) / (interval * 1000) > 1000) return errors(400, 'too many intervals in a range');
      for (const id of ids) {
        const found = cameras.flatMap((c) => (c.lines ?? []).filter((l) => l.id === id).map((l) => ({ c, l })))[0];
        if (!found) continue;
        for (let t = start; t < end; t += interval * 1000) {
          const to = Math.min(end, t + interval * 1000);
          for (const type of types.length ? types : ['person']) {
            const n = type === 'person' && t < now ? countCrossings(found.c.serial, found.l, t, to, now) : { in: 0, out: 0 };
            rows.push({ boundaryId: id, startTime: isoSeconds(t), endTime: isoSeconds(to), objectType: type, ...n });
          }
        }
      }
    }
    const after = query.get('startingAfter');
    const from = after === null ? 0 : Number(Buffer.from(after, 'base64url').toString('utf8').replace(/^row:/, ''));
    if (!Number.isInteger(from) || from < 0 || from > rows.length) return errors(400, "'startingAfter' is not valid");
    const page = rows.slice(from, from + perPage);
    const body: { boundaryId: string; type: string; results: unknown[] }[] = [];
    for (const { boundaryId, ...result } of page) {
      const last = body[body.length - 1];
      if (last && last.boundaryId === boundaryId) last.results.push(result);
      else body.push({ boundaryId, type: 'line', results: [result] });
    }
    const headers: Record<string, string> = {};
    const link = (start: number): string => {
      const q = new URLSearchParams(query);
      q.delete('startingAfter');
      if (start > 0) q.set('startingAfter', Buffer.from(`row:${start}`).toString('base64url'));
      return `${origin}/api/v1/organizations/${ORGANIZATION_ID}/camera/detections/history/byBoundary/byInterval?${q.toString()}`;
    };
    const links = [`<${link(0)}>; rel=first`];
    if (from + perPage < rows.length) links.push(`<${link(from + perPage)}>; rel=next`);
    headers.Link = links.join(', ');
    return { status: 200, body, headers };
  }

  /** /api/v1 routes: [endpoint name, reply] or null when no route matches. */
  function apiRoute(method: string, rest: string[], query: URLSearchParams, body: Record<string, unknown>): [string, () => Reply] | null {
    const camera = (serial: string): (typeof cameras)[number] | undefined => bySerial.get(decodeURIComponent(serial).toUpperCase());
    const withCamera = (serial: string, f: (c: (typeof cameras)[number]) => Reply) => (): Reply => {
      const c = camera(serial);
      return c ? f(c) : NOT_FOUND();
    };
    const [a, b, c2, d, e] = rest;
    if (method === 'GET' && rest.length === 1 && a === 'organizations') {
      return [
        'GET /organizations',
        () => ({
          status: 200,
          body: [{ id: ORGANIZATION_ID, name: 'Demo Organisation', url: `${origin}/o/demo/manage/organization/overview`, api: { enabled: true } }],
        }),
      ];
    }
    if (method === 'GET' && rest.length === 3 && a === 'organizations' && c2 === 'devices') {
      return ['GET /organizations/{organizationId}/devices', () => (b === ORGANIZATION_ID ? { status: 200, body: cameras.map(device) } : NOT_FOUND())];
    }
    if (method === 'GET' && rest.length === 3 && a === 'networks' && c2 === 'devices') {
      return [
        'GET /networks/{networkId}/devices',
        () => {
          const list = cameras.filter((c) => c.networkId === decodeURIComponent(b));
          return list.length ? { status: 200, body: list.map(device) } : NOT_FOUND();
        },
      ];
    }
    if (method === 'GET' && rest.length === 2 && a === 'networks') {
      return [
        'GET /networks/{networkId}',
        () => {
          const id = decodeURIComponent(b);
          if (!cameras.some((c) => c.networkId === id)) return NOT_FOUND();
          return { status: 200, body: { id, organizationId: ORGANIZATION_ID, name: networkSlug(id), productTypes: ['camera', 'wireless'], timeZone: 'Europe/London', tags: [] } };
        },
      ];
    }
    if (method === 'GET' && rest.length === 6 && a === 'organizations' && c2 === 'camera' && d === 'boundaries' && e === 'lines' && rest[5] === 'byDevice') {
      return ['GET /organizations/{organizationId}/camera/boundaries/lines/byDevice', () => (b === ORGANIZATION_ID ? linesByDevice(query) : NOT_FOUND())];
    }
    if (method === 'GET' && rest.length === 7 && a === 'organizations' && c2 === 'camera' && rest.slice(3).join('/') === 'detections/history/byBoundary/byInterval') {
      return ['GET /organizations/{organizationId}/camera/detections/history/byBoundary/byInterval', () => (b === ORGANIZATION_ID ? byInterval(query) : NOT_FOUND())];
    }
    if (a !== 'devices' || !b) return null;
    if (method === 'GET' && rest.length === 2) return ['GET /devices/{serial}', withCamera(b, (c) => ({ status: 200, body: device(c) }))];
    if (c2 !== 'camera') return null;
    if (method === 'GET' && rest.length === 5 && d === 'analytics' && e === 'zones') {
      return ['GET /devices/{serial}/camera/analytics/zones', withCamera(b, (c) => ({ status: 200, body: zones(c) }))];
    }
    if (method === 'POST' && rest.length === 4 && d === 'generateSnapshot') {
      return ['POST /devices/{serial}/camera/generateSnapshot', withCamera(b, (c) => generateSnapshot(c, body))];
    }
    if (method === 'GET' && rest.length === 4 && d === 'videoLink') {
      return [
        'GET /devices/{serial}/camera/videoLink',
        withCamera(b, (c) => {
          const raw = query.get('timestamp');
          const ms = raw === null || raw === '' ? Date.now() : parseIso(raw);
          if (ms === null) return errors(400, "'timestamp' must be an ISO 8601 date and time");
          return { status: 200, body: footageLinks(c, ms) };
        }),
      ];
    }
    if (method === 'GET' && rest.length === 4 && d === 'sense') {
      return [
        'GET /devices/{serial}/camera/sense',
        withCamera(b, (c) => ({
          status: 200,
          body: {
            senseEnabled: true,
            mqttBrokerId: '1234',
            audioDetection: { enabled: false },
            mqttTopics: [`/merakimv/${c.serial}/raw_detections`, `/merakimv/${c.serial}/light`, ...c.zones.map((z) => `/merakimv/${c.serial}/${z.id}`)],
          },
        })),
      ];
    }
    return null;
  }

  function send(res: http.ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', ...reply.headers };
    let payload: Buffer | undefined;
    if (Buffer.isBuffer(reply.body)) {
      payload = reply.body;
    } else if (reply.body !== undefined) {
      payload = Buffer.from(JSON.stringify(reply.body));
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }
    if (payload) headers['Content-Length'] = String(payload.length);
    stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1;
    if (reply.status === 404) stats.notFound += 1;
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  function readBody(req: http.IncomingMessage): Promise<string | null> {
    return new Promise((resolve) => {
      const parts: Buffer[] = [];
      let size = 0;
      req.on('data', (d: Buffer) => {
        size += d.length;
        if (size <= MAX_BODY) parts.push(d);
      });
      req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(parts).toString('utf8')));
      req.on('error', () => resolve(null));
    });
  }

  const count = (endpoint: string): void => {
    stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
  };

  function image(res: http.ServerResponse, token: string): void {
    count('GET /snapshots/{token}');
    const s = snapshots.get(token);
    const now = Date.now();
    if (!s) return send(res, NOT_FOUND());
    if (now < s.readyAt) {
      stats.imagesNotReady += 1;
      return send(res, NOT_FOUND());
    }
    if (now >= s.expiresAt) {
      stats.imagesExpired += 1;
      return send(res, errors(404, 'This snapshot has expired'));
    }
    stats.imagesServed += 1;
    send(res, { status: 200, body: renderSnapshot(s.serial, s.imageTime), headers: { 'Content-Type': 'image/png' } });
  }

  /** The page the videoLink URLs open: the camera's picture at that time. */
  function footagePage(res: http.ServerResponse, id: string, query: URLSearchParams): void {
    count('GET footage page');
    const c = cameras.find((x) => nodeId(x.serial) === id);
    if (!c) return send(res, NOT_FOUND());
    const ms = Number(query.get('timestamp') ?? Date.now());
    const t = Number.isFinite(ms) ? Math.trunc(ms) : Date.now();
    const html =
      `<!doctype html><meta charset="utf-8"><title>${escapeHtml(c.name)}: demo footage</title>` +
      `<body style="font-family:sans-serif;background:#222;color:#eee">` +
      `<h1>${escapeHtml(c.name)} (${escapeHtml(c.serial)})</h1><p>Demo footage at ${escapeHtml(new Date(t).toISOString())}</p>` +
      `<img width="640" height="360" alt="camera picture" src="/frames/${encodeURIComponent(c.serial)}/${t}.png"></body>`;
    send(res, { status: 200, body: Buffer.from(html), headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    stats.requests += 1;
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = url.pathname;
    const finish = (endpoint: string, reply: Reply): void => {
      send(res, reply);
      log?.(`${method} ${path} (${endpoint}) → ${reply.status}`);
    };

    if (!path.startsWith('/api/v1/')) {
      let m: RegExpMatchArray | null;
      if (method === 'GET' && (m = path.match(/^\/snapshots\/([A-Za-z0-9_-]+)\.png$/))) {
        image(res, m[1]);
        return log?.(`${method} ${path} → ${res.statusCode}`);
      }
      if (method === 'GET' && (m = path.match(/^\/(?:[^/]+\/n\/[^/]+\/manage\/nodes\/new_list|vision\/n\/[^/]+\/cameras)\/(\d+)$/))) {
        footagePage(res, m[1], url.searchParams);
        return log?.(`${method} ${path} → ${res.statusCode}`);
      }
      if (method === 'GET' && (m = path.match(/^\/frames\/([^/]+)\/(\d{1,15})\.png$/))) {
        count('GET /frames/{serial}/{ms}.png');
        const c = bySerial.get(decodeURIComponent(m[1]).toUpperCase());
        if (!c) return finish('frame', NOT_FOUND());
        return finish('frame', { status: 200, body: renderSnapshot(c.serial, Number(m[2])), headers: { 'Content-Type': 'image/png' } });
      }
      count('other');
      return finish('other', NOT_FOUND());
    }

    const rest = path.slice('/api/v1/'.length).split('/').filter((s) => s !== '');
    let body: Record<string, unknown> = {};
    let badJson = false;
    if (method === 'POST' || method === 'PUT') {
      const text = await readBody(req);
      if (text === null) badJson = true;
      else if (text.trim() !== '') {
        try {
          const parsed: unknown = JSON.parse(text);
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
          else badJson = true;
        } catch {
          badJson = true;
        }
      }
    } else {
      req.resume();
    }
    const route = apiRoute(method, rest, url.searchParams, body);
    const endpoint = route ? route[0] : 'other /api/v1';
    count(endpoint);

    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
    const legacy = req.headers['x-cisco-meraki-api-key'];
    const given = bearer ?? (typeof legacy === 'string' ? legacy.trim() : undefined);
    if (!given || !sameKey(given, opts.apiKey)) {
      stats.unauthorized += 1;
      return finish(endpoint, errors(401, 'Invalid API key'));
    }
    const wait = takeToken();
    if (wait > 0) {
      stats.rateLimited += 1;
      return finish(endpoint, { ...errors(429, 'API rate limit exceeded for organization'), headers: { 'Retry-After': String(wait) } });
    }
    if (!route) return finish(endpoint, NOT_FOUND());
    if (badJson) return finish(endpoint, errors(400, 'The request body must be a JSON object'));
    finish(endpoint, route[1]());
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      log?.(`error: ${err.stack ?? err}`);
      if (!res.headersSent) send(res, errors(500, 'Internal error'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    baseUrl: `${origin}/api/v1`,
    origin,
    port,
    stats,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

if (require.main === module) {
  const apiKey = process.env.MERAKI_API_KEY || 'demo0000000000000000000000000000000demo';
  startFakeMerakiApi({ apiKey, port: Number(process.env.FAKE_API_PORT) || 0, log: (l) => console.log(l) })
    .then((api) => {
      console.log(`fake Meraki Dashboard API at ${api.baseUrl} (key: ${apiKey}); Ctrl-C stops it`);
      const stop = (): void => {
        console.log(JSON.stringify(api.stats, null, 2));
        void api.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
