/**
 * Errors about a message, for catch nodes. Node-RED copies the message for each catch node with a
 * recursive clone, which overflows the stack on a payload nested some thousands of levels deep
 * (easy to send over MQTT or HTTP): then the error goes with only the message's id and topic.
 */
import type { Node, NodeMessage } from 'node-red';

export function reportError(node: Node, text: string, msg: NodeMessage): void {
  try {
    node.error(text, msg);
  } catch {
    node.error(text, { _msgid: msg._msgid, topic: typeof msg.topic === 'string' ? msg.topic : undefined });
  }
}

/** A value (e.g. a topic) for an error text: short, and never String() of an object (it can throw). */
export function shortText(v: unknown, max = 200): string {
  const s = (typeof v === 'object' && v !== null) || typeof v === 'function' ? `(${typeof v})` : String(v);
  return s.length > max ? s.slice(0, max) + '…' : s;
}
