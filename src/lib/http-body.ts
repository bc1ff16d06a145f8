/**
 * Reads a JSON request body with a size limit, whether or not an earlier middleware (Node-RED's
 * admin app parses every JSON body when the editor is at `/`) already parsed it; and bounds what
 * bodies may cost (issue 10: 80 connections half-sending 25 MB took Node-RED to 2.1 GB, and
 * 20,000 slow ones stopped all service):
 * - BodyBudget: the body bytes in flight across all requests of the process, and the requests
 *   being read at once. A request that would go over either is refused (503 + Retry-After)
 *   before its body is read: a declared Content-Length is reserved whole at once; a body without
 *   one is charged as it arrives. A single request is always let in when none is in flight, so
 *   that a post up to the limit gets through even with a small budget.
 * - a slow body is cut off (408): no byte for `idleMs`, or, after `graceMs`, less than
 *   `minBytesPerS` on average since the headers.
 * Pure: no Node-RED; the receiver answers with what these say.
 */
import type { IncomingMessage } from 'http';
import { failed, ok, Result } from './result';

/** `raw` (asked with `{ raw: true }`): the bytes read, null when an earlier middleware parsed the body (then `body` is set, whatever `parse` says). */
export type BodyResult = { ok: true; body: unknown; bytes: number; raw?: Buffer | null } | { ok: false; status: 400 | 408 | 413 | 503; error: string };

type MaybeParsed = IncomingMessage & { body?: unknown; _body?: boolean };

export interface BodyLimits {
  /** the budget this request was let in by (admit()); charged as chunks arrive, released at the end */
  ticket?: BodyTicket;
  /** no byte for this long → 408 (default 30 s) */
  idleMs?: number;
  /** after graceMs (default 10 s), a body arriving slower than this on average → 408 (default 64 KiB/s) */
  minBytesPerS?: number;
  graceMs?: number;
  /** hand back the bytes read as `raw` (the receiver spools them) */
  raw?: boolean;
  /** false: the body is not parsed here (`body` undefined, `raw` the bytes; the receiver's worker parses it) */
  parse?: boolean;
}

export const BODY_DEFAULTS = Object.freeze({ idleMs: 30_000, minBytesPerS: 64 * 1024, graceMs: 10_000 });
/** Process-wide defaults of the budget: 64 MB of bodies and 64 requests read at once. */
export const BUDGET_DEFAULTS = Object.freeze({ bytes: 64 * 1024 * 1024, requests: 64 });
/** Seconds a refused sender is asked to wait (Retry-After). */
export const RETRY_AFTER_S = 10;

/** The Content-Length a request declares, or null. */
export function declaredLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** What one admitted request holds of the budget. */
export class BodyTicket {
  private held: number;
  private used = 0;
  private released = false;

  constructor(
    private readonly budget: BodyBudget,
    reserved: number,
  ) {
    this.held = reserved;
  }

  /** `n` more bytes arrived; false when they do not fit in the budget (then stop reading). */
  charge(n: number): boolean {
    this.used += n;
    if (this.used <= this.held) return true;
    const more = this.used - this.held;
    if (!this.budget.take(more, this.budget.requests === 1)) return false;
    this.held += more;
    return true;
  }

  /** Gives back what it held (once). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.held);
    this.held = 0;
  }
}

/** Body bytes in flight and requests being read, process-wide (see the top of this file). */
export class BodyBudget {
  bytes = 0;
  requests = 0;
  /** refusals, by reason */
  readonly refused = { bytes: 0, requests: 0 };

  constructor(
    readonly maxBytes: number = BUDGET_DEFAULTS.bytes,
    readonly maxRequests: number = BUDGET_DEFAULTS.requests,
  ) {}

  /**
   * Lets a request in, reserving its declared length (null: charged as it arrives), or says why
   * not: 'requests' (too many read at once) or 'bytes' (the budget is spent).
   */
  admit(declared: number | null): BodyTicket | 'requests' | 'bytes' {
    if (this.requests >= this.maxRequests) {
      this.refused.requests += 1;
      return 'requests';
    }
    const need = declared ?? 0;
    if (!this.take(need, this.requests === 0)) {
      this.refused.bytes += 1;
      return 'bytes';
    }
    this.requests += 1;
    return new BodyTicket(this, need);
  }

  /** @internal: `alone` (no other request in flight) is let through whatever the budget: the limit bounds it */
  take(n: number, alone: boolean): boolean {
    if (this.bytes + n > this.maxBytes && !alone) return false;
    this.bytes += n;
    return true;
  }

  /** @internal */
  give(n: number): void {
    this.bytes -= n;
    this.requests -= 1;
  }
}

export function readJsonBody(req: MaybeParsed, limit: number, limits: BodyLimits = {}): Promise<BodyResult> {
  const declared = declaredLength(req) ?? NaN;
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve({ ok: false, status: 413, error: `body larger than ${limit} bytes` });
  }
  if (req._body) {
    // Parsed upstream (body-parser marks it so); its own limit applied.
    const bytes = Number.isFinite(declared) ? declared : 0;
    return Promise.resolve(limits.raw ? { ok: true, body: req.body, bytes, raw: null } : { ok: true, body: req.body, bytes });
  }
  const idleMs = limits.idleMs ?? BODY_DEFAULTS.idleMs;
  const minRate = limits.minBytesPerS ?? BODY_DEFAULTS.minBytesPerS;
  const graceMs = limits.graceMs ?? BODY_DEFAULTS.graceMs;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const started = Date.now();
    let lastData = started;
    const timer = setInterval(() => {
      const now = Date.now();
      if (now - lastData >= idleMs) {
        cut(408, `no data for ${Math.round(idleMs / 1000)} s`);
      } else if (now - started >= graceMs && size / ((now - started) / 1000) < minRate) {
        cut(408, `body slower than ${Math.round(minRate / 1024)} KiB/s`);
      }
    }, Math.max(10, Math.min(1000, idleMs / 4, graceMs / 4)));
    timer.unref?.();
    /** Stops reading: what came is dropped, the answer is `status`. */
    const cut = (status: 408 | 413 | 503, why: string): void => {
      chunks.length = 0;
      req.pause();
      finish({ ok: false, status, error: why });
    };
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      lastData = Date.now();
      if (size > limit) return cut(413, `body larger than ${limit} bytes`);
      if (limits.ticket && !limits.ticket.charge(chunk.length)) return cut(503, 'too many bodies in flight');
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const raw = Buffer.concat(chunks, size);
      if (limits.parse === false) return finish({ ok: true, body: undefined, bytes: size, raw });
      const parsed = parseJsonBytes(raw);
      if (!parsed.ok) return finish({ ok: false, status: 400, error: parsed.reason });
      const body = parsed.value;
      finish(limits.raw ? { ok: true, body, bytes: size, raw } : { ok: true, body, bytes: size });
    };
    const onError = (): void => finish({ ok: false, status: 400, error: 'request aborted' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** UTF-8 JSON bytes (a leading byte-order mark allowed) → the value, or failed('invalid JSON'). */
export function parseJsonBytes(raw: Uint8Array): Result<unknown> {
  let text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return ok(JSON.parse(text));
  } catch {
    return failed('invalid JSON');
  }
}
