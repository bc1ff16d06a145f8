/**
 * The receiver's side of its post worker (post-worker-thread.ts): one long-lived worker thread
 * per receiver, started with the receiver and terminated when it closes. Posts go in order and
 * their replies come back in order (one request at a time on the thread). Bounded: bodies queued
 * at the worker beyond `maxQueueBytes` are refused (503) before they are sent, one is always let
 * in when none waits. A worker that dies (an uncaught error, its heap bound reached) is started
 * again (at once, then after a growing pause while it keeps dying); the requests it held are
 * answered 503 (the sender posts them again: none was acknowledged) and so are those that come
 * before the new one runs. With `thread: false` the same PostProcessor runs on this thread
 * (settings `cmxWorker: false`), with the same replies. Framework-free.
 */
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
  /** @internal the worker's script (tests) */
  script?: string;
}

export const WORKER_DEFAULTS = Object.freeze({ heapMB: 1024, maxQueueBytes: 64 * 1024 * 1024 });
/** Pauses before a restart while the worker keeps dying (ms): at once, then growing to 10 s. */
const RESTART_MS = [0, 250, 1000, 4000, 10_000];
/** A worker that ran this long without dying starts the pauses over. */
const STABLE_MS = 60_000;

export type Submission = Omit<PostRequest, 'id'>;

interface Waiting {
  resolve: (r: PostReply) => void;
  bytes: number;
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

  /** Bytes of bodies sent to the worker and not yet answered. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Whether a body of `bytes` may be sent now. */
  admits(bytes: number): boolean {
    const max = this.options.maxQueueBytes ?? WORKER_DEFAULTS.maxQueueBytes;
    return this.ready && (this.queued === 0 || this.queued + bytes <= max);
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
    if (!this.worker) return Promise.resolve(busy(id, this.reason || 'closed'));
    const bytes = req.body?.byteLength ?? 0;
    const body = req.body && alone(req.body);
    return new Promise<PostReply>((resolve) => {
      this.waiting.set(id, { resolve, bytes });
      this.queued += bytes;
      if (this.waiting.size === 1) this.worker!.ref();
      this.worker!.postMessage({ ...req, body, id }, body ? [body.buffer as ArrayBuffer] : []);
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
    const w = new Worker(script, {
      workerData: this.options.config,
      // (not the process's flags: some do not apply to a thread; tsx when running from source)
      execArgv: ts || script.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [],
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMB ?? WORKER_DEFAULTS.heapMB },
      stdout: false,
      stderr: false,
    });
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
      this.counts.died += 1;
      this.reason = 'the post worker stopped, retry later';
      this.fail(this.reason);
      if (this.closed) return;
      if (Date.now() - this.startedAt > STABLE_MS) this.deaths = 0;
      const pause = RESTART_MS[Math.min(this.deaths, RESTART_MS.length - 1)];
      this.deaths += 1;
      this.options.stopped?.(why || `exit code ${code}`, pause);
      this.restart = setTimeout(() => {
        this.restart = null;
        if (!this.closed) this.start();
      }, pause);
      this.restart.unref?.();
    });
  }

  private answer(reply: PostReply): void {
    const w = this.waiting.get(reply.id);
    if (!w) return;
    this.waiting.delete(reply.id);
    this.queued -= w.bytes;
    if (this.waiting.size === 0) this.worker?.unref();
    w.resolve(reply);
  }

  /** Answers every waiting request 503. */
  private fail(reason: string): void {
    const all = [...this.waiting];
    this.waiting.clear();
    this.queued = 0;
    for (const [id, w] of all) w.resolve(busy(id, reason));
  }
}

function busy(id: number, error: string): PostReply {
  return { id, ok: false, status: 503, error };
}
