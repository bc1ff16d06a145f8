/**
 * A small client for the Meraki Dashboard API v1: Bearer key, request timeouts, one token-bucket
 * rate limiter per key (10 requests/s by default, the organisation's limit), 429 Retry-After
 * honoured (the limiter pauses for everyone), redirects followed with the key only to Meraki hosts
 * or the configured base, readable errors that never contain the key. Framework-free.
 */

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

  getDevice(serial: string): Promise<{ serial: string; name?: string; model?: string }> {
    return this.request('GET', `/devices/${encodeURIComponent(serial)}`) as Promise<{ serial: string; name?: string; model?: string }>;
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

  /** One API call: rate-limited, timed out, retried after 429 (Retry-After) and 5xx. */
  async request(method: string, path: string, options: { body?: unknown } = {}): Promise<unknown> {
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
