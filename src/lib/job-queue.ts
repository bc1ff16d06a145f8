/**
 * Jobs run a few at a time, the rest waiting in a bounded queue: when it is full the oldest waiting
 * job is dropped (given to `onDropped`), so a burst never piles up requests. close() aborts the
 * running jobs (their signal) and hands back the waiting ones. Framework-free.
 */
export interface JobQueueOptions<J> {
  /** jobs running at once */
  concurrency: number;
  /** jobs waiting at most; more drop the oldest */
  maxWaiting: number;
  /** runs a job; the queue moves on when the promise settles (a rejection is the job's business) */
  run: (job: J, signal: AbortSignal) => Promise<unknown>;
  onDropped: (job: J) => void;
}

export class JobQueue<J> {
  private readonly waiting: J[] = [];
  private running = 0;
  private readonly abort = new AbortController();

  constructor(private readonly options: JobQueueOptions<J>) {}

  get size(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** True once close() was called (running jobs are being aborted). */
  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  push(job: J): void {
    if (this.closed) return;
    this.waiting.push(job);
    if (this.waiting.length > this.options.maxWaiting) this.options.onDropped(this.waiting.shift()!);
    this.next();
  }

  /** Aborts what runs and returns what waited (not run). */
  close(): J[] {
    this.abort.abort();
    return this.waiting.splice(0);
  }

  private next(): void {
    while (this.running < this.options.concurrency && this.waiting.length && !this.closed) {
      const job = this.waiting.shift()!;
      this.running += 1;
      this.options
        .run(job, this.abort.signal)
        .catch(() => undefined)
        .finally(() => {
          this.running -= 1;
          this.next();
        });
    }
  }
}
