/**
 * What the Scanning API receiver does with a post once it was checked (framework-free):
 *
 * - accept(): when a CSV store is wired to take the rows, the body is appended to the spool first
 *   (spool.ts) and only then may the 202 go; a post that the spool cannot take is refused.
 * - admits(): beyond `maxPendingBytes` of posts accepted and not yet stored (spooled, being
 *   normalised, or waiting for the CSV writer) a new post is refused (503) instead of queued.
 * - The queue works a slice per event-loop turn (a huge post never holds other requests up): the
 *   one-pass PostNormaliser (filtered, anonymised, times bounded), then one message per post
 *   (`output: post`: payload = its kept observations, `msg.post`) or per observation, each tagged
 *   with its spool entry (`msg._spool`) so that the CSV store writes it once and says so.
 * - replay(): the entries a restart found in the spool go the same way (kept settings: today's).
 */
import * as path from 'path';
import type { MacHashFormat } from './mac';
import { numberOption } from './options';
import { MAX_PENDING_MB } from './receiver-settings';
import { Observation, ObservationFilter, observationFilter, PostInfo, PostNormaliser, readPost } from './scanning';
import type { Spool, SpoolEntry, SpoolTag } from './spool';
import { futureToleranceMs } from './time';

export type Output = 'post' | 'observation';

export interface IntakeOptions {
  output: Output;
  filter: ObservationFilter;
  anonymise?: { salt: string; format: MacHashFormat };
  /** times ahead of the wall clock allowed (ms) */
  toleranceMs?: number;
  /** bytes of accepted posts not yet stored, beyond which posts are refused */
  maxPendingBytes: number;
}

/** The receiver's settings as the editor stores them. */
export interface ReceiverSettings {
  minRssi?: unknown; apMacs?: unknown; radio?: unknown; anonymise?: boolean; hashFormat?: string;
  futureToleranceS?: unknown; output?: string; maxPendingMB?: unknown;
}

/** Settings → intake options; throws a readable error for a bad one. A flow without `output` (older) keeps one message per observation. */
export function intakeOptions(config: ReceiverSettings, salt: string | undefined): IntakeOptions {
  if (config.anonymise && !salt) throw new Error('the privacy option needs a hash key');
  return {
    output: config.output === 'post' ? 'post' : 'observation',
    filter: observationFilter({ minRssi: config.minRssi, apMacs: config.apMacs, radio: config.radio }),
    anonymise: config.anonymise ? { salt: salt!, format: config.hashFormat === 'hex' ? 'hex' : 'mac' } : undefined,
    toleranceMs: futureToleranceMs(config.futureToleranceS),
    maxPendingBytes: numberOption('maxPendingMB', config.maxPendingMB, MAX_PENDING_MB) * 1024 * 1024,
  };
}

/**
 * Where a receiver spools: the folder setting (default `cmx-spool`) against Node-RED's user
 * directory when relative, a file name from the URL path (`/cmx` → `cmx`, `/a/b` → `a-b`).
 */
export function spoolLocation(userDir: string, setting: string | undefined, urlPath: string): { dir: string; name: string } {
  const dir = path.resolve(userDir, setting && setting.trim() ? setting.trim() : 'cmx-spool');
  return { dir, name: urlPath === '/' ? 'root' : urlPath.slice(1).replace(/\//g, '-') };
}

export interface IntakeEvents {
  send(msg: Record<string, unknown>): void;
  /** ids of the CSV stores that write what is sent (none: nothing is spooled) */
  stores(): readonly string[];
  /** observations sent; observations refused for their time, and why */
  sent(n: number): void;
  refused(n: number, reason: string): void;
  error(text: string): void;
}

/** Raw entries normalised, or messages sent, per event-loop turn. */
const SLICE = 2000;

interface Job {
  post: PostInfo;
  seq: number | null;
  bytes: number;
  work: PostNormaliser;
  list: Observation[] | null;
  sent: number;
}

export class CmxIntake {
  private readonly jobs: Job[] = [];
  private scheduled = false;
  /** body bytes accepted and not yet sent, when not spooled */
  private unsent = 0;
  private readonly hashes = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly options: IntakeOptions,
    private readonly events: IntakeEvents,
    private readonly spool: Spool | null,
  ) {}

  /** Bytes accepted and not yet stored (spooled) or sent (not spooled). */
  get pendingBytes(): number {
    return (this.spool?.pending.bytes ?? 0) + this.unsent;
  }

  /** Whether a post of `bytes` may come in now: one post always can when nothing waits. */
  admits(bytes: number): boolean {
    const pending = this.pendingBytes;
    return pending === 0 || pending + bytes <= this.options.maxPendingBytes;
  }

  /**
   * A checked post of `bytes` bytes: spooled first when a CSV store will write it; resolves when
   * it may be answered 202. `spoolText` gives its text for the spool (without the secret).
   */
  async accept(post: PostInfo, bytes: number, spoolText: () => Buffer): Promise<boolean> {
    if (this.closed) return false;
    if (this.spool && this.events.stores().length > 0) {
      const seq = await this.spool.append(spoolText());
      if (this.closed) {
        // The flow stopped meanwhile: the CSV store is gone. Refused (the sender posts it again),
        // so it must not come back from the spool either.
        this.spool.done(seq);
        return false;
      }
      this.enqueue(post, seq, 0);
    } else {
      this.enqueue(post, null, bytes);
    }
    return true;
  }

  /** Entries a restart found in the spool: sent on again (the CSV stores skip what they hold). */
  replay(entries: readonly SpoolEntry[]): void {
    for (const e of entries) {
      let v: ReturnType<typeof readPost>;
      try {
        v = readPost(JSON.parse(e.body.toString('utf8')));
      } catch {
        v = { ok: false, status: 400, error: 'invalid JSON' };
      }
      if (v.ok) this.enqueue(v.post, e.seq, 0);
      else {
        this.events.error(`spool entry ${e.seq} cannot be read (${v.error}): dropped`);
        this.spool?.done(e.seq);
      }
    }
  }

  /** Takes no more posts and does everything queued at once (the CSV stores take it before they close). */
  close(): void {
    this.closed = true;
    while (this.jobs.length) this.work(Infinity);
  }

  private enqueue(post: PostInfo, seq: number | null, bytes: number): void {
    const o = this.options;
    const work = new PostNormaliser(post, {
      filter: o.filter,
      anonymise: o.anonymise && { ...o.anonymise, cache: this.hashes },
      limits: o.toleranceMs === undefined ? undefined : { now: Date.now(), toleranceMs: o.toleranceMs },
    });
    this.jobs.push({ post, seq, bytes, work, list: null, sent: 0 });
    this.unsent += bytes;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.work(SLICE);
      } catch (err) {
        const job = this.jobs.shift();
        if (job) this.drop(job);
        this.events.error((err as Error).message);
      }
      this.schedule();
    });
  }

  /** Advances the queue by about `budget` entries; finished jobs leave it. */
  private work(budget: number): void {
    while (budget > 0 && this.jobs.length) {
      const job = this.jobs[0];
      if (!job.list) {
        const before = job.work.stats.read;
        job.work.step(budget);
        budget -= Math.max(1, job.work.stats.read - before);
        if (!job.work.done) return;
        job.list = job.work.result();
        if (job.work.refused) this.events.refused(job.work.refused, job.work.lastRefusal ?? '');
        if (job.seq !== null) this.spool!.expect(job.seq, job.list.length, this.events.stores());
      }
      budget -= this.send(job, budget);
      if (job.sent < job.list.length) return;
      this.jobs.shift();
      this.unsent -= job.bytes;
    }
  }

  /** Sends (part of) a normalised job; returns how many messages went. */
  private send(job: Job, budget: number): number {
    const list = job.list!;
    const { post } = job;
    const topic = `cmx/${post.radio}`;
    if (this.options.output === 'post') {
      const msg: Record<string, unknown> = { topic, payload: list, post: { version: post.version, type: post.type, count: list.length } };
      if (job.seq !== null) msg._spool = this.tag(job.seq, 0, list.length, list.length);
      job.sent = list.length;
      this.events.send(msg);
      this.events.sent(list.length);
      return 1;
    }
    const end = Math.min(list.length, job.sent + Math.max(1, budget));
    const from = job.sent;
    for (; job.sent < end; job.sent++) {
      const msg: Record<string, unknown> = { topic, payload: list[job.sent] };
      if (job.seq !== null) msg._spool = this.tag(job.seq, job.sent, 1, list.length);
      this.events.send(msg);
    }
    if (end > from) this.events.sent(end - from);
    return end - from;
  }

  private tag(seq: number, from: number, count: number, total: number): SpoolTag {
    return { spool: this.spool!.id, seq, from, count, total };
  }

  private drop(job: Job): void {
    this.unsent -= job.bytes;
    if (job.seq !== null) this.spool?.done(job.seq);
  }
}

/**
 * The text of an accepted post for the spool: the raw body with the secret's value blanked
 * (same length, so it stays valid JSON), or the parsed body written anew without it when the raw
 * text is not at hand or spells the secret another way.
 */
export function spoolBody(raw: Buffer | null, body: Record<string, unknown>, secret: string): Buffer {
  if (raw && secret) {
    const value = Buffer.from(JSON.stringify(secret));
    let found = false;
    for (let i = raw.indexOf(value); i >= 0; i = raw.indexOf(value, i + value.length)) {
      if (!isSecretMember(raw, i)) continue;
      raw.fill(0x2a, i + 1, i + value.length - 1); // '*'
      found = true;
    }
    if (found) return raw;
  }
  return Buffer.from(JSON.stringify({ ...body, secret: '' }));
}

/** Whether the string at `i` is the value of a `"secret"` member: `"secret" : <here>`. */
function isSecretMember(buf: Buffer, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && (buf[k] === 0x20 || buf[k] === 0x09 || buf[k] === 0x0a || buf[k] === 0x0d)) k--;
  if (buf[k] !== 0x3a) return false; // ':'
  k--;
  while (k >= 0 && (buf[k] === 0x20 || buf[k] === 0x09 || buf[k] === 0x0a || buf[k] === 0x0d)) k--;
  const key = Buffer.from('"secret"');
  return k - key.length + 1 >= 0 && buf.subarray(k - key.length + 1, k + 1).equals(key);
}

/** What a receiver's status shows: observations sent in the last minute, refusals by status code, times refused. */
export class ReceiverFigures {
  readonly sent = new MinuteCount();
  readonly rejected: Record<number, number> = {};
  /** the last refusal, cleared by the next accepted post */
  last: { code: number; reason: string; n: number } | null = null;
  refusedTimes = 0;
  private readonly warned = new Map<string, number>();

  reject(code: number, reason: string): void {
    this.rejected[code] = (this.rejected[code] ?? 0) + 1;
    this.last = { code, reason, n: this.rejected[code] };
  }

  /** True at most once a minute per key: when to log about it. */
  warnDue(key: string, now = Date.now()): boolean {
    if ((this.warned.get(key) ?? 0) > now - 60_000) return false;
    this.warned.set(key, now);
    return true;
  }
}

/** A count over the last minute (in one-second buckets), for a status text. */
export class MinuteCount {
  private readonly buckets = new Array<number>(60).fill(0);
  private second = 0;

  add(n: number, now = Date.now()): void {
    this.advance(now);
    this.buckets[this.second % 60] += n;
  }

  total(now = Date.now()): number {
    this.advance(now);
    return this.buckets.reduce((a, b) => a + b, 0);
  }

  private advance(now: number): void {
    const s = Math.floor(now / 1000);
    if (s - this.second >= 60) this.buckets.fill(0);
    else for (let k = this.second + 1; k <= s; k++) this.buckets[k % 60] = 0;
    this.second = Math.max(this.second, s);
  }
}
