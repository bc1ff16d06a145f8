/**
 * A small client for the Meraki Dashboard API v1: Bearer key, request timeouts, one token-bucket
 * rate limiter per key (10 requests/s by default, the organisation's limit), 429 Retry-After
 * honoured (the limiter pauses for everyone), redirects followed with the key only to Meraki hosts
 * or the configured base, readable errors that never contain the key. Framework-free.
 */
import type { NumberRule } from './options';

/** The meraki-api config node's number settings: request timeout (s), requests per second. */
export const API_SETTINGS: Readonly<Record<'timeoutS' | 'rate', NumberRule>> = Object.freeze({
  timeoutS: { default: 10, above: 0 },
  rate: { default: 10, above: 0 },
});

export type ApiErrorKind = 'unauthorised' | 'forbidden' | 'not-found' | 'rate-limited' | 'timeout' | 'network' | 'http' | 'bad-response';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: ApiErrorKind,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Token bucket: `rate` tokens a second, up to `burst` saved; callers wait their turn in order.
 * pauseFor() (after a 429) holds everyone back until the server's Retry-After has passed.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private queue: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly rate = 10,
    readonly burst = 10,
    private readonly now: () => number = Date.now,
    private readonly maxQueue = 1000,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  get waiting(): number {
    return this.queue.length;
  }

  get paused(): boolean {
    return this.now() < this.pausedUntil;
  }

  take(): Promise<void> {
    if (this.queue.length >= this.maxQueue) return Promise.reject(new ApiError('too many API requests waiting', 'rate-limited'));
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.pump();
    });
  }

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    this.tokens = 0;
  }

  /** Rejects nothing; forgets the waiters' timer (for close). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(): void {
    if (this.timer) return;
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    while (this.queue.length && now >= this.pausedUntil && this.tokens >= 1) {
      this.tokens -= 1;
      this.queue.shift()!();
    }
    if (this.queue.length) {
      const wait = Math.max(this.pausedUntil - now, ((1 - this.tokens) / this.rate) * 1000, 1);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      this.timer.unref?.();
    }
  }
}

export interface MerakiClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  limiter?: RateLimiter;
  /** attempts after a 429 or a 5xx answer */
  retries?: number;
  /** called on every 429 and on 401/403, for status displays */
  onEvent?: (event: 'rate-limited' | 'unauthorised' | 'ok') => void;
  fetch?: typeof fetch;
}

export interface Snapshot {
  url: string;
  expiry: string | null;
}

/** A crossing line of a camera (Areas & Lines). */
export interface BoundaryLine {
  serial: string;
  id: string;
  name: string | null;
}

export interface BoundaryHistoryQuery {
  boundaryIds: readonly string[];
  /** ISO-8601 UTC */
  ranges: readonly { startTime: string; endTime: string }[];
  /** seconds per interval (default 3600) */
  intervalS?: number;
  /** person (the API's default) and/or vehicle */
  boundaryTypes?: readonly string[];
  /** 1–1000 (default 1000) */
  perPage?: number;
}

/** One interval of one line's history. */
export interface BoundaryInterval {
  boundaryId: string;
  start: number;
  end: number;
  objectType: string | null;
  in: number;
  out: number;
}

/** The `rel="next"` target of an RFC 8288 Link header, or null. */
export function nextLink(header: string | null | undefined): string | null {
  if (!header) return null;
  for (const m of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]*)*)/g)) {
    if (/;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2])) return m[1];
  }
  return null;
}

export class MerakiClient {
  readonly baseUrl: string;
  private readonly key: string;
  private readonly timeoutMs: number;
  readonly limiter: RateLimiter;
  private readonly retries: number;
  private readonly onEvent: NonNullable<MerakiClientOptions['onEvent']>;
  private readonly fetchImpl: typeof fetch;

  constructor(options: MerakiClientOptions) {
    const base = options.baseUrl.trim().replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(base);
    } catch {
      throw new Error(`invalid API base URL "${base}"`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`invalid API base URL "${base}"`);
    if (!options.apiKey) throw new Error('no API key');
    this.baseUrl = base;
    this.key = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.limiter = options.limiter ?? new RateLimiter();
    this.retries = options.retries ?? 3;
    this.onEvent = options.onEvent ?? (() => undefined);
    this.fetchImpl = options.fetch ?? fetch;
  }

  getDevice(serial: string): Promise<{ serial: string; name?: string; model?: string; networkId?: string }> {
    return this.request('GET', `/devices/${encodeURIComponent(serial)}`) as Promise<{ serial: string; name?: string; model?: string; networkId?: string }>;
  }

  async getZones(serial: string): Promise<{ id: string; label: string | null }[]> {
    const list = await this.request('GET', `/devices/${encodeURIComponent(serial)}/camera/analytics/zones`);
    if (!Array.isArray(list)) throw new ApiError('zones: unexpected answer', 'bad-response');
    return list
      .filter((z): z is Record<string, unknown> => typeof z === 'object' && z !== null)
      .map((z) => ({ id: String(z.id ?? z.zoneId ?? ''), label: typeof z.label === 'string' ? z.label : null }))
      .filter((z) => z.id !== '');
  }

  async generateSnapshot(serial: string, isoTime?: string): Promise<Snapshot> {
    const body = isoTime ? { timestamp: isoTime } : {};
    const res = (await this.request('POST', `/devices/${encodeURIComponent(serial)}/camera/generateSnapshot`, { body })) as Record<string, unknown>;
    if (!res || typeof res.url !== 'string') throw new ApiError('generateSnapshot: no url in the answer', 'bad-response');
    const url = safeLink(res.url, this.baseUrl);
    if (url === null) throw new ApiError('generateSnapshot: the snapshot URL is not an https: link', 'bad-response');
    return { url, expiry: typeof res.expiry === 'string' ? res.expiry : null };
  }

  async videoLink(serial: string, isoTime?: string): Promise<string | null> {
    const query = isoTime ? `?timestamp=${encodeURIComponent(isoTime)}` : '';
    const res = (await this.request('GET', `/devices/${encodeURIComponent(serial)}/camera/videoLink${query}`)) as Record<string, unknown>;
    return res ? safeLink(res.url, this.baseUrl) : null;
  }

  // --- Areas & Lines (line-counter) ---

  /** The organisation of a camera: GET /devices/{serial} → its network → GET /networks/{id}. */
  async organizationOfDevice(serial: string): Promise<string> {
    const device = (await this.getDevice(serial)) as Record<string, unknown> | null;
    const networkId = device && typeof device.networkId === 'string' ? device.networkId : '';
    if (!networkId) throw new ApiError(`GET /devices/${serial}: no networkId in the answer`, 'bad-response');
    const network = (await this.request('GET', `/networks/${encodeURIComponent(networkId)}`)) as Record<string, unknown> | null;
    const org = network?.organizationId;
    if ((typeof org !== 'string' && typeof org !== 'number') || String(org) === '') throw new ApiError(`GET /networks/${networkId}: no organizationId in the answer`, 'bad-response');
    return String(org);
  }

  /** The crossing lines drawn on these cameras: GET /organizations/{orgId}/camera/boundaries/lines/byDevice. */
  async getLinesByDevice(orgId: string, serials: readonly string[]): Promise<BoundaryLine[]> {
    const query = serials.map((s) => `serials[]=${encodeURIComponent(s)}`).join('&');
    const list = await this.requestAll(`/organizations/${encodeURIComponent(orgId)}/camera/boundaries/lines/byDevice${query ? `?${query}` : ''}`);
    const out: BoundaryLine[] = [];
    for (const device of list) {
      if (typeof device !== 'object' || device === null || typeof (device as Record<string, unknown>).serial !== 'string') continue;
      const d = device as Record<string, unknown>;
      // documented as an array of boundaries; older pages show a single object
      const boundaries = Array.isArray(d.boundaries) ? d.boundaries : d.boundaries ? [d.boundaries] : [];
      for (const b of boundaries) {
        if (typeof b !== 'object' || b === null) continue;
        const r = b as Record<string, unknown>;
        if ((typeof r.id !== 'string' && typeof r.id !== 'number') || (r.type !== undefined && r.type !== 'line')) continue;
        out.push({ serial: d.serial as string, id: String(r.id), name: typeof r.name === 'string' ? r.name : null });
      }
    }
    return out;
  }

  /**
   * Crossings per line and interval: GET /organizations/{orgId}/camera/detections/history/
   * byBoundary/byInterval, every page (Link rel=next), flattened to intervals.
   */
  async getBoundaryHistory(orgId: string, q: BoundaryHistoryQuery): Promise<BoundaryInterval[]> {
    const params = [
      ...q.boundaryIds.map((id) => `boundaryIds[]=${encodeURIComponent(id)}`),
      // one object per range, as Rails reads `ranges[]interval=…&ranges[]startTime=…&ranges[]endTime=…`
      ...q.ranges.map((r) => `ranges[]interval=${q.intervalS ?? 3600}&ranges[]startTime=${encodeURIComponent(r.startTime)}&ranges[]endTime=${encodeURIComponent(r.endTime)}`),
      ...(q.boundaryTypes ?? []).map((t) => `boundaryTypes[]=${encodeURIComponent(t)}`),
      `perPage=${q.perPage ?? 1000}`,
    ];
    const list = await this.requestAll(`/organizations/${encodeURIComponent(orgId)}/camera/detections/history/byBoundary/byInterval?${params.join('&')}`);
    const out: BoundaryInterval[] = [];
    const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0);
    for (const entry of list) {
      if (typeof entry !== 'object' || entry === null) continue;
      const e = entry as Record<string, unknown>;
      if (typeof e.boundaryId !== 'string' && typeof e.boundaryId !== 'number') continue;
      // documented as one object, in practice an array
      const results = Array.isArray(e.results) ? e.results : e.results ? [e.results] : [];
      for (const r of results) {
        if (typeof r !== 'object' || r === null) continue;
        const x = r as Record<string, unknown>;
        const start = typeof x.startTime === 'string' ? Date.parse(x.startTime) : NaN;
        const end = typeof x.endTime === 'string' ? Date.parse(x.endTime) : NaN;
        if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
        out.push({ boundaryId: String(e.boundaryId), start, end, objectType: typeof x.objectType === 'string' ? x.objectType : null, in: count(x.in), out: count(x.out) });
      }
    }
    return out;
  }

  /**
   * Every page of a list: the answers' arrays, joined, following `Link: <…>; rel=next` (RFC 8288)
   * while it stays under the base URL (the key goes nowhere else), at most `maxPages` pages.
   */
  async requestAll(path: string, maxPages = 50): Promise<unknown[]> {
    const all: unknown[] = [];
    let next: string | null = path;
    for (let page = 0; next !== null; page++) {
      if (page >= maxPages) throw new ApiError(`GET ${path}: more than ${maxPages} pages`, 'bad-response');
      let link: string | null = null;
      const body = await this.request('GET', next, { onHeaders: (h) => (link = h.get('link')) });
      if (!Array.isArray(body)) throw new ApiError(`GET ${next}: expected a list`, 'bad-response');
      for (const item of body) all.push(item); // (not push(...body): a long page would overflow the stack)
      const url = nextLink(link);
      next = url === null ? null : this.pathUnderBase(url);
      if (url !== null && next === null) throw new ApiError(`GET ${path}: the next page is not under the API base URL`, 'bad-response');
    }
    return all;
  }

  /** An absolute or relative URL → its path and query below the base URL's path; null elsewhere. */
  private pathUnderBase(url: string): string | null {
    const base = new URL(this.baseUrl);
    let u: URL;
    try {
      u = new URL(url, this.baseUrl + '/');
    } catch {
      return null;
    }
    const basePath = base.pathname.replace(/\/+$/, '');
    if (!u.pathname.startsWith(basePath + '/')) return null;
    // the real API answers with its own host (api.meraki.com, or a shard): the path is what matters
    if (!this.mayCarryKey(u)) return null;
    return u.pathname.slice(basePath.length) + u.search;
  }

  /** One API call: rate-limited, timed out, retried after 429 (Retry-After) and 5xx. */
  async request(method: string, path: string, options: { body?: unknown; onHeaders?: (headers: Headers) => void } = {}): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      await this.limiter.take();
      const res = await this.send(method, this.baseUrl + path, options.body);
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers.get('retry-after'));
        this.limiter.pauseFor(wait);
        this.onEvent('rate-limited');
        await res.arrayBuffer().catch(() => undefined);
        if (attempt < this.retries) continue;
        throw new ApiError(`${method} ${path}: rate limited (429) ${attempt + 1} times`, 'rate-limited', 429);
      }
      if (res.status >= 500 && attempt < this.retries) {
        await res.arrayBuffer().catch(() => undefined);
        await sleep(500 * 2 ** attempt);
        continue;
      }
      const text = await res.text().catch((err: Error) => {
        const timedOut = err?.name === 'AbortError';
        throw new ApiError(`${method} ${path}: ${timedOut ? `no answer within ${this.timeoutMs} ms` : err?.message}`, timedOut ? 'timeout' : 'network', res.status);
      });
      if (res.status === 401 || res.status === 403) this.onEvent('unauthorised');
      if (!res.ok) throw new ApiError(`${method} ${path}: ${describe(res.status, text)}`, kindOf(res.status), res.status);
      this.onEvent('ok');
      options.onHeaders?.(res.headers);
      if (text === '') return null;
      try {
        return JSON.parse(text);
      } catch {
        throw new ApiError(`${method} ${path}: the answer is not JSON`, 'bad-response', res.status);
      }
    }
  }

  /** fetch with the key, a timeout, and redirects followed only where the key may go. */
  private async send(method: string, url: string, body: unknown): Promise<Response> {
    let target = url;
    for (let hops = 0; hops < 4; hops++) {
      const ctrl = new AbortController();
      const timer = setTimeout(() => ctrl.abort(), this.timeoutMs);
      let res: Response;
      try {
        res = await this.fetchImpl(target, {
          method,
          headers: {
            Authorization: `Bearer ${this.key}`,
            Accept: 'application/json',
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          redirect: 'manual',
          signal: ctrl.signal,
        });
      } catch (err) {
        clearTimeout(timer);
        const timedOut = ctrl.signal.aborted;
        throw new ApiError(
          timedOut ? `${method} ${pathOf(url, this.baseUrl)}: no answer within ${this.timeoutMs} ms` : `${method} ${pathOf(url, this.baseUrl)}: ${(err as Error).message}`,
          timedOut ? 'timeout' : 'network',
        );
      }
      // The timer runs on: it also bounds the reading of the body (a stalled body would hang).
      timer.unref?.();
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, target);
        if (!this.mayCarryKey(next)) throw new ApiError(`redirected to ${next.host}, which is not a Meraki host`, 'http', res.status);
        await res.arrayBuffer().catch(() => undefined);
        target = next.toString();
        continue;
      }
      return res;
    }
    throw new ApiError('too many redirects', 'http');
  }

  private mayCarryKey(url: URL): boolean {
    const base = new URL(this.baseUrl);
    if (url.host === base.host && url.protocol === base.protocol) return true;
    return url.protocol === 'https:' && (url.hostname === 'meraki.com' || url.hostname.endsWith('.meraki.com'));
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_LINK = 2048;

/**
 * A link from the Dashboard API (snapshot url, footage videoLink) as it may reach a message, or
 * null: only an absolute https: URL (http: too when the API base URL itself is http: on
 * loopback, as the fake API of demo/ is, and the link points to loopback as well). Never
 * javascript:, data: or a relative link: node-red-dashboard turns Angular's link sanitising off.
 */
export function safeLink(raw: unknown, baseUrl: string): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_LINK || !/^https?:\/\//i.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol === 'https:') return raw;
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) return null;
  try {
    const base = new URL(baseUrl);
    return base.protocol === 'http:' && LOOPBACK.has(base.hostname) ? raw : null;
  } catch {
    return null;
  }
}

function pathOf(url: string, base: string): string {
  return url.startsWith(base) ? url.slice(base.length) : new URL(url).pathname;
}

export function retryAfterMs(header: string | null): number {
  if (header) {
    const s = Number(header);
    if (Number.isFinite(s) && s >= 0) return Math.min(s * 1000, 60_000);
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.min(Math.max(at - Date.now(), 0), 60_000);
  }
  return 1000;
}

function kindOf(status: number): ApiErrorKind {
  if (status === 401) return 'unauthorised';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  return 'http';
}

/** Status and the API's own `{"errors": [...]}` text (the key is never in it). */
function describe(status: number, text: string): string {
  const what: Record<number, string> = {
    401: 'unauthorised (401): check the API key',
    403: 'forbidden (403): the key has no access to this device or organisation',
    404: 'not found (404)',
  };
  let detail = '';
  try {
    const body = JSON.parse(text);
    if (Array.isArray(body?.errors)) detail = body.errors.filter((e: unknown) => typeof e === 'string').join('; ').slice(0, 300);
  } catch {
    // not JSON
  }
  return (what[status] ?? `HTTP ${status}`) + (detail ? `: ${detail}` : '');
}
