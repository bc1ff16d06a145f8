/**
 * Shared set-up for node tests: the real Node-RED runtime through node-red-node-test-helper,
 * and the compiled nodes from dist/ (built by `npm test`'s pretest step).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Node, NodeMessage } from 'node-red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

const dist = path.resolve(__dirname, '..', '..', 'dist', 'nodes');

/**
 * Our message catalogues (en-US), so that texts read as in Node-RED: the test helper's own
 * `RED._` returns the bare key.
 */
function translate(key: string, vars: Record<string, unknown> = {}): string {
  const [type] = key.split('.');
  const file = path.join(dist, type, 'locales', 'en-US', `${type}.json`);
  let value: unknown;
  try {
    value = key.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string') return key;
  return value.replace(/__([a-zA-Z0-9_]+)__/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** The compiled module of one of our node types, with real catalogue texts. */
export function nodeModule(type: string): (red: any) => unknown {
  const mod = require(path.join(dist, type, `${type}.js`));
  return (red: any) => {
    red._ = translate;
    return mod(red);
  };
}

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
