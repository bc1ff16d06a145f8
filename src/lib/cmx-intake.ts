/**
 * What the Scanning API receiver does with a post once its worker checked and processed it
 * (post-processor.ts; framework-free):
 *
 * - accept(): when a CSV store is wired to take the rows, the post (as the spool keeps it) is
 *   appended to the spool first (spool.ts) and only then may the 202 go; a post that the spool
 *   cannot take is refused.
 * - admits(): beyond `maxPendingBytes` of posts accepted and not yet stored (spooled, or waiting
 *   for the CSV writer) a new post is refused (503) instead of queued.
 * - The queue works a slice per event-loop turn (a huge post never holds other requests up): the
 *   observations rebuilt from the worker's columns (post-codec.ts), then one message per post
 *   (`output: post`: payload = its kept observations, `msg.post`, and the CSV lines the worker
 *   formatted, attached for the stores wired directly, csv.ts) or per observation, each tagged
 *   with its spool entry (`msg._spool`) so that the CSV store writes it once and says so.
 * - replay(): the entries a restart found in the spool go through the worker again (kept
 *   settings: today's) and on the same way.
 */
import * as path from 'path';
import { Cooldown } from './cooldown';
import { attachLines } from './csv';
import type { MacHashFormat } from './mac';
import { numberOption } from './options';
import { decodeInto, EncodedObservations } from './post-codec';
import { LINE_COLUMNS, PostReply, PostSummary, ProcessedPost } from './post-processor';
import type { Submission } from './post-worker';
import { MAX_PENDING_MB } from './receiver-settings';
import { Observation, ObservationFilter, observationFilter } from './scanning';
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
  /**
   * The CSV store that gets the very array sent (Node-RED's first wire; the others get copies): the
   * worker's lines are made for it alone (none: not made)
   */
  firstStore?(): string | null;
  /** observations sent; observations refused for their time, and why */
  sent(n: number): void;
  refused(n: number, reason: string): void;
  error(text: string): void;
}

/** Observations rebuilt, or messages sent, per event-loop turn. */
const SLICE = 2000;
/** A replayed entry that the worker could not take (it stopped) is tried this often. */
const REPLAY_TRIES = 3;

interface Job {
  post: PostSummary;
  seq: number | null;
  bytes: number;
  encoded: EncodedObservations;
  lines: Uint8Array | null;
  list: Observation[];
  refused: number;
  lastRefusal: string | null;
  sent: number;
}

export class CmxIntake {
  private readonly jobs: Job[] = [];
  private scheduled = false;
  /** body bytes accepted and not yet sent, when not spooled */
  private unsent = 0;
  private closed = false;

  constructor(
    private readonly options: IntakeOptions,
    private readonly events: IntakeEvents,
    private readonly spool: Spool | null,
    /** the post worker (post-worker.ts): replayed entries go through it again */
    private readonly process: (req: Submission) => Promise<PostReply>,
    /** whether the worker runs now (a replay waits while it starts again, without counting a try) */
    private readonly processing: () => boolean = () => true,
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

  /** Whether the worker is to format the CSV lines of the posts: one message per post, and a store wired. */
  get wantsLines(): boolean {
    return this.options.output === 'post' && !!this.events.firstStore?.();
  }

  /**
   * A checked and processed post of `bytes` bytes: spooled first when a CSV store will write it;
   * resolves when it may be answered 202.
   */
  async accept(p: ProcessedPost, bytes: number): Promise<boolean> {
    if (this.closed) return false;
    if (this.spool && this.events.stores().length > 0) {
      const text = p.spool ? Buffer.from(p.spool.buffer, p.spool.byteOffset, p.spool.byteLength) : Buffer.alloc(0);
      const seq = await this.spool.append(text);
      if (this.closed) {
        // The flow stopped meanwhile: the CSV store is gone. Refused (the sender posts it again),
        // so it must not come back from the spool either.
        this.spool.done(seq);
        return false;
      }
      this.enqueue(p, seq, 0);
    } else {
      this.enqueue(p, null, bytes);
    }
    return true;
  }

  /** Entries a restart found in the spool: processed and sent on again (the CSV stores skip what they hold). */
  replay(entries: readonly SpoolEntry[]): void {
    void (async () => {
      // One at a time, so that the worker's queue bound holds and one entry's trouble is its own.
      for (const e of entries) if (!this.closed) await this.replayOne(e);
    })().catch((err: Error) => this.events.error(err.message));
  }

  private async replayOne(e: SpoolEntry): Promise<void> {
    for (let attempt = 1; !this.closed; ) {
      if (!this.processing()) {
        await pause(250); // the worker starts again: not this entry's fault
        continue;
      }
      // (a copy with a buffer of its own: the entry is a view of a whole spool file)
      const r = await this.process({ kind: 'replay', body: new Uint8Array(e.body), now: Date.now(), lines: this.wantsLines });
      if (this.closed) return; // stays in the spool for the next start
      if (r.ok) return this.enqueue(r, e.seq, 0);
      if (r.status !== 503) {
        this.events.error(`spool entry ${e.seq} cannot be read (${r.error}): dropped`);
        return this.spool?.done(e.seq);
      }
      if (attempt >= REPLAY_TRIES) {
        // Kept for the next start, but no longer counted as waiting (it would hold new posts back).
        this.events.error(`spool entry ${e.seq} could not be processed (${r.fault ?? r.error}): kept for the next start`);
        return this.spool?.park(e.seq);
      }
      await pause(500 * attempt++);
    }
  }

  /** Takes no more posts and does everything queued at once (the CSV stores take it before they close). */
  close(): void {
    this.closed = true;
    while (this.jobs.length) this.workOrDrop(Infinity);
  }

  private enqueue(p: ProcessedPost, seq: number | null, bytes: number): void {
    this.jobs.push({
      post: p.post, seq, bytes, encoded: p.observations, lines: p.lines, list: [], refused: p.refused, lastRefusal: p.lastRefusal, sent: 0,
    });
    this.unsent += bytes;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.workOrDrop(SLICE);
      this.schedule();
    });
  }

  /** work(), and a job it fails on is dropped with an error (the queue goes on). */
  private workOrDrop(budget: number): void {
    try {
      this.work(budget);
    } catch (err) {
      const job = this.jobs.shift();
      if (job) this.drop(job);
      this.events.error((err as Error).message);
    }
  }

  /** Advances the queue by about `budget` observations; finished jobs leave it. */
  private work(budget: number): void {
    while (budget > 0 && this.jobs.length) {
      const job = this.jobs[0];
      const n = job.encoded.n;
      if (job.list.length < n || (n === 0 && job.sent === 0)) {
        const before = job.list.length;
        decodeInto(job.encoded, job.list, before + budget);
        budget -= Math.max(1, job.list.length - before);
        if (job.list.length < n) return;
        if (job.refused) this.events.refused(job.refused, job.lastRefusal ?? '');
        if (job.seq !== null) this.spool!.expect(job.seq, n, this.events.stores());
      }
      budget -= this.send(job, budget);
      if (job.sent < n) return;
      this.jobs.shift();
      this.unsent -= job.bytes;
    }
  }

  /** Sends (part of) a job; returns how many messages went. */
  private send(job: Job, budget: number): number {
    const list = job.list;
    const { post } = job;
    const topic = `cmx/${post.radio}`;
    if (this.options.output === 'post') {
      const msg: Record<string, unknown> = { topic, payload: list, post: { version: post.version, type: post.type, count: list.length } };
      if (job.seq !== null) msg._spool = this.tag(job.seq, 0, list.length, list.length);
      const first = job.lines && this.events.firstStore?.();
      if (first) attachLines(list, { columns: LINE_COLUMNS, bytes: job.lines!, rows: list.length, for: first });
      job.sent = Math.max(1, list.length);
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

/** What a receiver's status shows: observations sent in the last minute, refusals by status code, times refused. */
export class ReceiverFigures {
  readonly sent = new MinuteCount();
  readonly rejected: Record<number, number> = {};
  /** the last refusal, cleared by the next accepted post */
  last: { code: number; reason: string; n: number } | null = null;
  refusedTimes = 0;
  private readonly warned = new Cooldown();

  reject(code: number, reason: string): void {
    this.rejected[code] = (this.rejected[code] ?? 0) + 1;
    this.last = { code, reason, n: this.rejected[code] };
  }

  /** True at most once a minute per key: when to log about it. */
  warnDue(key: string, now = Date.now()): boolean {
    return this.warned.due(key, now);
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

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}
