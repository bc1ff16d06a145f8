/**
 * What nodes that use a `meraki-api` config node see of it: its client (null when no key or a bad
 * base URL is configured; `problem` says why), and a register of its users, like core mqtt-broker.
 * A registered user is shown the API's state (rate limited, unauthorised) at once and on every
 * change, through `show` (default: its status); deregister() clears what was shown.
 */
import type { Node, NodeAPI, NodeStatus } from 'node-red';
import type { MerakiClient } from '../lib/meraki-api';

export type ShowApiState = (state: NodeStatus) => void;

export interface MerakiApiNode extends Node<{ apiKey?: string }> {
  client: MerakiClient | null;
  problem: string | null;
  register(user: Node, show?: ShowApiState): void;
  deregister(user: Node): void;
}

/** The meraki-api config node a user's setting names, or null (none chosen, or not deployed). */
export function merakiApi(RED: NodeAPI, id: string | undefined): MerakiApiNode | null {
  return id ? (RED.nodes.getNode(id) as MerakiApiNode | null) : null;
}
