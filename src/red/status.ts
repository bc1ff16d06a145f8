/**
 * Status dots without flooding the editor: a node calls `touch()` on every message; the status is
 * recomputed and sent at most once per interval (and once more after the last change).
 * `setFailed(text)` shows a red ring in place of the computed status until `clearFailed()`
 * (a write that failed, until one succeeds); `set()` shows a status at once (config problems).
 */
import type { Node, NodeStatus } from 'node-red';

export class ThrottledStatus {
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private last = '';
  private stopped = false;
  private failure: NodeStatus | null = null;

  constructor(
    private readonly node: Node,
    private readonly compute: () => NodeStatus,
    private readonly intervalMs = 500,
  ) {}

  /** Something changed: refresh now if idle, else at the end of the current interval. */
  touch(): void {
    if (this.stopped) return;
    if (this.timer) {
      this.dirty = true;
      return;
    }
    this.show();
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
    this.timer.unref?.();
  }

  /** Shows a status right away (errors, config problems). */
  set(status: NodeStatus): void {
    if (this.stopped) return;
    this.apply(status);
  }

  /** A red ring with `text` instead of the computed status, until clearFailed(). */
  setFailed(text: string): void {
    this.failure = { fill: 'red', shape: 'ring', text };
    this.touch();
  }

  clearFailed(): void {
    if (!this.failure) return;
    this.failure = null;
    this.touch();
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    this.timer = null;
    if (this.dirty) {
      this.dirty = false;
      this.touch();
    }
  }

  private show(): void {
    this.apply(this.failure ?? this.compute());
  }

  private apply(status: NodeStatus): void {
    const key = JSON.stringify(status);
    if (key === this.last) return;
    this.last = key;
    this.node.status(status);
  }
}
