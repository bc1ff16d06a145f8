/**
 * meraki-api (config): the Dashboard API key (a credential) and base URL. Owns one client and one
 * rate limiter shared by every node that uses it, and shows its state on their status
 * (rate limited, unauthorised), like core mqtt-broker does for its users. Without a key the API
 * is off (grey); a timeout or rate the editor refuses is an error (red), shown by every user.
 */
import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import { API_SETTINGS, MerakiClient, RateLimiter } from '../../src/lib/meraki-api';
import { envText, numberSettings } from '../../src/red/config';
import type { MerakiApiNode, ShowApiState } from '../../src/red/meraki-api-node';

interface MerakiApiDef extends NodeDef {
  baseUrl: string;
  timeoutS: string;
  rate: string;
}

const DEFAULT_BASE = 'https://api.meraki.com/api/v1';

export = function (RED: NodeAPI): void {
  function MerakiApiConfigNode(this: Node<Record<string, unknown>>, config: MerakiApiDef): void {
    RED.nodes.createNode(this, config);
    const node = this as unknown as MerakiApiNode;
    const users = new Map<Node, ShowApiState>();
    let state: NodeStatus = {};
    const show = (s: NodeStatus): void => {
      state = s;
      for (const showTo of users.values()) showTo(s);
    };
    node.client = null;
    node.problem = null;
    const key = envText(RED, node, node.credentials?.apiKey).trim();
    let settings: Record<'timeoutS' | 'rate', number> | null = null;
    try {
      settings = numberSettings(config, API_SETTINGS);
      if (!key) throw new Error(RED._('meraki-api.errors.noKey'));
      let last: string | null = null;
      node.client = new MerakiClient({
        baseUrl: envText(RED, node, config.baseUrl).trim() || DEFAULT_BASE,
        apiKey: key,
        timeoutMs: settings.timeoutS * 1000,
        limiter: new RateLimiter(settings.rate, settings.rate),
        onEvent: (event) => {
          if (event === last) return;
          last = event;
          if (event === 'rate-limited') show({ fill: 'yellow', shape: 'ring', text: RED._('meraki-api.status.rateLimited') });
          else if (event === 'unauthorised') show({ fill: 'red', shape: 'ring', text: RED._('meraki-api.status.unauthorised') });
          else show({ fill: 'green', shape: 'dot', text: RED._('meraki-api.status.ok') });
        },
      });
    } catch (err) {
      node.problem = (err as Error).message;
      state = { fill: 'grey', shape: 'ring', text: RED._('meraki-api.status.off') };
      if (!settings) {
        // a value the editor refuses: an error, and every user shows it
        node.problem = RED._('meraki-api.errors.config', { reason: node.problem });
        node.error(node.problem);
        state = { fill: 'red', shape: 'ring', text: RED._('meraki-api.status.config') };
      }
    }

    node.register = (user, showTo = (s) => user.status(s)) => {
      users.set(user, showTo);
      showTo(state);
    };
    node.deregister = (user) => {
      users.get(user)?.({});
      users.delete(user);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      node.client?.limiter.stop();
      users.clear();
      done();
    });
  }

  RED.nodes.registerType('meraki-api', MerakiApiConfigNode, {
    credentials: { apiKey: { type: 'password' } },
  });
};
