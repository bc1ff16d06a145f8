/**
 * meraki-api (config): the Dashboard API key (a credential) and base URL. Owns one client and one
 * rate limiter shared by every node that uses it, and shows its state on their status
 * (rate limited, unauthorised), like core mqtt-broker does for its users.
 */
import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import { API_SETTINGS, MerakiClient, RateLimiter } from '../../src/lib/meraki-api';
import { envText, numberOr } from '../../src/red/config';
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
    try {
      if (!key) throw new Error(RED._('meraki-api.errors.noKey'));
      const timeoutS = numberOr(config.timeoutS, API_SETTINGS.timeoutS);
      const rate = numberOr(config.rate, API_SETTINGS.rate);
      let last: string | null = null;
      node.client = new MerakiClient({
        baseUrl: envText(RED, node, config.baseUrl).trim() || DEFAULT_BASE,
        apiKey: key,
        timeoutMs: timeoutS * 1000,
        limiter: new RateLimiter(rate, rate),
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
