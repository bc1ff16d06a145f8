/**
 * Shared set-up for node tests: the real Node-RED runtime through node-red-node-test-helper,
 * and the compiled nodes from dist/ (built by `npm test`'s pretest step). The runtime is the
 * project's node-red, or the one in the folder NODE_RED_PATH names (.ci/run: Node-RED 5).
 */
import type { Node, NodeMessage } from 'node-red';
import { NODE_RED_DIR } from './app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper');
helper.init(require.resolve(NODE_RED_DIR));

export { nodeModule } from './catalogue';

export type TestNode = Node & {
  receive(msg: Partial<NodeMessage> & Record<string, unknown>): void;
  on(event: 'input', cb: (msg: NodeMessage & Record<string, unknown>) => void): TestNode;
  on(event: string, cb: (...args: any[]) => void): TestNode;
};

export function getNode(id: string): TestNode {
  const n = helper.getNode(id);
  if (!n) throw new Error(`node ${id} not found`);
  return n as TestNode;
}

/** A message as a test sees it: anything goes. */
export type Received = Record<string, any>;

/** Collects the messages a helper node receives. */
export function collect(id: string): Received[] {
  const list: Received[] = [];
  getNode(id).on('input', (msg) => list.push(msg));
  return list;
}

/** Resolves when `check()` is true, polling; rejects after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets Node-RED deliver every message queued so far (delivery is asynchronous). */
export function settle(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
