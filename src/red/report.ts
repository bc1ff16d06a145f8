/**
 * The one error contract of our nodes.
 *
 *   failMessage(node, msg, done, text, status?)  a message that failed: `status.touch()` shows the
 *       failure (the node's ThrottledStatus computes it: a red ring via setFailed(), or its
 *       dropped-input count), then `done(err)`: Catch nodes get the message with
 *       `msg.error.message` = text, Complete nodes do not fire, the log gets the text once.
 *   reportError(node, text, msg)  an error about a message that is not the one being handled
 *       (node.error(text, msg)), with the same protection and the same log limit.
 *   errorSummary(node, line)  the node's own words for the log line that counts the errors not
 *       logged one by one (below).
 *   shortText(v)  a value for an error text: short, never String() of an object.
 *
 * Protection: Node-RED clones the message for each Catch node with a recursive clone, which
 * overflows the stack on a payload nested some thousands of levels deep (easy to send over MQTT or
 * HTTP): then the error goes with only the message's id and topic.
 *
 * The log (issue 10: 10,000 invalid MQTT messages wrote 10,002 lines): Node-RED logs an error only
 * when no Catch node took it. Every error still reaches the Catch nodes, but of each node's errors
 * the first LOG_BURST of a minute go the ordinary way (logged in full when no Catch node took them);
 * the rest of that minute go to the Catch nodes directly (the flow's handleError, which node.error
 * calls too) and those no Catch node took are counted, then logged as one line at the end of the
 * minute and when the node closes. Such a message is not passed to done(err): Node-RED would log it
 * again; like done(err), nothing else completes it (Complete nodes do not fire).
 */
import type { Node, NodeMessage } from 'node-red';

export type Done = (err?: Error) => void;

/** The errors of one node logged in full per window; the rest of the window are counted. */
export const LOG_BURST = 5;
export const LOG_WINDOW_MS = 60_000;

/** An Error whose text is its message alone (Node-RED shows String(err) to Catch nodes and in the log). */
export class MessageError extends Error {
  override name = 'MessageError';
  override toString(): string {
    return this.message;
  }
}

/** The part of a message an error can always carry. */
function slim(msg: NodeMessage): NodeMessage {
  return { _msgid: msg._msgid, topic: typeof msg.topic === 'string' ? msg.topic : undefined };
}

/** What a node exposes of its flow (Node-RED's own Node#error calls the same). */
type FlowOf = { _flow?: { handleError?: (node: Node, text: unknown, msg: NodeMessage) => boolean } };

type Summary = (count: number, last: string) => string;

const defaultSummary: Summary = (n, last) =>
  `${n.toLocaleString('en-US')} more errors in the last minute, not logged one by one (a catch node gets each); the last: ${last}`;

/** One node's log budget (LOG_BURST errors per LOG_WINDOW_MS), made on its first error. */
class ErrorLog {
  summary: Summary = defaultSummary;
  private reported = 0;
  private suppressed = 0;
  private lastText = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly node: Node) {
    node.on('close', (_removed: boolean, done: () => void) => {
      this.flush();
      done();
    });
  }

  /**
   * Reports `err` about `msg`: `ordinary` (done(err) or node.error(err, msg): Catch nodes, and the
   * log when none took it) while the window's burst lasts, else to the Catch nodes directly.
   */
  report(err: Error, msg: NodeMessage, ordinary: () => void): void {
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), LOG_WINDOW_MS);
      this.timer.unref?.();
    }
    const flow = (this.node as unknown as FlowOf)._flow;
    if (this.reported < LOG_BURST || !flow || typeof flow.handleError !== 'function') {
      this.reported += 1;
      ordinary();
      return;
    }
    let handled: boolean;
    try {
      handled = flow.handleError(this.node, err, msg);
    } catch {
      handled = flow.handleError(this.node, err, slim(msg)); // too deep for Node-RED's clone
    }
    if (handled) return;
    this.suppressed += 1;
    this.lastText = err.message;
  }

  /** Logs how many were not (at the end of a window, and on close); starts a new window. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.suppressed > 0) this.node.error(this.summary(this.suppressed, this.lastText));
    this.reported = 0;
    this.suppressed = 0;
    this.lastText = '';
  }
}

const logs = new WeakMap<Node, ErrorLog>();

function logOf(node: Node): ErrorLog {
  let log = logs.get(node);
  if (!log) {
    log = new ErrorLog(node);
    logs.set(node, log);
  }
  return log;
}

/** The node's own words for "n more errors (the last: …)", e.g. from its message catalogue. */
export function errorSummary(node: Node, line: Summary): void {
  logOf(node).summary = line;
}

/** A failed message: failure status, then done(err) so Catch nodes see it and Complete nodes do not. */
export function failMessage(node: Node, msg: NodeMessage, done: Done, text: string, status?: { touch(): void }): void {
  status?.touch();
  const err = new MessageError(text);
  logOf(node).report(err, msg, () => {
    try {
      done(err);
    } catch {
      node.error(err, slim(msg));
    }
  });
}

export function reportError(node: Node, text: string, msg: NodeMessage): void {
  logOf(node).report(new MessageError(text), msg, () => {
    try {
      node.error(text, msg);
    } catch {
      node.error(text, slim(msg));
    }
  });
}

/** A value (e.g. a topic) for an error text: short, and never String() of an object (it can throw). */
export function shortText(v: unknown, max = 200): string {
  const s = (typeof v === 'object' && v !== null) || typeof v === 'function' ? `(${typeof v})` : String(v);
  return s.length > max ? s.slice(0, max) + '…' : s;
}
