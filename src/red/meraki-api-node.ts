/** What nodes that use a `meraki-api` config node see of it. */
import type { Node } from 'node-red';
import type { MerakiClient } from '../lib/meraki-api';

export interface MerakiApiNode extends Node<{ apiKey?: string }> {
  /** null when no key (or a bad base URL) is configured; `problem` says why */
  client: MerakiClient | null;
  problem: string | null;
  /** the user's status follows the API's state (rate limited, unauthorised) */
  register(user: Node): void;
  deregister(user: Node): void;
}
