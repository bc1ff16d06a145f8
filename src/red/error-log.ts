/**
 * Errors about messages without a log line per message. A flood of invalid messages (10,000 junk
 * MQTT messages wrote 10,002 lines) must not flood the log, yet every error must still reach the
 * node's catch nodes. Node-RED logs an error only when no catch node handled it; so each error
 * goes to the catch nodes first, and of the unhandled ones the log gets the first `burst` of each
 * window in full, then one line with how many more there were (at the end of the window, and
 * when the node closes).
 */
import type { Node, NodeMessage } from 'node-red';
import { reportError } from './report';

/** What a node exposes of its flow (Node-RED's own Node#error calls the same). */
type FlowOf = { _flow?: { handleError?: (node: Node, text: string, msg: NodeMessage) => boolean } };

export class ThrottledErrors {
  private logged = 0;
  private suppressed = 0;
  private lastText = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly node: Node,
    /** the line for the ones not logged: e.g. "1,234 more invalid messages (last: …)" */
    private readonly summary: (count: number, last: string) => string,
    private readonly burst = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Reports one error about `msg`: to the catch nodes always, to the log within the limits. */
  report(text: string, msg: NodeMessage): void {
    const flow = (this.node as unknown as FlowOf)._flow;
    if (!flow || typeof flow.handleError !== 'function') {
      reportError(this.node, text, msg); // a runtime without it: one line each, as before
      return;
    }
    let handled: boolean;
    try {
      handled = flow.handleError(this.node, text, msg);
    } catch {
      // too deep for Node-RED's clone (see report.ts): the error goes with the id and topic only
      handled = flow.handleError(this.node, text, { _msgid: msg._msgid, topic: typeof msg.topic === 'string' ? msg.topic : undefined } as NodeMessage);
    }
    if (handled) return;
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref?.();
    }
    if (this.logged < this.burst) {
      this.logged += 1;
      this.node.error(text);
    } else {
      this.suppressed += 1;
      this.lastText = text;
    }
  }

  /** Logs how many were not (at the end of a window, and on close); starts a new window. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.suppressed > 0) this.node.error(this.summary(this.suppressed, this.lastText));
    this.logged = 0;
    this.suppressed = 0;
    this.lastText = '';
  }
}
