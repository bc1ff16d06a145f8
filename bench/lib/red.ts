/**
 * A real Node-RED runtime in this process through node-red-node-test-helper, for benches.
 *
 * The helper turns Node.prototype's send/status/log/... into sinon spies that record every call
 * (arguments included) and schedule a nextTick event per call: test instrumentation whose cost and
 * memory grow with every message. `load()` puts the runtime's own methods back once the flow is
 * started (on Node.prototype and on the instances that copied `send`), for every node alike: ours,
 * the pass-through baseline and the core nodes.
 */
import { nodeModule } from '../../test/support/catalogue';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

const PROXIED = ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send'] as const;

export type NodeModule = (red: any) => unknown;

/** The compiled module (dist/) of one of our node types, with its real catalogue texts. */
export const ourNode = nodeModule as (type: string) => NodeModule;

/** Node-RED's own core MQTT nodes (mqtt-broker, mqtt in, mqtt out). */
export function coreMqttNodes(): NodeModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('@node-red/nodes/core/network/10-mqtt.js', { paths: [require.resolve('node-red')] }));
}

export async function start(): Promise<void> {
  await helper.startServer();
}

export async function stop(): Promise<void> {
  await helper.stopServer();
}

/**
 * Loads and starts a flow, then removes the helper's spies (see the file comment). `credentials`
 * (node id → credentials) as node-red-node-test-helper takes them; none by default.
 */
export async function load(modules: NodeModule[], flow: object[], credentials?: Record<string, object>): Promise<void> {
  const proto = helper._NodePrototype;
  const log = helper._log;
  const saved = PROXIED.map((m) => proto[m]);
  const savedLog = log.log;
  await helper.load(modules, flow, credentials ?? {});
  const spiedSend = proto.send;
  PROXIED.forEach((m, i) => {
    proto[m] = saved[i];
  });
  log.log = savedLog;
  // Node's constructor copies the (then spied) send onto every instance with wires
  for (const n of flow as { id?: string }[]) {
    const node = n.id ? helper.getNode(n.id) : null;
    if (node && node.send === spiedSend) node.send = proto.send;
  }
}

export async function unload(): Promise<void> {
  await helper.unload();
}

export function getNode(id: string): any {
  const n = helper.getNode(id);
  if (!n) throw new Error(`node ${id} not found`);
  return n;
}

/**
 * Counts the messages a helper node receives; `until(n)` resolves with the high-resolution time
 * (ms, performance.now()) at which the n-th arrived.
 */
export function counter(id: string): { readonly count: number; reset(): void; until(n: number): Promise<number> } {
  let count = 0;
  let target = Infinity;
  let resolve: ((t: number) => void) | null = null;
  getNode(id).on('input', () => {
    count += 1;
    if (count === target && resolve) {
      const r = resolve;
      resolve = null;
      r(performance.now());
    }
  });
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
    until(n: number) {
      target = n;
      if (count >= n) return Promise.resolve(performance.now());
      return new Promise((r) => {
        resolve = r;
      });
    },
  };
}

/** Node-RED's own core HTTP nodes (http in, http response). */
export function coreHttpNodes(): NodeModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('@node-red/nodes/core/network/21-httpin.js', { paths: [require.resolve('node-red')] }));
}

/** Node-RED's own core change node. */
export function coreChangeNode(): NodeModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('@node-red/nodes/core/function/15-change.js', { paths: [require.resolve('node-red')] }));
}
