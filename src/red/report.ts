/**
 * The one error contract of our nodes.
 *
 *   failMessage(node, msg, done, text, status?)  a message that failed: `status.touch()` shows the
 *       failure (the node's ThrottledStatus computes it: a red ring via setFailed(), or its
 *       dropped-input count), then `done(err)`: Catch nodes get the message with
 *       `msg.error.message` = text, Complete nodes do not fire, the log gets the text once.
 *   reportError(node, text, msg)  an error about a message that is not the one being handled
 *       (node.error(text, msg)), with the same protection.
 *   shortText(v)  a value for an error text: short, never String() of an object.
 *
 * Protection: Node-RED clones the message for each Catch node with a recursive clone, which
 * overflows the stack on a payload nested some thousands of levels deep (easy to send over MQTT or
 * HTTP): then the error goes with only the message's id and topic.
 */
import type { Node, NodeMessage } from 'node-red';

export type Done = (err?: Error) => void;

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

/** A failed message: failure status, then done(err) so Catch nodes see it and Complete nodes do not. */
export function failMessage(node: Node, msg: NodeMessage, done: Done, text: string, status?: { touch(): void }): void {
  status?.touch();
  const err = new MessageError(text);
  try {
    done(err);
  } catch {
    node.error(err, slim(msg));
  }
}

export function reportError(node: Node, text: string, msg: NodeMessage): void {
  try {
    node.error(text, msg);
  } catch {
    node.error(text, slim(msg));
  }
}

/** A value (e.g. a topic) for an error text: short, and never String() of an object (it can throw). */
export function shortText(v: unknown, max = 200): string {
  const s = (typeof v === 'object' && v !== null) || typeof v === 'function' ? `(${typeof v})` : String(v);
  return s.length > max ? s.slice(0, max) + '…' : s;
}
