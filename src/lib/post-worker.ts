/**
 * The receiver's side of its post workers (post-worker-thread.ts): long-lived worker threads
 * started with the receiver and terminated when it closes. PostWorker is one thread: the posts
 * sent to it go in order and their replies come back in order (one request at a time on the
 * thread). PostWorkerPool is what a receiver uses: `count` of them (settings `cmxWorkers`; default
 * two, one on a single-CPU machine), each post sent to the ready one with the fewest bytes waiting,
 * so that parsing, the heaviest step, runs on as many cores as there are posts (one thread was the
 * busiest of the path: the machine sat idle while posts queued for it). Bounded: bodies queued at
 * the workers beyond `maxQueueBytes` (all of them together) are refused (503) before they are sent,
 * one is always let in when none waits. A worker that dies (an uncaught error, its heap bound
 * reached) is started again (at once, then after a growing pause while it keeps dying); the
 * requests it held are answered 503 (the sender posts them again: none was acknowledged) while the
 * others go on taking posts. With `thread: false` the same PostProcessor runs on this thread
 * (settings `cmxWorker: false`), with the same replies. Framework-free.
 */
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { alone, PostProcessor, PostReply, PostRequest, ProcessorConfig } from './post-processor';

export interface PostWorkerOptions {
  config: ProcessorConfig;
  /** on a worker thread (default) or on this thread */
  thread?: boolean;
  /** the worker's heap bound (old generation, MB): a post that needs more stops the worker, not Node-RED */
  heapMB?: number;
  /** bytes of bodies queued at the worker beyond which a post is refused */
  maxQueueBytes?: number;
  /** the worker stopped (and why); it is started again in `restartMs` */
  stopped?(reason: string, restartMs: number): void;
  /** a request not answered within this long stops the worker (ms; REPLY_TIMEOUT_MS) */
  replyTimeoutMs?: number;
  /** @internal the worker's script (tests) */
  script?: string;
}

export const WORKER_DEFAULTS = Object.freeze({ heapMB: 1024, maxQueueBytes: 64 * 1024 * 1024 });
/** Pauses before a restart while the worker keeps dying (ms): at once, then growing to 10 s. */
const RESTART_MS = [0, 250, 1000, 4000, 10_000];
/** A worker that ran this long without dying starts the pauses over. */
const STABLE_MS = 60_000;

/** A request; `bytes`: what it weighs against the queue bound (default: its body's length; give it for a parsed body). */
export type Submission = Omit<PostRequest, 'id'> & { bytes?: number };

/** A request not answered within this long stops the worker (it is started again; all it held are answered 503). */
export const REPLY_TIMEOUT_MS = 60_000;

interface Waiting {
  resolve: (r: PostReply) => void;
  bytes: number;
  timer: NodeJS.Timeout;
}

export class PostWorker {
  private worker: Worker | null = null;
  private inline: PostProcessor | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private queued = 0;
  private nextId = 1;
  private deaths = 0;
  private startedAt = 0;
  private restart: NodeJS.Timeout | null = null;
  private reason = '';
  private closed = false;
  /** why the worker is being stopped for a stalled request */
  private stalled: string | null = null;
  /** workers started, and stopped by a fault (for the status and tests) */
  readonly counts = { started: 0, died: 0 };

  constructor(private readonly options: PostWorkerOptions) {
    if (options.thread === false) this.inline = new PostProcessor(options.config);
    else this.start();
  }

  /** Whether posts can be processed now (false while a stopped worker waits to be started again). */
  get ready(): boolean {
    return !this.closed && (this.inline !== null || this.worker !== null);
  }

  /** Bytes of the bodies sent and not answered yet. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Whether a body of `bytes` may be sent now. */
  admits(bytes: number): boolean {
    return this.ready && fits(this.queued, bytes, this.options.maxQueueBytes);
  }

  /**
   * Processes a request; its body's buffer is moved to the worker (do not use it afterwards).
   * Resolves with the reply (never rejects): 503 when the worker is not running or stopped meanwhile.
   */
  submit(req: Submission): Promise<PostReply> {
    const id = this.nextId++;
    if (this.inline) {
      const { reply } = this.inline.handle({ ...req, id });
      return Promise.resolve(reply);
    }
    const w = this.worker;
    if (!w) return Promise.resolve(busy(id, this.reason || 'closed'));
    const { bytes = req.body?.byteLength ?? 0, ...request } = req;
    const body = request.body && alone(request.body);
    return new Promise<PostReply>((resolve) => {
      const timer = setTimeout(() => this.stall(w), this.options.replyTimeoutMs ?? REPLY_TIMEOUT_MS);
      timer.unref?.();
      this.waiting.set(id, { resolve, bytes, timer });
      this.queued += bytes;
      if (this.waiting.size === 1) w.ref();
      try {
        w.postMessage({ ...request, body, id }, body ? [body.buffer as ArrayBuffer] : []);
      } catch (err) {
        // (a parsed body that cannot be copied to the thread, say)
        this.answer({ id, ok: false, status: 503, error: 'could not process the post, retry later', fault: (err as Error).message });
      }
    });
  }

  /** Terminates the worker; requests still waiting are answered 503. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.restart) clearTimeout(this.restart);
    this.restart = null;
    const w = this.worker;
    this.worker = null;
    this.fail('closed');
    if (w) await w.terminate().catch(() => undefined);
  }

  private start(): void {
    const ts = __filename.endsWith('.ts');
    const script = this.options.script ?? path.join(__dirname, ts ? 'post-worker-thread.ts' : 'post-worker-thread.js');
    let w: Worker;
    try {
      w = new Worker(script, {
        workerData: this.options.config,
        // (not the process's flags: some do not apply to a thread; tsx when running from source)
        execArgv: ts || script.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [],
        resourceLimits: { maxOldGenerationSizeMb: this.options.heapMB ?? WORKER_DEFAULTS.heapMB },
        stdout: false,
        stderr: false,
      });
    } catch (err) {
      // (no thread could be started: tried again later, like a worker that died)
      this.startedAt = Date.now();
      this.died(`it could not start (${(err as Error).message})`);
      return;
    }
    this.worker = w;
    this.startedAt = Date.now();
    this.counts.started += 1;
    w.unref();
    let why = '';
    w.on('message', (reply: PostReply) => this.answer(reply));
    w.on('error', (err: Error) => {
      why = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'its heap bound was reached' : err.message;
    });
    w.on('exit', (code) => {
      if (this.worker !== w) return; // terminated by close()
      this.worker = null;
      this.died(this.stalled ?? (why || `exit code ${code}`));
    });
  }

  /** A request went unanswered too long: the worker is stopped (its exit answers the rest and starts another). */
  private stall(w: Worker): void {
    if (this.worker !== w) return;
    this.stalled = `a post went unanswered for ${(this.options.replyTimeoutMs ?? REPLY_TIMEOUT_MS) / 1000} s`;
    void w.terminate().catch(() => undefined);
  }

  /** The worker stopped (or could not start): what it held is answered 503, and another starts after a pause. */
  private died(why: string): void {
    this.stalled = null;
    this.counts.died += 1;
    this.reason = 'the post worker stopped, retry later';
    this.fail(this.reason);
    if (this.closed) return;
    if (Date.now() - this.startedAt > STABLE_MS) this.deaths = 0;
    const pause = RESTART_MS[Math.min(this.deaths, RESTART_MS.length - 1)];
    this.deaths += 1;
    this.options.stopped?.(why, pause);
    this.restart = setTimeout(() => {
      this.restart = null;
      if (!this.closed) this.start();
    }, pause);
    this.restart.unref?.();
  }

  private answer(reply: PostReply): void {
    const w = this.waiting.get(reply.id);
    if (!w) return;
    this.waiting.delete(reply.id);
    clearTimeout(w.timer);
    this.queued -= w.bytes;
    if (this.waiting.size === 0) this.worker?.unref();
    w.resolve(reply);
  }

  /** Answers every waiting request 503. */
  private fail(reason: string): void {
    const all = [...this.waiting];
    this.waiting.clear();
    this.queued = 0;
    for (const [id, w] of all) {
      clearTimeout(w.timer);
      w.resolve(busy(id, reason));
    }
  }
}

/** Post workers a receiver starts by default: two (parsing runs on a second core), one on a single CPU. */
export function defaultWorkerCount(): number {
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cpus > 1 ? 2 : 1;
}

/** Most post workers one receiver starts (settings `cmxWorkers`). */
export const MAX_WORKERS = 16;

/**
 * A receiver's post workers: `count` PostWorkers (one with `thread: false`) behind the same
 * interface. A post goes to the ready worker with the fewest bytes waiting; the queue bound is
 * for all of them together.
 */
export class PostWorkerPool {
  private readonly workers: PostWorker[];

  constructor(private readonly options: PostWorkerOptions & { count?: number }) {
    const n = options.thread === false ? 1 : Math.min(MAX_WORKERS, Math.max(1, Math.floor(options.count ?? defaultWorkerCount())));
    this.workers = Array.from({ length: n }, () => new PostWorker(options));
  }

  /** Workers in the pool. */
  get size(): number {
    return this.workers.length;
  }

  /** Whether posts can be processed now (some worker runs). */
  get ready(): boolean {
    return this.workers.some((w) => w.ready);
  }

  /** Workers started, and stopped by a fault, in all. */
  get counts(): { started: number; died: number } {
    let started = 0;
    let died = 0;
    for (const w of this.workers) {
      started += w.counts.started;
      died += w.counts.died;
    }
    return { started, died };
  }

  /** Whether a body of `bytes` may be sent now (the bound is for the bodies waiting at every worker). */
  admits(bytes: number): boolean {
    if (!this.ready) return false;
    let queued = 0;
    for (const w of this.workers) queued += w.queuedBytes;
    return fits(queued, bytes, this.options.maxQueueBytes);
  }

  /** As PostWorker.submit, on the ready worker with the fewest bytes waiting (503 when none is ready). */
  submit(req: Submission): Promise<PostReply> {
    let best: PostWorker | null = null;
    for (const w of this.workers) if (w.ready && (best === null || w.queuedBytes < best.queuedBytes)) best = w;
    return (best ?? this.workers[0]).submit(req);
  }

  /** Terminates every worker; requests still waiting are answered 503. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

/** Whether `bytes` more may wait beside `queued` within the bound (one is always let in when none waits). */
function fits(queued: number, bytes: number, maxQueueBytes = WORKER_DEFAULTS.maxQueueBytes): boolean {
  return queued === 0 || queued + bytes <= maxQueueBytes;
}

function busy(id: number, error: string): PostReply {
  return { id, ok: false, status: 503, error };
}
