/**
 * The Scanning API receiver's POST path, from the request to the answer (framework-free: plain
 * node:http request and response; the cmx-receiver node adds routes, settings and status):
 *
 *   admission   starting → wait for the spool; failed/closed → 503; accepted posts not yet stored
 *               past the bound (cmx-intake) or bodies queued at the worker past its bound → 503
 *               with Retry-After; the process-wide body budget (http-body) → 503, connection closed
 *   body        read with the size limit (413) and the slow-body cut-off (408), not parsed here
 *   worker      JSON.parse, the SPEC's checks in order, normalisation, CSV lines (post-worker.ts,
 *               on a worker thread): 400/403 answered from its verdict; 503 when it stopped
 *   accept      spooled and handed to the OS when a csv-store is wired (cmx-intake), then 202
 *
 * Then the post goes on from the intake's queue. open() opens the spool, waits for the wired
 * nodes and replays what a crash left; close() takes no more, finishes what was accepted and
 * stops the worker.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { CmxIntake, IntakeEvents, IntakeOptions } from './cmx-intake';
import { BodyBudget, BUDGET_DEFAULTS, declaredLength, readJsonBody, RETRY_AFTER_S as BUDGET_RETRY_S } from './http-body';
import { PostWorkerPool } from './post-worker';
import { Spool } from './spool';

/** Seconds a sender refused for a backlog is asked to wait. */
const RETRY_AFTER_S = 2;

export interface EndpointSettings {
  secret: string;
  /** body limit (bytes): larger posts are answered 413 */
  limit: number;
  intake: IntakeOptions;
  spool: { dir: string; name: string };
  budget: BodyBudget;
  worker: ReceiverWorkerSettings;
}

/** How receivers run their post workers (Node-RED settings, see receiverProcessSettings). */
export interface ReceiverWorkerSettings {
  /** false: on Node-RED's own thread */
  thread: boolean;
  heapMB?: number;
  /** worker threads per receiver (undefined: defaultWorkerCount()) */
  count?: number;
}

export interface EndpointEvents extends IntakeEvents {
  /** a post was answered `code` (not 202); `from`: the sender's address */
  rejected(code: number, error: string, from: string): void;
  /** a post was answered 202 */
  accepted(): void;
  /** the spool is open; `replayed` entries from before are sent again */
  opened(replayed: number): void;
  /** the spool cannot be used: every post is refused */
  spoolFailed(reason: string): void;
  /** the post worker stopped; a new one starts in `restartMs` */
  workerStopped(reason: string, restartMs: number): void;
  warn(text: string): void;
}

/**
 * The process-wide parts of the receivers' settings (settings.js: cmxBodyBudgetMB,
 * cmxMaxRequests, cmxWorker, cmxWorkers, cmxWorkerHeapMB).
 */
export function receiverProcessSettings(s: { cmxBodyBudgetMB?: unknown; cmxMaxRequests?: unknown; cmxWorker?: unknown; cmxWorkers?: unknown; cmxWorkerHeapMB?: unknown }): {
  budget: BodyBudget;
  worker: ReceiverWorkerSettings;
} {
  const positive = (v: unknown): number | undefined => (Number(v) > 0 ? Number(v) : undefined);
  const mb = positive(s.cmxBodyBudgetMB);
  const requests = positive(s.cmxMaxRequests);
  return {
    budget: new BodyBudget(mb ? Math.round(mb * 1024 * 1024) : BUDGET_DEFAULTS.bytes, requests ? Math.floor(requests) : BUDGET_DEFAULTS.requests),
    worker: { thread: s.cmxWorker !== false && s.cmxWorker !== 'false', heapMB: positive(s.cmxWorkerHeapMB), count: positive(s.cmxWorkers) },
  };
}

export class CmxEndpoint {
  state: 'starting' | 'ready' | 'failed' | 'closed' = 'starting';
  readonly spool: Spool;
  readonly intake: CmxIntake;
  readonly worker: PostWorkerPool;
  private ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: EndpointSettings,
    private readonly events: EndpointEvents,
  ) {
    const o = settings.intake;
    this.spool = new Spool({ ...settings.spool, warn: (t) => events.warn(t) });
    this.worker = new PostWorkerPool({
      config: { secret: settings.secret, filter: o.filter, anonymise: o.anonymise, toleranceMs: o.toleranceMs },
      thread: settings.worker.thread,
      heapMB: settings.worker.heapMB,
      count: settings.worker.count,
      // (the same bound as for accepted posts: bodies waiting for the worker are not stored yet either)
      maxQueueBytes: o.maxPendingBytes,
      stopped: (reason, ms) => events.workerStopped(reason, ms),
    });
    this.intake = new CmxIntake(o, events, this.spool, (req) => this.worker.submit(req), () => this.worker.ready);
  }

  /** Opens the spool; once every node in `wired` exists, replays what a crash left (posts wait for it). */
  open(wired: () => boolean): void {
    this.ready = this.spool.open().then(async (pending) => {
      for (let i = 0; i < 250 && this.state === 'starting' && !wired(); i++) await new Promise((r) => setTimeout(r, 20));
      if (this.state !== 'starting') return;
      this.state = 'ready';
      this.events.opened(pending.length);
      this.intake.replay(pending);
    }).catch((err: Error) => {
      // (the spool could not be opened, or the start failed after it: every post is refused, said once)
      if (this.state === 'closed') return;
      this.state = 'failed';
      this.events.spoolFailed(err.message);
    });
  }

  /** Handles a POST (never rejects). */
  async post(req: IncomingMessage & { _body?: boolean; body?: unknown }, res: ServerResponse): Promise<void> {
    if (this.state === 'starting') await this.ready;
    if (this.state !== 'ready') return this.reject(req, res, 503, this.state === 'failed' ? 'spool unavailable' : 'closed');
    const length = declaredLength(req) ?? 0;
    if (!this.intake.admits(length) || !this.worker.admits(length)) {
      return this.reject(req, res, 503, this.worker.ready ? 'busy, retry later' : 'the post worker is starting again, retry later');
    }
    // Let in by the body budget before the body is read (a body over the limit is answered 413 first).
    const declared = declaredLength(req);
    const ticket = req._body === true || (declared !== null && declared > this.settings.limit) ? null : this.settings.budget.admit(declared);
    if (typeof ticket === 'string') return this.reject(req, res, 503, ticket === 'requests' ? 'too many posts at once' : 'too many bodies in flight', true);
    try {
      const read = await readJsonBody(req, this.settings.limit, { ticket: ticket ?? undefined, raw: true, parse: false });
      if (!read.ok) return this.reject(req, res, read.status, read.error, read.status === 503);
      // (the body budget holds the bytes until the worker is done with them)
      const raw = read.raw ?? null;
      const reply = await this.worker.submit({ kind: 'post', body: raw, parsed: raw ? undefined : read.body, bytes: read.bytes, now: Date.now(), lines: this.intake.wantsLines });
      ticket?.release();
      if (!reply.ok) {
        if (reply.fault) this.events.error(reply.fault);
        return this.reject(req, res, reply.status, reply.error);
      }
      if (!(await this.intake.accept(reply, read.bytes))) return this.reject(req, res, 503, 'closed');
      this.events.accepted();
      answer(res, 202, '{"status":"accepted"}');
    } catch (err) {
      if (!res.headersSent) this.reject(req, res, 503, 'could not keep the post, retry later');
      this.events.error((err as Error).message);
    } finally {
      ticket?.release();
    }
  }

  /** Takes no more posts, sends on what was accepted, stops the worker; waits up to 5 s for the stores. */
  async close(): Promise<void> {
    this.state = 'closed';
    // Each step runs even when one before it failed (the first failure is reported after).
    const failures: unknown[] = [];
    const step = async (f: () => unknown): Promise<void> => {
      try {
        await f();
      } catch (err) {
        failures.push(err);
      }
    };
    await step(() => this.intake.close());
    await step(() => this.worker.close());
    await step(() => this.spool.settled(5000));
    await step(() => this.spool.close());
    if (failures.length) throw failures[0];
  }

  private reject(req: IncomingMessage, res: ServerResponse, code: number, error: string, budgetRefusal = false): void {
    this.events.rejected(code, error, (req as { ip?: string }).ip ?? req.socket?.remoteAddress ?? '?');
    if (code === 408 || budgetRefusal) {
      // Too many bodies in flight, or too slow: the body is not read; the connection goes after the answer.
      res.setHeader('Connection', 'close');
      if (budgetRefusal) res.setHeader('Retry-After', String(BUDGET_RETRY_S));
      res.on('finish', () => req.socket?.destroy());
    } else {
      // Read the rest and throw it away, so that the sender gets the answer instead of a reset
      // connection; past 4× the limit, close the connection instead.
      if ((declaredLength(req) ?? 0) > 4 * this.settings.limit) res.setHeader('Connection', 'close');
      else if (!req.complete) req.resume();
      if (code === 503) res.setHeader('Retry-After', String(RETRY_AFTER_S));
    }
    answer(res, code, JSON.stringify({ error }));
  }
}

function answer(res: ServerResponse, code: number, json: string): void {
  res.statusCode = code;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
