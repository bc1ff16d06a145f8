/**
 * Reading a node's settings, and failing the same way everywhere when they are wrong.
 *
 *   failConfig(node, reason, statusText, inputError?)   a node whose settings cannot work:
 *                                          node.error(reason) (logged, readable), a red ring with
 *                                          `statusText`, and an input handler: messages pass by
 *                                          unhandled (done()), or, given `inputError`, each one
 *                                          fails with that text (failMessage: Catch nodes see it).
 *   fromSettings(RED, node, type, build)   what the settings make (`build()`), or null after a
 *                                          failConfig with the node's catalogue texts
 *                                          `<type>.errors.config` and `<type>.status.config`.
 *   numberOption / numberOptions / numberSettings / numberOr   number settings with default,
 *                                          min/above/max, whole numbers (src/lib/options.ts;
 *                                          re-exported here). A value the editor refuses fails the
 *                                          node; numberOr, which falls back instead, is left only
 *                                          for cmx-receiver's body limit.
 *   envText(RED, node, text)              a text setting with its `${VAR}` references replaced from
 *                                          the node's environment (node, group, flow, global, process);
 *                                          an unset variable of the supplied application takes its
 *                                          default (src/lib/env), said once in the log as info.
 *   dataPath(RED, node, text)             the absolute path of a CSV file setting: null when empty;
 *                                          envText, then a relative path taken from Node-RED's
 *                                          fileWorkingDirectory if set, else its user directory. The
 *                                          one place that decides how file settings resolve.
 */
import * as path from 'path';
import type { Node, NodeAPI } from 'node-red';
import { defaultNotice, expandEnv } from '../lib/env';
import { failMessage } from './report';

export { isUnset, numberOption, numberOptions, numberOr, numberSettings } from '../lib/options';
export type { NumberRule } from '../lib/options';

declare module '@node-red/runtime' {
  interface LocalSettings {
    /** core file nodes resolve relative paths against it (settings.js) */
    fileWorkingDirectory?: string;
  }
}

/** A node whose settings cannot work: error, red ring; messages pass by, or fail with `inputError`. */
export function failConfig(node: Node, reason: string, statusText: string, inputError?: string): void {
  node.error(reason);
  node.status({ fill: 'red', shape: 'ring', text: statusText });
  node.on('input', (msg, _send, done) => (inputError === undefined ? done() : failMessage(node, msg, done, inputError)));
}

/** What the node's settings make, or null when they cannot work (then the node failed: failConfig). */
export function fromSettings<T>(RED: NodeAPI, node: Node, type: string, build: () => T): T | null {
  try {
    return build();
  } catch (err) {
    failConfig(node, RED._(`${type}.errors.config`, { reason: (err as Error).message }), RED._(`${type}.status.config`));
    return null;
  }
}

/** The variables already reported as unset in this process: each is said once. */
const reported = new Set<string>();

/** A text setting with its `${VAR}` replaced; an unset one takes its default (reported once). */
export function envText(RED: NodeAPI, node: Node, text: unknown): string {
  if (typeof text !== 'string') return '';
  return expandEnv(text, (name) => RED.util.getSetting(node, name), (name) => {
    if (reported.has(name)) return;
    reported.add(name);
    node.log(defaultNotice(name));
  });
}

/** For tests: report unset variables again. */
export function forgetReportedEnv(): void {
  reported.clear();
}

/** The absolute path a file setting names, or null when it is empty. */
export function dataPath(RED: NodeAPI, node: Node, text: unknown): string | null {
  const raw = typeof text === 'string' ? text.trim() : '';
  if (!raw) return null;
  const base = RED.settings.fileWorkingDirectory || RED.settings.userDir || process.cwd();
  return path.resolve(base, envText(RED, node, raw));
}
